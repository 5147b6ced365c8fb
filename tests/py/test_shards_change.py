#!/usr/bin/env python3
"""test_shards_change -- changing a sharded index (src/shards.h): incremental
runs that add, change and delete text and JSON Lines files (each id stays
in exactly one shard, the one its hash names; the file records in the front
make the next run a no-op); leded's ingest (ADD, PUT, DELETE, COMMIT,
COMPACT: nothing lost, no duplicates, a replacement keeps one copy, what
COMMIT acknowledged survives kill -9); lede-index --compact and --watch;
and kill -9 inside a sharded build, its creation, its compaction and an
incremental run: every database passes Xapian's check, what was there is
still there, and the same command run again finishes the job.  Waits
poll with a deadline; nothing sleeps."""
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time

from ledetest import (eventually, DEADLINE, INDEXER, Daemon, ROOT, Scratch, check, check_eq, finish,
                      index_info, indexer, list_ids, shard_of, status_field)

N = 3
scratch = Scratch()
token_file = scratch.token_file("tok-" + "s9" * 10)
corpus = os.path.join(ROOT, "corpus")


def placement(label, index, want_ids):
    """Every id of want_ids in exactly one shard, the one its hash names."""
    where = {}
    for k in range(N):
        for i in list_ids(os.path.join(index, "shard.%d" % k)):
            where.setdefault(i, []).append(k)
    check_eq(sorted(where), sorted(want_ids), "%s: the shards hold exactly the expected ids" % label)
    check_eq([i for i, ks in where.items() if ks != [shard_of(i, N)]], [],
             "%s: each once, in the shard its hash names" % label)


def checked(label, index):
    rc, out, err = indexer("--index", index, "--check")
    check(rc == 0 and "%d database(s)" % (N + 1) in out,
          "%s: every database passes the check" % label, out + err)


def summary(out):
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+(\w+):\s+(\d+)", out, re.M)}



# ---- incremental runs --------------------------------------------------------
src = scratch.join("src")
shutil.copytree(corpus, src)
index = scratch.join("inc.idx")
rc, out, err = indexer("--index", index, "--shards", str(N), src)
check_eq(rc, 0, "a sharded build of a copy of corpus/")
ids = set(list_ids(index))
placement("built", index, ids)

briefs = os.path.join(src, "wire", "briefs.jsonl")
rows = [json.loads(l) for l in open(briefs) if l.strip()]
gone_row, changed_row = rows[0]["id"], rows[1]["id"]
rows[1]["text"] += " The quokka census followed."
rows = rows[1:] + [{"id": "wire-new-1", "title": "Okapi spotted", "text": "An okapi was seen."}]
with open(briefs, "w") as f:
    f.write("".join(json.dumps(r) + "\n" for r in rows))
os.unlink(os.path.join(src, "sport", "city-marathon-record.txt"))
with open(os.path.join(src, "science", "comet-visible-spring.txt"), "a") as f:
    f.write("\nAstronomers added a note on the wombat-shaped tail.\n")
with open(os.path.join(src, "science", "new-moon.txt"), "w") as f:
    f.write("Moon base plans\nA new moon base was announced.\n\nThe base will be built.\n")
rc, out, err = indexer("--index", index, src)
s = summary(out)
check(rc == 0 and s.get("added") == 2 and s.get("replaced") == 2 and s.get("deleted") == 2,
      "incremental run: 2 added, 2 replaced, 2 deleted", out + err)
ids = (ids - {gone_row, "sport/city-marathon-record.txt"}) | {"wire-new-1", "science/new-moon.txt"}
placement("incremental", index, ids)
_, body, _ = indexer("--index", index, "--show", changed_row, "--field", "body")
check("quokka census" in body, "the changed JSON Lines article has its new text")
_, body, _ = indexer("--index", index, "--show", "science/comet-visible-spring.txt", "--field", "body")
check("wombat-shaped" in body, "the changed text file has its new text")
rc, out, err = indexer("--index", index, src)
s = summary(out)
check(rc == 0 and s.get("added") == 0 and s.get("replaced") == 0 and s.get("deleted") == 0
      and s.get("unchanged") == len(ids),
      "a run with nothing changed changes nothing (the front's file records)", out)
def file_id(path, relid):
    """A text file's id: its Id: header, else its path (docs/FORMATS.md)."""
    for line in open(path):
        if not line.strip():
            break
        if line.startswith("Id: "):
            return line[4:].strip()
    return relid


sport = os.path.join(src, "sport")
ids -= {file_id(os.path.join(sport, n), "sport/" + n) for n in os.listdir(sport)}
shutil.rmtree(sport)
rc, out, err = indexer("-v", "--index", index, src)
check(rc == 0 and "gone: " in err, "a directory removed: its files' articles go", err[-300:])
placement("directory removed", index, ids)
checked("incremental", index)

# An index made of no article: its settings (a default pivot) alike in
# the front and every shard, and later runs fill it.
empty_src = scratch.join("empty-src")
os.mkdir(empty_src)
empty = scratch.join("empty.idx")
rc, _, _ = indexer("-q", "--index", empty, "--shards", str(N), empty_src)
checked("a sharded index of no article", empty)
rc, _, err = indexer("-q", "--index", empty, os.path.join(corpus, "science"))
check_eq(rc, 0, "a sharded index of no article: a later run adds to it")
science = os.path.join(corpus, "science")
placement("filled later", empty, {file_id(os.path.join(science, n), n) for n in os.listdir(science)})
checked("filled later", empty)

# ---- lede-index --compact, under a reading leded ------------------------------
reader = Daemon(index)
rconn = reader.connect()
gallery = 'title:"moon base" OR comet'  # 3: the new moon file, two comets
seen = rconn.ask("COUNT " + gallery)
before = index_info(index)["databases"].split()
rc, out, err = indexer("--index", index, "--compact")
after = index_info(index)["databases"].split()
check(rc == 0 and len(after) == N + 1 and all(a != b for a, b in zip(before, after))
      and [a.split("/")[0] for a in after] == [b.split("/")[0] for b in before],
      "--compact: a new database in the front and in every shard", "%s -> %s" % (before, after))
placement("compacted", index, ids)
checked("compacted", index)
check(seen == ["OK COUNT 3"] and rconn.ask("COUNT " + gallery) == seen,
      "a leded reading the index follows the shards to their new databases", str(seen))
with open(os.path.join(src, "science", "moon-base-two.txt"), "w") as f:
    f.write("Second moon base\nAnother moon base was announced.\n\nIt will be built.\n")
indexer("-q", "--index", index, src)
ids.add("science/moon-base-two.txt")
check_eq(rconn.ask("COUNT " + gallery), ["OK COUNT 4"], "and sees the next run's commits there")
rconn.close()
check_eq(reader.stop(), 0, "the reading leded stops cleanly")

# ---- leded's ingest ----------------------------------------------------------
live = scratch.join("live.idx")
indexer("-q", "--index", live, "--shards", str(N), corpus)
base = set(list_ids(live))
d = Daemon(live, "--ingest-token", token_file, "--commit-interval", "60")
c = d.connect()
check_eq(c.ask("AUTH " + open(token_file).read().strip()), ["OK AUTH"], "ingest: AUTH")
rc, _, err = indexer("-q", "--index", live, corpus)
check(rc == 2 and "locked" in err, "ingest: lede-index is refused while leded writes", err)
for i in range(40):
    r = c.ask("ADD " + json.dumps({"id": "n-%d" % i, "title": "Wombat %d" % i,
                                   "text": "A wombat crossed road %d." % i}))
    if r != ["OK ADDED n-%d" % i]:
        check(False, "ingest: ADD n-%d" % i, str(r))
r = c.ask("ADD " + json.dumps({"id": "n-5", "title": "Quokka", "text": "A quokka instead."}))
check_eq(r, ["OK REPLACED n-5"], "ingest: ADD an id again replaces it")
body = "Title: Numbat\n\nA numbat at last.\n"
c.send("PUT n-6 %d\n%s\n" % (len(body), body))
check_eq(c.reply("PUT"), ["OK REPLACED n-6"], "ingest: PUT replaces")
old = sorted(base)[0]
c.send("PUT %s %d\n%s\n" % (old, len(body), body))
check_eq(c.reply("PUT"), ["OK REPLACED " + old], "ingest: PUT replaces an article of the build")
check_eq(c.ask("DELETE n-7"), ["OK DELETED n-7"], "ingest: DELETE")
check_eq(c.ask("DELETE n-8"), ["OK DELETED n-8"], "ingest: DELETE another")
check(c.ask("DELETE n-8")[0].startswith("ERR NOTFOUND"), "ingest: DELETE it again: NOTFOUND")
r = c.ask("COMMIT")
want = base | {"n-%d" % i for i in range(40)} - {"n-7", "n-8"}
check(r[0].startswith("OK COMMITTED") and status_field(r, "articles") == str(len(want)),
      "ingest: COMMIT counts the articles of every shard", r[0])
counts = {q: int(c.ask("COUNT " + q)[0].split()[2]) for q in ("wombat", "quokka", "numbat")}
check_eq(counts, {"wombat": 36, "quokka": 1, "numbat": 2},
         "ingest: searches see one copy of each replacement, none of the deleted")
placement("ingest", live, want)
check_eq(len(list_ids(live)), len(want), "ingest: no duplicates in the whole index")
r = c.ask("SUGGEST wombta")
check("SUGGESTION\twombat" in r, "ingest: the words of ADDed articles reach the front's spelling",
      str(r))
r = c.ask("COMPACT")
check(r[0].startswith("OK") and status_field(r, "articles") == str(len(want)),
      "ingest: COMPACT of a sharded index", r[0])
placement("ingest compacted", live, want)
check_eq({q: int(c.ask("COUNT " + q)[0].split()[2]) for q in counts}, counts,
         "ingest: the daemon's searches follow the compacted shards")
checked("ingest compacted", live)
# The compaction policy, shard by shard: replacements in shard 0 alone.
before = index_info(live)["databases"].split()
churn_ids = [i for i in ("churn-%d" % j for j in range(100)) if shard_of(i, N) == 0][:5]
c.send("".join("ADD %s\n" % json.dumps({"id": churn_ids[i % 5], "title": "Churn",
                                        "text": "version %d of a churning article" % i})
               for i in range(1100)))
replies = [c.reply("ADD")[0] for _ in range(1100)]
check_eq(sum(r.startswith("OK ") for r in replies), 1100, "ingest: 1,100 pipelined ADDs")
check(eventually(lambda: index_info(live)["databases"].split()[1] != before[1]),
      "ingest: 1,100 replacements in shard 0 compact it automatically")
after = index_info(live)["databases"].split()
check_eq([a == b for a, b in zip(before, after)], [True, False] + [True] * (N - 1),
         "ingest: and only it (%s -> %s)" % (before, after))
check_eq(int(c.ask("COUNT churning")[0].split()[2]), 5, "ingest: the churned articles, once each")
want |= set(churn_ids)
placement("ingest churned", live, want)
c.ask("ADD " + json.dumps({"id": "albatross", "title": "Albatross", "text": "Seen at sea."}))
r = c.ask("COMMIT")
check(r[0].startswith("OK COMMITTED"), "ingest: COMMIT before kill -9", r[0])
c.close()
check_eq(d.stop(signal.SIGKILL), -signal.SIGKILL, "ingest: leded killed with SIGKILL")
placement("after kill -9", live, want | {"albatross"})
checked("after kill -9", live)

# ---- lede-index --watch ------------------------------------------------------
wsrc = scratch.join("wsrc")
shutil.copytree(os.path.join(corpus, "culture"), wsrc)
windex = scratch.join("watch.idx")
log = open(scratch.join("watch.log"), "w+")
p = subprocess.Popen([INDEXER, "--index", windex, "--shards", str(N), "--watch", wsrc],
                     stdout=subprocess.DEVNULL, stderr=log)
check(eventually(lambda: "watching" in open(log.name).read()), "watch: the first pass is done")
wids = set(list_ids(windex))
new = os.path.join(wsrc, "new-gallery.txt")
with open(new + ".part", "w") as f:
    f.write("Gallery opens\nA gallery opened its doors.\n\nVisitors came.\n")
os.rename(new + ".part", new)
check(eventually(lambda: "new-gallery.txt" in list_ids(windex)), "watch: a new file comes in")
os.unlink(os.path.join(wsrc, "opera-funding-freeze.txt"))
check(eventually(lambda: "opera-funding-freeze.txt" not in list_ids(windex)),
      "watch: a deleted file's article goes")
p.send_signal(signal.SIGTERM)
check_eq(p.wait(timeout=DEADLINE), 0, "watch: ends cleanly on SIGTERM")
placement("watch", windex, (wids | {"new-gallery.txt"}) - {"opera-funding-freeze.txt"})
rc, out, _ = indexer("--index", windex, wsrc)
check(rc == 0 and summary(out).get("added") == 0 and summary(out).get("deleted") == 0,
      "watch: the front's file records saw every change", out)

# ---- kill -9 inside a sharded build ------------------------------------------
# Through Xapian's API (--writer xapian): the index is listed as it is
# created and readers see every committed batch.  The bulk writer's build
# (the default) is listed only once every shard is written: below, and
# tests/sh/test_index_bulk.sh.
want = set(base)  # the corpus's ids
API = ("--writer", "xapian")


def crash(label, index, point, *args):
    env = {"LEDE_CRASH_AT": point}
    rc, out, err = indexer("-v", "--batch", "5", "--index", index, *args, env=env)
    check_eq(rc, -signal.SIGKILL, "%s: killed at %s" % (label, point))
    return err


def committed(log_text):
    last = {}
    for m in re.finditer(r"^lede-index: commit (shard\.\d+/\S+) docs=(\d+)", log_text, re.M):
        last[m.group(1).split("/")[0]] = int(m.group(2))
    return sum(last.values())


for point in ("after-article:1", "after-article:23"):
    idx = scratch.join("crash-%s.idx" % point.replace(":", "-"))
    err = crash("build", idx, point, *API, "--shards", str(N), corpus)
    checked("build killed at " + point, idx)
    have = list_ids(idx)
    check(len(have) >= committed(err) and len(have) == len(set(have)),
          "build killed at %s: every committed batch kept (%d >= %d), no duplicate"
          % (point, len(have), committed(err)))
    rc, _, _ = indexer("-q", "--index", idx, corpus)
    check_eq(rc, 0, "build killed at %s: the same run again (no --shards needed)" % point)
    placement("build killed at %s, run again" % point, idx, want)

# The switches of a creation: the front's, each shard's, then the index's.
for point, listed in (("before-switch:%d" % (N + 2), False), ("after-switch:%d" % (N + 2), True)):
    idx = scratch.join("crash-%s.idx" % point.replace(":", "-"))
    crash("creation", idx, point, *API, "--shards", str(N), corpus)
    rc, _, err = indexer("--index", idx, "--info")
    check_eq(rc == 0, listed, "creation killed at %s: the index %s" %
             (point, "opens (empty)" if listed else "does not exist yet"))
    rc, _, _ = indexer("-q", "--index", idx, "--shards", str(N), corpus)
    check_eq(rc, 0, "creation killed at %s: the same run again" % point)
    placement("creation killed at %s, run again" % point, idx, want)
    check_eq(sorted(n for n in os.listdir(idx) if n.startswith(("front", "shard", "db.", "part."))),
             ["front"] + ["shard.%d" % k for k in range(N)], "creation killed at %s: no debris" % point)

idx = scratch.join("crash-compact.idx")
crash("compaction", idx, "after-merge:2", *API, "--shards", str(N), corpus)
checked("end-of-build compaction killed", idx)
placement("end-of-build compaction killed: every article already there", idx, want)

# The bulk writer's build killed while the shards are written or merged:
# no index yet; the same command builds it all, leaving no debris.
for point in ("after-article:23", "after-merge:1"):
    idx = scratch.join("crash-bulk-%s.idx" % point.replace(":", "-"))
    crash("bulk build", idx, point, "--shards", str(N), corpus)
    rc, _, _ = indexer("--index", idx, "--info")
    check(rc != 0, "bulk build killed at %s: no index yet" % point)
    rc, _, _ = indexer("-q", "--index", idx, "--shards", str(N), corpus)
    check_eq(rc, 0, "bulk build killed at %s: the same command again" % point)
    placement("bulk build killed at %s, run again" % point, idx, want)
    checked("bulk build killed at %s, run again" % point, idx)
    check_eq(sorted(n for n in os.listdir(idx) if n.startswith(("front", "shard", "db.", "part."))),
             ["front"] + ["shard.%d" % k for k in range(N)], "bulk build killed at %s: no debris" % point)

# An incremental run: the previous state stays readable, nothing is lost.
idx = scratch.join("crash-incremental.idx")
indexer("-q", "--index", idx, "--shards", str(N), corpus)
feed = scratch.join("feed")
os.mkdir(feed)
with open(os.path.join(feed, "feed.jsonl"), "w") as f:
    for i in range(300):
        f.write(json.dumps({"id": "feed-%d" % i, "title": "Item %d" % i,
                            "text": "Feed item number %d of the day." % i}) + "\n")
err = crash("incremental", idx, "after-article:150", corpus, feed)
checked("incremental run killed", idx)
have = set(list_ids(idx))
check(want <= have, "incremental run killed: every article of before is still there")
check(len(have) >= committed(err), "incremental run killed: every committed batch kept (%d >= %d)"
      % (len(have), committed(err)))
rc, _, _ = indexer("-q", "--index", idx, corpus, feed)
check_eq(rc, 0, "incremental run killed: the same run again")
placement("incremental run killed, run again", idx, want | {"feed-%d" % i for i in range(300)})

scratch.cleanup()
finish()
