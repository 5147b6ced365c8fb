"""test_boiler_order -- what a full build learns as boilerplate and leaves
out of each article is a function of its input alone (issue 21): the same
collection built with 1, 2 and 4 writer threads, through Xapian's API and
the bulk writer, gives the same boilerplate table (--info, and the
metadata lede.boilerplate line for line) and the same terms, lengths and
values per article (tests/tools/dbcompare --by-id); so does a build in 2
shards, by either writer (whose fronts and shards are the same databases).

The collection: boilergen.py's 1,000 articles (the sample a full build
holds), then a late source, Drift, whose 1,500 articles come while the
writers run.  A blurb line is in Drift's first four articles only: it is
boilerplate when the fourth is read (4 of 4 articles) and no longer once
Drift has more than 400.  Before the decision was made in reading order,
a writer made the fourth article when the reading thread was as many
articles ahead as its queue held (one queue of 256 per writer), so one
thread cleaned it and four did not.  Every Drift article also ends with
the short sign-off "Drift Radio" (boilerplate from its 20th)."""
import json
import subprocess
import os

import boilergen
from ledetest import ROOT, Scratch, check, check_eq, finish, indexer

BUILD = os.environ.get("LEDE_BUILD", "build")
TOOLS = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD), "tests", "tools")
DBCOMPARE = os.path.join(TOOLS, "dbcompare")
BLURB = "Listen to the Drift Radio zeppelin hour every Tuesday evening on our app."
SIGN_OFF = "Drift Radio"

scratch = Scratch()


def drift_articles(n):
    rng = boilergen.random.Random(7)
    out = []
    for i in range(n):
        paras = boilergen.prose(rng, False)
        if i < 4:
            paras.insert(1, BLURB)
        paras.append(SIGN_OFF)
        out.append({"id": "drift-%04d" % i, "source": "Drift", "title": "Drift story %d" % i,
                    "body": "\n\n".join(paras)})
    return out


collection = scratch.join("order.jsonl")
early, _ = boilergen.generate(seed=21, per_source=200)
with open(collection, "w") as f:
    for a in early + drift_articles(1500):
        f.write(json.dumps({k: v for k, v in a.items() if k != "topical"}) + "\n")

if not os.access(DBCOMPARE, os.X_OK):
    check(False, "%s is built (make tools)" % DBCOMPARE)
    finish()

BUILDS = [("xapian", 1), ("xapian", 2), ("xapian", 4), ("bulk", 1), ("bulk", 2)]
indexes = {}
for writer, threads in BUILDS:
    name = "%s-t%d" % (writer, threads)
    path = scratch.join(name + ".idx")
    code, _, err = indexer("-q", "--index", path, "--writer", writer, "--threads", str(threads),
                           collection)
    check_eq(code, 0, "full build %s" % name + (": " + err if code else ""))
    indexes[name] = path


def boilerplate_info(index):
    _, out, _ = indexer("--index", index, "--info")
    return [l for l in out.splitlines() if l.startswith("boilerplate")]


first = BUILDS[0][0] + "-t%d" % BUILDS[0][1]
want_info = boilerplate_info(indexes[first])
check(any("Drift" in l for l in want_info), "--info lists what Drift's articles taught", want_info)
for name, path in indexes.items():
    if name == first:
        continue
    check_eq(boilerplate_info(path), want_info, "%s: --info lists the same boilerplate as %s" % (name, first))
    p = subprocess.run([DBCOMPARE, "--max", "10", "--by-id", indexes[first], path],
                                     capture_output=True, text=True)
    check(p.returncode == 0, "%s: the same table and the same terms, lengths and values per article as %s"
          % (name, first), (p.stdout + p.stderr)[-1500:])

# A sharded build holds the same sample and decides in the same order:
# the same articles and table (its shards and front read as one, the
# head value only shards keep left out).  Its spelling words are its
# front's, which a shard's compaction does not clean (README): those
# differ where the compaction made the first articles again.  Built by
# the bulk writer (the default) and through Xapian's API, whose front and
# shards are the same databases, one by one (but for the metadata that
# says when and after how many commits each was written).
BOOKKEEPING = ("metadata 'lede.commit_time'", "metadata 'lede.revision_base'")
sharded = {}
for writer in ("bulk", "xapian"):
    path = sharded[writer] = scratch.join("sharded-%s.idx" % writer)
    code, _, err = indexer("-q", "--index", path, "--writer", writer, "--shards", "2", collection)
    check_eq(code, 0, "sharded full build (%s)" % writer + (": " + err if code else ""))
    check_eq(boilerplate_info(path), want_info,
             "sharded (%s): --info lists the same boilerplate as %s" % (writer, first))
    stub = scratch.join("sharded-%s.stub" % writer)
    with open(stub, "w") as f:
        f.write("".join("auto %s\n" % os.path.join(path, d) for d in ("shard.0", "shard.1", "front")))
    p = subprocess.run([DBCOMPARE, "--max", "1000", "--by-id", "--skip-slot", "2", indexes[first], stub],
                       capture_output=True, text=True)
    other = [l for l in p.stdout.splitlines() if l.startswith("differ:") and not l.startswith("differ: spelling")]
    check(p.returncode in (0, 1) and not other,
          "sharded (%s): the same table and the same terms, lengths and values per article as %s"
          % (writer, first), (p.stderr + "\n".join(other))[-1500:])
for sub in ("front", "shard.0", "shard.1"):
    p = subprocess.run([DBCOMPARE, "--max", "100", os.path.join(sharded["xapian"], sub),
                        os.path.join(sharded["bulk"], sub)], capture_output=True, text=True)
    real = [l for l in p.stdout.splitlines() if l.startswith("differ:") and not any(k in l for k in BOOKKEEPING)]
    check(p.returncode in (0, 1) and not real, "sharded: %s the same database built by the bulk writer "
          "as through Xapian's API" % sub, (p.stderr + "\n".join(real))[-1500:])

scratch.cleanup()
finish()
