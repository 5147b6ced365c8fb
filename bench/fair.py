#!/usr/bin/env python3
"""bench/fair.py -- `make bench-fair`: how much 1,000 idle connections and
100 clients that pipeline queries and never read slow four well-behaved
clients (issue 16's goal: their p99 within 10 times their unloaded p99).

The load is tests/py/fairload.py's, the same that tests/py/test_fair_load.py
asserts facts about (no good query refused, RSS under the bound); here it
is timed.  Each run starts a fresh leded on the bundled corpus, opens the
idle connections, then for cheap floods and for heavy floods measures the
good clients unloaded just before, under the floods, and unloaded just
after; the reference is the larger unloaded p99 of the two (both in the
same run), and the ratio is the loaded p99 over it.  RUNS runs (default 5);
the table gives each run and the medians.  Writes bench/results/fair.md
(OUT= to write elsewhere).  Settings for a quick try (not for results):
FAIR_IDLE, FAIR_FLOODS, FAIR_QUERIES."""
import datetime
import os
import platform
import statistics
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("LEDE_ROOT", ROOT)
os.environ.setdefault("LEDE_BIN", os.environ.get("BIN", "bin"))
sys.path.insert(0, os.path.join(ROOT, "tests", "py"))
import fairload  # noqa: E402
from ledetest import Scratch  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))
IDLE = int(os.environ.get("FAIR_IDLE", fairload.IDLE))
FLOODS = int(os.environ.get("FAIR_FLOODS", fairload.FLOODS))
QUERIES = int(os.environ.get("FAIR_QUERIES", fairload.GOOD_QUERIES))
OUT = os.environ.get("OUT", os.path.join(ROOT, "bench", "results", "fair.md"))
GOAL = 10.0
KINDS = ("cheap", "heavy")


def ms(v):
    return v * 1e3


def one_run(n):
    scratch = Scratch()
    load = fairload.FairLoad(scratch, idle=IDLE, floods=FLOODS, good_queries=QUERIES)
    rows = {}
    try:
        if not load.open_idle():
            raise RuntimeError("the idle connections did not all open")
        for kind in KINDS:
            ph = load.phase(kind)
            for line in fairload.describe(ph):
                print("  run %d %s" % (n, line.lstrip("# ")), file=sys.stderr)
            refused = len(ph["bad_before"]) + len(ph["bad_loaded"]) + len(ph["bad_after"])
            base = fairload.unloaded_p99(ph)
            rows[kind] = {
                "base_p99": base, "loaded_p50": fairload.pct(ph["loaded"], .5),
                "loaded_p99": fairload.pct(ph["loaded"], .99), "ratio": fairload.pct(ph["loaded"], .99) / base,
                "refused": refused, "queued": int(ph["stats"]["queued"]),
                "held": int(ph["stats"]["connections_held"]), "rss": ph["rss"]}
        rows["peak"] = load.peak_rss()
        rows["base_rss"] = load.base_rss
        rows["bound"] = load.rss_bound()
    finally:
        load.close()
        scratch.cleanup()
    return rows


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1048576
    return "%d cores (%s), %.0f GiB, %s; shared with other work and noisy" % (
        os.cpu_count(), cpu, mem, platform.platform())


def commit():
    r = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, check=False)
    return r.stdout.decode().strip() or "?"


def write(runs, started):
    med = lambda kind, key: statistics.median(r[kind][key] for r in runs)  # noqa: E731
    out = ["# Fair sharing under hostile load (`make bench-fair`)", "",
           "- date: %s UTC" % started.strftime("%Y-%m-%d %H:%M"),
           "- machine: %s" % machine(),
           "- lede commit: %s" % commit(),
           "- command: `make bench-fair` (bench/fair.py; RUNS=%d%s)" % (
               RUNS, "" if (IDLE, FLOODS, QUERIES) == (fairload.IDLE, fairload.FLOODS, fairload.GOOD_QUERIES)
               else ", FAIR_IDLE=%d FAIR_FLOODS=%d FAIR_QUERIES=%d: not the standard load" % (IDLE, FLOODS, QUERIES)),
           "- daemon: `bin/leded --index corpus.idx --workers %d --max-pipeline %d --max-connections %d "
           "--max-output %d --max-output-total %d` on the bundled corpus/" % (
               fairload.WORKERS, fairload.PIPELINE, IDLE + FLOODS + fairload.GOOD + 16,
               fairload.OUTPUT_ONE, fairload.OUTPUT_TOTAL),
           "- load (tests/py/fairload.py, shared with tests/py/test_fair_load.py): %d idle connections; "
           "%d clients in a child process at nice 10 pipelining `%s` (cheap) or `%s` (heavy) without "
           "reading; %d good clients, each %d x `%s` one at a time" % (
               IDLE, FLOODS, fairload.CHEAP.decode().strip(), fairload.HEAVY.decode().strip(),
               fairload.GOOD, QUERIES, fairload.GOOD_QUERY),
           "- unloaded reference: the larger of the good clients' p99 just before and just after "
           "the floods, in the same run; ratio = p99 under the floods / that reference",
           "- goal (issue 16): the good clients' p99 under the floods within %.0fx their unloaded p99" % GOAL,
           "", "| run | floods | unloaded p99 ms | loaded p50 ms | loaded p99 ms | ratio | good queries refused "
           "| queued | held | RSS MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        for kind in KINDS:
            k = r[kind]
            out.append("| %d | %s | %.2f | %.2f | %.2f | %.1fx | %d | %d | %d | %.1f |" % (
                i, kind, ms(k["base_p99"]), ms(k["loaded_p50"]), ms(k["loaded_p99"]), k["ratio"], k["refused"],
                k["queued"], k["held"], k["rss"] / 1e6))
    for kind in KINDS:
        out.append("| median | %s | %.2f | %.2f | %.2f | %.1fx | %d | | | |" % (
            kind, ms(med(kind, "base_p99")), ms(med(kind, "loaded_p50")), ms(med(kind, "loaded_p99")),
            med(kind, "ratio"), sum(r[kind]["refused"] for r in runs)))
    out.append("")
    for kind in KINDS:
        m = med(kind, "ratio")
        out.append("%s floods: median ratio %.1fx, goal %.0fx: %s." % (
            kind.capitalize(), m, GOAL, "met" if m <= GOAL else "not met"))
    peak = max(r["peak"] for r in runs)
    bound = max(r["bound"] for r in runs)
    out.append("Peak RSS %.1f MB in the worst run, README.md's bound %.1f MB (base %.1f MB warm)." % (
        peak / 1e6, bound / 1e6, max(r["base_rss"] for r in runs) / 1e6))
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")
    print("\n".join(out))


def main():
    want = IDLE + FLOODS + fairload.GOOD + 256
    if fairload.raise_fd_limit(want) < want - 192:
        sys.exit("bench-fair: the file-descriptor limit is too low for %d connections" % (IDLE + FLOODS))
    started = datetime.datetime.now(datetime.timezone.utc)
    runs = []
    for n in range(1, RUNS + 1):
        print("run %d of %d" % (n, RUNS), file=sys.stderr)
        runs.append(one_run(n))
    write(runs, started)


if __name__ == "__main__":
    main()
