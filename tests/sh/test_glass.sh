# test_glass.sh -- issue 20's glass writer (src/engine/glass/): databases
# written by Xapian's API, copied through the writer by glasscopy, must pass
# xapian-check and read back equal through Xapian's API (dbcompare: terms,
# postings, positions, documents, values, metadata, spelling, statistics);
# random collections at several block sizes, empty ones, the bundled corpus
# and, with ../shared, Reuters and BBC as lede indexes that lede then reads.
# Plus the writer's order checks and cleanup (glassorder).
# tests/run: long -- minutes of CPU in make test: started before the short tests.
. "$(dirname "$0")/lib.sh"

LEDE_BUILD="${LEDE_BUILD:-build}"
case "$LEDE_BUILD" in /*) TOOLS="$LEDE_BUILD/tests/tools" ;; *) TOOLS="$LEDE_ROOT/$LEDE_BUILD/tests/tools" ;; esac
for t in glassgen glasscopy dbcompare glassorder; do
    if [ ! -x "$TOOLS/$t" ]; then
        not_ok "glass: $TOOLS/$t is built (make tools)"
        exit 1
    fi
done

# copy_and_check NAME SOURCE [BLOCK_SIZE]: copies SOURCE to $TMP/NAME.glass.
copy_and_check() {
    local name="$1" src="$2" bs="${3:-8192}" dst="$TMP/$1.glass"
    if ! "$TOOLS/glasscopy" --block-size "$bs" "$src" "$dst" >"$TMP/$name.copy" 2>&1; then
        not_ok "$name: glasscopy ($(head -c 300 "$TMP/$name.copy"))"
        return
    fi
    ok "$name: glasscopy at block size $bs"
    xapian-check "$dst" >"$TMP/$name.check" 2>&1
    check_eq "$name: xapian-check exit status" "$?" 0
    check_grep "$name: xapian-check finds no errors" "^No errors found" "$TMP/$name.check"
    "$TOOLS/dbcompare" "$src" "$dst" >"$TMP/$name.cmp" 2>&1
    check_eq "$name: dbcompare exit status (0: equal; $(head -3 "$TMP/$name.cmp" | tr '\n' '|'))" "$?" 0
}

# same_searches NAME A B QUERY...: quest's results (ids, weights, counts)
# are identical and not empty.
same_searches() {
    local name="$1" a="$2" b="$3"; shift 3
    local q bad=0 hits=0
    for q in "$@"; do
        quest -s none -m 20 -d "$a" "$q" >"$TMP/qa" 2>&1
        quest -s none -m 20 -d "$b" "$q" >"$TMP/qb" 2>&1
        cmp -s "$TMP/qa" "$TMP/qb" || { bad=$((bad + 1)); echo "# $name: '$q' differs"; }
        grep -q '^Exactly 0 matches' "$TMP/qa" || hits=$((hits + 1))
    done
    check_eq "$name: $# searches give the same results" "$bad" 0
    check_eq "$name: every search matched something" "$hits" "$#"
}

# Random collections: seed, documents, block size.
for cfg in "1 400 8192" "2 0 8192" "3 0 8192" "4 1 2048" "5 2500 2048" "6 1200 65536" "7 700 4096"; do
    set -- $cfg
    "$TOOLS/glassgen" "$1" "$2" "$TMP/gen$1" 2>"$TMP/gen$1.err"
    check_eq "random $1: glassgen built $2 documents" "$?" 0
    copy_and_check "random$1" "$TMP/gen$1" "$3"
done
check_grep "random 5: the copy has a B-tree of three levels" "levels=2" "$TMP/random5.check"
check_grep "random 1: spelling suggestions were compared" "equal \([1-9][0-9]* spelling suggestions" "$TMP/random1.cmp"
xapian-delve "$TMP/random2.glass" >"$TMP/delve2" 2>&1
check_grep "random 2: the copy of an empty database opens, with no documents" "number of documents = 0" "$TMP/delve2"
same_searches "random 1" "$TMP/gen1" "$TMP/random1.glass" a 's OR z' 'th AND qu' '"a b"'

# The spelling table written on a thread of its own (end_spelling before
# the terms) is the same table.
if "$TOOLS/glasscopy" --end-spelling "$TMP/gen1" "$TMP/early1.glass" >"$TMP/early1.copy" 2>&1; then
    "$TOOLS/dbcompare" "$TMP/random1.glass" "$TMP/early1.glass" >"$TMP/early1.cmp" 2>&1
    check_eq "random 1: spelling ended early, the same database ($(head -3 "$TMP/early1.cmp" | tr '\n' '|'))" "$?" 0
    check_grep "random 1: its spelling suggestions were compared" "equal \([1-9][0-9]* spelling suggestions" "$TMP/early1.cmp"
    cmp -s "$TMP/random1.glass/spelling.glass" "$TMP/early1.glass/spelling.glass"
    check_eq "random 1: spelling ended early, the spelling table byte for byte" "$?" 0
else
    not_ok "random 1: glasscopy --end-spelling ($(head -c 300 "$TMP/early1.copy"))"
fi

# dbcompare itself finds differences: another collection, and the same one
# with a document more.
"$TOOLS/glassgen" 1 401 "$TMP/gen1b" 2>/dev/null
"$TOOLS/dbcompare" "$TMP/gen1" "$TMP/gen1b" >"$TMP/diff1" 2>&1
check_eq "dbcompare: one document more is a difference (exit 1)" "$?" 1
check_grep "dbcompare: names the document count" "^differ: doccount: 400 vs 401" "$TMP/diff1"
"$TOOLS/dbcompare" "$TMP/gen1" "$TMP/gen7" >"$TMP/diff2" 2>&1
check_eq "dbcompare: another collection differs (exit 1)" "$?" 1

# Xapian's own writer updates a copy as it updates the original (lede's
# incremental runs), and compacts it.
for n in 1 3 5; do
    "$TOOLS/glassgen" --update 9$n 300 "$TMP/gen$n" && "$TOOLS/glassgen" --update 9$n 300 "$TMP/random$n.glass"
    check_eq "random $n: updated by Xapian's WritableDatabase, original and copy" "$?" 0
    xapian-check "$TMP/random$n.glass" >"$TMP/upd$n.check" 2>&1
    check_grep "random $n: the updated copy passes xapian-check" "^No errors found" "$TMP/upd$n.check"
    "$TOOLS/dbcompare" "$TMP/gen$n" "$TMP/random$n.glass" >"$TMP/upd$n.cmp" 2>&1
    check_eq "random $n: updated original and updated copy are equal ($(head -3 "$TMP/upd$n.cmp" | tr '\n' '|'))" "$?" 0
done
xapian-compact "$TMP/random6.glass" "$TMP/compacted6" >/dev/null 2>&1
check_eq "random 6: xapian-compact compacts the copy" "$?" 0
check "random 6: the compacted copy equals the original" "$TOOLS/dbcompare" "$TMP/gen6" "$TMP/compacted6"

# Order checks, error texts, no files left by an unfinished writer.
mkdir "$TMP/order"
"$TOOLS/glassorder" "$TMP/order"
check_eq "glassorder: leaves no scratch database behind but the finished one" "$(ls "$TMP/order")" good

# lede's own indexes: the part database copied, then put in place of the
# original part so that lede itself reads it.
lede_copy() {
    local name="$1" idx="$2" part
    part=$(awk '$1 == "auto" { print $2 }' "$idx/XAPIANDB")
    copy_and_check "$name" "$idx/$part"
    cp -r "$idx" "$TMP/$name.swap"
    rm -rf "${TMP:?}/$name.swap/$part"
    cp -r "$TMP/$name.glass" "$TMP/$name.swap/$part"
    check "$name: lede-index --check passes on the copy" "$INDEXER" --index "$TMP/$name.swap" --check
    check_eq "$name: lede lists the same articles" \
        "$("$INDEXER" --index "$TMP/$name.swap" --list | sort | md5sum)" \
        "$("$INDEXER" --index "$idx" --list | sort | md5sum)"
}
"$INDEXER" -q --index "$TMP/corpus.idx" "$LEDE_ROOT/corpus" >/dev/null 2>&1
lede_copy corpus "$TMP/corpus.idx"
same_searches corpus "$TMP/corpus.idx" "$TMP/corpus.swap" drought 'central AND bank' '"central bank"' 'rain OR flood'

need_shared
need_full_run "Reuters and BBC"
"$INDEXER" -q --index "$TMP/bbc.idx" "$SHARED/corpus/bbc" >/dev/null 2>&1
lede_copy bbc "$TMP/bbc.idx"
same_searches bbc "$TMP/bbc.idx" "$TMP/bbc.swap" film 'election AND labour' 'film OR music' oscar
"$INDEXER" -q --index "$TMP/reu.idx" "$SHARED/corpus/reuters/reuters21578.jsonl.gz" >/dev/null 2>&1
lede_copy reuters "$TMP/reu.idx"
same_searches reuters "$TMP/reu.idx" "$TMP/reuters.swap" oil 'crude AND oil' '"crude oil"' 'wheat OR corn -sugar'
