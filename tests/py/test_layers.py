#!/usr/bin/env python3
"""test_layers -- keeps docs/ARCHITECTURE.md's rules true: which code may
include what (followed through every project header, so a header that
drags another layer in is caught where it is included), and the shape of
every source file of the product (a header comment first, no more than
MAX_LINES lines).  Reads the sources only; builds nothing.  The rules are
first tried on a made-up tree that breaks each of them once."""
import os
import re

from ledetest import ROOT, check, finish

MAX_LINES = 650  # "about 600": a file past this wants splitting
PRODUCT = ("src", "daemon", "indexer", "client")
SOURCE = re.compile(r"\.(c|h|cc|hh)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SETTING_KEY = re.compile(r'"lede\.(format|language|stopwords|pivot|common|dict|commit_time|changes|shards|shard)"')
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)

# Which layers' headers each layer may reach.  The engine's private
# headers (src/engine/*.hh) belong to the engine alone, but the bench's
# Xapian baselines (bench/*.cc) may use the weighting it registers.
MAY_REACH = {
    "engine": {"engine", "core", "neutral"},
    "core": {"core", "engine", "neutral"},
    "neutral": {"core", "neutral"},
    "daemon": {"daemon", "core", "engine", "neutral"},
    "indexer": {"indexer", "core", "engine", "neutral"},
    "client": {"client", "core", "neutral"},
    "bench": {"bench", "core", "engine", "neutral"},
    "tests": {"tests", "core", "engine", "neutral", "bench", "daemon", "indexer", "client"},
}
XAPIAN_ALLOWED = {"engine", "bench"}
# The protocol and the types it shares with the engine: what the client
# may use without depending on the engine.
NEUTRAL = {"src/protocol.h", "src/protocol.c", "src/protocol_reply.c", "src/protocol_facets.h", "src/protocol_facets.c",
           "src/search.h"}


def layer(path):
    if path.startswith("src/engine/") or path == "src/engine.h":
        return "engine"
    if path in NEUTRAL:
        return "neutral"
    top = path.split("/", 1)[0]
    if top == "src":
        return "core"
    return top if top in MAY_REACH else "other"


def read_tree():
    tree = {}
    for top in PRODUCT + ("bench", "tests/unit"):
        for d, _, names in os.walk(os.path.join(ROOT, top)):
            for name in names:
                if SOURCE.search(name):
                    full = os.path.join(d, name)
                    with open(full, errors="replace") as f:
                        tree[os.path.relpath(full, ROOT)] = f.read()
    return tree


def reached(tree, path, memo):
    """(project headers, system headers) reached from path, transitively."""
    if path in memo:
        return memo[path]
    memo[path] = (set(), set())  # an include cycle ends here
    headers, systems = set(), set()
    for kind, name in INCLUDE.findall(tree.get(path, "")):
        if kind == "<":
            systems.add(name)
            continue
        h = os.path.normpath(os.path.join(os.path.dirname(path), name))
        if h in tree:
            headers.add(h)
            sub_h, sub_s = reached(tree, h, memo)
            headers |= sub_h
            systems |= sub_s
    memo[path] = (headers, systems)
    return memo[path]


def violations(tree):
    """rule name -> the offending files (or file -> header pairs)."""
    out = {"reach": [], "xapian": [], "private": [], "engine_h": [], "long": [], "header": [],
           "settings": []}
    memo = {}
    for path in sorted(tree):
        me = layer(path)
        headers, systems = reached(tree, path, memo)
        for h in sorted(headers):
            if layer(h) not in MAY_REACH.get(me, set()):
                out["reach"].append("%s -> %s" % (path, h))
            private = h.startswith("src/engine/") and h.endswith(".hh")
            if private and me != "engine" and not (me == "bench" and path.endswith(".cc")):
                out["private"].append("%s -> %s" % (path, h))
        if me not in XAPIAN_ALLOWED and any(s.startswith("xapian") for s in systems):
            out["xapian"].append(path)
        if me in ("client", "neutral") and "src/engine.h" in headers:
            out["engine_h"].append(path)
        if path.startswith(tuple(p + "/" for p in PRODUCT)):
            if tree[path].count("\n") > MAX_LINES:
                out["long"].append("%s (%d lines)" % (path, tree[path].count("\n")))
            if not tree[path].lstrip().startswith("/*"):
                out["header"].append(path)
            if path != "src/settings.c" and SETTING_KEY.search(COMMENT.sub("", tree[path])):
                out["settings"].append(path)
    return out


RULES = [
    ("reach", "no file reaches a header of a layer it must not"),
    ("xapian", "Xapian is included by the engine (and the bench's baselines) only"),
    ("private", "the engine's private headers stay inside src/engine/"),
    ("engine_h", "the protocol and the client do not depend on engine.h"),
    ("long", "no product source file is over %d lines" % MAX_LINES),
    ("header", "every product source file opens with its header comment"),
    ("settings", "lede.* settings keys are spelled in src/settings.c alone"),
]

# A made-up tree breaking every rule once, each through a different path.
BAD_TREE = {
    "src/engine/internal.hh": "/* x */\n#include <xapian.h>\n",
    "src/engine/a.cc": '/* x */\n#include "internal.hh"\n',
    "src/engine.h": "/* x */\n",
    "src/protocol.h": '/* x */\n#include "util.h"\n',
    "src/util.h": '/* x */\n#include "engine.h"\n',  # drags the engine into the protocol
    "daemon/a.c": '/* x */\n#include "../indexer/b.h"\n',
    "indexer/b.h": "/* x */\n",
    "daemon/c.c": '/* x */\n#include "../src/engine/internal.hh"\n',
    "client/d.c": "/* x */\n" + "int x;\n" * (MAX_LINES + 1),
    "client/e.c": "int y;\n",
    "daemon/f.c": '/* reads "lede.dict" in a comment: allowed */\nconst char *k = "lede.pivot";\n',
}


def main():
    bad = violations(BAD_TREE)
    for rule, desc in RULES:
        check(bad[rule], "the rule is not vacuous: %s" % desc, "the made-up tree broke it unseen")
    check("daemon/a.c -> indexer/b.h" in bad["reach"] and "daemon/c.c" in bad["xapian"]
          and "src/protocol.h" in bad["engine_h"] and "client/e.c" in bad["header"]
          and bad["settings"] == ["daemon/f.c"],
          "the made-up tree's breaches are found where they are made", repr(bad))
    tree = read_tree()
    check(len(tree) > 40, "found the sources (%d files)" % len(tree))
    found = violations(tree)
    for rule, desc in RULES:
        check(not found[rule], desc, "; ".join(found[rule][:8]))
    finish()


main()
