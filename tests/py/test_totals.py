"""test_totals -- issue 19 point 7: a search's total is exact when the
matches are few (up to the 1,000 every search checks), and otherwise an
estimate with Xapian's bounds (total_min, total_max) that the real count
lies within, the same on every page; the client says "about N (between A
and B)".  The first corpus mirrors the report: `"gun control" NOT israel`
said "about 30" for 141 matches, and changed while paging."""
import random
import subprocess

from ledetest import (CLIENT, Daemon, Scratch, build_index, check, check_eq, finish,
                      status_field, write_jsonl)

scratch = Scratch()
rng = random.Random(19)
FILLER = "policy debate senate vote law rights city council report weekly".split()

def text(*words):
    body = [rng.choice(FILLER) for _ in range(rng.randint(6, 14))]
    for w in words:
        body.insert(rng.randrange(len(body) + 1), w)
    return " ".join(body)

# 200 articles with the phrase, 59 of them also naming israel: 141 match;
# 400 more without it, some with israel.
rows = []
for i in range(600):
    words = []
    if i % 3 == 0:
        words.append("gun control")
        if i < 59 * 3:
            words.append("israel")
    elif i % 7 == 0:
        words.append("israel")
    rows.append({"id": "g%04d" % i, "title": "Item %d" % i, "text": text(*words)})
want = sum(1 for r in rows if "gun control" in r["text"] and "israel" not in r["text"])
check_eq(want, 141, "the corpus has 141 articles with the phrase and without israel")

# 2,400 articles with "harbour", 1 in 5 with "storm": harbour NOT storm
# has more matches than a search checks.
for i in range(2400):
    rows.append({"id": "h%04d" % i, "title": "Harbour %d" % i,
                 "text": text("harbour", *(["storm"] if i % 5 == 0 else []))})
many = sum(1 for r in rows if "harbour" in r["text"] and "storm" not in r["text"])

index = scratch.join("totals.idx")
build_index(index, write_jsonl(scratch.join("totals.jsonl"), rows))
d = Daemon(index)
c = d.connect()

def totals(request):
    r = c.ask(request)
    check(r[0].startswith("OK SEARCH"), request, r[0])
    return tuple(status_field(r, k) for k in ("total", "exact", "total_min", "total_max"))

for offset in (0, 10, 50, 130):
    got = totals('SEARCH limit=10 offset=%d snippet=0 -- "gun control" NOT israel' % offset)
    check_eq(got, (str(want), "1", None, None),
             '"gun control" NOT israel, offset=%d: exactly 141, no bounds' % offset)
got = totals('SEARCH limit=0 -- "gun control" NOT israel')
check_eq(got[:2], (str(want), "1"), "limit=0: the same exact total")

check_eq(c.ask("COUNT harbour NOT storm")[0], "OK COUNT %d" % many, "COUNT: %d exactly" % many)
pages = [totals("SEARCH limit=10 offset=%d snippet=0 -- harbour NOT storm" % off)
         for off in (0, 10, 40, 90, 500)]
first = pages[0]
check_eq(first[1], "0", "harbour NOT storm (%d matches): an estimate" % many)
lo, hi = int(first[2] or -1), int(first[3] or -1)
check(lo <= many <= hi, "the bounds hold the real count: %d <= %d <= %d" % (lo, many, hi))
check(lo <= int(first[0]) <= hi, "the estimate lies within its bounds")
check(all(p == first for p in pages), "total and bounds are the same on every page", pages)

c.ask("FORMAT json")
r = c.ask("SEARCH limit=5 snippet=0 -- harbour NOT storm")
check_eq((r["total"], r["exact"], r["total_min"], r["total_max"]),
         (int(first[0]), False, lo, hi), "JSON: total, exact, total_min, total_max")
r = c.ask('SEARCH limit=5 snippet=0 -- "gun control" NOT israel')
check_eq((r["total"], r["exact"], r["total_min"], r["total_max"]), (want, True, want, want),
         "JSON: an exact total's bounds are the total")
c.close()

p = subprocess.run([CLIENT, "-c", d.addr, "--limit", "1", "harbour", "NOT", "storm"],
                   stdout=subprocess.PIPE, text=True)
check("about %s results (between %d and %d)" % (first[0], lo, hi) in p.stdout,
      "the client says about N (between A and B)", p.stdout[-200:])
p = subprocess.run([CLIENT, "-c", d.addr, "--limit", "1", '"gun control"', "NOT", "israel"],
                   stdout=subprocess.PIPE, text=True)
check("\n141 results" in p.stdout and "between" not in p.stdout, "an exact total: 141 results",
      p.stdout[-200:])
check_eq(d.stop(), 0, "leded exits 0")
scratch.cleanup()
finish()
