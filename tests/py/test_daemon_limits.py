"""test_daemon_limits -- leded's limits that need a daemon of their own:
wildcard expansion (ERR LIMIT), idle timeout, and a client that stops
reading (its requests wait, nobody else does, and nothing is lost)."""
import os
import socket
import threading

from ledetest import ROOT, Daemon, Scratch, build_index, check, check_eq, finish, status_field

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))

# Wildcards that expand too far.
d = Daemon(index, "--max-wildcard", "5")
c = d.connect()
r = c.ask("SEARCH s*")
check(r[0].startswith("ERR LIMIT") and "wildcard" in r[0], "a wildcard past --max-wildcard: ERR LIMIT", r[0])
check(c.ask("SEARCH quill*")[0].startswith("OK SEARCH"), "a narrow wildcard is fine")
c.close()
check_eq(d.stop(), 0, "exit 0")

# Idle connections are closed; busy ones are not.
d = Daemon(index, "--idle-timeout", "0.3")
idle = d.connect()
check(idle.closed_by_peer(), "an idle connection is closed after --idle-timeout")
check("idle timeout" in d.log_text(), "and the log says why")
c = d.connect()
check_eq(c.ask("PING"), ["OK PONG"], "a new connection works")
c.close()
check_eq(d.stop(), 0, "exit 0")

# A client that sends much and reads nothing.
d = Daemon(index, "--max-output", "65536", "--max-pipeline", "16")
slow = d.connect()
N = 400
request = b"SEARCH limit=100 snippet=2000 -- bank\n"
sender = threading.Thread(target=lambda: slow.sock.sendall(request * N))
sender.start()  # blocks once the daemon stops reading this client
other = d.connect()
check_eq(other.ask("PING"), ["OK PONG"], "another client is served while one does not read")
check(other.ask("SEARCH drought")[0].startswith("OK SEARCH"), "and its searches too")
st = dict(l.split("\t", 1) for l in other.ask("STATS")[1:])
check(int(st["queued"]) <= 16, "the slow client's requests wait in its socket, not in the daemon",
      st["queued"])
got = 0
first = None
while got < N:
    r = slow.reply("SEARCH")
    first = first or status_field(r, "hits")
    if not r[0].startswith("OK SEARCH") or status_field(r, "hits") != first or len(r) != int(first) + 1:
        break
    got += 1
sender.join()
check_eq(got, N, "once it reads, the slow client gets every reply, in order")
slow.close()
other.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
