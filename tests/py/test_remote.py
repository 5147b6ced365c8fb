"""test_remote -- an index served by stock xapian-tcpsrv (docs/SCALE.md):
leded on a front whose stub names remote servers answers as leded on the
index itself (the same ids in the same order, the same exact counts,
scores within 0.5%), for every query class: words, phrases, NEAR,
wildcards, fields, dates, sort by date, GET and snippets; a shard's
replicas (#lede-replicas) take over when its server dies, an error comes
at once when none answers, and the server is used again once it is back;
a replica that hangs is passed over the same way, one that closes an idle
connection is not.
corpus/ always: whole behind one server, and in 3 shards copied by
xapian-replicate (a new article reaches the front after replication); the
Reuters query mix (1,200 queries, three shapes each) in 2 and 4 shards when
../shared is there."""
# tests/run: long -- minutes of CPU in make test: started before the short tests.
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading

from ledetest import (INDEXER, ROOT, TCPSRV, Daemon, PortHold, Scratch, TcpSrv, build_index, check, check_eq,
                      eventually, finish, kill_servers, stats, status_field)

SHARED = os.environ.get("LEDE_SHARED") or os.path.join(ROOT, "..", "shared")
REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
# --remote-timeout where a replica must answer in time (seconds).
REMOTE_TIMEOUT = "4"


class Replicator:
    """xapian-replicate-server on the directory holding an index's
    databases, and one-shot copies of them."""

    def __init__(self, parent):
        self.parent = parent
        self.hold = PortHold()  # xapian-replicate-server sets SO_REUSEADDR, as tcpsrv does
        self.port = self.hold.port
        self.proc = subprocess.Popen(["xapian-replicate-server", "-I", "127.0.0.1", "-p", str(self.port), parent],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)

    def replicate(self, name, dest):
        """Brings dest up to date with the master's database name; the
        server may still be starting, so a refused connection is retried."""
        for _ in range(200):
            r = subprocess.run(["xapian-replicate", "-h", "127.0.0.1", "-p", str(self.port), "-m", name,
                                "-o", "-q", dest], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0 or "onnect" not in r.stdout:
                return r.returncode
            select.select([], [], [], 0.01)
        return r.returncode

    def kill(self):
        TcpSrv.kill(self)


def binds(port):
    """Whether a socket of another test (no SO_REUSEADDR) could bind port."""
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def connection_children(pid):
    """The live processes xapian-tcpsrv pid forked, one a connection."""
    kids = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/stat" % p) as f:
                    state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(ppid) == pid and state != "Z":
                kids.append(int(p))
    return kids


def server_writes(srvs):
    """Write calls made so far by the connection processes of srvs."""
    total = 0
    for srv in srvs:
        for kid in connection_children(srv.proc.pid):
            with open("/proc/%d/io" % kid) as f:
                total += int(re.search(r"syscw: (\d+)", f.read()).group(1))
    return total


def strip_scores(reply):
    """A reply's status line without timing, and its hits without scores."""
    return [head(reply)] + ["\t".join(f for i, f in enumerate(line.split("\t")) if i != 3) for line in reply[1:]]


def write_front(front, lines):
    os.makedirs(front, exist_ok=True)
    with open(os.path.join(front, "XAPIANDB.new"), "w") as f:
        f.write("".join(line + "\n" for line in lines))
    os.rename(os.path.join(front, "XAPIANDB.new"), os.path.join(front, "XAPIANDB"))


def hits(reply):
    """(id, score, date) of each HIT line."""
    out = []
    for line in reply[1:]:
        f = line.split("\t")
        if f[0] == "HIT":
            out.append((f[2], float(f[3]), f[4]))
    return out


def canonical(hs, want, slack=1e-9):
    """The ids in order, those of a run of equal scores and dates sorted
    (the order of an exact tie depends on document ids, which sharding
    changes); a tie run that reaches the end of a full page is left out,
    since which of its members make the page is the same kind of tie."""
    runs, i = [], 0
    while i < len(hs):
        j = i
        while j + 1 < len(hs) and (slack > 1e-9 or hs[j + 1][2] == hs[i][2]) and \
                abs(hs[j + 1][1] - hs[j][1]) <= slack * hs[j][1]:
            j += 1
        runs.append(sorted(h[0] for h in hs[i:j + 1]))
        i = j + 1
    if len(hs) == want and runs and len(runs) > 1:
        runs.pop()
    return [x for run in runs for x in run]


def head(reply):
    """A reply's status line without its timing."""
    return re.sub(r" took_us=\d+", "", reply[0])


def compare(local, remote, queries, label, shapes, wildcard_slack=0.005):
    """Every query at every shape through both daemons: the same status
    lines and ids, scores within 0.5%.  A wildcard's score may differ more
    on a tiny collection (wildcard_slack): a remote server weighs it as
    Xapian's OP_SYNONYM, whose estimate of how many articles hold any of
    its words is rounded to whole articles at each pair of words, where
    lede's own (wildcard.hh) rounds once, and each shard's server builds
    its own tree of pairs; on Reuters they differ by 0.04% at most, on the
    46 articles of corpus/ by a few percent.  So a wildcard's hits whose
    scores are that close may come in another order."""
    a, b = local.connect(), remote.connect()
    bad, worst, wild, asked = 0, 0.0, 0.0, 0
    for q in queries:
        for shape in shapes:
            req = shape % q
            ra, rb = a.ask(req), b.ask(req)
            asked += 1
            ha, hb = hits(ra), hits(rb)
            # a wildcard's near-ties may swap: see wildcard_slack
            slack = wildcard_slack if "*" in q else 1e-9
            same = head(ra) == head(rb) and canonical(ha, 20, slack) == canonical(hb, 20, slack)
            scores = {h[0]: h[1] for h in ha}
            for h in hb:
                if h[0] in scores and scores[h[0]] > 0:
                    off = abs(h[1] - scores[h[0]]) / scores[h[0]]
                    if "*" in q:
                        bad += off > wildcard_slack
                        wild = max(wild, off)
                    else:
                        worst = max(worst, off)
            if not same:
                bad += 1
                if bad <= 3:
                    print("# %s differs: %s\n#   local  %s %s\n#   remote %s %s" %
                          (label, req, ra[0], [h[0] for h in ha][:8], rb[0], [h[0] for h in hb][:8]))
    a.close()
    b.close()
    check_eq(bad, 0, "%s: %d requests, the same totals, ids and order as the local index" % (label, asked))
    check(worst <= 0.005, "%s: scores within 0.5%% of the local index's (worst %.5f%%; wildcards %.5f%%)" %
          (label, worst * 100, wild * 100))


def compare_tiered(whole, tiered, queries, label):
    """Ranked pages (no exact count) of a front trying a tier run for every
    query (LEDE_TIERS_ALWAYS; src/engine/tiers.cc) against the local index
    matching every candidate (LEDE_TIERS_OFF): the same ids in the same
    order, the same total where both are exact, and a tenth of the mix at
    least ranked from the tiers through the remote servers."""
    a, b = whole.connect(), tiered.connect()
    bad, runs = 0, 0
    for q in queries:
        ra, rb = a.ask("SEARCH limit=20 snippet=0 -- %s" % q), b.ask("SEARCH limit=20 snippet=0 -- %s" % q)
        runs += " tiered=1" in rb[0]
        exact = status_field(ra, "exact") == "1" and status_field(rb, "exact") == "1"
        slack = 0.005 if "*" in q else 1e-9  # a wildcard's near-ties may swap: see compare
        same = ra[0].split()[0] == rb[0].split()[0] and \
            canonical(hits(ra), 20, slack) == canonical(hits(rb), 20, slack) and \
            (not exact or status_field(ra, "total") == status_field(rb, "total"))
        if not same:
            bad += 1
            if bad <= 3:
                print("# %s differs: %s\n#   local  %s %s\n#   remote %s %s" %
                      (label, q, ra[0], [h[0] for h in hits(ra)][:8], rb[0], [h[0] for h in hits(rb)][:8]))
    a.close()
    b.close()
    check_eq(bad, 0, "%s: %d ranked pages, the same ids and order as the whole local match" % (label, len(queries)))
    check(runs >= len(queries) // 10, "%s: tier runs through the remote servers answered a tenth of the mix at "
          "least (%d of %d)" % (label, runs, len(queries)))


SHAPES = ["SEARCH limit=20 exact=1 snippet=0 -- %s",
          "SEARCH limit=20 exact=1 snippet=0 sort=date -- %s",
          "COUNT %s"]
SMALL_QUERIES = ["bank", "rates OR growth", '"interest rates"', "govern*", "title:bank",
                 "bank NEAR/5 rates", "bank -rates", "date:2024-01-01..2026-12-31 bank",
                 "vot* OR elect*", "the", '"chief executive"', "zzzqqq"]

scratch = Scratch()
servers = []
try:
    if subprocess.run(["which", TCPSRV], stdout=subprocess.DEVNULL).returncode != 0:
        check(False, "xapian-tcpsrv is installed (Debian's xapian-tools; make deps)")
        finish()
    index = scratch.join("whole.idx")
    build_index(index, os.path.join(ROOT, "corpus"))
    srv = TcpSrv(index)
    servers.append(srv)
    front = scratch.join("front")
    write_front(front, ["remote " + srv.addr()])
    local, remote = Daemon(index), Daemon(front)
    compare(local, remote, SMALL_QUERIES, "corpus/ behind one xapian-tcpsrv", SHAPES, wildcard_slack=0.05)
    c, d = local.connect(), remote.connect()
    cores = os.sysconf("SC_NPROCESSORS_ONLN")
    check_eq((int(stats(c)["workers"]), int(stats(d)["workers"])), (cores, 4 * cores),
             "default workers: one a core for a local index, four a core for one with remote shards")
    check_eq((re.search(r"busy poll (\d+) us", local.log_text()).group(1),
              re.search(r"busy poll (\d+) us", remote.log_text()).group(1)), ("1000", "0"),
             "default busy poll: 1000 us for a local index, none for one with remote shards (its queries "
             "wait on the servers past any poll)")
    first = hits(c.ask("SEARCH limit=3 snippet=80 -- bank"))[0][0]
    check_eq(d.ask("GET " + first), c.ask("GET " + first), "GET through the remote server: the article as stored")
    check_eq([line.split("\t")[5:] for line in d.ask("SEARCH limit=3 snippet=80 -- bank")[1:]],
             [line.split("\t")[5:] for line in c.ask("SEARCH limit=3 snippet=80 -- bank")[1:]],
             "the same headlines and snippets, decoded with the index's dictionary")
    # Regression: a page after the first sorted by date (an MSet that does
    # not start at the first match) crashed leded in Xapian's MSet::fetch.
    pages = ["SEARCH offset=%d limit=4 snippet=60%s -- %s" % (off, sort, q) for off in (1, 3, 9)
             for sort in ("", " sort=date") for q in ("bank", "the", "rates OR growth")]
    check_eq([[head(r[0])] + r[1:] for r in map(d.ask, pages)], [[head(r[0])] + r[1:] for r in map(c.ask, pages)],
             "pages after the first, by score and by date: as the local index's, snippets and all")
    c.close()
    d.close()
    remote.stop()

    # A replica that hangs (stopped, as a host cut off would): the query
    # fails over to the other; both hung, an error; both back, answers.
    # The replica that must answer has REMOTE_TIMEOUT to do it: tests/run
    # runs this test beside another, on a loaded machine (test_netns, which
    # has 1 s, runs alone; each hung server costs a query this long).
    hung = [TcpSrv(index), TcpSrv(index)]
    servers.extend(hung)
    write_front(front, ["remote " + hung[0].addr(), "#lede-replicas " + hung[1].addr()])
    remote = Daemon(front, "--workers", "1", "--remote-timeout", REMOTE_TIMEOUT)
    d = remote.connect()
    check(d.ask("COUNT bank")[0].startswith("OK COUNT"), "two replicas: answered")
    os.killpg(hung[0].proc.pid, signal.SIGSTOP)
    got = [d.ask("COUNT bank")[0] for _ in range(4)]
    check(all(r.startswith("OK COUNT") for r in got), "the first replica hung: every query answered by the second",
          got)
    os.killpg(hung[1].proc.pid, signal.SIGSTOP)
    got = d.ask("COUNT bank")[0]
    check(got.startswith("ERR") and hung[0].addr() in got and hung[1].addr() in got,
          "both hung: an error naming the shard's servers", got)
    for t in hung:
        os.killpg(t.proc.pid, signal.SIGCONT)
    check(eventually(lambda: d.ask("COUNT bank")[0].startswith("OK COUNT")),
          "both running again: answered once a back-off ends")
    d.close()
    check_eq(remote.stop(), 0, "leded with hung shards exits 0")

    # Both hung, with a long back-off: once one worker has waited on the
    # servers, the other workers pass over them too (the back-off is the
    # process's, not one reader's): every later query, whichever worker
    # runs it, fails at once without trying a server.
    remote = Daemon(front, "--workers", "3", "--remote-timeout", REMOTE_TIMEOUT, "--remote-backoff", "30")
    d = remote.connect()
    check(d.ask("COUNT bank")[0].startswith("OK COUNT"), "three workers on two replicas: answered")
    for t in hung:
        os.killpg(t.proc.pid, signal.SIGSTOP)
    first = d.ask("COUNT bank")[0]
    conns = [remote.connect() for _ in range(3)]
    for conn in conns:
        conn.send("COUNT bank\nCOUNT rates\n")
    later = [conn.line() for conn in conns for _ in range(2)]
    check(first.startswith("ERR UNAVAILABLE") and "timeout" in first.lower(),
          "both hung: ERR UNAVAILABLE after waiting on each", first)
    check(all(r.startswith("ERR UNAVAILABLE") and "each failed lately" in r for r in later),
          "then every worker passes over them at once (%d queries on 3 workers)" % len(later), later)
    for conn in conns + [d]:
        conn.close()
    check_eq(remote.stop(), 0, "leded exits 0")
    for t in hung:
        os.killpg(t.proc.pid, signal.SIGCONT)

    # leded starts while a shard's server is down (a warning in its log);
    # queries answer ERR UNAVAILABLE naming it; once the server is up,
    # they are answered.
    held = PortHold()  # nothing listens on it, and nothing else may until the server starts
    port = held.port
    check(not binds(port), "the port of a server down is held: no other process binds it meanwhile")
    write_front(front, ["remote 127.0.0.1:%d" % port])
    remote = Daemon(front, "--workers", "2", "--remote-backoff", "0.05")
    d = remote.connect()
    down = d.ask("COUNT bank")[0]
    check(down.startswith("ERR UNAVAILABLE") and "127.0.0.1:%d" % port in down,
          "a shard down at start: ERR UNAVAILABLE naming its server", down)
    check("127.0.0.1:%d" % port in remote.log_text() and "UNAVAILABLE" in remote.log_text(),
          "a warning at start names the server")
    late = TcpSrv(index, hold=held)
    servers.append(late)
    plain = Daemon(index)
    local_count = plain.connect().ask("COUNT bank")[0]
    plain.stop()
    check(eventually(lambda: d.ask("COUNT bank")[0] == local_count),
          "the server started: the query is answered as the local index's", d.ask("COUNT bank")[0])
    d.close()
    check_eq(remote.stop(), 0, "leded exits 0")

    # Stub lines read as Xapian reads them: "remote :PROGRAM ARGS"
    # (xapian-progsrv on the index) and a path holding a space.
    spaced = scratch.join("an index")
    os.symlink(index, spaced)
    for line in ["remote :xapian-progsrv " + index, "auto " + spaced]:
        write_front(front, [line])
        remote = Daemon(front, "--workers", "1")
        got = remote.connect().ask("COUNT bank")[0]
        check_eq(head([got]), head([local_count]), "a front of '%s': answered as the local index" % line)
        check_eq(remote.stop(), 0, "leded exits 0")

    # Regression: a server that closes an idle connection (xapian-tcpsrv
    # does after --idle-timeout, a minute by default, sending a timeout
    # error of its own) was taken for one that timed out and passed over.
    idle = TcpSrv(index, args=("--idle-timeout", "100"))
    servers.append(idle)
    write_front(front, ["remote " + idle.addr()])
    remote = Daemon(front, "--workers", "1")
    d = remote.connect()
    first = d.ask("COUNT bank")[0]
    closed = eventually(lambda: not connection_children(idle.proc.pid))  # the server closes it
    got = d.ask("COUNT bank")[0]
    check(closed and first.startswith("OK COUNT") and got == first,
          "the server closed the idle connection: reconnected, the query answered", got)
    d.close()
    remote.stop()

    # The stub of a running front rewritten to name another server: the
    # very next query answers from it, on every worker.  (A front watches
    # its stubs' directories, as a local index's reader does, instead of
    # reading its stubs before each query; the rename is queued on the
    # watch before the rewrite returns.)
    lone = scratch.join("lone")
    os.makedirs(lone)
    with open(os.path.join(lone, "wombat.txt"), "w") as f:
        f.write("Wombat seen near the harbour\nA standfirst\nThe wombat dug by the harbour wall.\n")
    lone_index = scratch.join("lone.idx")
    build_index(lone_index, lone)
    lone_srv = TcpSrv(lone_index)
    servers.append(lone_srv)
    write_front(front, ["remote " + srv.addr()])
    remote = Daemon(front, "--workers", "2")
    conns = [remote.connect() for _ in range(4)]
    before = [c.ask("COUNT wombat")[0] for c in conns for _ in range(2)]
    write_front(front, ["remote " + lone_srv.addr()])
    after = [c.ask("COUNT wombat")[0] for c in conns for _ in range(2)]
    check_eq((sorted(set(before)), sorted(set(after))), (["OK COUNT 0"], ["OK COUNT 1"]),
             "a running front's stub rewritten: every query after it answers from the server it names")
    for c in conns:
        c.close()
    check_eq(remote.stop(), 0, "leded exits 0")

    # Replicas: two servers of the same index; the first dies, the second
    # answers; none answers, an error at once; one back, answers again.
    srv2 = TcpSrv(index)
    servers.append(srv2)
    write_front(front, ["remote " + srv.addr(), "#lede-replicas " + srv2.addr()])
    remote = Daemon(front, "--workers", "2", "--remote-timeout", REMOTE_TIMEOUT)
    d = remote.connect()
    want = d.ask("COUNT bank")[0]
    check(want.startswith("OK COUNT"), "two replicas: answered")
    # Four clients query without pause while the first server is killed.
    stop, replies = threading.Event(), []

    def loop():
        conn = remote.connect()
        while not stop.is_set():
            replies.append(conn.ask("SEARCH limit=5 snippet=40 -- bank OR rate*")[0].split(" took_us")[0])
        conn.close()

    clients = [threading.Thread(target=loop) for _ in range(4)]
    for t in clients:
        t.start()
    while len(replies) < 20:
        select.select([], [], [], 0.005)
    srv.kill()
    seen = len(replies)
    while len(replies) < seen + 40:
        select.select([], [], [], 0.005)
    stop.set()
    for t in clients:
        t.join()
    check(len(set(replies)) == 1 and replies[0].startswith("OK SEARCH"),
          "a server killed under four querying clients: every reply the same answer (%d replies)" % len(replies),
          sorted(set(replies))[:3])
    got = [d.ask("COUNT bank")[0] for _ in range(6)]
    check(all(r == want for r in got), "the first replica killed: every query answered by the second", got)
    srv2.kill()
    got = d.ask("COUNT bank")[0]
    check(got.startswith("ERR") and srv.addr() in got and srv2.addr() in got,
          "no replica answers: an error naming the shard's servers", got)
    srv = TcpSrv(index, hold=srv.hold)
    servers.append(srv)
    check(eventually(lambda: d.ask("COUNT bank")[0].startswith("OK COUNT")),  # back-off 1 s, then 2
          "a replica back: queries answered again once its back-off ends")
    d.close()
    check_eq(remote.stop(), 0, "leded with failing shards exits 0")
    local.stop()

    # A sharded index whose shards are served by xapian-tcpsrv, on copies
    # made by xapian-replicate; the front's copy first in the stub.
    sharded = scratch.join("sharded.idx")
    env = dict(os.environ, XAPIAN_MAX_CHANGESETS="10")
    subprocess.run([INDEXER, "-q", "--index", sharded, "--shards", "3", os.path.join(ROOT, "corpus")],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    master = Replicator(sharded)
    servers.append(master)
    copies = scratch.join("copies")
    os.makedirs(copies)
    names = ["front", "shard.0", "shard.1", "shard.2"]
    for name in names:
        check_eq(master.replicate(name, os.path.join(copies, name)), 0, "xapian-replicate copies %s" % name)
    shard_srvs = [TcpSrv(os.path.join(copies, "shard.%d" % k)) for k in range(3)]
    servers += shard_srvs
    cluster = scratch.join("cluster")
    write_front(cluster, ["auto " + os.path.join(copies, "front")] + ["remote " + t.addr() for t in shard_srvs])
    local, remote = Daemon(index), Daemon(cluster)
    compare(local, remote, SMALL_QUERIES, "corpus/ in 3 replicated shards behind xapian-tcpsrv", SHAPES,
            wildcard_slack=0.05)
    c, d = local.connect(), remote.connect()
    # A page without snippets takes its hits' heads (id, headline, date)
    # from the sort keys the servers send with the matches: it reads no
    # document, a round trip each.  It takes two matches, each the cost of
    # a COUNT: one by relevance alone that counts, one sorted on the heads
    # of the matches that score as high as the page (search.cc
    # remote_page).  Counted as the write calls of the servers' connection
    # processes (/proc/PID/io), per query.
    page = "SEARCH limit=10 snippet=%d -- bank OR rate OR the"
    rounds = {}
    for req in ("COUNT bank OR rate OR the", page % 0, page % 60):
        d.ask(req)
        before = server_writes(shard_srvs)
        for _ in range(5):
            d.ask(req)
        rounds[req] = (server_writes(shard_srvs) - before) / 5
    count, plain, snippets = rounds.values()
    # Each query also asks the servers for a newer revision when 50 ms
    # have passed since the last time (refresh.cc), so a slow run makes a
    # few more writes; a hit's document read would make at least one each.
    check(plain <= 2 * count + 5 and snippets >= plain + 10,
          "a page of 10 hits without snippets: as many server writes as two COUNTs, no document read "
          "(%.1f a query; COUNT %.1f; with snippets %.1f)" % (plain, count, snippets))
    check_eq(strip_scores(d.ask(page % 0)), strip_scores(c.ask(page % 0)),
             "and the same hits, headlines and dates as the local index")
    # A word the index lacks sends the search looking for a correction.
    # The frequencies it weighs (the missing word's, the other words') come
    # from the statistics of the match that ran, here the AND (which counts
    # nothing, so sorts no page) and then its retry as OR (a count and a
    # page): only the missing word's headline and standfirst terms are
    # asked of the servers (a round trip each, as a match's half).
    rare = "SEARCH limit=10 snippet=0 -- bank zzzqqq"
    d.ask(rare)
    before = server_writes(shard_srvs)
    for _ in range(5):
        d.ask(rare)
    misspelt = (server_writes(shard_srvs) - before) / 5
    check(misspelt <= 4 * count + 5,
          "a missing word: three matches and two term frequencies, no more server writes "
          "(%.1f a query; COUNT %.1f)" % (misspelt, count))
    for q in (rare, "SEARCH limit=10 snippet=0 -- bank elction", "SEARCH limit=10 snippet=0 -- elction"):
        check_eq(strip_scores(d.ask(q)), strip_scores(c.ask(q)), "%s: as the local index, did-you-mean too" % q)
    for q in ("bank", "elction", "quokka"):
        check_eq(d.ask("SUGGEST " + q), c.ask("SUGGEST " + q), "SUGGEST %s: the front's spelling data" % q)
    ids = [h[0] for h in hits(c.ask("SEARCH limit=46 snippet=0 -- the OR a OR bank OR rate OR vote"))]
    check(all(d.ask("GET " + i) == c.ask("GET " + i) for i in ids[:20]),
          "GET of 20 articles through the shards: each as stored, whichever shard holds it")
    # Wildcards: a front expands word* itself (every shard must weigh the
    # same words), and from remote shards the words come as a message each
    # from every server; it keeps them until it moves to a new revision.
    # Counted on a front of one worker, so that the repeats meet its list.
    keeper = Daemon(cluster, "--workers", "1")
    e = keeper.connect()
    wild = "SEARCH limit=10 snippet=0 -- rate* OR vot*"
    before = server_writes(shard_srvs)
    first = e.ask(wild)
    expanding = server_writes(shard_srvs) - before
    before = server_writes(shard_srvs)
    again = [e.ask(wild) for _ in range(5)]
    kept = (server_writes(shard_srvs) - before) / 5
    check(kept <= plain + 5 and expanding >= kept + 10,
          "a wildcard asked again: its words kept, as many server writes as a page of a word "
          "(%.1f a query; page %.1f; the first, expanding it, %d)" % (kept, plain, expanding))
    check(len(hits(first)) > 0 and all([head(r)] + r[1:] == [head(first)] + first[1:] for r in again),
          "and the same reply each time, scores and all")
    check_eq(e.ask("COUNT quok*")[0], "OK COUNT 0", "quok* before the new article: nothing")
    # A new article on the writer reaches the front after replication.
    extra = scratch.join("extra")
    os.makedirs(extra)
    with open(os.path.join(extra, "quokka.txt"), "w") as f:
        f.write("Quokka seen near the harbour\nA standfirst\nThe quokka stood by the harbour wall.\n")
    subprocess.run([INDEXER, "-q", "--index", sharded, os.path.join(ROOT, "corpus"), extra], env=env,
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    check_eq(d.ask("COUNT quokka")[0], "OK COUNT 0", "before replication: the front has no quokka")
    for name in names:
        master.replicate(name, os.path.join(copies, name))
    check(eventually(lambda: d.ask("COUNT quokka")[0] == "OK COUNT 1"),  # asked every 50 ms
          "after replication: the new article found through the front")
    check(eventually(lambda: e.ask("COUNT quok*")[0] == "OK COUNT 1"),
          "and by quok*: the words the front kept for it were dropped when it moved to the new revision")
    c.close()
    d.close()
    e.close()
    local.stop()
    remote.stop()
    keeper.stop()

    if not os.path.exists(REUTERS):
        print("ok - # SKIP the Reuters query mix through remote servers: needs %s (LEDE_SHARED)" % REUTERS)
    else:
        mix = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_queries.py"), REUTERS, "1200", "42"],
                             check=True, stdout=subprocess.PIPE, text=True).stdout.split("\n")
        queries = [q for q in mix if q.strip()]
        rindex = scratch.join("reuters.idx")
        # Without learned boilerplate: a sharded build holds no sample, so
        # its first articles keep the sign-off ("Reuter") the unsharded
        # build's sample leaves out of all of them, and BM25's lengths differ.
        build_index(rindex, REUTERS, extra=("--keep-boilerplate",))
        local = Daemon(rindex)
        whole = Daemon(rindex, env={"LEDE_TIERS_OFF": "1"})
        for n in (2, 4):
            sharded = scratch.join("reuters.%d" % n)
            build_index(sharded, REUTERS, extra=("--shards", str(n), "--keep-boilerplate"))
            srvs = [TcpSrv(os.path.join(sharded, "shard.%d" % k)) for k in range(n)]
            servers.extend(srvs)
            rfront = scratch.join("rfront.%d" % n)
            write_front(rfront, ["auto " + os.path.join(sharded, "front")] + ["remote " + t.addr() for t in srvs])
            remote = Daemon(rfront)
            compare(local, remote, queries, "Reuters mix (%d queries) in %d shards behind xapian-tcpsrv" %
                    (len(queries), n), SHAPES)
            remote.stop()
            remote = Daemon(rfront, env={"LEDE_TIERS_ALWAYS": "1"})
            compare_tiered(whole, remote, queries, "Reuters mix in %d shards, tier runs" % n)
            remote.stop()
            for t in srvs:
                t.kill()
        local.stop()
        whole.stop()
finally:
    kill_servers(servers)
    scratch.cleanup()
finish()
