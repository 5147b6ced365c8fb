"""test_http_faults -- issue 18's HTTP corners no other test reaches, each
through a real socket with its JSON error object asserted: 503 BUSY with
Retry-After (the ingest backlog full: --max-backlog 1 and the writer held
by the test hook), 500 INTERNAL (a
query on an index whose posting table was overwritten under the daemon),
507 DISKFULL (a COMMIT on a full tmpfs, as test_faults does for the line
protocol; needs root to mount, skipped with a line saying so otherwise);
and 1,000 idle keep-alive HTTP connections: each answered, others still
answered beside them, the daemon's resident memory grown by less than
32 KB a connection, within the descriptors its limit allows.  Facts only:
statuses, codes, headers, counts, /proc figures."""
import json
import os
import resource
import shutil
import socket
import subprocess

import http.client

from ledetest import (DEADLINE, HttpDaemon, ROOT, Scratch, build_index, check, check_eq, eventually, finish,
                      release_one, stats)

# Under AddressSanitizer: Xapian's own leaks on its failure paths are not
# counted here (tests/asan/xapian-failures.supp says why).
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(ROOT, "tests", "asan", "xapian-failures.supp")
scratch = Scratch()
TOKEN = "tok-" + "h7" * 10
token_file = scratch.token_file(TOKEN)
AUTH = {"Authorization": "Bearer " + TOKEN}
ARTICLE = "A headline about zanzibar\n\n" + "The body of the article on zanzibar trade. " * 40 + "\n"


def ask(d, method, path, body=None, headers=None):
    """(status, headers dict, JSON body) of one request on a new connection."""
    h = d.http()
    h.request(method, path, body=body, headers=headers or {})
    r = h.getresponse()
    data = r.read()
    h.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, json.loads(data)


def error_of(reply):
    status, hdrs, body = reply
    return status, body.get("ok"), body.get("error")


# ---- 503 BUSY: the ingest backlog is full ----------------------------------------------------
# --max-backlog 1, and the writer held on a PUT (LEDE_TEST_HOLD, daemon/ingest.h) that fills it
hold = scratch.join("hold.fifo")
os.mkfifo(hold)
d = HttpDaemon(scratch.join("busy.idx"), "--ingest-token", token_file, "--max-backlog", "1",
               env={"LEDE_TEST_HOLD": hold})
held = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
held.sendall(("PUT /articles/lede-test-hold HTTP/1.1\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s"
              % (TOKEN, len(ARTICLE), ARTICLE)).encode())
probe = d.connect()
check(eventually(lambda: stats(probe)["ingest_backlog"] == "1"), "a held PUT fills the ingest backlog of 1")
status, hdrs, body = ask(d, "PUT", "/articles/z1", ARTICLE, AUTH)
check_eq((status, body["ok"], body["error"]), (503, False, "BUSY"), "PUT with the ingest backlog full: 503 BUSY")
check_eq(hdrs.get("retry-after"), "1", "... with Retry-After: 1")
check("try again" in body["message"], "... and a message saying to try again", body)
status, hdrs, body = ask(d, "POST", "/commit", "", AUTH)
check_eq((status, body["error"], hdrs.get("retry-after")), (503, "BUSY", "1"), "POST /commit too: 503 BUSY, Retry-After")
release_one(hold)
check(held.recv(65536).startswith(b"HTTP/1.1 200"), "the held PUT is answered once released")
held.close()
status, _, body = ask(d, "PUT", "/articles/z1", ARTICLE, AUTH)
check_eq((status, body.get("outcome")), (200, "added"), "... and a PUT sent again after it is added")
probe.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- 500 INTERNAL: the index's posting table overwritten under the daemon -------------------
index = scratch.join("corrupt.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = HttpDaemon(index)
check_eq(ask(d, "GET", "/health")[0], 200, "an index that reads: /health 200")
postlists = [os.path.join(dp, f) for dp, _, fs in os.walk(index) for f in fs if f == "postlist.glass"]
check_eq(len(postlists), 1, "the index has one posting table")
with open(postlists[0], "r+b") as f:
    f.write(b"\xff" * os.path.getsize(postlists[0]))
reply = ask(d, "GET", "/search?q=drought")
check_eq(error_of(reply), (500, False, "INTERNAL"), "a search on the overwritten table: 500 INTERNAL")
check("DatabaseCorruptError" in reply[2]["message"], "... saying what failed", reply[2])
check_eq(ask(d, "GET", "/count?q=lede")[0], 500, "... and again for the next query: the daemon stands")
check_eq(d.stop(), 0, "leded stops cleanly")

# ---- 1,000 idle keep-alive connections ------------------------------------------------------
IDLE = 1000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < IDLE + 200:
    check(True, "# SKIP 1,000 idle connections: the hard descriptor limit is %d" % hard)
else:
    want = IDLE + 200 if hard == resource.RLIM_INFINITY else min(hard, max(soft, IDLE + 200))
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    index = scratch.join("idle.idx")
    build_index(index, os.path.join(ROOT, "corpus"))
    d = HttpDaemon(index, "--max-connections", str(IDLE + 50))

    def status_kb(key):
        with open("/proc/%d/status" % d.proc.pid) as f:
            return int([l for l in f if l.startswith(key + ":")][0].split()[1])

    check_eq(ask(d, "GET", "/health")[0], 200, "a daemon for 1,000 idle connections")
    rss_before = status_kb("VmRSS")
    idle = [socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE) for _ in range(IDLE)]
    for s in idle:
        s.sendall(b"GET /health HTTP/1.1\r\n\r\n")
    answered = sum(1 for s in idle if s.recv(65536).startswith(b"HTTP/1.1 200"))
    check_eq(answered, IDLE, "1,000 keep-alive connections answered and left open idle")
    status, _, body = ask(d, "GET", "/count?q=bank")
    check_eq((status, body["cmd"]), (200, "count"), "with them open, another client is answered")
    c = d.connect()
    check_eq(c.ask("PING"), ["OK PONG"], "... and a line protocol client too")
    st = dict(l.split("\t", 1) for l in c.ask("STATS")[1:])
    check_eq(st["http_connections"], str(IDLE), "STATS counts the 1,000 idle (the one that asked has left)")
    c.close()
    grown = status_kb("VmRSS") - rss_before
    check(grown < 32 * IDLE, "the daemon's memory grew by %d KB for 1,000 idle connections (< 32 KB each)" % grown)
    fds = len(os.listdir("/proc/%d/fd" % d.proc.pid))
    limit = int([l for l in open("/proc/%d/limits" % d.proc.pid) if l.startswith("Max open files")][0].split()[3])
    check(IDLE < fds < limit, "its descriptors (%d) hold the connections, under its limit (%d)" % (fds, limit))
    for s in idle:
        s.close()
    check_eq(d.stop(), 0, "leded stops cleanly")

# ---- 507 DISKFULL: a COMMIT on a full disk ------------------------------------------------------


def mount(*args):
    return subprocess.run(["mount", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def fill(disk):
    """Writes a file until the disk is full; returns its path."""
    path = os.path.join(disk, "filler")
    with open(path, "wb", buffering=0) as f:
        for chunk in (b"\0" * 65536, b"\0"):
            try:
                while True:
                    f.write(chunk)
            except OSError:
                pass
    return path


disk = scratch.join("disk")
os.makedirs(disk)
if not (shutil.which("mount") and mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", disk)):
    check(True, "# SKIP 507 DISKFULL: cannot mount a tmpfs (needs root)")
else:
    try:
        index = os.path.join(disk, "live.idx")
        d = HttpDaemon(index, "--ingest-token", token_file, "--commit-interval", "3600")
        for i in range(20):
            ask(d, "PUT", "/articles/before-%d" % i, ARTICLE, AUTH)
        check_eq(ask(d, "POST", "/commit", "", AUTH)[0], 200, "a commit with space left: 200")
        filler = fill(disk)
        # PUTs wait in memory for the commit; but the writer may commit before the last
        # (daemon/ingest.c), and once a commit failed, the PUTs after it are refused
        puts = [ask(d, "PUT", "/articles/pending-%d" % i, ARTICLE.replace("zanzibar", "pending %d" % i), AUTH)
                for i in range(30)]
        statuses = [p[0] for p in puts]
        k = statuses.index(507) if 507 in statuses else len(statuses)
        check(k > 0 and statuses == [200] * k + [507] * (len(statuses) - k),
              "PUTs on a full disk: acknowledged (200), then, if a commit failed meanwhile, 507", statuses)
        for p in puts[k:k + 1]:
            check_eq((p[2]["ok"], p[2]["error"]), (False, "DISKFULL"), "... a refused PUT: a DISKFULL error object")
            check(index in p[2]["message"], "... naming the index", p[2])
        status, hdrs, body = ask(d, "POST", "/commit", "", AUTH)
        check_eq((status, body["ok"], body["error"]), (507, False, "DISKFULL"), "COMMIT on the full disk: 507 DISKFULL")
        check(index in body["message"] and "disk full" in body["message"], "... naming the index, disk full", body)
        os.unlink(filler)
        check_eq(ask(d, "POST", "/commit", "", AUTH)[0], 200, "space freed: the commit answers 200")
        check_eq(d.stop(), 0, "leded stops cleanly")
    finally:
        subprocess.run(["umount", "-l", disk], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

scratch.cleanup()
finish()
