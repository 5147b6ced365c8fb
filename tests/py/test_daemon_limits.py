"""test_daemon_limits -- leded's limits that need a daemon of their own:
wildcard expansion (ERR LIMIT), the hit cap (--max-limit), idle timeout, and a client that stops
reading (its requests wait, nobody else does, and nothing is lost)."""
# tests/run: alone -- --idle-timeout 0.3 and 0.5 s, --query-timeout 0.3 s: a loaded machine could close a connection the test has not yet used.
import os
import select
import socket
import threading
import time

from ledetest import (ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish, stats,
                      status_field)

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

# The cap on hits per SEARCH, lowered and raised.
d = Daemon(index, "--max-limit", "3")
c = d.connect()
r = c.ask("SEARCH limit=10 mode=any -- bank rovers drought")
check_eq((status_field(r, "limit"), status_field(r, "hits")), ("3", "3"), "--max-limit 3 caps limit=10")
r = c.ask("SEARCH limit=2 mode=any -- bank rovers drought")
check_eq(status_field(r, "hits"), "2", "a limit under the cap is kept")
c.close()
check_eq(d.stop(), 0, "exit 0")
d = Daemon(index, "--max-limit", "1000")
c = d.connect()
r = c.ask("SEARCH limit=1000 mode=any -- bank rovers drought the")
check_eq(status_field(r, "limit"), "1000", "--max-limit 1000 allows limit=1000")
check(int(status_field(r, "hits")) > 10, "and every match comes back", status_field(r, "hits"))
check_eq(status_field(c.ask("SEARCH limit=5000 -- bank"), "limit"), "1000", "beyond it, the cap")
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
# Regression (quiet jobs, server.c): a query whose worker wrote the whole
# reply does not wake the loop; the loop must still learn of it, or the
# connection would look busy for ever.  (No busy polling, which would
# notice the finished job by itself, and no query time limit, whose timer
# would.)
d = Daemon(index, "--idle-timeout", "0.3", "--busy-poll-us", "0", "--query-timeout", "0")
c = d.connect()
check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "a query, then nothing")
check(c.closed_by_peer(), "a connection idle after a query is closed after --idle-timeout")
check_eq(d.stop(), 0, "exit 0")

# Regression (quiet jobs): after a query's reply, a half-close or SIGTERM
# closes the connection without waiting for anything else to wake the loop.
d = Daemon(index, "--busy-poll-us", "0", "--query-timeout", "0")
c = d.connect()
check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "a query before half-closing")
c.sock.shutdown(socket.SHUT_WR)
check(c.closed_by_peer(), "half-closed after a query's reply: the daemon closes")
c.close()
c = d.connect()
check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "a query before SIGTERM")
check_eq(d.stop(), 0, "SIGTERM with a connection open after its reply: exit 0")
check("still open" not in d.log_text(), "without waiting out the grace period", d.log_text()[-300:])
check(c.closed_by_peer(), "and the connection is closed")
c.close()

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
# Regression: buffered requests behind a timed-out one are still answered.
hold = scratch.hold_fifo()
d = Daemon(index, "--max-pipeline", "1", "--query-timeout", "0.3", env={"LEDE_TEST_HOLD": hold})
c = d.connect()
c.send("SEARCH lede-test-hold\nPING\n")
check(c.reply("SEARCH")[0].startswith("ERR TIMEOUT"), "held query times out")
check_eq(c.reply("PING"), ["OK PONG"], "the request buffered behind it is answered")
with open(hold, "w") as f:
    f.write("x")
c.close()

# Regression (replies written by workers): a query whose worker wrote its
# reply before the time limit passed gets that reply and no TIMEOUT after
# it.  The worker holds after writing, so the timer fires while the job is
# still out.
c = d.connect()
c.send("SEARCH lede-test-hold-sent\n")
r = c.reply("SEARCH")
check(r[0].startswith("OK SEARCH"), "the worker's reply arrives while the worker still holds", r[0])
deadline = time.monotonic() + 30
while "after its reply was written" not in d.log_text() and time.monotonic() < deadline:
    time.sleep(0.01)
check("after its reply was written" in d.log_text(), "the time limit passed with the job out")
with open(hold, "w") as f:
    f.write("x")
check_eq(c.ask("PING"), ["OK PONG"], "no TIMEOUT follows a reply already written")
c.close()

# Regression: a line of exactly --max-line bytes is accepted with CRLF too.
d2 = Daemon(index, "--max-line", "20")
c = d2.connect()
line = "SEARCH " + "drought" + " " * 6  # 20 bytes
check_eq(c.ask(line + "\r")[0].split()[0], "OK", "max-line counts the line without its CR")
c.close()

# Regression: after TOOLONG, a client that half-closes still gets every
# reply it is owed, in order.
c = d2.connect()
c.send("PING\nSEARCH " + "x" * 100 + "\n")
c.sock.shutdown(socket.SHUT_WR)
check_eq(c.line(), "OK PONG", "half-close after TOOLONG: the earlier reply arrives")
check(c.line().startswith("ERR TOOLONG"), "half-close after TOOLONG: and the error")
check(c.closed_by_peer(), "then the connection closes")
c.close()

# Regression: SIGTERM does not wait for a client that sent a too-long line
# and keeps its socket open.
c = d2.connect()
c.send("SEARCH " + "x" * 100 + "\n")
check(c.line().startswith("ERR TOOLONG"), "TOOLONG before SIGTERM")
check_eq(d2.stop(), 0, "SIGTERM with a draining connection open: exit 0")
c.close()
check_eq(d.stop(), 0, "exit 0")

# A client that stops reading is closed after --idle-timeout of no progress.
d = Daemon(index, "--idle-timeout", "0.5", "--max-output", "4096", "--log-level", "info")
slow = d.connect()
slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)


def _send_quietly(conn):
    try:
        conn.sock.sendall(b"SEARCH limit=100 snippet=2000 -- bank\n" * 2000)
    except OSError:
        pass


sender = threading.Thread(target=_send_quietly, args=(slow,))
sender.start()
check(eventually(lambda: "write timeout" in d.log_text()),
      "a client that does not read is closed (write timeout)")
slow.close()
sender.join()
check_eq(d.stop(), 0, "exit 0")

# Read batching (--read-batch-us): while a backlog of queries of clients
# that wait for each reply (fresh queries, daemon/pool.h) waits for the
# workers, the loop waits for it to drain before reading more, but only
# for a while: other clients are still answered, and once the workers go
# on, every queued query is answered.
hold = scratch.hold_fifo("hold-batch.fifo")
d = Daemon(index, "--workers", "2", "--read-batch-us", "1000", "--query-timeout", "0",
           env={"LEDE_TEST_HOLD": hold})
holders = [d.connect() for _ in range(2)]
for h in holders:
    h.send("SEARCH lede-test-hold\n")
probe = d.connect()


def stat(key):
    """A figure of STATS, which the loop answers."""
    return int(stats(probe)[key])


def poll_stat(key, want):
    """key's figure once it reaches want (or DEADLINE passes: the last)."""
    got = []
    eventually(lambda: got.append(stat(key)) or got[-1] == want)
    return got[-1]


check_eq(poll_stat("workers_busy", 2), 2, "STATS workers_busy: both workers hold a query")
N = 12
backlog = [d.connect() for _ in range(N)]
for i, b in enumerate(backlog):
    b.send("SEARCH limit=%d -- bank\n" % (i % 3 + 1))
check_eq(poll_stat("queued", N), N, "with both workers held, the whole backlog is queued (the loop kept reading)")
check_eq(probe.ask("PING"), ["OK PONG"], "with a backlog queued, the loop still answers other clients")
batches = eventually(lambda: stat("read_batches"))  # once the loop has nothing else to do
check(batches > 0, "STATS read_batches: the loop waited for the backlog", str(batches))


def release_holds():
    """Lets every held worker go.  A writer's open wakes every reader
    waiting in open() at that moment (one reads the byte, the others see
    EOF and wait again: daemon/pool.c), so open without blocking, and only
    while a reader waits, a byte each time."""
    for _ in range(2000):
        if stat("workers_busy") == 0:
            return True
        try:
            fd = os.open(hold, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no worker waits in open() right now
            select.select([], [], [], 0.005)
            continue
        try:
            os.write(fd, b"x")
        except OSError:  # EPIPE: the reader was one already let go, leaving
            pass
        os.close(fd)
    return False


check(release_holds(), "both held workers released")
for h in holders:
    check(h.reply("SEARCH")[0].startswith("OK SEARCH"), "the held queries are answered")
limits = [status_field(b.reply("SEARCH"), "limit") for b in backlog]
check_eq(limits, [str(i % 3 + 1) for i in range(N)], "the backlog is answered whole")
for c in holders + backlog + [probe]:
    c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
