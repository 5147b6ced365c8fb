#!/usr/bin/env python3
"""randcoll.py -- writes a random collection for issue 20's equivalence
tests (tests/sh/test_index_bulk.sh): JSON Lines files and a directory of
plain-text articles, with odd Unicode (combining marks, CJK, right-to-left,
emoji, zero-width and full-width characters), long and empty fields, a word
repeated thousands of times in one article (many positions) and words that
occur once, metadata fields of every kind, and repeated ids (the same
article again: unchanged; another text under an old id: replaced, also
across files).  The same seed writes the same collection.
usage: randcoll.py OUTDIR [ARTICLES] [SEED]"""
import json
import os
import random
import sys

ODD = ["Zoë", "naïve", "e\u0301te\u0301", "東京都", "北京大学", "한국어", "עברית", "العربية",
       "😀🎉", "zero\u200bwidth", "ｆｕｌｌｗｉｄｔｈ", "ß", "İstanbul", "ﬁne", "Ωμέγα", "\u00a0nbsp"]
COMMON = ("the of and to in a is that for on with as by at from this be are was it an "
          "market price bank oil trade rate share company year said").split()


def word(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(COMMON)
    if r < 0.55:
        return rng.choice(ODD)
    if r < 0.60:  # nearly always a word of one article
        return "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(rng.randint(6, 12)))
    return "".join(rng.choice("aeioumnrstl") for _ in range(rng.randint(2, 8)))


def text(rng, n):
    return " ".join(word(rng) for _ in range(n))


def article(rng, i, version=0):
    kind = rng.random()
    a = {"id": "r%05d" % i, "title": text(rng, rng.randint(0, 12)),
         "text": text(rng, rng.randint(1, 400))}
    if kind < 0.05:
        a["text"] = text(rng, rng.randint(3000, 6000))  # a long body
    elif kind < 0.08:
        a["text"] = " ".join(["repeated"] * 4000)  # one term, many positions
    elif kind < 0.10:
        a["title"] = ""
    if rng.random() < 0.5:
        a["date"] = "20%02d-%02d-%02d" % (rng.randint(0, 25), rng.randint(1, 12), rng.randint(1, 28))
    if rng.random() < 0.4:
        a["topics"] = rng.sample(["grain", "oil", "gold", "Ünïcode", "東京"], rng.randint(1, 3))
    if rng.random() < 0.3:
        a["score"] = rng.randint(-5, 5000)
    if version:
        a["text"] += " version%d" % version
    return a


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20)
    os.makedirs(os.path.join(out, "text"), exist_ok=True)
    arts = [article(rng, i) for i in range(n)]
    half = n // 2
    with open(os.path.join(out, "a.jsonl"), "w", encoding="utf-8") as f:
        for i, a in enumerate(arts[:half]):
            f.write(json.dumps(a, ensure_ascii=rng.random() < 0.5) + "\n")
            if i % 97 == 5:  # the same article again: unchanged
                f.write(json.dumps(a) + "\n")
            if i % 89 == 7:  # another text under the same id: replaced
                f.write(json.dumps(article(rng, i, version=1)) + "\n")
    with open(os.path.join(out, "b.jsonl"), "w", encoding="utf-8") as f:
        for a in arts[half:]:
            f.write(json.dumps(a) + "\n")
        for i in range(0, half, 53):  # replacements of the first file's, later
            f.write(json.dumps(article(rng, i, version=2)) + "\n")
    for i in range(n // 10):
        with open(os.path.join(out, "text", "t%04d.txt" % i), "w", encoding="utf-8") as f:
            f.write(text(rng, rng.randint(0, 10)) + "\n\n" + text(rng, rng.randint(0, 300)) + "\n")


if __name__ == "__main__":
    main()
