#!/usr/bin/env python3
"""shard_split.py -- splits a JSON Lines collection into N parts the way a
sharded lede index places its articles (`make bench-shards`), so that a
peer (Sphinx's distributed index) is measured over the same split.

usage: shard_split.py COLLECTION N OUTDIR [--key id|qterm]

Writes OUTDIR/part.K.jsonl (the collection's lines, unchanged, in their
order) and OUTDIR/part.K.ids (each line's id, one a line) for K = 0..N-1,
and prints one line per part on stdout: "part=K articles=A first=F", where
F is 1 + the lines of the parts before it (the first Sphinx document id
the part may use, so that the parts' ids never collide).

A line goes to part lede_hash(KEY) % N, lede_hash being lede's 64-bit hash
(src/util.c: FNV-1a over the bytes, then a 64-bit finaliser) and KEY the
UTF-8 bytes of:
- id (default): the article's "id" field;
- qterm: its id term as lede's writers route a full build's shards today
  (indexer/writers.c, src/engine/document.cc): "Q" + id, or "Q#" and the
  16 hex digits of lede_hash(id) when that is longer than 240 bytes.
A line that is not a JSON object with a string "id" goes to part 0 and is
counted on stderr (lede would name such an article after its file and
line, which this cannot know).  COLLECTION may be gzip-compressed."""
import gzip
import json
import sys

MASK = (1 << 64) - 1
HASH_INIT = 0xCBF29CE484222325
MAX_TERM = 240


def lede_hash(data: bytes) -> int:
    h = HASH_INIT
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & MASK
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    h ^= h >> 33
    return h


def key_bytes(article_id: str, key: str) -> bytes:
    raw = article_id.encode("utf-8")
    if key == "id":
        return raw
    term = b"Q" + raw
    if len(term) <= MAX_TERM:
        return term
    return b"Q#" + ("%016x" % lede_hash(raw)).encode()


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    key = "id"
    if "--key" in argv:
        key = argv[argv.index("--key") + 1]
        args.remove(key)
    if len(args) != 3 or key not in ("id", "qterm"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    source, n, outdir = args[0], int(args[1]), args[2]
    opener = gzip.open if source.endswith(".gz") else open
    parts = [open("%s/part.%d.jsonl" % (outdir, k), "wb") for k in range(n)]
    ids = [open("%s/part.%d.ids" % (outdir, k), "w", encoding="utf-8") for k in range(n)]
    counts = [0] * n
    odd = 0
    with opener(source, "rb") as f:
        for line in f:
            try:
                o = json.loads(line)
                article_id = o.get("id") if isinstance(o, dict) else None
            except ValueError:
                article_id = None
            if not isinstance(article_id, str):
                odd += 1
                k = 0
            else:
                k = lede_hash(key_bytes(article_id, key)) % n
                ids[k].write(article_id + "\n")
            parts[k].write(line if line.endswith(b"\n") else line + b"\n")
            counts[k] += 1
    for fh in parts + ids:
        fh.close()
    if odd:
        sys.stderr.write("shard_split: %d lines without a string id, put in part 0\n" % odd)
    first = 1
    for k in range(n):
        print("part=%d articles=%d first=%d" % (k, counts[k], first))
        first += counts[k]
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
