"""test_unicode -- text folding through the real programs (issue 19, point
4): lede-index makes a folding index (its --info says so), full, added to
sharded and unstemmed (--language none); leded finds accented, decomposed, full-width and CJK
articles by any form of their words, marks the accented words in
snippets, and the client shows them; keyword field values are folded
alike (a filter and a facet).  (An index made before folding, read
as written, is tests/unit/test_fold.c's: no program writes one now.)"""
import os
import subprocess

from ledetest import (CLIENT, INDEXER, Daemon, Scratch, build_index, check, check_eq,
                      finish, hit_ids, index_info, write_jsonl)

scratch = Scratch()
src = scratch.join("src")
os.makedirs(src)
DECOMPOSED_ZOE = "Zoe\u0308"
ARTICLES = {
    "accents.txt": "Zoë Fernández wins the élections\n\n"
                   "The count in Besançon ended at dawn, and Zoë Fernández thanked the city.\n",
    "decomposed.txt": "A singer called %s\n\nShe sang in Kraków and in Malmö.\n" % DECOMPOSED_ZOE,
    "fullwidth.txt": "Ｔｏｋｙｏ markets rally\n\nShares in ｔｏｋｙｏ rose for a third day.\n",
    "cjk.txt": "人工智能的发展\n\n中国的人工智能研究在快速发展。\n",
    "plain.txt": "Harbour report\n\nBoats were counted at the harbour.\n",
}
for name, text in ARTICLES.items():
    with open(os.path.join(src, name), "w", encoding="utf-8") as f:
        f.write(text)
write_jsonl(os.path.join(src, "wire.jsonl"), [
    {"id": "wire-1", "title": "Budget vote", "body": "The budget passed.", "topics": ["Économie"]},
    {"id": "wire-2", "title": "Rates hold", "body": "Rates held.", "topics": ["economie"]},
])

QUERIES = [
    ("zoe", ["accents.txt", "decomposed.txt"]),
    ("Zoë", ["accents.txt", "decomposed.txt"]),
    (DECOMPOSED_ZOE, ["accents.txt", "decomposed.txt"]),
    ("ｚｏｅ", ["accents.txt", "decomposed.txt"]),
    ("fernandez", ["accents.txt"]),
    ("elections", ["accents.txt"]),
    ("krakow", ["decomposed.txt"]),
    ("malmo", ["decomposed.txt"]),
    ("tokyo", ["fullwidth.txt"]),
    ("title:ＴＯＫＹＯ", ["fullwidth.txt"]),
    ("人工智能", ["cjk.txt"]),
    ("智能 研究", ["cjk.txt"]),
    ('"zoe fernandez"', ["accents.txt"]),
    ("fernán*", ["accents.txt"]),
    ("harbour", ["plain.txt"]),
    ("topics:economie", ["wire-1", "wire-2"]),
    ("topics:ÉCONOMIE", ["wire-1", "wire-2"]),
    ("budget topics:Économie", ["wire-1"]),
]


def search(conn, query):
    reply = conn.ask("SEARCH limit=10 snippet=200 -- " + query)
    return reply, sorted(hit_ids(reply))


def check_queries(index, what):
    d = Daemon(index)
    c = d.connect()
    for query, want in QUERIES:
        reply, ids = search(c, query)
        check_eq(ids, want, "%s: '%s' finds its articles" % (what, query))
    reply, ids = search(c, "besancon")
    check(len(reply) > 1 and "in [Besançon] ended" in reply[1],
          "%s: the snippet marks the word as written" % what, reply[1:2])
    reply = c.ask("SEARCH limit=0 facets=topics -- rates OR budget")
    values = [line for line in reply if line.startswith("VALUE")]
    check(len(values) == 1 and values[0].split("\t")[1] in ("economie", "Économie") and
          values[0].endswith("\t2"),
          "%s: a keyword value's accented and plain forms are one facet value" % what, reply)
    c.close()
    d.stop()


index = scratch.join("u.idx")
build_index(index, src)
info = index_info(index)
check_eq(info.get("folding"), "1", "a new index folds its text (--info)")
check_queries(index, "full build")

# added to: a second run writes through the incremental writer
with open(os.path.join(src, "later.txt"), "w", encoding="utf-8") as f:
    f.write("Ångström units\n\nThe Ångström is a unit of length.\n")
build_index(index, src)
QUERIES.append(("angstrom", ["later.txt"]))
check_queries(index, "added to")

sharded = scratch.join("s.idx")
build_index(sharded, src, extra=("--shards", "2"))
check_eq(index_info(sharded).get("folding"), "1", "a new sharded index folds its text")
check_queries(sharded, "sharded")

plain = scratch.join("none.idx")
build_index(plain, src, extra=("--language", "none"))
check_queries(plain, "without stemming")

# the client, with its own highlighting, marks the accented word
d = Daemon(index)
out = subprocess.run([CLIENT, "-c", d.addr, "--color=never", "besancon"],
                     capture_output=True, text=True, timeout=60)
if out.returncode == 2 and "color" in out.stderr:  # a client without --color
    out = subprocess.run([CLIENT, "-c", d.addr, "besancon"], capture_output=True, text=True, timeout=60)
check(out.returncode == 0 and "accents.txt" in out.stdout and "Besançon" in out.stdout,
      "the client finds the accented article by its plain spelling", out.stdout[:300] + out.stderr)
d.stop()

scratch.cleanup()
finish()
