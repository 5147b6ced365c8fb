"""crash_client.py -- bench/crash.sh's ingest client: AUTH, then the
articles of a collection as ADD, a COMMIT after every 50; the ids of each
batch whose COMMIT leded answered OK go to the acknowledged file (flushed
at once), so that the harness can look for them after killing leded.
Usage: crash_client.py PORT TOKEN_FILE COLLECTION RUN ACKED_FILE"""
import json
import os
import socket
import sys

port, token_file, collection, run, acked_path = sys.argv[1:6]
token = open(token_file).read().strip()
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(collection) for f in fs)
try:
    sock = socket.create_connection(("127.0.0.1", int(port)))
    reader = sock.makefile("rb")

    def ask(line):
        sock.sendall(line.encode() + b"\n")
        return reader.readline().decode(errors="replace")

    if not ask("AUTH " + token).startswith("OK"):
        sys.exit(1)
    batch = []
    with open(acked_path, "a") as acked:
        for n, path in enumerate(files):
            with open(path, encoding="utf-8", errors="replace") as f:
                title, _, text = f.read().partition("\n")
            art_id = "crash-%s-%d" % (run, n)
            if ask("ADD " + json.dumps({"id": art_id, "title": title, "text": text})).startswith("OK"):
                batch.append(art_id)
            if len(batch) == 50 or n == len(files) - 1:
                if ask("COMMIT").startswith("OK COMMITTED"):
                    acked.write("".join(i + "\n" for i in batch))
                    acked.flush()
                batch = []
except (OSError, ValueError):
    pass  # leded was killed: what was acknowledged is in the file
