"""test_http -- leded --http through real sockets (http.client and raw
sockets): every endpoint and its reply (the line protocol's FORMAT json
object, byte for byte), every error status, ingest with good, wrong and
missing tokens, --read-token on both protocols, keep-alive, pipelining,
HEAD, 405, 413, 431, and abuse (a 10 MB body, 100 KB of headers, many idle
keep-alive connections, a slow sender) with others still answered.
Facts only: statuses, bodies, counts; nothing is timed."""
# tests/run: alone -- --http-timeout 0.5 and 2 s, --query-timeout 0.3 s.
import http.client
import json
import os
import random
import socket
import threading

from ledetest import (DEADLINE, HttpDaemon, Scratch, ROOT, build_index, check, check_eq, eventually,
                      finish, release_one)

scratch = Scratch()


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

# ---- the other read endpoints --------------------------------------------------
status, _, body = get(h, "/count?q=bank")
check_eq((status, body.decode()), (200, line_json(d, "COUNT bank")), "GET /count is COUNT's reply")
status, _, body = get(h, "/suggest?q=bankk")
check_eq((status, body.decode()), (200, line_json(d, "SUGGEST bankk")), "GET /suggest is SUGGEST's reply")
status, _, body = get(h, "/similar/" + first_id.replace("/", "%2F") + "?limit=2")
check_eq(status, 200, "GET /similar/{id} answers 200")
check_eq(without_took(body), without_took(line_json(d, "SIMILAR %s limit=2" % first_id)),
         "... SIMILAR's reply")
status, _, body = get(h, "/search?q=bank+OR+loan&limit=2&offset=1&sort=date&mode=any&snippet=40")
check_eq(without_took(body), without_took(line_json(d, "SEARCH limit=2 offset=1 sort=date mode=any "
                                                    "snippet=40 bank OR loan")),
         "the line's options are query parameters of the same names and values")
status, _, body = get(h, "/stats")
st = json.loads(body)
check(status == 200 and st["ok"] and "articles" in json.dumps(st), "GET /stats is STATS' reply", body[:200])
status, _, body = get(h, "/health")
check_eq((status, json.loads(body)), (200, {"ok": True, "status": "ready"}), "GET /health: 200 ready")

# ---- errors ----------------------------------------------------------------------------
for path, want_status, want_code, what in [
        ("/search?q=bank&limit=abc", 400, "SYNTAX", "a bad option value"),
        ("/search?q=bank&frobnicate=1", 400, "SYNTAX", "an unknown option"),
        ("/search?limit=3", 400, "SYNTAX", "no q"),
        ("/search?q=", 400, "SYNTAX", "an empty query"),
        ("/search?q=%zz", 400, "SYNTAX", "a bad %-escape"),
        ("/search?q=bank%00", 400, "SYNTAX", "an escaped NUL"),
        ("/suggest?q=bank&limit=3", 400, "SYNTAX", "/suggest with an option"),
        ("/nowhere", 404, "NOTFOUND", "an unknown path"),
        ("/articles/a/b", 404, "NOTFOUND", "an id with a raw slash is no route")]:
    status, _, body = get(h, path)
    err = json.loads(body)
    check_eq((status, err["ok"], err["error"]), (want_status, False, want_code), "%s: %d %s" % (what, want_status, want_code))
status, hdrs, body = get(h, "/search?q=bank", method="DELETE")
check_eq((status, hdrs.get("allow")), (405, "GET, HEAD"), "a wrong method: 405 with Allow")
status, hdrs, body = get(h, "/commit", method="GET")
check_eq((status, hdrs.get("allow")), (405, "POST"), "GET /commit: 405, Allow: POST")

# ---- HEAD, keep-alive, pipelining ----------------------------------------------------
status, hdrs, body = get(h, "/search?q=bank", method="HEAD")
status2, hdrs2, body2 = get(h, "/search?q=bank")
check_eq((status, body), (200, b""), "HEAD: 200 without a body")
check(int(hdrs["content-length"]) > 0, "... but the Content-Length of the GET", hdrs)
check_eq(h.sock is not None, True, "the connection stayed open across requests (keep-alive)")


def raw_exchange(port, data, want_replies):
    """Sends data on a new socket; reads until want_replies whole replies came."""
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    s.sendall(data)
    buf = b""
    replies = []
    while len(replies) < want_replies:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                s.close()
                return replies, True
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for l in head.split(b"\r\n")[1:]:
            k, v = l.split(b":", 1)
            if k.strip().lower() == b"content-length":
                length = int(v)
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            rest += chunk
        replies.append((int(head.split(b" ")[1]), head, rest[:length]))
        buf = rest[length:]
    closed = False
    s.settimeout(DEADLINE)
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        pass
    except ConnectionResetError:  # refused at accept: closed without reading the request
        closed = True
    s.close()
    return replies, closed


pipelined = b"".join(b"GET /count?q=%s HTTP/1.1\r\nHost: x\r\n\r\n" % w for w in
                     (b"bank", b"loan", b"market", b"bank")) + b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"
replies, closed = raw_exchange(d.http_port, pipelined, 5)
check_eq([json.loads(r[2]).get("total") for r in replies[:4]],
         [json.loads(line_json(d, "COUNT " + w))["total"] for w in ("bank", "loan", "market", "bank")],
         "five pipelined requests in one write: the replies come in request order")
check(closed and b"Connection: close" in replies[4][1], "... and Connection: close closes after the last")

status, _, body = get(h, "/articles/x1", "PUT", "a headline", {"Authorization": "Bearer whatever-token"})
check_eq((status, json.loads(body)["error"]), (403, "DISABLED"), "PUT without --ingest-token: 403 DISABLED")
replies, closed = raw_exchange(d.http_port, b"POST /articles HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"5\r\nhello\r\n0\r\n\r\n", 1)
check_eq((replies[0][0], json.loads(replies[0][2])["error"]) if replies else None, (411, "SYNTAX"),
         "a chunked body: 411 (Content-Length is required)")
replies, closed = raw_exchange(d.http_port, b"GET /health HTTP/2.0\r\n\r\n", 1)
check_eq(replies[0][0] if replies else None, 400, "not HTTP/1.x: 400")

# Garbage: 300 seeded random request heads (bytes, pieces of HTTP, long
# lines), each answered 4xx or closed; the daemon answers after them all.
rng = random.Random(18)
pieces = [b"GET ", b"POST ", b"/search?q=", b"%", b"%0", b"HTTP/1.1", b"HTTP/1.", b"\r\n", b"\n", b":",
          b"Content-Length: ", b"-1", b"99999999999999999999", b"Transfer-Encoding: x", b"\x00", b" ", b"?&=",
          b"Authorization: Bearer", b"Expect: 100-continue", b"\xff\xfe"]
statuses = set()
for _ in range(300):
    junk = b"".join(rng.choice(pieces) if rng.random() < 0.8 else bytes([rng.randrange(256)])
                    for _ in range(rng.randrange(1, 40))) + b"\r\n\r\n"
    s_ = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
    s_.sendall(junk)
    s_.shutdown(socket.SHUT_WR)
    try:
        data = s_.recv(65536)
    except ConnectionResetError:
        data = b""
    s_.close()
    statuses.add(int(data.split(b" ")[1]) if data.startswith(b"HTTP/1.1 ") else 0)
check(statuses <= {0, 200, 400, 401, 404, 405, 411, 413, 431} and 400 in statuses,
      "random heads: answered 4xx (or 200) or closed (%s)" % sorted(statuses),
      sorted(statuses))
status, _, _ = get(d.http(), "/health")
check_eq(status, 200, "... and the daemon still answers")

# What HTTP clients are owed counts in STATS' output_bytes (--max-output-total), and
# goes back to 0 when they read it or leave.
art = ("GET /articles/wire-2025-0002 HTTP/1.1\r\n\r\n" * 200).encode()
replies, _ = raw_exchange(d.http_port, art + b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n", 201)
check_eq(len(replies), 201, "200 pipelined article requests read back whole")
# a small receive window set before connecting, and replies (300 search pages, about
# 10 MB) that no kernel buffer holds whole: the rest must wait in leded, owed
unread = socket.socket()
unread.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
unread.settimeout(DEADLINE)
unread.connect(("127.0.0.1", d.http_port))
unread.sendall(b"GET / HTTP/1.1\r\n\r\n" * 300)
probe = d.connect()
owed = lambda: int(dict(l.split("\t", 1) for l in probe.ask("STATS")[1:])["output_bytes"])
check(eventually(lambda: owed() > 0), "a client that does not read is owed bytes in output_bytes")
unread.close()
check(eventually(lambda: owed() == 0), "... and output_bytes is 0 again once it left")
probe.close()

# A pipelined burst larger than --http-max-header-bytes (32 KiB) in one
# write, not read while it is answered: the other clients are still
# answered, and the burst's replies all come, in order.  (With its input
# full to the read watermark and a request out, libevent called the read
# callback again on every loop pass, which starved the event that brings
# every HTTP job back: no HTTP query was answered, 504s after 10 s.)
burst = b"GET /health HTTP/1.1\r\n\r\n" * 1500 + b"GET /count?q=bank HTTP/1.1\r\n\r\n" * 600
check(len(burst) > 32768, "the burst is over the head limit (%d bytes)" % len(burst))
flood = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
sender = threading.Thread(target=flood.sendall, args=(burst,))
sender.start()
other = raw_exchange(d.http_port, b"GET /count?q=x HTTP/1.1\r\nConnection: close\r\n\r\n", 1)[0]
check_eq([(r[0], json.loads(r[2])["ok"]) for r in other], [(200, True)],
         "another connection's GET /count is answered during a 2,100-request pipelined burst")


def read_replies(s, n):
    """Up to n whole replies read from s: (status, JSON body), in order."""
    got, buf = [], b""
    while len(got) < n:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return got
            buf += chunk
        head, buf = buf.split(b"\r\n\r\n", 1)
        length = int([l.split(b":", 1)[1] for l in head.split(b"\r\n")[1:]
                      if l.lower().startswith(b"content-length:")][0])
        while len(buf) < length:
            chunk = s.recv(65536)
            if not chunk:
                return got
            buf += chunk
        got.append((int(head.split(b" ")[1]), json.loads(buf[:length])))
        buf = buf[length:]
    return got


got = read_replies(flood, 2100)
sender.join()
flood.close()
bank = json.loads(line_json(d, "COUNT bank"))["total"]
check_eq([r[0] for r in got], [200] * 2100, "... and the burst gets its 2,100 replies, all 200")
check_eq([r[1].get("status") for r in got[:1500]] + [r[1].get("total") for r in got[1500:]],
         ["ready"] * 1500 + [bank] * 600, "... in request order (1,500 /health, then 600 /count)")

# ---- 413, 431 --------------------------------------------------------------------------
replies, closed = raw_exchange(d.http_port, b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * 100000 +
                               b"\r\n\r\n", 1)
check_eq(replies[0][0] if replies else None, 431, "100 KB of headers: 431")
check(replies and json.loads(replies[0][2])["error"] == "TOOLONG" and closed, "... TOOLONG, then closed")
status, _, body = get(d.http(), "/health")
check_eq(status, 200, "others are still answered after it")

# ---- request smuggling (found by a probe): each refused with 400 and a close -----------
SMUGGLED = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
for what, head in [
        ("a space before the colon", b"POST /count?q=bank HTTP/1.1\r\nContent-Length : 40\r\n\r\n"),
        ("a folded line holding a header", b"GET /health HTTP/1.1\r\nX-A: a\r\n Content-Length: 40\r\n\r\n"),
        ("Content-Length 0 then another", b"POST /commit HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n"),
        ("a signed Content-Length", b"POST /commit HTTP/1.1\r\nContent-Length: +40\r\n\r\n"),
        ("a bare CR in a value", b"GET /health HTTP/1.1\r\nX-A: a\rContent-Length: 40\r\n\r\n")]:
    replies, closed = raw_exchange(d.http_port, head + SMUGGLED, 2)
    check_eq([r[0] for r in replies], [400], what + ": one reply, 400, nothing smuggled after it")
    check(closed, "... and the connection closed", what)

check_eq(d.stop(), 0, "leded stops cleanly")

# ---- ingest: tokens ----------------------------------------------------------------------
INGEST = "ingest-" + "k3" * 8
READ = "reader-" + "r5" * 8
ingest_file = scratch.token_file(INGEST)
read_file = scratch.join("read-token")
with open(read_file, "w") as f:
    f.write(READ + "\n")
os.chmod(read_file, 0o600)
live = scratch.join("live.idx")
d = HttpDaemon(live, "--ingest-token", ingest_file, "--read-token", read_file, "--max-article-bytes", "4096",
               "--max-batch-bytes", "100000", "--http-timeout", "2")
h = d.http()
good = {"Authorization": "Bearer " + INGEST}
article = "A headline about zanzibar\n\nThe body of the article on zanzibar trade.\n"
status, hdrs, body = get(h, "/articles/z1", "PUT", article)
check_eq((status, json.loads(body)["error"], hdrs.get("www-authenticate")), (401, "NOAUTH", "Bearer"),
         "PUT without a token: 401 NOAUTH with WWW-Authenticate: Bearer")
# A large body without the token is refused before it is read (the probe made leded
# hold 64 MiB a connection that way): the head alone gets 401, and the connection closes.
replies, closed = raw_exchange(d.http_port, b"POST /articles HTTP/1.1\r\nContent-Length: 90000\r\n\r\n", 1)
check_eq([r[0] for r in replies], [401], "a 90,000-byte POST /articles without a token: 401 on the head alone")
check(closed, "... and the connection closed without its body read")
status, _, body = get(h, "/articles/z1", "PUT", article, {"Authorization": "Bearer wrong-token-1"})
check_eq((status, json.loads(body)["error"]), (403, "AUTH"), "PUT with a wrong token: 403 AUTH")
status, _, body = get(h, "/articles/z1", "PUT", article, {"Authorization": "Bearer " + READ})
check_eq((status, json.loads(body)["error"]), (403, "AUTH"), "PUT with the read token: 403 AUTH")
status, _, body = get(h, "/articles/z1", "PUT", article, good)
check_eq((status, json.loads(body).get("outcome")), (200, "added"), "PUT with the ingest token: added")
status, _, body = get(h, "/articles", "POST", json.dumps({"id": "z2", "title": "zanzibar again",
                                                           "body": "more zanzibar"}), good)
check_eq((status, json.loads(body).get("outcome")), (200, "added"), "POST /articles of one JSON article: added")
lines = "\n".join([json.dumps({"id": "z3", "title": "t3", "body": "zanzibar three"}), "not json",
                   json.dumps({"id": "z2", "title": "zanzibar again", "body": "more zanzibar"}),
                   json.dumps({"id": "z4", "title": "t4", "body": "zanzibar four"})]) + "\n"
status, _, body = get(h, "/articles", "POST", lines, good)
batch = json.loads(body)
check_eq((status, batch["articles"], batch["added"], batch["unchanged"], batch["failed"]), (200, 4, 2, 1, 1),
         "POST /articles of JSON Lines: one reply counting each line's outcome")
check_eq([(r["line"], r["ok"]) for r in batch["results"]], [(1, True), (2, False), (3, True), (4, True)],
         "... and each line's own reply, numbered")
status, _, body = get(h, "/commit", "POST", "", good)
check_eq((status, json.loads(body)["cmd"]), (200, "commit"), "POST /commit: COMMIT's reply")
status, _, body = get(h, "/count?q=zanzibar", headers={"Authorization": "Bearer " + READ})
check_eq((status, json.loads(body)["total"]), (200, 4), "the read token reads what was committed")
status, _, body = get(h, "/articles/z4", "DELETE", None, good)
check_eq((status, json.loads(body).get("outcome")), (200, "deleted"), "DELETE /articles/{id}: deleted")

# ---- the read token on both protocols ----------------------------------------------------
status, hdrs, body = get(h, "/search?q=zanzibar")
check_eq((status, json.loads(body)["error"]), (401, "NOAUTH"), "--read-token: GET /search without it is 401")
status, _, body = get(h, "/search?q=zanzibar", headers={"Authorization": "Bearer nope-nope-nope"})
check_eq(status, 403, "... with a wrong one 403")
status, _, body = get(h, "/search?q=zanzibar", headers={"Authorization": "Bearer " + INGEST})
check_eq(status, 200, "... the ingest token reads too")
status, _, body = get(h, "/health")
check_eq(status, 200, "... /health stays open")
c = d.connect()
check_eq(c.ask("PING"), ["OK PONG"], "line protocol: PING stays open")
check(c.ask("SEARCH zanzibar")[0].startswith("ERR NOAUTH"), "line protocol: SEARCH without AUTH is ERR NOAUTH")
check(c.ask("STATS")[0].startswith("ERR NOAUTH"), "... STATS too")
check(c.ask("AUTH " + READ)[0].startswith("OK"), "AUTH with the read token")
check(c.ask("SEARCH zanzibar")[0].startswith("OK"), "... then SEARCH answers")
check(c.ask("DELETE z1")[0].startswith("ERR NOAUTH"), "... but ingest still needs the ingest token")
c.close()

# ---- 413 and abuse -------------------------------------------------------------------------
status, _, body = get(h, "/articles/big", "PUT", "x" * 5000, good)
check_eq((status, json.loads(body)["error"]), (413, "TOOLONG"), "a PUT over --max-article-bytes: 413 TOOLONG")
h = d.http()
replies, closed = raw_exchange(d.http_port, b"PUT /articles/huge HTTP/1.1\r\nAuthorization: Bearer " +
                               INGEST.encode() + b"\r\nContent-Length: 10485760\r\n\r\n" + b"y" * 65536, 1)
check_eq(replies[0][0] if replies else None, 413, "a 10 MB body: 413 before it is read")
status, _, body = get(h, "/articles", "POST", "\n".join(["{}"] * 60000), good)
check_eq(status, 413, "POST /articles over --max-batch-bytes: 413")
h = d.http()
idle = [socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE) for _ in range(300)]
for s in idle:
    s.sendall(b"GET /health HTTP/1.1\r\n\r\n")
answered = 0
for s in idle:
    if s.recv(65536).startswith(b"HTTP/1.1 200"):
        answered += 1
check_eq(answered, 300, "300 keep-alive connections answered and left open idle")
slow = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
slow.sendall(b"GET /health HT")
status, _, body = get(h, "/search?q=zanzibar", headers={"Authorization": "Bearer " + READ})
check_eq(status, 200, "with them and a slow sender, another client is answered")
check_eq(slow.recv(100), b"", "the slow sender is closed after --http-timeout")
check_eq(idle[0].recv(100), b"", "... and the idle keep-alive connections too")
for s in idle:
    s.close()
slow.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- slowloris: a byte now and then does not keep a request open past --http-timeout ----
d = HttpDaemon(index, "--http-timeout", "0.5")
loris = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
loris.settimeout(0.2)
got = b""
for byte in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 200:  # 0.2 s a byte: 40 s if never cut
    try:
        loris.sendall(bytes([byte]))
    except OSError:
        break
    try:
        got += loris.recv(4096)
    except socket.timeout:
        continue
    if got:
        break
check(got.startswith(b"HTTP/1.1 408") and b'"TIMEOUT"' in got,
      "a head sent a byte every 0.2 s is answered 408 TIMEOUT once --http-timeout passed", got[:120])
loris.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- the time limit, a client gone, the connection cap, health not ready -----------------------
hold = scratch.join("hold.fifo")
os.mkfifo(hold)
d = HttpDaemon(index, "--workers", "1", "--query-timeout", "0.3", "--max-connections", "3",
               env={"LEDE_TEST_HOLD": hold})
h = d.http()
status, _, body = get(h, "/search?q=lede-test-hold")
check_eq((status, json.loads(body)["error"]), (504, "TIMEOUT"), "a query past --query-timeout: 504 TIMEOUT")
release_one(hold)
status, _, body = get(h, "/count?q=bank")
check_eq(status, 200, "the same keep-alive connection is answered after it")
gone = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
gone.sendall(b"GET /search?q=lede-test-hold HTTP/1.1\r\n\r\n")
eventually(lambda: "workers_busy\t1" in "\n".join(d.connect().ask("STATS")))
gone.close()
release_one(hold)
status, _, body = get(h, "/count?q=bank")
check_eq(status, 200, "a client that left with its query held does not stop the others")
probe = d.connect()
check(eventually(lambda: "http_connections\t1" in probe.ask("STATS")),
      "STATS counts the HTTP connections open (the one that left is gone)")
probe.close()
line1, line2 = d.connect(), d.connect()
check(eventually(lambda: line1.ask("PING") == ["OK PONG"] and line2.ask("PING") == ["OK PONG"]),
      "two line connections and one HTTP connection: the cap of 3")
replies, closed = raw_exchange(d.http_port, b"GET /health HTTP/1.1\r\n\r\n", 1)
check_eq((replies[0][0], json.loads(replies[0][2])["error"]) if replies else None, (429, "LIMIT"),
         "a fourth connection over HTTP: 429 LIMIT (HTTP counts with --max-connections)")
line1.close()
line2.close()
os.rename(index, index + ".away")
status, _, body = get(h, "/health")
check_eq((status, json.loads(body)["error"]), (503, "UNAVAILABLE"), "the index moved away: /health 503 UNAVAILABLE")
os.rename(index + ".away", index)
status, _, body = get(h, "/health")
check_eq(status, 200, "... and 200 once it is back")
check_eq(d.stop(), 0, "leded stops cleanly")

# Fairness: an HTTP connection takes its turn among the line protocol's.
# One worker, held by a line client whose flood waits behind it (its
# second query holds too); an HTTP query sent meanwhile runs as soon as
# the first hold ends, before the flood's next queries.
d = HttpDaemon(index, "--workers", "1", env={"LEDE_TEST_HOLD": hold})
flood = d.connect()
flood.send("SEARCH lede-test-hold\nSEARCH lede-test-hold\n" + "COUNT bank\n" * 50)
probe = d.connect()
check(eventually(lambda: "workers_busy\t1" in probe.ask("STATS")), "the flood holds the one worker")
waiting = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
waiting.sendall(b"GET /count?q=bank HTTP/1.1\r\n\r\n")
# the flood's 51 waiting and the HTTP query: released before that, the worker could
# take the flood's second hold before the HTTP query was queued (a race of the test)
check(eventually(lambda: int(dict(l.split("\t", 1) for l in probe.ask("STATS")[1:])["queued"]) >= 52),
      "the HTTP query waits beside the flood's 51")
release_one(hold)
answer = waiting.recv(65536)
check(answer.startswith(b"HTTP/1.1 200"), "the HTTP query is answered while the flood waits", answer[:200])
queued = int(dict(l.split("\t", 1) for l in probe.ask("STATS")[1:])["queued"])
check(queued >= 50, "... before the flood's next 50 queries (queued: %d)" % queued)
release_one(hold)
got = [flood.reply("SEARCH")[0] for _ in range(2)] + [flood.reply("COUNT")[0] for _ in range(50)]
check(len([g for g in got if g.startswith("OK")]) == 52, "the flood is answered whole after", got[:3])
waiting.close()
flood.close()
probe.close()
check_eq(d.stop(), 0, "leded stops cleanly")
# --max-connections-per-address counts HTTP and line connections together.
d = HttpDaemon(index, "--max-connections-per-address", "2")
line = d.connect()
check_eq(line.ask("PING"), ["OK PONG"], "one line connection from 127.0.0.1")
h = d.http()
status, _, _ = get(h, "/health")
check_eq(status, 200, "and one HTTP connection")
replies, closed = raw_exchange(d.http_port, b"GET /health HTTP/1.1\r\n\r\n", 1)
check_eq((replies[0][0], json.loads(replies[0][2])["message"]) if replies else None,
         (429, "too many connections from this address"), "a third from the address over HTTP: 429")
third = d.connect()
check(third.line().startswith("ERR LIMIT"), "... and over the line protocol: ERR LIMIT")
line.close()
h.close()
check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
