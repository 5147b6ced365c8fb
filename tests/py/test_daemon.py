"""test_daemon -- leded end to end through real sockets, on an index of
corpus/: every command and option, the query language with hand-checked
ids, paging against COUNT, pipelining, every error code, hostile clients,
200 concurrent connections, updates seen live, and SIGTERM."""
# tests/run: alone -- its daemons answer 200 connections at once and time a held query out after 1 s.
import json
import os
import shutil
import signal
import socket
import subprocess
import threading

from ledetest import (LEDED, Daemon, eventually, Scratch, ROOT, INDEXER, build_index, check, check_eq,
                      finish, hit_ids, status_field)

scratch = Scratch()
corpus = scratch.join("corpus")
shutil.copytree(os.path.join(ROOT, "corpus"), corpus)
index = scratch.join("corpus.idx")
build_index(index, corpus)


def id_of(rel):
    """A text file's id: its Id: header, else its path below corpus/."""
    with open(os.path.join(corpus, rel), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                break
            if line.startswith("Id:"):
                return line.split(":", 1)[1].strip()
    return rel


def ids(*rels):
    return sorted(id_of(r) if r.endswith(".txt") else r for r in rels)


# Hand-checked against the corpus (see corpus/README.md).
PHRASE_ELENA_MARSH = ids("business/central-bank-holds-interest-rates.txt",
                         "business/mortgage-approvals-fall.txt",
                         "business/quillon-banking-licence.txt",
                         "world/finance-ministers-inflation.txt",
                         "wire-2024-0001", "wire-2025-0002")
BOTH_WORDS = sorted(PHRASE_ELENA_MARSH + ids("world/marsh-harbour-storm-relief.txt",
                                             "culture/salt-marsh-paintings.txt"))
DROUGHT = ids("world/drought-harvest-warning.txt", "business/coffee-prices-drought.txt",
              "science/drought-soil-microbes.txt")
QUILLON = ids("business/quillon-banking-licence.txt", "tech/quillon-chip-factory.txt",
              "tech/quillon-ai-assistant-launch.txt")
ROVERS = ids("sport/northbridge-rovers-cup-semi-final.txt",
             "sport/northbridge-rovers-sign-striker.txt",
             "sport/northbridge-rovers-stadium-plan.txt", "wire-2025-0001")

hold = scratch.hold_fifo()
d = Daemon(index, "--workers", "2", "--query-timeout", "1", "--max-line", "4096",
           "--log-level", "info", env={"LEDE_TEST_HOLD": hold})
c = d.connect()


def search(query, **opts):
    opts.setdefault("limit", 100)
    optstr = " ".join("%s=%s" % kv for kv in opts.items())
    return c.ask("SEARCH %s -- %s" % (optstr, query))


def found(query, **opts):
    return sorted(hit_ids(search(query, **opts)))


check_eq(c.ask("PING"), ["OK PONG"], "PING")
check_eq(c.ask("ping"), ["OK PONG"], "commands are case-insensitive")

# The query language.
check_eq(found('"elena marsh"'), PHRASE_ELENA_MARSH, "phrase: only adjacent words")
check_eq(found("elena marsh"), BOTH_WORDS, "words: AND, adjacency not needed")
check(set(found("elena OR marsh")) >= set(BOTH_WORDS), "OR: at least every AND hit")
check_eq(found("drought"), DROUGHT, "single word")
check_eq(found("drought NOT harvest"), ids("science/drought-soil-microbes.txt"), "NOT")
check_eq(found("drought -harvest"), ids("science/drought-soil-microbes.txt"), "-word")
check_eq(found("quillon OR drought"), sorted(QUILLON + DROUGHT), "OR")
check_eq(found("(quillon OR drought) AND harvest"), ids("world/drought-harvest-warning.txt",
                                                        "business/coffee-prices-drought.txt"),
         "parentheses")
check_eq(found("elena NEAR/2 marsh"), PHRASE_ELENA_MARSH, "NEAR/2: close words only")
check_eq(found("quill*"), QUILLON, "prefix wildcard")
check_eq(found('title:"northbridge rovers"'), ROVERS, "title: phrase")
check(set(found("title:quillon")) <= set(QUILLON) and len(found("title:quillon")) >= 2,
      "title: only headline matches", str(found("title:quillon")))
check_eq(found("date:2025-01-01..2025-03-31"),
         ids("business/mortgage-approvals-fall.txt", "wire-2025-0001"), "date range")
check(set(found("date:..2024-12-31")) >= set(ids("wire-2024-0001")), "open-start date range")
check_eq(found("mined"), found("mining"), "stemming: mined and mining match alike")
check_eq(len(found("mining")), 2, "stemming: both mining articles")

# Ranking, sorting, options.
r = search("interest rates", limit=3)
check_eq(status_field(r, "hits"), "3", "limit")
full = hit_ids(search("bank", limit=100))
check_eq(hit_ids(search("bank", limit=3, offset=3)), full[3:6], "offset pages the same ranking")
dated = search("bank", sort="date", limit=100)
dates = [l.split("\t")[4] for l in dated if l.startswith("HIT")]
check_eq(dates, sorted(dates, reverse=True), "sort=date: newest first")
r = search("quillon harbour")
check_eq(status_field(r, "retried"), "any", "AND with no hit retried as any, and says so")
check(len(hit_ids(r)) > 0, "the retry finds something")
r = search("elena marsh", mode="any", limit=100)
check(set(hit_ids(r)) >= set(BOTH_WORDS), "mode=any")
# mode=any: words joined by a hyphen are separate words, not a phrase;
# quoted phrases and field:value words keep their hyphens.
check_eq(found("drought-xyzzy", mode="any"), found("drought"), "mode=any: 'drought-xyzzy' is two words")
check_eq(found('"drought-xyzzy"', mode="any"), [], "mode=any: a quoted hyphenated phrase stays a phrase")
check_eq(found("id:wire-2024-0001", mode="any"), ["wire-2024-0001"], "mode=any: id: values keep their hyphens")
check_eq(found("drought -harvest", mode="any"), found("drought NOT harvest"), "mode=any: -word still excludes")
r = search("drougth")
check(any(l == "DIDYOUMEAN\tdrought" for l in r), "did you mean", str(r[:2]))
r = search("drought", snippet=80, hl="<<,>>")
snip = [l.split("\t")[6] for l in r if l.startswith("HIT")]
check(all("<<" in s and ">>" in s for s in snip), "snippets carry the requested markers", str(snip[:1]))
r = search("drought", snippet=0)
check(all(l.split("\t")[6] == "" for l in r if l.startswith("HIT")), "snippet=0: none")
# Marks come from the query's words (a wildcard's from the hits' words),
# never from the words a query excludes.
import re as _re
def marked(query):
    r = search(query, snippet=400, hl="<<,>>")
    return [m.lower() for l in r if l.startswith("HIT") for m in _re.findall(r"<<(.*?)>>", l.split("\t")[6])]
m = marked("quill*")
check(m and all(w.startswith("quill") for w in m), "a wildcard's expansions are marked", str(m[:5]))
m = marked("drought NOT harvest")
check(m and "harvest" not in m and any(w.startswith("drought") for w in m),
      "an excluded word is not marked", str(m[:5]))
m = marked("drought OR xyzzyq")
check(m and all(w.startswith("drought") for w in m), "OR: only words a hit has are marked", str(m[:5]))
# Inflected and capitalised forms are marked (snippet stemming skips only
# words whose first letter starts no query stem: SnippetStem).
m = marked("droughts")
check(m and any(w == "drought" for w in m), "a query's inflection marks the text's other forms", str(m[:5]))
m = marked("harvest drought")
check({w[:5] for w in m} >= {"droug", "harve"}, "two words with different first letters: both marked", str(m[:8]))
check_eq(status_field(search("bank", limit=500), "limit"), "100", "limit is capped at 100")

# Counts agree with paging.
total = int(c.ask("COUNT bank")[0].split()[2])
seen = []
off = 0
while True:
    page = hit_ids(search("bank", limit=7, offset=off))
    if not page:
        break
    seen += page
    off += 7
check_eq(len(seen), total, "COUNT equals the hits paged through")
check_eq(len(set(seen)), len(seen), "paging never repeats a hit")
r = search("bank", limit=2, exact=1)
check_eq((status_field(r, "exact"), status_field(r, "total")), ("1", str(total)), "exact=1")

# GET, SUGGEST, STATS, HELP.
g = c.ask("GET wire-2024-0001")
check(g[0] == "OK GET" and "title\tGovernor Marsh signals patience on rate cuts" in g, "GET")
check(any(l.startswith("body\t") and "\\n\\n" in l for l in g), "GET escapes newlines")
check_eq(c.ask("SUGGEST drougt"), ["OK SUGGEST", "SUGGESTION\tdrought"], "SUGGEST")
# Regression: only rare words are corrected.  Xapian's own correction
# looked up every word and turned "rains", which the index knows well,
# into "rain" (and cost up to 400 µs a word); field:value words and
# operators stay as they are.
check_eq(c.ask('SUGGEST "drougt rains" OR drougt'), ["OK SUGGEST", 'SUGGESTION\t"drought rains" OR drought'],
         "SUGGEST corrects the rare word, keeps the common one")
check_eq(c.ask("SUGGEST title:drougt NOT drougt"), ["OK SUGGEST", "SUGGESTION\ttitle:drougt NOT drought"],
         "SUGGEST leaves field:value words and operators alone")
check_eq(c.ask("SUGGEST quill* OR drougt"), ["OK SUGGEST", "SUGGESTION\tquill* OR drought"],
         "SUGGEST leaves wildcards alone (quill* had become will*)")
check_eq(c.ask("SUGGEST \u201cdrougt\u201d"), ["OK SUGGEST", "SUGGESTION\t\u201cdrought\u201d"],
         "SUGGEST: Unicode punctuation is not part of a word")
st = dict(l.split("\t", 1) for l in c.ask("STATS")[1:])
check_eq(st.get("articles"), "46", "STATS articles")
check(int(st.get("queries", 0)) > 10 and "latency_p99_us" in st and "uptime_s" in st,
      "STATS server figures", str(st))
check(c.ask("HELP")[0] == "OK HELP", "HELP")

# Errors, one per code.
def code(reply):
    return reply[0].split()[1] if reply[0].startswith("ERR") else reply[0].split()[0]

check_eq(code(c.ask('SEARCH "elena marsh')), "SYNTAX", "unbalanced quote: SYNTAX")
check("unbalanced quote" in c.ask('SEARCH "x')[0], "the error says what is wrong")
check_eq(code(c.ask("SEARCH (a OR b")), "SYNTAX", "unbalanced parenthesis")
check_eq(code(c.ask("SEARCH bank AND")), "SYNTAX", "dangling operator")
check_eq(code(c.ask("SEARCH")), "SYNTAX", "empty query")
check_eq(code(c.ask("SEARCH limit=lots bank")), "SYNTAX", "bad option value")
check_eq(code(c.ask("SEARCH colour=red bank")), "SYNTAX", "unknown option")
check_eq(code(c.ask("SEARCH date:2025-13-45..2026")), "SYNTAX", "bad date in range")
check_eq(code(c.ask("FROBNICATE")), "UNKNOWN", "unknown command")
check_eq(code(c.ask("GET no/such/article")), "NOTFOUND", "GET of a missing id")
check_eq(code(c.ask("PING extra")), "SYNTAX", "argument where none is taken")
check_eq(code(c.ask("SEARCH a*")), "OK", "wildcard within the limit")

# Pipelining: many requests in one write, replies in order.
c.send("".join("SEARCH limit=%d -- bank\n" % n for n in range(1, 41)) + "PING\n")
got = [status_field(c.reply("SEARCH"), "hits") for _ in range(40)]
check_eq(got, [str(min(n, total)) for n in range(1, 41)], "40 pipelined searches answered in order")
check_eq(c.reply("PING"), ["OK PONG"], "and the PING after them")

# JSON format.
j = d.connect()
check_eq(j.ask("FORMAT json"), {"ok": True, "cmd": "format", "format": "json"}, "FORMAT json")
r = j.ask('SEARCH limit=2 -- "elena marsh"')
check(r["ok"] and len(r["hits"]) == 2 and {"rank", "id", "score", "title", "date", "snippet"} <= set(r["hits"][0]),
      "JSON search reply", str(r)[:200])
check_eq(j.ask("SEARCH \"x")["error"], "SYNTAX", "JSON error reply")
check_eq(j.ask("GET wire-2024-0001")["article"]["meta"], {"topics": ["economy", "central banks", "inflation"]},
         "JSON article with metadata")
check_eq(j.ask("FORMAT text"), ["OK FORMAT text"], "back to text")
j.close()

# An over-long line: TOOLONG, then the connection is closed; others go on.
t = d.connect()
t.send("SEARCH " + "x" * (10 << 20) + "\n")
try:
    first = t.line()
except (EOFError, ConnectionResetError):
    first = ""
check(first.startswith("ERR TOOLONG"), "10 MB line: ERR TOOLONG", first[:60])
check(t.closed_by_peer(), "10 MB line: connection closed")
t.close()
check_eq(c.ask("PING"), ["OK PONG"], "other clients unaffected by the long line")

# A client that vanishes mid-reply.
for _ in range(5):
    v = d.connect()
    v.send("SEARCH limit=100 snippet=2000 -- bank\n" * 50)
    v.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    v.close()
check_eq(c.ask("PING"), ["OK PONG"], "daemon alive after clients vanished mid-reply")

# 200 concurrent connections, each with its own expected answer, through a
# daemon of their own with no query time limit: d's limit of 1 s is for
# the held query below, and on a machine busy with other work some of 200
# queued queries waited longer than that (ERR TIMEOUT, 40 of 200 beside a
# sanitizer run), which says nothing of whether the answers are right.
many = Daemon(index, "--workers", "2", "--query-timeout", "0")
conns = [many.connect() for _ in range(200)]
queries = ['"elena marsh"', "drought", "quillon", 'title:"northbridge rovers"']
expect = {q: found(q) for q in queries}
for i, k in enumerate(conns):
    k.send("SEARCH limit=100 -- %s\n" % queries[i % 4])
bad = 0
for i, k in enumerate(conns):
    if sorted(hit_ids(k.reply("SEARCH"))) != expect[queries[i % 4]]:
        bad += 1
    k.close()
check_eq(bad, 0, "200 concurrent connections, each answered correctly")
check_eq(many.stop(), 0, "their daemon stops cleanly")

# A busy worker does not stall the loop or other clients; TIMEOUT.
h = d.connect()
h.send("SEARCH lede-test-hold\n")
check_eq(c.ask("PING"), ["OK PONG"], "loop answers while a worker is busy")
check_eq(found("drought"), DROUGHT, "the other worker answers queries meanwhile")
r = h.reply("SEARCH")
check(r[0].startswith("ERR TIMEOUT"), "a query past --query-timeout gets ERR TIMEOUT", r[0])
with open(hold, "w") as f:
    f.write("x")
check_eq(h.ask("PING"), ["OK PONG"], "the connection is usable after a timeout")
h.close()

# The index changes under the running daemon.
with open(os.path.join(corpus, "world", "zebra-crossing.txt"), "w") as f:
    f.write("Zebra crossing repainted\nThe zebrafinch campaign won.\n\nA new zebra crossing.\n")
build_index(index, corpus)
check_eq(found("zebra"), ["world/zebra-crossing.txt"], "an article indexed after start is found")
os.remove(os.path.join(corpus, "world", "zebra-crossing.txt"))
build_index(index, corpus)
check_eq(found("zebra"), [], "a deleted article disappears")
subprocess.run([INDEXER, "--index", index, "--compact"], stdout=subprocess.DEVNULL)
check_eq(found("drought"), DROUGHT, "queries still right after compaction switched databases")

# Connection limit, on a second daemon.
d2 = Daemon(index, "--max-connections", "2")
a1, a2 = d2.connect(), d2.connect()
check_eq(a1.ask("PING"), ["OK PONG"], "within the connection limit")
a2.ask("PING")
a3 = d2.connect()
check(a3.line().startswith("ERR LIMIT"), "over the connection limit: ERR LIMIT")
check(a3.closed_by_peer(), "and closed")
a1.close()
a2.close()
a3.close()
check_eq(d2.stop(), 0, "second daemon exits 0")

# Overload: one worker held, a queue of one.  A connection that already
# has a query waiting is not read while the queue is full; a connection's
# only query is queued all the same (daemon/admit.h: a flood only slows
# itself, and nobody gets BUSY for it).
d3 = Daemon(index, "--workers", "1", "--max-queued", "1", "--query-timeout", "0",
            env={"LEDE_TEST_HOLD": hold})
b = d3.connect()
b.send("SEARCH lede-test-hold\n")
b2 = d3.connect()
st = dict(l.split("\t", 1) for l in b2.ask("STATS")[1:])
check_eq(st.get("articles"), "46", "STATS answers while every worker is busy")
while st.get("queued") != "0":  # until the worker has taken the held query
    st = dict(l.split("\t", 1) for l in b2.ask("STATS")[1:])
b3 = d3.connect()
b2.send("SEARCH drought\nSEARCH limit=2 -- drought\n")  # the first fills the queue, the second waits unread
b4 = d3.connect()
check_eq(eventually(lambda: dict(l.split("\t", 1) for l in b4.ask("STATS")[1:])["queued"] == "1"), True,
         "queue full: the first query of a connection waits in it")
b3.send("SEARCH drought\n")  # the queue is full, but b3 has nothing else out
check_eq(eventually(lambda: dict(l.split("\t", 1) for l in b4.ask("STATS")[1:])["queued"] == "2"), True,
         "queue full: another connection's only query still waits in it")
st = dict(l.split("\t", 1) for l in b4.ask("STATS")[1:])
check_eq((st["queued"], st["errors"]), ("2", "0"), "and the second query of the first is not read (no BUSY)")
with open(hold, "w") as f:
    f.write("x")
check(b.reply("SEARCH")[0].startswith("OK SEARCH"), "the held query is answered")
check(b2.reply("SEARCH")[0].startswith("OK SEARCH"), "the queued query is answered")
r = b2.reply("SEARCH")
check(r[0].startswith("OK SEARCH") and " limit=2" in r[0], "the query not read then is read and answered after", r[0])
check(b3.reply("SEARCH")[0].startswith("OK SEARCH"), "the other connection's query is answered")
# SIGTERM with a query in flight and one queued: both replies arrive, exit 0.
b.send("SEARCH lede-test-hold\n")
check(eventually(lambda: dict(l.split("\t", 1) for l in b4.ask("STATS")[1:])["workers_busy"] == "1"),
      "a held query again")
b2.send("SEARCH drought\n")
check(eventually(lambda: dict(l.split("\t", 1) for l in b4.ask("STATS")[1:])["queued"] == "1"),
      "and one queued behind it")
b4.close()
d3.proc.send_signal(signal.SIGTERM)
check(eventually(lambda: "finishing" in d3.log_text()), "SIGTERM received")
with open(hold, "w") as f:
    f.write("x")
r = b.reply("SEARCH")
check(r[0].startswith("OK SEARCH"), "SIGTERM: the query in flight is answered", r[0])
check(b2.reply("SEARCH")[0].startswith("OK SEARCH"), "SIGTERM: the queued query is answered too")
check_eq(d3.stop(), 0, "SIGTERM: exit status 0")
for k in (b, b2, b3):
    k.close()

c.close()
check_eq(d.stop(), 0, "SIGTERM: main daemon exits 0")
check("opened" not in d.log_text() and "closed (done)" not in d.log_text(),
      "--log-level info: no line per client call (issue 19: quiet by default)")

# --log-level debug: a client's opening and closing are logged.
dd = Daemon(index, "--log-level", "debug")
dd.connect().ask("COUNT -- rovers")
dq = dd.connect()
dq.send("QUIT\n")
check(dq.closed_by_peer(), "QUIT closes the connection")
check(eventually(lambda: "closed (done)" in dd.log_text()) and "opened" in dd.log_text(),
      "--log-level debug: connection events are logged", dd.log_text()[-300:])
check_eq(dd.stop(), 0, "the debug daemon stops")

# Exit status 2 whenever leded cannot start, a busy port too (it was 1).
busy = Daemon(index)
p = subprocess.run([LEDED, "--index", index, "--listen", busy.addr], capture_output=True,
                   text=True, timeout=60)
check(p.returncode == 2 and "Address already in use" in p.stderr,
      "a busy port: exit 2, the reason on stderr", "%d %r" % (p.returncode, p.stderr[-200:]))
p = subprocess.run([LEDED, "--index", scratch.join("nowhere")], capture_output=True,
                   text=True, timeout=60)
check_eq(p.returncode, 2, "no index: exit 2")
check_eq(busy.stop(), 0, "SIGTERM: exit 0")
scratch.cleanup()
finish()
