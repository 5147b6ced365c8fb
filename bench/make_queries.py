#!/usr/bin/env python3
"""make_queries.py -- the benchmark's query mix, drawn from a JSON Lines
collection with a fixed seed: single words, AND, OR, phrases, NOT, prefix
and title: queries.  usage: make_queries.py COLLECTION.jsonl[.gz] N [SEED]
Prints one query per line.  The output is derived from the collection, so
it is generated at benchmark time and never committed."""
import gzip
import json
import random
import re
import sys

path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
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
            return '"%s"' % " ".join(toks[i:i + k]).lower()


def title_word():
    while True:
        ws = words(rng.choice(titles))
        if ws:
            return "title:" + rng.choice(ws)


mix = [(30, lambda: word()), (20, lambda: "%s %s" % (word(), word())),
       (10, lambda: "%s OR %s" % (word(), word())), (15, phrase),
       (10, lambda: "%s NOT %s" % (word(), word())), (10, lambda: word()[:4] + "*"),
       (5, title_word)]
kinds = [f for w, f in mix for _ in range(w)]
for _ in range(n):
    print(rng.choice(kinds)())
