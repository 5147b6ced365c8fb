#!/usr/bin/env bash
# bench/query.sh -- `make bench-query`: query throughput and latency of
# leded over loopback at 1, 8 and 64 connections, beside the same queries
# run in-process, single-threaded, through Xapian's API on the same index.
# Index: Reuters-21578; queries: bench/make_queries.py (seed 42); with and
# without three facets (issue 17; the 500,000-article collection's are
# bench/facets.sh's).  Each
# measurement runs SECONDS (default 10) and is repeated RUNS times (default
# 3); the median run (by QPS) is reported.  Writes bench/results/query.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_setup query
OUT=bench/results/query.md

bench_reuters_queries bench-query
bin/lede-index -q --index "$WORK/reuters.idx" "$REUTERS" 2>/dev/null || true
bench_start_leded "$WORK/reuters.idx"

median_run() { bench_median_run "$WORK/median.out" "$@"; }
field() { bench_field "$@"; }

INPROC=$(median_run "in-process" "$BUILD/bench/inproc" "$WORK/reuters.idx" "$WORK/queries" "$SECONDS_EACH")
REL=$(INPROC_RELEVANCE_ONLY=1 median_run "in-process, relevance only" "$BUILD/bench/inproc" "$WORK/reuters.idx" "$WORK/queries" "$SECONDS_EACH")
LIB=$(median_run "lede engine in-process" "$BUILD/bench/libsearch" "$WORK/reuters.idx" "$WORK/queries" "$SECONDS_EACH")
CORES=$(nproc)
LIBN=$(LIBSEARCH_THREADS=$CORES median_run "lede engine in-process, $CORES threads" "$BUILD/bench/libsearch" "$WORK/reuters.idx" "$WORK/queries" "$SECONDS_EACH")
ROWS=("| in-process, Xapian API, 1 thread | $(field qps "$INPROC") | $(field p50_us "$INPROC") | $(field p99_us "$INPROC") | $(field p999_us "$INPROC") | $(field errors "$INPROC") |"
      "| in-process, Xapian API, 1 thread, no date tie-break (reference) | $(field qps "$REL") | $(field p50_us "$REL") | $(field p99_us "$REL") | $(field p999_us "$REL") | $(field errors "$REL") |"
      "| in-process, lede's engine (liblede), 1 thread | $(field qps "$LIB") | $(field p50_us "$LIB") | $(field p99_us "$LIB") | $(field p999_us "$LIB") | $(field errors "$LIB") |"
      "| in-process, lede's engine (liblede), $CORES threads (the cores' capacity in this run) | $(field qps "$LIBN") | $(field p50_us "$LIBN") | $(field p99_us "$LIBN") | $(field p999_us "$LIBN") | $(field errors "$LIBN") |")
declare -A Q
for opts in "limit=10 snippet=0" "limit=10"; do
    for conns in 1 8 64; do
        R=$(median_run "leded $conns conns ($opts)" "$BUILD/bench/loadgen" "$ADDR" "$WORK/queries" "$conns" "$SECONDS_EACH" "$opts")
        ROWS+=("| leded, $conns connection(s), \`$opts\` | $(field qps "$R") | $(field p50_us "$R") | $(field p99_us "$R") | $(field p999_us "$R") | $(field errors "$R") |")
        Q["$conns $opts"]="$R"
    done
done
# Facets (issue 17): the same queries asking three facets (a keyword field
# and two date histograms, two value slots), beside the rows without.
FACETS_OPTS="limit=10 snippet=0 facets=topics,year,month"
for conns in 1 8; do
    R=$(median_run "leded $conns conns ($FACETS_OPTS)" "$BUILD/bench/loadgen" "$ADDR" "$WORK/queries" "$conns" "$SECONDS_EACH" "$FACETS_OPTS")
    ROWS+=("| leded, $conns connection(s), \`$FACETS_OPTS\` | $(field qps "$R") | $(field p50_us "$R") | $(field p99_us "$R") | $(field p999_us "$R") | $(field errors "$R") |")
    Q["$conns facets"]="$R"
done
# Issue 17: collapse=dup, and SIMILAR on 1,000 random articles (seed 42).
python3 -c 'import gzip, json, random, sys
ids = [json.loads(l)["id"] for l in gzip.open(sys.argv[1], "rt")]
print("\n".join(random.Random(42).sample(ids, 1000)))' "$REUTERS" >"$WORK/ids"
for opts in "limit=10 snippet=0 collapse=dup" "limit=10 snippet=0 collapse=dup exact=1"; do
    for conns in 1 8; do
        R=$(median_run "leded $conns conns ($opts)" "$BUILD/bench/loadgen" "$ADDR" "$WORK/queries" "$conns" "$SECONDS_EACH" "$opts")
        ROWS+=("| leded, $conns connection(s), \`$opts\` | $(field qps "$R") | $(field p50_us "$R") | $(field p99_us "$R") | $(field p999_us "$R") | $(field errors "$R") |")
    done
done
for conns in 1 8; do
    R=$(median_run "leded $conns conns (SIMILAR)" "$BUILD/bench/loadgen" "$ADDR" "$WORK/ids" "$conns" "$SECONDS_EACH" "SIMILAR limit=10 snippet=0")
    ROWS+=("| leded, $conns connection(s), \`SIMILAR ID limit=10 snippet=0\` (1,000 random ids) | $(field qps "$R") | $(field p50_us "$R") | $(field p99_us "$R") | $(field p999_us "$R") | $(field errors "$R") |")
done
# How many queries' facets were sampled (over 1,000 matches, the default
# --facets-exact) rather than exact.
ESTIMATED=$(python3 bench/estimated_facets.py "$ADDR" "$WORK/queries" "facets=topics,year,month")
bench_stop_leded

inproc_qps=$(field qps "$INPROC")
inproc_p50=$(field p50_us "$INPROC")
r64="${Q[64 limit=10 snippet=0]}"
r1="${Q[1 limit=10 snippet=0]}"
{
    bench_results_head "Query benchmark" "make bench-query (bench/query.sh)"
    echo "- index: \`bin/lede-index --index IDX ../shared/corpus/reuters/reuters21578.jsonl.gz\` (21,577 articles)"
    echo "- daemon: \`bin/leded --index IDX\` (2 workers, one per core)"
    echo "- queries: 1,200 from \`bench/make_queries.py REUTERS 1200 42\`: 30% one word, 20% two words (AND), 10% OR, 15% phrases, 10% NOT, 10% prefix*, 5% title:"
    echo "- in-process: \`$BUILD/bench/inproc IDX QUERIES $SECONDS_EACH\` (Xapian API, top 10 and their stored data; no lede code but \`src/engine/ranking.hh\`, the weighting a format 3 index needs)"
    echo "- in-process ranks as leded does: BM25 (on a format 3 index, idf x the impact stored in each posting), newer date first among equal scores (Xapian's \`set_sort_by_relevance_then_value\`); the reference row (\`INPROC_RELEVANCE_ONLY=1\`) drops the date tie-break, which leded gets for less by ordering the top hits itself and letting Xapian sort only when a tie crosses the page's end"
    echo "- lede's engine in-process: \`$BUILD/bench/libsearch IDX QUERIES $SECONDS_EACH\` (liblede's engine_search, as a leded worker calls it, without the daemon: tells the engine's cost from the daemon's); with \`LIBSEARCH_THREADS=$CORES\`, one thread per core, each with its own reader"
    echo "- daemon: \`$BUILD/bench/loadgen ADDR QUERIES CONNS $SECONDS_EACH OPTIONS\` (one request in flight per connection)"
    echo
    echo "| configuration | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Same run: leded at 64 connections (no snippets) does $(awk -v a="$(field qps "$r64")" -v b="$inproc_qps" 'BEGIN {printf "%.2f", a / b}')x the in-process single-thread QPS;" \
         "at 1 connection its p50 is $(awk -v a="$(field p50_us "$r1")" -v b="$inproc_p50" 'BEGIN {printf "%+d", a - b}') µs from the in-process p50."
    echo
    echo "Goals (issue 3): at 64 connections QPS >= 1.5x in-process and p99 <= 5 ms; at 1 connection <= +100 µs on the in-process p50."
    echo
    ratio() { bench_ratio "$@"; }
    f1="${Q[1 facets]}" f8="${Q[8 facets]}" n8="${Q[8 limit=10 snippet=0]}"
    echo "Facets (issue 17: three facets cost at most 2x none): at 1 connection, \`facets=topics,year,month\` took $(ratio "$(field p50_us "$f1")" "$(field p50_us "$r1")")x the p50 and $(ratio "$(field p99_us "$f1")" "$(field p99_us "$r1")")x the p99 of the same queries without; at 8 connections it did $(field qps "$f8") QPS against $(field qps "$n8") without ($(ratio "$(field qps "$n8")" "$(field qps "$f8")")x). The facets of $ESTIMATED queries were sampled from the 1,000 matches every search checks and estimated (they have more matches than \`--facets-exact\`, 1,000 by default: docs/QUERY.md); the others' are exact."
    echo
    echo "With 64 connections each keeping one request in flight, the mean latency is 64 / QPS (Little's law): $(awk -v q="$(field qps "$r64")" 'BEGIN {printf "%.1f", 64000 / q}') ms in this run, whatever the scheduling, and the p99 was $(awk -v q="$(field qps "$r64")" -v p="$(field p99_us "$r64")" 'BEGIN {printf "%.2f", p / (64e6 / q)}')x the mean; at that spread a p99 of 5 ms needs $(awk -v q="$(field qps "$r64")" -v p="$(field p99_us "$r64")" 'BEGIN {printf "%.0f", 64e6 * (p / (64e6 / q)) / 5000}') QPS, $(awk -v p="$(field p99_us "$r64")" 'BEGIN {printf "%.2f", p / 5000}')x this run's. The engine alone did $(field qps "$LIBN") QPS on the $CORES cores in this run ($CORES threads, nothing else running); leded at 64 connections reached $(awk -v a="$(field qps "$r64")" -v b="$(field qps "$LIBN")" 'BEGIN {printf "%.0f", 100 * a / b}')% of that, the rest going to the sockets, the hand-offs between threads and the load generator, which shares the cores."
} >"$OUT"
echo "wrote $OUT" >&2
cat "$OUT"
