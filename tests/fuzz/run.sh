#!/usr/bin/env bash
# tests/fuzz/run.sh -- `make fuzz`: runs each libFuzzer target, niced, for
# SECONDS (or RUNS executions if sooner) from a scratch copy of its
# committed seed corpus (tests/fuzz/corpus/<target>/, left untouched), and
# fails if any target found a crash, a leak or a sanitizer report (the
# input is kept as BUILD/crash-<target>-*), leaks included: inside
# Xapian's QueryParser too (src/engine/query_guard.cc keeps from it the
# queries it leaks on).  FUZZ_JOBS targets run at a time (default 1;
# `make fuzz` sets 2, one a core), each for its whole SECONDS; their
# reports are printed in the order given, each once it has ended.
# Usage: run.sh BUILD SECONDS RUNS TARGET...
set -u
build="$1" seconds="$2" runs="$3"
shift 3
cd "$(dirname "$0")/../.."
jobs="${FUZZ_JOBS:-1}"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: FUZZ_JOBS must be a number >= 1, not '$jobs'" >&2; exit 2; }

# fuzz T: runs target T; its exit status goes to BUILD/fuzz_T.status.
fuzz() {
    local t="$1" work="$build/corpus/$1"
    rm -rf "$work" "$build/fuzz_$t.status"
    mkdir -p "$work"
    cp tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
    local limit=(-max_total_time="$seconds")
    [ -n "$runs" ] && limit+=(-runs="$runs")
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        nice -n 10 "$build/fuzz_$t" "${limit[@]}" -print_final_stats=1 -max_len=4096 \
        -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build/crash-$t-" "$work" \
        >"$build/fuzz_$t.log" 2>&1
    echo $? >"$build/fuzz_$t.status"
}

# report T: what target T did; fails if it failed.
report() {
    local t="$1" status
    status=$(cat "$build/fuzz_$t.status" 2>/dev/null || echo "none")
    echo "== fuzz_$t: ${runs:+$runs runs or }$seconds s"
    grep -E '^(#[0-9]+\s+(DONE|INITED)|Done|stat::)' \
        "$build/fuzz_$t.log" | sed 's/^/   /'
    if [ "$status" != 0 ]; then
        echo "   FAILED (status $status): see $build/fuzz_$t.log"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$build/fuzz_$t.log" | head -5 | sed 's/^/   /'
        return 1
    fi
}

targets=("$@")
failed=0
next=0   # the first target not reported yet
for i in "${!targets[@]}"; do
    if [ "$i" -ge "$((next + jobs))" ]; then
        wait "${pids[$next]}"
        report "${targets[$next]}" || failed=1
        next=$((next + 1))
    fi
    fuzz "${targets[$i]}" &
    pids[$i]=$!
done
for ((; next < ${#targets[@]}; next++)); do
    wait "${pids[$next]}"
    report "${targets[$next]}" || failed=1
done
exit $failed
