#!/usr/bin/env bash
# bench/peers.sh -- `make bench-peers`: lede beside its peers, Sphinx search
# 2.2 (indexer + searchd over SphinxQL) and SQLite FTS5 (in-process), on the
# same collections with the same query mix, in one run:
# - collections: Reuters-21578 and a scaled collection of SCALE_N (default
#   500,000) articles made by corpus/scale.py (seed 42) in a temporary
#   directory;
# - indexing: articles/s, MB/s, peak RSS and index size of lede-index,
#   Sphinx's indexer and bench/peers/fts5_index (INDEX_RUNS fresh builds on
#   Reuters, default 3, the median shown; one build on the scaled one);
# - queries: bench/make_queries.py (1,200, seed 42, drawn from Reuters) in
#   each engine's syntax; leded and searchd at 1, 8 and 64 connections,
#   FTS5, lede's engine (bench/libsearch) and Xapian in-process on 1 thread; SECONDS_EACH (default 5) per
#   measurement, RUNS (default 3) runs, the run with the median QPS shown,
#   overall and per query class.
# Writes bench/results/peers.md; text after its "analysis" marker line is
# kept across runs.  About 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
INDEX_RUNS="${INDEX_RUNS:-3}"
SECONDS_EACH="${SECONDS_EACH:-5}"
SCALE_N="${SCALE_N:-500000}"
. bench/lib.sh
. bench/sphinx.sh
bench_peer_setup peers indexer searchd

echo "generating the scaled collection ($SCALE_N articles)" >&2
python3 corpus/scale.py "$REUTERS" "$SCALE_N" 42 >"$WORK/scaled.jsonl"
SCALE_SECS=$(( $(date +%s) - T0 ))
bench_peer_queries lede sphinx fts5

# sphinx_conf NAME SOURCE: writes $WORK/sphinx-NAME.conf, index in $WORK/sphinx-NAME/
sphinx_conf() { bench_sphinx_conf "$WORK/sphinx-$1.conf" "$WORK/sphinx-$1" "$2" "$(bench_free_port)"; }

# Figures kept in associative arrays, keyed "collection engine".
declare -A N SECS_ RSS_ SIZE_ RAW
IDX_ROWS=()
# index_row COLLECTION ENGINE LABEL ARTICLES SIZE_BYTES
index_row() {
    local c="$1" e="$2"
    N["$c $e"]=$4; SECS_["$c $e"]=$SECS; RSS_["$c $e"]=$RSS; SIZE_["$c $e"]=$5
    IDX_ROWS+=("$(awk -v l="$3" -v n="$4" -v raw="${RAW[$c]}" -v s="$SECS" -v cpu="$CPU" -v rss="$RSS" -v size="$5" 'BEGIN {
        printf "| %s | %d | %.1f | %.1f | %.0f | %.2f | %.0f | %.0f | %.1f | %.0f%% |", l, n, s, cpu, n / s, raw / 1e6 / s, n / cpu, rss / 1024, size / 1e6, 100 * size / raw }')")
    echo "${IDX_ROWS[-1]}" >&2
}

# query_set COLLECTION: every query measurement on that collection; results in $WORK/q.COLLECTION.CONFIG
query_set() {
    local c="$1"
    bench_median_run "$WORK/q.$c.xapian" "$c Xapian in-process" \
        "$BUILD/bench/inproc" "$WORK/lede-$c.idx" "$WORK/queries.lede" "$SECONDS_EACH" >/dev/null
    bench_median_run "$WORK/q.$c.fts5" "$c FTS5 in-process" \
        "$PEERS/fts5_query" "$WORK/fts5-$c.db" "$WORK/queries.fts5" "$SECONDS_EACH" >/dev/null
    bench_median_run "$WORK/q.$c.lib" "$c lede engine in-process" \
        "$BUILD/bench/libsearch" "$WORK/lede-$c.idx" "$WORK/queries.lede" "$SECONDS_EACH" >/dev/null
    bench_start_leded "$WORK/lede-$c.idx"
    bench_conns_runs "$WORK/q.$c.lede" "$c leded" "1 8 64" "$BUILD/bench/loadgen" "$ADDR" \
        "$WORK/queries.lede" "limit=10 snippet=0"
    bench_stop_leded
    bench_start_searchd "$WORK/sphinx-$c.conf"
    bench_conns_runs "$WORK/q.$c.sphinx" "$c searchd" "1 8 64" "$PEERS/sphinxql" "$SPHINX_ADDR" \
        "$WORK/queries.sphinx" bm25
    bench_stop_servers
}

# qf COLLECTION CONFIG FIELD [CLASS]: a figure of a query measurement
qf() { bench_figure "$WORK/q.$1.$2" "$3" "${4:-}"; }
ratio() { bench_ratio "$@"; }

COLLECTIONS="reuters scaled"
for c in $COLLECTIONS; do
    if [ $c = reuters ]; then src="$REUTERS"; runs=$INDEX_RUNS; else src="$WORK/scaled.jsonl"; runs=1; fi
    RAW[$c]=$(bench_raw_bytes "$src")
    bench_index_runs "$runs" "lede $c" "$WORK/lede-$c.idx" bin/lede-index -q --index "$WORK/lede-$c.idx" "$src"
    n=$(bin/lede-index --index "$WORK/lede-$c.idx" --info | awk '$1 == "articles:" {print $2}')
    index_row $c lede "lede-index (2 shards, stored text), $c" "$n" "$(bench_dir_bytes "$WORK/lede-$c.idx")"
    sphinx_conf $c "$src"
    bench_index_runs "$runs" "sphinx $c" "$WORK/sphinx-$c/articles.sp*" indexer --config "$WORK/sphinx-$c.conf" --all
    n=$(sed -n 's/^total \([0-9]*\) docs,.*/\1/p' "$WORK/out" | head -1)
    index_row $c sphinx "Sphinx indexer (no stored text), $c" "$n" "$(bench_dir_bytes "$WORK/sphinx-$c")"
    bench_index_runs "$runs" "fts5 $c" "$WORK/fts5-$c.db" "$PEERS/fts5_index" "$WORK/fts5-$c.db" "$src"
    n=$(sed -n 's/^fts5_index: \([0-9]*\) articles.*/\1/p' "$WORK/out")
    index_row $c fts5 "SQLite FTS5 (stored text), $c" "$n" "$(stat -c %s "$WORK/fts5-$c.db")"
    query_set $c
done
rm -f "$WORK/scaled.jsonl"
ELAPSED=$(( $(date +%s) - T0 ))

# One results section per collection.
query_tables() {
    local c="$1" cfg label
    echo "| engine, configuration | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|"
    for cfg in xapian fts5 lib lede1 lede8 lede64 sphinx1 sphinx8 sphinx64; do
        case $cfg in
            xapian) label="Xapian API in-process, 1 thread (reference)" ;;
            fts5) label="SQLite FTS5 in-process, 1 thread" ;;
            lib) label="lede's engine in-process (liblede, bench/libsearch), 1 thread" ;;
            lede*) label="leded, ${cfg#lede} connection(s)" ;;
            sphinx*) label="Sphinx searchd, ${cfg#sphinx} connection(s)" ;;
        esac
        echo "| $label | $(qf $c $cfg qps) | $(qf $c $cfg p50_us) | $(qf $c $cfg p99_us) | $(qf $c $cfg p999_us) | $(qf $c $cfg errors) |"
    done
    echo
    echo "Ratios lede / Sphinx, same run (QPS: above 1 is lede ahead; p99: below 1 is lede ahead):"
    echo
    echo "| connections | QPS lede/Sphinx | p50 lede/Sphinx | p99 lede/Sphinx |"
    echo "|---|---|---|---|"
    for n in 1 8 64; do
        echo "| $n | $(ratio "$(qf $c lede$n qps)" "$(qf $c sphinx$n qps)") | $(ratio "$(qf $c lede$n p50_us)" "$(qf $c sphinx$n p50_us)") | $(ratio "$(qf $c lede$n p99_us)" "$(qf $c sphinx$n p99_us)") |"
    done
    echo
    echo "Per query class, p50 / p99 in µs (leded and searchd through their sockets; FTS5, lede's engine and Xapian in-process); last columns: lede / FTS5, in-process against in-process (lede's engine library, as FTS5 is SQLite's) and leded at 1 connection over its socket against FTS5 in-process (below 1 is lede ahead):"
    echo
    echo "| class | queries | Xapian | FTS5 | lede engine | leded x1 | searchd x1 | leded x8 | searchd x8 | leded x64 | searchd x64 | p50 engine/FTS5 | p99 engine/FTS5 | p50 leded/FTS5 | p99 leded/FTS5 |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    local k
    for k in $CLASSES; do
        local row="| $k | $(grep -c "^$k	" "$WORK/queries.lede")"
        for cfg in xapian fts5 lib lede1 sphinx1 lede8 sphinx8 lede64 sphinx64; do
            row+=" | $(qf $c $cfg p50_us $k) / $(qf $c $cfg p99_us $k)"
        done
        row+=" | $(ratio "$(qf $c lib p50_us $k)" "$(qf $c fts5 p50_us $k)") | $(ratio "$(qf $c lib p99_us $k)" "$(qf $c fts5 p99_us $k)")"
        row+=" | $(ratio "$(qf $c lede1 p50_us $k)" "$(qf $c fts5 p50_us $k)") | $(ratio "$(qf $c lede1 p99_us $k)" "$(qf $c fts5 p99_us $k)") |"
        echo "$row"
    done
}

# Goals of issue 5, checked on each collection.
goals() {
    local c g1=met g2=met g3=met g4=met why1="" why2="" why3="" why4="" n k
    for c in $COLLECTIONS; do
        awk -v a="$(qf $c lede64 qps)" -v b="$(qf $c sphinx64 qps)" 'BEGIN {exit !(a > b)}' ||
            { g1="not met"; why1+=" $c: $(qf $c lede64 qps) vs $(qf $c sphinx64 qps) QPS;"; }
        for n in 1 8 64; do
            awk -v a="$(qf $c lede$n p99_us)" -v b="$(qf $c sphinx$n p99_us)" 'BEGIN {exit !(a < b)}' ||
                { g2="not met"; why2+=" $c x$n: $(qf $c lede$n p99_us) vs $(qf $c sphinx$n p99_us) µs;"; }
        done
        for k in $CLASSES; do
            for p in p50_us p99_us; do
                awk -v a="$(qf $c lede1 $p $k)" -v b="$(qf $c fts5 $p $k)" 'BEGIN {exit !(a < b)}' ||
                    { g3="not met"; why3+=" $c $k ${p%_us}: $(qf $c lede1 $p $k) vs $(qf $c fts5 $p $k) µs;"; }
                awk -v a="$(qf $c lib $p $k)" -v b="$(qf $c fts5 $p $k)" 'BEGIN {exit !(a < b)}' ||
                    { g4="not met"; why4+=" $c $k ${p%_us}: $(qf $c lib $p $k) vs $(qf $c fts5 $p $k) µs;"; }
            done
        done
    done
    echo "- lede ahead of Sphinx searchd on QPS at 64 connections, both collections: **$g1**${why1:+ (lede vs Sphinx:$why1)}"
    echo "- lede ahead of Sphinx searchd on p99 at 1, 8 and 64 connections, both collections: **$g2**${why2:+ (lede vs Sphinx:$why2)}"
    echo "- lede's engine in-process ahead of FTS5 in-process (library against library) on p50 and p99 for every query class, both collections: **$g4**${why4:+ (lede vs FTS5:$why4)}"
    echo "- lede through its daemon (leded, 1 connection, over its socket) ahead of FTS5 in-process on p50 and p99 for every query class, both collections (the stricter reading): **$g3**${why3:+ (lede vs FTS5:$why3)}"
}

{
    echo "# lede beside its peers: Sphinx search 2.2 and SQLite FTS5"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); load generators on the same machine; Debian $(cat /etc/debian_version)"
    echo "- lede commit: $(bench_commit)"
    echo "- peers: $(indexer 2>&1 | sed -n '1s/^\(Sphinx [^ ]*\).*/\1/p') (Debian \`sphinxsearch\` $(dpkg-query -W -f='${Version}' sphinxsearch)), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1 || dpkg-query -W -f='${Version}' libsqlite3-0) (Debian \`libsqlite3-0\`), libmariadb $(dpkg-query -W -f='${Version}' libmariadb3)"
    echo "- command: \`make bench-peers\` (bench/peers.sh; RUNS=$RUNS query runs of ${SECONDS_EACH} s each, the median run by QPS shown; INDEX_RUNS=$INDEX_RUNS builds on Reuters, 1 on the scaled collection); whole run ${ELAPSED} s including ${SCALE_SECS} s to generate the scaled collection"
    echo
    echo "## Collections"
    echo
    echo "- reuters: \`../shared/corpus/reuters/reuters21578.jsonl.gz\` (21,578 lines; lede skips the one with neither title nor text)"
    echo "- scaled: \`python3 corpus/scale.py REUTERS $SCALE_N 42 > TMP/scaled.jsonl\` ($(awk -v b="${RAW[scaled]}" 'BEGIN {printf "%.0f MB", b / 1e6}') of JSON Lines, written to a temporary directory and deleted at the end): headlines, lengths and first paragraphs of real articles, further paragraphs recombined from runs of 1-4 sentences of other articles, new ids, dates spread over 1990-2025 (see corpus/scale.py)"
    echo "- raw size: the uncompressed JSON Lines bytes"
    echo
    echo "## Settings"
    echo
    echo "| | lede | Sphinx 2.2 | SQLite FTS5 |"
    echo "|---|---|---|---|"
    echo "| build | \`bin/lede-index -q --index IDX SOURCE\` (2 shards, merged and compacted) | \`indexer --config CONF --all\` (tsvpipe from \`$PEERS/jsonl2tsv SOURCE\`, which parses the JSON as lede does; mem_limit 256M) | \`$PEERS/fts5_index DB SOURCE\` (commit every 5,000 articles, WAL, synchronous=NORMAL, 64 MB cache, then 'optimize') |"
    echo "| stemming | Snowball english, STEM_ALL | morphology = stem_en (Porter), index_exact_words forced on by the indexer | tokenize = 'porter unicode61 remove_diacritics 2' |"
    echo "| prefix search | any length, up to 1,000 expansions (else ERR LIMIT) | dict = keywords, min_prefix_len = 3, expansion_limit = 1000 | prefix = '2 3 4' (prefix indexes) |"
    echo "| stop words | about 50 English function words left out of the index, phrases skip them (lede's default; \`--no-stopwords\` keeps them) | none | none |"
    echo "| ranking | BM25 (k1 1.2, b 0.75), headline x3 and standfirst x2 counted in one term with the body; its term-frequency part stored in each posting (index format 3, docs/FORMATS.md) | ranker=bm25 (its BM25 without length normalisation, plus 1,000 x the sum of matched field weights), field_weights title=3, body=1 | rank = bm25(3.0, 1.0): BM25 k1 1.2, b 0.75, headline x3 |"
    echo "| stored | text (zlib) for snippets and \`get\` | headline, id, date as attributes; no text | text (FTS5 content table) |"
    echo "| query | \`SEARCH limit=10 snippet=0 -- Q\`: top 10 with id, headline, date | \`SELECT id, title, ext_id, date FROM articles WHERE MATCH('Q') LIMIT 10 OPTION ranker=bm25, field_weights=(title=3, body=1)\` | \`SELECT rowid, title, ext_id, date FROM articles WHERE articles MATCH ? ORDER BY rank LIMIT 10\` (one prepared statement) |"
    echo "| serving | \`bin/leded --index IDX\` (libevent loop, 2 workers) | \`searchd --config CONF\` (workers = threads: a thread per connection, max_children 0) | in-process, 1 thread, read-only handle |"
    echo "| driver | \`$BUILD/bench/loadgen ADDR QUERIES CONNS $SECONDS_EACH 'limit=10 snippet=0'\` | \`$PEERS/sphinxql ADDR QUERIES CONNS $SECONDS_EACH bm25\` (libmariadb) | \`$PEERS/fts5_query DB QUERIES $SECONDS_EACH\` |"
    echo
    echo "Configuration file: bench/peers/sphinx.conf.in.  Xapian in-process: \`$BUILD/bench/inproc IDX QUERIES $SECONDS_EACH\` on lede's index (Xapian's API; no lede code but the weighting a format 3 index needs, src/engine/ranking.hh), for reference."
    echo
    echo "## Query mix"
    echo
    echo "1,200 queries from \`python3 bench/make_queries.py REUTERS 1200 42 --classes --syntax S\` (S = lede, sphinx, fts5; the same queries in each language), drawn from Reuters and used on both collections.  Every connection cycles through them from its own offset, one query in flight."
    echo
    echo "| class | share | lede | Sphinx (extended syntax) | FTS5 |"
    echo "|---|---|---|---|---|"
    echo "| word | 30% | \`w\` | \`w\` | \`w\` |"
    echo "| and | 20% | \`a b\` | \`a b\` | \`a b\` |"
    echo "| or | 10% | \`a OR b\` | \`a \\| b\` | \`a OR b\` |"
    echo "| phrase (2-3 words) | 15% | \`\"a b c\"\` | \`\"a b c\"\` | \`\"a b c\"\` |"
    echo "| not | 10% | \`a NOT b\` | \`a -b\` | \`a NOT b\` |"
    echo "| prefix (4 letters) | 10% | \`abcd*\` | \`abcd*\` | \`abcd*\` |"
    echo "| title | 5% | \`title:w\` | \`@title w\` | \`title:w\` |"
    echo
    echo "Every class is expressible in all three; none is skipped."
    echo
    echo "## Indexing"
    echo
    echo "| engine, collection | articles | seconds | CPU s | articles/s | MB/s | articles per CPU s | peak RSS MB | index MB | % of raw |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${IDX_ROWS[@]}"
    echo
    echo "CPU s: user + system time of the indexer and its children (Sphinx: jsonl2tsv too); less sensitive than wall time to other work on a shared machine.  lede-index uses both cores (2 shards), Sphinx's indexer and FTS5 one."
    echo
    echo "Ratios lede / peer, same run (speed: above 1 is lede faster; memory and size: below 1 is lede smaller):"
    echo
    echo "| collection | peer | articles/s | peak RSS | index size |"
    echo "|---|---|---|---|---|"
    for c in $COLLECTIONS; do
        for p in sphinx fts5; do
            echo "| $c | $p | $(ratio "$(awk -v n="${N[$c lede]}" -v s="${SECS_[$c lede]}" 'BEGIN {print n / s}')" "$(awk -v n="${N[$c $p]}" -v s="${SECS_[$c $p]}" 'BEGIN {print n / s}')") | $(ratio "${RSS_[$c lede]}" "${RSS_[$c $p]}") | $(ratio "${SIZE_[$c lede]}" "${SIZE_[$c $p]}") |"
        done
    done
    for c in $COLLECTIONS; do
        echo
        echo "## Queries, $c"
        echo
        query_tables $c
    done
    echo
    echo "## Goals of issue 5 (this run)"
    echo
    goals
} | bench_peer_results
