"""test_wildcard -- prefix queries (word*) read through lede's WildcardSource
(src/engine/wildcard.hh) match and rank as Xapian's own merge of the expansion
does (LEDE_XAPIAN_WILDCARDS=1 in a second daemon): on one database the
same counts, the same hits in the same order, scores within a hair (the
size of the union of the words is estimated the same way, rounded
differently); on two, the same matches, and the idf of the whole index.  The index
spans several of the source's docid windows (8,192 ids each), then two
databases behind one stub, so that windows, skips and per-database
statistics are all exercised.  Counts are also checked against the
generated text itself."""
import os
import random

from ledetest import Daemon, Scratch, build_index, check, check_eq, finish, hit_ids, write_jsonl

scratch = Scratch()
rng = random.Random(5)
# Made-up words, so that no stemmer changes them; families share prefixes.
FAMILIES = {
    "qar": ["qarvud", "qarvom", "qarmix", "qartul", "qarzeb"],
    "blen": ["blendok", "blenvax", "blenquil"],
    "tovi": ["tovik", "tovimarsh"],
    "plosh": ["ploshtun"],
}
FILLER = ["harbour", "crane", "market", "ferry", "grain", "copper", "tariff", "storm",
          "vote", "court", "rail", "bridge", "budget", "strike", "orchard"]


def article(i):
    words = [rng.choice(FILLER) for _ in range(rng.randint(4, 12))]
    for fam, members in FAMILIES.items():
        if rng.random() < {"qar": 0.3, "blen": 0.05, "tovi": 0.01, "plosh": 0.002}[fam]:
            words.insert(rng.randrange(len(words) + 1), rng.choice(members))
    title_words = [rng.choice(FILLER) for _ in range(3)]
    if rng.random() < 0.02:
        title_words.append(rng.choice(FAMILIES["qar"]))
    return {"id": "a%05d" % i, "title": " ".join(title_words).capitalize(),
            "text": " ".join(words) + ".",
            "date": "20%02d-%02d-%02d" % (rng.randint(0, 20), rng.randint(1, 12), rng.randint(1, 28))}


rows = [article(i) for i in range(22000)]
first, second = scratch.join("first.jsonl"), scratch.join("second.jsonl")
write_jsonl(first, rows[:18000])
write_jsonl(second, rows[18000:])

index = scratch.join("idx")
QUERIES = [
    "qar*", "blen*", "tovi*", "plosh*", "qarv*", "zzz*", "title:qar*",
    "crane qar*", "qar* OR blen*", "harbour NOT qar*", "qar* NOT harbour", "qar* -crane",
    "(qar* OR tovi*) AND market", "blen* tovi*", "qar* XOR crane", "storm OR tovi* OR plosh*",
    "title:crane qar*", "qar* date:2005-01-01..2010-12-31", "market AND NOT blen*",
]


def databases_of(path):
    with open(os.path.join(path, "XAPIANDB")) as f:
        return [l.split()[1] for l in f if l.strip() and not l.startswith("#")]


def databases():
    return databases_of(index)


PURE = {"qar*", "blen*", "tovi*", "plosh*", "qarv*", "zzz*", "title:qar*"}


def compare(stage, same_idf):
    """Our answers against Xapian's merge.  With same_idf, the same ranking
    throughout; without (two databases, where Xapian estimates the words'
    union lower than the whole index's frequencies give), the same matches,
    and for a query of one wildcard, whose idf is a common factor, the same
    order with every score in the same ratio."""
    ours, xapians = Daemon(index), Daemon(index, env={"LEDE_XAPIAN_WILDCARDS": "1"})
    a, b = ours.connect(), xapians.connect()
    bad_counts, bad_ids, bad_ratio, worst = [], [], [], 0.0
    for q in QUERIES:
        if a.ask("COUNT " + q) != b.ask("COUNT " + q):
            bad_counts.append(q)
        if not same_idf and q not in PURE:
            continue
        for opts in ("limit=20", "offset=7 limit=13", "limit=10 sort=date", "limit=50 mode=any"):
            ra = a.ask("SEARCH snippet=0 %s -- %s" % (opts, q))
            rb = b.ask("SEARCH snippet=0 %s -- %s" % (opts, q))
            if hit_ids(ra) != hit_ids(rb):
                bad_ids.append((opts, q, hit_ids(ra)[:5], hit_ids(rb)[:5]))
            sa = [float(l.split("\t")[3]) for l in ra if l.startswith("HIT\t")]
            sb = [float(l.split("\t")[3]) for l in rb if l.startswith("HIT\t")]
            ratios = [x / y for x, y in zip(sa, sb) if y > 0]
            if ratios and max(ratios) - min(ratios) > 0.002:
                bad_ratio.append((opts, q, min(ratios), max(ratios)))
            for x, y in zip(sa, sb):
                worst = max(worst, abs(x - y) / max(y, 1e-9))
    check_eq(bad_counts, [], "%s: COUNT of each wildcard query as Xapian's merge has it" % stage)
    check_eq(bad_ids, [], "%s: the same hits in the same order, four page shapes" % stage)
    check_eq(bad_ratio, [], "%s: scores in one ratio to Xapian's within a page" % stage)
    if same_idf:
        check(worst < 0.01, "%s: scores within 1%% of Xapian's merge" % stage, worst)
    truth = sum(1 for r in rows[:n_indexed] if any(w.startswith("qar") for w in
                                                   (r["title"] + " " + r["text"]).lower().split()))
    check_eq(a.ask("COUNT qar*")[0], "OK COUNT %d" % truth, "%s: COUNT qar* is the generated text's" % stage)
    truth = sum(1 for r in rows[:n_indexed] if "ploshtun" in r["text"])
    got = hit_ids(a.ask("SEARCH snippet=0 limit=100 -- plosh*"))
    check_eq(len(got), truth, "%s: a rare prefix finds every article that has it" % stage)
    pages = []
    for offset in range(0, 100, 20):
        pages += hit_ids(a.ask("SEARCH snippet=0 offset=%d limit=20 -- qar* OR crane" % offset))
    check_eq(pages, hit_ids(a.ask("SEARCH snippet=0 limit=100 -- qar* OR crane")),
             "%s: pages of 20 are slices of one order" % stage)
    a.close()
    b.close()
    check_eq(ours.stop(), 0, "%s: leded exits 0" % stage)
    xapians.stop()


n_indexed = 18000
build_index(index, first)
check_eq(len(databases()), 1, "a full build: one database")
compare("one database", True)

# Two databases behind one stub, as a full build in progress leaves them:
# the second 4,000 articles indexed apart, and both moved under one stub.
n_indexed = 22000
index_b = scratch.join("idx_b")
build_index(index_b, second)
(name_a,), (name_b,) = databases(), databases_of(index_b)
os.rename(os.path.join(index_b, name_b), os.path.join(index, "db.900"))
with open(os.path.join(index, "XAPIANDB.new"), "w") as f:
    f.write("auto %s\nauto db.900\n" % name_a)
os.rename(os.path.join(index, "XAPIANDB.new"), os.path.join(index, "XAPIANDB"))
check_eq(len(databases()), 2, "the stub lists two databases")
compare("two databases", False)

# --max-wildcard counts the words of all a query's wildcards together
# (qar* has five, blen* three, tovi* two, plosh* one), a word* of the
# default field once, though it is looked for in three fields.
for env in ({}, {"LEDE_XAPIAN_WILDCARDS": "1"}):
    how = "Xapian's merge" if env else "WildcardSource"
    d = Daemon(index, "--max-wildcard", "4", env=env)
    c = d.connect()
    r = c.ask("SEARCH qar*")
    check(r[0].startswith("ERR LIMIT") and "qar*" in r[0] and "together" not in r[0],
          "%s: five words past --max-wildcard 4: ERR LIMIT naming the prefix" % how, r[0])
    for q in ("blen*", "tovi* OR plosh*", "tovi* plosh* crane", "title:qarv*"):
        check(c.ask("SEARCH " + q)[0].startswith("OK"), "%s: %s, four words or fewer: answered" % (how, q))
    for q in ("blen* OR blen*", "blen* tovi*", "crane NOT blen* NOT tovi*", "blen* XOR tovi*"):
        r = c.ask("SEARCH " + q)
        check(r[0].startswith("ERR LIMIT") and "together" in r[0],
              "%s: %s, five words or more together: ERR LIMIT for the whole query" % (how, q), r[0])
    c.close()
    d.stop()

# The rest reads snippets, so it runs on one index built whole: the two
# databases above were built apart, each with its own compression
# dictionary, which only the first one's decodes (a sharded index shares
# one: docs/SCALE.md).
index = scratch.join("idx_whole")
build_index(index, first)

# Regression: a wildcard that matches no word cost nothing from the budget,
# yet each made a WildcardSource with its 33 KiB window (a line of 10,500
# took leded to 371 MB); now each counts one word, and one that matches
# nothing is nothing to Xapian.
d = Daemon(index)
c = d.connect()
none = " OR ".join("zq%d*" % i for i in range(1001))
r = c.ask("SEARCH " + none)
check(r[0].startswith("ERR LIMIT") and "together" in r[0], "1,001 wildcards matching no word: ERR LIMIT", r[0])
r = c.ask("SEARCH snippet=0 limit=5 -- crane zq1*")
check("retried=any" in r[0] and hit_ids(r) == hit_ids(c.ask("SEARCH snippet=0 limit=5 -- crane")),
      "a word AND a wildcard matching nothing: none, so retried as any: the word's hits", r[0])
check_eq(hit_ids(c.ask("SEARCH snippet=0 limit=5 -- crane OR zq1* OR zq2*")),
         hit_ids(c.ask("SEARCH snippet=0 limit=5 -- crane")), "a word OR wildcards matching nothing: the word's hits")
# Highlighting expands each prefix's words once, within a bound for them all.
r = c.ask("SEARCH limit=3 snippet=60 hl=[,] -- crane OR " + " OR ".join("title:zq%d*" % i for i in range(300)))
check(r[0].startswith("OK") and "[crane]" in "".join(r).lower(), "snippets beside 300 headline wildcards: words still marked", r[:2])
r = c.ask("SEARCH limit=3 snippet=60 hl=[,] -- qar* crane")
check("[qar" in "".join(r).lower(), "a prefix's words are marked in snippets", r[:2])
c.close()
d.stop()
finish()
