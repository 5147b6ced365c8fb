#!/usr/bin/env bash
# bench/scale.sh -- `make bench-scale` (issue 22): how lede's build and
# query costs grow with the collection, beside Sphinx search 2.2's in the
# same run, at several sizes of a recombined collection:
# - collections: corpus/scale.py (seed 42) from Reuters-21578 at each size
#   of SCALES (default "500000 2000000"), plus SCALE when set (SCALE=10000000
#   adds 10 million), each made in a temporary directory and deleted with
#   its indexes before the next size;
# - builds (one each): seconds, CPU seconds, articles/s, peak RSS (bench/
#   measure), index size, and the bytes the build wrote to storage
#   (write_bytes of /proc/PID/io: a shell runs the indexer, reaps it, and
#   reads its own counters, which then hold the indexer's and its
#   children's), of `lede-index` (with SCALE_INDEX_OPTS, e.g. "--pair-min
#   3000 --prefix-min 20000", docs/SCALE.md's options for millions of
#   articles; none by default) and of Sphinx's `indexer`;
# - queries: bench/make_queries.py (1,200, seed 42, drawn from Reuters, the
#   bench-query mix with its classes) at 1 and 8 connections, leded through
#   bench/loadgen and searchd through bench/peers/sphinxql, SECONDS_EACH
#   (default 10) a measurement, RUNS (default 3) runs, the median run by
#   QPS kept, overall and per class (p50, p99);
# - growth exponents: log(p99_b / p99_a) / log(b / a) between consecutive
#   sizes, per class, engine and connection count (from 500k to 2M:
#   log(p99_2M / p99_500k) / log(4)).
# Writes bench/results/scale.md; text after its "analysis" marker line is
# kept across runs.  Not part of `bench` nor of CI: at the default sizes it
# needs about 30 GB free under TMPDIR and hours on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-10}"
SIZES="${SCALES:-500000 2000000}${SCALE:+ $SCALE}"
CONNS="1 8"
read -r -a INDEX_OPTS <<<"${SCALE_INDEX_OPTS:-}"
. bench/lib.sh
. bench/sphinx.sh
bench_peer_setup scale indexer searchd
say() { echo "bench-scale: $*" >&2; }
for n in $SIZES; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { say "'$n' is not a number of articles (SCALES, SCALE)"; exit 2; }
done

bench_peer_queries lede sphinx

# io_build NAME CLEAN COMMAND...: one build under MEASURE (bench_index_runs)
# inside a shell that prints its own /proc io counters once the build is
# reaped; sets SECS, CPU, RSS and WRITTEN (write_bytes less the
# cancelled_write_bytes of files removed before their pages reached disk).
io_build() {
    local name="$1" clean="$2"; shift 2
    bench_index_runs 1 "$name" "$clean" bash -c \
        '"$@"; rc=$?; awk "{print \"io_\" \$1 \$2}" /proc/$$/io | tr ":" "=" >&2; exit $rc' io "$@"
    WRITTEN=$(awk -F= '/^io_write_bytes=/ {w = $2} /^io_cancelled_write_bytes=/ {c = $2}
                       END {print w - c}' "$WORK/out")
}

# The articles a build indexed, as each engine tells them.
lede_articles() { bin/lede-index --index "$WORK/lede.idx" --info | awk '$1 == "articles:" {print $2}'; }
sphinx_articles() { sed -n 's/^total \([0-9]*\) docs,.*/\1/p' "$WORK/out" | head -1; }

# Figures keyed "SIZE ENGINE".
declare -A ARTICLES SECS_ CPU_ RSS_ SIZE_ WRITTEN_ RAW_
# build N ENGINE INDEX CLEAN COMMAND...: ENGINE's build at size N (io_build
# of COMMAND, INDEX its index), its figures kept.
build() {
    local n="$1" e="$2" index="$3" clean="$4" k="$1 $2" articles bytes
    shift 4
    io_build "$e $n" "$clean" "$@"
    articles=$("${e}_articles")
    bytes=$(bench_dir_bytes "$index")
    ARTICLES[$k]=$articles; SECS_[$k]=$SECS; CPU_[$k]=$CPU; RSS_[$k]=$RSS; SIZE_[$k]=$bytes; WRITTEN_[$k]=$WRITTEN
    say "$k: $articles articles in $SECS s, peak RSS $RSS KB, index $bytes bytes, $WRITTEN bytes written"
}

# measure_queries N: leded and searchd on the size-N indexes, each at every
# connection count; results in $WORK/q.N.ENGINE.CONNS.
measure_queries() {
    local n="$1"
    bench_start_leded "$WORK/lede.idx"
    bench_conns_runs "$WORK/q.$n.lede." "$n leded" "$CONNS" "$BUILD/bench/loadgen" "$ADDR" \
        "$WORK/queries.lede" "limit=10 snippet=0"
    bench_stop_leded
    bench_start_searchd "$WORK/sphinx.conf"
    bench_conns_runs "$WORK/q.$n.sphinx." "$n searchd" "$CONNS" "$PEERS/sphinxql" "$SPHINX_ADDR" \
        "$WORK/queries.sphinx" bm25
    bench_stop_servers
}

for n in $SIZES; do
    say "generating $n articles"
    python3 corpus/scale.py "$REUTERS" "$n" 42 >"$WORK/scaled.jsonl"
    RAW=$(stat -c %s "$WORK/scaled.jsonl")
    build "$n" lede "$WORK/lede.idx" "$WORK/lede.idx" \
        bin/lede-index -q ${INDEX_OPTS[@]+"${INDEX_OPTS[@]}"} --index "$WORK/lede.idx" "$WORK/scaled.jsonl"
    bench_sphinx_conf "$WORK/sphinx.conf" "$WORK/sphinx" "$WORK/scaled.jsonl" "$(bench_free_port)"
    build "$n" sphinx "$WORK/sphinx" "$WORK/sphinx/articles.sp*" indexer --config "$WORK/sphinx.conf" --all
    RAW_[$n]=$RAW
    rm -f "$WORK/scaled.jsonl"
    measure_queries "$n"
    rm -rf "$WORK/lede.idx" "$WORK/sphinx"
done
ELAPSED=$(( $(date +%s) - T0 ))

# qf N ENGINE CONNS FIELD [CLASS]: a figure of a query measurement.
qf() { bench_figure "$WORK/q.$1.$2.$3" "$4" "${5:-}"; }
# exponent A B FA FB: log(FB / FA) / log(B / A), "-" without both figures.
exponent() {
    awk -v a="$1" -v b="$2" -v fa="$3" -v fb="$4" \
        'BEGIN {if (fa > 0 && fb > 0) printf "%.2f", log(fb / fa) / log(b / a); else printf "-"}'
}
mb() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1e6}'; }
PAIRS=$(awk '{for (i = 1; i < NF; i++) print $i, $(i + 1)}' <<<"$SIZES")

build_table() {
    echo "| engine | articles | seconds | CPU s | articles/s | peak RSS MB | index MB | written to storage MB | written / index |"
    echo "|---|---|---|---|---|---|---|---|---|"
    local n e k
    for n in $SIZES; do
        for e in lede sphinx; do
            k="$n $e"
            echo "| $e | ${ARTICLES[$k]} | ${SECS_[$k]} | ${CPU_[$k]} | $(awk -v a="${ARTICLES[$k]}" -v s="${SECS_[$k]}" 'BEGIN {printf "%.0f", a / s}') | $(awk -v r="${RSS_[$k]}" 'BEGIN {printf "%.0f", r / 1024}') | $(mb "${SIZE_[$k]}") | $(mb "${WRITTEN_[$k]}") | $(bench_ratio "${WRITTEN_[$k]}" "${SIZE_[$k]}")x |"
        done
    done
}

query_table() {
    echo "| articles | engine | connections | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|---|---|"
    local n e c
    for n in $SIZES; do
        for e in lede sphinx; do
            for c in $CONNS; do
                echo "| $n | $e | $c | $(qf $n $e $c qps) | $(qf $n $e $c p50_us) | $(qf $n $e $c p99_us) | $(qf $n $e $c p999_us) | $(qf $n $e $c errors) |"
            done
        done
    done
}

class_table() {
    local e="$1" c="$2" k n a b head="| class" rule="|---"
    for n in $SIZES; do head+=" | p50 / p99 µs at $n"; rule+="|---"; done
    while read -r a b; do
        [ -n "$a" ] || continue  # one size: no pairs
        head+=" | p99 exponent $a → $b"
        rule+="|---"
    done <<<"$PAIRS"
    echo "$head |"
    echo "$rule|"
    for k in $CLASSES all; do
        local row="| $k" cls="$k"
        [ "$k" = all ] && cls=""
        for n in $SIZES; do row+=" | $(qf $n $e $c p50_us $cls) / $(qf $n $e $c p99_us $cls)"; done
        while read -r a b; do
            [ -n "$a" ] || continue  # one size: no pairs
            row+=" | $(exponent "$a" "$b" "$(qf $a $e $c p99_us $cls)" "$(qf $b $e $c p99_us $cls)")"
        done <<<"$PAIRS"
        echo "$row |"
    done
}

# Issue 22's goals for lede, read on the largest size and the last pair.
goals() {
    local last first e k x bad=""
    last=$(awk '{print $NF}' <<<"$SIZES")
    first=$(awk 'NF > 1 {print $(NF - 1)}' <<<"$SIZES")
    echo "- p99 at 1 connection at $last articles at most 10 ms: $(qf "$last" lede 1 p99_us) µs, **$(awk -v p="$(qf "$last" lede 1 p99_us)" 'BEGIN {print (p != "" && p <= 10000) ? "met" : "not met"}')**"
    if [ -n "$first" ]; then
        for k in $CLASSES; do
            x=$(exponent "$first" "$last" "$(qf "$first" lede 1 p99_us $k)" "$(qf "$last" lede 1 p99_us $k)")
            awk -v x="$x" 'BEGIN {exit !(x != "-" && x <= 0.5)}' || bad+=" $k $x;"
        done
        echo "- p99 growth exponent at 1 connection from $first to $last at most 0.5 for every class: **$([ -z "$bad" ] && echo met || echo "not met")**${bad:+ (over:$bad)}"
    fi
    e="$last lede"
    echo "- bytes written by the build at $last below 5x the index: $(bench_ratio "${WRITTEN_[$e]}" "${SIZE_[$e]}")x, **$(awk -v w="${WRITTEN_[$e]}" -v s="${SIZE_[$e]}" 'BEGIN {print (s > 0 && w < 5 * s) ? "met" : "not met"}')**"
}

{
    echo "# Growth with the collection: lede and Sphinx search 2.2 at $(sed 's/ /, /g' <<<"$SIZES") articles"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); load generators on the same machine; Debian $(cat /etc/debian_version); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
    echo "- lede commit: $(bench_commit)"
    echo "- peer: $(indexer 2>&1 | sed -n '1s/^\(Sphinx [^ ]*\).*/\1/p') (Debian \`sphinxsearch\` $(dpkg-query -W -f='${Version}' sphinxsearch)), bench-peers' settings (bench/peers/sphinx.conf.in)"
    echo "- command: \`make bench-scale\` (bench/scale.sh; SCALES=\"$SIZES\", RUNS=$RUNS query runs of $SECONDS_EACH s each, the median run by QPS shown; one build each); whole run $ELAPSED s"
    echo "- collections: \`python3 corpus/scale.py REUTERS N 42\` (recombined Reuters-21578: real headlines, lengths and first paragraphs, other paragraphs from runs of other articles' sentences), in a temporary directory, deleted after each size's builds; raw JSON Lines: $(for n in $SIZES; do printf '%s MB at %s; ' "$(mb "${RAW_[$n]}")" "$n"; done | sed 's/; $//')"
    echo "- builds: \`bin/lede-index -q ${SCALE_INDEX_OPTS:+$SCALE_INDEX_OPTS }--index IDX SOURCE\` and \`indexer --config CONF --all\`; written to storage: write_bytes less cancelled_write_bytes of /proc/PID/io of a shell that ran and reaped the build (the build and its children, counted as pages are dirtied)"
    echo "- queries: 1,200 from \`bench/make_queries.py REUTERS 1200 42 --classes\` (the bench-query mix: 30% word, 20% and, 10% or, 15% phrase, 10% not, 10% prefix, 5% title), leded by \`$BUILD/bench/loadgen ADDR QUERIES CONNS $SECONDS_EACH 'limit=10 snippet=0'\`, searchd by \`$PEERS/sphinxql ADDR QUERIES CONNS $SECONDS_EACH bm25\`"
    echo
    echo "## Builds"
    echo
    build_table
    echo
    echo "## Queries"
    echo
    query_table
    for e in lede sphinx; do
        for c in $CONNS; do
            echo
            echo "## Per class: $e, $c connection(s)"
            echo
            echo "Growth exponent: log(p99 at the larger size / p99 at the smaller) / log(larger / smaller); 1 grows as the collection does, 0.5 as its square root."
            echo
            class_table $e $c
        done
    done
    echo
    echo "## Issue 22's goals (lede, this run; the QPS goal, 3x the issue's figures, is read from the tables above)"
    echo
    goals
} | bench_peer_results
