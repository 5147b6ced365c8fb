# test_index_corpus.sh -- indexing the bundled corpus and the BBC collection:
# counts, stored text byte for byte, a no-op re-run, parallel = serial.
. "$(dirname "$0")/lib.sh"

idx="$TMP/corpus.idx"
"$INDEXER" --index "$idx" "$LEDE_ROOT/corpus" >"$TMP/out" 2>"$TMP/err"
check_eq "corpus: exit status 0" "$?" 0
ntxt=$(find "$LEDE_ROOT/corpus" -name '*.txt' | wc -l)
njson=$(grep -c . "$LEDE_ROOT/corpus/wire/briefs.jsonl")
want=$((ntxt + njson))
check_eq "corpus: every article added" "$(summary added "$TMP/out")" "$want"
check_eq "corpus: index holds them" "$(articles_in "$idx")" "$want"
check_eq "corpus: no warnings" "$(wc -l <"$TMP/err")" 0
check "corpus: index passes Xapian's check" "$INDEXER" --index "$idx" --check
check_eq "corpus: --list gives every id once" "$("$INDEXER" --index "$idx" --list | sort -u | wc -l)" "$want"
check_eq "corpus: language stored" "$("$INDEXER" --index "$idx" --info | awk '$1=="language:"{print $2}')" english

# A layout (a) file after its Date: line: headline, standfirst, body
# exactly as in the file, the date from the header.
f=business/central-bank-holds-interest-rates.txt
show() { "$INDEXER" --index "$idx" --show "$1" --field "$2"; }
check_eq "layout a: date from its Date: line" "$(show $f date)" "$(sed -n 's/^Date: //p;1q' "$LEDE_ROOT/corpus/$f")"
check_eq "layout a: title" "$(show $f title)" "$(sed -n 3p "$LEDE_ROOT/corpus/$f")"
check_eq "layout a: standfirst" "$(show $f standfirst)" "$(sed -n 4p "$LEDE_ROOT/corpus/$f")"
check_eq "layout a: body byte for byte" "$(show $f body)" "$(tail -n +6 "$LEDE_ROOT/corpus/$f")"
# A header-block file: id from Id:, title and date from the header.
hdr="$LEDE_ROOT/corpus/world/finance-ministers-inflation.txt"
hid=$(sed -n 's/^Id: //p' "$hdr")
check_eq "header: title from Title:" "$(show "$hid" title)" "$(sed -n 's/^Title: //p' "$hdr")"
check_eq "header: date from Date:" "$(show "$hid" date)" "2025-04-17T16:45:00Z"
# A JSON brief.
line=$(head -1 "$LEDE_ROOT/corpus/wire/briefs.jsonl")
jid=$(jq -r .id <<<"$line")
check_eq "jsonl: title" "$(show "$jid" title)" "$(jq -r .title <<<"$line")"
check_eq "jsonl: text" "$(show "$jid" body)" "$(jq -r .text <<<"$line")"
check_eq "jsonl: date" "$(show "$jid" date)" "$(jq -r .date <<<"$line")"

"$INDEXER" --index "$idx" "$LEDE_ROOT/corpus" >"$TMP/out2" 2>&1
check_eq "re-run: exit 0" "$?" 0
check_eq "re-run: nothing added" "$(summary added "$TMP/out2")" 0
check_eq "re-run: nothing replaced" "$(summary replaced "$TMP/out2")" 0
check_eq "re-run: all unchanged" "$(summary unchanged "$TMP/out2")" "$want"

need_shared
bbc="$SHARED/corpus/bbc"
"$INDEXER" --index "$TMP/bbc.idx" "$bbc" >"$TMP/bbc.out" 2>"$TMP/bbc.err"
check_eq "bbc: exit 0 (the Latin-1 file is repaired, not skipped)" "$?" 0
check_eq "bbc: 2225 added" "$(summary added "$TMP/bbc.out")" 2225
check_eq "bbc: 2225 in the index" "$(articles_in "$TMP/bbc.idx")" 2225
check_eq "bbc: one file repaired" "$(summary repaired "$TMP/bbc.out")" 1
check_grep "bbc: repair is reported with the file name" "bbc/sport/199.txt: invalid UTF-8 repaired.*Windows-1252" "$TMP/bbc.err"

# Stored text round-trips byte for byte for a sample of articles.
bad=0
n=0
for f in $(cd "$bbc" && find . -name '*.txt' | sed 's|^\./||' | sort | awk 'NR % 97 == 1'); do
    n=$((n + 1))
    src="$bbc/$f"
    [ "$f" = sport/199.txt ] && { iconv -f cp1252 -t utf-8 "$src" >"$TMP/conv"; src="$TMP/conv"; }
    [ "$("$INDEXER" --index "$TMP/bbc.idx" --show "$f" --field title)" == "$(sed -n 1p "$src")" ] || bad=$((bad + 1))
    [ "$("$INDEXER" --index "$TMP/bbc.idx" --show "$f" --field standfirst)" == "$(sed -n 3p "$src")" ] || bad=$((bad + 1))
    [ "$("$INDEXER" --index "$TMP/bbc.idx" --show "$f" --field body)" == "$(tail -n +5 "$src")" ] || { bad=$((bad + 1)); echo "# differs: $f"; }
done
check_eq "bbc: $n sampled articles round-trip (title, standfirst, body)" "$bad" 0
iconv -f cp1252 -t utf-8 "$bbc/sport/199.txt" >"$TMP/conv"
check_eq "bbc: the Latin-1 article is stored as its UTF-8 decoding" \
    "$("$INDEXER" --index "$TMP/bbc.idx" --show sport/199.txt --field body)" "$(tail -n +5 "$TMP/conv")"

# Reuters, gzip-compressed JSON Lines, streamed.
reu="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
"$INDEXER" --index "$TMP/reu.idx" --batch 4000 "$reu" >"$TMP/reu.out" 2>"$TMP/reu.err"
check_eq "reuters: exit 1 (one empty article skipped)" "$?" 1
zcat "$reu" >"$TMP/reu.jsonl"
empty=$(jq -r 'select(((.title // "") + (.text // "") | test("\\S")) | not) | .id' "$TMP/reu.jsonl" | wc -l)
nonempty=$(( $(wc -l <"$TMP/reu.jsonl") - empty ))
check_eq "reuters: every non-empty article added" "$(summary added "$TMP/reu.out")" "$nonempty"
check_eq "reuters: index count" "$(articles_in "$TMP/reu.idx")" "$nonempty"
check_grep "reuters: the empty one is reported as file:line" "reuters21578.jsonl.gz:[0-9]+: empty article" "$TMP/reu.err"
bad=0
jq -c 'select(.id == "1" or .id == "2" or .id == "777" or .id == "10000" or .id == "21578")' "$TMP/reu.jsonl" >"$TMP/sample"
while read -r rec; do
    id=$(jq -r .id <<<"$rec")
    [ "$("$INDEXER" --index "$TMP/reu.idx" --show "$id" --field body)" == "$(jq -r '.text | gsub("^\\s+|\\s+$"; "")' <<<"$rec")" ] || { bad=$((bad + 1)); echo "# differs: $id"; }
done <"$TMP/sample"
check_eq "reuters: five sampled articles found" "$(wc -l <"$TMP/sample")" 5
check_eq "reuters: sampled bodies round-trip" "$bad" 0

# A full build on one shard and on two gives the same articles.
"$INDEXER" -q --threads 1 --index "$TMP/one.idx" "$bbc" "$LEDE_ROOT/corpus"
"$INDEXER" -q --threads 2 --index "$TMP/two.idx" "$bbc" "$LEDE_ROOT/corpus"
"$INDEXER" --index "$TMP/one.idx" --list | sort >"$TMP/one.ids"
"$INDEXER" --index "$TMP/two.idx" --list | sort >"$TMP/two.ids"
check "parallel build: same ids as a single-shard build" cmp -s "$TMP/one.ids" "$TMP/two.ids"
check_eq "parallel build: count" "$(wc -l <"$TMP/two.ids")" $((2225 + want))
check_eq "parallel build: merged into one database" "$("$INDEXER" --index "$TMP/two.idx" --info | awk '$1=="databases:"{print NF-1}')" 1

# On a terminal: a progress line (articles, articles/s, ETA); none when
# stderr is not a TTY (the runs above printed nothing on stderr).  BBC and
# Reuters; BBC alone under the sanitizers (LEDE_TEST_QUICK), where it
# still takes seconds, many times the line's quarter of a second.
tty_sources="'$bbc' '$reu'"
[ -n "${LEDE_TEST_QUICK:-}" ] && tty_sources="'$bbc'"
script -qec "'$INDEXER' -q --index '$TMP/tty.idx' $tty_sources" /dev/null >"$TMP/tty.out" 2>&1 || true
check "-q on a terminal: no progress line" bash -c "! grep -q 'articles/s' '$TMP/tty.out'"
script -qec "'$INDEXER' --index '$TMP/tty2.idx' $tty_sources" /dev/null >"$TMP/tty2.out" 2>&1 || true
check_grep "on a terminal: progress line with rate and ETA" "[0-9]+ articles +[0-9]+ articles/s +[0-9]+% +ETA [0-9]+:[0-9]{2}" "$TMP/tty2.out"
