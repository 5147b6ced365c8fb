"""test_valgrind -- leded under valgrind's memcheck for a session of
queries of every kind (including errors, a long line and a vanished
client) and of ingest commands (ADD, PUT, DELETE, COMMIT, COMPACT, their
errors, a client vanishing mid-PUT): no invalid access, and no leak once it
has stopped.  Skipped for
the sanitizer build, where LeakSanitizer does this job."""
# tests/run: alone -- leded under memcheck (tens of times slower) with the default 10 s --query-timeout.
import os
import select
import re
import shutil
import signal
import socket
import subprocess

import ledetest
from ledetest import BIN, LEDED, ROOT, Conn, Scratch, build_index, check, check_eq, finish

def failures_seen():
    return ledetest.failures > 0


if "asan" in os.path.basename(BIN) or not shutil.which("valgrind"):
    print("ok - skipped: sanitizer build (LeakSanitizer covers it) or no valgrind")
    finish()

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
token = scratch.token_file("valgrind-token-123")
log = scratch.join("valgrind.log")
err = open(scratch.join("leded.log"), "w")
proc = subprocess.Popen(["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                         "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                         "--log-file=" + log, LEDED, "--index", index, "--listen", "127.0.0.1:0",
                         "--workers", "2", "--ingest-token", token],
                        stdout=subprocess.DEVNULL, stderr=err)
port = None
for _ in range(6000):  # valgrind starts slowly; poll the daemon's own log
    with open(scratch.join("leded.log")) as f:
        m = re.search(r"listening on tcp 127\.0\.0\.1:(\d+)", f.read())
    if m:
        port = int(m.group(1))
        break
    if proc.poll() is not None:
        break
    select.select([], [], [], 0.05)  # startup only: no assertion depends on it
check(port is not None, "leded starts under valgrind")
if port:
    c = Conn(port)
    session = ["PING", "SEARCH drought", 'SEARCH "elena marsh"', "SEARCH quill*", "COUNT bank",
               "GET wire-2024-0001", "GET nope", "SUGGEST drougt", "STATS", "HELP",
               'SEARCH "unbalanced', "FROB", "SEARCH date:2025..2026 bank", "SEARCH sort=date bank",
               "SEARCH mode=any quillon harbour"]
    for req in session:
        c.ask(req)
    check_eq(c.ask("FORMAT json")["format"], "json", "json session")
    for req in session:
        c.ask(req)
    c.close()
    v = Conn(port)
    v.send("SEARCH limit=100 snippet=2000 -- bank\n" * 20)
    v.close()
    t = Conn(port)
    t.send("SEARCH " + "x" * 200000 + "\n")
    t.close()
    i = Conn(port)
    check(i.ask('ADD {"id":"v1","title":"t","text":"b"}')[0].startswith("ERR NOAUTH"), "NOAUTH")
    check_eq(i.ask("AUTH valgrind-token-123"), ["OK AUTH"], "AUTH")
    for req in ['ADD {"id":"v1","title":"Valgrind","text":"checked memory"}',
                'ADD {"id":"v1","title":"Valgrind","text":"checked memory again"}',
                'ADD {"title":"no id"}', 'ADD {"id": broken', "COMMIT", "SEARCH memory",
                "DELETE v1", "DELETE v1", "COMPACT", "STATS"]:
        i.ask(req)
    i.send("PUT p1 21\nTitle: Put\n\nBody text\n")
    check_eq(i.reply("PUT"), ["OK ADDED p1"], "PUT")
    i.close()
    gone = Conn(port)
    gone.ask("AUTH valgrind-token-123")
    gone.send("PUT half 1000\nonly part of it")  # then vanishes
    gone.close()
    c = Conn(port)
    check_eq(c.ask("PING"), ["OK PONG"], "alive after the session")
    c.close()
    proc.send_signal(signal.SIGTERM)
code = proc.wait(timeout=300)
report = open(log).read()
check_eq(code, 0, "valgrind reports no errors and leded exits 0")
check("ERROR SUMMARY: 0 errors" in report, "memcheck: 0 errors",
      re.findall(r"ERROR SUMMARY.*", report)[:1])
check(re.search(r"definitely lost: 0 bytes|All heap blocks were freed", report) is not None,
      "no memory definitely lost", re.findall(r"definitely lost.*", report)[:1])
if failures_seen():
    print("# " + "\n# ".join(report.splitlines()[-60:]))
scratch.cleanup()
finish()
