"""test_fresh_after_timeout -- a client whose queries timed out while they
waited for a worker keeps its place (daemon/pool.c).  Its next query,
sent once the ERR TIMEOUTs came back (nothing else of it waits), is a
fresh query like any other client's: it used to wait in the same queue
behind the timed-out ones, and when a worker took the first (skipping it)
the connection went to the round-robin turns, behind every fresh query
sent meanwhile, so a stream of other clients' single queries starved it
and each of its queries timed out in turn (the probe of session 30: a
client sending one cheap query at a time got ERR TIMEOUT for 25 of 35
while six others sent heavy queries).  Session 30's fix kept the place
behind one timed-out query; behind two or more pipelined ones (the
second not fresh when it came) the flow still went to the turns after
the first was skipped.  Shown without timing: one worker held by the
test (LEDE_TEST_HOLD), and which query it takes next read from STATS."""
import os

from ledetest import (ROOT, Scratch, build_index, check, eventually, finish, one_held_worker, release_all,
                      release_one, stats)

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))


def fresh_after(timed_out):
    """timed_out queries of one client, pipelined, time out waiting; its
    next query must run before a later client's."""
    # The client's first queries wait out the time limit; the later ones
    # must be taken before it passes for them: 2 s of room for the steps.
    d, hold, probe, holder = one_held_worker(scratch, index, "2")
    client = d.connect()
    client.send("SEARCH drought\n" * timed_out)
    got = [client.reply("SEARCH")[0] for _ in range(timed_out)]
    check(all(r.startswith("ERR TIMEOUT") for r in got),
          "%d queries waiting for the held worker time out" % timed_out, str(got))
    check(stats(probe)["queued"] == str(timed_out), "the timed-out queries still wait in the queue, to be skipped")
    client.send("SEARCH harvest\n")
    check(eventually(lambda: stats(probe)["queued"] == str(timed_out + 1)), "the client's next query waits")
    later = d.connect()
    later.send("SEARCH lede-test-hold\n")  # a fresh query sent after the client's
    check(eventually(lambda: stats(probe)["queued"] == str(timed_out + 2)), "another client's query waits behind it")
    check(release_one(hold), "the worker is let go once")
    # The worker skips the timed-out queries, then takes the client's next
    # one (it came first) before the later client's, which then holds it.
    # Before, the later one held the worker and the client's waited.
    check(eventually(lambda: stats(probe)["queued"] == "0" and stats(probe)["workers_busy"] == "1"),
          "after %d timed out, the client's next query runs before the later client's" % timed_out, str(stats(probe)))
    check(release_all(hold, probe), "the later client's query let go")
    r = later.reply("SEARCH")
    check(r[0].startswith(("OK SEARCH", "ERR TIMEOUT")), "the later client gets its reply", r[0])
    r = client.reply("SEARCH")
    check(r[0].startswith(("OK SEARCH", "ERR TIMEOUT")), "the client gets its reply", r[0])
    for c in (probe, holder, client, later):
        c.close()
    check(d.stop() == 0, "exit 0")
    os.unlink(hold)


for n in (1, 2, 3):
    fresh_after(n)
scratch.cleanup()
finish()
