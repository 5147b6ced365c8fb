#!/usr/bin/env bash
# bench/shards.sh -- `make bench-shards`: what serving an index from shards
# over the network costs (issue 15), lede on Xapian's remote backend beside
# Sphinx search 2.2's distributed index, in one run on one machine:
# - collection: SCALE_N (default 500,000) articles made by corpus/scale.py
#   (seed 42) in a temporary directory;
# - lede: one local index (`lede-index`) and sharded indexes of 2 and 4
#   shards (`lede-index --shards N`), served by leded (a) locally, (b) and
#   (c) through a front stub whose shards are each served by a stock
#   xapian-tcpsrv; also (r1) the whole local index through one
#   xapian-tcpsrv, the remote protocol without the split;
# - Sphinx: one local index and distributed indexes of 2 and 4 agents over
#   the same split (bench/shard_split.py places the articles as lede does,
#   and the split is checked against lede's shards when they exist), each
#   agent a searchd of its own, the front a searchd with
#   `type = distributed`;
# - queries: bench/make_queries.py (1,200, seed 42, drawn from Reuters) at
#   1, 8 and 64 connections through the load generators of bench-peers;
#   SECONDS_EACH (default 5) a measurement, RUNS (default 3) runs, the run
#   with the median QPS shown; ratios against the local index of the same
#   engine in the same run, and lede against Sphinx.
# SHARDS (default "2 4") the shard counts; SPLIT_KEY (id or qterm, see
# bench/shard_split.py) the placement rule tried first; SPHINX_MAX_MATCHES
# (default 10, 0: Sphinx's own 1,000) what each agent sends its front;
# SPHINX_AGENT how the front reaches its agents: agent_persistent (the
# default: connections kept, as each leded worker keeps its connections to
# the shards) or agent (a new connection per query, Sphinx's default).
# Writes bench/results/shards.md; text after its "analysis" marker line is
# kept across runs.  Every server it starts is stopped on exit, failure or
# not.  About 25 minutes on 2 cores at 500,000 articles.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${SECONDS_EACH:-5}"
SCALE_N="${SCALE_N:-500000}"
SHARDS="${SHARDS:-2 4}"
SPLIT_KEY="${SPLIT_KEY:-id}"
SPHINX_MAX_MATCHES="${SPHINX_MAX_MATCHES:-10}"
SPHINX_AGENT="${SPHINX_AGENT:-agent_persistent}"
. bench/lib.sh
. bench/sphinx.sh
bench_peer_setup shards indexer searchd xapian-tcpsrv
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say() { echo "bench-shards: $*" >&2; }

say "generating the scaled collection ($SCALE_N articles)"
python3 corpus/scale.py "$REUTERS" "$SCALE_N" 42 >"$WORK/scaled.jsonl"
SRC="$WORK/scaled.jsonl"
RAW=$(bench_raw_bytes "$SRC")
SCALE_SECS=$(( $(date +%s) - T0 ))
bench_peer_queries lede sphinx
PROBES=40  # queries of the mix whose match counts are compared across layouts
head -n $PROBES "$WORK/queries.lede" | cut -f2- >"$WORK/probes"
head -n $PROBES "$WORK/queries.sphinx" >"$WORK/probes.sphinx"

wait_port() {
    local _
    for _ in $(seq 1 500); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        read -rt 0.02 <> <(:) || true
    done
    return 1
}

# ---- building ---------------------------------------------------------------

declare -A NOTE  # why a configuration was not measured
IDX_ROWS=()
# index_row LABEL ARTICLES SIZE_BYTES (after bench_index_runs)
index_row() {
    IDX_ROWS+=("$(awk -v l="$1" -v n="$2" -v raw="$RAW" -v s="$SECS" -v cpu="$CPU" -v rss="$RSS" -v size="$3" 'BEGIN {
        printf "| %s | %d | %.1f | %.1f | %.0f | %.0f | %.0f | %.1f | %.0f | %.0f%% |", l, n, s, cpu, n / s, n / cpu, rss / 1024, size / 1e6, size / n, 100 * size / raw }')")
    say "${IDX_ROWS[-1]}"
}
lede_articles() { bin/lede-index --index "$1" --info | awk '$1 == "articles:" {print $2}'; }

say "lede: local index"
bench_index_runs 1 "lede local" "$WORK/lede.idx" bin/lede-index -q --index "$WORK/lede.idx" "$SRC"
index_row "lede-index, 1 local index" "$(lede_articles "$WORK/lede.idx")" "$(bench_dir_bytes "$WORK/lede.idx")"

# A sharded lede index: INDEX/XAPIANDB names front and shard.K, each shard an
# ordinary lede index.  Until lede-index has --shards, its rows are skipped.
for n in $SHARDS; do
    idx="$WORK/lede-s$n.idx"
    say "lede: index of $n shards"
    bench_index_runs 1 "lede $n shards" "$idx" bin/lede-index -q --shards "$n" --index "$idx" "$SRC"
    ok=1
    grep -qs '^auto front$' "$idx/XAPIANDB" || ok=0
    for k in $(seq 0 $((n - 1))); do [ -d "$idx/shard.$k" ] || ok=0; done
    if [ $ok = 0 ]; then
        NOTE[lede.s$n]="\`lede-index --shards $n\` gave no sharded index (INDEX/XAPIANDB with \`auto front\`, INDEX/shard.0..$((n - 1))): $(grep -v '^seconds=' "$WORK/out" | head -1)"
        say "skipping lede's $n-shard rows: ${NOTE[lede.s$n]}"
        rm -rf "$idx"
        continue
    fi
    total=0
    for k in $(seq 0 $((n - 1))); do total=$((total + $(lede_articles "$idx/shard.$k"))); done
    index_row "lede-index --shards $n" "$total" "$(bench_dir_bytes "$idx")"
done

# make_split N: the collection in N parts as lede places them, in $WORK/split$N/;
# when lede's N-shard index exists, each part's ids must be its shard's
# (SPLIT_KEY first, then the other rule); SPLIT[N] says what was checked.
declare -A SPLIT
make_split() {
    local n="$1" key k d="$WORK/split$1" same
    for key in "$SPLIT_KEY" $([ "$SPLIT_KEY" = id ] && echo qterm || echo id); do
        rm -rf "$d"; mkdir -p "$d"
        python3 bench/shard_split.py "$SRC" "$n" "$d" --key "$key" >"$d/parts"
        if [ ! -d "$WORK/lede-s$n.idx" ]; then
            SPLIT[$n]="lede_hash($key) % $n, not checked (no lede index of $n shards)"
            return 0
        fi
        same=1
        for k in $(seq 0 $((n - 1))); do
            bin/lede-index --index "$WORK/lede-s$n.idx/shard.$k" --list | sort >"$d/lede.$k.ids"
            sort "$d/part.$k.ids" | cmp -s - "$d/lede.$k.ids" || { same=0; break; }
        done
        if [ $same = 1 ]; then
            SPLIT[$n]="lede_hash($key) % $n, checked: every part holds exactly the ids of lede's shard"
            return 0
        fi
        say "the split by lede_hash($key) % $n is not lede's (part $k differs)"
    done
    SPLIT[$n]="lede_hash($SPLIT_KEY) % $n; **not lede's split**: lede's shards hold other ids (neither rule of bench/shard_split.py matches)"
    rm -rf "$d"; mkdir -p "$d"
    python3 bench/shard_split.py "$SRC" "$n" "$d" --key "$SPLIT_KEY" >"$d/parts"
}

# sphinx_conf FILE DIR SOURCE FIRST_DOCID PORT PROTO: bench-peers' settings
# (bench_sphinx_conf) indexing SOURCE from FIRST_DOCID.
sphinx_conf() { bench_sphinx_conf "$1" "$2" "$3 $4" "$5" "$6"; }
# sphinx_front FILE DIR PORT AGENT...: a searchd whose only index, articles,
# is distributed over the agents (HOST:PORT:INDEX), answering SphinxQL.
sphinx_front() {
    local f="$1" d="$2" port="$3" a; shift 3
    mkdir -p "$d"
    {
        echo "index articles"
        echo "{"
        echo "    type                    = distributed"
        for a in "$@"; do printf '    %-23s = %s\n' "$SPHINX_AGENT" "$a"; done
        echo "    agent_connect_timeout   = 1000"
        echo "    agent_query_timeout     = 60000"
        echo "}"
        echo
        sed -e "s#@WORK@/sphinx#$d#g" -e "s#@PORT@#$port#" bench/peers/sphinx.conf.in | awk '/^searchd/, /^}/' |
            if [ "$SPHINX_AGENT" = agent_persistent ]; then sed 's/^}$/    persistent_connections_limit = 64\n}/'; else cat; fi
    } >"$f"
}
sphinx_docs() { sed -n 's/^total \([0-9]*\) docs,.*/\1/p' "$WORK/out" | awk '{s += $1} END {print s + 0}'; }

say "sphinx: local index"
sphinx_conf "$WORK/sphinx.conf" "$WORK/sphinx" "$SRC" 1 "$(bench_free_port)" mysql41
bench_index_runs 1 "sphinx local" "$WORK/sphinx/articles.sp*" indexer --config "$WORK/sphinx.conf" --all
index_row "Sphinx indexer, 1 local index" "$(sphinx_docs)" "$(bench_dir_bytes "$WORK/sphinx")"
for n in $SHARDS; do
    say "splitting the collection in $n parts"
    make_split "$n"
    confs=()
    while read -r part articles first; do
        k=${part#part=}
        sphinx_conf "$WORK/sphinx-d$n.$k.conf" "$WORK/sphinx-d$n.$k" "$WORK/split$n/part.$k.jsonl" "${first#first=}" "$(bench_free_port)" api
        confs+=("$WORK/sphinx-d$n.$k.conf")
    done <"$WORK/split$n/parts"
    say "sphinx: $n parts, one indexer after the other"
    bench_index_runs 1 "sphinx $n parts" "$WORK/sphinx-d$n.*/articles.sp*" \
        bash -c 'for c; do indexer --config "$c" --all || exit 1; done' indexers "${confs[@]}"
    index_row "Sphinx indexer, $n parts (run in turn)" "$(sphinx_docs)" "$(bench_dir_bytes "$WORK"/sphinx-d$n.*/)"
    rm -f "$WORK/split$n"/part.*.jsonl
done
rm -f "$SRC"

# ---- serving and measuring --------------------------------------------------

# start_tcpsrv DB: a stock xapian-tcpsrv serving DB on a free port; sets PORT.
start_tcpsrv() {
    PORT=$(bench_free_port)
    setsid xapian-tcpsrv --interface 127.0.0.1 --port "$PORT" "$1" >>"$WORK/tcpsrv.log" 2>&1 &
    SERVERS+=($!)
    wait_port "$PORT" || { say "xapian-tcpsrv did not start on $1:"; cat "$WORK/tcpsrv.log" >&2; return 1; }
}
# counts ADDR: the match count (or the error) of each probe query, one a
# line, through leded.
counts() {
    local q
    while IFS= read -r q; do
        bin/lede -c "$1" --count -- "$q" 2>&1 | tr '\n' ' ' || true
        echo
    done <"$WORK/probes"
}
declare -A AGREE
# agree KEY BASE: how many probe queries had the same count in both.
agree() {
    [ -f "$WORK/counts.$1" ] && [ -f "$WORK/counts.$2" ] || return 0
    AGREE[$1]=$(paste -d'\t' "$WORK/counts.$2" "$WORK/counts.$1" | awk -F'\t' '$1 == $2' | wc -l)
}
# measure_lede KEY: leded is up on ADDR; a probe query, the load points,
# then the match counts of the probe queries.
measure_lede() {
    local key="$1" reply
    if ! reply=$(bin/lede -c "$ADDR" -n 1 -- oil 2>&1); then
        NOTE[$key]="every search failed; the probe \`SEARCH -- oil\` got: \`$(echo "$reply" | head -1 | sed 's/^lede: //')\`"
        say "not measuring $key: ${NOTE[$key]}"
        return 0
    fi
    bench_conns_runs "$WORK/q.$key." "$key" "1 8 64" "$BUILD/bench/loadgen" "$ADDR" \
        "$WORK/queries.lede" "limit=10 snippet=0"
    counts "$ADDR" >"$WORK/counts.$key"
    agree "$key" lede.local
}
# measure_sphinx KEY: searchd is up on SPHINX_ADDR.  The match counts come
# after the load: an agent that stopped answering gives a warning and fewer
# matches, not an error, so the load figures alone would not show it.
measure_sphinx() {
    local key="$1"
    bench_conns_runs "$WORK/q.$key." "$key" "1 8 64" "$PEERS/sphinxql" "$SPHINX_ADDR" \
        "$WORK/queries.sphinx" bm25 "$SPHINX_MAX_MATCHES"
    SPHINXQL_COUNTS=1 "$PEERS/sphinxql" "$SPHINX_ADDR" "$WORK/probes.sphinx" 1 0 bm25 "$SPHINX_MAX_MATCHES" \
        >"$WORK/counts.$key"
    agree "$key" sphinx.local
}
# front_stub DIR LINE...: a directory whose XAPIANDB holds the lines.
front_stub() {
    local d="$1"; shift
    mkdir -p "$d"
    printf '%s\n' "$@" >"$d/XAPIANDB.tmp"
    mv "$d/XAPIANDB.tmp" "$d/XAPIANDB"
}

say "queries: lede, local index"
bench_start_leded "$WORK/lede.idx"
measure_lede lede.local
bench_stop_leded

say "queries: lede, the whole local index through one xapian-tcpsrv"
start_tcpsrv "$WORK/lede.idx"
front_stub "$WORK/front-r1" "remote 127.0.0.1:$PORT"
bench_start_leded "$WORK/front-r1"
measure_lede lede.r1
bench_stop_leded
bench_stop_servers

for n in $SHARDS; do
    idx="$WORK/lede-s$n.idx"
    [ -d "$idx" ] || continue
    say "queries: lede, $n remote shards"
    lines=("auto $idx/front")
    for k in $(seq 0 $((n - 1))); do
        start_tcpsrv "$idx/shard.$k"
        lines+=("remote 127.0.0.1:$PORT")
    done
    front_stub "$WORK/front-s$n" "${lines[@]}"
    bench_start_leded "$WORK/front-s$n"
    measure_lede lede.s$n
    bench_stop_leded
    bench_stop_servers
done

say "queries: Sphinx, local index"
bench_start_searchd "$WORK/sphinx.conf"
measure_sphinx sphinx.local
bench_stop_servers
for n in $SHARDS; do
    say "queries: Sphinx, distributed over $n agents"
    agents=()
    for k in $(seq 0 $((n - 1))); do
        bench_start_searchd "$WORK/sphinx-d$n.$k.conf"
        agents+=("$(sed -n 's/^ *listen *= *\(127.0.0.1:[0-9]*\)$/\1/p' "$WORK/sphinx-d$n.$k.conf"):articles")
    done
    port=$(bench_free_port)
    sphinx_front "$WORK/sphinx-front$n.conf" "$WORK/sphinx-front$n" "$port" "${agents[@]}"
    bench_start_searchd "$WORK/sphinx-front$n.conf"
    SPHINX_ADDR="127.0.0.1:$port"
    measure_sphinx sphinx.d$n
    bench_stop_servers
done
ELAPSED=$(( $(date +%s) - T0 ))
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the report ---------------------------------------------------------------

# qf KEY CONNS FIELD: a figure of a measurement, "-" when it was not made.
qf() {
    local f="$WORK/q.$1.$2"
    if [ -f "$f" ]; then bench_field "$3" "$(tail -1 "$f")"; else echo -; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-"}'; }
label() {
    case $1 in
        lede.local) echo "lede, 1 local index (leded)" ;;
        lede.r1) echo "lede, the local index through 1 xapian-tcpsrv" ;;
        lede.s*) echo "lede, ${1#lede.s} remote shards (xapian-tcpsrv each)" ;;
        sphinx.local) echo "Sphinx, 1 local index (searchd)" ;;
        sphinx.d*) echo "Sphinx, distributed over ${1#sphinx.d} agents (searchd each)" ;;
    esac
}
LEDE_KEYS="lede.local lede.r1"; SPHINX_KEYS="sphinx.local"
for n in $SHARDS; do LEDE_KEYS+=" lede.s$n"; SPHINX_KEYS+=" sphinx.d$n"; done
# ratio_table BASE KEY...: each KEY against BASE at each connection count.
ratio_table() {
    local base="$1" key c; shift
    echo "| configuration / $(label "$base") | connections | QPS | p50 | p99 |"
    echo "|---|---|---|---|---|"
    for key in "$@"; do
        for c in 1 8 64; do
            echo "| $(label "$key") | $c | $(ratio "$(qf "$key" $c qps)" "$(qf "$base" $c qps)") | $(ratio "$(qf "$key" $c p50_us)" "$(qf "$base" $c p50_us)") | $(ratio "$(qf "$key" $c p99_us)" "$(qf "$base" $c p99_us)") |"
        done
    done
}
sphinx_version() { indexer 2>&1 | sed -n '1s/^\(Sphinx [^ ]*\).*/\1/p'; }

{
    echo "# Sharded serving: lede on Xapian's remote backend, Sphinx's distributed index"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(bench_machine); every server and the load generators on the same machine; Debian $(cat /etc/debian_version); load average $LOAD0 at the start, $LOAD1 at the end"
    echo "- lede commit: $(bench_commit)"
    echo "- Xapian: xapian-tcpsrv $(dpkg-query -W -f='${Version}' xapian-tools) (Debian \`xapian-tools\`), libxapian $(dpkg-query -W -f='${Version}' libxapian30 2>/dev/null || echo '?'); $(sphinx_version) (Debian \`sphinxsearch\` $(dpkg-query -W -f='${Version}' sphinxsearch))"
    echo "- command: \`make bench-shards\` (bench/shards.sh; SCALE_N=$SCALE_N, SHARDS=\"$SHARDS\", RUNS=$RUNS query runs of ${SECONDS_EACH} s each, the median run by QPS shown; one build each); whole run ${ELAPSED} s including ${SCALE_SECS} s to generate the collection"
    echo "- collection: \`python3 corpus/scale.py REUTERS $SCALE_N 42 > TMP/scaled.jsonl\` ($(awk -v b="$RAW" 'BEGIN {printf "%.0f MB", b / 1e6}') of JSON Lines in a temporary directory, deleted at the end; REUTERS = \`../shared/corpus/reuters/reuters21578.jsonl.gz\`)"
    echo "- queries: 1,200 from \`python3 bench/make_queries.py REUTERS 1200 42 --classes --syntax S\` (S = lede, sphinx), the mix of bench-peers (bench/results/peers.md): 30% one word, 20% AND, 10% OR, 15% phrases, 10% NOT, 10% prefix*, 5% title"
    echo
    echo "## Layouts and commands"
    echo
    echo "| | lede | Sphinx 2.2 |"
    echo "|---|---|---|"
    echo "| local build | \`bin/lede-index -q --index IDX SOURCE\` | \`indexer --config CONF --all\` (bench/peers/sphinx.conf.in, bench-peers' settings) |"
    echo "| sharded build | \`bin/lede-index -q --shards N --index IDX SOURCE\`: IDX/XAPIANDB = \`auto front\`, \`auto shard.0\`, ...; IDX/front (settings, spelling), IDX/shard.K (lede indexes) | \`python3 bench/shard_split.py SOURCE N DIR --key KEY\` (the same split, below), then \`indexer --config CONF.K --all\` for each part in turn, its tsvpipe \`jsonl2tsv DIR/part.K.jsonl FIRST_DOCID\` (document ids unique across parts) |"
    echo "| local serving | \`bin/leded --index IDX\` (2 workers) | \`searchd --config CONF\` (workers = threads) |"
    echo "| remote serving | per shard \`xapian-tcpsrv --interface 127.0.0.1 --port PORT_K IDX/shard.K\` (stock, forks a process per connection); \`bin/leded --index FRONT\`, FRONT/XAPIANDB = \`auto IDX/front\` and \`remote 127.0.0.1:PORT_K\` a shard (each leded worker keeps its connections to the shards) | per part a searchd (its own CONF.K, the agents' binary protocol); a front searchd whose index \`articles\` is \`type = distributed\` with \`$SPHINX_AGENT = 127.0.0.1:PORT_K:articles\` a part ($([ "$SPHINX_AGENT" = agent ] && echo "a new connection to each agent per query, Sphinx's default" || echo "connections kept, \`persistent_connections_limit = 64\`"); \`agent_query_timeout = 60000\`) |"
    echo "| driver | \`$BUILD/bench/loadgen ADDR QUERIES CONNS $SECONDS_EACH 'limit=10 snippet=0'\` | \`$PEERS/sphinxql ADDR QUERIES CONNS $SECONDS_EACH bm25 $SPHINX_MAX_MATCHES\` (SphinxQL, \`LIMIT 10\`$([ "$SPHINX_MAX_MATCHES" != 0 ] && echo ", \`OPTION max_matches=$SPHINX_MAX_MATCHES\`: a distributed index asks each agent for max_matches hits, 1,000 unless told; lede's shards each return the 10 asked for. Local and distributed rows alike")) |"
    echo
    echo "r1, the whole local index through one xapian-tcpsrv (FRONT/XAPIANDB = \`remote 127.0.0.1:PORT\`), is Xapian's remote protocol without a split: what the network path costs by itself."
    echo
    echo "The split: an article goes to shard lede_hash(KEY) % N, lede_hash the 64-bit hash of src/util.c, reproduced in bench/shard_split.py."
    for n in $SHARDS; do echo "- $n parts: ${SPLIT[$n]}; articles per part: $(awk '{sub("articles=", "", $2); printf "%s%s", sep, $2; sep = ", "}' "$WORK/split$n/parts")"; done
    echo
    echo "## Not measured in this run"
    echo
    notes=0
    for key in $LEDE_KEYS; do
        if [ -n "${NOTE[$key]:-}" ]; then echo "- $(label "$key"): ${NOTE[$key]}"; notes=1; fi
    done
    if [ $notes = 0 ]; then echo "- nothing: every configuration was measured"; fi
    echo
    echo "## Indexing"
    echo
    echo "| engine, layout | articles | seconds | CPU s | articles/s | articles per CPU s | peak RSS MB | index MB | bytes per article | % of raw |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${IDX_ROWS[@]}"
    echo
    echo "CPU s: user + system time of the indexer and its children (Sphinx: jsonl2tsv too).  lede-index's local build writes a shard per core (2) and merges them; Sphinx's indexer uses one core, and its parts are built one after the other.  Peak RSS: the largest process."
    echo
    echo "## Queries"
    echo
    echo "| configuration | connections | QPS | p50 µs | p99 µs | p99.9 µs | errors |"
    echo "|---|---|---|---|---|---|---|"
    for key in $LEDE_KEYS $SPHINX_KEYS; do
        for c in 1 8 64; do
            echo "| $(label "$key") | $c | $(qf "$key" $c qps) | $(qf "$key" $c p50_us) | $(qf "$key" $c p99_us) | $(qf "$key" $c p999_us) | $(qf "$key" $c errors) |"
        done
    done
    echo
    echo "Match counts of the first $PROBES queries of the mix, asked after the load (\`lede --count\`; Sphinx: SHOW META's total_found, \`SPHINXQL_COUNTS=1 $PEERS/sphinxql\`), equal to the same engine's local index in:"
    echo
    for key in $LEDE_KEYS $SPHINX_KEYS; do
        case $key in lede.local | sphinx.local) continue ;; esac
        if [ -n "${AGREE[$key]:-}" ]; then echo "- $(label "$key"): ${AGREE[$key]} of $PROBES"
        else echo "- $(label "$key"): not measured"; fi
    done
    for key in $SPHINX_KEYS; do
        w=$(grep -c 'warning:' "$WORK/counts.$key" 2>/dev/null || true)
        if [ "${w:-0}" -gt 0 ]; then echo "- $(label "$key"): **$w probe queries warned**: $(grep -m1 -o 'warning:.*' "$WORK/counts.$key")"; fi
    done
    echo
    echo "## Ratios, same run"
    echo
    echo "QPS: above 1 is the configuration ahead; p50 and p99: below 1 is it ahead."
    echo
    echo "lede remote against lede local:"
    echo
    ratio_table lede.local ${LEDE_KEYS#lede.local }
    echo
    echo "Sphinx distributed against Sphinx local:"
    echo
    ratio_table sphinx.local ${SPHINX_KEYS#sphinx.local }
    echo
    echo "lede against Sphinx, layout for layout:"
    echo
    echo "| layouts | connections | QPS lede/Sphinx | p50 lede/Sphinx | p99 lede/Sphinx |"
    echo "|---|---|---|---|---|"
    for n in local $SHARDS; do
        if [ $n = local ]; then l=lede.local; s=sphinx.local; what="1 local index each"
        else l=lede.s$n; s=sphinx.d$n; what="$n remote shards / $n agents"; fi
        for c in 1 8 64; do
            echo "| $what | $c | $(ratio "$(qf $l $c qps)" "$(qf $s $c qps)") | $(ratio "$(qf $l $c p50_us)" "$(qf $s $c p50_us)") | $(ratio "$(qf $l $c p99_us)" "$(qf $s $c p99_us)") |"
        done
    done
} | bench_peer_results
