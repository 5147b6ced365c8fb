#!/usr/bin/env bash
# bench/relevance.sh -- `make bench-relevance [IR=DIR]`: ranking quality of
# lede on test collections (DIR/docs.jsonl, DIR/queries.tsv, DIR/qrels.tsv;
# layout in ../shared/corpus/README.md), beside SQLite FTS5's BM25 and a
# plain Xapian BM25 on the same data, measured by lede's own evaluation
# code (bench/eval.c): nDCG@10, MAP@1000, Recall@100.
#
# lede: lede-index builds the index, leded serves it on loopback with
# --max-limit 1000, and every query goes through the protocol as
# "SEARCH limit=1000 mode=any snippet=0 -- TEXT" (bench/relrun.c).
# Default: every collection under ../shared/corpus/ir/, results to
# bench/results/relevance.md; with arguments (IR=DIR in make), those
# collections, results to bench/results/relevance-NAME.md.  The default
# results end with bench/relevance_notes.md (the ranking changes, before
# and after), written by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${SHARED:-../shared}"
BUILD="${BUILD:-build}"
if [ $# -gt 0 ]; then
    COLLECTIONS=("$@")
    OUT="${OUT:-bench/results/relevance-$(basename "${1%/}").md}"
else
    COLLECTIONS=("$SHARED"/corpus/ir/*/)
    OUT="${OUT:-bench/results/relevance.md}"
fi
WORK=$(mktemp -d /tmp/lede-bench-relevance.XXXXXX)
LEDED_PID=
. bench/lib.sh
trap 'bench_stop_leded; rm -rf "$WORK"' EXIT

# Published BM25 figures quoted in ../shared/corpus/README.md:
# "collection|system|nDCG@10|MAP@1000|Recall@100".
PUBLISHED=(
    "scifact|BM25, BEIR paper (Thakur et al. 2021; Elasticsearch)|0.665||"
    "scifact|BM25 flat, Anserini regressions (title and text concatenated)|0.6789||0.9253"
    "scifact|BM25 multifield, Anserini regressions (title and text as fields)|0.6647||0.9076"
)

field() { bench_field "$@"; }
row() { # LABEL EVAL-LINE ERRORS
    echo "| $1 | $(field ndcg10 "$2") | $(field map1000 "$2") | $(field recall100 "$2") | $(field queries "$2") | $3 |"
}

SECTIONS=()
for dir in "${COLLECTIONS[@]}"; do
    dir="${dir%/}"
    name=$(basename "$dir")
    for f in docs.jsonl queries.tsv qrels.tsv; do
        [ -f "$dir/$f" ] || { echo "bench-relevance: $dir/$f is missing" >&2; exit 1; }
    done
    echo "== $name" >&2
    rows=()

    bin/lede-index -q --index "$WORK/$name.idx" "$dir/docs.jsonl" 2>"$WORK/index.log" || true
    bench_start_leded "$WORK/$name.idx" --max-limit 1000
    run=$("$BUILD"/bench/relrun "$ADDR" "$dir/queries.tsv" "$WORK/$name.lede" 2>"$WORK/relrun.log")
    bench_stop_leded
    ev=$("$BUILD"/bench/releval "$dir/qrels.tsv" "$WORK/$name.lede")
    echo "  lede: $ev ($run)" >&2
    rows+=("$(row "**lede** (leded, \`mode=any\`)" "$ev" "$(field errors "$run")")")

    fts=$("$BUILD"/bench/fts5run "$dir/docs.jsonl" "$dir/queries.tsv" "$WORK/$name.fts5" "$WORK/$name.sqlite" 2>/dev/null)
    ev_fts=$("$BUILD"/bench/releval "$dir/qrels.tsv" "$WORK/$name.fts5")
    echo "  fts5: $ev_fts" >&2
    rows+=("$(row "SQLite FTS5, bm25()" "$ev_fts" 0)")

    "$BUILD"/bench/plain_index "$WORK/$name.plain" "$dir/docs.jsonl" >/dev/null
    xr=$("$BUILD"/bench/xapian_run "$WORK/$name.plain" "$dir/queries.tsv" "$WORK/$name.xapian" 2>/dev/null)
    ev_x=$("$BUILD"/bench/releval "$dir/qrels.tsv" "$WORK/$name.xapian")
    echo "  xapian: $ev_x" >&2
    rows+=("$(row "plain Xapian, BM25Weight defaults" "$ev_x" "$(field errors "$xr")")")

    for p in "${PUBLISHED[@]}"; do
        IFS='|' read -r coll sys n m r <<<"$p"
        [ "$coll" = "$name" ] && rows+=("| published: $sys | $n | $m | $r | | |")
    done
    ratio=$(awk -v a="$(field ndcg10 "$ev")" -v b="$(field ndcg10 "$ev_fts")" 'BEGIN {printf "%.3f", a / b}')
    SECTIONS+=("### $name ($(grep -c . "$dir/docs.jsonl") documents, $(field queries "$ev") judged queries)"
               ""
               "| system | nDCG@10 | MAP@1000 | Recall@100 | queries | errors |"
               "|---|---|---|---|---|---|"
               "${rows[@]}"
               ""
               "lede/FTS5 nDCG@10: ${ratio}."
               "")
done

{
    echo "# Relevance benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "- lede commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src daemon indexer || echo ' (with uncommitted changes)')"
    echo "- command: \`make bench-relevance\` (bench/relevance.sh${*:+ $*})"
    echo "- lede: \`bin/lede-index --index IDX DIR/docs.jsonl\`; \`bin/leded --index IDX --listen 127.0.0.1:0 --max-limit 1000\`;" \
         "\`$BUILD/bench/relrun ADDR DIR/queries.tsv RUN\` sends each query as \`SEARCH limit=1000 mode=any snippet=0 -- TEXT\`"
    echo "- FTS5: \`$BUILD/bench/fts5run DIR/docs.jsonl DIR/queries.tsv RUN DB\`: table (id UNINDEXED, title, text)," \
         "tokenizer \`porter unicode61\`, each query's words double-quoted and joined with OR, \`ORDER BY bm25(docs) LIMIT 1000\` (k1 = 1.2, b = 0.75)"
    echo "- plain Xapian: \`$BUILD/bench/plain_index DB DIR/docs.jsonl\` (title and text as one field, English stemmer)," \
         "\`$BUILD/bench/xapian_run DB DIR/queries.tsv RUN\` (QueryParser, OR, BM25Weight defaults), in-process"
    echo "- reference: the published BM25 figures quoted in ../shared/corpus/README.md where there are some;" \
         "where there are none (Cranfield) the plain Xapian BM25 row is the reference"
    echo "- measures: \`$BUILD/bench/releval DIR/qrels.tsv RUN\` (bench/eval.c): nDCG@10 with graded gains and log2 discount," \
         "MAP@1000 and Recall@100 with grade > 0 relevant, means over the queries with a relevant document"
    echo
    printf '%s\n' "${SECTIONS[@]}"
} >"$WORK/out.md"
if [ -f bench/relevance_notes.md ] && [ "$OUT" = bench/results/relevance.md ]; then
    { echo; cat bench/relevance_notes.md; } >>"$WORK/out.md"
fi
mv "$WORK/out.md" "$OUT"
echo "wrote $OUT" >&2
