"""test_fdlimit -- leded and its file-descriptor limit (issue 16.6): it
raises the soft limit to what --max-connections needs, serves fewer
connections and says so when the hard limit is short (counting what a
sharded index holds open), refuses to start when
not even one fits, and, out of descriptors at accept, answers the waiting
clients ERR BUSY instead of leaving them in the backlog.  Waits poll."""
import os
import re
import resource
import subprocess

from ledetest import (Daemon, Scratch, ROOT, LEDED, build_index, check, check_eq, eventually,
                      finish, indexer)

scratch = Scratch()
index = scratch.join("c.idx")
build_index(index, os.path.join(ROOT, "corpus"))
OWN = 32 + 16 * 2  # daemon/fdlimit.h: FDLIMIT_BASE + FDLIMIT_PER_READER per worker


def limited(soft, hard):
    return lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def soft_limit(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return None


class LimitedDaemon(Daemon):
    """leded started under a given RLIMIT_NOFILE."""

    def __init__(self, soft, hard, *args):
        real = subprocess.Popen
        subprocess.Popen = lambda cmd, **kw: real(cmd, preexec_fn=limited(soft, hard), **kw)
        try:
            super().__init__(index, "--workers", "2", *args)
        finally:
            subprocess.Popen = real


# ---- a soft limit below the need is raised -----------------------------------------
d = LimitedDaemon(100, 4096, "--max-connections", "1000")
check(soft_limit(d.proc.pid) == 1000 + OWN, "the soft limit was raised to 1000 + its own files")
check("file-descriptor limit raised from 100 to %d" % (1000 + OWN) in d.log_text(), "and it says so")
check_eq(d.stop(), 0, "leded 1 exits 0 (no sanitizer report)")

# ---- a hard limit below the need: fewer connections, said at start --------------------
can = 100 - OWN
d = LimitedDaemon(100, 100, "--max-connections", "1000")
check("can hold %d connection(s), not the 1000" % can in d.log_text(),
      "it says at start how many connections it can hold", d.log_text())
conns = [d.connect() for _ in range(can)]
check(all(c.ask("PING") == ["OK PONG"] for c in conns), "%d connections are served" % can)
extra = d.connect()
check(extra.line().startswith("ERR LIMIT"), "the next one is refused with ERR LIMIT at once")
for c in conns:
    c.close()
check_eq(d.stop(), 0, "leded 2 exits 0 (no sanitizer report)")

# ---- a sharded index holds a few descriptors a shard in each reader ----------------
# (8 shards, 2 workers: about 80 open at start, where 64 were estimated): the
# connections said at start must all be served, not run out of descriptors.
sharded = scratch.join("s8.idx")
rc, out, err = indexer("--index", sharded, "--shards", "8", os.path.join(ROOT, "corpus"))
check(rc == 0, "a sharded index of 8 shards", err)
real_index, index = index, sharded
d = LimitedDaemon(160, 160, "--max-connections", "1000")
index = real_index
said = [int(m) for m in re.findall(r"can hold (\d+) connection", d.log_text())]
check(said, "it says how many connections it can hold", d.log_text())
can = said[-1] if said else 1
conns = [d.connect() for _ in range(can)]
answers = [c.ask("PING") for c in conns]
check(all(a == ["OK PONG"] for a in answers), "all %d connections it said are served" % can,
      [a for a in answers if a != ["OK PONG"]][:1])
extra = d.connect()
check(extra.line().startswith("ERR LIMIT"), "the next one is refused with ERR LIMIT")
for c in conns:
    c.close()
check_eq(d.stop(), 0, "leded 2b exits 0 (no sanitizer report)")

p = subprocess.run([LEDED, "--index", index, "--listen", "127.0.0.1:0", "--workers", "2"],
                   preexec_fn=limited(40, 40), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=60)
check(p.returncode == 2 and "LimitNOFILE" in p.stderr.decode(),
      "a limit too low for even one connection: it refuses to start and says what to raise",
      p.stderr.decode())

# ---- out of descriptors at accept: ERR BUSY, not silence ---------------------------
d = Daemon(index, "--workers", "2")
c0 = d.connect()
check(c0.ask("PING") == ["OK PONG"], "a first connection")
fds = len(os.listdir("/proc/%d/fd" % d.proc.pid))
resource.prlimit(d.proc.pid, resource.RLIMIT_NOFILE, (fds + 2, fds + 2))
held = [d.connect() for _ in range(2)]
check(all(c.ask("PING") == ["OK PONG"] for c in held), "two more fill the descriptors")
waiting = [d.connect() for _ in range(5)]
replies = []
for c in waiting:
    try:
        replies.append(c.line())
        replies.append("EOF" if c.closed_by_peer() else "open")
    except (EOFError, ConnectionResetError) as e:
        replies.append(repr(e))
check(all(r.startswith("ERR BUSY") and "file descriptors" in r for r in replies[0::2]),
      "each client past the limit is answered ERR BUSY", replies)
check(all(r == "EOF" for r in replies[1::2]), "... and closed", replies)
held[0].close()
held[1].close()


def served():
    try:
        c = d.connect()
        ok = c.ask("PING") == ["OK PONG"]
        c.close()
        return ok
    except (EOFError, ConnectionResetError):
        return False


check(eventually(served), "once descriptors are free again, clients are served")
check("Too many open files" in d.log_text() and "answered ERR BUSY" in d.log_text(),
      "the log says accept failed and what was done")
c0.close()
check_eq(d.stop(), 0, "leded 3 exits 0 (no sanitizer report)")
scratch.cleanup()
finish()
