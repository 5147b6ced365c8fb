"""test_facets -- SEARCH facets= (docs/QUERY.md, Facets; docs/PROTOCOL.md):
each facet's values and counts equal brute force computed here from the
JSON source over the query's matches -- keyword fields (multi-valued,
case-folded, shown in their commonest written form), number fields, and
the year/month/day histograms (UTC) -- in text and in JSON, over a
generated collection (always), the same in 3 local shards and behind
xapian-tcpsrv, Reuters' topics and dates and the BBC's sections (with
../shared).  lede's own counter of a local match gives the same facets as
Xapian's ValueCountMatchSpy (LEDE_XAPIAN_FACETS=1), sampled or not.  A facet's count over a filter equals COUNT of the filtered
query; past --facets-exact the facets are flagged estimated and scaled to
the total, and exact=1 makes them exact; live ingest fills the day slot;
mistakes are ERR SYNTAX naming what is wrong; the client shows a table."""
import collections
import datetime
import json
import os
import random
import shutil
import subprocess

from ledetest import (CLIENT, SHARED, TCPSRV, Daemon, Scratch, TcpSrv, build_index, check, check_eq,
                      finish, hit_ids, stats, status_field, unescape, write_jsonl)

scratch = Scratch()
daemons = []
servers = []


def start(index, *args):
    d = Daemon(index, "--max-limit", "100000", *args)
    daemons.append(d)
    return d


# ---- reading replies ----------------------------------------------------------

def facets_of(reply):
    """{name: {kind, values: [(value, count)], distinct, seen, estimated}} of
    a text reply, in the order given."""
    out, cur = collections.OrderedDict(), None
    for line in reply[1:]:
        f = line.split("\t")
        if f[0] == "FACET":
            cur = out[unescape(f[1])] = {"values": []}
            for kv in f[2:]:
                k, v = kv.split("=", 1)
                if k != "values":  # how many VALUE lines follow: their list is "values"
                    cur[k] = v if k == "kind" else int(v)
        elif f[0] == "VALUE":
            cur["values"].append((unescape(f[1]), int(f[2])))
    return out


def facets_of_json(obj):
    out = collections.OrderedDict()
    for name, f in obj.get("facets", {}).items():
        out[name] = {"kind": f["kind"], "distinct": f["distinct"], "seen": f["seen"],
                     "estimated": int(f["estimated"]),
                     "values": [(v["value"], v["count"]) for v in f["values"]]}
    return out


def all_ids(c, query):
    r = c.ask("SEARCH limit=100000 snippet=0 -- " + query)
    check(r[0].startswith("OK"), "answered: " + query, r[0])
    return hit_ids(r)


# ---- brute force ----------------------------------------------------------------

def values_of(row, key):
    v = row.get(key)
    if v is None or isinstance(v, (dict, bool)):
        return []
    return v if isinstance(v, list) else [v]


def keyword_facet(rows, key, top):
    counts, forms = collections.Counter(), collections.defaultdict(collections.Counter)
    for row in rows:
        folded = {}
        for v in values_of(row, key):
            v = str(v).strip()
            if v and v.lower() not in folded:
                folded[v.lower()] = v
        for f, v in folded.items():
            counts[f] += 1
            forms[f][v] += 1
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].encode()))
    shown = [(min(forms[f].items(), key=lambda kv: (-kv[1], kv[0].encode()))[0], n) for f, n in order]
    return {"kind": "keyword", "distinct": len(counts), "values": shown[:top]}


def number_text(x):
    return "%d" % x if float(x).is_integer() else repr(float(x))


def number_facet(rows, key, top):
    counts = collections.Counter(float(v) for row in rows for v in values_of(row, key))
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {"kind": "number", "distinct": len(counts), "values": [(number_text(v), n) for v, n in order][:top]}


def utc(date_text):
    if not date_text:
        return None
    d = datetime.datetime.fromisoformat(date_text.replace("Z", "+00:00"))
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc)


GRAINS = {"year": "%Y", "month": "%Y-%m", "day": "%Y-%m-%d"}


def date_facet(rows, grain, top=1000):
    counts = collections.Counter(utc(r["date"]).strftime(GRAINS[grain]) for r in rows if utc(r.get("date")))
    buckets = sorted(counts.items())
    return {"kind": "date", "distinct": len(counts), "values": buckets[-top:]}


def same_facet(got, want, label):
    g = {k: got.get(k) for k in ("kind", "distinct", "values")} if got else None
    return check_eq(g, want, label)


# ---- a generated collection --------------------------------------------------------

WORDS = ["harbour", "crane", "market", "ferry", "grain", "copper", "tariff", "storm", "vote", "court"]
TOPICS = ["grain", "wheat", "crude", "corn", "ship", "trade"]

def generate(n, seed, prefix):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        text = [rng.choice(WORDS) for _ in range(rng.randint(4, 12))]
        day = datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(
            minutes=rng.randint(0, 3 * 365 * 24 * 60))
        offset = rng.choice([0, 0, 5, -3])  # a local time: the buckets are UTC days
        local = day.astimezone(datetime.timezone(datetime.timedelta(hours=offset)))
        row = {"id": "%s%04d" % (prefix, i), "title": " ".join(rng.choice(WORDS) for _ in range(3)),
               "text": " ".join(text) + ".", "date": local.isoformat()}
        chosen = rng.sample(TOPICS, rng.randint(0, 3))
        row["topics"] = [t.capitalize() if rng.random() < 0.3 else t for t in chosen]
        row["desk"] = rng.choice(["Politics", "Sport", "Business", "politics"])
        row["score"] = rng.randint(1, 12)
        rows.append(row)
    return rows


rows = generate(600, 17, "fc")
# More matches than a search checks (1,000), for the estimated facets.
wide_rows = generate(2400, 23, "fw")
words_of = {r["id"]: set((r["title"] + " " + r["text"]).replace(".", "").split())
            for r in rows + wide_rows}
by_id = {r["id"]: r for r in rows}
# Queries and which rows they match, worked out from the words.
QUERIES = {
    "crane": lambda w: "crane" in w,
    "crane OR storm": lambda w: "crane" in w or "storm" in w,
    "crane -storm": lambda w: "crane" in w and "storm" not in w,
    "ferry court": lambda w: "ferry" in w and "court" in w,
}
FACETS = "topics:20,desk,score:5,year,month,day:7"


def expected(matched):
    return {"topics": keyword_facet(matched, "topics", 20), "desk": keyword_facet(matched, "desk", 10),
            "score": number_facet(matched, "score", 5), "year": date_facet(matched, "year"),
            "month": date_facet(matched, "month"), "day": date_facet(matched, "day", 7)}


def check_generated(d, label):
    c = d.connect()
    for query, pred in QUERIES.items():
        matched = [r for r in rows if pred(words_of[r["id"]])]
        r = c.ask("SEARCH limit=3 snippet=0 facets=%s -- %s" % (FACETS, query))
        got = facets_of(r)
        check_eq(list(got), ["topics", "desk", "score", "year", "month", "day"],
                 "%s %s: the facets in the order asked" % (label, query))
        check_eq(status_field(r, "facets"), "6", "%s %s: the status line says 6 facets" % (label, query))
        check_eq(len(hit_ids(r)), min(3, len(matched)), "%s %s: the page of hits is still there" % (label, query))
        want = expected(matched)
        for name in want:
            same_facet(got.get(name), want[name], "%s %s: facet %s equals brute force" % (label, query, name))
        check(all(f["seen"] == len(matched) and f["estimated"] == 0 for f in got.values()),
              "%s %s: every facet exact, over all %d matches" % (label, query, len(matched)))
        c.ask("FORMAT json")
        j = c.ask("SEARCH limit=3 snippet=0 facets=%s -- %s" % (FACETS, query))
        check_eq(facets_of_json(j), got, "%s %s: the JSON reply holds the same facets" % (label, query))
        c.ask("FORMAT text")
    c.close()


gen = scratch.join("gen.idx")
build_index(gen, write_jsonl(scratch.join("gen.jsonl"), rows))
d = start(gen, "--workers", "1")  # one worker: which of two took the queries would change its reads
check_generated(d, "generated")
c = d.connect()
held = {k: int(v) for k, v in stats(c).items() if k.startswith("facet_")}
check(held["facet_bytes"] > 0 and held["facet_slots_refused"] == 0 and held["facet_full_reads"] >= 4,
      "STATS: the workers hold the facets' slots in memory, read whole once", repr(held))
check_generated(d, "generated, again")
again = {k: int(v) for k, v in stats(c).items() if k.startswith("facet_")}
check_eq(again, held, "STATS: nothing committed, nothing read again")

# Past --facet-memory: the slots are not held, their values are read in
# each search (the old path), the counts the same; STATS says so.
dm = start(gen, "--facet-memory", "1")
check_generated(dm, "--facet-memory 1")
cm = dm.connect()
tight = {k: int(v) for k, v in stats(cm).items() if k.startswith("facet_")}
check(tight["facet_bytes"] == 0 and tight["facet_slots_refused"] >= 4 and tight["facet_full_reads"] == 0,
      "STATS: past --facet-memory no slot held, each refused", repr(tight))
cm.close()
check_eq(dm.stop(), 0, "leded --facet-memory 1 exits 0")

# A facet over a filter is the COUNT of the filtered query.
f = facets_of(c.ask("SEARCH limit=0 facets=topics,desk,year -- crane"))
for name in ("topics", "desk"):
    for value, n in f[name]["values"][:4]:
        got = c.ask('COUNT crane %s:"%s"' % (name, value))
        check_eq(got, ["OK COUNT %d" % n], "COUNT crane %s:%s equals its facet count" % (name, value))
for year, n in f["year"]["values"]:
    got = c.ask("COUNT crane date:%s-01-01..%s-12-31" % (year, year))
    check_eq(got, ["OK COUNT %d" % n], "COUNT crane in %s equals its histogram bucket" % year)

# SEARCH limit=0: the facets without hits; the counts go with the query's
# filters (no relevance): the same facets whatever the page or order.
a = facets_of(c.ask("SEARCH limit=0 facets=%s -- crane" % FACETS))
b = facets_of(c.ask("SEARCH limit=7 offset=5 sort=date facets=%s -- crane" % FACETS))
check_eq(a, b, "the facets do not depend on the page or the order")
check(not hit_ids(c.ask("SEARCH limit=0 facets=year -- crane")), "limit=0: no hits, the facets alone")
none = facets_of(c.ask("SEARCH facets=topics,year -- zzqqx"))
check_eq(none, {"topics": {"values": [], "kind": "keyword", "distinct": 0, "seen": 0, "estimated": 0},
                "year": {"values": [], "kind": "date", "distinct": 0, "seen": 0, "estimated": 0}},
         "no matches: each facet empty, exact")
two = facets_of(c.ask("SEARCH limit=0 facets=topic:2 -- crane"))
check_eq(list(two), ["topics"], "topic finds topics, named as the index names it")
check_eq(two["topics"]["values"], expected([r for r in rows if "crane" in words_of[r["id"]]])["topics"]["values"][:2],
         "topics:2 is the two commonest")

# Mistakes: ERR SYNTAX saying what is wrong; the connection goes on.
MISTAKES = [("SEARCH facets=nosuch crane", "unknown field 'nosuch'; this index has: "),
            ("SEARCH facets=title crane", "facet 'title': an article's text field"),
            ("SEARCH facets=body,year crane", "facet 'body'"),
            ("SEARCH facets=date crane", "counted by year, month or day"),
            ("SEARCH facets=topics:0 crane", "neither a count from 1 to 1000"),
            ("SEARCH facets=topics:month crane", "only a date field"),
            ("SEARCH facets=score:day crane", "only a date field"),
            ("SEARCH facets=year,year crane", "asked for twice"),
            ("SEARCH facets=year:day crane", "takes a count only"),
            ("SEARCH facets= crane", "names no facet"),
            ("SEARCH facets=topics,,year crane", "empty name"),
            ("COUNT facets=year crane", "facets= is a SEARCH option")]
for req, says in MISTAKES:
    got = c.ask(req)
    check(len(got) == 1 and got[0].startswith("ERR SYNTAX") and says in got[0], "%s: %s" % (req, says), got[0])
got = c.ask("SEARCH facets=nosuch crane")[0]
check(all(n in got for n in ("topics", "desk", "score")), "the unknown field's error names the index's fields", got)
c.ask("FORMAT json")
j = c.ask("SEARCH facets=nosuch crane")
check(j.get("ok") is False and j.get("error") == "SYNTAX" and "nosuch" in j.get("message", ""),
      "JSON: the same error as an object", repr(j))
c.ask("FORMAT text")
check(c.ask("COUNT crane")[0].startswith("OK COUNT"), "the connection goes on after the mistakes")
c.close()

# The client: a table after the hits; JSON with --json.
p = subprocess.run([CLIENT, "-c", d.addr, "--facets", "desk,year", "-n", "2", "crane"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
crane = [r for r in rows if "crane" in words_of[r["id"]]]
want_desk = keyword_facet(crane, "desk", 10)["values"]
lines = p.stdout.splitlines()
at = next((i for i, l in enumerate(lines) if l.startswith("desk")), None)
check(p.returncode == 0 and at is not None, "lede --facets: a desk table after the hits", p.stdout[-400:] + p.stderr)
rows_shown = [l.split() for l in lines[at + 1:at + 1 + len(want_desk)]] if at is not None else []
check_eq([(r[0], int(r[1])) for r in rows_shown], want_desk, "lede --facets: the table's values and counts")
p = subprocess.run([CLIENT, "-c", d.addr, "--json", "--facets", "desk", "crane"], stdout=subprocess.PIPE, text=True)
check_eq(facets_of_json(json.loads(p.stdout))["desk"]["values"], want_desk, "lede --json --facets: the facets")
p = subprocess.run([CLIENT, "-c", d.addr, "--count", "--facets", "desk", "crane"], stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
check(p.returncode == 2 and "--facets" in p.stderr, "lede --count --facets: an error, exit 2", p.stderr)

# Past --facets-exact: estimated, flagged, scaled to the total; exact=1 exact.
# Every search checks 1,000 matches at least, which the facets count: the
# wide collection has more.
wide = scratch.join("wide.idx")
build_index(wide, write_jsonl(scratch.join("wide.jsonl"), wide_rows))
de = start(wide, "--facets-exact", "50")
c = de.connect()
for every in ("crane", "crane OR storm"):
    matched = [r for r in wide_rows if QUERIES[every](words_of[r["id"]])]
    check(len(matched) > 1100, "%s: %d matches, more than a search checks" % (every, len(matched)))
    r = c.ask("SEARCH limit=10 snippet=0 facets=year,desk -- " + every)
    f = facets_of(r)
    total = int(status_field(r, "total"))
    check(all(x["estimated"] == 1 and 50 <= x["seen"] < len(matched) for x in f.values()),
          "%s over --facets-exact: flagged estimated, counted over %d of %d" %
          (every, f["year"]["seen"], len(matched)))
    years = sum(n for _, n in f["year"]["values"])
    check(abs(years - total) <= len(f["year"]["values"]),
          "%s: the year buckets are scaled to the total (%d ~ %d)" % (every, years, total))
    for opts in ("limit=10 exact=1", "limit=0"):
        f = facets_of(c.ask("SEARCH snippet=0 %s facets=year,desk -- %s" % (opts, every)))
        check(all(x["estimated"] == 0 and x["seen"] == len(matched) for x in f.values()),
              "%s %s: exact, every match counted" % (every, opts))
        same_facet(f["desk"], keyword_facet(matched, "desk", 10), "%s %s: desk equals brute force" % (every, opts))
        same_facet(f["year"], date_facet(matched, "year"), "%s %s: year equals brute force" % (every, opts))
c.close()

# The request's facets_exact=N moves the threshold for itself; 0 counts all.
de.stop()
de = start(wide)
c = de.connect()
for every in ("crane", "crane OR storm"):
    matched = [r for r in wide_rows if QUERIES[every](words_of[r["id"]])]
    f = facets_of(c.ask("SEARCH limit=10 snippet=0 facets_exact=50 facets=year,desk -- " + every))
    check(all(x["estimated"] == 1 and 50 <= x["seen"] < len(matched) for x in f.values()),
          "%s facets_exact=50: estimated, counted over %d of %d" % (every, f["year"]["seen"], len(matched)))
    f = facets_of(c.ask("SEARCH limit=10 snippet=0 facets_exact=0 facets=year,desk -- " + every))
    check(all(x["estimated"] == 0 and x["seen"] == len(matched) for x in f.values()),
          "%s facets_exact=0: exact, every match counted" % every)
    same_facet(f["desk"], keyword_facet(matched, "desk", 10), "%s facets_exact=0: desk equals brute force" % every)
r = c.ask("SEARCH facets_exact=many facets=year -- crane")
check(r[0].startswith("ERR SYNTAX"), "facets_exact=many: ERR SYNTAX", r[0])
c.close()


def same_as_xapians(ours, index, queries, facets, label):
    """lede's own counter (FacetSpy) against Xapian's ValueCountMatchSpy,
    the one remote shards run (LEDE_XAPIAN_FACETS=1 in a second daemon):
    the same facets over the same candidates, sampled or every match."""
    dx = Daemon(index, "--max-limit", "100000", env={"LEDE_XAPIAN_FACETS": "1"})
    a, b = ours.connect(), dx.connect()
    sampled = 0
    for query in queries:
        for opts in ("limit=10", "limit=10 facets_exact=50", "limit=0", "limit=5 offset=3 sort=date"):
            req = "SEARCH snippet=0 %s facets=%s -- %s" % (opts, facets, query)
            mine, xapians = facets_of(a.ask(req)), facets_of(b.ask(req))
            check_eq(len(mine), facets.count(",") + 1, "%s %s %s: every facet asked" % (label, opts, query))
            check_eq(mine, xapians, "%s %s %s: lede's counter and Xapian's spy agree" % (label, opts, query))
            sampled += any(f["estimated"] for f in mine.values())
    check(sampled > 0, "%s: some of the facets compared were sampled (%d)" % (label, sampled))
    a.close()
    b.close()
    check_eq(dx.stop(), 0, "leded with Xapian's spies exits 0")


same_as_xapians(de, wide, QUERIES, FACETS, "wide")
check_eq(de.stop(), 0, "leded exits 0")

# Sharded: 3 local shards, then the same shards behind xapian-tcpsrv.
sharded = scratch.join("gen-sharded.idx")
build_index(sharded, scratch.join("gen.jsonl"), extra=("--shards", "3"))
ds = start(sharded)
check_generated(ds, "3 shards")
if shutil.which(TCPSRV):
    servers += [TcpSrv(os.path.join(sharded, "shard.%d" % k)) for k in range(3)]
    front = scratch.join("remote-front")
    os.makedirs(front)
    with open(os.path.join(front, "XAPIANDB"), "w") as fh:
        fh.write("auto %s\n" % os.path.join(sharded, "front"))
        fh.write("".join("remote %s\n" % srv.addr() for srv in servers))
    dr = start(front)
    check_generated(dr, "3 shards behind xapian-tcpsrv")
else:
    check(False, "xapian-tcpsrv is installed (Debian's xapian-tools; make deps)")

# Live ingest: an article ADDed with a date falls in its day's bucket.
token = scratch.token_file("facets-token-1234")
live = scratch.join("live.idx")
build_index(live, scratch.join("gen.jsonl"))
# One worker: the reader that counted before the commit counts after it
# (it holds the slots in memory: they must be read again).
dl = start(live, "--ingest-token", token, "--workers", "1")
c = dl.connect()
before = facets_of(c.ask("SEARCH limit=0 facets=day:1,topics -- zephyr"))
c.ask("AUTH facets-token-1234")
c.ask('ADD {"id":"live-1","title":"Zephyr over the harbour","date":"2031-05-06T23:30:00-02:00",'
      '"text":"A zephyr.","topics":["Wind"]}')
c.ask("COMMIT")
after = facets_of(c.ask("SEARCH limit=0 facets=day:1,topics -- zephyr"))
check_eq((before["day"]["values"], after["day"]["values"]), ([], [("2031-05-07", 1)]),
         "an ADDed article's UTC day is counted once committed")
check_eq(after["topics"]["values"], [("Wind", 1)], "and its metadata")
# An article replaced: the same document's values change.
crane = [r for r in rows if "crane" in words_of[r["id"]]]
old = facets_of(c.ask("SEARCH limit=0 facets=topics:20,year -- crane"))
same_facet(old["topics"], keyword_facet(crane, "topics", 20), "live: crane's topics before the replace")
moved = dict(crane[0], topics=["Gale"], date="2040-02-03T00:00:00Z")
c.ask("ADD " + json.dumps(moved))
c.ask("COMMIT")
crane = [moved if r["id"] == moved["id"] else r for r in crane]
new = facets_of(c.ask("SEARCH limit=0 facets=topics:20,year -- crane"))
same_facet(new["topics"], keyword_facet(crane, "topics", 20), "live: crane's topics after one is replaced")
same_facet(new["year"], date_facet(crane, "year"), "live: crane's years after one is replaced")
check(("Gale", 1) in new["topics"]["values"] and ("2040", 1) in new["year"]["values"],
      "live: the replaced article's new topic and year are counted", repr(new))


def facet_figures(conn):
    return {k: int(v) for k, v in stats(conn).items() if k.startswith("facet_")}


def live_same(conn, matched, label):
    got = facets_of(conn.ask("SEARCH limit=0 facets=topics:20,year -- crane"))
    same_facet(got["topics"], keyword_facet(matched, "topics", 20), "live %s: crane's topics" % label)
    same_facet(got["year"], date_facet(matched, "year"), "live %s: crane's years" % label)


# The worker followed those commits without reading its slots again: the
# writer's change log named the replaced article (src/engine/changes.cc).
live_figures = facet_figures(c)
check(live_figures["facet_full_reads"] == 2 and live_figures["facet_updates"] >= 2,
      "live: two slots read whole once, the commits followed in part", repr(live_figures))
# Another replace (topics and date), then a delete: still exact, still in part.
moved2 = dict(crane[1], topics=["Gale", "Squall"], date="2041-01-01T00:00:00Z")
c.ask("ADD " + json.dumps(moved2))
c.ask("DELETE " + crane[2]["id"])
c.ask("COMMIT")
crane = [moved2 if r["id"] == moved2["id"] else r for r in crane if r["id"] != crane[2]["id"]]
live_same(c, crane, "after a replace and a delete")
after = facet_figures(c)
check(after["facet_full_reads"] == live_figures["facet_full_reads"] and
      after["facet_updates"] > live_figures["facet_updates"],
      "live: a replace and a delete followed in part", repr(after))
# A compaction keeps the docids and carries the change log across
# (src/engine/changes.cc): followed in part, not read whole, still exact,
# with a replace and a delete just before it.
moved3 = dict(crane[4], topics=["Squall"])
c.ask("ADD " + json.dumps(moved3))
c.ask("DELETE " + crane[5]["id"])
crane = [moved3 if r["id"] == moved3["id"] else r for r in crane if r["id"] != crane[5]["id"]]
check(c.ask("COMPACT")[0].startswith("OK COMPACTED"), "live: COMPACT")
live_same(c, crane, "after COMPACT")
compacted = facet_figures(c)
check(compacted["facet_full_reads"] == after["facet_full_reads"] and
      compacted["facet_updates"] > after["facet_updates"],
      "live: COMPACT followed in part, no slot read whole", repr(compacted))
c.ask("ADD " + json.dumps(dict(crane[3], topics=["Breeze"])))
c.ask("COMMIT")
crane = [dict(r, topics=["Breeze"]) if r["id"] == crane[3]["id"] else r for r in crane]
live_same(c, crane, "a replace after COMPACT")
check(facet_figures(c)["facet_full_reads"] == after["facet_full_reads"],
      "live: a replace after COMPACT followed in part", repr(facet_figures(c)))
c.close()

# ---- Reuters: topics and dates -----------------------------------------------------
reuters = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
if not os.path.exists(reuters):
    print("ok - # SKIP Reuters part of test_facets: needs the shared collections in %s "
          "(or LEDE_SHARED); CI provides them" % os.path.join(SHARED, "corpus"))
else:
    import gzip
    source = {}
    with gzip.open(reuters, "rt", encoding="utf-8") as fh:
        for line in fh:
            o = json.loads(line)
            source[o["id"]] = o
    ridx = scratch.join("reuters.idx")
    build_index(ridx, reuters)
    dreu = start(ridx)
    c = dreu.connect()
    for query in ["oil", "wheat OR corn", "bank -japan", "shipping", "dlrs", "date:1987-03-01..1987-03-31 trade"]:
        ids = all_ids(c, query)
        matched = [source[i] for i in ids]
        r = c.ask("SEARCH limit=0 facets=topics:1000,year,month,day -- " + query)
        got = facets_of(r)
        check_eq(int(status_field(r, "total")), len(ids), "reuters %s: total is the matches" % query)
        same_facet(got.get("topics"), keyword_facet(matched, "topics", 1000),
                   "reuters %s: topics equal brute force over %d matches" % (query, len(ids)))
        for grain in ("year", "month", "day"):
            same_facet(got.get(grain), date_facet(matched, grain), "reuters %s: %s histogram" % (query, grain))
        check(all(x["estimated"] == 0 and x["seen"] == len(ids) for x in got.values()),
              "reuters %s: exact, every match counted" % query)
        top = facets_of(c.ask("SEARCH limit=0 facets=topics -- " + query))["topics"]["values"]
        check_eq(top, keyword_facet(matched, "topics", 10)["values"], "reuters %s: the default top 10" % query)
        for value, n in top[:3]:
            check_eq(c.ask('COUNT (%s) topics:"%s"' % (query, value)), ["OK COUNT %d" % n],
                     "reuters: COUNT %s topics:%s equals its facet count" % (query, value))
    c.close()
    same_as_xapians(dreu, ridx, ["oil", "wheat OR corn", "bank -japan", "dlrs", "said", "the OR march"],
                    "topics:1000,year,month,day", "reuters")

# ---- BBC: a directory source's folders are sections ---------------------------------
bbc = os.path.join(SHARED, "corpus", "bbc")
if not os.path.isdir(bbc):
    print("ok - # SKIP BBC part of test_facets: needs %s" % bbc)
else:
    bidx = scratch.join("bbc.idx")
    build_index(bidx, bbc)
    c = start(bidx).connect()
    folders = {sec: set(os.listdir(os.path.join(bbc, sec))) for sec in os.listdir(bbc)
               if os.path.isdir(os.path.join(bbc, sec))}
    for query in ["economy", "film OR music", "government -election", "game"]:
        r = c.ask("SEARCH limit=100000 snippet=0 facets=section -- " + query)
        ids = hit_ids(r)
        # an article's id is its file's path under the source root
        check(all(i.split("/", 1)[1] in folders.get(i.split("/", 1)[0], ()) for i in ids),
              "bbc %s: every match is a file of its folder" % query)
        secs = collections.Counter(i.split("/", 1)[0] for i in ids)
        want = sorted(secs.items(), key=lambda kv: (-kv[1], kv[0]))
        check_eq(facets_of(r).get("section", {}).get("values"), want,
                 "bbc %s: sections equal the folders of the %d matches" % (query, len(ids)))
        for sec, n in want[:2]:
            check_eq(c.ask("COUNT (%s) section:%s" % (query, sec)), ["OK COUNT %d" % n],
                     "bbc: COUNT %s section:%s equals its facet count" % (query, sec))
    c.close()

for dd in daemons:
    check_eq(dd.stop(), 0, "leded exits 0")
for srv in servers:
    srv.kill()
scratch.cleanup()
finish()
