#!/usr/bin/env bash
# bench/http.sh -- `make bench-http`: the Reuters query mix of bench/query.sh
# over leded's HTTP (GET /search, keep-alive; bench/httpgen.c) beside the
# same queries over the line protocol (bench/loadgen.c), against one daemon
# serving both, at 1, 8 and 64 connections.  The HTTP and line runs
# alternate, RUNS times each (default 3), SECONDS_EACH seconds (default
# 10); the median run by QPS is reported.  Writes bench/results/http.md.
# With TLS=1 (the default) a second daemon with --tls-cert/--tls-key (a
# certificate made here) is measured after them at the connection counts
# up to 8: the line protocol over TLS (loadgen, LOADGEN_TLS=1) and HTTPS
# (httpgen, HTTPGEN_TLS=1), each against its plain run above: what TLS
# costs.  CONNS and OUT may be set for a shorter run elsewhere (the TLS
# cost alone: CONNS="1 8" OUT=bench/results/tls.md).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
SECONDS_EACH="${SECONDS_EACH:-10}"
SHARED="${SHARED:-../shared}"
BUILD="${BUILD:-build}"
OUT="${OUT:-bench/results/http.md}"
CONNS="${CONNS:-1 8 64}"
TLS="${TLS:-1}"
TLS_PID=
WORK=$(mktemp -d /tmp/lede-bench-http.XXXXXX)
LEDED_PID=
. bench/lib.sh
trap 'bench_stop_leded; [ -z "$TLS_PID" ] || { kill -TERM "$TLS_PID"; wait "$TLS_PID"; } 2>/dev/null; rm -rf "$WORK"' EXIT

REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
[ -f "$REUTERS" ] || { echo "bench-http: needs $REUTERS" >&2; exit 1; }
python3 bench/make_queries.py "$REUTERS" 1200 42 >"$WORK/queries"
bin/lede-index -q --index "$WORK/reuters.idx" "$REUTERS" 2>/dev/null || true
# start_daemon LOG [ARG...]: a leded on the index serving both protocols,
# its log in $WORK/LOG; sets DAEMON_PID, DAEMON_TCP and DAEMON_HTTP (the
# addresses it listens on, read from its log).
start_daemon() {
    local log="$WORK/$1"
    shift
    bin/leded --index "$WORK/reuters.idx" --listen 127.0.0.1:0 --http 127.0.0.1:0 --log-level warn "$@" 2>"$log" &
    DAEMON_PID=$!
    for _ in $(seq 1 500); do
        grep -qs 'listening on http' "$log" && break
        read -rt 0.02 <> <(:) || true
    done
    DAEMON_TCP=$(sed -n 's/.*listening on tcp \(127.0.0.1:[0-9]*\).*/\1/p' "$log")
    DAEMON_HTTP=$(sed -n 's/.*listening on http \(127.0.0.1:[0-9]*\).*/\1/p' "$log")
    [ -n "$DAEMON_TCP" ] && [ -n "$DAEMON_HTTP" ] || { echo "leded did not start:" >&2; cat "$log" >&2; exit 1; }
}
start_daemon leded.log
LEDED_PID=$DAEMON_PID
ADDR=$DAEMON_TCP
HTTP=$DAEMON_HTTP

OPTS="limit=10 snippet=0"
field() { bench_field "$@"; }
ratio() { bench_ratio "$@"; }
# run_one KIND TOOL ADDR CONNS I [VAR=VALUE...]: one run of bench/TOOL
# (loadgen: the line protocol; httpgen: HTTP) against ADDR, with the
# environment given (LOADGEN_TLS=1, HTTPGEN_TLS=1), into $WORK/KIND.CONNS.I.
run_one() {
    local kind="$1" tool="$2" addr="$3" conns="$4" i="$5"
    shift 5
    env "$@" "$BUILD/bench/$tool" "$addr" "$WORK/queries" "$conns" "$SECONDS_EACH" "$OPTS" \
        >"$WORK/$kind.$conns.$i" 2>/dev/null || true
}
# run_pair LABEL CONNS A B: RUNS alternating runs of two sides (each "KIND
# TOOL ADDR [VAR=VALUE]"), each side's median by QPS taken after.
run_pair() {
    local label="$1" conns="$2" a="$3" b="$4" i
    read -r ka ta aa ea <<<"$a"
    read -r kb tb ab eb <<<"$b"
    for i in $(seq 1 "$RUNS"); do
        run_one "$ka" "$ta" "$aa" "$conns" "$i" $ea
        run_one "$kb" "$tb" "$ab" "$conns" "$i" $eb
        echo "  $label$conns conns run $i: $ka $(tail -1 "$WORK/$ka.$conns.$i"); $kb $(tail -1 "$WORK/$kb.$conns.$i")" >&2
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
for conns in $CONNS; do
    run_pair "" "$conns" "line loadgen $ADDR" "http httpgen $HTTP"
    L=$(median_of line "$conns")
    H=$(median_of http "$conns")
    ROWS+=("| line protocol | $conns | $(field qps "$L") | $(field p50_us "$L") | $(field p99_us "$L") | $(field p999_us "$L") | $(field errors "$L") |")
    ROWS+=("| HTTP keep-alive | $conns | $(field qps "$H") | $(field p50_us "$H") | $(field p99_us "$H") | $(field p999_us "$H") | $(field errors "$H") |")
    SUMMARY+=("| $conns | $(ratio "$(field qps "$H")" "$(field qps "$L")") | $(ratio "$(field p50_us "$H")" "$(field p50_us "$L")") | $(ratio "$(field p99_us "$H")" "$(field p99_us "$L")") |")
done
bench_stop_leded

# ---- TLS: a daemon with a certificate, the same queries, up to 8 connections
TLS_ROWS=()
if [ "$TLS" = 1 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null
    start_daemon tls.log --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key"
    TLS_PID=$DAEMON_PID
    for conns in $CONNS; do
        [ "$conns" -le 8 ] || continue
        run_pair "TLS " "$conns" "tline loadgen $DAEMON_TCP LOADGEN_TLS=1" "thttp httpgen $DAEMON_HTTP HTTPGEN_TLS=1"
        for pair in "tline line line protocol over TLS" "thttp http HTTPS keep-alive"; do
            read -r kind plain label <<<"$pair"
            T=$(median_of "$kind" "$conns")
            P=$(median_of "$plain" "$conns")
            TLS_ROWS+=("| $label | $conns | $(field qps "$T") | $(field p50_us "$T") | $(field p99_us "$T") | $(field errors "$T") | $(ratio "$(field qps "$T")" "$(field qps "$P")") | $(ratio "$(field p99_us "$T")" "$(field p99_us "$P")") |")
        done
    done
    kill -TERM "$TLS_PID" 2>/dev/null || true
    wait "$TLS_PID" 2>/dev/null || true
    TLS_PID=
fi
{
    echo "# HTTP benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); load generators on the same machine (${BENCH_NOTE:-say in the notes what else ran})"
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
    if [ "${#TLS_ROWS[@]}" -gt 0 ]; then
        echo
        echo "## TLS"
        echo
        echo "The same queries against a second daemon started with \`--tls-cert\`/\`--tls-key\` (RSA 2048,"
        echo "TLS 1.3 as negotiated), measured after the plain runs; each connection handshakes once, at"
        echo "its start.  The ratios are against the plain run of the same protocol above."
        echo
        echo "| protocol | connections | QPS | p50 µs | p99 µs | errors | QPS / plain | p99 / plain |"
        echo "|---|---|---|---|---|---|---|---|"
        printf '%s\n' "${TLS_ROWS[@]}"
        echo
        echo "Over TLS every reply of the line protocol is written by the event loop through the"
        echo "connection's OpenSSL bufferevent (a plain connection's worker writes its reply itself when"
        echo "it is next in line: daemon/wire.h, and so does a plain HTTP connection's); HTTPS replies are"
        echo "the loop's too."
    fi
} >"$OUT"
echo "wrote $OUT" >&2
cat "$OUT"
