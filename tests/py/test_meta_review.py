"""test_meta_review -- regressions for what the review of issue 17's merge
found (one check per finding fixed): facets beside an exact collapse keep
the collapsed total and each hit's similar=N; a date field keeps numbers
within years 1 to 9999 only, and its facets count what they keep; a real
number in a keyword field reads as written (0.1); an article's own
"words" key cannot take lede's word count; a date range refuses month 0,
day 0 and 31 February."""
from ledetest import Daemon, Scratch, build_index, check, check_eq, finish, indexer, write_jsonl

scratch = Scratch()
ROWS = [
    {"id": "r1", "title": "Apple harvest", "text": "Apples picked early.", "desk": "farm",
     "when": "2020-01-01", "kind2": "v1", "words": "many"},
    {"id": "r2", "title": "Apple prices", "text": "Apples cost more.", "desk": "farm",
     "when": 1e308, "kind2": 0.1},
    {"id": "r3", "title": "Apple orchards", "text": "Orchards grow apples.", "desk": "city",
     "when": -1e308},
    {"id": "r4", "title": "Apple cider", "text": "Cider from apples.", "desk": "city",
     "when": 1600000000},
]
index = scratch.join("review.idx")
src = write_jsonl(scratch.join("review.jsonl"), ROWS)
rc, _, err = indexer("-q", "--index", index, src)
check_eq(rc, 0, "indexed")
check("'words'" in err, "an article's own 'words' key is warned about", err)
_, info, _ = indexer("--index", index, "--info")
fields = dict((l.split()[1], l.split()[2]) for l in info.splitlines() if l.startswith("field: "))
check_eq(fields.get("words"), "number", "words stays lede's word count, a number field")
check_eq(fields.get("when"), "date", "when: a date field")

d = Daemon(index)
c = d.connect()
plain = c.ask("SEARCH exact=1 collapse=desk snippet=0 -- apple")
faceted = c.ask("SEARCH exact=1 collapse=desk snippet=0 facets=kind2 -- apple")
check(plain[0].startswith("OK SEARCH total=2 "), "collapse=desk exact=1: 2 results", plain[0])
check(faceted[0].startswith("OK SEARCH total=2 "), "... and the same with facets= beside it", faceted[0])
sim = lambda lines: sorted(l.split("similar=")[1] for l in lines if l.startswith("HIT"))
check_eq(sim(faceted), sim(plain), "each hit's similar=N the same with facets")
check_eq(sim(plain), ["1", "1"], "each desk stands for one more article")

check_eq(c.ask("COUNT -- when:2020")[0], "OK COUNT 2", "a date field's year (a date and Unix seconds)")
check_eq(c.ask("COUNT -- when:..9999")[0], "OK COUNT 2", "numbers out of years 1-9999 left out of it")
f = [l for l in c.ask("SEARCH limit=0 facets=when:day -- apple") if l.startswith(("FACET", "VALUE"))]
check_eq(f[1:], ["VALUE\t2020-01-01\t1", "VALUE\t2020-09-13\t1"], "its day facet: the 2 dates it holds")
check_eq(c.ask("COUNT -- kind2:0.1")[0], "OK COUNT 1", "a real number in a keyword field: 0.1 as written")
for bad in ("when:2020-00-05", "when:2020-01-00", "when:2021-02-31", "date:2020-13..2021"):
    r = c.ask("COUNT -- " + bad)[0]
    check(r.startswith("ERR SYNTAX") and "bad date" in r, "%s refused" % bad, r)
c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
