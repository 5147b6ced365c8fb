"""test_fair_load -- hostile load on loopback, bounded (issue 16): 1,000
idle connections and 100 clients that pipeline queries and never read,
first cheap queries, then heavy ones (limit=100 snippet=2000), while 4
well-behaved clients query one request at a time.  Asserts: none of the
good clients' queries gets ERR BUSY or fails; the
daemon's peak RSS stays under the bound README.md documents (base +
--max-output-total + per connection); the floods' connections end up held
(STATS connections_held) rather than queueing without end.  The floods run
in a child process (this file, run with --flood), so that they do not take
the good clients' interpreter lock.  Uses the bundled corpus/."""
import os
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

from ledetest import LEDED, ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish

IDLE = 1000
FLOODS = 100
GOOD = 4
GOOD_QUERIES = 250          # each, per phase
OUTPUT_TOTAL = 16 << 20     # --max-output-total for this daemon
OUTPUT_ONE = 256 << 10      # --max-output
CHEAP = b"SEARCH limit=1 snippet=0 -- drought\n"
HEAVY = b"SEARCH limit=100 snippet=2000 mode=any -- said was has will new year people over more after\n"
GOOD_QUERY = "SEARCH drought"
# README.md's bound: B + --max-output-total + one largest reply a connection
# + 16 KiB a connection + 1 KiB a request in flight and its line (asserted
# below with a reply a worker: the floods' replies are small and most of
# them are held with one owed).
WORKERS = 2
PIPELINE = 128              # --max-pipeline, the default
LARGEST_REPLY = 100 * (2000 + 500)
PER_CONN = 16 << 10
PER_REQUEST = 1 << 10


def flood_main(port, payload, n):
    """A child process: n connections that send payload for ever and never
    read, until its stdin closes.  It runs at a lower priority: on a real
    network the floods' own sending would not take the daemon's cores, and
    here it shares two of them with the daemon and the good clients."""
    os.nice(10)
    unit = len(payload)
    payload = payload * (65536 // unit + 2)
    sel = selectors.DefaultSelector()
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_WRITE, [0])
    sel.register(sys.stdin, selectors.EVENT_READ)
    sys.stdout.write("flooding\n")
    sys.stdout.flush()
    while True:
        for key, _ in sel.select():
            if key.fileobj is sys.stdin:
                return
            at = key.data
            try:
                at[0] = (at[0] + key.fileobj.send(payload[at[0]:at[0] + 65536])) % unit
            except BlockingIOError:
                pass
            except OSError:  # closed by the daemon (BUSY is not fatal; errors are)
                sel.unregister(key.fileobj)


if len(sys.argv) > 1 and sys.argv[1] == "--flood":
    flood_main(int(sys.argv[2]), HEAVY if sys.argv[3] == "heavy" else CHEAP, int(sys.argv[4]))
    sys.exit(0)


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def p99(samples):
    s = sorted(samples)
    return s[min(len(s) - 1, int(0.99 * (len(s) - 1) + 0.5))]


def good_clients(d):
    """GOOD clients, each GOOD_QUERIES queries one at a time: (latencies,
    replies that were not OK)."""
    lat, bad = [], []
    lock = threading.Lock()

    def run():
        c = d.connect()
        mine, wrong = [], []
        for _ in range(GOOD_QUERIES):
            t0 = time.perf_counter()
            r = c.ask(GOOD_QUERY)
            mine.append(time.perf_counter() - t0)
            if not r[0].startswith("OK SEARCH"):
                wrong.append(r[0])
        c.close()
        with lock:
            lat.extend(mine)
            bad.extend(wrong)

    threads = [threading.Thread(target=run) for _ in range(GOOD)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return lat, bad


def stats(conn):
    return dict(l.split("\t", 1) for l in conn.ask("STATS")[1:])


fds = raise_fd_limit(IDLE + FLOODS + GOOD + 256)
if fds < IDLE + FLOODS + GOOD + 64:
    print("ok - # SKIP the file-descriptor limit (%d) is too low for %d connections" % (fds, IDLE + FLOODS))
    finish()

# Under AddressSanitizer every allocation carries redzones and shadow, and
# freed memory waits in a quarantine (256 MB by default) before reuse: the
# daemon's quarantine is cut to 16 MB, and the bound's load terms (all but
# the base, measured) are doubled.  Said here, not skipped.
with open(LEDED, "rb") as f:
    ASAN = b"__asan_init" in f.read()
ASAN_FACTOR = 2 if ASAN else 1
daemon_env = {}
if ASAN:
    daemon_env["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=16"
    print("# AddressSanitizer build: quarantine 16 MB, the RSS bound's load terms x%d" % ASAN_FACTOR)

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
# leded inherits the raised limit.
d = Daemon(index, "--workers", str(WORKERS), "--max-pipeline", str(PIPELINE),
           *os.environ.get("FAIR_ARGS", "").split(), "--max-connections", str(IDLE + FLOODS + GOOD + 16),
           "--max-output", str(OUTPUT_ONE), "--max-output-total", str(OUTPUT_TOTAL), env=daemon_env)
probe = d.connect()
good_clients(d)  # warm up: the index's pages, the workers' heaps
base_rss = status_kb(d.proc.pid, "VmRSS") << 10
print("# RSS after warming up %.1f MB" % (base_rss / 1e6))

idle = [socket.create_connection(("127.0.0.1", d.port)) for _ in range(IDLE)]
check(eventually(lambda: int(stats(probe)["connections"]) >= IDLE + 1), "%d idle connections open" % IDLE)

def unloaded(kind, when):
    lat, bad = good_clients(d)
    check_eq(bad, [], "%s: unloaded (%s), every good query answered" % (kind, when))
    print("# %s: unloaded p99 %s %.3f ms" % (kind, when, p99(lat) * 1e3))
    return p99(lat)


for kind in ("cheap", "heavy"):
    # The unloaded p99 is measured, with the idle connections open, just
    # before the floods and again just after them, and the larger is the
    # reference: on a shared machine others' load comes and goes, and a
    # reference taken in a quiet second alone made the ratio fail for
    # noise (unloaded p99s of 0.8 to 16 ms here, loaded runs alike).
    before_p99 = unloaded(kind, "before")
    flood = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--flood", str(d.port), kind,
                              str(FLOODS)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    check_eq(flood.stdout.readline().strip(), b"flooding", "%s: %d flooding clients connected" % (kind, FLOODS))
    # Measured once the floods are under way: each flood's first query is
    # fresh (pool.h) and goes before the others', as a new good client's
    # would; after that, floods wait their turns.  Cheap floods keep the
    # queue full; heavy ones soon owe their share and are held.
    if kind == "cheap":
        check(eventually(lambda: int(stats(probe)["queued"]) >= 10 * FLOODS),
              "cheap floods: their queries fill the queue", stats(probe)["queued"])
    else:
        check(eventually(lambda: int(stats(probe)["connections_held"]) >= FLOODS // 2),
              "heavy floods: the non-readers are held for what they owe", stats(probe)["connections_held"])
    lat, bad = good_clients(d)
    st = stats(probe)
    q = sorted(lat)
    print("# %s: p50 %.2f p90 %.2f p99 %.2f max %.2f ms" % (kind, q[len(q) // 2] * 1e3, q[int(len(q) * .9)] * 1e3,
                                                       p99(lat) * 1e3, q[-1] * 1e3))
    print("# %s: good p99 %.3f ms; queued %s held %s output %s MB; RSS %.1f MB" % (
        kind, p99(lat) * 1e3, st["queued"], st["connections_held"],
        int(st["output_bytes"]) / 1e6, (status_kb(d.proc.pid, "VmRSS") << 10) / 1e6))
    check_eq(bad, [], "%s floods: no good query refused or failed" % kind)
    flood.stdin.close()
    flood.wait()
    check(eventually(lambda: int(stats(probe)["connections"]) <= IDLE + 1),
          "%s: the floods' connections are gone" % kind)
    base_p99 = max(before_p99, unloaded(kind, "after"))
    ratio = p99(lat) / base_p99
    # A speed, printed not asserted (tests do not time; a loaded CI machine
    # made a 10x bound fail): `make bench-fair` measures it.
    print("# %s: the good clients' p99 x%.1f of unloaded" % (kind, ratio))

peak = status_kb(d.proc.pid, "VmHWM") << 10
bound = base_rss + ASAN_FACTOR * (OUTPUT_TOTAL + WORKERS * LARGEST_REPLY + (IDLE + FLOODS + GOOD + 1) * PER_CONN
                                  + FLOODS * PIPELINE * (PER_REQUEST + len(HEAVY)))
print("# peak RSS %.1f MB, bound %.1f MB" % (peak / 1e6, bound / 1e6))
check(peak <= bound, "peak RSS within README.md's bound", "%.1f MB > %.1f MB" % (peak / 1e6, bound / 1e6))
for s in idle:
    s.close()
probe.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
