#!/usr/bin/env python3
"""make_queries.py -- the benchmark's query mix, drawn from a JSON Lines
collection with a fixed seed: single words, AND, OR, phrases, NOT, prefix
and title: queries.
usage: make_queries.py COLLECTION.jsonl[.gz] N [SEED] [--classes] [--syntax S]
Prints one query per line; with --classes, "CLASS<TAB>QUERY" (classes:
word, and, or, phrase, not, prefix, title).  --syntax writes the same
queries (the same seed gives the same mix) in another engine's language:

  class   lede (default)  sphinx (extended)  fts5
  word    w               w                  w
  and     a b             a b                a b
  or      a OR b          a | b              a OR b
  phrase  "a b c"         "a b c"            "a b c"
  not     a NOT b         a -b               a NOT b
  prefix  abcd*           abcd*              abcd*
  title   title:w         @title w           title:w

The output is derived from the collection, so it is generated at benchmark
time and never committed."""
import gzip
import json
import random
import re
import sys

RENDER = {
    "lede": {"word": "{0}", "and": "{0} {1}", "or": "{0} OR {1}", "phrase": '"{0}"',
             "not": "{0} NOT {1}", "prefix": "{0}*", "title": "title:{0}"},
    "sphinx": {"word": "{0}", "and": "{0} {1}", "or": "{0} | {1}", "phrase": '"{0}"',
               "not": "{0} -{1}", "prefix": "{0}*", "title": "@title {0}"},
    "fts5": {"word": "{0}", "and": "{0} {1}", "or": "{0} OR {1}", "phrase": '"{0}"',
             "not": "{0} NOT {1}", "prefix": "{0}*", "title": "title:{0}"},
}

args = [a for a in sys.argv[1:] if not a.startswith("--")]
with_classes = "--classes" in sys.argv
syntax = "lede"
if "--syntax" in sys.argv:
    syntax = sys.argv[sys.argv.index("--syntax") + 1]
    args.remove(syntax)
if len(args) < 2 or syntax not in RENDER:
    sys.exit(__doc__)
path, n = args[0], int(args[1])
rng = random.Random(int(args[2]) if len(args) > 2 else 42)
opener = gzip.open if path.endswith(".gz") else open
texts, titles = [], []
with opener(path, "rt", encoding="utf-8") as f:
    for line in f:
        o = json.loads(line)
        if o.get("text"):
            texts.append(o["text"])
        if o.get("title"):
            titles.append(o["title"])
word_re = re.compile(r"[a-z]{4,}")
COMMON = set("that with from said were have this will which would their been they also than "
             "reuter dlrs year billion million company".split())


def words(text):
    return [w for w in word_re.findall(text.lower()) if w not in COMMON]


def word():
    while True:
        ws = words(rng.choice(texts))
        if ws:
            return rng.choice(ws)


def phrase():
    while True:
        toks = re.findall(r"[A-Za-z]+", rng.choice(texts))
        if len(toks) > 3:
            i = rng.randrange(len(toks) - 2)
            k = rng.choice((2, 3))
            return (" ".join(toks[i:i + k]).lower(),)


def title_word():
    while True:
        ws = words(rng.choice(titles))
        if ws:
            return (rng.choice(ws),)


mix = [(30, "word", lambda: (word(),)), (20, "and", lambda: (word(), word())),
       (10, "or", lambda: (word(), word())), (15, "phrase", phrase),
       (10, "not", lambda: (word(), word())), (10, "prefix", lambda: (word()[:4],)),
       (5, "title", title_word)]
kinds = [(c, f) for w, c, f in mix for _ in range(w)]
for _ in range(n):
    cls, make = rng.choice(kinds)
    query = RENDER[syntax][cls].format(*make())
    print("%s\t%s" % (cls, query) if with_classes else query)
