"""test_http_halfclose -- a client that half-closes (shutdown(SHUT_WR))
while replies are still on their way gets every reply the daemon began
whole, then the end of the stream: never a reply cut in the middle.

The client pipelines many large searches with a tiny receive window and
reads nothing, until the daemon holds bytes of its own for it (STATS'
output_bytes > 0: the kernel's buffers are full, the event loop queues
the rest and stops taking the client's requests).  It then half-closes
and reads to the end.  The daemon used to free such a connection as soon
as it read the end of the stream in its HEAD state, dropping the bytes
still queued: the client got its last reply cut short.  Facts only: the
bytes received, parsed as HTTP replies by their Content-Length.

Second: a client that has its reply whole (written by the query's worker,
which the test hook LEDE_TEST_HOLD then holds before it hands the job
back), sends its next request and half-closes at once.  That request must
be answered.  The daemon dropped it whenever the end of the stream came
before it had seen that the worker's reply went whole (the worker notes
it on the connection's wire just after send() returns; the client is
often quicker): it took the written request for the one in flight,
answered "it" and closed.  Run 30 times: the order of those two is the
machine's, the answer must not depend on it."""
import json
import os
import socket

from ledetest import (DEADLINE, HttpDaemon, ROOT, Scratch, build_index, check, check_eq, eventually, finish,
                      release_one, stats)

scratch = Scratch()
index = scratch.join("halfclose.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = HttpDaemon(index, "--workers", "1")
probe = d.connect()

QUERY = b"GET /search?q=the+OR+a+OR+of+OR+bank&limit=100&snippet=1000 HTTP/1.1\r\n\r\n"


def split_replies(data):
    """The whole replies in data (status, body) and the bytes left after them."""
    replies = []
    while b"\r\n\r\n" in data:
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        hdrs = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = int(hdrs["content-length"])
        if len(rest) < n:
            break
        replies.append((int(lines[0].split(" ")[1]), rest[:n]))
        data = rest[n:]
    return replies, data


def half_close_and_read(s, data=b"", then=None):
    """Half-closes s, calls then() when given, reads to the end of the
    stream and closes s: split_replies of data (bytes read before) and all
    that came after."""
    s.shutdown(socket.SHUT_WR)
    if then:
        then()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return split_replies(data)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.settimeout(DEADLINE)
s.connect(("127.0.0.1", d.http_port))
s.sendall(QUERY * 500)
check(eventually(lambda: int(stats(probe)["output_bytes"]) > 0),
      "a client that does not read: the daemon queues bytes of its own for it")
replies, left = half_close_and_read(s)
check(len(replies) > 0, "replies reach a client that half-closed while they were on their way", len(replies))
check(left == b"", "... every reply whole: none cut short by the close",
      "%d bytes of a reply cut short after %d whole" % (len(left), len(replies)))
check_eq({status for status, _ in replies}, {200}, "... each a 200")
check(all(json.loads(body)["cmd"] == "search" for _, body in replies), "... each a search's JSON")
check(eventually(lambda: stats(probe)["http_connections"] == "0"), "the connection is closed after")
probe.close()
check_eq(d.stop(), 0, "leded stops cleanly")

hold = scratch.join("hold.fifo")
os.mkfifo(hold)
d = HttpDaemon(index, "--workers", "1", env={"LEDE_TEST_HOLD": hold})
answered = []
for _ in range(30):
    s = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
    s.sendall(b"GET /search?q=lede-test-hold-sent HTTP/1.1\r\n\r\n")
    data = b""
    while not split_replies(data)[0]:
        data += s.recv(65536)
    s.sendall(b"GET /count?q=bank HTTP/1.1\r\n\r\n")
    replies, left = half_close_and_read(s, data, then=lambda: release_one(hold))
    answered.append([json.loads(body)["cmd"] for _, body in replies] + ([left] if left else []))
check_eq(answered, [["search", "count"]] * 30,
         "a request sent after the worker's whole reply, then a half-close: answered, every time")
check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
