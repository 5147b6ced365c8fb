"""test_recovery -- what an index is after compactions and interrupted runs:
the revision leded reports never goes down (COMPACT, lede-index --compact,
a restart); the databases a killed compaction leaves are removed by the
next writer (lede-index, lede-index --compact, leded's ingest at start);
and a killed full build resumed by the next run ends as a clean build
does, in article count and in size.  Waits poll; nothing sleeps."""
import json
import os
import subprocess

from ledetest import (Daemon, Scratch, ROOT, INDEXER, build_index, check, check_eq, finish,
                      index_info, indexer)

scratch = Scratch()
TOKEN = "tok-" + "r9" * 10
token_file = scratch.token_file(TOKEN)
CORPUS = os.path.join(ROOT, "corpus")
BBC = os.path.join(ROOT, "..", "shared", "corpus", "bbc")


def revision(reply):
    return int(reply.split("revision=")[1].split()[0])


def stats_revision(conn):
    return int(dict(l.split("\t", 1) for l in conn.ask("STATS")[1:])["revision"])


def databases(index):
    return sorted(n for n in os.listdir(index) if n.startswith(("db.", "part.")))


def killed(*args):
    """lede-index killed at a crash point (LEDE_CRASH_AT=args[0])."""
    p = subprocess.run([INDEXER, "-q", *args[1:]], env=dict(os.environ, LEDE_CRASH_AT=args[0]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p.returncode


# ---- the revision only goes up ------------------------------------------------
index = scratch.join("rev.idx")
d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600")
c = d.connect()
check_eq(c.ask("AUTH " + TOKEN)[0], "OK AUTH", "AUTH")
seen = []
for i in range(4):
    c.ask("ADD " + json.dumps({"id": "r%d" % i, "title": "quokka %d" % i, "text": "marsupial"}))
    seen.append(revision(c.ask("COMMIT")[0]))
check(seen == sorted(set(seen)), "each commit a higher revision", seen)
r = c.ask("COMPACT")[0]
check(r.startswith("OK COMPACTED"), "COMPACT", r)
check(revision(r) > seen[-1], "COMPACT reports a higher revision than the commit before it",
      "%d after %d" % (revision(r), seen[-1]))
seen.append(revision(r))
check(stats_revision(c) >= seen[-1], "STATS agrees")
r = c.ask("COMPACT")[0]
check(revision(r) > seen[-1], "a second COMPACT, higher again", r)
seen.append(revision(r))
c.ask("ADD " + json.dumps({"id": "r9", "title": "quokka", "text": "after"}))
r = c.ask("COMMIT")[0]
check(revision(r) > seen[-1], "a commit after it, higher again", r)
seen.append(revision(r))
c.close()
d.stop()
check_eq(indexer("--index", index, "--compact")[0], 0, "lede-index --compact")
d = Daemon(index)
c = d.connect()
check(stats_revision(c) > seen[-1], "leded serving it reports a higher revision still",
      "%d after %d" % (stats_revision(c), seen[-1]))
c.close()
d.stop()

# ---- what killed compactions leave ------------------------------------------------
index = scratch.join("debris.idx")
build_index(index, CORPUS)
check_eq(len(databases(index)), 1, "a built index: one database")
for _ in range(3):
    check_eq(killed("after-merge", "--index", index, "--compact"), -9,
             "a compaction killed after its copy")
check(len(databases(index)) == 2, "a killed compaction leaves only its own copy: the next one "
      "removed the one before", databases(index))
check_eq(killed("after-switch", "--index", index, "--compact"), -9, "one killed after its switch")
check(len(databases(index)) == 2, "it leaves the old database", databases(index))
before = index_info(index)["articles"]
build_index(index, CORPUS)
check_eq(databases(index), [index_info(index)["databases"]], "an incremental run removes it")
check_eq(index_info(index)["articles"], before, "and keeps every article")
for _ in range(2):
    killed("after-merge", "--index", index, "--compact")
check(len(databases(index)) == 2, "two more killed compactions", databases(index))
d = Daemon(index, "--ingest-token", token_file)
check_eq(databases(index), [index_info(index)["databases"]], "leded taking the index for ingest "
         "removes their copies at start")
c = d.connect()
check_eq(c.ask("COUNT marsupial OR drought")[0].split()[:2], ["OK", "COUNT"], "and serves it")
c.close()
d.stop()
check_eq(indexer("--index", index, "--check")[0], 0, "the index passes the check")

# ---- a killed full build resumed ------------------------------------------------
if not os.path.isdir(BBC):
    print("ok - # SKIP resumed full build: needs %s" % BBC)
else:
    clean = scratch.join("clean.idx")
    build_index(clean, BBC)
    resumed = scratch.join("resumed.idx")
    check_eq(killed("after-article:1500", "--batch", "100", "--index", resumed, BBC), -9,
             "a full build killed after 1,500 articles")
    build_index(resumed, BBC)
    a, b = index_info(clean), index_info(resumed)
    check_eq(b["articles"], a["articles"], "resumed: as many articles as a clean build")
    ratio = int(b["size"]) / int(a["size"])
    check(0.9 <= ratio <= 1.1, "resumed: the size of a clean build (within 10%)",
          "%s against %s bytes" % (b["size"], a["size"]))
    check_eq(len(b["databases"].split()), 1, "resumed: one database")
    check_eq(indexer("--index", resumed, "--check")[0], 0, "resumed: passes the check")

scratch.cleanup()
finish()
