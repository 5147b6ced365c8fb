# test_index_incremental.sh -- re-runs add what is new, replace what
# changed, delete what disappeared (unless --no-delete) and leave the rest.
. "$(dirname "$0")/lib.sh"

src="$TMP/src"
cp -r "$LEDE_ROOT/corpus" "$src"
idx="$TMP/inc.idx"
run() { "$INDEXER" --index "$idx" "$@" >"$TMP/out" 2>"$TMP/err"; }
n0=$(( $(find "$src" -name '*.txt' | wc -l) + $(grep -c . "$src/wire/briefs.jsonl") ))
run "$src"
check_eq "first run adds everything" "$(summary added "$TMP/out")" "$n0"

# Add one file.
printf 'Harbour ferry resumes\nThe ferry sails again.\n\nAfter a week of storms the ferry sailed.\n' >"$src/world/ferry.txt"
run "$src"
check_eq "add: one added" "$(summary added "$TMP/out")" 1
check_eq "add: the rest unchanged" "$(summary unchanged "$TMP/out")" "$n0"
check_eq "add: count" "$(articles_in "$idx")" $((n0 + 1))

# Change a file's content.
f="$src/science/comet-visible-spring.txt"
printf '\nA late paragraph about the comet tail.\n' >>"$f"
run "$src"
check_eq "change: one replaced" "$(summary replaced "$TMP/out")" 1
check_eq "change: none added" "$(summary added "$TMP/out")" 0
check_grep "change: stored text updated" "comet tail" <("$INDEXER" --index "$idx" --show "$(sed -n 's/^Id: //p' "$f" | grep . || echo science/comet-visible-spring.txt)" --field body)

# Touch without changing: the content hash says unchanged.
touch -d '2030-01-01' "$src/tech/quillon-chip-factory.txt"
run "$src"
check_eq "touch: nothing replaced" "$(summary replaced "$TMP/out")" 0
check_eq "touch: nothing added" "$(summary added "$TMP/out")" 0
run "$src"
check_eq "touch: record refreshed, next run skips it unread" "$(summary unchanged "$TMP/out")" $((n0 + 1))

# Delete a file: its article goes.
rm "$src/culture/opera-funding-freeze.txt"
run --no-delete "$src"
check_eq "--no-delete: nothing deleted" "$(summary deleted "$TMP/out")" 0
check_eq "--no-delete: article kept" "$(articles_in "$idx")" $((n0 + 1))
run "$src"
check_eq "delete: one deleted" "$(summary deleted "$TMP/out")" 1
check_eq "delete: count" "$(articles_in "$idx")" "$n0"
"$INDEXER" --index "$idx" --show culture/opera-funding-freeze.txt >/dev/null 2>&1
check_eq "delete: article gone" "$?" 1
# A whole subdirectory.
rm -r "$src/sport"
run "$src"
check_eq "delete dir: its articles deleted" "$(summary deleted "$TMP/out")" 6
# Indexing only a subdirectory must not delete the others' articles.
run "$src/world"
check_eq "a narrower source deletes nothing outside it" "$(summary deleted "$TMP/out")" 0

# JSON Lines: drop one line, change one, add one.
j="$src/wire/briefs.jsonl"
sed -n '2,$p' "$j" | sed '1s/"title": *"[^"]*"/"title": "Rewritten title"/' >"$TMP/j"
echo '{"id":"wire-new","title":"Brand new brief","text":"Fresh wire text."}' >>"$TMP/j"
mv "$TMP/j" "$j"
count_before=$(articles_in "$idx")
run "$src"
check_eq "jsonl: one added" "$(summary added "$TMP/out")" 1
check_eq "jsonl: one replaced" "$(summary replaced "$TMP/out")" 1
check_eq "jsonl: one deleted (left the file)" "$(summary deleted "$TMP/out")" 1
check_eq "jsonl: count" "$(articles_in "$idx")" "$count_before"
rid=$(sed -n 1p "$j" | jq -r .id)
check_eq "jsonl: replaced text stored" "$("$INDEXER" --index "$idx" --show "$rid" --field title)" "Rewritten title"

# No-op: the whole collection unchanged, nothing written.
rev1=$(md5sum "$idx"/db.*/iamglass)  # the revision is in it
run "$src"
check_eq "no-op: exit 0" "$?" 0
check_eq "no-op: nothing added/replaced/deleted" \
    "$(summary added "$TMP/out")/$(summary replaced "$TMP/out")/$(summary deleted "$TMP/out")" 0/0/0
check_eq "no-op: database untouched" "$(md5sum "$idx"/db.*/iamglass)" "$rev1"

# Compaction in place keeps every article and one database.
before=$(articles_in "$idx")
"$INDEXER" --index "$idx" --compact >"$TMP/out" 2>&1
check_eq "compact: exit 0" "$?" 0
check_eq "compact: same count" "$(articles_in "$idx")" "$before"
check "compact: consistent" "$INDEXER" --index "$idx" --check
check_eq "compact: old database removed" "$(ls -d "$idx"/db.* | wc -l)" 1
run "$src"
check_eq "compact: incremental still works after" "$(summary added "$TMP/out")/$(summary deleted "$TMP/out")" 0/0
