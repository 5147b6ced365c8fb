"""test_shard_commit_fail -- an incremental lede-index run over a sharded
index whose shard commit fails loses no article.  The front records each
file as its articles are queued for their shards; when a shard's commit
fails (LEDE_FAIL_COMMIT: the commit dropped as Xapian drops a failed
one), the run must not commit those records, or the next run would take
the file as indexed while its articles are in no shard.  So: a failed
run exits non-zero, and the next run (no failure) indexes the new file's
articles, all of them, in either shard; a failure of shard.0's and of
shard.1's commit.  The regression of a bug found by review (2026-12-07:
shardrun_stop committed the front after a failed shard commit).  And the
spelling words are a clean build's of the 18 articles: those the shard
that did commit gave the front are kept when the failed run drops the
front's records (its articles come out unchanged in the next run, giving
none again), as they are when the front's own commit fails (after both
shards committed: a third case), a regression found by review
(2026-12-07: the failed run's front was discarded with those words).
And a gone file of 40 articles deleted under XAPIAN_FLUSH_THRESHOLD=9,
whose shard's first commit fails (or its second, after one that held): its shards commit before Xapian would
by itself, so the run's discard is exact and the next run's spelling
words are a clean build's (a regression found by review, 2026-12-07:
deletions were not counted toward the threshold, Xapian committed some
of them by itself and the words they took back were lost).  A failed run
whose held words are committed says nothing of them; when they cannot be
(the front's commit fails, then the opening of the writer that would
commit them alone: LEDE_FAIL_OPEN), a warning says they are lost, and the
next run still indexes every article."""

import os

from ledetest import Scratch, check, check_eq, finish, index_info, indexer, list_ids, spell_freq, write_jsonl

scratch = Scratch()


def own_word(prefix, i):
    """A made-up word of one article alone."""
    return "zq" + prefix + "".join(chr(ord("a") + (i // 26 ** k) % 26) for k in range(2))


def rows(prefix, n):
    return [{"id": "%s-%d" % (prefix, i), "title": "Item %d of %s" % (i, prefix),
             "text": "The %s story number %d, told plainly." % (own_word(prefix, i), i)} for i in range(n)]


def failed_then_retried(label, fail_at, held_lost=False):
    """held_lost: the writer that would commit the held words alone (the
    front's second opening in the run) fails to open as well."""
    src = scratch.join(label + ".src")
    os.makedirs(src)
    index = scratch.join(label + ".idx")
    write_jsonl(os.path.join(src, "first.jsonl"), rows("first", 6))
    rc, _, err = indexer("-q", "--index", index, "--shards", "2", src)
    check_eq(rc, 0, label + ": the first build" + (": " + err if rc else ""))
    write_jsonl(os.path.join(src, "second.jsonl"), rows("second", 12))
    env = {"LEDE_FAIL_COMMIT": os.path.join(index, fail_at) + ":1"}
    if held_lost:
        env["LEDE_FAIL_OPEN"] = os.path.join(index, "front/") + ":2"
    rc, _, err = indexer("-q", "--index", index, src, env=env)
    check(rc != 0, label + ": the run whose %s commit fails says so" % fail_at, "exit %d" % rc)
    check("LEDE_FAIL_COMMIT" in err or "commit" in err, label + ": its error names the commit", err.strip())
    lost = "warning: front/" in err and "the spelling words of the shards that committed" in err and "are lost" in err
    check_eq(lost, held_lost, label + (": a warning says the held words are lost" if held_lost
                                       else ": no warning of lost words") + " (%s)" % err.strip())
    rc, _, err = indexer("-q", "--index", index, src)
    check_eq(rc, 0, label + ": the next run" + (": " + err if rc else ""))
    ids = set(list_ids(index))
    want = {r["id"] for r in rows("first", 6) + rows("second", 12)}
    check_eq(sorted(want - ids), [], label + ": no article of the failed run is lost")
    check_eq(index_info(index).get("articles", "").split()[0], "18", label + ": 18 articles counted")
    if held_lost:
        return  # the words are lost, as the warning says
    clean = scratch.join(label + "-clean.idx")
    rc, _, err = indexer("-q", "--index", clean, "--shards", "2", src)
    check_eq(rc, 0, label + ": a clean build" + (": " + err if rc else ""))
    words = [own_word(p, i) for p, n in (("first", 6), ("second", 12)) for i in range(n)] + ["story", "item"]
    want, got = spell_freq(clean, *words), spell_freq(index, *words)
    off = {w: "%d, not %d" % (got[w], want[w]) for w in words if got[w] != want[w]}
    check(not off, label + ": every word's spelling frequency is a clean build's", off)


def gone_then_retried(label, fail_at):
    src = scratch.join(label + ".src")
    os.makedirs(src)
    index = scratch.join(label + ".idx")
    gone = write_jsonl(os.path.join(src, "gone.jsonl"), rows("gone", 40))
    write_jsonl(os.path.join(src, "first.jsonl"), rows("first", 6))
    rc, _, err = indexer("-q", "--index", index, "--shards", "2", src)
    check_eq(rc, 0, label + ": the first build" + (": " + err if rc else ""))
    os.remove(gone)  # the failing run deletes alone: no put commits before its deletions
    rc, _, err = indexer("-q", "--index", index, src,
                         env={"LEDE_FAIL_COMMIT": os.path.join(index, fail_at), "XAPIAN_FLUSH_THRESHOLD": "9"})
    check(rc != 0, label + ": the run whose %s commit fails says so" % fail_at, "exit %d" % rc)
    write_jsonl(os.path.join(src, "second.jsonl"), rows("second", 12))
    rc, _, err = indexer("-q", "--index", index, src)
    check_eq(rc, 0, label + ": the next run" + (": " + err if rc else ""))
    want = {r["id"] for r in rows("first", 6) + rows("second", 12)}
    check_eq(sorted(set(list_ids(index)) ^ want), [], label + ": the gone file's articles deleted, no other lost")
    clean = scratch.join(label + "-clean.idx")
    rc, _, err = indexer("-q", "--index", clean, "--shards", "2", src)
    check_eq(rc, 0, label + ": a clean build" + (": " + err if rc else ""))
    words = [own_word(p, i) for p, n in (("gone", 40), ("first", 6), ("second", 12)) for i in range(n)]
    want, got = spell_freq(clean, *words + ["story"]), spell_freq(index, *words + ["story"])
    off = {w: "%d, not %d" % (got[w], want[w]) for w in want if got[w] != want[w]}
    check(not off, label + ": every word's spelling frequency is a clean build's", off)


failed_then_retried("fail-shard1", "shard.1/")
failed_then_retried("fail-shard0", "shard.0/")
failed_then_retried("fail-front", "front/")
failed_then_retried("fail-front-lost", "front/", held_lost=True)
gone_then_retried("gone-shard1", "shard.1/:1")
gone_then_retried("gone-shard1-later", "shard.1/:2")
scratch.cleanup()
finish()
