#!/usr/bin/env python3
"""bench/live.py -- `make bench-live`: how soon a new article is searchable
through a running leded, and what ingest does to query latency.

Two ways in, each on its own copy of a Reuters-21578 index:
  files  lede-index --watch on an empty directory; articles are written
         as files (write, close) into it; leded serves the index read-only;
  push   leded --ingest-token; articles are sent as ADD lines (pipelined,
         one connection, replies read by another thread).
For each, at 10, 100 and 1,000 articles/s: a producer makes articles on a
fixed schedule while 8 clients query (bench/loadgen, LOADGEN_RATE queries
a second each, the query mix of bench-query) and a prober asks COUNT of a
word every article of the run carries, every 2 ms.  Articles become
visible in arrival order (files are named in order, the watcher handles a
batch in name order, pushes are applied in order, and a commit shows a
whole batch), so article i is searchable from the first probe whose count
exceeds i; its latency is that probe's send time minus the moment its
file was closed (or its ADD sent).  The same 8 clients run once with no
ingest, for the idle p99.  Writes bench/results/live.md."""
import gzip
import json
import os
import platform
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SHARED = os.environ.get("SHARED", os.path.join(ROOT, "..", "shared"))
BUILD = os.environ.get("BUILD", "build")
REUTERS = os.path.join(SHARED, "corpus", "reuters", "reuters21578.jsonl.gz")
RATES = [int(r) for r in os.environ.get("RATES", "10 100 1000").split()]
SECONDS = float(os.environ.get("SECONDS_EACH", "10"))
CLIENTS = 8
CLIENT_RATE = float(os.environ.get("CLIENT_RATE", "25"))  # queries/s per client
TOKEN = "bench-live-token-0123456789"
OUT = os.path.join(ROOT, "bench", "results", "live.md")


def now():
    return time.monotonic()


def wait_until(t):
    while True:
        left = t - now()
        if left <= 0:
            return
        select.select([], [], [], left)


def pct(values, q):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))]


def texts():
    """Bodies taken from the real articles, cycled."""
    out = []
    with gzip.open(REUTERS, "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a.get("text") and len(a["text"]) > 200:
                out.append((a.get("title") or "Untitled", a["text"]))
            if len(out) >= 5000:
                break
    return out


class Leded:
    def __init__(self, index, *extra):
        self.log_path = index + ".log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([os.path.join(ROOT, "bin", "leded"), "--index", index,
                                      "--listen", "127.0.0.1:0", "--log-level", "warn", *extra],
                                     stderr=self.log)
        self.port = None
        end = now() + 60
        while self.port is None and now() < end:
            for l in open(self.log_path):
                if "listening on tcp 127.0.0.1:" in l:
                    self.port = int(l.rsplit(":", 1)[1])
            select.select([], [], [], 0.01)
        self.addr = "127.0.0.1:%d" % self.port

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.log.close()


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")

    def ask(self, line):
        self.sock.sendall(line.encode() + b"\n")
        return self.f.readline().decode().rstrip("\n")


def loadgen(addr, queries, seconds, result):
    env = dict(os.environ, LOADGEN_RATE=str(CLIENT_RATE))
    r = subprocess.run([os.path.join(ROOT, BUILD, "bench", "loadgen"), addr, queries,
                        str(CLIENTS), str(seconds), "limit=10"],
                       capture_output=True, text=True, env=env)
    line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    result.update(dict(kv.split("=") for kv in line.split()))


class Prober(threading.Thread):
    """COUNT of the run's word every 2 ms; records when each count was first seen."""

    def __init__(self, port, word, total):
        super().__init__()
        self.conn = Conn(port)
        self.word, self.total = word, total
        self.first_seen = []  # (time the probe was sent, count)
        self.done = threading.Event()

    def run(self):
        seen = 0
        end = None
        while True:
            t = now()
            r = self.conn.ask("COUNT " + self.word)
            n = int(r.split()[2]) if r.startswith("OK COUNT") else seen
            if n > seen:
                self.first_seen.append((t, n))
                seen = n
            if seen >= self.total:
                break
            if self.done.is_set():  # producer finished: give it 30 s more at most
                end = end or now() + 30
                if now() > end:
                    break
            wait_until(t + 0.002)
        self.conn.sock.close()


def latencies(arrivals, first_seen):
    out, j = [], 0
    for i, t_arr in enumerate(arrivals):
        while j < len(first_seen) and first_seen[j][1] <= i:
            j += 1
        if j == len(first_seen):
            break
        out.append(first_seen[j][0] - t_arr)
    return out


def produce_files(watchdir, rate, n, word, corpus, arrivals):
    t0 = now() + 0.2
    for i in range(n):
        wait_until(t0 + i / rate)
        title, body = corpus[i % len(corpus)]
        path = os.path.join(watchdir, "%s-%07d.txt" % (word, i))
        with open(path, "w", encoding="utf-8") as f:
            f.write("%s\n\n%s\n\n%s item %d\n" % (title, body, word, i))
        arrivals.append(now())


def produce_push(port, rate, n, word, corpus, arrivals):
    conn = Conn(port)
    conn.ask("AUTH " + TOKEN)
    errors = []

    def drain():
        for _ in range(n):
            line = conn.f.readline().decode()
            if not line.startswith("OK "):
                errors.append(line)

    reader = threading.Thread(target=drain)
    reader.start()
    t0 = now() + 0.2
    for i in range(n):
        wait_until(t0 + i / rate)
        title, body = corpus[i % len(corpus)]
        line = "ADD " + json.dumps({"id": "%s-%d" % (word, i), "title": title,
                                    "text": "%s\n\n%s item %d" % (body, word, i)}) + "\n"
        arrivals.append(now())
        conn.sock.sendall(line.encode())
    reader.join()
    conn.sock.close()
    if errors:
        print("push errors: %s" % errors[:3], file=sys.stderr)


def run_rate(mode, daemon, watchdir, rate, corpus, queries):
    n = max(20, int(rate * SECONDS))
    word = "zzlive%s%d" % (mode, rate)
    arrivals = []
    prober = Prober(daemon.port, word, n)
    q = {}
    lg = threading.Thread(target=loadgen, args=(daemon.addr, queries, n / rate + 0.2, q))
    prober.start()
    lg.start()
    if mode == "files":
        produce_files(watchdir, rate, n, word, corpus, arrivals)
    else:
        produce_push(daemon.port, rate, n, word, corpus, arrivals)
    prober.done.set()
    prober.join()
    lg.join()
    lat = latencies(arrivals, prober.first_seen)
    return {"n": n, "visible": len(lat), "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
            "max": max(lat) if lat else float("nan"), "query": q}


def main():
    if not os.path.exists(REUTERS):
        sys.exit("bench-live: needs %s" % REUTERS)
    work = tempfile.mkdtemp(prefix="lede-bench-live.")
    try:
        queries = os.path.join(work, "queries")
        with open(queries, "w") as f:
            subprocess.run([sys.executable, os.path.join(ROOT, "bench", "make_queries.py"),
                            REUTERS, "1200", "42"], stdout=f, check=True)
        base = os.path.join(work, "base.idx")
        subprocess.run([os.path.join(ROOT, "bin", "lede-index"), "-q", "--index", base, REUTERS])
        corpus = texts()
        with open(os.path.join(work, "token"), "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(os.path.join(work, "token"), 0o600)
        results = {}
        for mode in ("files", "push"):
            index = os.path.join(work, mode + ".idx")
            shutil.copytree(base, index)
            watchdir = os.path.join(work, mode + ".in")
            os.makedirs(watchdir)
            watcher = None
            if mode == "files":
                err = open(os.path.join(work, "watch.err"), "w")
                watcher = subprocess.Popen([os.path.join(ROOT, "bin", "lede-index"), "--index",
                                            index, "--watch", watchdir],
                                           stdout=subprocess.DEVNULL, stderr=err)
                end = now() + 60
                while "watching" not in open(err.name).read() and now() < end:
                    select.select([], [], [], 0.01)
                daemon = Leded(index)
            else:
                daemon = Leded(index, "--ingest-token", os.path.join(work, "token"))
            idle = {}
            loadgen(daemon.addr, queries, SECONDS, idle)
            results[mode] = {"idle": idle}
            for rate in RATES:
                r = run_rate(mode, daemon, watchdir, rate, corpus, queries)
                results[mode][rate] = r
                print("%s %5d/s: visible %d/%d, p50 %.0f ms, p99 %.0f ms; query p99 %s us (idle %s)"
                      % (mode, rate, r["visible"], r["n"], r["p50"] * 1e3, r["p99"] * 1e3,
                         r["query"].get("p99_us"), idle.get("p99_us")), file=sys.stderr)
            daemon.stop()
            if watcher:
                watcher.terminate()
                watcher.wait()
        write_results(results)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_results(results):
    cpu = "?"
    for l in open("/proc/cpuinfo"):
        if l.startswith("model name"):
            cpu = l.split(":", 1)[1].strip()
            break
    mem = int(open("/proc/meminfo").readline().split()[1]) / 1048576
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    L = ["# Live ingest benchmark", "",
         "- date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
         "- machine: %d cores (%s), %.0f GiB, shared and noisy; every process on the same machine"
         % (os.cpu_count(), cpu, mem),
         "- lede commit: %s" % commit,
         "- command: `make bench-live` (bench/live.py; SECONDS_EACH=%g, RATES=%s)"
         % (SECONDS, " ".join(map(str, RATES))),
         "- base index: Reuters-21578 (21,577 articles), a copy for each way in",
         "- files: `bin/lede-index --index IDX --watch DIR` (default --commit-interval 0.25), "
         "`bin/leded --index IDX`; each article written as one file (open, write, close)",
         "- push: `bin/leded --index IDX --ingest-token FILE` (default --commit-interval 0.25); "
         "each article one `ADD` line, pipelined on one connection",
         "- articles: Reuters bodies, each with the run's own word; a run lasts max(20 articles, "
         "SECONDS_EACH x rate)",
         "- meanwhile: %d clients, `LOADGEN_RATE=%g bench/loadgen ADDR QUERIES 8 SECS limit=10` "
         "(%g queries/s each, the bench-query mix, with snippets); latency counted from each "
         "query's scheduled time" % (CLIENTS, CLIENT_RATE, CLIENT_RATE),
         "- arrival-to-searchable: from the file's close (or the ADD's send) to the first COUNT "
         "probe (every 2 ms, on its own connection) that finds it", "",
         "| way in | articles/s | articles | searchable | latency p50 ms | p99 ms | max ms | "
         "query p99 µs during | query p99 µs idle | ratio |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for mode in ("files", "push"):
        idle = float(results[mode]["idle"].get("p99_us", "nan"))
        for rate in RATES:
            r = results[mode][rate]
            during = float(r["query"].get("p99_us", "nan"))
            L.append("| %s | %d | %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.2fx |"
                     % (mode, rate, r["n"], r["visible"], r["p50"] * 1e3, r["p99"] * 1e3,
                        r["max"] * 1e3, during, idle, during / idle if idle else float("nan")))
    ok_lat = all(results[m][100]["p99"] <= 1.0 for m in results if 100 in results[m])
    ok_q = all(float(results[m][r]["query"].get("p99_us", "inf")) <=
               2 * float(results[m]["idle"].get("p99_us", "nan"))
               for m in results for r in RATES if r == 100)
    L += ["", "Goals (issue 4): arrival-to-searchable p99 <= 1 s at 100 articles/s: %s; "
          "query p99 during ingest <= 2x the idle p99 (at 100 articles/s): %s."
          % ("met" if ok_lat else "missed", "met" if ok_q else "missed")]
    with open(OUT, "w") as f:
        f.write("\n".join(L) + "\n")
    print("wrote %s" % OUT, file=sys.stderr)
    print("\n".join(L))


if __name__ == "__main__":
    main()
