"""test_fair_share -- each connection's share of the workers and of memory
(daemon/admit.h, daemon/pool.h), shown without timing: a query of a client
that waits for its reply runs before a flood's waiting queries (the worker
is held by the test between them); a client that does not read is held
once it owes --max-output, its queries are not run meanwhile, and it gets
every reply in order once it reads; and --max-output-total holds a
non-reader that owes less than --max-output while another client goes on."""
import os

from ledetest import ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish, status_field

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))


def stats(conn):
    return dict(l.split("\t", 1) for l in conn.ask("STATS")[1:])


def release_one(fifo):
    """Lets one held worker go: a byte to the FIFO, once a reader waits."""
    def attempt():
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no worker waits in open() yet
            return False
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
        return True
    return eventually(attempt)


def release_all(fifo, probe):
    """Lets held workers go until none holds and nothing waits (a byte
    written while an earlier reader is still closing the FIFO is lost, so
    write again until STATS says so)."""
    def done():
        st = stats(probe)
        if st["workers_busy"] == "0" and st["queued"] == "0":
            return True
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            os.write(fd, b"x")
        except OSError:
            pass
        os.close(fd)
        return False
    return eventually(done)


# A fresh query goes before a flood's queue.  One worker; the flood's
# queries each hold it until the test lets it go.
hold = scratch.join("hold.fifo")
os.mkfifo(hold)
d = Daemon(index, "--workers", "1", "--query-timeout", "0", "--worker-spin-us", "0",
           env={"LEDE_TEST_HOLD": hold})
probe = d.connect()
flood = d.connect()
flood.send("SEARCH lede-test-hold\n" * 5)
check(eventually(lambda: stats(probe)["workers_busy"] == "1" and stats(probe)["queued"] == "4"),
      "the flood's first query holds the worker, four more wait")
good = d.connect()
good.send("SEARCH drought\n")
check(eventually(lambda: stats(probe)["queued"] == "5"), "a good client's query waits too")
check(release_one(hold), "the worker is let go once")
r = good.reply("SEARCH")
check(r[0].startswith("OK SEARCH"), "the good client is answered next, while the flood's next query holds the worker",
      r[0])
check(eventually(lambda: stats(probe)["queued"] == "3" and stats(probe)["workers_busy"] == "1"),
      "the flood's other queries still wait, its next holds the worker", str(stats(probe)))
check(release_all(hold, probe), "the flood's held queries let go")
check_eq([flood.reply("SEARCH")[0].split()[0] for _ in range(5)], ["OK"] * 5, "the flood gets all its replies")
for c in (probe, flood, good):
    c.close()
check_eq(d.stop(), 0, "exit 0")

# A client that does not read is held once it owes --max-output.
HEAVY = "SEARCH limit=100 snippet=2000 mode=any -- said was has will new year people over more after\n"
N = 200
d = Daemon(index, "--max-output", "65536", "--query-timeout", "0")
probe = d.connect()
slow = d.connect()
slow.send(HEAVY * N)
# Until the kernel's socket buffers are full, a hold can be brief (the
# socket takes what the client owes): each check reads one STATS in which
# the client is held, and waits for the one where the hold has settled.


def held_settled(st):
    return (st["connections_held"] == "1" and int(st["output_bytes"]) >= 65536 and
            st["workers_busy"] == "0" and int(st["queued"]) > 0)


check(eventually(lambda: held_settled(stats(probe))),
      "a non-reader owing --max-output is held, owing at least --max-output, its other "
      "queries waiting and not run while it is held", str(stats(probe)))
check(probe.ask("SEARCH drought")[0].startswith("OK SEARCH"), "another client is served")
got = [status_field(slow.reply("SEARCH"), "limit") for _ in range(N)]
check_eq(got, ["100"] * N, "once it reads, every reply arrives, in order")
check(eventually(lambda: stats(probe)["connections_held"] == "0"), "and it is held no more")
check(int(stats(probe)["holds"]) >= 1, "STATS holds counts it")
for c in (probe, slow):
    c.close()
check_eq(d.stop(), 0, "exit 0")

# --max-output-total: a non-reader owing less than --max-output is held
# when all clients together owe the total; a reading client goes on.
d = Daemon(index, "--max-output", "4M", "--max-output-total", "65536", "--query-timeout", "0")
probe = d.connect()
slow = d.connect()
slow.send(HEAVY * N)
check(eventually(lambda: stats(probe)["connections_held"] == "1"), "held for the total, under its own --max-output")
check(int(stats(probe)["output_bytes"]) < 4 << 20, "owing less than --max-output", stats(probe)["output_bytes"])
for _ in range(5):
    check(probe.ask("SEARCH drought")[0].startswith("OK SEARCH"), "a reading client still gets its replies")
got = [status_field(slow.reply("SEARCH"), "limit") for _ in range(N)]
check_eq(got, ["100"] * N, "the held client gets every reply once it reads")
for c in (probe, slow):
    c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
