#!/usr/bin/env bash
# bench/facets.sh -- `make bench-facets`: what facets cost on a large
# collection (issue 17).  SCALE_N (default 500,000) articles made by
# corpus/scale.py (seed 42; they keep their template's Reuters topics),
# indexed in a temporary directory; the 1,200 queries of
# bench/make_queries.py (seed 42) over one connection, as SEARCH limit=10
# snippet=0 without facets, with three (topics, year, month: exact up to
# --facets-exact matches, estimated past it), with three sampled from
# 1,000 (facets_exact=1000), and without and with three again with exact=1
# (every match counted); with BASE_LEDED, the plain row once more on that
# leded (see below).  Also counts the queries whose facets were estimated.  Reuters' own rows are bench/query.sh's.  Each measurement
# runs SECONDS_EACH (10) seconds, RUNS (3) times, the median run shown.
# Writes bench/results/facets.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup facets
SCALE_N="${SCALE_N:-500000}"
OUT=bench/results/facets.md

bench_reuters_queries bench-facets
echo "generating the scaled collection ($SCALE_N articles)" >&2
python3 corpus/scale.py "$REUTERS" "$SCALE_N" 42 >"$WORK/scaled.jsonl"
echo "indexing it" >&2
bin/lede-index -q --index "$WORK/scaled.idx" "$WORK/scaled.jsonl" 2>/dev/null || true
rm -f "$WORK/scaled.jsonl"
bench_start_leded "$WORK/scaled.idx"

FACETS="facets=topics,year,month"
ROWS=()
declare -A R
for opts in "limit=10 snippet=0" "limit=10 snippet=0 $FACETS" "limit=10 snippet=0 facets_exact=1000 $FACETS" \
            "limit=10 snippet=0 exact=1" "limit=10 snippet=0 exact=1 $FACETS"; do
    R["$opts"]=$(bench_median_run "$WORK/median.out" "leded 1 conn ($opts)" "$BUILD/bench/loadgen" \
                 "$ADDR" "$WORK/queries" 1 "$SECONDS_EACH" "$opts")
    r="${R[$opts]}"
    ROWS+=("| \`$opts\` | $(bench_field qps "$r") | $(bench_field p50_us "$r") | $(bench_field p99_us "$r") | $(bench_field p999_us "$r") | $(bench_field errors "$r") |")
done
# How many queries had their facets estimated (over --facets-exact
# matches), asked as the measured rows ask (limit=0 would count them all).
ESTIMATED=$(python3 bench/estimated_facets.py "$ADDR" "$WORK/queries" "$FACETS")
bench_stop_leded

# What every search checking 1,000 matches (TOTAL_EXACT_UP_TO, exact
# totals up to it) costs: the plain row again with BASE_LEDED, a leded
# built with -DLEDE_TOTAL_EXACT_UP_TO=0 (checking the page's worth only).
BASE_ROW=
if [ -n "${BASE_LEDED:-}" ]; then
    LEDED="$BASE_LEDED" bench_start_leded "$WORK/scaled.idx"
    base=$(bench_median_run "$WORK/median.out" "baseline leded 1 conn (limit=10 snippet=0)" \
           "$BUILD/bench/loadgen" "$ADDR" "$WORK/queries" 1 "$SECONDS_EACH" "limit=10 snippet=0")
    bench_stop_leded
    BASE_ROW="| \`limit=10 snippet=0\`, checking only the page's worth (before) | $(bench_field qps "$base") | $(bench_field p50_us "$base") | $(bench_field p99_us "$base") | $(bench_field p999_us "$base") | $(bench_field errors "$base") |"
fi

ratio() { bench_ratio "$@"; }
none="${R[limit=10 snippet=0]}" three="${R[limit=10 snippet=0 $FACETS]}"
three1k="${R[limit=10 snippet=0 facets_exact=1000 $FACETS]}"
exact="${R[limit=10 snippet=0 exact=1]}" exact3="${R[limit=10 snippet=0 exact=1 $FACETS]}"
{
    bench_results_head "Facets benchmark" "make bench-facets (bench/facets.sh)"
    echo "- collection: \`python3 corpus/scale.py REUTERS $SCALE_N 42\` ($SCALE_N articles with their templates' topics, dates over 1990-2025), in a temporary directory"
    echo "- daemon: \`bin/leded --index IDX\` (defaults: \`--facets-exact $(sed -n 's/^#define FACETS_EXACT_DEFAULT \([0-9]*\).*/\1/p' src/facets.h)\`); one connection, one request in flight"
    echo "- queries: 1,200 from \`bench/make_queries.py REUTERS 1200 42\`; facets estimated (over --facets-exact matches) for $ESTIMATED of them"
    echo
    echo "| options | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    [ -n "$BASE_ROW" ] && echo "$BASE_ROW"
    echo
    echo "Three facets against none (issue 17: at most 2x): p50 $(ratio "$(bench_field p50_us "$three")" "$(bench_field p50_us "$none")")x, p99 $(ratio "$(bench_field p99_us "$three")" "$(bench_field p99_us "$none")")x; sampled from 1,000 (facets_exact=1000, the matches every search checks): p50 $(ratio "$(bench_field p50_us "$three1k")" "$(bench_field p50_us "$none")")x, p99 $(ratio "$(bench_field p99_us "$three1k")" "$(bench_field p99_us "$none")")x; counted exactly (exact=1 both): p50 $(ratio "$(bench_field p50_us "$exact3")" "$(bench_field p50_us "$exact")")x, p99 $(ratio "$(bench_field p99_us "$exact3")" "$(bench_field p99_us "$exact")")x."
    [ -n "$BASE_ROW" ] && echo && echo "Every search checking 1,000 matches (exact totals up to 1,000, stable estimates) against checking the page's worth: p50 $(ratio "$(bench_field p50_us "$none")" "$(bench_field p50_us "$base")")x, p99 $(ratio "$(bench_field p99_us "$none")" "$(bench_field p99_us "$base")")x."
} >"$OUT"
echo "wrote $OUT" >&2
cat "$OUT"
