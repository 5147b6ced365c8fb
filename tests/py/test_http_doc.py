"""test_http_doc -- replays every curl example of docs/HTTP.md against a
real leded --http on an index of corpus/ and checks its reply: the status
line, each header the document shows (others may come too) and the body,
where '{n}' in the document matches a number and '{*}' any text.  Blocks
marked "http ingest" go to a daemon with the ingest token the document
uses, "http read" to one with its read token.  The curl command is read
here (-X, -H, --data-binary, the URL); curl itself is not needed."""
import codecs
import http.client
import os
import re
import shlex
import urllib.parse

from ledetest import DEADLINE, ROOT, HttpDaemon, Scratch, build_index, check, finish

scratch = Scratch()


def token_file(name, token):
    path = scratch.join(name)
    with open(path, "w") as f:
        f.write(token + "\n")
    os.chmod(path, 0o600)
    return path


def daemon(name, *args):
    index = scratch.join(name + ".idx")
    build_index(index, os.path.join(ROOT, "corpus"))
    return HttpDaemon(index, *args)


daemons = {"": daemon("plain"),
           "ingest": daemon("ingest", "--ingest-token", token_file("ingest", "s3cret-example-token")),
           "read": daemon("read", "--read-token", token_file("read", "read-example-token"))}

doc = open(os.path.join(ROOT, "docs", "HTTP.md"), encoding="utf-8").read()
blocks = re.findall(r"```http( ingest| read)?\n(.*?)```", doc, re.S)
check(len(blocks) >= 15, "the document has examples (%d)" % len(blocks))


def matches(pattern, text):
    rx = "^"
    for part in re.split(r"(\{n\}|\{\*\})", pattern):
        rx += {"{n}": "[0-9.e+-]+", "{*}": ".*"}.get(part, re.escape(part))
    return re.match(rx + "$", text, re.S) is not None


def curl_request(command):
    """(method, path, headers, body) of a curl command line."""
    words = shlex.split(command.replace("$'", "'$"))
    method, headers, body, url = "GET", {}, None, None
    i = 1
    while i < len(words):
        w = words[i]
        if w in ("-X", "-H", "--data-binary"):
            v = words[i + 1]
            i += 1
            if w == "-X":
                method = v
            elif w == "-H":
                k, val = v.split(":", 1)
                headers[k.strip()] = val.strip()
            else:
                body = codecs.decode(v[1:], "unicode_escape") if v.startswith("$") else v
                if method == "GET":
                    method = "POST"
        elif not w.startswith("-"):
            url = w
        i += 1
    parts = urllib.parse.urlsplit(url)
    return method, parts.path + ("?" + parts.query if parts.query else ""), headers, body


for n, (kind, text) in enumerate(blocks, 1):
    lines = text.rstrip("\n").split("\n")
    method, path, headers, body = curl_request(lines[0][2:])
    want_status = lines[1]
    blank = lines.index("")
    want_headers, want_body = lines[2:blank], "\n".join(lines[blank + 1:])
    d = daemons[kind.strip()]
    conn = http.client.HTTPConnection("127.0.0.1", d.http_port, timeout=DEADLINE)
    conn.request(method, path, body=body.encode() if body is not None else None, headers=headers)
    r = conn.getresponse()
    got_body = r.read().decode()
    got_status = "HTTP/1.1 %d %s" % (r.status, r.reason)
    got_headers = ["%s: %s" % (k, v) for k, v in r.getheaders()]
    bad = []
    if got_status != want_status:
        bad.append("status %r, not %r" % (got_status, want_status))
    for h in want_headers:
        if not any(matches(h, g) for g in got_headers):
            bad.append("no header %r in %r" % (h, got_headers))
    if not matches(want_body, got_body):
        bad.append("body %r" % got_body[:300])
    check(not bad, "example %d of docs/HTTP.md (%s %s)" % (n, method, path[:50]), "; ".join(bad[:2]))
    conn.close()

for d in daemons.values():
    check(d.stop() == 0, "leded stops cleanly")
scratch.cleanup()
finish()
