"""test_dups -- near-duplicate groups, collapse=dup and SIMILAR (issue 17).

A made-up collection first (no shared data needed): articles of random
made-up words, some copied exactly or with a word changed, some not alike;
a full build groups them, collapse=dup shows one hit a group with the
size of the rest, SIMILAR leaves out the article and its group (or flags
the group with dups=show), live ADDs join groups, and the errors.

Then Reuters-21578 (../shared, skipped when absent): every set of articles
with the same title and text falls in one group; in the groups found, any
two articles' texts resemble each other (Jaccard of 4-word shingles,
computed here from the JSON) at least 2t - 1 less a margin, t the
threshold, and some member (the leader) resembles every other at least t
by the MinHash estimate, computed here as duplicates.cc documents it;
collapsed searches account for every match once; similar=N equals the
group's matches; SIMILAR's first hits share a topic with their article
far more often than random articles do."""
import collections
import gzip
import json
import os
import random
import re
import subprocess

from dupdata import made_up
from ledetest import INDEXER, ROOT, Daemon, Scratch, build_index, check, check_eq, finish, write_jsonl

SHARED = os.environ.get("LEDE_SHARED") or os.path.join(ROOT, "..", "shared")
REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")

# duplicates.cc's scheme, for the estimates computed here.
SHINGLE, HASHES, MIN_EQUAL = 4, 64, 45
THRESHOLD = MIN_EQUAL / HASHES
MARGIN = 0.15  # three standard deviations of a 64-hash estimate near t
M64 = (1 << 64) - 1


def fmix(h):
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M64
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & M64
    return h ^ (h >> 33)


def lede_hash(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & M64
    return fmix(h)


def words_of(article):
    text = "\n".join(article.get(k) or "" for k in ("title", "lede", "text"))
    return re.findall(r"\w+", text.lower())


def shingles(article):
    w = words_of(article)
    if len(w) < SHINGLE:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i:i + SHINGLE]) for i in range(len(w) - SHINGLE + 1)}


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 1.0


def signature(article):
    hashes = [lede_hash(s.encode()) for s in shingles(article)]
    return [min(fmix(h ^ (((k + 1) * 0x9E3779B97F4A7C15) & M64)) for h in hashes) & 0xff
            for k in range(HASHES)]


def estimate(sa, sb):
    return sum(x == y for x, y in zip(sa, sb)) / HASHES


def hits(reply):
    """(id, {key: value} of the fields after the snippet) of each HIT."""
    out = []
    for line in reply:
        if line.startswith("HIT\t"):
            f = line.split("\t")
            out.append((f[2], dict(kv.split("=", 1) for kv in f[7:])))
    return out


def total(reply):
    return int(re.search(r" total=(\d+)", reply[0]).group(1))


scratch = Scratch()

# ---- a made-up collection ---------------------------------------------------
rows, GROUPS, variant = made_up()
DESKS = ["Sport", "sport", "Money", "World", None]  # a filter folds case; a collapse does not
for n, row in enumerate(rows):
    if DESKS[n % 5]:
        row["desk"] = DESKS[n % 5]
base = {r["id"]: r for r in rows}
group_of = {m: g for g in GROUPS for m in g}
index = scratch.join("idx")
build_index(index, write_jsonl(scratch.join("made.jsonl"), rows))


def info_groups(path):
    out = subprocess.run([INDEXER, "--index", path, "--info"], stdout=subprocess.PIPE, text=True).stdout
    m = re.search(r"near-duplicate groups: (\d+) \((\d+) articles, the largest (\d+)\)", out)
    return tuple(int(x) for x in m.groups()) if m else out


check_eq(info_groups(index), (2, 6, 3), "--info: 2 groups of 6 articles, the largest 3")
d = Daemon(index, "--ingest-token", scratch.token_file("s3cret-token"))
c = d.connect()

every = c.ask("SEARCH exact=1 limit=100 snippet=0 -- zebra")
check_eq(total(every), len(rows), "zebra matches every article")
r = c.ask("SEARCH collapse=dup exact=1 limit=100 snippet=0 -- zebra")
shown = hits(r)
check_eq(total(r), len(rows) - sum(len(g) - 1 for g in GROUPS), "collapse=dup: one result a group")
check_eq(len(shown), total(r), "every collapsed result on the page")
for g in GROUPS:
    mine = [(i, f) for i, f in shown if i in g]
    check_eq(len(mine), 1, "one hit of the group %s" % sorted(g))
    check_eq(mine[0][1].get("similar"), str(len(g) - 1), "its similar= counts the others")
check("a03-far" in [i for i, _ in shown] and "a03" in [i for i, _ in shown],
      "an article with half its words changed is no near-duplicate")
check(all(f.get("similar") == "0" for i, f in shown if i not in group_of), "ungrouped articles: similar=0")
r = c.ask("COUNT collapse=dup -- zebra")
check_eq(r[0], "OK COUNT %d" % (len(rows) - 4), "COUNT collapse=dup")
r = c.ask("SEARCH collapse=dup exact=1 snippet=0 -- %s" % base["a01"]["title"].split()[0])
check(any(f.get("similar") == "2" for i, f in hits(r) if i in GROUPS[0]), "similar=N over another query", r)

# collapse=FIELD: one hit per value as written (the slot's: "Sport" and
# "sport" apart), articles without one each alone; similar= counts the
# rest of the value's matches.
r = c.ask("SEARCH collapse=desk exact=1 limit=100 snippet=0 -- zebra")
desk_of = {row["id"]: row.get("desk") or "" for row in rows}
want = len({v for v in desk_of.values() if v}) + sum(1 for v in desk_of.values() if not v)
check_eq(total(r), want, "collapse=desk: one result per desk, undesked articles apart")
shown = hits(r)
check_eq(sorted(desk_of[i] for i, _ in shown if desk_of[i]), ["Money", "Sport", "World", "sport"], "one hit per desk")
check_eq(int(c.ask("COUNT -- desk:sport")[0].split()[-1]), sum(1 for v in desk_of.values() if v.lower() == "sport"),
         "the filter desk:sport folds case")
check(all(int(f["similar"]) == sum(1 for v in desk_of.values() if v == desk_of[i]) - 1 for i, f in shown if desk_of[i]),
      "similar= counts the desk's other matches", shown[:3])
r = c.ask("SEARCH collapse=nosuch -- zebra")
check(r[0].startswith("ERR SYNTAX") and "desk" in r[0] and "dup" in r[0],
      "collapse= on an unknown field names the fields and dup", r[0])

# SIMILAR: not the article, not its group; dups=show flags the group.
r = c.ask("SIMILAR a01 limit=20 snippet=0")
check(r[0].startswith("OK SIMILAR"), "SIMILAR answers", r[0])
ids = [i for i, _ in hits(r)]
check("a01" not in ids and not (GROUPS[0] & set(ids)), "SIMILAR leaves out the article and its group", ids)
r = c.ask("SIMILAR a01 dups=show limit=20 snippet=0")
flagged = {i for i, f in hits(r) if f.get("dup") == "1"}
check_eq(flagged, GROUPS[0] - {"a01"}, "dups=show: the group's others, flagged dup=1, first")
check_eq({i for i, _ in hits(r)[:2]}, flagged, "the group ranks first")
r = c.ask("SIMILAR a03 limit=5 snippet=0")
check(hits(r) and hits(r)[0][0] == "a03-far", "SIMILAR finds the half-changed copy first", r[:3])
word = next(w for w in base["a03"]["text"].split()[1:]
            if int(c.ask("COUNT -- " + w)[0].split()[-1]) >= 3)  # a03 and two others at least
r = c.ask("SIMILAR a03 limit=50 snippet=0 -- %s" % word)
matching = {i for i, _ in hits(c.ask("SEARCH limit=100 snippet=0 -- %s" % word))}
check(hits(r) and {i for i, _ in hits(r)} <= matching - {"a03"},
      "SIMILAR -- QUERY keeps only the articles matching it", r[:3])

# Errors.
check(c.ask("SIMILAR nosuch")[0].startswith("ERR NOTFOUND"), "SIMILAR of an unknown id: ERR NOTFOUND")
check(c.ask("SIMILAR")[0].startswith("ERR SYNTAX"), "SIMILAR without an id: ERR SYNTAX")
r = c.ask("SIMILAR a01 words here")
check(r[0].startswith("ERR SYNTAX") and "'--'" in r[0], "SIMILAR with words but no '--': ERR SYNTAX", r[0])
check(c.ask("SEARCH collapse= -- zebra")[0].startswith("ERR SYNTAX"), "collapse= empty: ERR SYNTAX")
check(c.ask("SEARCH dups=show -- zebra")[0].startswith("ERR SYNTAX"), "dups= is SIMILAR's only")
check(c.ask("SIMILAR a01 dups=maybe")[0].startswith("ERR SYNTAX"), "dups=maybe: ERR SYNTAX")

# JSON.
c.ask("FORMAT json")
j = c.ask("SEARCH collapse=dup exact=1 limit=100 snippet=0 -- zebra")
check(all("similar" in h for h in j["hits"]) and sum(h["similar"] for h in j["hits"]) == 4,
      "JSON: each hit's similar", j.get("hits", [])[:1])
j = c.ask("SIMILAR a02 dups=show limit=10 snippet=0")
check_eq(j.get("cmd"), "similar", "JSON: cmd similar")
check_eq({h["id"] for h in j["hits"] if h["dup"]}, GROUPS[1] - {"a02"}, "JSON: dup flags")
j = c.ask("SIMILAR nosuch")
check_eq((j.get("ok"), j.get("error")), (False, "NOTFOUND"), "JSON: unknown id")
c.ask("FORMAT text")

# Live: an ADDed copy joins the group, one of an ungrouped article makes one.
check_eq(c.ask("AUTH s3cret-token")[0], "OK AUTH", "AUTH")
live = dict(variant("a01", "a01-live", 1))
check(c.ask("ADD " + json.dumps(live))[0].startswith("OK ADDED"), "ADD a near-copy of a01")
live2 = dict(variant("a05", "a05-live", 0))
check(c.ask("ADD " + json.dumps(live2))[0].startswith("OK ADDED"), "ADD a copy of a05")
check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "COMMIT")
r = c.ask("SEARCH collapse=dup exact=1 limit=100 snippet=0 -- zebra")
sim = {i: f.get("similar") for i, f in hits(r)}
check_eq(total(r), len(rows) + 2 - 6, "live: the copies joined groups (collapsed total)")
check_eq(sorted(v for i, v in sim.items() if v != "0"), ["1", "2", "3"], "live: group sizes 4, 3 and 2")
r = c.ask("SIMILAR a05 dups=show limit=5 snippet=0")
check_eq([i for i, f in hits(r) if f.get("dup") == "1"], ["a05-live"], "live: a05's copy is its near-duplicate")
c.close()
check_eq(d.stop(), 0, "leded exits 0")

# A compaction regroups from scratch: the same groups.
check_eq(subprocess.run([INDEXER, "-q", "--index", index, "--compact"]).returncode, 0, "--compact")
d = Daemon(index)
c = d.connect()
r = c.ask("SEARCH collapse=dup exact=1 limit=100 snippet=0 -- zebra")
check_eq(sorted(f.get("similar") for i, f in hits(r) if f.get("similar") != "0"), ["1", "2", "3"],
         "after --compact: the same groups")
check_eq(info_groups(index), (3, 9, 4), "--info after --compact: 3 groups of 9 articles")
c.close()
d.stop()

# ---- Reuters --------------------------------------------------------------
if not os.path.exists(REUTERS):
    print("ok - # SKIP the Reuters near-duplicates: needs %s (LEDE_SHARED)" % REUTERS)
    finish()

with gzip.open(REUTERS, "rt") as f:
    arts = [json.loads(line) for line in f]
by_id = {a["id"]: a for a in arts}
rindex = scratch.join("reuters")
build_index(rindex, REUTERS)
d = Daemon(rindex)
c = d.connect()


def similar_ids(art_id, extra=""):
    return hits(c.ask("SIMILAR %s dups=show limit=100 snippet=0%s" % (art_id, extra)))


# Every set of exact duplicates (same title and text) is in one group: a
# member's SIMILAR shows every other one flagged dup=1 (identical texts
# rank first).
sets = {}
for a in arts:
    if (a.get("text") or "").strip():
        sets.setdefault((a.get("title") or "", a["text"]), []).append(a["id"])
dup_sets = [ids for ids in sets.values() if len(ids) > 1]
split = []
for ids in dup_sets:
    flagged = {i for i, f in similar_ids(ids[0]) if f.get("dup") == "1"}
    if not set(ids[1:]) <= flagged:
        split.append(ids)
check(dup_sets, "Reuters has sets of exact duplicates (%d)" % len(dup_sets))
check_eq(split[:5], [], "every exact-duplicate set of Reuters is in one group (%d sets)" % len(dup_sets))

# Groups found through collapse: members resemble each other and a leader.
queries = ["oil", "grain", "dividend", "coffee", "tonnes", "bank", "trade", "gold", "shr", "loss"]
groups = {}
worst_pair, no_leader, accounted, miscounted = 1.0, [], [], []
for q in queries:
    uncollapsed = int(c.ask("COUNT -- " + q)[0].split()[-1])
    seen, sum_similar, offset = [], 0, 0
    while True:
        r = c.ask("SEARCH collapse=dup exact=1 limit=100 offset=%d snippet=0 -- %s" % (offset, q))
        page = hits(r)
        seen += page
        sum_similar += sum(int(f["similar"]) for _, f in page)
        offset += 100
        if offset >= total(r):
            break
    accounted.append((q, uncollapsed, len(seen) + sum_similar))
    for i, f in seen[:300]:
        if f["similar"] == "0" or i in groups:
            continue
        members = {i} | {m for m, g in similar_ids(i) if g.get("dup") == "1"}
        in_query = {m for m, g in similar_ids(i, " -- " + q) if g.get("dup") == "1"}
        if len(in_query) != int(f["similar"]):
            miscounted.append((q, i, f["similar"], len(in_query)))
        for m in members:
            groups[m] = members
check(all(u == s for _, u, s in accounted), "collapsed: every match shown or counted in one similar=N",
      [x for x in accounted if x[1] != x[2]])
check_eq(miscounted[:5], [], "similar=N equals the group's other matches of the query (SIMILAR dups=show)")
distinct = {frozenset(g) for g in groups.values()}
sigs = {}
for g in distinct:
    sh = {m: shingles(by_id[m]) for m in g}
    for m in g:
        sigs[m] = signature(by_id[m])
    ms = sorted(g)
    for x in range(len(ms)):
        for y in range(x + 1, len(ms)):
            worst_pair = min(worst_pair, jaccard(sh[ms[x]], sh[ms[y]]))
    if not any(all(estimate(sigs[l], sigs[m]) >= THRESHOLD for m in g if m != l) for l in g):
        no_leader.append(ms)
check(len(distinct) >= 20, "groups found through the queries (%d)" % len(distinct))
check(worst_pair >= 2 * THRESHOLD - 1 - MARGIN,
      "any two articles of a group resemble each other >= 2t-1-margin (worst %.3f)" % worst_pair)
check_eq(no_leader[:3], [], "each group has a leader every other member resembles >= t (estimated)")

# collapse=topics against the JSON: one result per combination of topics
# (the slot holds them joined), each article without topics alone.
for q in ("coffee", "grain", "yen"):
    ids, offset = [], 0
    while True:
        r = c.ask("SEARCH exact=1 limit=100 offset=%d snippet=0 -- %s" % (offset, q))
        ids += [i for i, _ in hits(r)]
        offset += 100
        if offset >= total(r):
            break
    combos = [frozenset(t.lower() for t in (by_id[i].get("topics") or [])) for i in ids]
    want = len({x for x in combos if x}) + sum(1 for x in combos if not x)
    r = c.ask("SEARCH collapse=topics exact=1 limit=100 snippet=0 -- %s" % q)
    page = hits(r)
    check_eq(total(r), want, "collapse=topics on '%s': one result per combination of topics" % q)
    sizes = collections.Counter(combos)
    check(all(int(f["similar"]) == (sizes[frozenset(t.lower() for t in by_id[i].get("topics") or [])] - 1
                                    if by_id[i].get("topics") else 0) for i, f in page),
          "collapse=topics on '%s': similar= is the combination's other matches" % q)

# SIMILAR relates articles: its first hits share a topic far more often
# than random articles do.
rs = random.Random(5)
topical = [a for a in arts if a.get("topics")]
sample = rs.sample(topical, 60)
share = tries = 0
for a in sample:
    for i, _ in hits(c.ask("SIMILAR %s limit=5 snippet=0" % a["id"])):
        tries += 1
        share += bool(set(a["topics"]) & set(by_id[i].get("topics") or []))
chance = sum(bool(set(a["topics"]) & set(rs.choice(arts).get("topics") or [])) for a in sample for _ in range(5))
check(tries > 0 and share / tries >= 3 * max(chance, 1) / (len(sample) * 5),
      "SIMILAR's hits share a topic %d/%d times, random articles %d/%d" % (share, tries, chance, len(sample) * 5))
check(all(i != a["id"] for a in sample[:10] for i, _ in hits(c.ask("SIMILAR %s limit=10 snippet=0" % a["id"]))),
      "SIMILAR never shows its own article")
c.close()
check_eq(d.stop(), 0, "leded exits 0 (Reuters)")
finish()
