#!/usr/bin/env bash
# bench/same_replies.sh -- do two builds give the same answers?  Indexes
# Reuters-21578 with each build's lede-index, serves each index with the
# same build's leded, sends the benchmark mix (bench/make_queries.py, 1,200
# queries, seed 42) through bench/replies.py and compares the replies byte
# for byte (took_us aside).  Used for refactors that must not change
# behaviour.  Exit 0 when identical.
# usage: bench/same_replies.sh OLD_BIN_DIR NEW_BIN_DIR [QUERIES_N]
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="${1:?usage: same_replies.sh OLD_BIN_DIR NEW_BIN_DIR [N]}"
NEW="${2:?usage: same_replies.sh OLD_BIN_DIR NEW_BIN_DIR [N]}"
. bench/lib.sh
bench_setup same
bench_reuters_queries same_replies "${3:-1200}"
for side in old new; do
    bin=$OLD; [ "$side" = new ] && bin=$NEW
    # exit 1 only says some articles were skipped (Reuters has empty ones)
    "$bin/lede-index" -q --index "$WORK/$side.idx" "$REUTERS" >/dev/null 2>&1 || [ $? -eq 1 ]
    "$bin/lede-index" --info --index "$WORK/$side.idx" >"$WORK/$side.info" 2>&1 || true
    python3 bench/replies.py "$bin" "$WORK/$side.idx" "$WORK/queries" "$WORK/$side.replies" >&2
done
status=0
if ! cmp -s "$WORK/old.info" "$WORK/new.info"; then
    echo "lede-index --info differs:"; diff "$WORK/old.info" "$WORK/new.info" | head -20; status=1
fi
if cmp -s "$WORK/old.replies" "$WORK/new.replies"; then
    echo "identical: $(grep -c '^> ' "$WORK/new.replies") requests, $(wc -c <"$WORK/new.replies") bytes of replies"
else
    echo "replies differ:"; diff "$WORK/old.replies" "$WORK/new.replies" | head -40; status=1
fi
exit $status
