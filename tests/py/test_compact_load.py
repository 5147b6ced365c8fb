"""test_compact_load -- compaction while clients query: readers switch to
the compact copy atomically, so a client querying in a loop never sees an
error or a missing article.  Both ways of compacting: lede-index --compact
(the daemon only reads) and COMPACT over the protocol (the daemon holds the
writer and keeps accepting pushes), with articles being replaced
meanwhile.  Every query of the loop is checked; the loop runs from before
the first compaction until after the last, whatever the scheduling."""
import json
import os
import subprocess
import threading

from ledetest import (Daemon, Scratch, INDEXER, build_index, check, check_eq, finish)

SHARED = os.environ.get("LEDE_SHARED") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
bbc = os.path.join(SHARED, "corpus", "bbc")
scratch = Scratch()
index = scratch.join("bbc.idx")
if os.path.isdir(bbc):
    build_index(index, bbc)
else:  # without ../shared, the project's own corpus
    bbc = os.path.join(os.path.dirname(__file__), "..", "..", "corpus")
    build_index(index, bbc)


def total(conn, query):
    r = conn.ask("COUNT " + query)
    return int(r[0].split()[2]) if r[0].startswith("OK COUNT") else r[0]


class Querier(threading.Thread):
    """Asks the same COUNT and a GET over and over until told to stop."""

    def __init__(self, daemon, query, want, get_id):
        super().__init__()
        self.conn = daemon.connect()
        self.query, self.want, self.get_id = query, want, get_id
        self.stop = threading.Event()
        self.rounds = 0
        self.bad = []

    def run(self):
        while not self.stop.is_set():
            got = total(self.conn, self.query)
            if got != self.want:
                self.bad.append(got)
            g = self.conn.ask("GET " + self.get_id)
            if g[0] != "OK GET":
                self.bad.append(g[0])
            self.rounds += 1


def run_loop(daemon, query, want, get_id, compact):
    q = Querier(daemon, query, want, get_id)
    q.start()
    try:
        compact()
    finally:
        q.stop.set()
        q.join()
    q.conn.close()
    return q


def articles_on_disk():
    info = subprocess.run([INDEXER, "--index", index, "--info"], capture_output=True, text=True).stdout
    return int(next(l.split()[1] for l in info.splitlines() if l.startswith("articles:")))


# (A query of stop words cannot count the articles: they are not indexed.)
articles = articles_on_disk()
d = Daemon(index)
c = d.connect()
query = "said"
want = total(c, query)
check(want > articles // 2, "a query matching most articles (any collection: BBC or the project's own)",
      "%d of %d" % (want, articles))
get_id = c.ask("SEARCH limit=1 " + query)[1].split("\t")[2]


def three_offline_compactions():
    for _ in range(3):
        r = subprocess.run([INDEXER, "--index", index, "--compact"], capture_output=True, text=True)
        check_eq(r.returncode, 0, "lede-index --compact while a client queries")


q = run_loop(d, query, want, get_id, three_offline_compactions)
print("# %d query rounds during the offline compactions" % q.rounds)
check(q.rounds > 0 and not q.bad, "lede-index --compact: every query in the loop saw the full count",
      "%d rounds, bad: %s" % (q.rounds, q.bad[:5]))
check_eq(articles_on_disk(), articles, "no article missing after the compactions")
check_eq(total(c, query), want, "the daemon still finds every match after the compactions")
c.close()
d.stop()

# The daemon as the writer: COMPACT over the protocol while pushes replace articles.
token = scratch.token_file("compaction-test-token")
d = Daemon(index, "--ingest-token", token)
w = d.connect()
w.ask("AUTH compaction-test-token")


def push_and_compact():
    for round_ in range(3):
        for i in range(20):
            r = w.ask("ADD " + json.dumps({"id": "churn%d" % i, "title": "Churn %d" % i,
                                            "text": "round %d of qzchurn" % round_}))
            check(r[0].startswith("OK "), "ADD during compaction round", r[0])
        r = w.ask("COMPACT")
        check(r[0].startswith("OK COMPACTED"), "COMPACT over the protocol under load", r[0])


q = run_loop(d, query, want, get_id, push_and_compact)
check(q.rounds > 0 and not q.bad, "COMPACT: every query in the loop saw the full count",
      "%d rounds, bad: %s" % (q.rounds, q.bad[:5]))
check_eq(total(w, "qzchurn"), 20, "the pushed articles are there once each after compaction")
w.close()
check_eq(d.stop(), 0, "daemon stops cleanly")
r = subprocess.run([INDEXER, "--index", index, "--check"], capture_output=True, text=True)
check_eq(r.returncode, 0, "the index is consistent")
scratch.cleanup()
finish()
