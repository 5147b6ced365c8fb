#!/usr/bin/env bash
# tests/fuzz/run.sh -- `make fuzz`: runs each libFuzzer target, one at a
# time and niced, for SECONDS (or RUNS executions if sooner) from a
# scratch copy of its committed seed corpus (tests/fuzz/corpus/<target>/,
# left untouched), and fails if any target found a crash, a leak or a
# sanitizer report (the input is kept as BUILD/crash-<target>-*), leaks
# included: inside Xapian's QueryParser too (src/engine/query_guard.cc
# keeps from it the queries it leaks on).
# Usage: run.sh BUILD SECONDS RUNS TARGET...
set -u
build="$1" seconds="$2" runs="$3"
shift 3
cd "$(dirname "$0")/../.."
failed=0
for t in "$@"; do
    work="$build/corpus/$t"
    rm -rf "$work"
    mkdir -p "$work"
    cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
    limit=(-max_total_time="$seconds")
    [ -n "$runs" ] && limit+=(-runs="$runs")
    echo "== fuzz_$t: ${runs:+$runs runs or }$seconds s"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        nice -n 10 "$build/fuzz_$t" "${limit[@]}" -print_final_stats=1 -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/crash-$t-" "$work" \
        >"$build/fuzz_$t.log" 2>&1
    status=$?
    grep -E '^(#[0-9]+\s+(DONE|INITED)|Done|stat::)' \
        "$build/fuzz_$t.log" | sed 's/^/   /'
    if [ $status -ne 0 ]; then
        echo "   FAILED (status $status): see $build/fuzz_$t.log"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$build/fuzz_$t.log" | head -5 | sed 's/^/   /'
        failed=1
    fi
done
exit $failed
