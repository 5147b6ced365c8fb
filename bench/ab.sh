#!/usr/bin/env bash
# bench/ab.sh -- is a change as fast as what it replaced?  Runs `make
# bench-index` and `make bench-query` in two source trees (each its own
# clone or worktree, built by make), alternating them ROUNDS times (old
# first in odd rounds, new first in even ones, so a drift of this shared
# machine falls on both), and writes bench/results/ab.md in the current
# tree: every row of the two results files, the median over the rounds for
# each tree, and new / old.  Takes about 17 minutes a round on 2 cores.
# usage: bench/ab.sh OLD_TREE NEW_TREE [ROUNDS]   (default 2 rounds)
set -euo pipefail
OLD=$(cd "${1:?usage: ab.sh OLD_TREE NEW_TREE [ROUNDS]}" && pwd)
NEW=$(cd "${2:?usage: ab.sh OLD_TREE NEW_TREE [ROUNDS]}" && pwd)
ROUNDS="${3:-2}"
HERE=$(pwd)
WORK=$(mktemp -d /tmp/lede-ab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for r in $(seq 1 "$ROUNDS"); do
    order="old new"; [ $((r % 2)) -eq 0 ] && order="new old"
    for bench in index query; do
        for side in $order; do
            tree=$OLD; [ "$side" = new ] && tree=$NEW
            echo "round $r: $side bench-$bench" >&2
            (cd "$tree" && make --no-print-directory "bench-$bench" >"$WORK/$side-$bench-$r.log" 2>&1) \
                || { echo "ab: bench-$bench failed in $tree" >&2; tail -20 "$WORK/$side-$bench-$r.log" >&2; exit 1; }
            cp "$tree/bench/results/$bench.md" "$WORK/$side-$bench-$r.md"
        done
    done
done
python3 - "$WORK" "$ROUNDS" "$OLD" "$NEW" >"$HERE/bench/results/ab.md" <<'PY'
import re, statistics, subprocess, sys, time
work, rounds, old, new = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def rows(path):
    """configuration -> (header, [cells]) of every table row in a results file."""
    out, header = {}, None
    for line in open(path):
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "configuration":
            header = cells
            continue
        out[cells[0]] = (header, cells[1:])
    return out

FIGURES = {"seconds", "articles/s", "peak RSS MB", "index MB", "QPS", "p50 µs", "p99 µs"}


def num(s):
    try:
        return float(s.replace(",", "").rstrip("%"))
    except ValueError:
        return None

def commit(tree):
    return subprocess.check_output(["git", "-C", tree, "rev-parse", "--short", "HEAD"]).decode().strip()

print("# A/B: this build against the one it replaced\n")
print("- date: %s" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
print("- machine: see the machine line of bench/results/query.md; both builds ran on it in turn")
print("- old: %s at %s; new: %s at %s" % (old, commit(old), new, commit(new)))
print("- command: `bench/ab.sh OLD NEW %d`: `make bench-index` then `make bench-query` in each tree, alternating, %d rounds (old first in odd rounds); each figure below is the median over the rounds of that tree's results-file figure (itself the median of RUNS=3 runs)" % (rounds, rounds))
print()
for bench in ("index", "query"):
    per = {s: [rows("%s/%s-%s-%d.md" % (work, s, bench, r)) for r in range(1, rounds + 1)] for s in ("old", "new")}
    print("## bench-%s\n" % bench)
    names = [n for n in per["old"][0] if n in per["new"][0]]
    header = per["old"][0][names[0]][0] if names else []
    print("| configuration | figure | old | new | new / old | rounds (old; new) |")
    print("|---|---|---|---|---|---|")
    for name in names:
        hdr = per["old"][0][name][0]
        for i, col in enumerate(hdr[1:]):
            if col not in FIGURES:
                continue
            o = [num(run[name][1][i]) for run in per["old"] if name in run and i < len(run[name][1])]
            n = [num(run[name][1][i]) for run in per["new"] if name in run and i < len(run[name][1])]
            if not o or not n or None in o or None in n:
                continue
            mo, mn = statistics.median(o), statistics.median(n)
            ratio = "%.3f" % (mn / mo) if mo else "-"
            fmt = lambda v: ("%.2f" % v).rstrip("0").rstrip(".")
            print("| %s | %s | %s | %s | %s | %s; %s |" % (name, col, fmt(mo), fmt(mn), ratio,
                  " ".join(fmt(v) for v in o), " ".join(fmt(v) for v in n)))
    print()
PY
echo "wrote bench/results/ab.md" >&2
