"""test_edges -- issue 16's protocol edges and token handling, each a
regression test: a NUL byte in a request line, JSON error messages that
quote bytes that are not UTF-8, ids with control characters or too long
(ADD, PUT, lede-index), PUTs over --max-line or cut by a half-close,
NEAR/N and hl= out of range, the AUTH throttle per address (also on a
dual-stack listener) and for the server, the token never in the debug log,
a token file others can read, --max-connections-per-address.  Waits poll;
nothing sleeps."""
import json
import os
import select
import signal
import socket
import subprocess
import time

from ledetest import (Conn, Daemon, Scratch, ROOT, LEDED, build_index, check, check_eq, eventually,
                      finish, indexer, list_ids, stats, write_jsonl)

scratch = Scratch()
TOKEN = "tok-" + "q9" * 10
token_file = scratch.token_file(TOKEN)


def raw_ask(conn, data):
    """Sends raw bytes (a line) and reads one status line."""
    conn.send(data)
    return conn.line()


class ConnFrom(Conn):
    """A connection from a chosen loopback address (127.0.0.x)."""

    def __init__(self, port, source):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60,
                                             source_address=(source, 0))
        self.buf = b""
        self.json = False


# ---- request lines -------------------------------------------------------------
plain = scratch.join("plain.idx")
build_index(plain, os.path.join(ROOT, "corpus"))
d = Daemon(plain)
c = d.connect()
r = raw_ask(c, b"SEARCH eco\x00nomy\n")
check(r.startswith("ERR SYNTAX") and "NUL" in r and "column 11" in r,
      "a NUL byte in a request line is a SYNTAX error naming its column", r)
check(c.ask("PING") == ["OK PONG"], "the connection goes on after it")
r = c.ask("SEARCH drought NEAR/-1 farms")
check(r[0].startswith("ERR SYNTAX") and "1 to 1000" in r[0], "NEAR/-1 refused", r)
r = c.ask("SEARCH drought NEAR/999999999999 farms")
check(r[0].startswith("ERR SYNTAX") and "1 to 1000" in r[0], "NEAR/999999999999 refused", r)
check(c.ask("SEARCH drought NEAR/1000 farms")[0].startswith("OK SEARCH"), "NEAR/1000 runs")
r = c.ask("SEARCH hl=,,, drought")
check(r[0].startswith("ERR SYNTAX") and "hl=" in r[0], "hl=,,, refused", r)
r = c.ask("SEARCH -drought NEAR farms rain")
check(r[0].startswith("ERR SYNTAX") and "excluded" in r[0], "an excluded word beside NEAR refused", r)
check(c.ask("SEARCH hl=, drought")[0].startswith("OK SEARCH"), "hl=, (no markers) runs")
check(c.ask("FORMAT json")["ok"], "FORMAT json")
c.send(b"BOGUS\xff\xfe\x01x\n")
r = json.loads(c.line())
check(r["error"] == "UNKNOWN" and "\\xFF\\xFE\x01x" in r["message"],
      "a JSON error message keeps the bytes that are not UTF-8 as \\xNN", r)
c.send(b"SEARCH a\x00b\n")
r = json.loads(c.line())
check(r["error"] == "SYNTAX" and "NUL" in r["message"], "NUL in JSON mode too", r)
c.close()
check_eq(d.stop(), 0, "leded 1 exits 0 (no sanitizer report)")

# ---- ids ---------------------------------------------------------------------
live = scratch.join("live.idx")
d = Daemon(live, "--ingest-token", token_file, "--commit-interval", "0.05")
c = d.connect()
check(c.ask("AUTH " + TOKEN) == ["OK AUTH"], "AUTH with the right token")
r = c.ask("ADD " + json.dumps({"id": "a\tb", "title": "t", "text": "tab"}))
check(r[0].startswith("ERR BADARTICLE") and "control character" in r[0],
      "ADD refuses an id with a TAB", r)
r = c.ask("ADD " + json.dumps({"id": "a\nb", "title": "t", "text": "lf"}))
check(r[0].startswith("ERR BADARTICLE"), "ADD refuses an id with a LF", r)
r = c.ask("ADD " + json.dumps({"id": "i" * 60000, "title": "t", "text": "long"}))
check(r[0].startswith("ERR BADARTICLE") and "1024" in r[0], "ADD refuses a 60,000-byte id", r)
check(c.ask("ADD " + json.dumps({"id": "i" * 1024, "title": "t", "text": "edge"}))[0]
      == "OK ADDED " + "i" * 1024, "a 1,024-byte id is taken")
body = b"Headline\n\nBody of the article.\n"
c.send(b"PUT " + b"p" * 1025 + b" %d\n" % len(body) + body + b"\n")
r = c.line()
check(r.startswith("ERR BADARTICLE") and "1024" in r, "PUT refuses a 1,025-byte id", r)
c.send(b"PUT p\x01q %d\n" % len(body) + body + b"\n")
r = c.line()
check(r.startswith("ERR BADARTICLE") and "control" in r, "PUT refuses an id with a control byte", r)
nul_body = b"Headline\n\nBo\x00dy.\n"
c.send(b"PUT nul-1 %d\n" % len(nul_body) + nul_body + b"\n")
r = c.line()
check(r.startswith("ERR BADARTICLE") and "NUL" in r, "PUT of an article with a NUL byte is refused", r)
check(c.ask("PING") == ["OK PONG"], "the PUT's bytes were read: the connection is in step")
check(c.ask("ADD " + json.dumps({"id": "good-1", "title": "t", "text": "fine"}))[0] == "OK ADDED good-1",
      "a good id is still taken")
check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "COMMIT")
check(c.ask("COUNT fine OR edge") == ["OK COUNT 2"], "only the good articles were stored")
# A PUT of more than --max-line (64 KiB): its bytes must all fit in the
# input buffer, whose limit was the line's, so it waited for ever.
big = b"Large article\n\n" + b"quagga " * 30000 + b"\n"
c.send(b"PUT big-1 %d\n" % len(big) + big + b"\n")
check(c.line() == "OK ADDED big-1", "a PUT of %d bytes (over --max-line) is taken" % len(big))
check(c.ask("PING") == ["OK PONG"], "and the connection goes on after it")
c.close()
# The client stops sending before a PUT's bytes are all there: the PUT is
# answered (it waited for ever, the connection left in CLOSE-WAIT).
for cut in (b"0123", b"", b"0123456789", b"0123456789\r"):
    c = d.connect()
    check(c.ask("AUTH " + TOKEN) == ["OK AUTH"], "AUTH")
    c.send(b"PUT cut-1 10\n" + cut)
    c.sock.shutdown(socket.SHUT_WR)
    r = c.line()
    check(r.startswith("ERR SYNTAX") and "closed before" in r,
          "a PUT cut by the client's half-close after %r is answered" % cut, r)
    check(c.closed_by_peer(), "and the connection is closed")
c = d.connect()
check(c.ask("AUTH " + TOKEN) == ["OK AUTH"], "AUTH")
c.send(b"PUT cut-2 10\nTitle\n\nab\n\nPING\n")
c.sock.shutdown(socket.SHUT_WR)
check([c.line(), c.line()] == ["OK ADDED cut-2", "OK PONG"],
      "a whole PUT before the half-close is taken as before")
c.close()
check_eq(d.stop(), 0, "leded 2 exits 0 (no sanitizer report)")

src = scratch.join("bad-ids")
os.mkdir(src)
write_jsonl(os.path.join(src, "a.jsonl"), [
    {"id": "ok-1", "title": "first", "text": "kept"},
    {"id": "tab\there", "title": "second", "text": "refused"},
    {"id": "x" * 2000, "title": "third", "text": "refused"},
    {"id": "ok-2", "title": "fourth", "text": "kept"}])
idx = scratch.join("bad-ids.idx")
rc, out, err = indexer("--index", idx, src)
check(rc == 1, "lede-index finishes with bad ids among the records (status 1: some skipped)", err)
check("a.jsonl:2" in err and "control character" in err, "the record with a TAB in its id is named", err)
check("a.jsonl:3" in err and "1024" in err, "the record with a 2,000-byte id is named", err)
check_eq(sorted(list_ids(idx)), ["ok-1", "ok-2"], "the other records are all indexed")

# ---- the token file ----------------------------------------------------------
loose = scratch.join("loose-token")
with open(loose, "w") as f:
    f.write(TOKEN + "\n")
os.chmod(loose, 0o644)
p = subprocess.run([LEDED, "--index", scratch.join("t.idx"), "--listen", "127.0.0.1:0",
                    "--ingest-token", loose], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=60)
msg = p.stderr.decode()
check(p.returncode == 2 and "chmod 600" in msg and "--allow-readable-token" in msg,
      "a token file others can read: leded refuses to start and says how to fix it", msg)
d = Daemon(scratch.join("t.idx"), "--ingest-token", loose, "--allow-readable-token")
check(d.connect().ask("AUTH " + TOKEN) == ["OK AUTH"], "--allow-readable-token serves anyway")
check_eq(d.stop(), 0, "leded 3 exits 0 (no sanitizer report)")

# ---- the token is never logged; the throttle -----------------------------------
d = Daemon(live, "--ingest-token", token_file, "--log-level", "debug", "--auth-failures", "3",
           "--auth-failures-total", "7", "--auth-window", "3600")
wrong = "wrong-" + "z5" * 8
c = d.connect()
check(c.ask("AUTH " + TOKEN) == ["OK AUTH"], "AUTH right")
check(c.ask("AUTH " + wrong)[0].startswith("ERR AUTH invalid"), "AUTH wrong")
check(c.ask("auth   " + TOKEN) == ["OK AUTH"], "AUTH in lower case")
check(c.ask("PING") == ["OK PONG"], "PING")
c.close()
for n in range(2):  # three failures in all from 127.0.0.1, over two connections
    c = d.connect()
    check(c.ask("AUTH " + wrong)[0].startswith("ERR AUTH invalid"), "wrong token %d" % (n + 2))
    c.close()
c = d.connect()
r = c.ask("AUTH " + TOKEN)
check(r[0].startswith("ERR AUTH too many failed AUTH from this address"),
      "after 3 failures, even the right token is refused from that address", r)
check("try again in" in r[0], "the reply says when to try again", r)
c.close()
c = ConnFrom(d.port, "127.0.0.2")
check(c.ask("AUTH " + TOKEN) == ["OK AUTH"], "another address is not throttled")
for n in range(3):
    check(c.ask("AUTH " + wrong)[0].startswith("ERR AUTH"), "127.0.0.2 fails %d" % (n + 1))
check(c.closed_by_peer(), "three failures on one connection close it")
c = ConnFrom(d.port, "127.0.0.3")
check(c.ask("AUTH " + wrong)[0].startswith("ERR AUTH invalid"), "127.0.0.3 fails once: 7 in all")
r = c.ask("AUTH " + TOKEN)
check(r[0].startswith("ERR AUTH too many failed AUTH from this server"),
      "after 7 failures on the server, every address is throttled", r)
c.close()
c = ConnFrom(d.port, "127.0.0.4")
r = c.ask("AUTH " + TOKEN)
check(r[0].startswith("ERR AUTH too many failed AUTH from this server"),
      "... even one that never failed", r)
c.close()
log = d.log_text()
check_eq(d.stop(), 0, "leded 4 exits 0 (no sanitizer report)")
check(TOKEN not in log and wrong not in log, "neither token appears in the debug log")
check("request: AUTH ********" in log and "request: PING" in log,
      "the debug log shows the requests, AUTH masked")
check(log.count("AUTH throttled for 127.0.0.1 ") == 1,
      "one log line when 127.0.0.1 starts being throttled", log[-2000:])
check("AUTH throttled for every address" in log, "and one when the whole server is")

# ---- a dual-stack listener: each IPv4 client is its own address ----------------
# Its IPv4 peers are ::ffff:a.b.c.d, whose first 64 bits are all 0: keyed by
# the /64, 127.0.0.1's failures throttled 127.0.0.2 as well.
log_path = scratch.join("dual.log")
with open(log_path, "w") as log_file:
    proc = subprocess.Popen([LEDED, "--index", live, "--listen", "[::]:0", "--ingest-token",
                             token_file, "--auth-failures", "2", "--auth-window", "3600"],
                            stdout=subprocess.DEVNULL, stderr=log_file)
port = None
end = time.monotonic() + 60
while port is None and proc.poll() is None and time.monotonic() < end:
    with open(log_path) as f:
        for line in f:
            if "listening on tcp " in line:
                port = int(line.rsplit(":", 1)[1])
    if port is None:
        select.select([], [], [], 0.01)
check(port is not None, "leded listens on [::]", open(log_path).read())
for n in range(2):
    c = ConnFrom(port, "127.0.0.1")
    check(c.ask("AUTH " + wrong)[0].startswith("ERR AUTH invalid"), "dual stack: wrong token %d" % (n + 1))
    c.close()
c = ConnFrom(port, "127.0.0.1")
check(c.ask("AUTH " + TOKEN)[0].startswith("ERR AUTH too many failed AUTH from this address"),
      "dual stack: 127.0.0.1 is throttled after 2 failures")
c.close()
c = ConnFrom(port, "127.0.0.2")
r = c.ask("AUTH " + TOKEN)
check(r == ["OK AUTH"], "dual stack: 127.0.0.2 is not throttled for 127.0.0.1's failures", r)
c.close()
proc.send_signal(signal.SIGTERM)
check_eq(proc.wait(timeout=60), 0, "leded 5 exits 0 (no sanitizer report)")

# ---- connections from one address -----------------------------------------------
d = Daemon(plain, "--max-connections-per-address", "2")
probe = ConnFrom(d.port, "127.0.0.9")
mine = [ConnFrom(d.port, "127.0.0.2") for _ in range(2)]
check_eq([c.ask("PING") for c in mine], [["OK PONG"]] * 2, "two connections from 127.0.0.2 are served")
third = ConnFrom(d.port, "127.0.0.2")
check_eq(third.line(), "ERR LIMIT too many connections from this address", "a third from it: ERR LIMIT")
check(third.closed_by_peer(), "and closed")
other = ConnFrom(d.port, "127.0.0.3")
check_eq(other.ask("PING"), ["OK PONG"], "another address is served meanwhile")
check("connection from 127.0.0.2 refused: 2 open from its address" in d.log_text(), "the refusal is logged")
mine[0].close()
check(eventually(lambda: stats(probe)["connections"] == "3"), "one of 127.0.0.2's connections closes")
again = ConnFrom(d.port, "127.0.0.2")
check_eq(again.ask("PING"), ["OK PONG"], "then 127.0.0.2 may open another")
for c in (probe, mine[1], third, other, again):
    c.close()
check_eq(d.stop(), 0, "leded 6 exits 0")

scratch.cleanup()
finish()
