#!/usr/bin/env python3
"""bench/replace_ingest.py -- what replacing articles through leded's ingest
costs: N ADDs of Reuters articles the index holds, each with changed text
(so each is REPLACED, its old version's spelling words taken back), sent
pipelined on one connection, then COMMIT; prints the seconds from the
first ADD sent to the COMMIT's reply, and the rate.  Each run works on a
fresh copy of BASE (a Reuters-21578 index), so old and new binaries can be
alternated on the same input.  Not a make target; the figures go to
bench/results/live.md.
Usage: replace_ingest.py BIN BASE N [TAG]"""
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
TOKEN = "tok-" + "r5" * 10


def start(bin_dir, index, scratch):
    token = os.path.join(scratch, "token")
    with open(token, "w") as f:
        f.write(TOKEN + "\n")
    os.chmod(token, 0o600)
    log = os.path.join(scratch, "leded.log")
    proc = subprocess.Popen([os.path.join(bin_dir, "leded"), "--index", index, "--listen", "127.0.0.1:0",
                             "--ingest-token", token], stdout=subprocess.DEVNULL, stderr=open(log, "w"))
    end = time.monotonic() + 60
    while time.monotonic() < end:
        for line in open(log):
            if "listening on tcp 127.0.0.1:" in line:
                return proc, int(line.rsplit(":", 1)[1])
        time.sleep(0.02)
    proc.kill()
    raise SystemExit("leded did not start: " + open(log).read())


def main():
    bin_dir, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tag = sys.argv[4] if len(sys.argv) > 4 else bin_dir
    rows = []
    with gzip.open(REUTERS, "rt") as f:
        for line in f:
            if len(rows) == n:
                break
            r = json.loads(line)
            r["text"] = r.get("text", "") + " Revised."
            rows.append(r)
    scratch = tempfile.mkdtemp(prefix="lede-replbench.")
    index = os.path.join(scratch, "idx")
    shutil.copytree(base, index)
    proc, port = start(bin_dir, index, scratch)
    s = socket.create_connection(("127.0.0.1", port))
    f = s.makefile("rb")
    s.sendall(("AUTH %s\n" % TOKEN).encode())
    f.readline()
    replies = []

    def read():
        while len(replies) < n + 1:
            line = f.readline().decode()
            if not line.startswith("OK ") and not line.startswith("ERR"):
                continue
            replies.append(line)

    t = threading.Thread(target=read)
    t.start()
    t0 = time.monotonic()
    s.sendall("".join("ADD %s\n" % json.dumps(r) for r in rows).encode() + b"COMMIT\n")
    t.join()
    took = time.monotonic() - t0
    replaced = sum(r.startswith("OK REPLACED") for r in replies)
    print("%s n=%d replaced=%d seconds=%.3f rate=%.0f/s" % (tag, n, replaced, took, n / took))
    s.close()
    proc.terminate()
    proc.wait()
    shutil.rmtree(scratch)


main()
