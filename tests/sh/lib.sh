# lib.sh -- helpers for the shell tests: TAP-style assertions, a scratch
# directory removed on exit, and the paths of the binaries under test.
set -u
LEDE_ROOT="${LEDE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
LEDE_BIN="${LEDE_BIN:-bin}"
case "$LEDE_BIN" in /*) ;; *) LEDE_BIN="$LEDE_ROOT/$LEDE_BIN" ;; esac
INDEXER="$LEDE_BIN/lede-index"
SHARED="${LEDE_SHARED:-$LEDE_ROOT/../shared}"
TMP=$(mktemp -d /tmp/lede-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
    local desc="$1"; shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# check_eq DESCRIPTION GOT WANT
check_eq() {
    if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1 (got '$2', want '$3')"; fi
}

# check_ge DESCRIPTION GOT MIN
check_ge() {
    if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1 (got '$2', want >= '$3')"; fi
}

# check_grep DESCRIPTION PATTERN FILE
check_grep() {
    if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $(basename "$3"): $(head -c 300 "$3" | tr '\n' '|'))"; fi
}

# Value of a "  key:  N" line in an indexer summary.
summary() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }

articles_in() { "$INDEXER" --index "$1" --info | awk '$1 == "articles:" { print $2 }'; }

# Ends a test that needs the shared collections with a skip line when
# they are absent (a fresh clone has no ../shared; CI has it).
# need_full_run WHAT: the rest of this test (large collections through code
# the smaller cases above already ran) is left out of the sanitizer run,
# which sets LEDE_TEST_QUICK (make test-asan), with a SKIP line saying so.
need_full_run() {
    if [ -n "${LEDE_TEST_QUICK:-}" ]; then
        echo "ok - # SKIP $(basename "$0" .sh): $1 left out of the sanitizer run (LEDE_TEST_QUICK); make test runs it"
        exit 0
    fi
}

need_shared() {
    if [ ! -d "$SHARED/corpus" ]; then
        echo "ok - # SKIP $(basename "$0" .sh): needs the shared collections in $SHARED/corpus (or LEDE_SHARED); CI provides them"
        exit 0
    fi
}
