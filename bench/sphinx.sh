# bench/sphinx.sh -- Sphinx search 2.2 as the benchmarks beside it run it
# (bench/peers.sh, bench/shards.sh, bench/scale.sh); sourced after
# bench/lib.sh, not run.  Owns: the configuration made from
# bench/peers/sphinx.conf.in, starting searchd and waiting until it
# accepts connections, stopping every server started here, and the
# scripts' common start and end (bench_peer_setup, which sets WORK and
# PEERS; bench_peer_queries, the query mix in each engine's syntax;
# bench_peer_results, the results file with its kept analysis).  Every server
# is started by setsid and recorded in SERVERS, so that bench_stop_servers
# stops it with the children it forked.
SERVERS=(${SERVERS[@]+"${SERVERS[@]}"})

# bench_free_port: a loopback TCP port free at the time of asking.
bench_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# bench_peer_setup NAME TOOL...: the start the benchmarks beside the
# peers share: T0 (now), RUNS (3), SHARED (../shared) and BUILD (build)
# unless set, MEASURE,
# PEERS (the peers' programs), OUT (bench/results/NAME.md) and MARKER (the
# line after which its hand-written analysis is kept); REUTERS (the
# collection) and every TOOL on PATH checked (make deps-peers installs
# them); then a scratch WORK, removed on exit with every server started.
bench_peer_setup() {
    local name="$1" tool; shift
    T0=$(date +%s)
    RUNS="${RUNS:-3}"
    SHARED="${SHARED:-../shared}"
    BUILD="${BUILD:-build}"
    MEASURE="$BUILD/bench/measure"
    PEERS="$BUILD/bench/peers"
    OUT="bench/results/$name.md"
    MARKER="<!-- analysis: written by hand, kept across runs of bench/$name.sh -->"
    REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
    [ -f "$REUTERS" ] || { echo "bench-$name: needs $REUTERS" >&2; exit 1; }
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench-$name: $tool missing (make deps-peers)" >&2; exit 1; }
    done
    WORK=$(mktemp -d "/tmp/lede-bench-$name.XXXXXX")
    LEDED_PID=
    trap 'bench_stop_leded; bench_stop_servers; rm -rf "$WORK"' EXIT
    trap 'exit 130' INT TERM
}

# bench_peer_queries SYNTAX...: the 1,200 queries of bench/make_queries.py
# (seed 42, with their classes, drawn from REUTERS) in each SYNTAX (lede,
# sphinx, fts5) to $WORK/queries.SYNTAX; sets CLASSES to make_queries.py's
# query classes.
bench_peer_queries() {
    local syntax
    for syntax in "$@"; do
        python3 bench/make_queries.py "$REUTERS" 1200 42 --classes --syntax "$syntax" >"$WORK/queries.$syntax"
    done
    CLASSES="word and or phrase not prefix title"
}

# bench_peer_results: the results read from standard input written to
# OUT, then the MARKER line and the hand-written analysis OUT had after it
# (bench_kept_analysis); says so and shows the file.
bench_peer_results() {
    local keep
    keep=$(bench_kept_analysis "$OUT" "$MARKER")
    {
        cat
        echo
        echo "$MARKER"
        if [ -n "$keep" ]; then echo "$keep"; fi
    } >"$OUT.new"
    mv "$OUT.new" "$OUT"
    echo "wrote $OUT" >&2
    cat "$OUT"
}

# bench_sphinx_conf FILE DIR SOURCE PORT [PROTO]: a configuration of
# bench/peers/sphinx.conf.in indexing SOURCE (jsonl2tsv's arguments: the
# file, then optionally the first document id) into DIR, its searchd on
# PORT speaking SphinxQL (PROTO mysql41, the default) or the agents'
# binary protocol (api).
bench_sphinx_conf() {
    mkdir -p "$2"
    sed -e "s#@TOOL@#$PWD/$PEERS/jsonl2tsv#" -e "s#@SOURCE@#$3#" -e "s#@WORK@/sphinx#$2#g" \
        -e "s#@PORT@#$4#" bench/peers/sphinx.conf.in >"$1"
    [ "${5:-mysql41}" = mysql41 ] || sed -i 's/^\( *listen *= *127.0.0.1:[0-9]*\):mysql41/\1/' "$1"
}

# bench_start_searchd CONF: searchd on CONF, waited for until it accepts
# connections; sets SPHINX_ADDR to its SphinxQL address (empty when it
# speaks only the agents' protocol).
bench_start_searchd() {
    local log _
    log=$(sed -n 's/^ *log *= *//p' "$1")
    rm -f "$log"
    setsid searchd --config "$1" --nodetach >>"$WORK/searchd.out" 2>&1 &
    SERVERS+=($!)
    SPHINX_ADDR=$(sed -n 's/^ *listen *= *\(127.0.0.1:[0-9]*\):mysql41/\1/p' "$1")
    for _ in $(seq 1 500); do
        grep -qs 'accepting connections' "$log" && return 0
        read -rt 0.02 <> <(:) || true
    done
    echo "searchd did not start ($1):" >&2
    cat "$WORK/searchd.out" >&2
    return 1
}

# bench_stop_servers: stops every server started here (and its group: a
# forking server's children too), and waits for them.
bench_stop_servers() {
    local pid
    for pid in ${SERVERS[@]+"${SERVERS[@]}"}; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in ${SERVERS[@]+"${SERVERS[@]}"}; do wait "$pid" 2>/dev/null || true; done
    SERVERS=()
}
