"""test_meta_fields -- metadata fields (issue 17; docs/QUERY.md): a JSON
key beyond the article's own, a directory source's folder (section) and
the word count (words) become fields; filters name:value, name:"a b" and
ranges name:LO..HI, and sort=FIELD[:asc], give what brute force over the
source gives, on every page; filters change no score; unknown fields, bad
ranges and kind mismatches are clear errors; the schema shows in --info,
--schema declares, a sharded index answers alike, and a field arriving
through leded's ADD is searchable after its COMMIT.
A made-up collection always; Reuters (topics) and the BBC directories
(section) when ../shared is there (else a SKIP line says so)."""
import gzip
import json
import os
import re
import shutil
import signal
import subprocess

from ledetest import (CLIENT, INDEXER, SHARED, Daemon, Scratch, TcpSrv, check, check_eq, eventually, finish,
                      indexer, write_jsonl)

scratch = Scratch()
REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
BBC = os.path.join(SHARED, "corpus", "bbc")
OWN = ("id", "title", "text", "body", "date", "author", "url", "lede", "standfirst")
WORD_BYTE = re.compile(rb"[0-9A-Za-z\x80-\xff]")


def word_count(*texts):
    """src/article_fields.c's words: runs of non-blank bytes holding a
    letter, a digit or a non-ASCII byte."""
    n = 0
    for t in texts:
        b = t.encode() if isinstance(t, str) else t
        n += sum(1 for run in re.split(rb"[ \t\n\v\f\r]+", b) if WORD_BYTE.search(run))
    return n


def blank(s):
    return not s or not s.strip()


def build(index, *sources, extra=()):
    rc, out, err = indexer("-q", "--index", index, *extra, *sources)
    return rc, err


class Searcher:
    """A JSON connection to leded: every page of a query, counts, errors."""

    def __init__(self, daemon):
        self.c = daemon.connect()
        self.c.ask("FORMAT json")

    def ask(self, line):
        return self.c.ask(line)

    def count(self, query):
        r = self.ask("COUNT -- " + query)
        return r.get("total") if r.get("ok") else r

    def hits(self, query, opts=""):
        """Every hit of query, walking offset/limit pages of 100."""
        out, offset = [], 0
        while True:
            r = self.ask("SEARCH limit=100 offset=%d snippet=0 %s -- %s" % (offset, opts, query))
            if not r.get("ok"):
                return r
            out += r["hits"]
            if len(r["hits"]) < 100:
                return out
            offset += 100

    def ids(self, query, opts=""):
        h = self.hits(query, opts)
        return [x["id"] for x in h] if isinstance(h, list) else h

    def error(self, line):
        r = self.ask(line)
        return "" if r.get("ok") else "%s %s" % (r.get("error"), r.get("message"))


def same_set(got, want, desc):
    if not isinstance(got, list):
        return check(False, desc, "error %r" % got)
    return check(len(got) == len(set(got)) and set(got) == set(want), desc,
                 "%d hits (%d distinct), want %d; missing %s, extra %s" % (
                     len(got), len(set(got)), len(want), sorted(set(want) - set(got))[:5],
                     sorted(set(got) - set(want))[:5]))


def check_sorted(s, query, opts, value_of, want_ids, desc, descending=True):
    """The hits of query sorted by opts: every page, the values in order
    (articles without one first when ascending, last when descending:
    Xapian's value order), the same articles as brute force."""
    ids = s.ids(query, opts)
    if not same_set(ids, want_ids, desc + ": the articles"):
        return
    got = [value_of(i) for i in ids]
    key = lambda v: (v is not None, v if v is not None else 0)
    want = sorted((value_of(i) for i in want_ids), key=key, reverse=descending)
    check(got == want, desc + ": the order of the values",
          "first differences %s" % [(k, a, b) for k, (a, b) in enumerate(zip(got, want)) if a != b][:3])


# ---- a made-up collection -------------------------------------------------------
ROWS = [
    {"id": "m1", "title": "Harbour strike ends", "text": "Dockers voted to return.", "date": "2024-01-05",
     "source": "Reuters UK", "rank": 3, "published": "2024-01-04T09:00:00Z", "wire": True,
     "topics": ["labour", "Shipping"], "place": {"city": "Hull"}},
    {"id": "m2", "title": "Grain prices rise", "text": "Wheat rose for a third week.", "date": "2024-02-01",
     "source": "reuters uk", "rank": 10.5, "published": "2024-02-10", "wire": False,
     "topics": ["grain", "wheat"], "place": {"city": "Leeds"}},
    {"id": "m3", "title": "Ferry timetable", "text": "New winter sailings announced for the islands.",
     "date": "2024-03-01", "source": "Local Desk", "rank": "high", "published": "2023-12-24T18:30:00Z",
     "topics": ["shipping"]},
    {"id": "m4", "title": "Copper tariffs", "text": "Tariffs on copper were raised again today.",
     "source": "Wire Service", "rank": -2, "topics": [], "credit": "Smith, John (c++ desk)"},
]
small = scratch.join("small.idx")
src = write_jsonl(scratch.join("small.jsonl"), ROWS)
rc, err = build(small, src)
check_eq(rc, 0, "made-up collection indexed")
check_eq(err.count("'place'"), 1, "a nested object is warned about once a run, not once an article")
check_eq(err.count("'rank'"), 1, "a value that does not fit its field's kind: one warning")
_, info, _ = indexer("--index", small, "--info")
fields = dict((l.split()[1], l.split()[2:]) for l in info.splitlines() if l.startswith("field: "))
check_eq(sorted(fields), ["credit", "published", "rank", "source", "topics", "wire", "words"],
         "--info lists the fields (place is nested: none)")
check(fields.get("rank", [""])[0] == "number" and fields.get("published", [""])[0] == "date" and
      fields.get("topics", [""])[0] == "keyword", "... with their kinds", repr(fields))
check(fields.get("rank", ["", "", "0"])[2] == "3" and fields.get("words", ["", "", "0"])[2] == "4",
      "... and how many articles have each (rank 3: 'high' left out; words 4)", repr(fields))

d = Daemon(small)
s = Searcher(d)
same_set(s.ids('source:"Reuters UK"'), ["m1", "m2"], "a quoted keyword value, matched whole")
same_set(s.ids('source:"reuters uk"'), ["m1", "m2"], 'source:"reuters uk": case-folded')
same_set(s.ids("topic:shipping"), ["m1", "m3"], "topic: resolves to topics, a value case-folded")
same_set(s.ids("Topics:SHIPPING"), ["m1", "m3"], "a field name in another case")
same_set(s.ids("wire:true"), ["m1"], "a boolean: true")
same_set(s.ids('credit:"smith, john (C++ DESK)"'), ["m4"], "a quoted value with signs in it, whole")
same_set(s.ids('(tariffs OR ferry) credit:"Smith, John (c++ desk)"'), ["m4"],
         "... beside words and operators")
same_set(s.ids("rank:0..10"), ["m1"], "a number range (10.5 is out, 'high' is no number)")
same_set(s.ids("rank:..0"), ["m4"], "a range open below")
same_set(s.ids("rank:10.5"), ["m2"], "one number")
same_set(s.ids("published:2024"), ["m1", "m2"], "a date field: a year")
same_set(s.ids("published:2023-12-24..2024-01-04"), ["m1", "m3"], "a date range, whole days")
same_set(s.ids("(tariffs OR sailings OR rose) topics:shipping"), ["m3"],
         "a filter beside words in parentheses filters them all")
same_set(s.ids("tariffs OR sailings OR rose topics:shipping"), ["m3", "m4"],
         "a filter binds as a word does: tariffs OR sailings OR (rose topics:shipping)")
same_set(s.ids("ferry OR harbour -topics:labour"), ["m3"], "an excluded filter")
check_sorted(s, "words:1..", "sort=rank", lambda i: {"m1": 3, "m2": 10.5, "m4": -2}.get(i),
             ["m1", "m2", "m3", "m4"], "sort=rank")
check_sorted(s, "words:1..", "sort=rank:asc", lambda i: {"m1": 3, "m2": 10.5, "m4": -2}.get(i),
             ["m1", "m2", "m3", "m4"], "sort=rank:asc", descending=False)
check_sorted(s, "words:1..", "sort=published:asc",
             lambda i: {"m1": "2024-01-04T09", "m2": "2024-02-10", "m3": "2023-12-24T18"}.get(i),
             ["m1", "m2", "m3", "m4"], "sort=published:asc", descending=False)
for line, want in [("COUNT -- places:hull", "SYNTAX unknown field 'places'; this index has: "
                    "published, rank, source, topics, wire, words, credit"),
                   ("COUNT -- rank:high", "SYNTAX 'high' is not a number"),
                   ("COUNT -- rank:5..1", "SYNTAX range '5..1' on field 'rank' ends before it starts"),
                   ("COUNT -- topics:a..b", "SYNTAX field 'topics' is a keyword field"),
                   ("COUNT -- published:soon", "SYNTAX bad date 'soon'"),
                   ("SEARCH sort=nosuch -- ferry", "SYNTAX sort: unknown field 'nosuch'"),
                   ("SEARCH sort=rank:up -- ferry", "SYNTAX sort=rank:up: the order is :asc or :desc")]:
    got = s.error(line)
    check(got.startswith(want), "error: %s" % line, got)
check_eq(s.count("title:ferry"), 1, "lede's own prefixes keep their meaning")
check_eq(s.count("ferry OR:harbour"), 2, "an operator before a colon stays the operator")
check_eq(s.count("see http://example.org/ferry"), 0, "a URL is no field")
out = subprocess.run([CLIENT, "-c", d.addr, "--json", "--sort", "rank:asc", "words:1.."],
                     stdout=subprocess.PIPE, text=True).stdout
check_eq([h["id"] for h in json.loads(out)["hits"]], ["m3", "m4", "m1", "m2"],
         "lede --sort rank:asc: the client passes a field sort on")
check_eq(d.stop(), 0, "leded stops cleanly")

rc, _, err = indexer("-q", "--index", small, "--schema", "topics:number")
check(rc != 0 and "topics" in err and "keyword" in err, "--schema with another kind for a field: "
      "an error naming it", err)
rc, _, err = indexer("-q", "--index", small, "--schema", "score:number,seen:date")
_, info, _ = indexer("--index", small, "--info")
check(rc == 0 and "field: score number declared" in info and "field: seen date declared" in info,
      "--schema appends declared fields to an index", err)
rc, _, err = indexer("-q", "--index", small, "--compact")
_, after, _ = indexer("--index", small, "--info")
check(rc == 0 and [l for l in after.splitlines() if l.startswith("field")] ==
      [l for l in info.splitlines() if l.startswith("field")], "a compaction keeps the fields", err)
d = Daemon(small)
s = Searcher(d)
same_set(s.ids("topics:shipping"), ["m1", "m3"], "... and their filters")
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- declared first, then a full build whose parts are merged ------------------
fresh = scratch.join("declared.idx")
indexer("-q", "--index", fresh, "--schema", "published:date,score:number")
build(fresh, src)
fields = [l.split()[1] for l in indexer("--index", fresh, "--info")[1].splitlines() if l.startswith("field: ")]
check_eq(fields, ["published", "score", "rank", "source", "topics", "wire", "words", "credit"],
         "--schema on a new index, then a full build: the merge keeps the declared and the inferred "
         "fields, in source order (Xapian hands the compactor the key behind its user-metadata marker)")

# ---- remote shards: stock xapian-tcpsrv (as test_remote.py) --------------------


class Servers:
    """xapian-tcpsrv on each shard of a sharded index, and a front whose
    stub names the index's own front and the servers."""

    def __init__(self, sharded, n, front):
        self.srvs = [TcpSrv(os.path.join(sharded, "shard.%d" % k)) for k in range(n)]
        lines = ["auto " + os.path.join(sharded, "front")] + ["remote " + t.addr() for t in self.srvs]
        os.makedirs(front, exist_ok=True)
        with open(os.path.join(front, "XAPIANDB"), "w") as f:
            f.write("".join(l + "\n" for l in lines))

    def stop(self):
        for t in self.srvs:
            t.kill()




def scores(s, query):
    return {h["id"]: h["score"] for h in s.hits(query)}

# ---- Reuters: topics ------------------------------------------------------------
if not os.path.exists(REUTERS):
    print("ok - # SKIP Reuters checks: %s is absent" % REUTERS)
else:
    reuters_rows = {}
    with gzip.open(REUTERS, "rt") as f:
        for line in f:
            r = json.loads(line)
            if blank(r.get("title")) and blank(r.get("text")):
                continue
            reuters_rows[str(r["id"])] = r
    topics = {i: set(t.lower() for t in (r.get("topics") or [])) for i, r in reuters_rows.items()}
    words = {i: word_count(r.get("title") or "", r.get("text") or "") for i, r in reuters_rows.items()}
    dates = {i: r.get("date") for i, r in reuters_rows.items()}

    def joined(values):
        """A keyword field's slot: one value per case-folded form, in their order."""
        out = {}
        for v in sorted(values, key=lambda v: (v.strip().lower(), v.strip())):
            out.setdefault(v.strip().lower(), v.strip())
        return "\x1f".join(out.values())

    def with_topic(*ts):
        return [i for i in reuters_rows if topics[i] & set(ts)]

    idx = scratch.join("reuters.idx")
    sharded = scratch.join("reuters2.idx")
    rc, _ = build(idx, REUTERS)
    check(rc in (0, 1), "Reuters indexed")
    rc, _ = build(sharded, REUTERS, extra=("--shards", "2"))
    check(rc in (0, 1), "Reuters indexed in 2 shards")
    info = [l for l in indexer("--index", idx, "--info")[1].splitlines() if l.startswith("field: ")]
    check_eq(info, ["field: topics keyword inferred %d articles" % sum(1 for t in topics.values() if t),
                    "field: words number inferred %d articles" % len(reuters_rows)],
             "--info: topics and words, and how many articles have each")
    targets = [(idx, "one database"), (sharded, "2 shards")]
    servers = None
    if shutil.which("xapian-tcpsrv"):
        servers = Servers(sharded, 2, scratch.join("remote.front"))
        targets.append((scratch.join("remote.front"), "remote shards"))
    else:
        print("ok - # SKIP remote shards: no xapian-tcpsrv")
    for path, name in targets:
        d = Daemon(path)
        s = Searcher(d)
        for t in ("grain", "crude", "nat-gas"):
            same_set(s.ids("topics:" + t), with_topic(t), "%s: topics:%s, every page" % (name, t))
        check_eq(s.count("topics:earn"), len(with_topic("earn")), name + ": COUNT topics:earn")
        same_set(s.ids("topics:grain topics:wheat"), with_topic("grain", "wheat"),
                 name + ": two values of one field: either (Xapian's boolean prefix rule)")
        same_set(s.ids("topics:grain AND topics:wheat"),
                 [i for i in reuters_rows if {"grain", "wheat"} <= topics[i]], name + ": AND: both")
        oil = s.ids("oil")
        same_set(s.ids("oil topics:crude"), [i for i in oil if "crude" in topics[i]],
                 name + ": oil topics:crude = oil's hits with topic crude")
        same_set(s.ids("oil -topics:crude"), [i for i in oil if "crude" not in topics[i]],
                 name + ": oil -topics:crude")
        same_set(s.ids("oil NOT topics:crude", "mode=any"), [i for i in oil if "crude" not in topics[i]],
                 name + ": NOT topics:crude, mode=any")
        same_set(s.ids('"oil prices" topics:crude'),
                 [i for i in s.ids('"oil prices"') if "crude" in topics[i]], name + ": a phrase and a filter")
        same_set(s.ids("words:100..200"), [i for i in reuters_rows if 100 <= words[i] <= 200],
                 name + ": words:100..200")
        same_set(s.ids("words:..20"), [i for i in reuters_rows if words[i] <= 20], name + ": words:..20")
        same_set(s.ids("topics:grain date:1987-03..1987-03"),
                 [i for i in with_topic("grain") if (dates[i] or "").startswith("1987-03")],
                 name + ": with date:")
        plain, filtered = scores(s, "wheat export"), scores(s, "wheat export topics:grain")
        check(filtered and all(abs(plain[i] - filtered[i]) <= 1e-12 * abs(plain[i]) for i in filtered) and
              set(filtered) == set(i for i in plain if "grain" in topics[i]),
              name + ": a filter changes no score", "%d filtered" % len(filtered))
        check_sorted(s, "topics:grain", "sort=words", words.get, with_topic("grain"), name + ": sort=words")
        check_sorted(s, "topics:crude", "sort=words:asc", words.get, with_topic("crude"),
                     name + ": sort=words:asc", descending=False)
        check_sorted(s, "topics:grain", "sort=date:asc", dates.get, with_topic("grain"),
                     name + ": sort=date:asc", descending=False)
        check_sorted(s, "topics:grain OR topics:ship", "sort=topics:asc",
                     lambda i: joined(reuters_rows[i]["topics"]),
                     with_topic("grain", "ship"), name + ": sort by a keyword field's joined values",
                     descending=False)
        check_eq(d.stop(), 0, name + ": leded stops cleanly")
    if servers:
        servers.stop()

# ---- BBC: section from the folders ----------------------------------------------
if not os.path.isdir(BBC):
    print("ok - # SKIP BBC checks: %s is absent" % BBC)
else:
    files = {}
    for sec in sorted(os.listdir(BBC)):
        if os.path.isdir(os.path.join(BBC, sec)):
            for n in os.listdir(os.path.join(BBC, sec)):
                if n.endswith(".txt"):
                    with open(os.path.join(BBC, sec, n), "rb") as f:
                        files["%s/%s" % (sec, n)] = f.read()
    idx = scratch.join("bbc.idx")
    build(idx, BBC)
    d = Daemon(idx)
    s = Searcher(d)
    for sec in ("sport", "tech", "business"):
        same_set(s.ids("section:" + sec), [i for i in files if i.startswith(sec + "/")],
                 "BBC section:%s, every page" % sec)
    film = s.ids("film")
    same_set(s.ids("film section:entertainment"), [i for i in film if i.startswith("entertainment/")],
             "BBC: film section:entertainment")
    wc = {i: word_count(b) for i, b in files.items()}
    check_sorted(s, "section:tech", "sort=words", wc.get, [i for i in files if i.startswith("tech/")],
                 "BBC: sort=words over section:tech")
    check_eq(d.stop(), 0, "leded stops cleanly")

# ---- --watch: fields of what arrives ----------------------------------------------
watched = scratch.join("watched")
os.makedirs(os.path.join(watched, "world"))
with open(os.path.join(watched, "world", "a.txt"), "w") as f:
    f.write("Storm nears coast\n\nThe harbour closed.\n")
widx = scratch.join("watch.idx")
werr = open(scratch.join("watch.err"), "w")
watcher = subprocess.Popen([INDEXER, "-q", "--index", widx, "--watch", watched], stdout=subprocess.DEVNULL,
                           stderr=werr)
check(eventually(lambda: os.path.exists(os.path.join(widx, "XAPIANDB")) and
                 "field: section" in indexer("--index", widx, "--info")[1]), "--watch: the first pass")
d = Daemon(widx)
c = d.connect()
os.makedirs(os.path.join(watched, "sport"))
with open(os.path.join(watched, "sport", "b.txt.part"), "w") as f:
    f.write("Rovers win\n\nA late goal.\n")
os.rename(os.path.join(watched, "sport", "b.txt.part"), os.path.join(watched, "sport", "b.txt"))
with open(os.path.join(watched, "feed.jsonl.part"), "w") as f:
    f.write(json.dumps({"id": "w1", "title": "Tram works", "text": "Lines close.", "desk": "Metro"}) + "\n")
os.rename(os.path.join(watched, "feed.jsonl.part"), os.path.join(watched, "feed.jsonl"))
check(eventually(lambda: c.ask("COUNT -- section:sport")[0] == "OK COUNT 1"),
      "--watch: a new folder's article has its section")
check(eventually(lambda: c.ask("COUNT -- desk:metro")[0] == "OK COUNT 1"),
      "--watch: a new JSON key becomes a searchable field")
watcher.send_signal(signal.SIGTERM)
check_eq(watcher.wait(timeout=60), 0, "--watch stops cleanly")
werr.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- live: a new field through ADD ----------------------------------------------
live = scratch.join("live.idx")
token = scratch.token_file("fields-token-0123456789")
d = Daemon(live, "--ingest-token", token, "--commit-interval", "3600")
c = d.connect()
c.ask("AUTH fields-token-0123456789")
check(c.ask("ADD " + json.dumps({"id": "L1", "title": "Tram works", "text": "The line closes.",
                                 "desk": "Metro"}))[0].startswith("OK"), "ADD with a new field")
check(c.ask("COMMIT")[0].startswith("OK"), "COMMIT")
check(eventually(lambda: c.ask("COUNT -- desk:metro")[0] == "OK COUNT 1"),
      "a field that arrived live is searchable after its COMMIT")
check(c.ask("ADD " + json.dumps({"id": "L2", "title": "Bus lanes", "text": "Two more.",
                                 "desk": "metro", "grade": 2}))[0].startswith("OK"), "another ADD")
c.ask("COMMIT")
check(eventually(lambda: c.ask("COUNT -- desk:METRO grade:1..3")[0] == "OK COUNT 1"),
      "... and a second new field after the next")
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- live on a sharded index: one schema for every shard --------------------------
sh = scratch.join("small2.idx")
indexer("-q", "--index", sh, "--shards", "2", src)
d = Daemon(sh, "--ingest-token", token, "--commit-interval", "3600")
c = d.connect()
c.ask("AUTH fields-token-0123456789")
for i in range(6):  # ids that land in both shards
    c.ask("ADD " + json.dumps({"id": "S%d" % i, "title": "Pier %d" % i, "text": "Repairs.", "berth": i}))
check(c.ask("COMMIT")[0].startswith("OK"), "sharded: ADDs with a new field, committed")
check(eventually(lambda: c.ask("COUNT -- berth:2..5")[0] == "OK COUNT 4"),
      "sharded: a live field's range over both shards")
check_eq(d.stop(), 0, "leded stops cleanly")
shards = [l for l in indexer("--index", sh, "--info")[1].splitlines() if l.startswith("field: berth")]
check_eq(shards, ["field: berth number inferred 6 articles"], "sharded: --info after the live writer")

scratch.cleanup()
finish()
