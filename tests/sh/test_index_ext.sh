# test_index_ext.sh -- files whose names are no article format (issue 19,
# point 6): the summary counts them and names the first few, --ext reads
# them as plain text (under --watch too), a bad --ext list is refused, a
# missing source leaves no index directory behind; and the --watch
# summary (point 10) counts the first pass's unchanged articles once and
# says how long it watched.
. "$(dirname "$0")/lib.sh"

src="$TMP/news"
mkdir -p "$src/comp.os"
for n in 101 102 103 104; do
    printf 'Post %s about kernels\n\nNewsgroup text %s on schedulers.\n' "$n" "$n" >"$src/comp.os/$n"
done
printf 'Mail subject\n\nA message kept as eml.\n' >"$src/letter.eml"
printf 'A real article\n\nPlain text with an extension.\n' >"$src/known.txt"

idx="$TMP/news.idx"
"$INDEXER" --index "$idx" "$src" >"$TMP/out" 2>"$TMP/err"
check_eq "ignored files alone: exit 0 (nothing was skipped)" "$?" 0
check_eq "only the article format was read" "$(summary added "$TMP/out")" 1
check_eq "the summary counts the ignored files" "$(summary ignored "$TMP/out")" 5
check_grep "and names the first three, in walk order" \
    "ignored: +5 files .*: $src/comp.os/101, $src/comp.os/102, $src/comp.os/103, \.\.\.$" "$TMP/out"
check_grep "and says how to read them" "--ext EXT,\.\.\. reads them as plain text; --ext none" "$TMP/out"

"$INDEXER" -q --index "$TMP/quiet.idx" "$src" >"$TMP/out" 2>"$TMP/err"
check_eq "-q prints no summary" "$(cat "$TMP/out")" ""
check_grep "-q: the ignored files are still a warning" \
    "^lede-index: ignored 5 files of no article format \(first: $src/comp.os/101\); --ext" "$TMP/err"

"$INDEXER" --index "$idx" --ext none "$src" >"$TMP/out" 2>"$TMP/err"
check_eq "--ext none: exit 0" "$?" 0
check_eq "--ext none reads the extension-less posts" "$(summary added "$TMP/out")" 4
check_eq "--ext none leaves the .eml file ignored" "$(summary ignored "$TMP/out")" 1
check_eq "the posts are articles, headline from their first line" \
    "$("$INDEXER" --index "$idx" --show comp.os/103 --field title)" "Post 103 about kernels"

"$INDEXER" --index "$idx" --ext none,EML "$src" >"$TMP/out" 2>"$TMP/err"
check_eq "--ext none,EML (any case) reads the .eml too" "$(summary added "$TMP/out")" 1
check_eq "nothing is ignored then" "$(summary ignored "$TMP/out")" ""
check_eq "6 articles in the index" "$(articles_in "$idx")" 6

for bad in ".txt" "" "eml,,none" "a/b"; do
    "$INDEXER" --index "$TMP/bad.idx" --ext "$bad" "$src" >"$TMP/out" 2>"$TMP/err"
    check_eq "--ext '$bad': exit 2" "$?" 2
    check_grep "--ext '$bad': says why" "^lede-index: --ext: '$bad': " "$TMP/err"
done
check "a refused --ext made no index" test ! -e "$TMP/bad.idx"

"$INDEXER" --index "$TMP/typo.idx" "$src" "$TMP/no-such-dir" >"$TMP/out" 2>"$TMP/err"
check_eq "a missing source: exit 2" "$?" 2
check_grep "a missing source is named" "no-such-dir: No such file or directory \(nothing indexed\)" "$TMP/err"
check "a missing source leaves no index directory behind" test ! -e "$TMP/typo.idx"

# --watch: --ext applies to new files; the summary counts the first pass's
# unchanged articles once (each event visits a file again).
"$INDEXER" --index "$idx" --ext none,eml --watch "$src" >"$TMP/wout" 2>"$TMP/werr" &
watcher=$!
wait_for() { # wait_for DESCRIPTION COMMAND...: polls with a 60 s deadline
    local end=$((SECONDS + 60))
    until "${@:2}"; do
        [ $SECONDS -ge $end ] && { not_ok "$1 (timed out)"; return 1; }
        kill -0 $watcher 2>/dev/null || { not_ok "$1 (the watcher died)"; return 1; }
        sleep 0.05
    done
    ok "$1"
}
wait_for "the watcher starts" grep -q "watching 1 directory" "$TMP/werr"
printf 'Post 105 late\n\nA late newsgroup post on pagers.\n' >"$src/comp.os/105"
late_indexed() { test "$("$INDEXER" --index "$idx" --show comp.os/105 --field title 2>/dev/null)" = "Post 105 late"; }
wait_for "a new extension-less file is indexed while watching" late_indexed
kill -TERM $watcher
wait $watcher
check_eq "--watch ended by SIGTERM: exit 0" "$?" 0
check_grep "the watch summary says how long it watched" "^indexed in [0-9.]+ s, then watched for [0-9.]+ s$" "$TMP/wout"
check_eq "added while watching: the new post" "$(summary added "$TMP/wout")" 1
check_eq "unchanged: the 6 articles there at the start, once" "$(summary unchanged "$TMP/wout")" 6
check_grep "unchanged is labelled as the start's" "unchanged: +6 \(at the start\)" "$TMP/wout"
check "no percentage of a near-empty input" bash -c "! grep -q '% of' '$TMP/wout'"
