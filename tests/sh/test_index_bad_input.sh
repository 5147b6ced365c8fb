# test_index_bad_input.sh -- every kind of bad input is a warning, the run
# goes on, the summary counts it by reason, and the exit status says so.
. "$(dirname "$0")/lib.sh"

src="$TMP/src"
mkdir -p "$src/sub/deeper" "$src/odd.txt"
printf 'Good headline\nGood standfirst.\n\nGood body.\n' >"$src/good.txt"
printf 'Nested headline\n\nNested first paragraph.\n\nNested body.\n' >"$src/sub/deeper/nested.txt"
printf 'Inside a directory named odd.txt\n\nIt is walked, not read.\n' >"$src/odd.txt/inner.txt"
printf 'Binary\0data\n' >"$src/binary.txt"
printf 'Caf\xe9 prices\n\nThe caf\xe9 charged \xa35.\n' >"$src/latin.txt"
printf 'Mixed caf\xc3\xa9\n\nA stray \xff byte.\n' >"$src/mixed.txt"
printf '  \n\n\t\n' >"$src/empty.txt"
head -c 3000 /dev/zero | tr '\0' 'x' >"$src/big.txt"
ln -s "$src/nowhere.txt" "$src/dangling.txt"
printf 'not an article\n' >"$src/README"
printf 'x\n' >"$src/.hidden.txt"
printf 'swap\n' >"$src/good.txt.swp"
{
    echo '{"id":"j1","title":"First brief","text":"Body one."}'
    echo '{"id":"j2","title":"Broken"'
    echo '[1,2,3]'
    echo ''
    echo '{"id":"j3","title":" ","text":""}'
    echo '{"title":"No id here","text":"Body without id."}'
    printf '{"id":"j4","title":"Bad \xff byte","text":"Body four."}\n'
    echo "{\"id\":\"j5\",\"title\":\"Too long\",\"text\":\"$(head -c 2000 /dev/zero | tr '\0' 'y')\"}"
    echo '{"id":"j6","title":"Last brief","text":"Body six.","date":"not a date"}'
} >"$src/feed.jsonl"
for i in $(seq 1 400); do
    echo "{\"id\":\"t$i\",\"title\":\"Truncated feed $i\",\"text\":\"Article $i of a feed whose gzip stream is cut short, with some text to compress $i.\"}"
done | gzip -c >"$TMP/full.gz"
size=$(stat -c %s "$TMP/full.gz")
head -c $((size * 2 / 3)) "$TMP/full.gz" >"$src/trunc.jsonl.gz"

idx="$TMP/bad.idx"
"$INDEXER" --index "$idx" --max-article-bytes 1K "$src" >"$TMP/out" 2>"$TMP/err"
check_eq "bad input: exit status 1 (some skipped)" "$?" 1
check_grep "binary file reported" "binary.txt: binary file \(skipped\)" "$TMP/err"
check_grep "Latin-1 file repaired, said how" "latin.txt: invalid UTF-8 repaired .*Windows-1252" "$TMP/err"
check_grep "stray byte repaired, said how" "mixed.txt: invalid UTF-8 repaired .*U\+FFFD" "$TMP/err"
check_grep "empty article reported" "empty.txt: empty article \(skipped\)" "$TMP/err"
check_grep "oversized file reported" "big.txt: larger than the limit of 1024 bytes \(skipped\)" "$TMP/err"
check_grep "unreadable file reported" "dangling.txt: No such file or directory \(skipped\)" "$TMP/err"
check_grep "malformed JSON reported as file:line" "feed.jsonl:2: malformed JSON" "$TMP/err"
check_grep "non-object JSON reported as file:line" "feed.jsonl:3: JSON value is not an object" "$TMP/err"
check_grep "empty JSON article reported as file:line" "feed.jsonl:5: empty article" "$TMP/err"
check_grep "invalid UTF-8 in JSON repaired, with line" "feed.jsonl:7: invalid UTF-8 repaired" "$TMP/err"
check_grep "over-long JSON line reported" "feed.jsonl:8: line larger than the article size limit" "$TMP/err"
check_grep "bad JSON date: kept, said so" "feed.jsonl:9: unrecognised date" "$TMP/err"
check_grep "truncated gzip reported" "trunc.jsonl.gz: truncated gzip stream after line [0-9]+" "$TMP/err"
check "README, hidden and swap files are not read" bash -c "! grep -qE 'README|hidden|swp' '$TMP/err'"

kept=$(sed -n 's/.*truncated gzip stream after line \([0-9]*\).*/\1/p' "$TMP/err")
check_ge "truncated gzip: articles before the cut are kept" "$kept" 100
check_eq "skipped total" "$(summary skipped "$TMP/out")" 9
check_grep "skipped by reason" "skipped: +9 \(unreadable 1, binary 1, too large 2, empty 2, malformed 2, truncated 1\)" "$TMP/out"
check_eq "repaired count" "$(summary repaired "$TMP/out")" 3
# good, nested, inner, latin, mixed + j1, no-id, j4, j6 + the truncated feed's lines
check_eq "everything readable went in" "$(articles_in "$idx")" $((9 + kept))
show() { "$INDEXER" --index "$idx" --show "$1" --field "$2"; }
check_eq "nested files keep their relative path as id" "$(show sub/deeper/nested.txt title)" "Nested headline"
check_eq "a directory named *.txt is walked" "$(show odd.txt/inner.txt title)" "Inside a directory named odd.txt"
check_eq "Latin-1 text stored as UTF-8" "$(show latin.txt standfirst)" "The café charged £5."
check_eq "stray byte stored as U+FFFD" "$(show mixed.txt standfirst)" "A stray � byte."
check_eq "JSON line without id gets file#line" "$(show 'feed.jsonl#6' title)" "No id here"
check_eq "repaired JSON title (a line with no UTF-8 at all is read as Windows-1252)" "$(show j4 title)" "Bad ÿ byte"
check_eq "last truncated-feed article kept" "$(show "t$kept" title)" "Truncated feed $kept"
"$INDEXER" --index "$idx" --show t400 >/dev/null 2>&1
check_eq "articles past the cut are not invented" "$?" 1

# Standard input: JSON Lines, or one plain-text article.
printf '{"id":"s1","title":"From stdin","text":"Piped body."}\n' | "$INDEXER" -q --index "$TMP/stdin.idx" -
check_eq "stdin JSON Lines" "$("$INDEXER" --index "$TMP/stdin.idx" --show s1 --field title)" "From stdin"
printf 'Piped headline\nPiped standfirst.\n\nPiped body.\n' | "$INDEXER" -q --index "$TMP/stdin.idx" -
check_eq "stdin plain text" "$("$INDEXER" --index "$TMP/stdin.idx" --show stdin --field title)" "Piped headline"

# A new index path may have missing parent directories (like mkdir -p).
"$INDEXER" -q --index "$TMP/new/parent/dirs.idx" "$src/good.txt"
check_eq "index under missing parent directories" "$(articles_in "$TMP/new/parent/dirs.idx")" 1

# Fatal errors: exit 2 with one clear line.
"$INDEXER" "$src" >/dev/null 2>"$TMP/e1"
check_eq "no --index: exit 2" "$?" 2
check_grep "no --index: says so" "--index PATH is required" "$TMP/e1"
"$INDEXER" --index "$TMP/x.idx" --language klingon "$src" >/dev/null 2>"$TMP/e2"
check_eq "unknown language: exit 2" "$?" 2
check_grep "unknown language: says so" "unknown language 'klingon'" "$TMP/e2"
"$INDEXER" --index "$TMP/good.txt.idx" "$TMP/missing-source" >/dev/null 2>"$TMP/e3"
check_eq "missing source: exit 2" "$?" 2
check_grep "missing source: says so" "missing-source: No such file or directory" "$TMP/e3"
"$INDEXER" --index "$src/good.txt/idx" "$src" >/dev/null 2>"$TMP/e4"
check_eq "unwritable index: exit 2" "$?" 2
check_grep "unwritable index: says so" "good.txt/idx: Not a directory" "$TMP/e4"
"$INDEXER" --index "$TMP/x.idx" --max-article-bytes lots "$src" >/dev/null 2>"$TMP/e5"
check_eq "bad size: exit 2" "$?" 2
"$INDEXER" --index "$idx" --language french "$src" >/dev/null 2>"$TMP/e6"
check_eq "other language on an existing index: exit 2" "$?" 2
check_grep "other language: says which" "built with language 'english', not 'french'" "$TMP/e6"
