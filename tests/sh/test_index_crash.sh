# test_index_crash.sh -- kill -9 at varied points of a full build, of an
# incremental run and of the merge (and from outside a sharded build): the
# index always opens, passes Xapian's check, holds every committed batch,
# and re-running the same command ends with exactly the right count.  Also:
# a second writer is refused.  Full builds here write through Xapian's API
# (--writer xapian: committed batches are visible); the bulk path's crashes
# are test_index_bulk.sh's.
# tests/run: long -- minutes of CPU in make test: started before the short tests.
. "$(dirname "$0")/lib.sh"
need_shared

bbc="$SHARED/corpus/bbc"
want=2225
late=1900
# Under the sanitizers (LEDE_TEST_QUICK, builds several times slower) two of
# BBC's five sections: the same crash points, the last one as near the end.
if [ -n "${LEDE_TEST_QUICK:-}" ]; then
    mkdir "$TMP/bbc"
    cp -r "$bbc/business" "$bbc/politics" "$TMP/bbc/"
    bbc="$TMP/bbc"
    want=927
    late=$((want - 27))
fi

# Sum of the last "commit NAME docs=N" line of each database in a log.
committed() {
    awk '/^lede-index: commit / { split($4, a, "="); last[$3] = a[2] }
         END { s = 0; for (k in last) s += last[k]; print s }' "$1"
}

# Crashes from inside at deterministic points: after the Nth article.
for n in 1 150 777 $late; do
    idx="$TMP/crash$n.idx"
    LEDE_CRASH_AT=after-article:$n "$INDEXER" -v --writer xapian --batch 100 --index "$idx" "$bbc" >/dev/null 2>"$TMP/log"
    check_eq "crash after $n: killed by SIGKILL" "$?" 137
    check "crash after $n: index passes the check" "$INDEXER" --index "$idx" --check
    have=$(articles_in "$idx")
    check_ge "crash after $n: every committed batch kept ($have >= $(committed "$TMP/log"))" "$have" "$(committed "$TMP/log")"
    "$INDEXER" -q --writer xapian --batch 100 --index "$idx" "$bbc" 2>/dev/null
    check_eq "crash after $n: re-run completes" "$(articles_in "$idx")" "$want"
    check_eq "crash after $n: one database after recovery" "$("$INDEXER" --index "$idx" --info | awk '$1=="databases:"{print NF-1}')" 1
done

# Crashes inside the final merge and around its stub switch (the third:
# the first lists the new empty database, the second adds the shards).
for point in after-merge before-switch:3 after-switch:3; do
    idx="$TMP/$point.idx"
    LEDE_CRASH_AT=$point "$INDEXER" -q --writer xapian --index "$idx" "$bbc" >/dev/null 2>&1
    check_eq "crash at $point: killed" "$?" 137
    check "crash at $point: index passes the check" "$INDEXER" --index "$idx" --check
    have=$(articles_in "$idx")
    check_eq "crash at $point: all articles already visible" "$have" "$want"
    "$INDEXER" -q --writer xapian --index "$idx" "$bbc" 2>/dev/null
    check_eq "crash at $point: re-run keeps the count" "$(articles_in "$idx")" "$want"
    check_eq "crash at $point: debris cleaned up" "$(ls -d "$idx"/db.* "$idx"/part.* 2>/dev/null | wc -l)" 1
done

# Crashes around the first two switches: an index that was never listed
# does not exist yet; once listed, it opens (empty or with shards).
for point in before-switch:1 after-switch:1 before-switch:2 after-switch:2; do
    idx="$TMP/$point.idx"
    LEDE_CRASH_AT=$point "$INDEXER" -q --writer xapian --index "$idx" "$bbc" >/dev/null 2>&1
    check_eq "crash at $point: killed" "$?" 137
    if [ "$point" != before-switch:1 ]; then
        check "crash at $point: index passes the check" "$INDEXER" --index "$idx" --check
        check_eq "crash at $point: opens, empty" "$(articles_in "$idx")" 0
    fi
    "$INDEXER" -q --writer xapian --index "$idx" "$bbc" 2>/dev/null
    check_eq "crash at $point: re-run completes" "$(articles_in "$idx")" "$want"
done

# A crash in an incremental run (single writer on the live database).
idx="$TMP/incr.idx"
"$INDEXER" -q --writer xapian --index "$idx" "$LEDE_ROOT/corpus"
base=$(articles_in "$idx")
LEDE_CRASH_AT=after-article:500 "$INDEXER" -v --writer xapian --batch 64 --index "$idx" "$LEDE_ROOT/corpus" "$bbc" >/dev/null 2>"$TMP/log"
check_eq "incremental crash: killed" "$?" 137
check "incremental crash: index passes the check" "$INDEXER" --index "$idx" --check
check_ge "incremental crash: committed batches kept" "$(articles_in "$idx")" "$(committed "$TMP/log")"
"$INDEXER" -q --writer xapian --index "$idx" "$LEDE_ROOT/corpus" "$bbc" 2>/dev/null
check_eq "incremental crash: re-run completes" "$(articles_in "$idx")" $((base + want))

# kill_after_commit WHAT NAME PATTERN [OPTIONS...]: runs lede-index -v
# --batch 50 OPTIONS on $bbc into $TMP/NAME.idx in the background, kills
# it with -9 once its log has a line matching PATTERN (a commit), then
# checks that the index passes the check, keeps its committed batches and
# that a re-run completes.  Leaves idx set to the index.
kill_after_commit() {
    local what=$1 name=$2 pattern=$3 pid
    shift 3
    idx="$TMP/$name.idx"
    local log="$TMP/$name.log"
    : >"$log"
    "$INDEXER" -v --writer xapian --batch 50 "$@" --index "$idx" "$bbc" >/dev/null 2>"$log" &
    pid=$!
    for _ in $(seq 1 3000); do
        grep -q "$pattern" "$log" && break
        kill -0 $pid 2>/dev/null || break
        read -rt 0.01 <> <(:) || true
    done
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    check "$what: every database passes the check" "$INDEXER" --index "$idx" --check
    check_ge "$what: committed batches kept" "$(articles_in "$idx")" "$(committed "$log")"
    "$INDEXER" -q --writer xapian --index "$idx" "$bbc" 2>/dev/null
    check_eq "$what: re-run completes" "$(articles_in "$idx")" "$want"
}

# A real kill -9 from outside, once the first batch is committed (the log
# says so; no timing involved in what is asserted).
# Its own log: the background shell truncates it only once it runs, and
# the previous section's log, full of commit lines, made the loop kill the
# indexer before it had started (then nothing was there to check).
kill_after_commit "outside kill" outside '^lede-index: commit'

# The same on a sharded build (src/shards.h): every database of the front
# and the shards passes the check, and the run, again, completes.
kill_after_commit "sharded, outside kill" outside-sharded '^lede-index: commit shard' --shards 3
check_eq "sharded, outside kill: still 3 shards" "$("$INDEXER" --index "$idx" --info | awk '$1=="shards:"{print $2}')" 3

# Only one writer at a time: flock(1) holds the lock while our writer tries.
idx="$TMP/lock.idx"
"$INDEXER" -q --writer xapian --index "$idx" "$LEDE_ROOT/corpus"
flock "$idx/lede.lock" "$INDEXER" --index "$idx" "$LEDE_ROOT/corpus" >/dev/null 2>"$TMP/lockerr"
check_eq "second writer: exit 2" "$?" 2
check_grep "second writer: 'index is locked'" "index is locked by another writer" "$TMP/lockerr"
flock "$idx/lede.lock" "$INDEXER" --index "$idx" --compact >/dev/null 2>"$TMP/lockerr"
check_eq "second writer (compact): exit 2" "$?" 2
"$INDEXER" --index "$idx" --info >/dev/null
check_eq "readers need no lock" "$?" 0
