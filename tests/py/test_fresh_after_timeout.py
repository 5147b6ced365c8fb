"""test_fresh_after_timeout -- a client whose query timed out while it
waited for a worker keeps its place (daemon/pool.c).  Its next query,
sent once the ERR TIMEOUT came back (nothing else of it waits), is a
fresh query like any other client's: it used to wait in the same queue
behind the timed-out one, and when a worker took that one (skipping it)
the connection went to the round-robin turns, behind every fresh query
sent meanwhile, so a stream of other clients' single queries starved it
and each of its queries timed out in turn (the probe of session 30: a
client sending one cheap query at a time got ERR TIMEOUT for 25 of 35
while six others sent heavy queries).  Shown without timing: one worker
held by the test (LEDE_TEST_HOLD), and which query it takes next read
from STATS."""
import os

from ledetest import (ROOT, Daemon, Scratch, build_index, check, eventually, finish, release_all,
                      release_one, stats)

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
hold = scratch.hold_fifo()
d = Daemon(index, "--workers", "1", "--query-timeout", "0.2", "--worker-spin-us", "0",
           env={"LEDE_TEST_HOLD": hold})
probe = d.connect()
holder = d.connect()
holder.send("SEARCH lede-test-hold\n")
check(eventually(lambda: stats(probe)["workers_busy"] == "1"), "a query holds the one worker")
client = d.connect()
r = client.ask("SEARCH drought")
check(r[0].startswith("ERR TIMEOUT"), "a query waiting for the held worker times out", r[0])
check(stats(probe)["queued"] == "1", "the timed-out query still waits in the queue, to be skipped")
client.send("SEARCH harvest\n")
check(eventually(lambda: stats(probe)["queued"] == "2"), "the client's next query waits")
later = d.connect()
later.send("SEARCH lede-test-hold\n")  # a fresh query sent after the client's
check(eventually(lambda: stats(probe)["queued"] == "3"), "another client's query waits behind it")
check(release_one(hold), "the worker is let go once")
# The worker skips the timed-out query, then takes the client's next one
# (it came first) before the later client's, which then holds it.  On the
# old code the later one held the worker and the client's waited (queued 1).
check(eventually(lambda: stats(probe)["queued"] == "0" and stats(probe)["workers_busy"] == "1"),
      "the client's next query runs before the later client's", str(stats(probe)))
check(release_all(hold, probe), "the later client's query let go")
r = later.reply("SEARCH")
check(r[0].startswith(("OK SEARCH", "ERR TIMEOUT")), "the later client gets its reply", r[0])
for c in (probe, holder, client, later):
    c.close()
check(d.stop() == 0, "exit 0")
scratch.cleanup()
finish()
