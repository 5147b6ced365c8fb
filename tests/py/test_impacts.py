"""test_impacts -- the pivot length of a format 3 index (docs/FORMATS.md):
a full build takes the mean length of its first 1,000 articles (headline
words count x3 in the headline term and x3 again in the body term) and the
words in 5% of them as its common words, later runs keep both, and an index that gets its first articles through leded
stores the default; and scores follow BM25's length normalisation: of two
articles that mention a word once, the shorter ranks first."""
import json
import os
import subprocess

from ledetest import (Daemon, Scratch, INDEXER, build_index, check, check_eq,
                      finish, hit_ids)

scratch = Scratch()
TOKEN = "tok-" + "p9" * 10
token_file = scratch.token_file(TOKEN)


def words(n, seed):
    """n distinct words that no stemmer or stop list changes in number."""
    return " ".join("zq%sx%d" % (chr(97 + (seed + i) % 26), i) for i in range(n))


def write_jsonl(path, first, count, body_words):
    with open(path, "w") as f:
        for i in range(first, first + count):
            f.write(json.dumps({"id": "n%d" % i, "title": "Alpha",
                                "text": words(body_words, i)}) + "\n")


def info(index):
    out = subprocess.run([INDEXER, "--index", index, "--info"], capture_output=True, text=True)
    return dict(l.split(": ", 1) for l in out.stdout.splitlines() if ": " in l)


# 1,200 articles: the first 1,000 have 10 body words, the rest 60.  Length
# of a short one: "alpha" x3 (headline term) + x3 (body term) + 10 = 16.
short = scratch.join("short.jsonl")
long_ = scratch.join("long.jsonl")
write_jsonl(short, 0, 1000, 10)
write_jsonl(long_, 1000, 200, 60)
both = scratch.join("both.jsonl")
with open(both, "w") as f:
    f.write(open(short).read() + open(long_).read())

index = scratch.join("sampled.idx")
build_index(index, both)
meta = info(index)
check_eq(meta.get("format"), "5", "a new index is format 5")
check_eq(meta.get("articles"), "1200", "every article indexed")
check_eq(meta.get("pivot"), "16.0", "pivot: the mean length of the first 1,000 articles only")
check_eq(meta.get("common words"), "alpha",
         "common words: those in 5% of the sample (each zq word is in 1 in 26)")

# Tier words (src/indexer/sample.c): the words in 1% of a sample of 500 or
# more articles; a smaller sample takes the common words alone (1% of 300
# is every word in 3 articles: each zq word is in 1 in 26).
check(int(meta.get("tier words", "0")) > 1,
      "a sample of 1,000: the zq words in 1 in 26 articles are tier words", str(meta.get("tier words")))
few = scratch.join("few.jsonl")
write_jsonl(few, 0, 300, 10)
few_index = scratch.join("few.idx")
build_index(few_index, few)
check_eq((info(few_index).get("common words"), info(few_index).get("tier words")), ("alpha", "1"),
         "a sample of 300: the common word alone is a tier word")

grown = scratch.join("grown.idx")
build_index(grown, short)
check_eq(info(grown).get("pivot"), "16.0", "a first build of the short articles alone: the same pivot")
build_index(grown, long_)
check_eq(info(grown).get("articles"), "1200", "a second run adds the long articles")
check_eq((info(grown).get("pivot"), info(grown).get("common words")), ("16.0", "alpha"),
         "and keeps the pivot and the common words (what is written depends on them)")

# Regression: a full build over an index whose articles were all deleted
# left the old database's common words in place; while the stub listed that
# database first (during the build, or after an interrupted one) readers
# took them for the new articles', and a build that chose none kept them.
src_dir = scratch.join("rebuild")
os.makedirs(src_dir)
first = os.path.join(src_dir, "first.jsonl")
os.link(short, first)
rebuilt = scratch.join("rebuilt.idx")
build_index(rebuilt, src_dir)
check_eq(info(rebuilt).get("common words"), "alpha", "rebuild: the first build's common words")
os.unlink(first)
build_index(rebuilt, src_dir)
check_eq(info(rebuilt).get("articles"), "0", "rebuild: every article deleted with its file")
second = os.path.join(src_dir, "second.jsonl")
with open(second, "w") as f:
    for i in range(600):
        f.write(json.dumps({"id": "b%d" % i, "title": "Beta", "text": words(10, i)}) + "\n")
crashed = subprocess.run([INDEXER, "-q", "--batch", "100", "--index", rebuilt, src_dir],
                         env=dict(os.environ, LEDE_CRASH_AT="after-article:300"),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
check(crashed.returncode != 0, "rebuild: the build is killed half way (LEDE_CRASH_AT=after-article)")
meta = info(rebuilt)
check(meta.get("common words") in (None, "beta"),
      "rebuild, interrupted: readers see no stale common words", str(meta.get("common words")))
build_index(rebuilt, src_dir)
meta = info(rebuilt)
check_eq((meta.get("articles"), meta.get("common words"), meta.get("pivot")), ("600", "beta", "16.0"),
         "rebuild, finished: the new sample's common words and pivot")

# Length normalisation: "gamma" once in a short and once in a long article.
src = scratch.join("norm.jsonl")
with open(src, "w") as f:
    f.write(json.dumps({"id": "long", "title": "Report", "text": "gamma " + words(80, 3)}) + "\n")
    f.write(json.dumps({"id": "short", "title": "Report", "text": "gamma " + words(5, 7)}) + "\n")
norm = scratch.join("norm.idx")
build_index(norm, src)
d = Daemon(norm)
c = d.connect()
check_eq(hit_ids(c.ask("SEARCH snippet=0 -- gamma")), ["short", "long"],
         "the shorter article ranks first for a word both mention once")
c.close()
d.stop()

# An index that leded creates and fills: no sample, the default pivot.
live = scratch.join("live.idx")
d = Daemon(live, "--ingest-token", token_file)
c = d.connect()
check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH")
check_eq(c.ask("ADD " + json.dumps({"id": "l1", "title": "Alpha", "text": words(10, 1)})),
         ["OK ADDED l1"], "ADD to a new index")
check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "COMMIT")
meta = info(live)
check_eq((meta.get("format"), meta.get("pivot")), ("5", "150"),
         "an index filled through leded: format 5 with the default pivot")
c.close()
d.stop()

finish()
