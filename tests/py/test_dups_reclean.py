"""test_dups_reclean -- an article the boilerplate re-clean makes again
keeps its near-duplicate group key (issue 20: the API path's shards lost
it).  A sharded index is grouped over all its shards, then each shard is
compacted alone, and that compaction re-cleans (reclean.cc) the articles
written before a line of theirs was learned; it does not group again, so
a key the re-clean dropped stayed dropped (seen on BBC, tech/090.txt, in
a `--shards 2 --writer xapian` build).

A sharded index (2 shards) of 600 articles of one source; a later run adds
12 whose body carries a new blurb, the first six written before it is
learned (test_boiler_reclean tells why six), among them an article and
its copy under another id.  `lede-index --compact` groups the pair, then
re-cleans both: they must still be one group of 2, their blurb gone.  The
same collection in one database (grouped after the re-clean) agrees."""
import random

import boilergen
from ledetest import Daemon, Scratch, check_eq, finish, index_info, indexer, write_jsonl

BLURB = "Hear the Slow Post zorbatronics bulletin read aloud every weekday morning."
SOURCE = "Slow Post"

scratch = Scratch()
rng = random.Random(7)


def article(i, blurb):
    return boilergen.slow_article(rng, i, SOURCE, blurb)


late = [article(600 + i, BLURB) for i in range(12)]
copy = dict(late[0], id="slow-copy")  # written second: before the blurb is learned too
late.insert(1, copy)
base_path, late_path = scratch.join("base.jsonl"), scratch.join("late.jsonl")
write_jsonl(base_path, [article(i, None) for i in range(600)])
write_jsonl(late_path, late)


def built(name, *extra):
    index = scratch.join(name)
    code, _, err = indexer("-q", "--index", index, *extra, base_path)
    check_eq(code, 0, "%s: full build of 600 articles%s" % (name, ": " + err if code else ""))
    code, _, err = indexer("-q", "--index", index, late_path)
    check_eq(code, 0, "%s: a later run adds 13 with the blurb%s" % (name, ": " + err if code else ""))
    code, _, err = indexer("-q", "--index", index, "--compact")
    check_eq(code, 0, "%s: lede-index --compact%s" % (name, ": " + err if code else ""))
    return index_info(index)


def count(index, query):
    d = Daemon(index)
    c = d.connect()
    n = int(c.ask("COUNT -- " + query)[0].split()[2])
    c.close()
    d.stop()
    return n


one = built("one.idx")
sharded = built("sharded.idx", "--shards", "2")
pair = "1 (2 articles, the largest 2)"
check_eq(one.get("near-duplicate groups"), pair, "one database: the article and its copy are one group")
check_eq(sharded.get("near-duplicate groups"), pair,
         "2 shards: the pair the grouping found keeps its key through the shards' re-clean")
check_eq(count(scratch.join("sharded.idx"), "zorbatronics"), 0,
         "2 shards: the compaction re-cleaned the articles written with the blurb")

scratch.cleanup()
finish()
