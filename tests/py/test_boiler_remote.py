"""test_boiler_remote -- a front whose shards are served by stock
xapian-tcpsrv marks learned boilerplate as the sharded index read locally
does (issue 21): GET's JSON "boilerplate" ranges of every article are the
same, Northwire's sign-off is among them, and snippets leave Techly's
newsletter prompt out.  The front reads each remote shard's table
(metadata lede.boilerplate) through the remote protocol.  boilergen.py's
collection in 2 shards."""
import os
import subprocess

import boilergen
from ledetest import (INDEXER, TCPSRV, Daemon, Scratch, TcpSrv, check, check_eq, finish, kill_servers)

scratch = Scratch()
servers = []


def write_front(front, lines):
    os.makedirs(front, exist_ok=True)
    with open(os.path.join(front, "XAPIANDB"), "w") as f:
        f.write("".join(line + "\n" for line in lines))


def marks(conn, ids):
    return {i: conn.ask("GET " + i)["article"]["boilerplate"] for i in ids}


try:
    if subprocess.run(["which", TCPSRV], stdout=subprocess.DEVNULL).returncode != 0:
        check(False, "xapian-tcpsrv is installed (Debian's xapian-tools; make deps)")
        finish()
    articles, labels = boilergen.generate(seed=21, per_source=60)
    collection = scratch.join("boiler.jsonl")
    boilergen.write(collection, articles, labels)
    sharded = scratch.join("sharded.idx")
    p = subprocess.run([INDEXER, "-q", "--index", sharded, "--shards", "2", collection],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check_eq(p.returncode, 0, "sharded build of the made-up collection: " + p.stdout[-300:])
    srvs = [TcpSrv(os.path.join(sharded, "shard.%d" % k)) for k in range(2)]
    servers.extend(srvs)
    front = scratch.join("front")
    write_front(front, ["auto " + os.path.join(sharded, "front")] + ["remote " + t.addr() for t in srvs])
    local, remote = Daemon(sharded), Daemon(front)
    c, d = local.connect(), remote.connect()
    c.ask("FORMAT json")
    d.ask("FORMAT json")
    ids = [a["id"] for a in articles]
    want = marks(c, ids)
    check(sum(1 for m in want.values() if m) > len(ids) // 2, "the local sharded index marks boilerplate")
    got = marks(d, ids)
    check(got == want, "GET through the remote shards marks the same ranges in all %d articles" % len(ids),
          str([(i, got[i], want[i]) for i in ids if got[i] != want[i]][:3]))
    wire = next(a for a in articles if a["source"] == "Northwire")
    body = wire["body"].encode()
    check("Northwire" in [body[s:e].decode() for s, e in got[wire["id"]]],
          "Northwire's sign-off is marked through the remote shards")
    snip = d.ask("SEARCH limit=100 snippet=2000 -- vineyard")["hits"]
    check(snip and not any("Techly daily newsletter" in h["snippet"] for h in snip),
          "snippets through the remote shards leave the furniture out")
    c.close()
    d.close()
    check_eq(remote.stop(), 0, "the front's leded exits cleanly")
    local.stop()
finally:
    kill_servers(servers)
    scratch.cleanup()
finish()
