# bench/lib.sh -- helpers shared by the benchmark scripts (bench/index.sh,
# bench/query.sh, bench/facets.sh, bench/peers.sh, bench/shards.sh,
# bench/scale.sh, bench/relevance.sh, bench/same_replies.sh);
# sourced, not run.  The caller sets WORK (a scratch directory), RUNS and,
# for bench_index_runs, MEASURE -- or calls bench_setup, which sets them
# the way the query benchmarks share.

# bench_setup NAME: the query benchmarks' common start: RUNS (3),
# SECONDS_EACH (10), SHARED (../shared), BUILD (build) unless set, a
# scratch WORK removed on exit with the leded bench_start_leded started.
bench_setup() {
    RUNS="${RUNS:-3}"
    SECONDS_EACH="${SECONDS_EACH:-10}"
    SHARED="${SHARED:-../shared}"
    BUILD="${BUILD:-build}"
    WORK=$(mktemp -d "/tmp/lede-bench-$1.XXXXXX")
    LEDED_PID=
    trap 'bench_stop_leded; rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
}

# bench_reuters_queries NAME [N]: sets REUTERS (the collection; NAME says
# who needs it when it is absent) and writes N (1,200) queries of
# bench/make_queries.py (seed 42) to $WORK/queries.
bench_reuters_queries() {
    REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
    [ -f "$REUTERS" ] || { echo "$1: needs $REUTERS" >&2; exit 1; }
    python3 bench/make_queries.py "$REUTERS" "${2:-1200}" 42 >"$WORK/queries"
}

# bench_ratio A B: A / B to two decimals, "-" when B is not positive.
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else printf "-"}'; }

# bench_results_head TITLE COMMAND: a results file's first lines: its
# title, the date, the machine, the commit and how it was made.
bench_results_head() {
    echo "# $1"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); load generator on the same machine"
    echo "- lede commit: $(git rev-parse --short HEAD)"
    echo "- command: \`$2\` (RUNS=$RUNS runs of ${SECONDS_EACH} s each, the median run by QPS shown)"
}

# The machine line of a results file.
bench_machine() {
    echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), shared with other work and noisy"
}

bench_median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

bench_dir_bytes() { find "$@" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

# Uncompressed input bytes: a .gz file after gunzip, a file, or the *.txt of a directory.
bench_raw_bytes() {
    case "$1" in
        *.gz) zcat "$1" | wc -c ;;
        *) if [ -d "$1" ]; then find "$1" -type f -name '*.txt' -printf '%s\n' | awk '{s += $1} END {print s}'
           else stat -c %s "$1"; fi ;;
    esac
}

# bench_field NAME LINE: the number after NAME= in LINE.
bench_field() { sed -n "s/.*\b$1=\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }

# bench_figure FILE NAME [CLASS]: the figure NAME of a query measurement
# kept by bench_median_run: of the query class CLASS's line, else of the
# overall (last) line.
bench_figure() {
    if [ -n "${3:-}" ]; then bench_field "$2" "$(grep "^class=$3 " "$1")"
    else bench_field "$2" "$(tail -1 "$1")"; fi
}

# bench_median_run OUTFILE LABEL COMMAND...: runs a query benchmark program
# (figures of bench/drive.h) RUNS times, keeps the whole output of the run
# with the median QPS in OUTFILE and prints its overall (last) line.
bench_median_run() {
    local outfile="$1" label="$2"; shift 2
    local i
    for i in $(seq 1 "$RUNS"); do
        "$@" >"$WORK/run.$i" 2>/dev/null || true
        echo "$(bench_field qps "$(tail -1 "$WORK/run.$i")") $i"
    done | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $2}' >"$WORK/median"
    cp "$WORK/run.$(cat "$WORK/median")" "$outfile"
    echo "  $label: $(tail -1 "$outfile")" >&2
    tail -1 "$outfile"
}

# bench_conns_runs PREFIX LABEL CONNS PROGRAM ADDR QUERIES ARG...: a load
# generator over sockets (bench/loadgen, bench/peers/sphinxql: ADDR QUERIES
# CONNECTIONS SECONDS ARG...) measured by bench_median_run at each number
# of connections in CONNS, SECONDS_EACH seconds a run; each kept in
# PREFIX<connections>.
bench_conns_runs() {
    local prefix="$1" label="$2" conns="$3" program="$4" addr="$5" queries="$6" c
    shift 6
    for c in $conns; do
        bench_median_run "$prefix$c" "$label x$c" "$program" "$addr" "$queries" "$c" "$SECONDS_EACH" "$@" \
            >/dev/null
    done
}

# bench_index_runs N NAME CLEAN COMMAND...: N fresh runs of an indexing
# command under MEASURE, removing CLEAN (a path) before each; sets SECS
# (median wall time), CPU (median CPU seconds, user + system), RSS (largest
# peak KB) and leaves the last run's output in $WORK/out.
bench_index_runs() {
    local n="$1" name="$2" clean="$3"; shift 3
    local times=() cpus=() rss=0 i line r
    for i in $(seq 1 "$n"); do
        rm -rf "$clean"
        "$MEASURE" "$@" >"$WORK/out" 2>&1 || true
        line=$(grep '^seconds=' "$WORK/out" | tail -1)
        times+=("$(bench_field seconds "$line")")
        cpus+=("$(bench_field cpu "$line")")
        r=$(bench_field maxrss_kb "$line")
        [ "$r" -gt "$rss" ] && rss=$r
        echo "  $name run $i: $line" >&2
    done
    SECS=$(printf '%s\n' "${times[@]}" | bench_median)
    CPU=$(printf '%s\n' "${cpus[@]}" | bench_median)
    RSS=$rss
}

# bench_start_leded INDEX [OPTION...]: leded ($LEDED, else bin/leded) on a
# free loopback port, with the options given; sets LEDED_PID and ADDR.
bench_start_leded() {
    "${LEDED:-bin/leded}" --index "$1" --listen 127.0.0.1:0 --log-level warn "${@:2}" 2>"$WORK/leded.log" &
    LEDED_PID=$!
    local _
    for _ in $(seq 1 500); do
        grep -qs 'listening on tcp' "$WORK/leded.log" && break
        read -rt 0.02 <> <(:) || true
    done
    ADDR=$(sed -n 's/.*listening on tcp \(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/leded.log")
    [ -n "$ADDR" ] || { echo "leded did not start:" >&2; cat "$WORK/leded.log" >&2; return 1; }
}

bench_stop_leded() {
    if [ -n "${LEDED_PID:-}" ]; then
        kill -TERM "$LEDED_PID" 2>/dev/null || true
        wait "$LEDED_PID" 2>/dev/null || true
        LEDED_PID=
    fi
}

# bench_kept_analysis OUT MARKER: the text after the MARKER line of the
# results file OUT (its hand-written analysis, kept across runs); nothing
# when the file or the line is not there.
bench_kept_analysis() {
    [ -f "$1" ] && grep -qF "$2" "$1" || return 0
    sed -n "/$(sed 's/[][\.*^$/]/\\&/g' <<<"$2")/,\$p" "$1" | tail -n +2
}

# The commit a benchmark ran on, marked when the tree had other changes.
bench_commit() {
    echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/results' || echo ' (with uncommitted changes)')"
}
