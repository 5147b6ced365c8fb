#!/usr/bin/env python3
"""scale.py -- generates a large article collection from a real one, for
benchmarks at scale (`make bench-peers`).  Streaming output, deterministic
for a seed, never committed: write it to a temporary directory.

usage: scale.py SOURCE.jsonl[.gz] N [SEED] > OUT.jsonl

SOURCE is a JSON Lines collection ({"id","title","text","date",...} a line,
e.g. ../shared/corpus/reuters/reuters21578.jsonl.gz); it is read once into
memory (its size, not N, bounds the memory).  Each of the N articles
written is a recombination of the real ones:
- a template article drawn at random gives the headline, the topics, the
  length (its number of sentences) and the first paragraph;
- the following paragraphs are runs of 1 to 4 consecutive sentences of
  other articles drawn at random, until the template's length is reached;
  paragraphs are separated by a blank line ("\\n\\n");
- ids are new ("scale-0000001", ...) and dates are spread uniformly over
  1990-01-01 .. 2025-12-31 (ISO 8601 UTC).
So the vocabulary, phrases and article lengths are those of the source and
the posting lists grow with N.  Progress goes to stderr on a terminal."""
import gzip
import json
import random
import re
import sys

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'<(])")
DATE_FROM, DATE_TO = 631152000, 1767225599  # 1990-01-01 .. 2025-12-31 UTC


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    docs = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            sentences = [s for s in SENTENCE_END.split(o.get("text") or "") if s]
            if sentences:
                docs.append((o.get("title") or "", o.get("topics") or [], sentences))
    return docs


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def article(rng, docs, k):
    title, topics, first = rng.choice(docs)
    want = len(first)
    lead = min(want, rng.randint(1, 3))
    paragraphs = [" ".join(first[:lead])]
    have = lead
    while have < want:
        sentences = rng.choice(docs)[2]
        run = min(rng.randint(1, 4), want - have, len(sentences))
        start = rng.randrange(len(sentences) - run + 1)
        paragraphs.append(" ".join(sentences[start:start + run]))
        have += run
    return json.dumps({"id": "scale-%07d" % k, "title": title, "text": "\n\n".join(paragraphs),
                       "date": iso(rng.randint(DATE_FROM, DATE_TO)), "topics": topics})


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    docs = load(sys.argv[1])
    n = int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    tty = sys.stderr.isatty()
    out = sys.stdout
    for k in range(1, n + 1):
        out.write(article(rng, docs, k))
        out.write("\n")
        if tty and k % 10000 == 0:
            sys.stderr.write("\rscale.py: %d / %d articles" % (k, n))
    if tty:
        sys.stderr.write("\n")


if __name__ == "__main__":
    main()
