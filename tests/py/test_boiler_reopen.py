"""test_boiler_reopen -- a change leded's writer makes again after a failed
commit (livewriter.c's reopen: the reopened database has none of the
uncommitted changes, so each is applied again) is not counted into the
learned boilerplate table (boiler.h) a second time: five ADDed articles of
one source with a blurb, their commit failing (LEDE_FAIL_COMMIT, writer.cc)
and retried, leave the blurb counted in 5 of the source's 5 articles, as
lede-index --info lists it, not 10 of 10; on one database, and on a
sharded index whose shard.1 commit fails (shard.1's articles made again,
shard.0's committed before it) or whose shard.0 commit fails (both
shards' made again: shard.1's, not failed, were left uncommitted).  The regression of a bug found by review
(2026-12-07: the articles made again were counted again)."""
import json
import os

from ledetest import (Daemon, Scratch, boiler_counts, check, check_eq, commit_fails_then_holds, finish, indexer,
                      write_jsonl)

TOKEN = "tok-" + "c7" * 10
BLURB = "Read the Gazette bulletin aloud every single weekday morning."
scratch = Scratch()
token_file = scratch.token_file(TOKEN)


def reopened(label, extra, fail_at):
    index = scratch.join(label + ".idx")
    seed = [{"id": "seed-%d" % i, "title": "Seed %d" % i, "text": "Seed text %d." % i} for i in range(4)]
    rc, _, err = indexer("-q", "--index", index, *extra, write_jsonl(scratch.join(label + ".jsonl"), seed))
    check_eq(rc, 0, label + ": the seed build" + (": " + err if rc else ""))
    d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600", "--commit-settle", "3600",
               env={"LEDE_FAIL_COMMIT": os.path.join(index, fail_at) + ":1"})
    c = d.connect()
    check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], label + ": AUTH")
    for i in range(5):
        a = {"id": "gaz-%d" % i, "source": "Gazette", "title": "Gazette story %d" % i,
             "text": "The zibber%s council met.\n\n%s" % ("abcde"[i], BLURB)}
        r = c.ask("ADD " + json.dumps(a))
        check(r[0].startswith("OK ADDED"), label + ": ADD gaz-%d" % i, r)
    commit_fails_then_holds(d, c, label, fail_at)
    check_eq(boiler_counts(index, "Gazette"), (5, 5), label + ": the blurb is counted once an article")


reopened("plain", [], "db.")
reopened("sharded", ["--shards", "2"], "shard.1/")
reopened("sharded0", ["--shards", "2"], "shard.0/")
scratch.cleanup()
finish()
