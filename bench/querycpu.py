#!/usr/bin/env python3
"""querycpu.py -- figures of bench/querycpu's output (one line a query:
CLASS, CPU_US, STATUS, TOTAL, IDS, QUERY).

usage: querycpu.py summary [--slowest N] RUN...
         per class and overall, p50 and p99 of the CPU time (µs) of each
         query, its median over the RUNs given (runs of one index, e.g.
         alternating with another's), as a Markdown table; then the N
         slowest queries (default 20)
       querycpu.py same RUN_A RUN_B
         whether the two runs answered every query alike (ids in order;
         totals where both are exact); exit status 1 and the first
         differences if not

Percentiles are taken as bench/drive.c takes them: the sorted value at
floor(q * (n - 1))."""
import statistics
import sys


def read(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cls, cpu, status, total, ids, query = line.rstrip("\n").split("\t", 5)
            rows.append((cls, float(cpu), status, total, ids, query))
    return rows


def pct(values, q):
    values = sorted(values)
    return values[int(q * (len(values) - 1))] if values else 0.0


def summary(paths, slowest):
    runs = [read(p) for p in paths]
    if any(len(r) != len(runs[0]) for r in runs):
        sys.exit("querycpu.py: the runs hold different numbers of queries")
    queries = [(r[0], statistics.median(run[i][1] for run in runs), r[5])
               for i, r in enumerate(runs[0])]
    classes = sorted({q[0] for q in queries})
    print("| class | queries | p50 CPU µs | p99 CPU µs | mean CPU µs |")
    print("|---|---|---|---|---|")
    for cls in classes + ["all"]:
        cpu = [q[1] for q in queries if cls == "all" or q[0] == cls]
        print("| %s | %d | %.0f | %.0f | %.0f |" % (cls, len(cpu), pct(cpu, 0.5), pct(cpu, 0.99),
                                                   sum(cpu) / len(cpu)))
    print()
    print("Slowest %d (median CPU µs of %d run(s)):" % (slowest, len(runs)))
    print()
    print("| CPU µs | class | query |")
    print("|---|---|---|")
    for cls, cpu, query in sorted(queries, key=lambda q: -q[1])[:slowest]:
        print("| %.0f | %s | `%s` |" % (cpu, cls, query))


def agree(x, y):
    """Whether two runs answered a query alike: the same ids in the same
    order, both in error or neither, and the same total when both are exact
    (an estimate may move with the plan: a tier run, "+t", counts to 1,000
    and estimates past that, and may know exactly where the whole match
    estimated)."""
    sx, sy = x[2].split("+")[0], y[2].split("+")[0]
    if x[5] != y[5] or x[4] != y[4] or (sx == "error") != (sy == "error"):
        return False
    return not (sx == sy == "exact") or x[3] == y[3]


def same(a_path, b_path):
    a, b = read(a_path), read(b_path)
    if len(a) != len(b):
        sys.exit("querycpu.py: %d queries against %d" % (len(a), len(b)))
    differ = [(x[5], x[2:5], y[2:5]) for x, y in zip(a, b) if not agree(x, y)]
    print("%d queries, %d answered differently (tier runs: %d and %d)" % (
        len(a), len(differ), sum(1 for x in a if x[2].endswith("+t")),
        sum(1 for y in b if y[2].endswith("+t"))))
    for d in differ[:5]:
        print("  %r\n    %r\n    %r" % d)
    return 1 if differ else 0


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "summary":
        slowest = 20
        if args[1] == "--slowest":
            slowest = int(args[2])
            args = args[2:]
        summary(args[1:], slowest)
        return 0
    if len(args) == 3 and args[0] == "same":
        return same(args[1], args[2])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
