#!/usr/bin/env bash
# bench/remote_cost.sh -- what going remote costs one query, on a small
# collection (Reuters, 21,578 articles; issue 15): the query loop of
# bench-shards (bench/loadgen, 'limit=10 snippet=0', the Reuters mix of
# bench/make_queries.py --classes) through leded on
#   local  the index itself;
#   r1     the same index behind one stock xapian-tcpsrv (bench-shards' r1:
#          FRONT/XAPIANDB = `remote 127.0.0.1:PORT`);
#   h1     a 1-shard index (`lede-index --shards 1`: its documents hold
#          their heads, value slot 2) behind one xapian-tcpsrv, its front
#          local, as bench-shards' sharded rows;
#   s2     2 shards, each behind its own xapian-tcpsrv (bench-shards' s2);
# and Xapian's own remote query without lede (bench/inproc, lede's query
# parser settings, BM25, the top 10, one connection) on the index and
# through r1's server: with the stored data of each hit as quest reads it,
# and without (the sort keys only).  The configurations take turns, RUNS
# (default 3) runs of SECONDS_EACH (default 5) each, the median by QPS
# kept; ratios are against local in the same run.  CONNS (default "1 8")
# the connection counts.  LEDED_BASE=PATH runs another leded beside
# (keys base.*, ratios against base.local): before and after a change, in
# one run.  Prints Markdown tables on stdout; about 4 minutes on 2 cores
# (8 with LEDED_BASE).  Needs ../shared (REUTERS), `make all` and
# build/bench/{loadgen,inproc}.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
. bench/sphinx.sh  # bench_free_port
SECONDS_EACH="${SECONDS_EACH:-5}"
bench_setup remote-cost
CONNS="${CONNS:-1 8}"
REUTERS="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
[ -f "$REUTERS" ] || { echo "bench/remote_cost.sh: needs $REUTERS" >&2; exit 1; }
SERVERS=()
DAEMONS=()
stop_all() {
    local p
    for p in "${DAEMONS[@]}" "${SERVERS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap stop_all EXIT
say() { echo "remote_cost: $*" >&2; }

python3 bench/make_queries.py "$REUTERS" 1200 42 --classes --syntax lede >"$WORK/queries"
say "indexing"
# (lede-index exits 1 after its warning about Reuters' one empty article)
bin/lede-index -q --index "$WORK/local.idx" "$REUTERS" 2>/dev/null || [ -f "$WORK/local.idx/XAPIANDB" ]
bin/lede-index -q --shards 1 --index "$WORK/s1.idx" "$REUTERS" 2>/dev/null || [ -d "$WORK/s1.idx/shard.0" ]
bin/lede-index -q --shards 2 --index "$WORK/s2.idx" "$REUTERS" 2>/dev/null || [ -d "$WORK/s2.idx/shard.1" ]

# serve DB: a stock xapian-tcpsrv on DB in a session of its own; sets PORT.
serve() {
    PORT=$(bench_free_port)
    setsid xapian-tcpsrv --interface 127.0.0.1 --port "$PORT" "$1" >"$WORK/tcpsrv.$PORT.log" 2>&1 &
    SERVERS+=($!)
    local _
    for _ in $(seq 1 500); do
        grep -qs Listening "$WORK/tcpsrv.$PORT.log" && return 0
        read -rt 0.02 <> <(:) || true
    done
    echo "xapian-tcpsrv did not start on $1" >&2
    return 1
}
# front NAME LINE...: a stub directory of those lines.
front() {
    local d="$WORK/$1"; shift
    mkdir -p "$d"
    printf '%s\n' "$@" >"$d/XAPIANDB"
}
# daemon KEY INDEX [LEDED]: leded on INDEX, its address in ADDRS[KEY].
declare -A ADDRS
daemon() {
    setsid "${3:-${LEDED:-bin/leded}}" --index "$2" --listen 127.0.0.1:0 --log-level warn 2>"$WORK/leded.$1.log" &
    DAEMONS+=($!)
    local _
    for _ in $(seq 1 500); do
        grep -qs 'listening on tcp' "$WORK/leded.$1.log" && break
        read -rt 0.02 <> <(:) || true
    done
    ADDRS[$1]=$(sed -n 's/.*listening on tcp \(127.0.0.1:[0-9]*\).*/\1/p' "$WORK/leded.$1.log")
    [ -n "${ADDRS[$1]}" ] || { echo "leded did not start on $2" >&2; cat "$WORK/leded.$1.log" >&2; return 1; }
}

serve "$WORK/local.idx"; R1_PORT=$PORT
front r1 "remote 127.0.0.1:$PORT"
serve "$WORK/s1.idx/shard.0"
front h1 "auto $WORK/s1.idx/front" "remote 127.0.0.1:$PORT"
lines=("auto $WORK/s2.idx/front")
for k in 0 1; do serve "$WORK/s2.idx/shard.$k"; lines+=("remote 127.0.0.1:$PORT"); done
front s2 "${lines[@]}"
front x1 "remote 127.0.0.1:$R1_PORT"
daemon local "$WORK/local.idx"
for key in r1 h1 s2; do daemon $key "$WORK/$key"; done
KEYS="local r1 h1 s2"
if [ -n "${LEDED_BASE:-}" ]; then  # another leded (say, before a change) beside it
    daemon base.local "$WORK/local.idx" "$LEDED_BASE"
    for key in r1 h1 s2; do daemon base.$key "$WORK/$key" "$LEDED_BASE"; done
    KEYS+=" base.local base.r1 base.h1 base.s2"
fi
XKEYS="x.local x.remote x.remote.nodata"
say "measuring: $RUNS runs, configurations taking turns"
for i in $(seq 1 "$RUNS"); do
    for c in $CONNS; do
        for key in $KEYS; do
            build/bench/loadgen "${ADDRS[$key]}" "$WORK/queries" "$c" "$SECONDS_EACH" 'limit=10 snippet=0' \
                2>/dev/null >"$WORK/q.$key.$c.$i"
            say "run $i, $key x$c: $(tail -1 "$WORK/q.$key.$c.$i")"
        done
    done
    build/bench/inproc "$WORK/local.idx" "$WORK/queries" "$SECONDS_EACH" 2>/dev/null >"$WORK/q.x.local.1.$i"
    build/bench/inproc "$WORK/x1" "$WORK/queries" "$SECONDS_EACH" 2>/dev/null >"$WORK/q.x.remote.1.$i"
    INPROC_NO_DATA=1 build/bench/inproc "$WORK/x1" "$WORK/queries" "$SECONDS_EACH" 2>/dev/null \
        >"$WORK/q.x.remote.nodata.1.$i"
    say "run $i, xapian: $(tail -1 "$WORK/q.x.local.1.$i") / $(tail -1 "$WORK/q.x.remote.1.$i") / $(tail -1 "$WORK/q.x.remote.nodata.1.$i")"
done

# median_run KEY CONNS: the file of the run with the median QPS.
median_run() {
    local f
    f=$(for i in $(seq 1 "$RUNS"); do echo "$(bench_field qps "$(tail -1 "$WORK/q.$1.$2.$i")") $i"; done |
        sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print $2}')
    echo "$WORK/q.$1.$2.$f"
}
# median KEY CONNS FIELD: FIELD of the run with the median QPS.
median() { bench_field "$3" "$(tail -1 "$(median_run "$1" "$2")")"; }
echo "| configuration | connections | QPS | p50 µs | p99 µs | QPS / local | p50 / local |"
echo "|---|---|---|---|---|---|---|"
for c in $CONNS; do
    for key in $KEYS; do
        base=local; [ "${key#base.}" != "$key" ] && base=base.local
        echo "| $key | $c | $(median $key $c qps) | $(median $key $c p50_us) | $(median $key $c p99_us) |" \
             "$(bench_ratio "$(median $key $c qps)" "$(median $base $c qps)") |" \
             "$(bench_ratio "$(median $key $c p50_us)" "$(median $base $c p50_us)") |"
    done
done
for key in $XKEYS; do
    echo "| $key | 1 | $(median $key 1 qps) | $(median $key 1 p50_us) | $(median $key 1 p99_us) |" \
         "$(bench_ratio "$(median $key 1 qps)" "$(median x.local 1 qps)") |" \
         "$(bench_ratio "$(median $key 1 p50_us)" "$(median x.local 1 p50_us)") |"
done
echo
echo "Mean µs a query by class at 1 connection (the median run of each):"
echo
echo "| class | $(echo $KEYS | sed 's/ / | /g') |"
echo "|---|$(for _ in $KEYS; do printf -- '---|'; done)"
for class in $(sed -n 's/^class=\([^ ]*\) .*/\1/p' "$(median_run local 1)"); do
    row="| $class |"
    for key in $KEYS; do row+=" $(bench_field mean_us "$(grep "^class=$class " "$(median_run $key 1)")") |"; done
    echo "$row"
done
echo
echo "x.* rows: bench/inproc (Xapian alone), ratios against x.local.  $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS SECONDS_EACH=$SECONDS_EACH"
