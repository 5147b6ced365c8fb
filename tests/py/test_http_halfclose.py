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
bytes received, parsed as HTTP replies by their Content-Length."""
import json
import os
import socket

from ledetest import DEADLINE, HttpDaemon, ROOT, Scratch, build_index, check, check_eq, eventually, finish, stats

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


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
s.settimeout(DEADLINE)
s.connect(("127.0.0.1", d.http_port))
s.sendall(QUERY * 500)
check(eventually(lambda: int(stats(probe)["output_bytes"]) > 0),
      "a client that does not read: the daemon queues bytes of its own for it")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.close()
replies, left = split_replies(data)
check(len(replies) > 0, "replies reach a client that half-closed while they were on their way", len(replies))
check(left == b"", "... every reply whole: none cut short by the close",
      "%d bytes of a reply cut short after %d whole" % (len(left), len(replies)))
check_eq({status for status, _ in replies}, {200}, "... each a 200")
check(all(json.loads(body)["cmd"] == "search" for _, body in replies), "... each a search's JSON")
check(eventually(lambda: stats(probe)["http_connections"] == "0"), "the connection is closed after")
probe.close()
check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
