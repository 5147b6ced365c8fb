#!/usr/bin/env bash
# bench/index.sh -- `make bench-index`: indexing speed, peak memory and size
# of lede-index against a plain single-threaded Xapian indexer
# (bench/plain_index.cc), on Reuters-21578 and the BBC collection, in the
# same run.  Each configuration runs RUNS times (default 3) on a fresh
# index; the median wall time is reported.  Writes bench/results/index.md;
# the text after its "analysis" marker line (the hand-written profile of
# a build) is kept across runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
SHARED="${SHARED:-../shared}"
BUILD="${BUILD:-build}"
MEASURE="$BUILD/bench/measure"
PLAIN="$BUILD/bench/plain_index"
OUT=bench/results/index.md
MARKER="<!-- analysis: written by hand, kept across runs of bench/index.sh -->"
WORK=$(mktemp -d /tmp/lede-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
BBC="$SHARED/corpus/bbc"
[ -f "$REUTERS" ] && [ -d "$BBC" ] || { echo "bench-index: needs $SHARED/corpus" >&2; exit 1; }

. bench/lib.sh
raw_bytes() { bench_raw_bytes "$@"; }
dir_bytes() { bench_dir_bytes "$@"; }

# run NAME DB COMMAND... : RUNS fresh runs; sets SECS (median), RSS (max KB), SIZE (bytes)
run() {
    local name="$1" db="$2"; shift 2
    bench_index_runs "$RUNS" "$name" "$db" "$@"
    SIZE=$(dir_bytes "$db")
}

ROWS=()
# row LABEL ARTICLES RAWBYTES
row() {
    local label="$1" n="$2" raw="$3"
    ROWS+=("$(awk -v l="$label" -v n="$n" -v raw="$raw" -v s="$SECS" -v cpu="$CPU" -v rss="$RSS" -v size="$SIZE" 'BEGIN {
        printf "| %s | %d | %.2f | %.0f | %.2f | %.0f | %.2f | %.0f | %.1f | %.0f%% |", l, n, s, n / s, cpu, n / cpu, raw / 1e6 / s, rss / 1024, size / 1e6, 100 * size / raw }')")
    echo "${ROWS[-1]}" >&2
}

KEEP=$(bench_kept_analysis "$OUT" "$MARKER")
declare -A RATE
for corpus in reuters bbc; do
    if [ $corpus = reuters ]; then src="$REUTERS"; else src="$BBC"; fi
    raw=$(raw_bytes "$src")
    run "lede $corpus" "$WORK/lede.idx" bin/lede-index -q --index "$WORK/lede.idx" "$src"
    n=$(bin/lede-index --index "$WORK/lede.idx" --info | awk '$1 == "articles:" {print $2}')
    row "lede-index (--writer bulk), $corpus (2 shards, stored text)" "$n" "$raw"
    RATE[lede_$corpus]=$(awk -v n="$n" -v s="$SECS" 'BEGIN {print n / s}')
    LEDE_SIZE=$SIZE
    run "lede1 $corpus" "$WORK/lede1.idx" bin/lede-index -q --threads 1 --index "$WORK/lede1.idx" "$src"
    row "lede-index --threads 1 (--writer bulk), $corpus" "$n" "$raw"
    run "ledex $corpus" "$WORK/ledex.idx" bin/lede-index -q --writer xapian --index "$WORK/ledex.idx" "$src"
    row "lede-index --writer xapian, $corpus (2 shards)" "$n" "$raw"
    RATE[xapian_$corpus]=$(awk -v n="$n" -v s="$SECS" 'BEGIN {print n / s}')
    run "ledex1 $corpus" "$WORK/ledex1.idx" bin/lede-index -q --writer xapian --threads 1 --index "$WORK/ledex1.idx" "$src"
    row "lede-index --writer xapian --threads 1, $corpus" "$n" "$raw"
    run "plain $corpus" "$WORK/plain.db" "$PLAIN" "$WORK/plain.db" "$src"
    row "plain Xapian indexer, $corpus (no stored text)" "$n" "$raw"
    RATE[plain_$corpus]=$(awk -v n="$n" -v s="$SECS" 'BEGIN {print n / s}')
    PLAIN_SIZE=$SIZE
    xapian-compact -q "$WORK/plain.db" "$WORK/plain-compact.db" >/dev/null 2>&1 || xapian-compact "$WORK/plain.db" "$WORK/plain-compact.db" >/dev/null
    SIZE=$(dir_bytes "$WORK/plain-compact.db")
    ROWS+=("$(awk -v l="plain index after xapian-compact, $corpus" -v size="$SIZE" -v raw="$raw" 'BEGIN {printf "| %s | | | | | | | | %.1f | %.0f%% |", l, size / 1e6, 100 * size / raw}')")
    RATE[ratio_$corpus]=$(awk -v a="${RATE[lede_$corpus]}" -v b="${RATE[plain_$corpus]}" 'BEGIN {printf "%.2f", a / b}')
    RATE[size_$corpus]=$(awk -v a="$LEDE_SIZE" -v b="$PLAIN_SIZE" 'BEGIN {printf "%.2f", a / b}')
done

{
    echo "# Indexing benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine)"
    echo "- lede commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
    echo "- command: \`make bench-index\` (bench/index.sh, RUNS=$RUNS: median wall time and median CPU time (user + system, all threads) of $RUNS fresh builds; peak RSS is the largest seen)"
    echo "- lede: \`bin/lede-index -q --index DB SOURCE\` (full build: one part per core; stored zlib text); its parts inverted by the bulk inverter and merged into one database directly (\`--writer bulk\`, the default, --memory 512M) or written through Xapian's API and compacted (\`--writer xapian\`)"
    echo "- plain: \`$PLAIN DB SOURCE\` (TermGenerator defaults, one WritableDatabase, default flags, headline as data)"
    echo "- raw text: uncompressed input bytes (Reuters: the JSON Lines file after gunzip; BBC: the .txt files)"
    echo
    echo "| configuration | articles | seconds | articles/s | CPU s | articles/CPU s | MB/s | peak RSS MB | index MB | % of raw |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Ratios lede / plain, same run: Reuters speed ${RATE[ratio_reuters]}x, size ${RATE[size_reuters]}x;" \
         "BBC speed ${RATE[ratio_bbc]}x, size ${RATE[size_bbc]}x."
    echo
    echo "Bulk / xapian writer, same run: Reuters" \
         "$(awk -v a="${RATE[lede_reuters]}" -v b="${RATE[xapian_reuters]}" 'BEGIN {printf "%.2f", a / b}')x," \
         "BBC $(awk -v a="${RATE[lede_bbc]}" -v b="${RATE[xapian_bbc]}" 'BEGIN {printf "%.2f", a / b}')x" \
         "(articles/s; the machine is shared with other work: see the machine line)."
    echo
    echo "Goals (issue 2): >= 12,700 articles/s on 2 cores (Sphinx 2.2's indexer);" \
         "index plus stored text <= 250% of the raw text."
    echo
    echo "$MARKER"
    [ -n "$KEEP" ] && echo "$KEEP"
} >"$OUT"
echo "wrote $OUT" >&2
cat "$OUT"
