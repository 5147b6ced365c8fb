"""test_same_answers -- issue 22's "same answers" check at a small size: a
recombined collection (corpus/scale.py, 30,000 articles from Reuters) built
two ways must answer 200 queries of the benchmark mix (bench/make_queries.py)
with the same ids in the same order and the same exact counts.  The two
ways are the default build with `--pair-words 1024` (parts written in parallel
by the bulk writer, then merged) and `--writer xapian --threads 1` without it
(one writer, Xapian's API, the common words' pairs alone); the large
comparison is bench-scale's.
A build with `--pair-min 1000` (pairs chosen by their words' shares)
against the one without pair words, and read both ways.
Then the default build read two ways: with the pair terms of its pair words
(docs/FORMATS.md, "lede.pair_words", a wider set than its common words), and
as an index made before them reads (LEDE_PAIRS_COMMON_ONLY: the common words'
pair terms alone, positions for the other phrases), and with its tie
runs sorted by a second match (LEDE_TIES_REMATCH) instead of from the
matches the first gathered; and every query's match split over two
halves of the document ids (LEDE_SPLIT=always) against none; and phrases
of common words ranked by field_first.cc's plan against the whole match.
Needs ../shared (Reuters); else a SKIP line says so."""
# tests/run: long -- minutes of CPU in make test: started before the short tests.
import os
import subprocess
import sys

from ledetest import (INDEXER, ROOT, SHARED, Daemon, Scratch, check, check_eq, finish, index_info,
                      status_field)

REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
ARTICLES = 30000
QUERIES = 200

if not os.path.exists(REUTERS):
    print("ok - # SKIP same answers of two builds: %s is absent" % REUTERS)
    finish()

if os.environ.get("LEDE_TEST_QUICK"):
    print("ok - # SKIP same answers of two builds: left out of the sanitizer run (LEDE_TEST_QUICK); "
          "make test runs it")
    finish()

scratch = Scratch()
source = scratch.join("scaled.jsonl")
with open(source, "w") as out:
    subprocess.run([sys.executable, os.path.join(ROOT, "corpus", "scale.py"), REUTERS, str(ARTICLES), "42"],
                   stdout=out, check=True)
queries = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_queries.py"), REUTERS,
                          str(QUERIES), "7"], stdout=subprocess.PIPE, text=True, check=True).stdout.splitlines()
check_eq(len(queries), QUERIES, "%d queries of the benchmark mix" % QUERIES)


def build(name, *options):
    """An index of the scaled collection, built with options."""
    index = scratch.join(name + ".idx")
    r = subprocess.run([INDEXER, "-q", "--index", index, *options, source], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    check(r.returncode == 0, "lede-index %s: built" % " ".join(options or ("(default)",)), r.stderr[-300:])
    return index


def replies(index, options, keep, env=None):
    """What keep(reply, ids) makes of each query's reply to SEARCH with
    options (its first page's ids in order beside it)."""
    d = Daemon(index, env=env)
    c = d.connect()
    got = []
    for q in queries:
        r = c.ask("SEARCH %s snippet=0 -- %s" % (options, q))
        got.append(keep(r, [l.split("\t")[2] for l in r[1:] if l.startswith("HIT\t")]))
    c.close()
    check_eq(d.stop(), 0, "leded on %s stops cleanly" % os.path.basename(index))
    return got


def answers(index, env=None):
    """Each query's exact total and its first 20 ids, in order."""
    return replies(index, "limit=20 exact=1", lambda r, ids: (r[0].split()[0], status_field(r, "total"), ids),
                   env)


def same_answers(what, base, other):
    check_eq(index_info(other)["articles"], index_info(base)["articles"], what + ": as many articles")
    a, b = answers(base), answers(other)
    differ = [(q, x, y) for q, x, y in zip(queries, a, b) if x != y]
    check(not differ, what + ": every query gives the same ids, order and exact count",
          "%d differ, first: %r" % (len(differ), differ[:1]))
    check(sum(1 for x in a if x[0] == "OK" and int(x[1]) > 0) > QUERIES // 2,
          what + ": most queries find something (the comparison says something)")


default = build("default", "--pair-words", "1024")
check_eq(int(index_info(default)["articles"]), ARTICLES, "the default build holds every article")
# The default build writes its parts by issue 20's bulk writer, in
# parallel; the other goes through Xapian's API with one writer.
api = build("one-api-writer", "--writer", "xapian", "--threads", "1")
same_answers("--writer xapian --threads 1 against the default build", default, api)
check("pair words" not in index_info(api),
      "a build without --pair-words pairs its common words alone (no pair words in --info)")


# Issue 22: phrases of the pair words read their pair terms; an index made
# before "lede.pair_words" reads the common words' alone.
info = index_info(default)
common = len(info.get("common words", "").split())
check(int(info.get("pair words", "0")) > common > 0,
      "the default build has more pair words than common words (%s against %d)"
      % (info.get("pair words"), common))
wide, narrow = answers(default), answers(default, env={"LEDE_PAIRS_COMMON_ONLY": "1"})
phrases = [q for q in queries if q.startswith('"')]
differ = [(q, x, y) for q, x, y in zip(queries, wide, narrow) if x != y]
check(not differ, "the pair words' pair terms against positions: every query gives the same ids, "
      "order and exact count (%d phrases among them)" % len(phrases),
      "%d differ, first: %r" % (len(differ), differ[:1]))
check(len(phrases) >= 10, "the mix has phrases to compare (%d)" % len(phrases))


# Issue 22: pairs chosen by what they save (--pair-min, "lede.pair_words"
# by shares): the same answers as the build of the common words' pairs
# alone, and as itself read with those alone (positions for the rest).
by_cost = build("pair-min", "--pair-min", "1000")
info = index_info(by_cost)
check("by shares, min=1000" in info.get("pair words", ""),
      "--pair-min 1000: pair words by shares in --info (%s)" % info.get("pair words"))
same_answers("--pair-min 1000 against the common words' pairs alone", api, by_cost)
narrow = answers(by_cost, env={"LEDE_PAIRS_COMMON_ONLY": "1"})
differ = [(q, x, y) for q, x, y in zip(queries, answers(by_cost), narrow) if x != y]
check(not differ, "--pair-min 1000, its pair terms against positions: every query gives the same ids, "
      "order and exact count", "%d differ, first: %r" % (len(differ), differ[:1]))


# Issue 22: a page whose last score ties past its fetch is sorted from the
# tie run its first match gathered (src/engine/tie_run.cc), not by a second
# match of every candidate under a weight cutoff (LEDE_TIES_REMATCH): the
# recombined collection's template articles tie often, phrases among them.
# Ranked (not exact) too: there the matcher raises its weight floor after
# 1,000 matches, and the tie run gathered must still hold every match
# scoring as much as the page's end.
def page_of(r, ids):
    return (r[0].split()[0], ids, status_field(r, "total"))


for what, options, keep, base in (("exact", "limit=20 exact=1", None, wide), ("ranked", "limit=10", page_of, None)):
    env = {"LEDE_TIES_REMATCH": "1"}
    first = base if base is not None else replies(default, options, keep)
    second = answers(default, env=env) if keep is None else replies(default, options, keep, env)
    differ = [(q, x, y) for q, x, y in zip(queries, first, second) if x != y]
    check(not differ, "tie runs from the first match against a second match, %s: every query gives the "
          "same ids, order and total" % what, "%d differ, first: %r" % (len(differ), differ[:1]))


# Issue 22: tier runs (src/engine/tiers.cc) rank a query of common words
# from the articles holding their tier terms, when no other article can
# reach the page; the page must be the whole match's.  Read without tier
# runs (LEDE_TIERS_OFF) and with one tried for every query whatever its
# postings (LEDE_TIERS_ALWAYS: 30,000 articles are below the floor that
# keeps small queries whole).
def ranked(index, env):
    """Each query's first 20 ids, in order, whether its total is exact (and
    then the total), and whether it was ranked from the tiers."""
    def keep(r, ids):
        exact = status_field(r, "exact") == "1"
        return (r[0].split()[0], ids, exact and status_field(r, "total"), " tiered=1" in r[0])
    return replies(index, "limit=20", keep, env)


check(index_info(default).get("tier words"), "the default build has tier words (%s)"
      % index_info(default).get("tier words"))
check(int(index_info(default).get("tier words", 0)) > common,
      "its tier words are more than its %d common words (the words in 1%% of the sample: %s)"
      % (common, index_info(default).get("tier words")))
whole, tiered = ranked(default, {"LEDE_TIERS_OFF": "1"}), ranked(default, {"LEDE_TIERS_ALWAYS": "1"})
differ = [(q, x, y) for q, x, y in zip(queries, whole, tiered)
          if x[:2] != y[:2] or (x[2] and y[2] and x[2] != y[2])]
runs = sum(1 for y in tiered if y[3])
check(not differ, "tier runs against the whole match: every query gives the same ids and order "
      "(and total where both are exact; %d ranked from the tiers)" % runs,
      "%d differ, first: %r" % (len(differ), differ[:1]))
check(not any(x[3] for x in whole), "LEDE_TIERS_OFF ranks nothing from the tiers")
check(runs >= QUERIES // 10, "tier runs answered a tenth of the mix at least (%d of %d)" % (runs, QUERIES))

# A word repeated: Xapian weighs each of its leaves at wqf 1, and so does
# the plan's bound (a bound at the summed wqf was never beaten, and such
# queries ran whole).  The same ids and order with tier runs as without.
mix = queries
queries = ["said said", "mln mln", "pct pct", "said said mln", "year year NOT said", "dlrs dlrs dlrs",
           "shares shares", "net net loss"]
whole, tiered = ranked(default, {"LEDE_TIERS_OFF": "1"}), ranked(default, {"LEDE_TIERS_ALWAYS": "1"})
differ = [(q, x, y) for q, x, y in zip(queries, whole, tiered)
          if x[:2] != y[:2] or (x[2] and y[2] and x[2] != y[2])]
runs = sum(1 for y in tiered if y[3])
check(not differ and all(x[1] for x in whole), "repeated words: every query finds the same ids in the "
      "same order with tier runs as without (%d ranked from the tiers)" % runs,
      "%d differ, first: %r" % (len(differ), differ[:1]))
check(runs >= len(queries) // 2, "repeated words: most are ranked from the tiers (%d of %d)"
      % (runs, len(queries)))

# Phrases of common words (src/engine/field_first.cc): a phrase whose page
# is headline matches is ranked over its headline branch's best articles
# first.  The same ids and order with those runs as without, and some of
# them planned: a phrase of the default field is an OR of its fields'
# phrases, which tiers.cc's plan of the 10% level refuses, so "tiered=1"
# here is the field-first plan's or the narrow tier level's (tiers.cc's
# narrow_tier_plan, XTN terms of a build's own thresholds), which must
# rank some that the field-first plan alone does not.
queries = ['"mln dlrs"', '"of mln dlrs"', '"cts vs"', '"company said"', '"year shr"', '"net loss"',
           '"mln vs"', '"qtr net"', '"dlrs a share"', '"said the"', '"shr loss"', '"oil prices"']
whole, tiered = ranked(default, {"LEDE_TIERS_OFF": "1"}), ranked(default, {"LEDE_TIERS_ALWAYS": "1"})
differ = [(q, x, y) for q, x, y in zip(queries, whole, tiered)
          if x[:2] != y[:2] or (x[2] and y[2] and x[2] != y[2])]
runs = sum(1 for y in tiered if y[3])
check(not differ and all(x[1] for x in whole), "phrases of common words: every query finds the same ids "
      "in the same order with planned runs as without (%d planned)" % runs,
      "%d differ, first: %r" % (len(differ), differ[:1]))
check(runs >= len(queries) // 3, "phrases of common words: a third at least are planned (%d of %d)"
      % (runs, len(queries)))
no_narrow = ranked(default, {"LEDE_TIERS_ALWAYS": "1", "LEDE_TIERS_NO_NARROW": "1"})
narrow_runs = runs - sum(1 for y in no_narrow if y[3])
check(not [q for q, x, y in zip(queries, whole, no_narrow) if x[:2] != y[:2]] and narrow_runs > 0,
      "phrases of common words: the narrow tier level ranks %d more of them, with the same ids and order "
      "as without it" % narrow_runs)
queries = mix


# Issue 22: prefix terms (--prefix-min, "lede.prefixes",
# src/engine/prefix_terms.cc): a wildcard of a prefix word reads one
# posting list whose wdfs are its words' sums.  The same ids, order,
# scores and exact counts as an index without them (written through
# Xapian's API where this one is written by the bulk writer), and as
# itself read from the words (LEDE_WORD_WILDCARDS); the budget's error
# alike.
def scored(index, env=None):
    """Each query's status word, exact total and first 20 (id, score)."""
    def keep(r, ids):
        hits = [tuple(l.split("\t")[2:4]) for l in r[1:] if l.startswith("HIT\t")]
        return (r[0].split()[0], status_field(r, "total"), hits)
    return replies(index, "limit=20 exact=1", keep, env)


by_prefix = build("prefix-min", "--prefix-min", "20000")
check(int(index_info(by_prefix).get("prefix words", "0")) > 20, "--prefix-min 20000: prefix words in --info (%s)"
      % index_info(by_prefix).get("prefix words"))
check("prefix words" not in index_info(api), "a build without --prefix-min has no prefix words")
same_answers("--prefix-min 20000 against the build without prefix terms (the whole mix)", api, by_prefix)
queries = [q for q in mix if "*" in q] + [
    "comp*", "shar*", "mark*", "cont*", "title:comp*", "comp* oil", "comp* OR shar*", "oil NOT comp*",
    "comp* NOT title:comp*", '"comp* agreement"', "compa* stoc* mark*", "c*", "co*", "zzzq*"]
without, with_terms = scored(api), scored(by_prefix)
from_words = scored(by_prefix, {"LEDE_WORD_WILDCARDS": "1"})
for what, other in (("an index without them", without), ("their words (LEDE_WORD_WILDCARDS)", from_words)):
    differ = [(q, x, y) for q, x, y in zip(queries, other, with_terms) if x != y]
    check(not differ, "prefix terms against %s: %d wildcard queries give the same ids, order, scores and "
          "exact counts" % (what, len(queries)), "%d differ, first: %r" % (len(differ), differ[:1]))
check(sum(1 for x in with_terms if x[0] == "OK" and x[2]) > len(queries) // 2,
      "most wildcard queries find something (%d of %d)" % (sum(1 for x in with_terms if x[2]), len(queries)))
check(any(x[0] != "OK" for x in with_terms), "c* is refused by the wildcard budget, as without prefix terms")

# The prefix terms' tiers ("XW<prefix>=T" in "lede.tiers", the boolean
# term XTXW<prefix>: src/engine/tiers.cc): a wildcard of a prefix word,
# alone or ANDed with tier words, takes the tier plan; ranked from the
# tiers or not, read from the prefix terms or the words, the same ids,
# order and scores (and exact totals where both are exact).
def ranked_scores(index, env):
    """Each query's status word, first 20 (id, score), exact total, and
    whether it was ranked from the tiers."""
    def keep(r, ids):
        hits = [tuple(l.split("\t")[2:4]) for l in r[1:] if l.startswith("HIT\t")]
        exact = status_field(r, "exact") == "1"
        return (r[0].split()[0], hits, exact and status_field(r, "total"), " tiered=1" in r[0])
    return replies(index, "limit=20", keep, env)


check(int(index_info(by_prefix).get("prefix tiers", "0")) > 20, "--prefix-min 20000: prefix tiers in --info (%s)"
      % index_info(by_prefix).get("prefix tiers"))
queries = [q for q in mix if "*" in q] + [
    "comp*", "shar*", "comp* said", "comp* NOT said", "comp* said mln", "title:comp*", "title:comp* said",
    "comp* shar*"]
whole = ranked_scores(by_prefix, {"LEDE_TIERS_OFF": "1"})
for what, env in (("prefix terms", {}), ("words (LEDE_WORD_WILDCARDS)", {"LEDE_WORD_WILDCARDS": "1"})):
    tiered = ranked_scores(by_prefix, dict(env, LEDE_TIERS_ALWAYS="1"))
    differ = [(q, x, y) for q, x, y in zip(queries, whole, tiered)
              if x[:2] != y[:2] or (x[2] and y[2] and x[2] != y[2])]
    runs = sum(1 for y in tiered if y[3])
    check(not differ, "prefix tiers, read from the %s: %d wildcard queries give the same ids, order and scores "
          "with tier runs as without (%d ranked from the tiers)" % (what, len(queries), runs),
          "%d differ, first: %r" % (len(differ), differ[:1]))
    check(runs >= 5, "prefix tiers: wildcard queries are ranked from the tiers (%d of %d)" % (runs, len(queries)))
queries = mix

# Issue 22: a match split over the two halves of the document ids
# (src/engine/split.cc: two matches, on two cores when one is idle, their
# tops merged) forced for every query (LEDE_SPLIT=always), against none
# (LEDE_SPLIT=off): the same ids, order, scores and exact counts, exact=1
# and not (without tier runs, so that every query takes the whole match).
for name, index in (("the default build", default), ("--prefix-min 20000", by_prefix)):
    off, split = scored(index, {"LEDE_SPLIT": "off"}), scored(index, {"LEDE_SPLIT": "always"})
    differ = [(q, x, y) for q, x, y in zip(queries, off, split) if x != y]
    check(not differ, "split matches, %s: the mix's ids, order, scores and exact counts as unsplit" % name,
          "%d differ, first: %r" % (len(differ), differ[:1]))
    env = {"LEDE_TIERS_OFF": "1"}
    off = ranked_scores(index, dict(env, LEDE_SPLIT="off"))
    split = ranked_scores(index, dict(env, LEDE_SPLIT="always"))
    differ = [(q, x, y) for q, x, y in zip(queries, off, split)
              if x[:2] != y[:2] or (x[2] and y[2] and x[2] != y[2])]
    check(not differ, "split matches, %s: the mix's ids, order and scores as unsplit (limit=20)" % name,
          "%d differ, first: %r" % (len(differ), differ[:1]))

scratch.cleanup()
finish()
