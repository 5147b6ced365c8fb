"""test_ties -- articles with equal scores come newest first, on every page:
whether the tie lies inside the page, across its end (lede reads a few
more hits, or lets Xapian sort when the run of equal scores is longer) or
across its start (offset), a page is always the same slice of one order:
score, then newer date, then the order the articles were indexed in.
Regression for ordering the top hits in lede instead of through Xapian's
relevance-then-date sort."""

from ledetest import Daemon, Scratch, build_index, check, check_eq, finish, hit_ids, tie_rows, write_jsonl

scratch = Scratch()
src = scratch.join("ties.jsonl")
rows = tie_rows()
write_jsonl(src, rows)
index = scratch.join("idx")
build_index(index, src)
d = Daemon(index)
c = d.connect()

full = hit_ids(c.ask("SEARCH limit=100 snippet=0 -- crane"))
tied = ["same-%d" % y for y in range(2008, 2000, -1)]
check_eq(full[:2], ["top-new", "top-old"], "higher scores first, the newer of two equal ones first")
check_eq(full[2:10], tied, "eight equal scores: newest first, whatever the indexing order")
check_eq(sorted(full[10:12]), ["undated-1", "undated-2"], "undated articles after dated ones of equal score")
check_eq(full[12:], ["low"], "the lower score last")

bad = []
for offset in range(0, 14):
    for limit in range(1, 14):
        got = hit_ids(c.ask("SEARCH offset=%d limit=%d snippet=0 -- crane" % (offset, limit)))
        if got != full[offset:offset + limit]:
            bad.append((offset, limit, got))
check_eq(bad, [], "every page (offset 0-13, limit 1-13) is the same slice of one order")

ferry = hit_ids(c.ask("SEARCH limit=100 snippet=0 -- ferry"))
check_eq(ferry, ["ferry-%02d" % day for day in range(40, 0, -1)], "forty equal scores: newest first")
bad = []
for offset in (0, 1, 5, 17, 30, 38):
    for limit in (1, 2, 7, 10, 25):
        got = hit_ids(c.ask("SEARCH offset=%d limit=%d snippet=0 -- ferry" % (offset, limit)))
        if got != ferry[offset:offset + limit]:
            bad.append((offset, limit, got))
check_eq(bad, [], "every page cut inside a run of forty equal scores is a slice of the same order")

r = c.ask("SEARCH offset=3 limit=4 snippet=0 -- crane")
ranks = [int(l.split("\t")[1]) for l in r if l.startswith("HIT\t")]
check_eq(ranks, [4, 5, 6, 7], "ranks count from the first result, across a reordered page")
check_eq(c.ask("COUNT crane")[0], "OK COUNT 13", "COUNT is exact")
c.close()
check_eq(d.stop(), 0, "exit 0")
finish()
