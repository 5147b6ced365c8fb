"""test_ties -- articles with equal scores come newest first, on every page:
whether the tie lies inside the page, across its end (lede reads a few
more hits, or lets Xapian sort when the run of equal scores is longer) or
across its start (offset), a page is always the same slice of one order:
score, then newer date, then the order the articles were indexed in.
Regression for ordering the top hits in lede instead of through Xapian's
relevance-then-date sort."""
import random

from ledetest import Daemon, Scratch, build_index, check, check_eq, finish, hit_ids, write_jsonl

scratch = Scratch()
src = scratch.join("ties.jsonl")
TEXT = "The harbour crane lifted a container onto the quay."
rows = []
# Eight articles that score the same for "crane", dated 2001..2008 but
# indexed in a shuffled order; two undated ones tie with them too.
years = list(range(2001, 2009))
random.Random(7).shuffle(years)
for y in years:
    rows.append({"id": "same-%d" % y, "title": "Quay report", "text": TEXT, "date": "%d-06-01" % y})
rows.append({"id": "undated-1", "title": "Quay report", "text": TEXT})
rows.append({"id": "undated-2", "title": "Quay report", "text": TEXT})
# Two that score higher (the word in the headline), one that scores lower.
rows.append({"id": "top-old", "title": "Crane report", "text": TEXT, "date": "1990-01-01"})
rows.append({"id": "top-new", "title": "Crane report", "text": TEXT, "date": "1999-01-01"})
rows.append({"id": "low", "title": "Quay report",
             "text": TEXT + " " + "The quay was busy with ships and lorries all day long. " * 6,
             "date": "2020-01-01"})
# Forty equal scores for "ferry", more than lede's look-ahead past a page
# (src/engine/search.cc TIE_SLACK), so that pages cut inside the run take Xapian's sort.
days = list(range(1, 41))
random.Random(11).shuffle(days)
for day in days:
    rows.append({"id": "ferry-%02d" % day, "title": "Port log", "text": "A ferry left port.",
                 "date": "2015-%02d-%02d" % (1 + (day - 1) // 20, 1 + (day - 1) % 20)})
for i in range(20):  # other articles, so "crane" is a rare word
    rows.append({"id": "other-%d" % i, "title": "Market note %d" % i,
                 "text": "Shares moved little on the exchange today.", "date": "2010-01-01"})
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
