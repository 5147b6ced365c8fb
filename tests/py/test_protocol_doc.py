"""test_protocol_doc -- replays every session of docs/PROTOCOL.md against a
real leded on an index of corpus/ and checks the replies byte for byte
('{n}' in the document matches a number, '{*}' any text without a TAB;
'→' is a TAB).  Sessions marked "session ingest" go to a second daemon,
on its own copy of the index, with ingest enabled and the token that
PROTOCOL.md uses."""
import os
import re

from ledetest import ROOT, Daemon, Scratch, build_index, check, finish

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
ingest_index = scratch.join("ingest.idx")
build_index(ingest_index, os.path.join(ROOT, "corpus"))
token = scratch.token_file("s3cret-example-token")
d = Daemon(index)
di = Daemon(ingest_index, "--ingest-token", token)

doc = open(os.path.join(ROOT, "docs", "PROTOCOL.md"), encoding="utf-8").read()
sessions = re.findall(r"```session( ingest)?\n(.*?)```", doc, re.S)
check(len(sessions) >= 6, "the document has sessions (%d)" % len(sessions))
check(any(kind for kind, _ in sessions), "the document has ingest sessions")


def matches(pattern, line):
    rx = "^"
    for i, part in enumerate(re.split(r"(\{n\}|\{\*\})", pattern)):
        rx += {"{n}": "[0-9.e+-]+", "{*}": "[^\t]*"}.get(part, re.escape(part))
    return re.match(rx + "$", line) is not None


for n, (kind, text) in enumerate(sessions, 1):
    c = (di if kind else d).connect()
    lines = [l.replace("→", "\t") for l in text.splitlines()]
    bad = []
    for l in lines:
        if l.startswith("> ") or l == ">":  # ">" alone: an empty line (inside a PUT)
            c.send(l[2:] + "\n")
        elif l.startswith("< "):
            got = c.line()
            if not matches(l[2:], got):
                bad.append("want %r got %r" % (l[2:][:120], got[:120]))
    check(not bad, "session %d of docs/PROTOCOL.md (%s)" % (n, lines[0][2:40]), "; ".join(bad[:2]))
    c.close()

d.stop()
di.stop()
scratch.cleanup()
finish()
