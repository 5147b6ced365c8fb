"""test_read_your_writes -- a request is answered after the requests before
it on its connection have taken effect (docs/PROTOCOL.md, daemon/admit.h):
AUTH, ADD, COMMIT and COUNT pipelined in one write count the new article,
every time; a query sent before an ADD does not see it; a DELETE is seen
by the query behind its COMMIT.  Before, the COUNT ran beside the COMMIT
and answered 0 in 4 runs of 5, so each case runs many times.  And a query
that waited for a COMMIT is its connection's only request when it goes, so
a full queue does not refuse it (it got ERR BUSY under a flood): shown with
the worker held by the test (LEDE_TEST_HOLD), no timing."""
import json
import select

from ledetest import Daemon, Scratch, check, check_eq, eventually, finish, release_all, release_one, stats, status_field

RUNS = 30

scratch = Scratch()
TOKEN = "tok-" + "r9" * 10
token_file = scratch.token_file(TOKEN)
index = scratch.join("ryw.idx")
d = Daemon(index, "--ingest-token", token_file)


def article(word):
    return "ADD " + json.dumps({"id": word, "title": "A %s sighted" % word,
                                "text": "A %s was seen near the harbour." % word})


def pipeline(conn, lines):
    """Sends every line in one write; returns the replies' first lines."""
    conn.send("".join(l + "\n" for l in lines))
    return [conn.reply(l.split(" ", 1)[0])[0] for l in lines]


counts_after = []
counts_before = []
for i in range(RUNS):
    c = d.connect()
    word = "quokka%d" % i
    r = pipeline(c, ["AUTH " + TOKEN, "COUNT " + word, article(word), "COMMIT", "COUNT " + word])
    counts_before.append(r[1])
    counts_after.append(r[4])
    c.close()
check_eq(counts_after, ["OK COUNT 1"] * RUNS,
         "AUTH, ADD, COMMIT, COUNT in one write: the COUNT sees the commit, %d runs of %d" % (
             counts_after.count("OK COUNT 1"), RUNS))
check_eq(counts_before, ["OK COUNT 0"] * RUNS, "a COUNT before the ADD in the same write does not see it")

gone = []
for i in range(RUNS):
    c = d.connect()
    word = "quokka%d" % i
    r = pipeline(c, ["AUTH " + TOKEN, "DELETE " + word, "COMMIT", "COUNT " + word, "SEARCH " + word])
    gone.append((r[1], r[3], r[4]))
    c.close()
check_eq([(a, b) for a, b, _ in gone], [("OK DELETED quokka%d" % i, "OK COUNT 0") for i in range(RUNS)],
         "DELETE, COMMIT, COUNT in one write: the COUNT sees the delete")
check_eq([status_field([s], "hits") for _, _, s in gone], ["0"] * RUNS, "and so does the SEARCH behind it")

# Queries of one connection still run side by side with each other (only
# a change of kind waits), and replies stay in request order.
c = d.connect()
lines = ["COUNT quokka%d" % i for i in range(20)]
check_eq(pipeline(c, lines), ["OK COUNT 0"] * 20, "twenty pipelined queries, in order")
c.close()
check_eq(d.stop(), 0, "exit 0")

# A query released by its COMMIT under a full queue.  One worker, at most
# 4 queries waiting.  The good client's first query holds the worker, so
# its AUTH, ADD, COMMIT and COUNT wait behind it; a flood fills the queue
# (4) and a third client's query, fresh, takes one more place (5).  When
# the worker is let go it takes the first fresh query (the flood's), so 4
# wait again as the ADD and the COMMIT are applied and the COUNT goes:
# it must go as the connection's only request (fresh), not be refused.
hold = scratch.hold_fifo()
d = Daemon(scratch.join("busy.idx"), "--ingest-token", token_file, "--workers", "1", "--max-queued", "4",
           "--query-timeout", "0", "--worker-spin-us", "0", env={"LEDE_TEST_HOLD": hold})
probe = d.connect()
good = d.connect()
lines = ["SEARCH lede-test-hold", "AUTH " + TOKEN, article("wombat"), "COMMIT", "COUNT wombat"]
good.send("".join(l + "\n" for l in lines))
check(eventually(lambda: stats(probe)["workers_busy"] == "1"), "the good client's first query holds the worker")
flood = d.connect()
flood.send("SEARCH lede-test-hold\n" * 8)
check(eventually(lambda: stats(probe)["queued"] == "4"), "a flood fills the queue (--max-queued 4)")
other = d.connect()
other.send("SEARCH lede-test-hold\n")
check(eventually(lambda: stats(probe)["queued"] == "5"), "a fresh query of another client takes a fifth place")
check(release_one(hold), "the worker is let go once")
got = [good.reply(l.split(" ", 1)[0])[0].split(" ")[:2] for l in lines[:4]]
check_eq(got, [["OK", "SEARCH"], ["OK", "AUTH"], ["OK", "ADDED"], ["OK", "COMMITTED"]],
         "the query, AUTH, ADD and COMMIT answered in order")


def count_went():
    """The COUNT went as its connection's only request: queued beside the
    4 waiting, or already answered (the worker, let go, may take it before
    the flood's next query when the COMMIT is applied first; it failed so
    once in CI).  Refused, it would be answered ERR BUSY: checked below."""
    if good.buf or select.select([good.sock], [], [], 0)[0]:
        return True
    return stats(probe)["queued"] == "5"


check(eventually(count_went),
      "the COUNT behind the COMMIT is queued though 4 queries wait, or answered (its connection's only request)",
      stats(probe)["queued"])
check(release_all(hold, probe), "the held queries let go")
check_eq(good.reply("COUNT")[0], "OK COUNT 1", "the COUNT is answered and sees the commit")
for c in (probe, good, flood, other):
    c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
