#!/usr/bin/env bash
# bench/http.sh -- `make bench-http`: the Reuters query mix of bench/query.sh
# over leded's HTTP (GET /search, keep-alive; bench/httpgen.c) beside the
# same queries over the line protocol (bench/loadgen.c), against one daemon
# serving both, at 1, 8 and 64 connections.  The HTTP and line runs
# alternate, RUNS times each (default 3), SECONDS_EACH seconds (default
# 10); the median run by QPS is reported.  Writes bench/results/http.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
SECONDS_EACH="${SECONDS_EACH:-10}"
SHARED="${SHARED:-../shared}"
BUILD="${BUILD:-build}"
OUT=bench/results/http.md
WORK=$(mktemp -d /tmp/lede-bench-http.XXXXXX)
LEDED_PID=
. bench/lib.sh
trap 'bench_stop_leded; rm -rf "$WORK"' EXIT

REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
[ -f "$REUTERS" ] || { echo "bench-http: needs $REUTERS" >&2; exit 1; }
python3 bench/make_queries.py "$REUTERS" 1200 42 >"$WORK/queries"
bin/lede-index -q --index "$WORK/reuters.idx" "$REUTERS" 2>/dev/null || true
bin/leded --index "$WORK/reuters.idx" --listen 127.0.0.1:0 --http 127.0.0.1:0 --log-level warn 2>"$WORK/leded.log" &
LEDED_PID=$!
for _ in $(seq 1 500); do
    grep -qs 'listening on http' "$WORK/leded.log" && break
    read -rt 0.02 <> <(:) || true
done
ADDR=$(sed -n 's/.*listening on tcp \(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/leded.log")
HTTP=$(sed -n 's/.*listening on http \(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/leded.log")
[ -n "$ADDR" ] && [ -n "$HTTP" ] || { echo "leded did not start:" >&2; cat "$WORK/leded.log" >&2; exit 1; }

OPTS="limit=10 snippet=0"
field() { bench_field "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }
# Alternating runs: line, http, line, http, ...; each side's median by QPS.
run_pair() {
    local conns="$1" i
    for i in $(seq 1 "$RUNS"); do
        "$BUILD/bench/loadgen" "$ADDR" "$WORK/queries" "$conns" "$SECONDS_EACH" "$OPTS" >"$WORK/line.$conns.$i" 2>/dev/null || true
        "$BUILD/bench/httpgen" "$HTTP" "$WORK/queries" "$conns" "$SECONDS_EACH" "$OPTS" >"$WORK/http.$conns.$i" 2>/dev/null || true
        echo "  $conns conns run $i: line $(tail -1 "$WORK/line.$conns.$i"); http $(tail -1 "$WORK/http.$conns.$i")" >&2
    done
}
median_of() { # median_of KIND CONNS: the overall line of the median run
    local kind="$1" conns="$2" i
    for i in $(seq 1 "$RUNS"); do
        echo "$(field qps "$(tail -1 "$WORK/$kind.$conns.$i")") $i"
    done | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $2}' | while read -r m; do
        tail -1 "$WORK/$kind.$conns.$m"
    done
}
ROWS=()
SUMMARY=()
for conns in 1 8 64; do
    run_pair "$conns"
    L=$(median_of line "$conns")
    H=$(median_of http "$conns")
    ROWS+=("| line protocol | $conns | $(field qps "$L") | $(field p50_us "$L") | $(field p99_us "$L") | $(field p999_us "$L") | $(field errors "$L") |")
    ROWS+=("| HTTP keep-alive | $conns | $(field qps "$H") | $(field p50_us "$H") | $(field p99_us "$H") | $(field p999_us "$H") | $(field errors "$H") |")
    SUMMARY+=("| $conns | $(ratio "$(field qps "$H")" "$(field qps "$L")") | $(ratio "$(field p50_us "$H")" "$(field p50_us "$L")") | $(ratio "$(field p99_us "$H")" "$(field p99_us "$L")") |")
done
bench_stop_leded
{
    echo "# HTTP benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); load generators on the same machine, which other helpers' builds, tests and a fuzz run shared during this run (noisy)"
    echo "- lede commit: $(git rev-parse --short HEAD)"
    echo "- command: \`make bench-http\` (bench/http.sh; RUNS=$RUNS runs of ${SECONDS_EACH} s each per side, line and HTTP runs alternating, the median run by QPS shown)"
    echo "- index: \`bin/lede-index --index IDX ../shared/corpus/reuters/reuters21578.jsonl.gz\`"
    echo "- daemon: \`bin/leded --index IDX --listen 127.0.0.1:0 --http 127.0.0.1:0\` (one daemon serving both; $(nproc) workers, one per core)"
    echo "- queries: 1,200 from \`bench/make_queries.py REUTERS 1200 42\` (bench/query.sh's mix), \`$OPTS\`"
    echo "- line protocol: \`$BUILD/bench/loadgen ADDR QUERIES CONNS $SECONDS_EACH '$OPTS'\` (SEARCH lines)"
    echo "- HTTP: \`$BUILD/bench/httpgen ADDR QUERIES CONNS $SECONDS_EACH '$OPTS'\` (our own C load tool on bench/drive.c, like loadgen: GET /search?q=...&limit=10&snippet=0 on HTTP/1.1 keep-alive connections, one request in flight each, a reply read whole by its Content-Length)"
    echo
    echo "| protocol | connections | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "HTTP against the line protocol, same run:"
    echo
    echo "| connections | QPS ratio (HTTP/line) | p50 ratio | p99 ratio |"
    echo "|---|---|---|---|"
    printf '%s\n' "${SUMMARY[@]}"
    echo
    echo "Goal (issue 18): HTTP QPS >= 0.8x the line protocol's and p99 <= 1.25x at every connection count."
} >"$OUT"
echo "wrote $OUT" >&2
cat "$OUT"
