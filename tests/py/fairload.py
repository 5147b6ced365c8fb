"""fairload -- the hostile load of issue 16 on loopback, in one place for
the two that use it: tests/py/test_fair_load.py asserts facts about it (no
good query refused, floods held, RSS under README.md's bound) and
bench/fair.py (`make bench-fair`) measures the good clients' latency under
it against their unloaded latency.  Neither times anything here: a phase
returns what it saw and each caller decides what to do with it.

The load: IDLE connections that send nothing, FLOODS clients that pipeline
queries and never read (first cheap queries, then heavy ones: limit=100
snippet=2000), and GOOD clients that ask one query at a time.  The floods
run in a child process (this file, run with --flood), so that they do not
take the good clients' interpreter lock.  Not a test itself (its name does
not start with test_)."""
import os
import resource
import select
import selectors
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ledetest import DEADLINE, LEDED, ROOT, Daemon, build_index, eventually, stats  # noqa: E402

IDLE = 1000
FLOODS = 100
GOOD = 4
GOOD_QUERIES = 250          # each, per measurement
OUTPUT_TOTAL = 16 << 20     # --max-output-total for this daemon
OUTPUT_ONE = 256 << 10      # --max-output
WORKERS = 2
PIPELINE = 128              # --max-pipeline, the default
# The daemon's CPU seconds within which half the heavy floods must be held:
# a held connection first fills its socket's kernel buffers (loopback:
# megabytes) and then owes its share of --max-output-total.  Alone that
# takes about 14 s of two busy workers; the bound is work, not a clock.
HEAVY_SETTLE_CPU = 300
CHEAP = b"SEARCH limit=1 snippet=0 -- drought\n"
HEAVY = b"SEARCH limit=100 snippet=2000 mode=any -- said was has will new year people over more after\n"
GOOD_QUERY = "SEARCH drought"
# README.md's bound: B + --max-output-total + one largest reply a connection
# + 16 KiB a connection + 1 KiB a request in flight and its line (with a
# reply a worker: the floods' replies are small and most of them are held
# with one owed).
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


def pct(samples, q):
    s = sorted(samples)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))]


def leded_has_asan():
    with open(LEDED, "rb") as f:
        return b"__asan_init" in f.read()


class FairLoad:
    """One daemon on the bundled corpus (built in scratch), its idle
    connections, and the phases run against it."""

    def __init__(self, scratch, idle=IDLE, floods=FLOODS, good=GOOD, good_queries=GOOD_QUERIES,
                 extra_args=(), env=None):
        self.idle_n, self.floods_n, self.good_n, self.queries = idle, floods, good, good_queries
        index = scratch.join("corpus.idx")
        build_index(index, os.path.join(ROOT, "corpus"))
        # leded inherits the caller's raised descriptor limit.
        self.d = Daemon(index, "--workers", str(WORKERS), "--max-pipeline", str(PIPELINE), *extra_args,
                        "--max-connections", str(idle + floods + good + 16),
                        "--max-output", str(OUTPUT_ONE), "--max-output-total", str(OUTPUT_TOTAL), env=env)
        self.probe = self.d.connect()
        self.good_clients()  # warm up: the index's pages, the workers' heaps
        self.base_rss = status_kb(self.d.proc.pid, "VmRSS") << 10
        self.idle = []

    def open_idle(self):
        """Opens the idle connections; true once the daemon counts them."""
        self.idle = [socket.create_connection(("127.0.0.1", self.d.port)) for _ in range(self.idle_n)]
        return eventually(lambda: int(stats(self.probe)["connections"]) >= self.idle_n + 1)

    def good_clients(self):
        """The good clients, each asking its queries one at a time:
        (latencies in seconds, first lines of the replies that were not OK)."""
        lat, bad = [], []
        lock = threading.Lock()

        def run():
            c = self.d.connect()
            mine, wrong = [], []
            for _ in range(self.queries):
                t0 = time.perf_counter()
                r = c.ask(GOOD_QUERY)
                mine.append(time.perf_counter() - t0)
                if not r[0].startswith("OK SEARCH"):
                    wrong.append(r[0])
            c.close()
            with lock:
                lat.extend(mine)
                bad.extend(wrong)

        threads = [threading.Thread(target=run) for _ in range(self.good_n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return lat, bad

    def phase(self, kind):
        """The good clients unloaded, under floods of kind ("cheap" or
        "heavy"), and unloaded again: a dict of what was seen."""
        out = {"kind": kind}
        out["before"], out["bad_before"] = self.good_clients()
        flood = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--flood", str(self.d.port), kind,
                                  str(self.floods_n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        out["flooding"] = flood.stdout.readline().strip() == b"flooding"
        # Measured once the floods are under way: each flood's first query is
        # fresh (pool.h) and goes before the others', as a new good client's
        # would; after that, floods wait their turns.  Cheap floods keep the
        # queue full; heavy ones soon owe their share and are held.
        if kind == "cheap":
            out["floods_settled"] = eventually(lambda: int(stats(self.probe)["queued"]) >= 10 * self.floods_n)
        else:
            out["floods_settled"], out["settle_cpu"] = self.until_worked(
                lambda st: int(st["connections_held"]) >= self.floods_n // 2, HEAVY_SETTLE_CPU)
        out["loaded"], out["bad_loaded"] = self.good_clients()
        out["stats"] = stats(self.probe)
        out["rss"] = status_kb(self.d.proc.pid, "VmRSS") << 10
        flood.stdin.close()
        flood.wait()
        out["floods_gone"] = eventually(lambda: int(stats(self.probe)["connections"]) <= self.idle_n + 1)
        out["after"], out["bad_after"] = self.good_clients()
        return out

    def until_worked(self, pred, most):
        """Polls STATS until pred holds of them or the daemon has used more
        than most CPU seconds since the call: (whether pred held, the CPU
        seconds used meanwhile).  Bounded by the daemon's work, not by a
        clock, so a slow or busy machine only makes it longer (heavy floods
        settled in 14 s alone and not in a minute beside the sanitizer run);
        a hang is still caught, after 10 DEADLINEs.  (STATS' `queries`
        counts requests as they are read, thousands at once here: no
        measure of work.)"""
        first = self.cpu_seconds()
        end = time.monotonic() + 10 * DEADLINE
        while True:
            st = stats(self.probe)
            used = self.cpu_seconds() - first
            if pred(st):
                return True, used
            if used > most or time.monotonic() > end:
                return False, used
            select.select([], [], [], 0.01)

    def cpu_seconds(self):
        """The daemon's user and system CPU time so far."""
        with open("/proc/%d/stat" % self.d.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_bound(self, asan_factor=1):
        return self.base_rss + asan_factor * (
            OUTPUT_TOTAL + WORKERS * LARGEST_REPLY + (self.idle_n + self.floods_n + self.good_n + 1) * PER_CONN
            + self.floods_n * PIPELINE * (PER_REQUEST + len(HEAVY)))

    def peak_rss(self):
        return status_kb(self.d.proc.pid, "VmHWM") << 10

    def close(self):
        for s in self.idle:
            s.close()
        self.probe.close()
        return self.d.stop()


def describe(ph):
    """Figures of a phase as comment lines (latencies in ms)."""
    ms = lambda v: v * 1e3  # noqa: E731
    lines = []
    for when in ("before", "loaded", "after"):
        lat = ph[when]
        lines.append("# %s %s: p50 %.2f p99 %.2f max %.2f ms (%d queries)" % (
            ph["kind"], when, ms(pct(lat, .5)), ms(pct(lat, .99)), ms(max(lat)), len(lat)))
    st = ph["stats"]
    lines.append("# %s loaded: queued %s held %s output %.1f MB; RSS %.1f MB" % (
        ph["kind"], st["queued"], st["connections_held"], int(st["output_bytes"]) / 1e6, ph["rss"] / 1e6))
    return lines


def unloaded_p99(ph):
    """The reference: the larger of the p99s just before and just after the
    floods (on a shared machine others' load comes and goes, and one taken
    in a quiet second alone made the ratio noise)."""
    return max(pct(ph["before"], .99), pct(ph["after"], .99))


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--flood":
    flood_main(int(sys.argv[2]), HEAVY if sys.argv[3] == "heavy" else CHEAP, int(sys.argv[4]))
    sys.exit(0)
