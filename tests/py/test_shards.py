#!/usr/bin/env python3
"""test_shards -- a sharded index (lede-index --shards N, src/shards.h)
built from the project's corpus and, when ../shared is there, Reuters:
every article in exactly one shard, the one its id hashes to; the front
and every shard holding the same index settings (and --check refusing a
shard that does not); leded serving it as one index, with the same counts
and the same matches as an unsharded index of the same articles (words,
phrases, common-word phrases, wildcards, fields), GET from every shard,
SUGGEST from the front's spelling; the shard count fixed once chosen.
Scores are not compared: they may differ until the engine's remote-safe
ranking lands."""
import os
import shutil
import subprocess

from ledetest import (DEADLINE, LEDED, Daemon, ROOT, SHARED, Scratch, check, check_eq, finish, hit_ids,
                      index_info, indexer, list_ids, shard_of, status_field)

N = 3
SETTING_LINES = ("language", "stopwords", "format", "pivot", "common words", "dictionary")
scratch = Scratch()


def build(name, sources, shards=0, status=0):
    """status: Reuters has one empty article, skipped (exit status 1)."""
    index = scratch.join(name)
    extra = ["--shards", str(shards)] if shards else []
    rc, _, err = indexer("-q", "--index", index, *extra, *sources)
    check(rc == status, "%s: lede-index exits %d" % (name, status), err.strip())
    return index


def check_layout(label, index, plain):
    info = index_info(index)
    want = int(index_info(plain)["articles"])
    check_eq(info.get("shards"), str(N), "%s: --info shows %d shards" % (label, N))
    counts = [int(info.get("shard.%d" % k, "0 articles").split()[0]) for k in range(N)]
    check(sum(counts) == want == int(info["articles"]) and all(counts),
          "%s: per-shard counts %s sum to the %d articles, none empty" % (label, counts, want))
    where = {}
    for k in range(N):
        for i in list_ids(os.path.join(index, "shard.%d" % k)):
            where.setdefault(i, []).append(k)
    check_eq(sorted(where), sorted(list_ids(plain)), "%s: the shards hold the same ids" % label)
    check_eq([i for i, ks in where.items() if len(ks) != 1], [],
             "%s: every id in exactly one shard" % label)
    check_eq([i for i, ks in where.items() if ks != [shard_of(i, N)]], [],
             "%s: every id in the shard its hash names" % label)
    with open(os.path.join(index, "XAPIANDB")) as f:
        check_eq(f.read(), "auto front\n" + "".join("auto shard.%d\n" % k for k in range(N)),
                 "%s: the top stub lists the front first, then the shards" % label)
    return where


def check_settings(label, index):
    subs = ["front"] + ["shard.%d" % k for k in range(N)]
    infos = [index_info(os.path.join(index, s)) for s in subs]
    front = {k: infos[0].get(k) for k in SETTING_LINES}
    check(front["language"] and front["format"] and front["pivot"] and front["dictionary"],
          "%s: the front has the settings" % label, str(front))
    for s, info in zip(subs[1:], infos[1:]):
        check_eq({k: info.get(k) for k in SETTING_LINES}, front,
                 "%s: %s has the front's settings" % (label, s))
    check_eq(infos[0].get("articles"), "0", "%s: the front holds no article" % label)
    rc, out, err = indexer("--index", index, "--check")
    check(rc == 0 and "%d database(s)" % (N + 1) in out,
          "%s: --check passes over the front and every shard" % label, out + err)


def count(conn, q):
    r = conn.ask("COUNT " + q)
    return int(r[0].split()[2]) if r[0].startswith("OK COUNT") else r[0]


def all_hits(conn, q, total):
    ids = []
    for offset in range(0, total, 100):
        ids += hit_ids(conn.ask("SEARCH limit=100 offset=%d snippet=0 -- %s" % (offset, q)))
    return sorted(ids)


def compare(label, plain, sharded, queries, where):
    dp, ds = Daemon(plain), Daemon(sharded)
    cp, cs = dp.connect(), ds.connect()
    for q in queries:
        want = count(cp, q)
        check(isinstance(want, int) and want > 0 and count(cs, q) == want,
              "%s: COUNT %s is the same, sharded (%r)" % (label, q, want))
        if isinstance(want, int) and 0 < want <= 1000:
            check(all_hits(cs, q, want) == all_hits(cp, q, want),
                  "%s: SEARCH %s finds the same articles" % (label, q))
    for k in range(N):
        some = sorted(i for i, ks in where.items() if ks == [k])[0]
        got = cs.ask("GET " + some)
        check(got[0] == "OK GET" and got == cp.ask("GET " + some),
              "%s: GET %s (shard.%d) as unsharded" % (label, some, k))
    check(cs.ask("GET no-such-article")[0].startswith("ERR NOTFOUND"), "%s: GET unknown id" % label)
    r = cs.ask("STATS")
    check(r[0].startswith("OK") and any(l == "articles\t%d" % len(where) for l in r),
          "%s: STATS counts every shard's articles" % label, str(r[:12]))
    for c in (cp, cs):
        c.close()
    return dp, ds


def suggest(label, dp, ds, query, want):
    cp, cs = dp.connect(), ds.connect()
    got = cs.ask("SUGGEST " + query)
    check("SUGGESTION\t" + want in got and got == cp.ask("SUGGEST " + query),
          "%s: SUGGEST %s gives '%s' from the front's spelling" % (label, query, want), str(got))
    r = cs.ask("SEARCH snippet=0 -- " + query)
    check(r[0].startswith("OK SEARCH total=0") and "DIDYOUMEAN\t" + want in r,
          "%s: a search with no match offers it too" % label, str(r[:2]))
    for c in (cp, cs):
        c.close()
    for d in (dp, ds):
        check_eq(d.stop(), 0, "%s: leded stops cleanly" % label)


# ---- the project's corpus ----------------------------------------------------
corpus = os.path.join(ROOT, "corpus")
plain = build("plain.idx", [corpus])
sharded = build("sharded.idx", [corpus], N)
where = check_layout("corpus", sharded, plain)
check_settings("corpus", sharded)
queries = ["drought", "rovers", "bank", '"interest rates"', '"elena marsh"', "rate*", "quill*",
           "title:rovers", "solar AND power", "marsh OR harbour", "quillon NOT chip",
           "date:2024..2025", 'title:"northbridge rovers"']
dp, ds = compare("corpus", plain, sharded, queries, where)
suggest("corpus", dp, ds, "northbrige rovrs", "northbridge rovers")

# The count is fixed when the index is created.
rc, _, err = indexer("-q", "--index", sharded, "--shards", "4", corpus)
check(rc == 2 and "has 3 shards, not 4" in err, "--shards 4 on a 3-shard index: a clear error", err)
rc, _, err = indexer("-q", "--index", sharded, "--shards", "3", corpus)
check_eq(rc, 0, "--shards 3 on a 3-shard index: an incremental run")
rc, _, err = indexer("-q", "--index", plain, "--shards", "3", corpus)
check(rc == 2 and "not sharded" in err, "--shards on an unsharded index: a clear error", err)
rc, _, err = indexer("-q", "--index", scratch.join("too-many"), "--shards", "257", corpus)
check(rc == 2 and "--shards" in err, "more shards than SHARDS_MAX: refused", err)
check_eq(list_ids(plain) and len(list_ids(plain)), len(where), "and the refused runs changed nothing")

rc, _, err = indexer("-q", "--index", os.path.join(sharded, "shard.0"), corpus)
check(rc == 2 and "part of a sharded index" in err, "a shard alone is not written to", err)
p = subprocess.run([LEDED, "--index", os.path.join(sharded, "front"), "--listen", "127.0.0.1:0",
                    "--ingest-token", scratch.token_file("tok-" + "q4" * 10)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=DEADLINE)
check(p.returncode != 0 and b"part of a sharded index" in p.stderr,
      "nor the front alone by leded's ingest", p.stderr.decode())
check_eq(index_info(sharded)["articles"], str(len(where)), "both left the index as it was")

# A shard that does not hold the front's settings is caught.
other = build("other.idx", [os.path.join(corpus, "sport")], N)
mixed = scratch.join("mixed.idx")
shutil.copytree(sharded, mixed)
shutil.rmtree(os.path.join(mixed, "shard.1"))
shutil.copytree(os.path.join(other, "shard.1"), os.path.join(mixed, "shard.1"))
rc, out, err = indexer("--index", mixed, "--check")
check(rc == 2 and "shard.1: its lede." in err and "differs from the front's" in err,
      "--check: a shard with other settings is named", err)
rc, _, err = indexer("-q", "--index", mixed, os.path.join(corpus, "wire"))
check(rc == 2 and "differs from the front's" in err, "and a writer refuses to add to it", err)

# ---- Reuters-21578 -----------------------------------------------------------
reuters = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
if not os.path.exists(reuters):
    print("ok - # SKIP Reuters part of test_shards: needs the shared collections in %s "
          "(or LEDE_SHARED); CI provides them" % os.path.join(SHARED, "corpus"))
else:
    plain = build("reuters.idx", [reuters], status=1)
    sharded = build("reuters-sharded.idx", [reuters], N, status=1)
    where = check_layout("reuters", sharded, plain)
    check_settings("reuters", sharded)
    check(index_info(sharded).get("common words"), "reuters: the sample chose common words")
    queries = ["cocoa", "oil", '"chief executive"', '"mln dlrs"', '"interest rates"',
               '"cts vs"', '"net profit"', '"dlrs vs"', "date:1987-03-01..1987-03-05",
               "opec*", "coc*", "title:oil", "title:cocoa", "bank NOT japan",
               "cocoa OR coffee", '"chief executive" AND title:president', "shipping NEAR port"]
    dp, ds = compare("reuters", plain, sharded, queries, where)
    suggest("reuters", dp, ds, "cocao", "cocoa")

scratch.cleanup()
finish()
