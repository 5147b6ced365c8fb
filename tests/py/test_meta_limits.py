"""test_meta_limits -- the bounds of issue 17's metadata fields: a keyword
value kept to its first 240 bytes (cut where a character starts) in its
slot, and a filter on it cut the same way; an article adding at most 32
new fields, and a full schema (1,024 fields) warned about once a run, the
articles kept whole; databases whose schemas disagree refused with a
message naming the database; --schema on an empty new sharded index
written to the front and every shard, its kinds kept when articles come."""
import shutil

from ledetest import (Daemon, Scratch, check, check_eq, finish, index_info, indexer,
                      status_field, write_jsonl)

scratch = Scratch()

def fields_of(index):
    _, out, _ = indexer("--index", index, "--info")
    return dict((l.split()[1], l.split()[2]) for l in out.splitlines() if l.startswith("field: "))

def facet_values(reply):
    return [l.split("\t")[1] for l in reply if l.startswith("VALUE\t")]

# 1. A keyword value of 300 bytes: 'é' (2 bytes) straddles byte 240.
long_a = "a" * 239 + "\u00e9" + "z" * 59
long_b = "a" * 239 + "\u00e9" + "y" * 59   # the same first 241 bytes
rows = [{"id": "k1", "title": "Crane one", "text": "crane lifts", "desk": long_a},
        {"id": "k2", "title": "Crane two", "text": "crane drops", "desk": long_b},
        {"id": "k3", "title": "Crane three", "text": "crane waits", "desk": "Short"}]
kidx = scratch.join("keyword.idx")
rc, _, err = indexer("-q", "--index", kidx, write_jsonl(scratch.join("k.jsonl"), rows))
check_eq(rc, 0, "indexed the long keyword values")
d = Daemon(kidx)
c = d.connect()
r = c.ask("SEARCH limit=0 facets=desk -- crane")
values = facet_values(r)
cut = [v for v in values if v != "Short"]
check_eq(len(cut), 1, "the two long values are one value once cut")
check(cut and len(cut[0].encode()) == 239, "the value is cut to 239 bytes, before the 2-byte "
      "character that would cross byte 240", cut and len(cut[0].encode()))
check(cut and long_a.startswith(cut[0]), "the cut value is the start of what was written")
check_eq(c.ask('COUNT desk:"%s"' % long_a)[0], "OK COUNT 2",
         "a filter on the whole long value finds both (compared on their first bytes)")
check_eq(c.ask('COUNT desk:"%s"' % long_a.upper())[0], "OK COUNT 2", "... case-folded")
check_eq(c.ask("COUNT desk:short")[0], "OK COUNT 1", "a short value is matched whole")
check_eq(c.ask("COUNT desk:aaaa")[0], "OK COUNT 0", "a long value is not matched by a prefix")
got = c.ask("GET k1")
check(any(long_a in l for l in got), "the stored article keeps the whole value")
c.close()
check_eq(d.stop(), 0, "leded exits 0")

# 2. One article with 50 new keys: 32 of them become fields, one warning.
many = {"id": "m1", "title": "Many keys", "text": "crane"}
many.update(("key%02d" % i, "v%d" % i) for i in range(50))
midx = scratch.join("many.idx")
rc, _, err = indexer("-q", "--index", midx, write_jsonl(scratch.join("m.jsonl"), [many]))
check_eq(rc, 0, "an article with 50 metadata keys indexed")
got = fields_of(midx)
check_eq(sorted(k for k in got if k != "words"), ["key%02d" % i for i in range(32)],
         "its first 32 keys became fields, no more")
check_eq(got.get("words"), "number", "lede's own words field is not counted among them")
check(err.count("more than 32 new metadata keys") == 1, "one warning says so", err)
d = Daemon(midx)
c = d.connect()
check_eq(c.ask("COUNT key00:v0")[0], "OK COUNT 1", "its first keys are fields")
check(any("key49" in l for l in c.ask("GET m1")), "its last key is kept in the stored article")
c.close()
check_eq(d.stop(), 0, "leded exits 0")

# 3. 40 articles of 40 keys of their own: 1,280 asked, 1,024 at most;
#    each warning once, every article searchable.
rows = []
for a in range(40):
    row = {"id": "f%02d" % a, "title": "Fill %d" % a, "text": "crane filler"}
    row.update(("a%02dk%02d" % (a, i), "v") for i in range(40))
    rows.append(row)
fidx = scratch.join("full.idx")
rc, _, err = indexer("-q", "--index", fidx, write_jsonl(scratch.join("f.jsonl"), rows))
check_eq(rc, 0, "40 articles of 40 new keys each indexed")
check_eq(len(fields_of(fidx)), 1024, "the schema holds 1,024 fields")
check(err.count("more than 1024 metadata fields") == 1, "the full schema is warned about once", err[-500:])
check_eq(err.count("more than 32 new metadata keys"), 1, "the per-article cap once a run")
check(len(err.splitlines()) <= 4, "no warning a key (%d lines)" % len(err.splitlines()))
check_eq(index_info(fidx).get("articles"), "40", "every article is in the index")

# 4. Databases that disagree on a field: refused, the database named.
sidx = scratch.join("sharded.idx")
rows = [{"id": "s%d" % i, "title": "Shard %d" % i, "text": "crane", "desk": "farm"} for i in range(6)]
rc, _, _ = indexer("-q", "--index", sidx, "--shards", "2", write_jsonl(scratch.join("s.jsonl"), rows))
check_eq(rc, 0, "a sharded index with a keyword field")
if shutil.which("xapian-metadata"):
    import glob, subprocess
    db = sorted(glob.glob(sidx + "/shard.1/db.*"))[-1]
    subprocess.run(["xapian-metadata", "set", db, "lede.schema", "desk\tnumber\tinferred\n"], check=True)
    rc, _, err = indexer("--index", sidx, "--info")
    check(rc != 0 and "metadata fields of" in err and "shard.1" in err and "disagree" in err,
          "--info refuses databases whose schemas disagree, naming the one", err)
    try:
        Daemon(sidx).stop()
        check(False, "leded refuses to serve them")
    except RuntimeError as e:
        check("shard.1" in str(e) and "disagree" in str(e), "leded refuses them, naming shard.1", str(e))
else:
    print("ok - # SKIP schema disagreement: xapian-metadata (xapian-tools) is not installed")

# 5. --schema on an empty new sharded index: every database holds it.
eidx = scratch.join("empty.idx")
empty = write_jsonl(scratch.join("empty.jsonl"), [])
rc, _, err = indexer("-q", "--index", eidx, "--shards", "2", "--schema", "score:keyword,when:date", empty)
check(rc == 0, "an empty sharded index made with --schema", err)
check_eq(fields_of(eidx), {"score": "keyword", "when": "date"}, "--info shows the declared fields")
if shutil.which("xapian-metadata"):
    import glob, subprocess
    for db in sorted(glob.glob(eidx + "/*/db.*")):
        text = subprocess.run(["xapian-metadata", "get", db, "lede.schema"], stdout=subprocess.PIPE,
                              text=True).stdout
        check_eq(text.split("\n")[:2], ["score\tkeyword\tdeclared", "when\tdate\tdeclared"],
                 "%s holds the schema" % db[len(eidx):])
rows = [{"id": "e%d" % i, "title": "Later %d" % i, "text": "crane", "score": i} for i in range(6)]
rc, _, err = indexer("-q", "--index", eidx, write_jsonl(scratch.join("e.jsonl"), rows))
check(rc == 0, "articles added to it later", err)
check_eq(fields_of(eidx).get("score"), "keyword", "a number in a declared keyword field stays keyword")
d = Daemon(eidx)
c = d.connect()
check_eq(c.ask("COUNT score:3")[0], "OK COUNT 1", "score:3 is a keyword match on every shard")
c.close()
check_eq(d.stop(), 0, "leded exits 0")

scratch.cleanup()
finish()
