# test_index_bulk.sh -- issue 20's bulk path (lede-index --writer bulk):
# the same input built by the bulk inverter and by Xapian's API must give
# the same database, table by table through Xapian's API (dbcompare:
# terms, postings with wdf and positions, document lengths, termlists,
# values, data, metadata, spelling, statistics), and the bulk build must
# pass xapian-check and lede-index --check.  On a random collection
# (tests/tools/randcoll.py: odd Unicode, long and empty fields, one term
# with thousands of positions, single-posting terms, repeated ids, JSON
# Lines and text) at the default budget, at --memory 1M (many runs
# spilled), through the replay sink (the inverter without the glass
# writer) and with the near-duplicate signature's scalar MinHash loop;
# with ../shared also Reuters, BBC and the Reuters query mix.  The crash
# points, shards and pair and prefix options run on a second random
# collection of 1,000 articles.
# Crash safety: kill -9 at a run spill, before the merged database is
# finished and before it is listed leaves the previous (empty) index
# searchable and no debris after the next run.  A new sharded index
# (--shards N): its front and each shard the same as the API path's, and a
# kill before every shard is written leaves no index.
# tests/run: long -- minutes of CPU in make test: started before the short tests.
. "$(dirname "$0")/lib.sh"

LEDE_BUILD="${LEDE_BUILD:-build}"
case "$LEDE_BUILD" in /*) TOOLS="$LEDE_BUILD/tests/tools" ;; *) TOOLS="$LEDE_ROOT/$LEDE_BUILD/tests/tools" ;; esac
if [ ! -x "$TOOLS/dbcompare" ]; then
    not_ok "bulk: $TOOLS/dbcompare is built (make tools)"
    exit 1
fi

# same_db NAME A B: dbcompare finds no difference but the two metadata keys
# that tell when and after how many commits a database was written.  With
# --replaced: the bulk build's (B's) value bounds and doclength upper bound
# are exact, and A's (the API path's) the same or looser: Xapian never
# narrows a bound when it replaces a document, so an article replaced
# within the build (an id repeated with another text) leaves its old
# version's length and values in them (in a shard of 3 of the random
# collection, the doclength upper bound 33861 against 33653).  For the
# content fingerprint's slot whether it shows varies from run to run: a
# fingerprint hashes its file's path, in a $TMP of its own each run (once
# in CI, a shard of 3: the lower bound \x00\x08.. against \x00\x10..).
same_db() {
    "$TOOLS/dbcompare" --max 100 --replaced "$2" "$3" >"$TMP/$1.cmp" 2>&1
    local status=$?
    grep '^differ:' "$TMP/$1.cmp" |
        grep -v "metadata 'lede.commit_time'\|metadata 'lede.revision_base'" >"$TMP/$1.real"
    if [ "$status" -le 1 ] && [ ! -s "$TMP/$1.real" ] && [ "$(grep -vc '^looser:' "$TMP/$1.cmp")" -le 3 ]; then
        ok "$1: same database as the API path's"
    else
        not_ok "$1: differs from the API path's ($(head -c 400 "$TMP/$1.cmp" | tr '\n' '|'))"
    fi
}

# checked NAME INDEX: Xapian's check of its one database, and lede's.
checked() {
    local dbs
    dbs=$(ls -d "$2"/db.* 2>/dev/null)
    check_eq "$1: one database after the build" "$(echo "$dbs" | wc -l)" 1
    xapian-check "$dbs" >"$TMP/$1.xc" 2>&1
    check_grep "$1: xapian-check finds no errors" "^No errors found" "$TMP/$1.xc"
    check "$1: lede-index --check" "$INDEXER" --index "$2" --check
    check_eq "$1: no part or run files left" "$(ls -d "$2"/part.* "$2"/*.runs 2>/dev/null | wc -l)" 0
}

# build NAME WRITER [OPTIONS...] -- SOURCES...: exit 0, or 1 (articles skipped).
build() {
    local name="$1" writer="$2"; shift 2
    "$INDEXER" --index "$TMP/$name" --writer "$writer" "$@" >"$TMP/$name.log" 2>&1
    local status=$?
    if [ "$status" -le 1 ]; then ok "$name: built ($writer)"; else not_ok "$name: build failed: $(tail -c 300 "$TMP/$name.log")"; fi
}

# ---- a random collection --------------------------------------------------
# 2,500 articles; 1,000 under the sanitizers (LEDE_TEST_QUICK), about five
# times slower there: the same kinds of article, the same checks, the
# counts that need a size (ids repeated, runs spilled at --memory 1M)
# scaled to it.  Enough for the crash points below: article 777, spill 5.
rand_n=2500
[ -n "${LEDE_TEST_QUICK:-}" ] && rand_n=1000
coll="$TMP/random"
python3 "$LEDE_ROOT/tests/tools/randcoll.py" "$coll" "$rand_n" 20
# The crash points, the shards and the pair and prefix options build the
# same kinds of article many times over (32 builds): a collection of
# 1,000 of them (the sanitizer run's size, enough for article 777 and
# spill 5) keeps those checks and costs a third (the test was CI's
# longest: 1,580 s of make test's 2,582 at 2500).  Its API build gives
# the article count the crash points' next runs must reach.
small_n=1000
small="$TMP/small"
if [ "$rand_n" -eq "$small_n" ]; then
    small="$coll"
else
    python3 "$LEDE_ROOT/tests/tools/randcoll.py" "$small" "$small_n" 21
fi
build rand.api xapian -j 2 "$coll"
build rand.bulk bulk -j 2 "$coll"
build rand.tiny bulk -j 2 -v --memory 1M "$coll"
LEDE_BULK_SINK=replay build rand.replay bulk -j 2 "$coll"
build rand.one bulk -j 1 "$coll"
build rand.api1 xapian -j 1 "$coll"
for what in replaced unchanged added; do
    check_eq "random: as many $what (bulk)" "$(summary "$what" "$TMP/rand.bulk.log")" "$(summary "$what" "$TMP/rand.api.log")"
done
check_ge "random: some ids repeated with another text" "$(summary replaced "$TMP/rand.bulk.log")" $((rand_n / 125))
check_ge "random: some ids repeated unchanged" "$(summary unchanged "$TMP/rand.bulk.log")" $((rand_n / 250))
runs=$(grep -o 'merging [0-9]* runs' "$TMP/rand.tiny.log" | awk '{ s += $2 } END { print s + 0 }')
check_ge "random --memory 1M: many runs spilled and merged ($runs)" "$runs" $((rand_n / 125))
for name in rand.bulk rand.tiny rand.replay; do
    same_db "$name" "$TMP/rand.api" "$TMP/$name"
    checked "$name" "$TMP/$name"
done
same_db rand.one "$TMP/rand.api1" "$TMP/rand.one"
checked rand.one "$TMP/rand.one"
# The near-duplicate signature's minima one at a time (the loop a CPU
# without AVX2 runs, or any with LEDE_MINHASH_SCALAR) must be the wide
# way's (AVX2's four lanes on this machine and CI's, AVX-512's eight where
# there is one): the same index, signature and band terms included
# (minhash.cc; tests/unit/test_minhash.cc compares each way the CPU runs).
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    LEDE_MINHASH_SCALAR=1 build rand.scalar bulk -j 1 "$coll"
    same_db rand.scalar "$TMP/rand.one" "$TMP/rand.scalar"
else
    echo "ok - # SKIP scalar MinHash against the wide one: this CPU has no AVX2, so both builds would run the scalar loop"
fi

# ---- bounds of replaced articles ---------------------------------------------
# Why same_db takes --replaced: 20 ids each written 5 times with another
# text and an earlier date.  The API build's date, day and fingerprint
# bounds keep the replaced versions' (Xapian never narrows a bound), the
# bulk build's are exact; dbcompare shows the API's as looser, and would
# refuse the other way round (a bound narrower than the exact one's).
python3 - "$TMP/replaced.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for v in range(5):
        for i in range(20):
            f.write(json.dumps({"id": "r%02d" % i, "title": "t %d" % i, "text": "version %d of article %d" % (v, i),
                                "date": "2011-0%d-1%d" % (5 - v, i % 10)}) + "\n")
PY
build repl.api xapian -j 1 "$TMP/replaced.jsonl"
build repl.bulk bulk -j 1 "$TMP/replaced.jsonl"
same_db repl "$TMP/repl.api" "$TMP/repl.bulk"
check_grep "replaced: the API build's date bound is looser" '^looser: value slot 0 upper bound' "$TMP/repl.cmp"
"$TOOLS/dbcompare" --replaced "$TMP/repl.bulk" "$TMP/repl.api" >"$TMP/repl.swap" 2>&1
check_eq "replaced: dbcompare --replaced refuses the exact bound as the looser one's" "$?" 1

# ---- options and errors ------------------------------------------------------
"$INDEXER" --index "$TMP/bad" --writer fast "$coll" >"$TMP/bad.log" 2>&1
check_eq "--writer fast: refused" "$?" 2
check_grep "--writer fast: says what it takes" "neither 'bulk' nor 'xapian'" "$TMP/bad.log"
check "--writer fast: no index made" test ! -e "$TMP/bad"
"$INDEXER" --index "$TMP/bad" --memory 10K "$coll" >"$TMP/bad.log" 2>&1
check_eq "--memory 10K: refused" "$?" 2

# An incremental run keeps Xapian's API: adding to a bulk-built index.
before=$(articles_in "$TMP/rand.bulk")
"$INDEXER" -q --index "$TMP/rand.bulk" --writer bulk "$LEDE_ROOT/corpus" >/dev/null 2>&1
check "incremental run on a bulk build: --check" "$INDEXER" --index "$TMP/rand.bulk" --check
check_ge "incremental run on a bulk build: articles added" "$(articles_in "$TMP/rand.bulk")" $((before + 1))

# ---- crashes -------------------------------------------------------------------
# Until the stub's second switch lists the database the parts were merged
# into, readers see the empty index; from then on, every article.
if [ "$small" = "$coll" ]; then
    small_api="$TMP/rand.api"
else
    build small.api xapian -j 2 "$small"
    small_api="$TMP/small.api"
fi
all=$(articles_in "$small_api")
check_ge "small collection: articles indexed ($all)" "$all" $((small_n * 9 / 10))
for spec in after-article:777=0 bulk-after-spill:5=0 bulk-before-finish:1=0 after-merge:1=0 \
            before-switch:2=0 after-switch:2=$all; do
    point=${spec%=*} seen=${spec#*=}
    idx="$TMP/crash.$point"
    LEDE_CRASH_AT=$point "$INDEXER" -q --index "$idx" --writer bulk -j 2 --memory 1M "$small" >/dev/null 2>&1
    check_eq "crash at $point: killed" "$?" 137
    check "crash at $point: the index passes the check" "$INDEXER" --index "$idx" --check
    check_eq "crash at $point: readers see the previous (empty) index or the whole new one" "$(articles_in "$idx")" "$seen"
    "$INDEXER" -q --index "$idx" --writer bulk -j 2 --memory 1M "$small" >/dev/null 2>&1
    check_eq "crash at $point: the next run builds it all" "$(articles_in "$idx")" "$all"
    check_eq "crash at $point: no debris after the next run" \
        "$(ls "$idx" | grep -v '^db\.[0-9]*$\|^XAPIANDB$\|^lede.lock$' | wc -l)" 0
done

# ---- a sharded index -----------------------------------------------------------
# A new sharded index's full build writes each shard by the bulk writer,
# its own merge: the front and every shard the same database as the API
# path's (shard by shard), at the default budget and at --memory 1M
# (shared by the shards: many runs spilled).
# same_shards NAME N A B: same_db over the front and each of the N shards.
same_shards() {
    same_db "$1.front" "$3/front" "$4/front"
    for k in $(seq 0 $(($2 - 1))); do same_db "$1.shard.$k" "$3/shard.$k" "$4/shard.$k"; done
}
# checked_shards NAME INDEX N: xapian-check of every database, lede's check,
# no part or run files left anywhere.
checked_shards() {
    local db bad=0
    for db in "$2"/front/db.* "$2"/shard.*/db.*; do
        xapian-check "$db" >"$TMP/$1.xc" 2>&1 && grep -q '^No errors found' "$TMP/$1.xc" || bad=$((bad + 1))
    done
    check_eq "$1: xapian-check passes the front and $3 shards, one database each" \
        "$(ls -d "$2"/front/db.* "$2"/shard.*/db.* | wc -l) $bad" "$(($3 + 1)) 0"
    check "$1: lede-index --check" "$INDEXER" --index "$2" --check
    check_eq "$1: no part or run files left" "$(ls -d "$2"/*/part.* "$2"/*/*.runs 2>/dev/null | wc -l)" 0
}
build rand.s2api xapian --shards 2 "$small"
build rand.s2bulk bulk --shards 2 "$small"
build rand.s3api xapian --shards 3 "$small"
build rand.s3tiny bulk -v --shards 3 --memory 1M "$small"
same_shards rand.s2bulk 2 "$TMP/rand.s2api" "$TMP/rand.s2bulk"
checked_shards rand.s2bulk "$TMP/rand.s2bulk" 2
same_shards rand.s3tiny 3 "$TMP/rand.s3api" "$TMP/rand.s3tiny"
checked_shards rand.s3tiny "$TMP/rand.s3tiny" 3
runs=$(grep -o 'merging [0-9]* runs' "$TMP/rand.s3tiny.log" | awk '{ s += $2 } END { print s + 0 }')
check_ge "random, 3 shards, --memory 1M: many runs spilled and merged ($runs)" "$runs" $((small_n / 125))
check_eq "random, 2 shards: as many articles (bulk)" "$(articles_in "$TMP/rand.s2bulk")" "$all"

# Crashes: the index is listed only once every shard is written (switch 6
# with 2 shards: the front's, each shard's at creation and after its
# merge, then the top stub's); until then a kill leaves no index, and the
# next run builds it all, leaving no debris.
for spec in after-article:777=none bulk-after-spill:5=none after-merge:1=none \
            before-switch:6=none after-switch:6=$all; do
    point=${spec%=*} seen=${spec#*=}
    idx="$TMP/crash.s.$point"
    LEDE_CRASH_AT=$point "$INDEXER" -q --index "$idx" --writer bulk --shards 2 --memory 1M "$small" >/dev/null 2>&1
    check_eq "sharded, crash at $point: killed" "$?" 137
    if [ "$seen" = none ]; then
        check "sharded, crash at $point: no index listed yet" test ! -s "$idx/XAPIANDB"
    else
        check "sharded, crash at $point: the index passes the check" "$INDEXER" --index "$idx" --check
        check_eq "sharded, crash at $point: readers see the whole index" "$(articles_in "$idx")" "$seen"
    fi
    "$INDEXER" -q --index "$idx" --writer bulk --shards 2 --memory 1M "$small" >/dev/null 2>&1
    check_eq "sharded, crash at $point: the next run builds it all" "$(articles_in "$idx")" "$all"
    check_eq "sharded, crash at $point: no debris after the next run" \
        "$(ls "$idx" "$idx"/front "$idx"/shard.* | grep -v '^db\.[0-9]*$\|^XAPIANDB$\|^lede.lock$\|^front$\|^shard\.[01]$\|:$\|^$' | wc -l)" 0
done

# ---- pairs chosen by shares (--pair-min) ---------------------------------------
# Issue 22: "lede.pair_words" by shares; the bulk and API writers make the
# same pair terms from it, unsharded and in every shard (the choice made
# once from the sample, stored in the front and each shard alike).
build rand.pm.api xapian -j 2 --pair-min 1000 "$small"
build rand.pm.bulk bulk -j 2 --pair-min 1000 "$small"
"$INDEXER" --index "$TMP/rand.pm.bulk" --info >"$TMP/rand.pm.info" 2>&1
check_grep "--pair-min 1000: pair words by shares" "^pair words: [1-9][0-9]* \(by shares, min=1000 ppm\)" \
    "$TMP/rand.pm.info"
same_db rand.pm "$TMP/rand.pm.api" "$TMP/rand.pm.bulk"
pm_pairs=$(xapian-delve -1 -A XP "$TMP/rand.pm.bulk"/db.* 2>/dev/null | grep -c '^XP')
plain_pairs=$(xapian-delve -1 -A XP "$small_api"/db.* 2>/dev/null | grep -c '^XP')
check_ge "--pair-min 1000: more pair terms than the common words' alone ($pm_pairs, $plain_pairs)" \
    "$pm_pairs" $((plain_pairs + 1))
build rand.pm2api xapian --shards 2 --pair-min 1000 "$small"
build rand.pm2bulk bulk --shards 2 --pair-min 1000 "$small"
same_shards rand.pm2bulk 2 "$TMP/rand.pm2api" "$TMP/rand.pm2bulk"
for part in front shard.0 shard.1; do
    "$INDEXER" --index "$TMP/rand.pm2bulk/$part" --info 2>&1 | grep '^pair words'
done >"$TMP/rand.pm2.pairs"
check_eq "--pair-min 1000, 2 shards: the front and each shard have the same pair words by shares" \
    "$(grep -c 'by shares, min=1000' "$TMP/rand.pm2.pairs") $(sort -u "$TMP/rand.pm2.pairs" | wc -l)" "3 1"

# ---- prefix terms (--prefix-min) ---------------------------------------------
# Issue 22: "lede.prefixes"; the bulk and API writers make the same prefix
# terms (XW..., each the sum of its words' wdfs: tests/unit/test_tokenise.cc)
# from it, unsharded and in every shard.
build rand.pf.api xapian -j 2 --prefix-min 1000 "$small"
build rand.pf.bulk bulk -j 2 --prefix-min 1000 "$small"
"$INDEXER" --index "$TMP/rand.pf.bulk" --info >"$TMP/rand.pf.info" 2>&1
check_grep "--prefix-min 1000: prefix words" "^prefix words: [1-9]" "$TMP/rand.pf.info"
same_db rand.pf "$TMP/rand.pf.api" "$TMP/rand.pf.bulk"
checked rand.pf "$TMP/rand.pf.bulk"
pf_terms=$(xapian-delve -1 -A XW "$TMP/rand.pf.bulk"/db.* 2>/dev/null | grep -c '^XW')
check_ge "--prefix-min 1000: prefix terms written ($pf_terms)" "$pf_terms" 1
pf_tiers=$(xapian-delve -1 -A XTXW "$TMP/rand.pf.bulk"/db.* 2>/dev/null | grep -c '^XTXW')
check_ge "--prefix-min 1000: prefix tier terms written ($pf_tiers)" "$pf_tiers" 1
check_eq "no --prefix-min: no prefix terms" \
    "$(xapian-delve -1 -A XW "$TMP/rand.bulk"/db.* 2>/dev/null | grep -c '^XW')" 0
build rand.pf2api xapian --shards 2 --prefix-min 1000 "$small"
build rand.pf2bulk bulk --shards 2 --prefix-min 1000 "$small"
same_shards rand.pf2bulk 2 "$TMP/rand.pf2api" "$TMP/rand.pf2bulk"

# ---- the shared collections -----------------------------------------------------
need_shared
need_full_run "Reuters and BBC"
reuters="$SHARED/corpus/reuters/reuters21578.jsonl.gz"
build reuters.api xapian -j 2 "$reuters"
build reuters.bulk bulk -j 2 "$reuters"
same_db reuters "$TMP/reuters.api" "$TMP/reuters.bulk"
checked reuters "$TMP/reuters.bulk"
build reuters.pf.api xapian -j 2 --prefix-min 20000 "$reuters"
build reuters.pf.bulk bulk -j 2 --prefix-min 20000 "$reuters"
same_db reuters.pf "$TMP/reuters.pf.api" "$TMP/reuters.pf.bulk"
checked reuters.pf "$TMP/reuters.pf.bulk"
build bbc.api xapian -j 2 "$SHARED/corpus/bbc"
build bbc.bulk bulk -j 2 "$SHARED/corpus/bbc"
same_db bbc "$TMP/bbc.api" "$TMP/bbc.bulk"
checked bbc "$TMP/bbc.bulk"

# The query mix through leded on both builds: ids, scores, exact counts,
# snippets, suggestions, byte for byte (bench/replies.py).
python3 "$LEDE_ROOT/bench/make_queries.py" "$reuters" 1200 42 >"$TMP/queries"
check_eq "reuters: 1,200 queries" "$(wc -l <"$TMP/queries")" 1200
for side in api bulk; do
    python3 "$LEDE_ROOT/bench/replies.py" "$LEDE_BIN" "$TMP/reuters.$side" "$TMP/queries" "$TMP/replies.$side" >/dev/null 2>&1
done
check_ge "reuters: replies written" "$(wc -l <"$TMP/replies.bulk")" 1200
check "reuters: the query mix answers the same on both builds" cmp -s "$TMP/replies.api" "$TMP/replies.bulk"
