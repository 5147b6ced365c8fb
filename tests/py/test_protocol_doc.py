"""test_protocol_doc -- replays every session of docs/PROTOCOL.md against a
real leded on an index of corpus/ and checks the replies byte for byte
('{n}' in the document matches a number; '→' is a TAB)."""
import os
import re

from ledetest import ROOT, Daemon, Scratch, build_index, check, finish

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = Daemon(index)

doc = open(os.path.join(ROOT, "docs", "PROTOCOL.md"), encoding="utf-8").read()
sessions = re.findall(r"```session\n(.*?)```", doc, re.S)
check(len(sessions) >= 6, "the document has sessions (%d)" % len(sessions))


def matches(pattern, line):
    rx = "^" + "[0-9.e+-]+".join(re.escape(part) for part in pattern.split("{n}")) + "$"
    return re.match(rx, line) is not None


for n, text in enumerate(sessions, 1):
    c = d.connect()
    lines = [l.replace("→", "\t") for l in text.splitlines()]
    bad = []
    for l in lines:
        if l.startswith("> "):
            c.send(l[2:] + "\n")
        elif l.startswith("< "):
            got = c.line()
            if not matches(l[2:], got):
                bad.append("want %r got %r" % (l[2:][:120], got[:120]))
    check(not bad, "session %d of docs/PROTOCOL.md (%s)" % (n, lines[0][2:40]), "; ".join(bad[:2]))
    c.close()

d.stop()
scratch.cleanup()
finish()
