"""test_boiler_reclean -- a compaction cleans every article written with a
line before it was learned, however many (issue 21), and takes back the
spelling words only that line gave them.

A source of 600 articles is built; a later run adds 12 more whose body
carries a new blurb.  A line needs 1% of its source's articles as well as
4: the blurb is learned at the seventh (7 >= 1% of 607), so the first six
are written with it.  Before the compaction its word matches those six
and SUGGEST corrects a misspelling of it (the spelling data has it from
them); after `lede-index --compact` it matches none, SUGGEST has nothing
to correct, and every article is still found by its own words.  The same
through leded's COMPACT, with an ADDed source."""
import json
import random

import boilergen
from ledetest import Daemon, Scratch, check, check_eq, eventually, finish, indexer, write_jsonl

BLURB = "Hear the Slow Post zorbatronics bulletin read aloud every weekday morning."
SOURCE = "Slow Post"
TOKEN = "tok-" + "c7" * 10

scratch = Scratch()
rng = random.Random(5)


def article(i, blurb):
    return boilergen.slow_article(rng, i, SOURCE, blurb)


def count(c, query):
    return int(c.ask("COUNT -- " + query)[0].split()[2])


late = [article(600 + i, BLURB) for i in range(12)]
base_path, late_path = scratch.join("base.jsonl"), scratch.join("late.jsonl")
write_jsonl(base_path, [article(i, None) for i in range(600)])
write_jsonl(late_path, late)

index = scratch.join("slow.idx")
code, _, err = indexer("-q", "--index", index, base_path)
check_eq(code, 0, "full build of 600 articles" + (": " + err if code else ""))
code, _, err = indexer("-q", "--index", index, late_path)
check_eq(code, 0, "a later run adds 12 with the blurb" + (": " + err if code else ""))

d = Daemon(index)
c = d.connect()
check_eq(count(c, "zorbatronics"), 6, "before the compaction the blurb matches the 6 articles before it was learned")
check_eq(c.ask("SUGGEST zorbetronics"), ["OK SUGGEST", "SUGGESTION\tzorbatronics"],
         "... and the spelling data has its word")
c.close()
d.stop()

code, _, err = indexer("-q", "--index", index, "--compact")
check_eq(code, 0, "lede-index --compact" + (": " + err if code else ""))
d = Daemon(index)
c = d.connect()
check_eq(count(c, "zorbatronics"), 0, "after it the blurb matches none of them")
check_eq(c.ask("SUGGEST zorbetronics"), ["OK SUGGEST"], "and SUGGEST has nothing to correct: its word left the spelling data")
check(all(count(c, boilergen.own_word(600 + i)) == 1 for i in range(12)), "each late article is found by its own word")
check_eq(count(c, "slow"), 612, "no article lost")
c.close()
d.stop()
_, info, _ = indexer("--index", index, "--info")
check("boilerplate block: Slow Post: 12 of 612 articles: Hear the Slow Post zorbatronics" in info,
      "--info lists the blurb", info[-800:])

# ---- leded: ADD, then COMPACT ------------------------------------------------------
# With a number, different in each article (the same line to the table):
# such a line is found by its other words near each other, not as a phrase.
LIVE_BLURB = "Catch the Ferry Gazette quorblings podcast at %d on every platform this week."
live = scratch.join("live.idx")
token_file = scratch.token_file(TOKEN)
d = Daemon(live, "--ingest-token", token_file, "--commit-interval", "0.1")
c = d.connect()
c.ask("AUTH " + TOKEN)
for i in range(520):
    a = article(1000 + i, LIVE_BLURB % (i * 7 % 120) if i >= 500 else None)
    a["source"] = "Ferry Gazette"
    r = c.ask("ADD " + json.dumps(a))
    if not r[0].startswith("OK ADDED"):
        check(False, "ADD article %d" % i, r)
        break
c.ask("COMMIT")
check(eventually(lambda: count(c, boilergen.own_word(1519)) == 1), "the last article is searchable")
check_eq(count(c, "quorblings"), 5, "ADD: the blurb matches the 5 articles before it was learned (at 6, 1% of 506)")
check_eq(c.ask("SUGGEST quorblangs"), ["OK SUGGEST", "SUGGESTION\tquorblings"], "... and the spelling data has its word")
r = c.ask("COMPACT")
check(r[0].startswith("OK"), "COMPACT", r)
check(eventually(lambda: count(c, "quorblings") == 0), "after COMPACT it matches none")
check_eq(c.ask("SUGGEST quorblangs"), ["OK SUGGEST"], "... and its word left the spelling data")
check(all(count(c, boilergen.own_word(1500 + i)) == 1 for i in range(20)), "each article is still found by its own word")
c.close()
check_eq(d.stop(), 0, "leded exits cleanly")

scratch.cleanup()
finish()
