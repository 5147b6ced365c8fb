# test_options.sh -- lede-index's and leded's command lines through the
# real binaries (src/options.c): options after the SOURCEs, '--' before a
# source whose name begins with '-', strict numbers named in the error,
# and --help listing every option.  The client's are in test_client.py.
. "$(dirname "$0")/lib.sh"
LEDED="$LEDE_BIN/leded"

src="$TMP/src"
mkdir -p "$src"
printf 'First headline\nFirst standfirst.\n\nFirst body.\n' >"$src/one.txt"
printf 'Dash headline\nDash standfirst.\n\nDash body.\n' >"$TMP/-dash.txt"

# Options after the SOURCE, and a short cluster.
"$INDEXER" "$src" --index "$TMP/a.idx" -qv >"$TMP/out" 2>&1
check_eq "options after the source: exit 0" "$?" 0
check_eq "options after the source: --quiet applied (no summary)" "$(grep -c 'indexed in' "$TMP/out")" 0
check_eq "options after the source: the source went in" "$(articles_in "$TMP/a.idx")" 1
check_eq "--info before --index" "$("$INDEXER" --info --index "$TMP/a.idx" | awk '$1 == "articles:" { print $2 }')" 1
check_eq "--field before --show" "$("$INDEXER" --field title --index "$TMP/a.idx" --show one.txt)" "First headline"

# '--': a source that begins with '-' (from its own directory, so the word is '-dash.txt').
(cd "$TMP" && "$INDEXER" -q --index b.idx -- -dash.txt)
check_eq "after '--', '-dash.txt' is a source" "$?" 0
check_eq "after '--': the file went in" "$("$INDEXER" --index "$TMP/b.idx" --list)" "-dash.txt"
(cd "$TMP" && "$INDEXER" -q --index c.idx -dash.txt) 2>"$TMP/e0"
check_eq "without '--', '-dash.txt' is options: exit 2" "$?" 2
check_grep "without '--': names the letter" "unknown option '-d' \(in '-dash.txt'\)" "$TMP/e0"

# Strict numbers: exit 2, one line naming the option and the value, no index made.
bad_indexer() { # DESCRIPTION PATTERN ARGS...
    local desc="$1" pattern="$2"; shift 2
    "$INDEXER" --index "$TMP/never.idx" "$@" "$src" >/dev/null 2>"$TMP/err"
    check_eq "lede-index $desc: exit 2" "$?" 2
    check_grep "lede-index $desc: says so" "$pattern" "$TMP/err"
}
bad_indexer "--threads 4x" "--threads: '4x' is not a whole number" --threads 4x
bad_indexer "-j 0" "-j: '0' is out of range \(1 to 64\)" -j 0
bad_indexer "--batch -5" "--batch: '-5' is out of range" --batch -5
bad_indexer "--max-article-bytes 1T" "--max-article-bytes: '1T' is not a size" --max-article-bytes 1T
bad_indexer "--commit-interval 0" "--commit-interval: '0' is out of range \(more than 0" --commit-interval 0
bad_indexer "--nope" "unknown option '--nope'" --nope
bad_indexer "--pair-words 64" "--pair-words: 0 \(the common words alone\) or at least 128" --pair-words 64
bad_indexer "--pair-words 512 --pair-min 1000" "--pair-words and --pair-min choose the pairs two ways" \
    --pair-words 512 --pair-min 1000
check "bad options: no index was made" test ! -e "$TMP/never.idx"
"$INDEXER" --index "$TMP/k.idx" -q --batch 1k --max-article-bytes 2K "$src"
check_eq "K suffixes accepted" "$?" 0

# leded: every error before it touches the index or a socket.
bad_daemon() { # DESCRIPTION PATTERN ARGS...
    local desc="$1" pattern="$2"; shift 2
    # timeout: a value taken by mistake would start a daemon that never ends
    timeout 30 "$LEDED" --index "$TMP/a.idx" --listen 127.0.0.1:0 "$@" >/dev/null 2>"$TMP/err"
    check_eq "leded $desc: exit 2" "$?" 2
    check_grep "leded $desc: says so" "$pattern" "$TMP/err"
}
bad_daemon "--workers abc" "--workers: 'abc' is not a whole number" --workers abc
bad_daemon "--max-limit 1x" "--max-limit: '1x' is not a whole number" --max-limit 1x
bad_daemon "--max-limit 100001" "--max-limit: '100001' is out of range \(1 to 100000\)" --max-limit 100001
bad_daemon "--max-connections -5" "--max-connections: '-5' is out of range" --max-connections -5
bad_daemon "--busy-poll-us 2e6" "--busy-poll-us: '2e6' is out of range \(0 to 1000000\)" --busy-poll-us 2e6
bad_daemon "--query-timeout nan" "--query-timeout: 'nan' is not a number" --query-timeout nan
bad_daemon "--log-level loud" "--log-level: 'loud' is not one of error, warn, info, debug" --log-level loud
bad_daemon "--split fast" "--split: 'fast' is not one of off, auto" --split fast
bad_daemon "--max-line" "--max-line needs a value" --max-line
bad_daemon "--max" "ambiguous option '--max' \(--max-line, " --max 5
bad_daemon "a word" "unexpected argument 'extra'" extra
"$LEDED" >/dev/null 2>"$TMP/err"
check_eq "leded without --index: exit 2" "$?" 2
check_grep "leded without --index: says so" "--index PATH is required" "$TMP/err"

# --help: exit 0, on stdout, every option of the table with its default.
"$INDEXER" --help >"$TMP/h1"
check_eq "lede-index --help: exit 0" "$?" 0
for o in index language no-stopwords max-article-bytes no-delete threads batch watch \
         commit-interval compact info check list show field quiet verbose help; do
    check_grep "lede-index --help lists --$o" "^ +(-[a-z], )?--$o( |$)" "$TMP/h1"
done
check_grep "lede-index --help shows a default" "articles per commit \[default: 5000\]" "$TMP/h1"
"$LEDED" --help >"$TMP/h2"
check_eq "leded --help: exit 0" "$?" 0
for o in index listen socket workers max-line max-connections idle-timeout max-output \
         max-pipeline max-queued query-timeout max-wildcard max-query-terms max-query-phrases \
         max-query-postings max-query-positions max-limit slow-query busy-poll-us \
         read-batch-us worker-spin-us split log-level ingest-token commit-interval max-article-bytes \
         max-backlog auth-failures auth-failures-total auth-window allow-readable-token help; do
    check_grep "leded --help lists --$o" "^ +(-[a-z], )?--$o( |$)" "$TMP/h2"
done
check_grep "leded --help shows a scaled default as typed" "\[default: 1000\]" "$TMP/h2"
check_grep "leded --help shows --split's choices" "^ +--split off\|auto( |$)" "$TMP/h2"
"$LEDED" --split auto --help >/dev/null 2>"$TMP/err"
check_eq "leded --split auto (then --help): the value accepted, exit 0" "$?" 0
