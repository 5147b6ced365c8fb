#!/usr/bin/env bash
# bench/tls.sh -- `make bench-tls`: what TLS costs the line protocol.  Two
# leded on the same Reuters-21578 index, one plain and one with
# --tls-cert/--tls-key (a certificate made here), measured in turn by
# bench/loadgen (LOADGEN_TLS=1 for the second) at 1 and 8 connections, one
# request in flight each, the same queries (bench/make_queries.py, seed
# 42).  Each measurement runs SECONDS_EACH (default 5) and is repeated RUNS
# times (default 3), plain and TLS alternating; the median run (by QPS) is
# reported.  Writes bench/results/tls.md.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
SECONDS_EACH="${SECONDS_EACH:-5}"
SHARED="${SHARED:-../shared}"
BUILD="${BUILD:-build}"
OUT=bench/results/tls.md
WORK=$(mktemp -d /tmp/lede-bench-tls.XXXXXX)
. bench/lib.sh
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT

REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
[ -f "$REUTERS" ] || { echo "bench-tls: needs $REUTERS" >&2; exit 1; }
python3 bench/make_queries.py "$REUTERS" 1200 42 >"$WORK/queries"
bin/lede-index -q --index "$WORK/reuters.idx" "$REUTERS" 2>/dev/null || true
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null

# start NAME ARGS...: a leded logging to $WORK/NAME.log; prints its address.
start() {
    local name="$1" _; shift
    bin/leded --index "$WORK/reuters.idx" --listen 127.0.0.1:0 --log-level warn "$@" \
        2>"$WORK/$name.log" &
    PIDS+=($!)
    for _ in $(seq 1 500); do
        grep -qs 'listening on tcp' "$WORK/$name.log" && break
        read -rt 0.02 <> <(:) || true
    done
    sed -n 's/.*listening on tcp \(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/$name.log"
}
PLAIN=$(start plain)
TLS=$(start tls --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem")
[ -n "$PLAIN" ] && [ -n "$TLS" ] || { echo "bench-tls: leded did not start" >&2; cat "$WORK"/*.log >&2; exit 1; }

# run TLSFLAG ADDR CONNS: one loadgen run, its overall line.
run() { LOADGEN_TLS="$1" "$BUILD/bench/loadgen" "$2" "$WORK/queries" "$3" "$SECONDS_EACH" "limit=10" 2>/dev/null | tail -1; }

ROWS=()
for conns in 1 8; do
    : >"$WORK/plain.runs"
    : >"$WORK/tls.runs"
    for i in $(seq 1 "$RUNS"); do
        run 0 "$PLAIN" "$conns" >>"$WORK/plain.runs"
        run 1 "$TLS" "$conns" >>"$WORK/tls.runs"
    done
    for kind in plain tls; do
        # the median run by QPS
        R=$(while read -r line; do echo "$(bench_field qps "$line") $line"; done <"$WORK/$kind.runs" \
            | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2)' | cut -d' ' -f2-)
        echo "  $kind, $conns conns: $R" >&2
        eval "${kind}_$conns=\"\$R\""
        ROWS+=("| $kind | $conns | $(bench_field qps "$R") | $(bench_field p50_us "$R") | $(bench_field p99_us "$R") | $(bench_field errors "$R") |")
    done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
{
    echo "# TLS cost on the line protocol"
    echo
    echo "\`make bench-tls\` (bench/tls.sh), $(date -u +%Y-%m-%d), at $(git rev-parse --short HEAD)."
    echo "Machine: $(bench_machine)."
    echo
    echo "Reuters-21578, 1,200 queries (bench/make_queries.py, seed 42), \`SEARCH limit=10\`"
    echo "(200-byte snippets), one request in flight per connection, each connection's"
    echo "TLS handshake once at its start (the loadgen keeps its connections).  ${SECONDS_EACH} s a"
    echo "measurement, $RUNS runs, plain and TLS alternating, the median run by QPS."
    echo
    echo "| protocol | connections | QPS | p50 µs | p99 µs | errors |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "TLS / plain: QPS $(ratio "$(bench_field qps "$tls_1")" "$(bench_field qps "$plain_1")") at 1 connection," \
         "$(ratio "$(bench_field qps "$tls_8")" "$(bench_field qps "$plain_8")") at 8;" \
         "p50 $(ratio "$(bench_field p50_us "$tls_1")" "$(bench_field p50_us "$plain_1")")x at 1."
    echo
    echo "Over TLS every reply is written by the event loop through the connection's"
    echo "OpenSSL bufferevent (a plain connection's worker writes its reply itself"
    echo "when it is next in line: daemon/wire.h), so each TLS reply costs a loop"
    echo "wake-up as well as its encryption."
} >"$OUT"
echo "wrote $OUT" >&2
