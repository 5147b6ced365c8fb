"""test_ingest -- pushing articles to leded over the protocol: ingest off
by default, AUTH, ADD (JSON on the line), PUT (a byte-counted block),
DELETE, COMMIT, COMPACT, their errors, pipelining, the writer lock seen by
lede-index, automatic commits and compaction, STATS, and durability of
acknowledged commits across kill -9 of the daemon.  Waits poll the daemon
with a deadline; nothing sleeps."""
import json
import os
import select
import signal
import subprocess
import time

from ledetest import (eventually, DEADLINE, Daemon, Scratch, ROOT, INDEXER, build_index, check,
                      check_eq, finish, hit_ids, status_field)

scratch = Scratch()
TOKEN = "tok-" + "x7" * 10
token_file = scratch.token_file(TOKEN)


def count(conn, query):
    r = conn.ask("COUNT " + query)
    return int(r[0].split()[2]) if r[0].startswith("OK COUNT") else r



def stats(conn):
    return dict(l.split("\t", 1) for l in conn.ask("STATS")[1:])


def add(conn, **article):
    return conn.ask("ADD " + json.dumps(article))


# ---- ingest off: the default ------------------------------------------------
plain = scratch.join("plain.idx")
build_index(plain, os.path.join(ROOT, "corpus"))
d = Daemon(plain)
c = d.connect()
check(add(c, id="x", title="t", text="b")[0].startswith("ERR DISABLED"),
      "without --ingest-token, ADD is refused with DISABLED")
check(c.ask("AUTH " + TOKEN)[0].startswith("ERR DISABLED"), "and so is AUTH")
check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "search needs no token")
c.close()
d.stop()

# ---- a daemon that owns a new index -------------------------------------------
index = scratch.join("live.idx")
d = Daemon(index, "--ingest-token", token_file, "--max-article-bytes", "4096",
           "--commit-interval", "0.2")
c = d.connect()
check_eq(count(c, "anything"), 0, "the daemon created the missing index, empty")

check(add(c, id="a1", title="t", text="b")[0].startswith("ERR NOAUTH"),
      "ADD before AUTH: NOAUTH")
check(c.ask("DELETE a1")[0].startswith("ERR NOAUTH"), "DELETE before AUTH: NOAUTH")
check(c.ask("COMMIT")[0].startswith("ERR NOAUTH"), "COMMIT before AUTH: NOAUTH")
check(c.ask("AUTH wrong-token-123")[0].startswith("ERR AUTH"), "a wrong token: AUTH error")

p = d.connect()
p.send("PUT early 5\nhello\n")
check(p.reply("PUT")[0].startswith("ERR NOAUTH"), "PUT before AUTH: NOAUTH")
check(p.closed_by_peer(), "... and the connection is closed (its bytes cannot be framed)")
p.close()

w = d.connect()
for _ in range(3):
    r = w.ask("AUTH not-the-token")
check(r[0].startswith("ERR AUTH") and w.closed_by_peer(), "three wrong tokens close the connection")
w.close()

check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH with the token")
check_eq(add(c, id="a1", title="Crossing opens", text="Zebras crossed the new road."),
         ["OK ADDED a1"], "ADD a new article")
check_eq(add(c, id="a1", title="Crossing opens", text="Zebras crossed the new road."),
         ["OK UNCHANGED a1"], "ADD the same article again: UNCHANGED")
check_eq(add(c, id="a1", title="Crossing opens", text="Okapis crossed the new road."),
         ["OK REPLACED a1"], "ADD changed text: REPLACED")
r = c.ask("COMMIT")
check(r[0].startswith("OK COMMITTED revision="), "COMMIT", r[0])
check_eq(status_field(r, "articles"), "1", "COMMIT reports the article count")
check_eq(count(c, "okapi"), 1, "after COMMIT, the replacement is searchable at once")
check_eq(count(c, "zebras"), 0, "and the old text is gone")

# Regression: an undated article is dated by its arrival, and that date
# made the same article sent again a second later REPLACED (seen as a
# flake of the UNCHANGED check above on a loaded machine).  The clock is
# polled to the next second (a precondition, not a wait for the daemon).
check_eq(add(c, id="u1", title="Undated note", text="Herons nested early."), ["OK ADDED u1"],
         "ADD an undated article")
c.ask("COMMIT")
first_date = [l for l in c.ask("GET u1") if l.startswith("date\t")]
second = int(time.time())
while int(time.time()) == second:
    pass
check_eq(add(c, id="u1", title="Undated note", text="Herons nested early."), ["OK UNCHANGED u1"],
         "the same undated article a second later: UNCHANGED")
c.ask("COMMIT")
check(first_date and [l for l in c.ask("GET u1") if l.startswith("date\t")] == first_date,
      "... and it keeps the date of its first arrival", str(first_date))
check_eq(c.ask("DELETE u1"), ["OK DELETED u1"], "(the undated article removed again)")

body = "Title: Giraffe census\nDate: 2024-05-06\nAuthor: Ana Lima\n\nGiraffes counted again.\n\nThe count rose in the north.\n"
c.send("PUT g1 %d\r\n%s\r\n" % (len(body.encode()), body))
check_eq(c.reply("PUT"), ["OK ADDED g1"], "PUT: a plain-text article as a byte-counted block (CRLF)")
c.ask("COMMIT")
g = c.ask("GET g1")
check("title\tGiraffe census" in g and "date\t2024-05-06T00:00:00Z" in g and "author\tAna Lima" in g,
      "PUT: the header block gives title, date and author", str(g))
check_eq(hit_ids(c.ask('SEARCH "count rose"')), ["g1"], "PUT article searchable by phrase")

utf = "Caf\xe9 culture\n\nThe caf\xe9 opened.\n".encode("latin-1")
c.send(b"PUT latin %d\n%s\n" % (len(utf), utf))
check_eq(c.reply("PUT"), ["OK ADDED latin"], "PUT with invalid UTF-8 is repaired, not refused")
c.ask("COMMIT")
check("title\tCaf\u00e9 culture" in c.ask("GET latin"), "... repaired as Latin-1")

check(add(c, title="no id", text="x")[0].startswith("ERR BADARTICLE"), "ADD without id: BADARTICLE")
check(c.ask('ADD {"id": "broken", "title": ')[0].startswith("ERR BADARTICLE"),
      "ADD with malformed JSON: BADARTICLE")
check(c.ask("ADD not json")[0].startswith("ERR SYNTAX"), "ADD without an object: SYNTAX")
check(c.ask("PUT onlyid")[0].startswith("ERR SYNTAX"), "PUT without a byte count: SYNTAX")
check_eq(c.ask("DELETE a1"), ["OK DELETED a1"], "DELETE")
check(c.ask("DELETE a1")[0].startswith("ERR NOTFOUND"), "DELETE an unknown id: NOTFOUND")
c.ask("COMMIT")
check_eq(count(c, "okapi"), 0, "deleted article gone after COMMIT")
check_eq(c.ask("PING"), ["OK PONG"], "the connection is still in sync after the errors")

big = d.connect()
big.ask("AUTH " + TOKEN)
big.send("PUT huge 5000\n" + "y" * 5000 + "\n")
check(big.reply("PUT")[0].startswith("ERR TOOLONG"), "PUT over --max-article-bytes: TOOLONG")
check(big.closed_by_peer(), "... and the connection is closed")
big.close()

bad = d.connect()
bad.ask("AUTH " + TOKEN)
bad.send("PUT short 3\nabcdef\n")
check(bad.reply("PUT")[0].startswith("ERR SYNTAX"), "PUT bytes not followed by a newline: SYNTAX")
check(bad.closed_by_peer(), "... and the connection is closed")
bad.close()

# Pipelining: 300 ADDs and a COMMIT in one write, replies in order.
batch = "".join("ADD %s\n" % json.dumps({"id": "p%03d" % i, "title": "Pipeline item %d" % i,
                                          "text": "pipelined walrus number %d" % i})
                for i in range(300)) + "COMMIT\n"
c.send(batch)
replies = [c.reply("ADD")[0] for _ in range(300)]
check_eq(replies, ["OK ADDED p%03d" % i for i in range(300)], "300 pipelined ADDs answered in order")
check(c.reply("COMMIT")[0].startswith("OK COMMITTED"), "then the COMMIT")
check_eq(count(c, "walrus"), 300, "all 300 searchable after the COMMIT")

# Without COMMIT the daemon commits on its own.
add(c, id="auto1", title="Automatic commit", text="A narwhal surfaced.")
check(eventually(lambda: count(c, "narwhal") == 1), "an ADD without COMMIT becomes searchable by itself")

st = stats(c)
check_eq(st.get("ingest"), "on", "STATS: ingest on")
check(int(st.get("revision", "0")) > 0, "STATS: revision", str(st))
check(st.get("last_commit", "-").endswith("Z"), "STATS: last commit time", st.get("last_commit"))
check_eq(st.get("ingest_backlog"), "0", "STATS: ingest backlog")

j = d.connect()
j.ask("FORMAT json")
check_eq(j.ask("AUTH " + TOKEN), {"ok": True, "cmd": "auth"}, "JSON: AUTH")
check_eq(j.ask("ADD " + json.dumps({"id": "j1", "title": "JSON", "text": "json reply"})),
         {"ok": True, "cmd": "add", "outcome": "added", "id": "j1"}, "JSON: ADD")
r = j.ask("COMMIT")
check(r.get("ok") and r.get("cmd") == "commit" and r.get("articles") == 304, "JSON: COMMIT", str(r))
j.close()

# The writer lock: lede-index refuses, and says who holds the index.
r = subprocess.run([INDEXER, "--index", index, os.path.join(ROOT, "corpus")],
                   capture_output=True, text=True)
check(r.returncode == 2 and "leded ingest" in r.stderr and "ADD" in r.stderr,
      "lede-index on the daemon's index: locked, names the daemon, says what to do", r.stderr)
r = subprocess.run([INDEXER, "--index", index, "--compact"], capture_output=True, text=True)
check(r.returncode == 2 and "locked" in r.stderr, "lede-index --compact too", r.stderr)

r = c.ask("COMPACT")
check(r[0].startswith("OK COMPACTED"), "COMPACT over the protocol", r[0])
check_eq(count(c, "walrus"), 300, "nothing lost by COMPACT")

# Automatic compaction: replacements pile up past the policy's threshold.
churn = "".join("ADD %s\n" % json.dumps({"id": "c%d" % (i % 5), "title": "Churn",
                                         "text": "version %d of a churning article" % i})
                for i in range(1100))
c.send(churn)
for _ in range(1100):
    c.reply("ADD")
check(eventually(lambda: int(stats(c).get("compactions", "0")) >= 2),
      "1,100 replacements trigger an automatic compaction", str(stats(c)))
check_eq(count(c, "churning"), 5, "the churned articles are there once each")

# Durability: what COMMIT acknowledged survives kill -9.
add(c, id="durable1", title="Durable", text="an acknowledged albatross")
r = c.ask("COMMIT")
check(r[0].startswith("OK COMMITTED"), "COMMIT before the kill")
acked = int(status_field(r, "articles"))
c.close()
check_eq(d.stop(signal.SIGKILL), -signal.SIGKILL, "daemon killed with SIGKILL")
d = Daemon(index, "--ingest-token", token_file)
c = d.connect()
check_eq(count(c, "albatross"), 1, "the acknowledged article survived kill -9")
check_eq(stats(c).get("articles"), str(acked), "so did every other acknowledged article")
c.ask("AUTH " + TOKEN)
check_eq(add(c, id="after", title="After restart", text="writing again"), ["OK ADDED after"],
         "the restarted daemon takes the writer again")
c.close()
check_eq(d.stop(), 0, "SIGTERM: exit 0")
r = subprocess.run([INDEXER, "--index", index, "--list"], capture_output=True, text=True)
check("after" in r.stdout.split(), "SIGTERM committed what was pushed last")
r = subprocess.run([INDEXER, "--index", index, "--check"], capture_output=True, text=True)
check_eq(r.returncode, 0, "the index is consistent")

# Regression: with --max-pipeline 1 a PUT is the one request in flight,
# and reading its bytes must go on (it used to pause, and the PUT hung).
one = scratch.join("one.idx")
d = Daemon(one, "--ingest-token", token_file, "--max-pipeline", "1")
c = d.connect()
c.ask("AUTH " + TOKEN)
body = "One at a time\n\nA single request in flight."
c.send("PUT solo %d\n%s\n" % (len(body), body))
check_eq(c.reply("PUT"), ["OK ADDED solo"], "PUT completes with --max-pipeline 1")
c.close()
d.stop()

# Regression: SIGTERM while the writer still applies the commands of a
# client that left.  The pool was stopped (and freed) before the writer,
# whose every finished command kicks the pool's hand-off: a use after free
# that ASan reported (make test-asan); the daemon must exit 0, silent.
left = scratch.join("left.idx")
d = Daemon(left, "--ingest-token", token_file)
clients = [d.connect() for _ in range(8)]
for k, c in enumerate(clients):
    check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH")
    c.send("".join("ADD %s\n" % json.dumps({"id": "left-%d-%d" % (k, i), "text": "gone %d" % i})
                   for i in range(500)))
probe = d.connect()
check(eventually(lambda: int(stats(probe)["ingest_backlog"]) >= 200),
      "the writer has a backlog of the clients' commands")
probe.close()
for c in clients:
    c.close()
check_eq(d.stop(), 0, "SIGTERM while the writer works for a client that left: exit 0")
check("AddressSanitizer" not in d.log_text(), "no sanitizer report", d.log_text()[-3000:])

scratch.cleanup()
finish()
