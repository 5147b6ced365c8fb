#!/usr/bin/env python3
"""replies.py -- writes leded's replies to a query mix, for comparing two
builds byte for byte (bench/same_replies.sh).  Each query is sent at three
page shapes (text with default snippets; text, second page, by date, no
snippets; JSON with exact counts, short snippets and HTML markers), then
COUNT, and for every tenth query SUGGEST and a GET of its first hit.
took_us varies from run to run and is replaced by a fixed word.
usage: replies.py BIN_DIR INDEX QUERIES OUT"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "py"))
bin_dir, index, queries_path, out_path = sys.argv[1:5]
os.environ["LEDE_BIN"] = os.path.abspath(bin_dir)
import ledetest  # noqa: E402  (reads LEDE_BIN at import)

SHAPES = ["SEARCH limit=10 -- %s",
          "SEARCH limit=20 offset=10 snippet=0 sort=date -- %s"]
JSON_SHAPE = "SEARCH limit=5 exact=1 snippet=120 hl=<b>,</b> -- %s"
TOOK = re.compile(r'took_us(=|": ?)\d+')


def scrub(reply):
    text = reply if isinstance(reply, str) else "\n".join(reply) if isinstance(reply, list) else repr(reply)
    return TOOK.sub(r"took_us\1N", text)


def main():
    with open(queries_path) as f:
        queries = [q.rstrip("\n") for q in f if q.strip()]
    d = ledetest.Daemon(index)
    text, js = d.connect(), d.connect()
    js.ask("FORMAT json")
    js_raw = []
    n = 0
    with open(out_path, "w") as out:
        for i, q in enumerate(queries):
            for shape in SHAPES:
                out.write("> %s\n%s\n" % (shape % q, scrub(text.ask(shape % q))))
            js.send(JSON_SHAPE % q + "\n")
            out.write("> %s\n%s\n" % (JSON_SHAPE % q, scrub(js.line())))
            out.write("> COUNT %s\n%s\n" % (q, scrub(text.ask("COUNT -- " + q))))
            n += 4
            if i % 10 == 0:
                out.write("> SUGGEST %s\n%s\n" % (q, scrub(text.ask("SUGGEST " + q))))
                ids = ledetest.hit_ids(text.ask(SHAPES[0] % q))
                if ids:
                    out.write("> GET %s\n%s\n" % (ids[0], scrub(text.ask("GET " + ids[0]))))
                    n += 1
                n += 1
    text.close()
    js.close()
    code = d.stop()
    print("%d replies written to %s (leded exit %d)" % (n, out_path, code))
    return 0 if code == 0 else 1


sys.exit(main())
