"""test_dups_shards -- near-duplicates on a sharded index, and collapse and
SIMILAR through remote shards (issue 17).  The made-up collection of
dupdata in 3 shards: copies of one article land in different shards, and
the grouping pass, which reads all the shards as one, still puts them in
one group; a front whose shards are stock xapian-tcpsrv servers answers
collapse=dup (Xapian's collapse key and the counting match spy travel in
its remote protocol) and SIMILAR (relevance feedback over remote
termlists, value ranges) as the same shards opened locally."""
import os
import re
import subprocess

from dupdata import made_up
from ledetest import (INDEXER, TCPSRV, Daemon, Scratch, TcpSrv, build_index, check, check_eq, finish,
                      write_jsonl)

def hits(reply):
    out = []
    for line in reply:
        if line.startswith("HIT\t"):
            f = line.split("\t")
            out.append((f[2], f[3], dict(kv.split("=", 1) for kv in f[7:])))
    return out


def status(reply):
    return re.sub(r" took_us=\d+", "", reply[0])


scratch = Scratch()
rows, groups, _ = made_up()
index = scratch.join("sharded")
build_index(index, write_jsonl(scratch.join("made.jsonl"), rows), extra=("--shards", "3"))
out = subprocess.run([INDEXER, "--index", index, "--info"], stdout=subprocess.PIPE, text=True).stdout
check("near-duplicate groups: 2 (6 articles, the largest 3)" in out,
      "groups across 3 shards: 2 of 6 articles, as unsharded", out)

servers = []
if subprocess.run(["which", TCPSRV], stdout=subprocess.DEVNULL).returncode != 0:
    check(False, "xapian-tcpsrv is installed (Debian's xapian-tools; make deps)")
    finish()
try:
    for k in range(3):
        servers.append(TcpSrv(os.path.join(index, "shard.%d" % k)))
    front = scratch.join("remote-front")
    os.makedirs(front)
    with open(os.path.join(front, "XAPIANDB"), "w") as f:
        f.write("auto %s\n" % os.path.join(index, "front"))
        f.write("".join("remote %s\n" % srv.addr() for srv in servers))
    local, remote = Daemon(index), Daemon(front)
    a, b = local.connect(), remote.connect()
    requests = ["SEARCH collapse=dup exact=1 limit=100 snippet=0 -- zebra",
                "COUNT collapse=dup -- zebra",
                "SIMILAR a01 limit=10 snippet=0",
                "SIMILAR a01 dups=show limit=10 snippet=0",
                "SIMILAR a03 limit=10 snippet=0 collapse=dup exact=1"]
    # Equal scores (the copies, articles of one date) may come in another
    # order through remote servers, and which copy stands for its group
    # is any of the best: compared as the groups and scores they show.
    name = {m: "+".join(sorted(g)) for g in groups for m in g}

    def shown_as(reply):
        return sorted((score, name.get(i, i), tuple(sorted(f.items()))) for i, score, f in hits(reply))

    for req in requests:
        ra, rb = a.ask(req), b.ask(req)
        check_eq((status(rb), shown_as(rb)), (status(ra), shown_as(ra)), "through remote shards as locally: " + req)
    shown = hits(a.ask(requests[0]))
    for g in groups:
        mine = [(i, f["similar"]) for i, _, f in shown if i in g]
        check_eq([s for _, s in mine], [str(len(g) - 1)], "one hit of %s, similar=%d" % (sorted(g), len(g) - 1))
    flagged = {i for i, _, f in hits(b.ask("SIMILAR a02 dups=show limit=10 snippet=0")) if f.get("dup") == "1"}
    check_eq(flagged, groups[1] - {"a02"}, "remote SIMILAR dups=show flags the group across shards")
    a.close()
    b.close()
    check_eq(local.stop(), 0, "local leded exits 0")
    check_eq(remote.stop(), 0, "remote leded exits 0")
finally:
    for srv in servers:
        srv.kill()
scratch.cleanup()
finish()
