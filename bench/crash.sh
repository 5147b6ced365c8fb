#!/usr/bin/env bash
# crash.sh -- `make crash`: kill -9 at random points of lede's writers and
# check what is left each time.  Five kinds of run, RUNS of each (default
# 20, so 100 kills in all), each killed at a random moment from outside
# (or, for one run in four of the indexer's, at a random LEDE_CRASH_AT
# point inside), then:
#   - xapian-check on every database the index's stubs list, and
#     lede-index --check;
#   - the article count against what was acknowledged before the kill:
#     the indexer's committed batches ("commit NAME docs=N" of -v), a
#     compaction's whole index, leded's articles whose COMMIT was answered
#     OK (each of their ids must be in the index);
#   - after a killed build, incremental run or watch: the same command run
#     again completes with exactly the collection's articles in one
#     database, and no database is left beside the live ones.
# Writes bench/results/crash.md (date, machine, commit, commands, figures).
# Progress on a TTY, quiet otherwise.  Not part of `make test`: a long job.
# Usage: bash bench/crash.sh   (RUNS=n, LEDE_BIN, CORPUS=dir of articles)
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${LEDE_BIN:-bin}
INDEXER=$ROOT/$BIN/lede-index
LEDED=$ROOT/$BIN/leded
RUNS=${RUNS:-20}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/bbc}
OUT=bench/results/crash.md
if [ ! -d "$CORPUS" ]; then
    echo "crash.sh: needs the BBC collection in $CORPUS (../shared)" >&2
    exit 2
fi
command -v xapian-check >/dev/null || { echo "crash.sh: needs xapian-check (xapian-tools)" >&2; exit 2; }
WORK=$(mktemp -d /tmp/lede-crash.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
TTY=0
[ -t 1 ] && TTY=1

WANT=$("$INDEXER" -q --index "$WORK/ref.idx" "$CORPUS" 2>/dev/null; "$INDEXER" --index "$WORK/ref.idx" --info | awk '$1=="articles:"{print $2}')
SMALL=$ROOT/corpus
"$INDEXER" -q --index "$WORK/small.idx" "$SMALL" 2>/dev/null
BASE=$("$INDEXER" --index "$WORK/small.idx" --info | awk '$1=="articles:"{print $2}')

declare -A kills bad_check lost resumed_ok debris early acked
bad_total=0
log_line() { [ "$TTY" = 1 ] && printf '\r\033[K%s' "$*"; }
fail() { bad_total=$((bad_total + 1)); echo "FAIL: $*" >>"$WORK/failures"; }

rand_ms() { echo $((RANDOM % ($2 - $1) + $1)); }   # in [min, max) ms
nap_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
articles() { "$INDEXER" --index "$1" --info 2>/dev/null | awk '$1=="articles:"{print $2}'; }
ndb() { "$INDEXER" --index "$1" --info 2>/dev/null | awk '$1=="databases:"{print NF-1}'; }

# Sum of the last "commit NAME docs=N" of each database in a -v log; a
# db.N committed after parts is their merge (watch mode after its first
# pass) and holds their articles.
committed() {
    awk '/^lede-index: commit / {
             if ($3 ~ /^db\./) for (k in last) if (k ~ /^part\./) delete last[k]
             split($4, a, "="); last[$3] = a[2] }
         END { s = 0; for (k in last) s += last[k]; print s }' "$1"
}

# Every database the stubs of an index list (following a sharded index's).
databases_of() {
    local dir=$1 name
    [ -f "$dir/XAPIANDB" ] || return 0
    awk '$1=="auto"{print $2}' "$dir/XAPIANDB" | while read -r name; do
        if [ -f "$dir/$name/XAPIANDB" ]; then databases_of "$dir/$name"; else echo "$dir/$name"; fi
    done
}

# The checks after a kill: Xapian's and lede's, and the count against
# what was acknowledged (at least: min, exactly: exact).
after_kill() {
    local kind=$1 idx=$2 min=$3 exact=${4:-}
    kills[$kind]=$((${kills[$kind]:-0} + 1))
    acked[$kind]=$((${acked[$kind]:-0} + min))
    [ "$FINISHED" = 1 ] && early[$kind]=$((${early[$kind]:-0} + 1))
    [ -f "$idx/XAPIANDB" ] || { [ "$min" = 0 ] && return 0; fail "$kind: no index, $min acknowledged"; return; }
    local db ok=1
    for db in $(databases_of "$idx"); do
        xapian-check "$db" >/dev/null 2>&1 || { ok=0; fail "$kind: xapian-check $db"; }
    done
    "$INDEXER" --index "$idx" --check >/dev/null 2>&1 || { ok=0; fail "$kind: lede-index --check $idx"; }
    [ $ok = 1 ] || bad_check[$kind]=$((${bad_check[$kind]:-0} + 1))
    local have
    have=$(articles "$idx")
    if [ -n "$exact" ] && [ "$have" != "$exact" ]; then
        lost[$kind]=$((${lost[$kind]:-0} + 1)); fail "$kind: $have articles, want $exact"
    elif [ "${have:-0}" -lt "$min" ]; then
        lost[$kind]=$((${lost[$kind]:-0} + 1)); fail "$kind: $have articles, $min acknowledged"
    fi
}

# The same command again: completes, exact count, one database, no debris.
rerun() {
    local kind=$1 idx=$2 want=$3; shift 3
    "$INDEXER" -q --index "$idx" "$@" >/dev/null 2>&1
    local have n extra
    have=$(articles "$idx"); n=$(ndb "$idx")
    extra=$(find "$idx" -maxdepth 1 \( -name 'db.*' -o -name 'part.*' \) | wc -l)
    if [ "$have" = "$want" ] && [ "$n" = 1 ] && [ "$extra" = 1 ]; then
        resumed_ok[$kind]=$((${resumed_ok[$kind]:-0} + 1))
    else
        fail "$kind: re-run gives $have articles (want $want), $n databases, $extra directories"
        [ "$extra" != 1 ] && debris[$kind]=$((${debris[$kind]:-0} + 1))
    fi
}

# An indexer run killed at a random moment (or, one in four, at a random
# crash point inside); its -v log in $WORK/log.  FINISHED=1 when it ended
# before the kill came (a crash point it never reached, a short run).
FINISHED=0
kill_indexer() {
    local ms=$1; shift
    if [ $((RANDOM % 4)) = 0 ]; then
        local points=(after-article:$((RANDOM % 2000 + 1)) before-switch:$((RANDOM % 3 + 1))
                      after-switch:$((RANDOM % 3 + 1)) after-merge)
        # in the background: a foreground job killed makes bash say so
        LEDE_CRASH_AT=${points[$((RANDOM % 4))]} "$INDEXER" -v "$@" >/dev/null 2>"$WORK/log" &
        wait $! 2>/dev/null
        FINISHED=$(($? != 137))
        return
    fi
    "$INDEXER" -v "$@" >/dev/null 2>"$WORK/log" &
    local pid=$!
    nap_ms "$ms"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    FINISHED=$(($? != 137))
}

full_build() {
    local idx=$WORK/full$1.idx
    kill_indexer "$(rand_ms 50 4000)" --batch 100 --index "$idx" "$CORPUS"
    after_kill full "$idx" "$(committed "$WORK/log")"
    rerun full "$idx" "$WANT" "$CORPUS"
    rm -rf "$idx"
}

incremental() {
    local idx=$WORK/incr$1.idx
    cp -a "$WORK/small.idx" "$idx"
    kill_indexer "$(rand_ms 50 3000)" --batch 64 --index "$idx" "$SMALL" "$CORPUS"
    local c; c=$(committed "$WORK/log")
    after_kill incremental "$idx" $((c > BASE ? c : BASE))
    rerun incremental "$idx" $((WANT + BASE)) "$SMALL" "$CORPUS"
    rm -rf "$idx"
}

compaction() {
    local idx=$WORK/compact.idx
    [ -d "$idx" ] || cp -a "$WORK/ref.idx" "$idx"
    kill_indexer "$(rand_ms 20 700)" --index "$idx" --compact
    after_kill compaction "$idx" "$WANT" "$WANT"
}

# Watch mode: files copied into a watched directory while it runs.
watch_mode() {
    local idx=$WORK/watch$1.idx src=$WORK/watchsrc$1
    mkdir -p "$src"
    "$INDEXER" -v --watch --commit-interval 0.1 --index "$idx" "$src" >/dev/null 2>"$WORK/log" &
    local pid=$! ms; ms=$(rand_ms 300 4000)
    (for d in "$CORPUS"/*/; do cp -r "$d" "$src/"; done) &
    local cpid=$!
    nap_ms "$ms"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    FINISHED=0 # watch mode never ends by itself
    wait $cpid
    after_kill watch "$idx" "$(committed "$WORK/log")"
    rerun watch "$idx" "$WANT" "$src"
    rm -rf "$idx" "$src"
}

# leded's ingest: a client adds the collection's articles and commits
# every 50; the ids whose COMMIT was answered OK are acknowledged.
ingest() {
    local idx=$WORK/ingest$1.idx tok=$WORK/token
    [ -f "$tok" ] || { echo "crash-token-0123456789" >"$tok"; chmod 600 "$tok"; }
    [ -d "$idx" ] || cp -a "$WORK/small.idx" "$idx"
    "$LEDED" --index "$idx" --listen 127.0.0.1:0 --ingest-token "$tok" --commit-interval 0.5 \
        >/dev/null 2>"$WORK/leded.log" &
    local pid=$! port=""
    for _ in $(seq 1 500); do
        port=$(sed -n 's/.*listening on tcp 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/leded.log")
        [ -n "$port" ] && break
        sleep 0.01
    done
    : >"$WORK/acked"
    python3 bench/crash_client.py "$port" "$tok" "$CORPUS" "$1" "$WORK/acked" &
    local cpid=$!
    nap_ms "$(rand_ms 200 4000)"
    FINISHED=1
    kill -0 $cpid 2>/dev/null && FINISHED=0 # the client had more to send
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    wait $cpid 2>/dev/null
    after_kill ingest "$idx" "$(($(sort -u "$WORK/acked" | wc -l)))"
    local missing
    missing=$(comm -23 <(sort -u "$WORK/acked") <("$INDEXER" --index "$idx" --list | sort -u) | wc -l)
    [ "$missing" = 0 ] || { lost[ingest]=$((${lost[ingest]:-0} + 1)); fail "ingest: $missing acknowledged ids missing"; }
}

t0=$SECONDS
for i in $(seq 1 "$RUNS"); do
    for kind in full_build incremental compaction watch_mode ingest; do
        log_line "crash: run $i/$RUNS, $kind ($bad_total failures so far, $((SECONDS - t0)) s)"
        $kind "$i"
    done
done
[ "$TTY" = 1 ] && printf '\r\033[K'
secs=$((SECONDS - t0))

total=0
for k in full incremental compaction watch ingest; do total=$((total + ${kills[$k]:-0})); done
{
    echo "# make crash"
    echo
    echo "kill -9 at random points of lede's writers, each followed by xapian-check on every"
    echo "database, lede-index --check and a count against what was acknowledged (bench/crash.sh)."
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo), $(uname -sr)"
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src daemon indexer || echo ' (with uncommitted changes)')"
    echo "- command: \`make crash\` (\`RUNS=$RUNS bash bench/crash.sh\`), collection $(basename "$CORPUS") ($WANT articles), $secs s"
    echo
    echo "| run killed | kills | of which it had finished | acknowledged articles counted | failed checks | fewer articles than acknowledged | re-run complete | debris after re-run |"
    echo "|---|---|---|---|---|---|---|---|"
    for k in full incremental compaction watch ingest; do
        rr="${resumed_ok[$k]:-0}/${kills[$k]:-0}"
        [ "$k" = compaction ] || [ "$k" = ingest ] && rr="–"
        echo "| $k | ${kills[$k]:-0} | ${early[$k]:-0} | ${acked[$k]:-0} | ${bad_check[$k]:-0} | ${lost[$k]:-0} | $rr | ${debris[$k]:-0} |"
    done
    echo
    echo "$total kills, $bad_total failures."
    echo
    echo "The runs: a full build (\`lede-index -v --batch 100 --index I bbc\`); an incremental run"
    echo "adding bbc to an index of corpus/ (\`--batch 64\`); \`lede-index --index I --compact\` of the"
    echo "bbc index, again and again on the same index; \`lede-index -v --watch --commit-interval 0.1\`"
    echo "on a directory bbc is copied into; leded with \`--ingest-token\` and \`--commit-interval 0.5\`,"
    echo "a client adding bbc's articles with a COMMIT every 50 (bench/crash_client.py) to a copy"
    echo "of the corpus/ index.  A build is killed after 50 ms to 4 s, an incremental run after 50 ms"
    echo "to 3 s, a compaction after 20 to 700 ms, or (one in four of these) at a random LEDE_CRASH_AT"
    echo "point (after-article:N, before-switch:N, after-switch:N, after-merge); watch mode and leded"
    echo "after 0.3 or 0.2 to 4 s.  \"Of which it had finished\": the run had ended before the kill (a"
    echo "crash point it never reached, a compaction shorter than the delay); still checked."
    if [ -s "$WORK/failures" ]; then
        echo
        echo "Failures:"
        echo
        sed 's/^/    /' "$WORK/failures"
    fi
} >"$OUT"
[ "$TTY" = 1 ] && cat "$OUT"
[ "$bad_total" = 0 ]
