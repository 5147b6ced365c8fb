"""test_snippet_text -- snippets are the text as written (issue 19, points 3
and 8): `AT&T`, `<b>` and `>` come back unescaped through the text protocol
(with the hl= markers around the query's words), JSON (plain snippet and
byte offsets in `highlights`) and the client; the offsets point at the
query's words even after multi-byte characters; a hit whose standfirst and
body hold none of the query's words (a headline or filter-only match) has
its standfirst as snippet, or its first paragraph when it has none."""
import json
import os
import subprocess

from ledetest import (CLIENT, Daemon, Scratch, build_index, check, check_eq, finish,
                      unescape, write_jsonl)

scratch = Scratch()
ARTICLES = [
    {"id": "amp", "title": "Telecoms merger talks", "date": "2025-03-01",
     "lede": "AT&T and <b>Quillon</b> talk.",
     "text": "Zoë said AT&T's bid > rivals' offer; the <script>x</script> tag stays text. "
             "Analysts expect the telecom merger to close by June."},
    {"id": "head", "title": "Harbour lighthouse repainted", "date": "2024-06-01",
     "lede": "The keeper chose red & white again.",
     "text": "Work began in spring.\n\nPainters finished in May."},
    {"id": "nolede", "title": "Lighthouse keeper retires", "date": "2024-07-01",
     "text": "After forty years the keeper left.\nHe moved inland.\n\nA second paragraph "
             "that the snippet must not reach."},
]
src = write_jsonl(scratch.join("a.jsonl"), ARTICLES)
index = scratch.join("idx")
build_index(index, src)
d = Daemon(index)
c = d.connect()


def hits_of(reply):
    return [unescape(line).split("\t") for line in reply if line.startswith("HIT\t")]


# The text protocol: markers in, nothing escaped.
reply = c.ask("SEARCH hl=[,] -- telecom merger")
hits = hits_of(reply)
check_eq(len(hits), 1, "one article holds both words")
snippet = hits[0][6] if hits else ""
check("AT&T" in snippet and "&amp;" not in snippet, "text: AT&T as written", snippet)
check("<b>Quillon</b>" in snippet and "&lt;" not in snippet, "text: <b> as written", snippet)
check("bid > rivals" in snippet and "&gt;" not in snippet, "text: > as written", snippet)
check("[telecom] [merger]" in snippet, "text: the hl= markers around the query's words", snippet)
check("Zoë" in snippet, "text: UTF-8 kept", snippet)

reply = c.ask("SEARCH hl=, -- telecom")
plain = hits_of(reply)[0][6] if hits_of(reply) else ""
check_eq(plain, snippet.replace("[", "").replace("]", ""), "hl=, : the same text without markers")

# JSON: the plain text and byte offsets.
c.ask("FORMAT json")
c.send(b"SEARCH -- telecom merger\n")
obj = json.loads(c.line())
hit = obj["hits"][0]
check_eq(hit["snippet"], plain, "JSON snippet: the text as written, no markers")
raw = hit["snippet"].encode("utf-8")
words = [raw[s:e].decode("utf-8") for s, e in hit["highlights"]]
check_eq(words, ["telecom", "merger"], "JSON highlights: byte offsets of the query's words")
check(all(a[1] <= b[0] for a, b in zip(hit["highlights"], hit["highlights"][1:])),
      "JSON highlights sorted and apart", str(hit["highlights"]))
check(raw.index("Zoë".encode()) < hit["highlights"][0][0],
      "the offsets count bytes past a multi-byte character", str(hit["highlights"]))

c.send(b"SEARCH snippet=0 -- telecom\n")
obj = json.loads(c.line())
check_eq((obj["hits"][0]["snippet"], obj["hits"][0]["highlights"]), ("", []),
         "snippet=0: empty snippet, no highlights")

# Point 8: matches outside the standfirst and body.
c.send(b"SEARCH -- title:repainted\n")
hit = json.loads(c.line())["hits"][0]
check_eq((hit["id"], hit["snippet"], hit["highlights"]),
         ("head", "The keeper chose red & white again.", []),
         "a headline-only match: the standfirst as written, nothing highlighted")
c.send(b"SEARCH sort=date -- date:2024-07-01..2024-07-31\n")
hit = json.loads(c.line())["hits"][0]
check_eq((hit["id"], hit["snippet"]),
         ("nolede", "After forty years the keeper left.\nHe moved inland."),
         "a filter-only match without standfirst: the first paragraph")
c.send(b"SEARCH snippet=20 -- date:2024-07-01..2024-07-31\n")
hit = json.loads(c.line())["hits"][0]
check_eq(hit["snippet"], "After forty years...", "the lead cut at a space within snippet=")
c.send(b"SEARCH -- keeper\n")
obj = json.loads(c.line())
by_id = {h["id"]: h for h in obj["hits"]}
h = by_id.get("head", {})
check(h.get("highlights") and h["snippet"].encode()[h["highlights"][0][0]:h["highlights"][0][1]] == b"keeper",
      "a match in the standfirst is highlighted there", str(h))

# The client, piped (no colour): the text as written.
p = subprocess.run([CLIENT, "-c", d.addr, "telecom"], capture_output=True, text=True, timeout=60)
check(p.returncode == 0 and "AT&T" in p.stdout and "<b>Quillon</b>" in p.stdout
      and "&amp;" not in p.stdout and "&lt;" not in p.stdout, "the client shows the text as written",
      p.stdout)
p = subprocess.run([CLIENT, "-c", d.addr, "--json", "telecom"], capture_output=True, text=True,
                   timeout=60)
check("AT&T" in p.stdout and '"highlights"' in p.stdout, "lede --json: the plain snippet and offsets",
      p.stdout[:300])

c.close()
check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
