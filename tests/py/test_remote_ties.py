"""test_remote_ties -- equal scores through remote shards come in the order
one index gives them (score, then newer date), on every page: a front over
stock xapian-tcpsrv shards counts by relevance alone and then sorts only
the matches that score as high as the page's last hit on their heads
(src/engine/search.cc remote_page), so a run of equal scores that crosses
the page's end or start must still be cut where the local index cuts it.
Regression for taking the page from the relevance-only match (document id
order within a tie) or cutting the sorted match above the page's score."""
import os
import subprocess

from ledetest import (INDEXER, TCPSRV, Daemon, Scratch, TcpSrv, build_index, check, check_eq, finish,
                      hit_ids, kill_servers, shard_of, tie_rows, write_jsonl)

SHARDS = 2
scratch = Scratch()
servers = []


def pages(conn, word, offsets, limits, extra=""):
    """The hit ids of every page asked for, in order."""
    return [hit_ids(conn.ask("SEARCH offset=%d limit=%d%s snippet=0 -- %s" % (o, n, extra, word)))
            for o in offsets for n in limits]


try:
    if subprocess.run(["which", TCPSRV], stdout=subprocess.DEVNULL).returncode != 0:
        check(False, "xapian-tcpsrv is installed (Debian's xapian-tools; make deps)")
        finish()
    articles = tie_rows(undated=False)
    src = write_jsonl(scratch.join("ties.jsonl"), articles)
    whole, sharded = scratch.join("whole.idx"), scratch.join("sharded.idx")
    build_index(whole, src, extra=("--keep-boilerplate",))
    p = subprocess.run([INDEXER, "-q", "--index", sharded, "--shards", str(SHARDS), "--keep-boilerplate", src],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check_eq(p.returncode, 0, "sharded build: " + p.stdout[-300:])
    ferries = [a["id"] for a in articles if a["id"].startswith("ferry-")]
    check_eq(sorted({shard_of(i, SHARDS) for i in ferries}), list(range(SHARDS)),
             "the run of equal scores lies on every shard")
    servers = [TcpSrv(os.path.join(sharded, "shard.%d" % k)) for k in range(SHARDS)]
    front = scratch.join("front")
    os.makedirs(front)
    with open(os.path.join(front, "XAPIANDB"), "w") as f:
        f.write("".join(line + "\n" for line in
                        ["auto " + os.path.join(sharded, "front")] + ["remote " + t.addr() for t in servers]))
    local, remote = Daemon(whole), Daemon(front)
    c, d = local.connect(), remote.connect()

    crane = hit_ids(c.ask("SEARCH limit=100 snippet=0 -- crane"))
    check_eq(crane, ["top-new", "top-old"] + ["same-%d" % y for y in range(2008, 2000, -1)] + ["low"],
             "the local index: higher scores first, then eight equal ones newest first, then the lower")
    check_eq(hit_ids(d.ask("SEARCH limit=100 snippet=0 -- crane")), crane, "the remote shards: the same order")
    check_eq(pages(d, "crane", range(0, 12), range(1, 12)), pages(c, "crane", range(0, 12), range(1, 12)),
             "every page of crane (offset 0-11, limit 1-11) through the shards is the local index's")
    ferry = ["ferry-%02d" % day for day in range(40, 0, -1)]
    check_eq(hit_ids(c.ask("SEARCH limit=100 snippet=0 -- ferry")), ferry, "forty equal scores, newest first")
    offsets, limits = (0, 1, 5, 17, 30, 38), (1, 2, 7, 10, 25)
    want = [ferry[o:o + n] for o in offsets for n in limits]
    check_eq(pages(c, "ferry", offsets, limits), want, "the local index cuts the run of forty by date")
    check_eq(pages(d, "ferry", offsets, limits), want,
             "so do the remote shards, on every page cut inside it (its start and its end)")
    check_eq(pages(d, "ferry", (3, 20), (5,), " exact=1"), [ferry[3:8], ferry[20:25]],
             "and with exact totals")
    snip = "SEARCH offset=4 limit=6 snippet=40 -- ferry"
    check_eq(d.ask(snip)[1:], c.ask(snip)[1:], "a page with snippets: the same hits, snippets and all")
    for word in ("crane", "ferry", "harbour"):
        check_eq(d.ask("SEARCH limit=5 snippet=0 -- " + word)[0].split(" took_us")[0],
                 c.ask("SEARCH limit=5 snippet=0 -- " + word)[0].split(" took_us")[0],
                 "the same total for %s" % word)
    c.close()
    d.close()
    check_eq(remote.stop(), 0, "the front exits 0")
    local.stop()
finally:
    kill_servers(servers)
    scratch.cleanup()
finish()
