"""test_live_close_retry -- leded's live writer on a sharded index whose
front's commit failed after both shards committed (LEDE_FAIL_COMMIT,
writer.cc), and whose reopening after it failed too (LEDE_FAIL_OPEN: the
front's second opening), holds no open database: broken, the shards with
no change, only the spelling words they gave the front.  Stopped with no
commit retried (ingest's own commit at the stop sees no change to wait
for), it commits them at its close (livewriter_close reopens and
retries): every article ADDed is in the index and every word's spelling
frequency is a clean build's.  Without the close's retry the words would
be lost with no error.  (A broken writer of one database:
tests/unit/test_live_close.)"""
import json
import os

from ledetest import Daemon, Scratch, check, check_eq, finish, indexer, list_ids, spell_freq, write_jsonl

TOKEN = "tok-" + "d4" * 10
scratch = Scratch()
token_file = scratch.token_file(TOKEN)


def own_word(i):
    """A made-up word of one article alone."""
    return "zqlive" + "abcdefgh"[i]


def added(i):
    return {"id": "live-%d" % i, "title": "Live %d" % i, "text": "The %s report, told plainly." % own_word(i)}


def closed_after_failure(label, extra, fail_commit, fail_open):
    index = scratch.join(label + ".idx")
    seed = [{"id": "seed-%d" % i, "title": "Seed %d" % i, "text": "Seed text %d." % i} for i in range(4)]
    rc, _, err = indexer("-q", "--index", index, *extra, write_jsonl(scratch.join(label + ".jsonl"), seed))
    check_eq(rc, 0, label + ": the seed build" + (": " + err if rc else ""))
    env = {"LEDE_FAIL_COMMIT": os.path.join(index, fail_commit) + ":1",
           "LEDE_FAIL_OPEN": os.path.join(index, fail_open) + ":2"}
    d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600", "--commit-settle", "3600",
               env=env)
    c = d.connect()
    check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], label + ": AUTH")
    for i in range(8):
        r = c.ask("ADD " + json.dumps(added(i)))
        check(r[0].startswith("OK ADDED"), label + ": ADD live-%d" % i, r)
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR"), label + ": the commit fails (%s)" % fail_commit, r)
    c.close()
    check_eq(d.stop(), 0, label + ": leded stops cleanly, its close committing")
    want = sorted(["seed-%d" % i for i in range(4)] + ["live-%d" % i for i in range(8)])
    check_eq(sorted(list_ids(index)), want, label + ": every article ADDed is in the index")
    clean = scratch.join(label + "-clean.idx")
    rows = seed + [added(i) for i in range(8)]
    rc, _, err = indexer("-q", "--index", clean, *extra, write_jsonl(scratch.join(label + "-all.jsonl"), rows))
    check_eq(rc, 0, label + ": a clean build" + (": " + err if rc else ""))
    words = [own_word(i) for i in range(8)] + ["report", "seed"]
    want, got = spell_freq(clean, *words), spell_freq(index, *words)
    off = {w: "%d, not %d" % (got[w], want[w]) for w in words if got[w] != want[w]}
    check(not off, label + ": every word's spelling frequency is a clean build's", off)


closed_after_failure("front", ["--shards", "2"], "front/", "front/")
scratch.cleanup()
finish()
