"""test_read_your_writes -- a request is answered after the requests before
it on its connection have taken effect (docs/PROTOCOL.md, daemon/admit.h):
AUTH, ADD, COMMIT and COUNT pipelined in one write count the new article,
every time; a query sent before an ADD does not see it; a DELETE is seen
by the query behind its COMMIT.  Before, the COUNT ran beside the COMMIT
and answered 0 in 4 runs of 5, so each case runs many times."""
import json
import os

from ledetest import Daemon, Scratch, check_eq, finish, status_field

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
scratch.cleanup()
finish()
