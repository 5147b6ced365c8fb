"""test_http_wire -- an HTTP query's reply written by its worker straight to
the socket (daemon/wire.h, daemon/http_job.c), and every rule that must
still hold when the loop no longer writes it: the reply is the same bytes
the loop would write, it is counted, pipelined requests are answered in
order (one at a time a connection), a half-closed
client gets its reply and the end of the stream, a time limit that passes after the worker
wrote the reply does not add a 504, TLS connections keep the loop's
path, and the next request after a written reply (its job collected
first, or ended on the wire's word) gets its own reply, counted once.  The test hook LEDE_TEST_HOLD (daemon/pool.c) holds a worker after
it wrote its reply ("lede-test-hold-sent") or before it runs
("lede-test-hold"): facts, never timing."""
# tests/run: alone -- --query-timeout 0.2 s on a daemon that also answers queries that must not time out.
import json
import os
import socket

from ledetest import (DEADLINE, HttpDaemon, Scratch, ROOT, build_index, check, check_eq, eventually,
                      finish, list_ids, release_one, stats)

scratch = Scratch()


def read_head(s, buf):
    """A reply's head from s: (status, headers dict, the bytes after it)."""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None, {}, buf
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return int(lines[0].split(" ")[1]), hdrs, buf


def read_whole(s, buf=b"", head_only=False):
    """(status, headers, body, rest): a reply read whole by its Content-Length
    (none after a HEAD's head)."""
    status, hdrs, buf = read_head(s, buf)
    if status is None:
        return None, {}, b"", b""
    want = 0 if head_only else int(hdrs.get("content-length", "0"))
    while len(buf) < want:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return status, hdrs, buf[:want], buf[want:]


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)


index = scratch.join("wire.idx")
build_index(index, os.path.join(ROOT, "corpus"))
hold = scratch.join("hold.fifo")
os.mkfifo(hold)

# ---- the worker writes the reply itself --------------------------------------------------
d = HttpDaemon(index, "--workers", "1", env={"LEDE_TEST_HOLD": hold})
probe = d.connect()
s = connect(d.http_port)
s.sendall(b"GET /search?q=lede-test-hold-sent HTTP/1.1\r\n\r\n")
status, hdrs, body, rest = read_whole(s)
check_eq((status, json.loads(body)["ok"]), (200, True),
         "a search's reply reaches the client while its worker is still held after writing it")
check_eq(stats(probe)["workers_busy"], "1", "... (the worker is still held: the loop never had the reply)")
check_eq(hdrs.get("content-type"), "application/json; charset=utf-8", "... with the loop's headers")
check_eq(int(hdrs["content-length"]), len(body), "... and a Content-Length that is the body's")
check("connection" not in hdrs, "... and no Connection: close on a keep-alive request", hdrs)
# the next request on the same connection waits for the held worker, then is answered
s.sendall(b"GET /count?q=bank HTTP/1.1\r\n\r\n")
release_one(hold)
status, _, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["cmd"]), (200, "count"), "the next request on that connection is answered after")
# the same request over the loop's path (a TLS-free comparison: the reply is the same bytes)
s.sendall(b"GET /search?q=bank&limit=2 HTTP/1.1\r\n\r\n")
status, hdrs_direct, body_direct, rest = read_whole(s, rest)
body_direct = json.loads(body_direct)
body_direct.pop("took_us", None)
c = d.connect()
c.ask("FORMAT json")
c.send("SEARCH limit=2 bank\n")
line = json.loads(c.line())
line.pop("took_us", None)
c.close()
check_eq(body_direct, line, "a reply the worker wrote is the line protocol's FORMAT json reply")
# HEAD: the worker's framing leaves the body out but keeps its length (an article's
# reply, the same bytes each time)
first_id = body_direct["hits"][0]["id"].replace("/", "%2F").encode()
s.sendall(b"GET /articles/" + first_id + b" HTTP/1.1\r\n\r\nHEAD /articles/" + first_id + b" HTTP/1.1\r\n\r\n")
status, hdrs_get, body, rest = read_whole(s, rest)
check_eq((status, int(hdrs_get["content-length"])), (200, len(body)), "GET /articles/{id} through the worker")
status, hdrs_head, body, rest = read_whole(s, rest, head_only=True)
check_eq((status, body, rest), (200, b"", b""), "HEAD through the worker: 200 and no body")
check_eq(hdrs_head["content-length"], hdrs_get["content-length"], "... with the GET's Content-Length")
# errors keep their status when the worker writes them
s.sendall(b"GET /articles/no-such-article HTTP/1.1\r\n\r\n")
status, _, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["error"]), (404, "NOTFOUND"), "an error the worker wrote keeps its status")
metrics = d.http()
metrics.request("GET", "/metrics")
text = metrics.getresponse().read().decode()
ok_searches = [l for l in text.splitlines() if l.startswith('lede_queries_total{command="search",outcome="ok"}')]
check_eq(ok_searches, ['lede_queries_total{command="search",outcome="ok"} 3'],
         "the metrics count every search once: 2 over HTTP written by their worker, 1 line")
s.close()

# ---- pipelined requests: answered in order, one at a time a connection -----------------------
d2 = HttpDaemon(index, "--workers", "1", env={"LEDE_TEST_HOLD": hold})
probe2 = d2.connect()
s = connect(d2.http_port)
s.sendall(b"GET /search?q=lede-test-hold HTTP/1.1\r\n\r\n"
          b"GET /count?q=bank HTTP/1.1\r\n\r\n"
          b"GET /search?q=bank&limit=1 HTTP/1.1\r\n\r\n")
check(eventually(lambda: stats(probe2)["workers_busy"] == "1"), "the first of three pipelined requests holds the worker")
# the three came in one segment, read at once: the second is not taken while the first runs
check_eq(stats(probe2)["queued"], "0", "... and the two behind it are not queued for a worker yet")
release_one(hold)
got, rest = [], b""
for _ in range(3):
    status, _, body, rest = read_whole(s, rest)
    got.append((status, json.loads(body)["cmd"]))
check_eq(got, [(200, "search"), (200, "count"), (200, "search")], "the three replies come in request order")
# a request pipelined behind a reply the worker wrote while held: answered once it is free
s.sendall(b"GET /search?q=lede-test-hold-sent HTTP/1.1\r\n\r\nGET /count?q=bank HTTP/1.1\r\n\r\n")
status, _, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["cmd"]), (200, "search"), "a written reply, its worker held after")
release_one(hold)
status, _, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["cmd"]), (200, "count"), "... and the request behind it answered next")
s.close()

# ---- half-close: the reply carries Connection: close, then the connection ends ---------------
s = connect(d2.http_port)
s.sendall(b"GET /search?q=lede-test-hold HTTP/1.1\r\n\r\n")
check(eventually(lambda: stats(probe2)["workers_busy"] == "1"), "a query held before it runs")
s.shutdown(socket.SHUT_WR)
release_one(hold)
status, hdrs, body, rest = read_whole(s)
# (Connection: close only if the loop saw the half-close before the worker wrote the reply)
check_eq(status, 200, "a client that half-closed while its query ran gets its reply")
check_eq(rest + s.recv(100), b"", "... and then the end of the stream")
s.close()
probe2.close()
check_eq(d2.stop(), 0, "leded stops cleanly")

# ---- the time limit passes after the worker wrote the reply: no 504 after it -----------------
check_eq(d.stop(), 0, "leded stops cleanly")
probe.close()
d = HttpDaemon(index, "--workers", "1", "--query-timeout", "0.2", env={"LEDE_TEST_HOLD": hold})
s = connect(d.http_port)
s.sendall(b"GET /search?q=lede-test-hold-sent HTTP/1.1\r\n\r\n")
status, _, body, rest = read_whole(s)
check_eq((status, json.loads(body)["cmd"]), (200, "search"), "a reply written by its worker, held after")
check(eventually(lambda: "passed the time limit after its reply was written" in d.log_text()),
      "the time limit passes while the worker is held (logged)")
release_one(hold)
s.sendall(b"GET /count?q=bank HTTP/1.1\r\n\r\n")
status, _, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["cmd"]), (200, "count"),
         "the connection's next reply is its next request's, not a 504 for the one answered")
s.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- the next request after a written reply: its job collected first --------------------------
# When the client's next bytes come, the loop first collects the jobs that finished (as the line
# protocol's read does), so a written reply's job is usually delivered there, and the new request
# is parsed and sent inside that collection; when its worker has not finished yet, the request
# ends on the wire's word instead (detached).  Either way: every reply is its request's, in order,
# counted once; pipelined pairs, Connection: close and a half-close after a written reply too.
ids = list_ids(index)
check(len(ids) >= 3, "the test collection has articles to ask for", len(ids))
d3 = HttpDaemon(index)
s = connect(d3.http_port)
rest, wrong, gets, counts = b"", [], 0, 0
for i in range(120):
    a = ids[i % len(ids)]
    path = b"/articles/" + a.replace("/", "%2F").encode()
    if i % 3 == 2:
        s.sendall(b"GET " + path + b" HTTP/1.1\r\n\r\nGET /count?q=bank HTTP/1.1\r\n\r\n")
        want = [("get", a), ("count", None)]
    else:
        s.sendall(b"GET " + path + b" HTTP/1.1\r\n\r\n")
        want = [("get", a)]
    for cmd, wid in want:
        status, hdrs, body, rest = read_whole(s, rest)
        reply = json.loads(body) if status == 200 else {}
        got = (reply.get("cmd"), reply.get("article", {}).get("id") if cmd == "get" else None)
        if status != 200 or got != (cmd, wid) or "connection" in hdrs:
            wrong.append((i, status, got, (cmd, wid)))
        gets += cmd == "get"
        counts += cmd == "count"
check_eq(wrong, [], "120 rounds of GET /articles (every third with a COUNT pipelined behind it) on one "
         "connection: each reply is its own request's, in order, none with Connection: close")
check_eq(rest, b"", "... and nothing more than the replies came")
metrics = d3.http()
metrics.request("GET", "/metrics")
text = metrics.getresponse().read().decode()
counted = sorted(l for l in text.splitlines()
                 if l.startswith(('lede_queries_total{command="get",outcome="ok"}',
                                  'lede_queries_total{command="count",outcome="ok"}')))
check_eq(counted, ['lede_queries_total{command="count",outcome="ok"} %d' % counts,
                   'lede_queries_total{command="get",outcome="ok"} %d' % gets],
         "the metrics count each of them once")
metrics.close()
s.sendall(b"GET /count?q=bank HTTP/1.1\r\nConnection: close\r\n\r\n")
status, hdrs, body, rest = read_whole(s, rest)
check_eq((status, json.loads(body)["cmd"], hdrs.get("connection")), (200, "count", "close"),
         "a Connection: close request after the written replies: its reply says close")
check_eq(rest + s.recv(100), b"", "... and then the end of the stream")
s.close()
s = connect(d3.http_port)
s.sendall(b"GET /count?q=bank HTTP/1.1\r\n\r\n")
status, _, _, rest = read_whole(s)
s.sendall(b"GET /articles/" + ids[0].replace("/", "%2F").encode() + b" HTTP/1.1\r\n\r\n")
s.shutdown(socket.SHUT_WR)
status2, _, body, rest = read_whole(s, rest)
check_eq((status, status2, json.loads(body)["article"]["id"]), (200, 200, ids[0]),
         "a request and a half-close right after a written reply: answered, then")
check_eq(rest + s.recv(100), b"", "... the end of the stream")
s.close()
check_eq(d3.stop(), 0, "leded stops cleanly")

scratch.cleanup()
finish()
