"""test_boilerplate -- boilerplate learned from the collection (issue 21).

boilergen.py's made-up collection (five sources, their furniture known):
a full build marks the furniture lines in GET (precision and recall of the
marked lines against the known ones, printed and held to floors); a query
for a furniture word finds only the articles whose own prose says it; a
trailing bio's subject is the author: of an article without one;
--info lists each source's blocks; --keep-boilerplate keeps the old
behaviour (and is remembered); lede get leaves the marked lines out and
get --raw shows them.  Live: a new source's blurb stops matching once it
has recurred, through ADD and through lede-index --watch, and a
compaction makes the articles written before it recurred again."""
import json
import os
import re
import select
import signal
import subprocess
import time

import boilergen
from ledetest import (CLIENT, DEADLINE, INDEXER, Daemon, Scratch, check, check_eq, eventually,
                      finish, indexer)

PRECISION_FLOOR, RECALL_FLOOR = 0.98, 0.95
MIN_REPEAT = 4  # BOILER_MIN_REPEAT (src/boiler.h)

scratch = Scratch()
TOKEN = "tok-" + "b9" * 10
token_file = scratch.token_file(TOKEN)
articles, labels = boilergen.generate(seed=21, per_source=150)
collection = scratch.join("boiler.jsonl")
boilergen.write(collection, articles, labels)


def count(conn, query):
    r = conn.ask("COUNT -- " + query)
    return r["total"] if conn.json else int(r[0].split()[2])


def ids(conn, query):
    r = conn.ask("SEARCH limit=1000 -- " + query)
    return {h["id"] for h in r["hits"]}


def marked_lines(article):
    body = article["body"].encode()
    return [body[s:e].decode() for s, e in article["boilerplate"]]


def own_prose_says(a, word):
    """Whether a's lines that are not furniture hold word."""
    lines = [l for l in a["body"].split("\n") if l not in labels[a["id"]]]
    return any(re.search(r"\b%s\b" % word, l, re.I) for l in lines)


# ---- a full build ---------------------------------------------------------------
index = scratch.join("boiler.idx")
code, _, err = indexer("-q", "--index", index, collection)
check_eq(code, 0, "full build of the made-up collection" + (": " + err if code else ""))
d = Daemon(index)
c = d.connect()
c.ask("FORMAT json")

tp = fp = fn = 0
for a in articles:
    got = c.ask("GET " + a["id"])["article"]
    removed, known = set(marked_lines(got)), labels[a["id"]]
    tp += len(removed & known)
    fp += len(removed - known)
    fn += len(known - removed)
precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
print("# boilerplate lines: %d known, %d marked, %d right: precision %.4f recall %.4f"
      % (tp + fn, tp + fp, tp, precision, recall))
check(precision >= PRECISION_FLOOR, "precision of the marked lines >= %.2f" % PRECISION_FLOOR,
      "%.4f" % precision)
check(recall >= RECALL_FLOOR, "recall of the marked lines >= %.2f" % RECALL_FLOOR, "%.4f" % recall)

for word in ("newsletter", "freelance"):
    want = {a["id"] for a in articles if own_prose_says(a, word)}
    got = ids(c, word)
    check(want and got == want, "'%s' finds exactly the %d articles whose own prose says it"
          % (word, len(want)), "extra %s, missing %s" % (sorted(got - want)[:5], sorted(want - got)[:5]))
check_eq(count(c, "cookies"), 0, "the cookie notice's word matches nothing")
check_eq(count(c, "northwire"), 0, "nor does the wire's sign-off")

mara = {a["id"] for a in articles if boilergen.BIO["Mara Quill"] in labels[a["id"]]}
check(mara and ids(c, 'author:"mara quill"') == mara,
      "a trailing bio's subject fills author: of its %d articles" % len(mara))

snip = c.ask("SEARCH limit=100 snippet=2000 -- vineyard")["hits"]
check(snip and not any("Techly daily newsletter" in h["snippet"] for h in snip),
      "snippets leave the furniture out")
c.close()
check_eq(d.stop(), 0, "leded exits cleanly")

_, info, _ = indexer("--index", index, "--info")
check("boilerplate block: Northwire: 150 of 150 articles: Northwire" in info,
      "--info lists the wire's sign-off with its count", info[-1500:])
check("boilerplate block: Techly: 150 of 150 articles: Get the Techly daily newsletter" in info,
      "--info lists the newsletter prompt")

# ---- --keep-boilerplate ----------------------------------------------------------
kept = scratch.join("kept.idx")
code, _, _ = indexer("-q", "--keep-boilerplate", "--index", kept, collection)
check_eq(code, 0, "full build with --keep-boilerplate")
_, info, _ = indexer("--index", kept, "--info")
check("boilerplate: kept (--keep-boilerplate)" in info, "--info says the boilerplate is kept")
d = Daemon(kept)
c = d.connect()
c.ask("FORMAT json")
check_eq(count(c, "newsletter"), 150 + sum(1 for a in articles if a["source"] != "Techly"
                                           and own_prose_says(a, "newsletter")),
         "--keep-boilerplate: 'newsletter' matches every Techly article, as before")
check_eq(c.ask("GET techly-0001")["article"]["boilerplate"], [], "... and GET marks nothing")
c.close()
d.stop()

# ---- lede get and get --raw --------------------------------------------------------
d = Daemon(index)
art = next(a for a in articles if a["source"] == "Northwire")
plain = subprocess.run([CLIENT, "--connect", d.addr, "--color", "never", "get", art["id"]],
                       capture_output=True, text=True)
raw = subprocess.run([CLIENT, "--connect", d.addr, "--color", "never", "--raw", "get", art["id"]],
                     capture_output=True, text=True)
d.stop()
check(not re.search(r"^Northwire$", plain.stdout, re.M) and "boilerplate line" in plain.stdout,
      "lede get leaves the sign-off out and says so", plain.stdout[-300:])
check(re.search(r"^Northwire$", raw.stdout, re.M) and all(l in raw.stdout for l in art["body"].split("\n")),
      "lede get --raw shows every line as it came in", raw.stdout[-300:])


# ---- live: ADD -----------------------------------------------------------------------
def fresh_article(i, source, blurb):
    """An article whose two lines of prose differ from every other's (the
    digits alone would not do: they are folded away)."""
    a = {"id": "%s-%d" % (source.split()[0].lower(), i), "source": source,
         "title": "Live article %d" % i,
         "body": "The quarry%d council met about the %s.\n\n%s\n\nThe meeting about the %s ended late."
                 % (i, boilergen.WORDS[i], blurb, boilergen.WORDS[-i])}
    return a


BLURB = "Sign up to the Brand New Daily briefing for the morning headlines."
live = scratch.join("live.idx")
d = Daemon(live, "--ingest-token", token_file, "--commit-interval", "0.1")
c = d.connect()
c.ask("AUTH " + TOKEN)
for i in range(1, 11):
    r = c.ask("ADD " + json.dumps(fresh_article(i, "Brand New Daily", BLURB)))
    check(r[0].startswith("OK ADDED"), "ADD article %d" % i, r)
c.ask("COMMIT")
check(eventually(lambda: count(c, "quarry10") == 1), "the last article is searchable")
check_eq(count(c, "briefing"), MIN_REPEAT - 1,
         "ADD: the blurb matches only the articles before it recurred %d times" % MIN_REPEAT)
c.ask("FORMAT json")
last = c.ask("GET brand-10")["article"]
check_eq(marked_lines(last), [BLURB], "GET marks the learned blurb of a live article")
check_eq(marked_lines(c.ask("GET brand-1")["article"]), [BLURB],
         "... and of the first ones, written before it was learned")
r = c.ask("COMPACT")
check(r.get("ok"), "COMPACT", r)
check(eventually(lambda: count(c, "briefing") == 0),
      "after a compaction the first articles are made again: the blurb matches none")
check_eq(count(c, "quarry1"), 1, "... and the first article is still found by its own words")

# An article updated again and again (a developing story) counts its lines once: its versions are
# one article, so the lines they share are not learned as its source's boilerplate (they were,
# after MIN_REPEAT versions, and the story was no longer found by its own prose).
STABLE = "The harbour dredging contract went to a firm from the valley."
for v in range(MIN_REPEAT + 3):
    story = {"id": "evolving-1", "source": "Evolving Wire", "title": "Harbour story",
             "body": "Version %s: the council heard about the %s and the %s, and talks went on.\n\n%s"
                     % (boilergen.WORDS[v], boilergen.WORDS[v + 20], boilergen.WORDS[v + 40],
                        STABLE)}
    r = c.ask("ADD " + json.dumps(story))
    check_eq(r.get("outcome"), "added" if v == 0 else "replaced", "ADD version %d of the story" % (v + 1))
c.ask("COMMIT")
check(eventually(lambda: count(c, "valley") == 1), "the story is found by its lasting line")
check_eq(marked_lines(c.ask("GET evolving-1")["article"]), [],
         "a story replaced %d times has no boilerplate of its own" % (MIN_REPEAT + 3))
c.close()
check_eq(d.stop(), 0, "the ingesting leded exits cleanly")

# ---- live: --watch -------------------------------------------------------------------
src = scratch.join("watched")
os.makedirs(src)
watched = scratch.join("watched.idx")
err_path = scratch.join("watch.err")
err = open(err_path, "w")
w = subprocess.Popen([INDEXER, "-v", "--index", watched, "--watch", src],
                     stdout=subprocess.DEVNULL, stderr=err)
end = time.monotonic() + DEADLINE
while "watching" not in open(err_path).read() and time.monotonic() < end and w.poll() is None:
    select.select([], [], [], 0.01)
WBLURB = "Follow the Quayside Courier on social media for live updates."
for i in range(1, 9):
    with open(os.path.join(src, "a%02d.jsonl" % i), "w") as f:
        f.write(json.dumps(fresh_article(i, "Quayside Courier", WBLURB)) + "\n")
d = Daemon(watched)
c = d.connect()
check(eventually(lambda: count(c, "meeting") == 8), "--watch indexed the 8 articles")
check_eq(count(c, "social"), MIN_REPEAT - 1,
         "--watch: the blurb matches only the articles before it recurred %d times" % MIN_REPEAT)
c.close()
d.stop()
w.send_signal(signal.SIGTERM)
check_eq(w.wait(timeout=DEADLINE), 0, "the watcher exits cleanly")
err.close()

scratch.cleanup()
finish()
