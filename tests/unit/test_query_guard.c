/* test_query_guard.c -- the queries tests/fuzz/fuzz_query found Xapian
 * 1.4's QueryParser leaking on (an excluded word beside NEAR or ADJ, with
 * any separator Xapian's lexer takes; src/engine/query_guard.cc refuses
 * NEAR/ADJ and -word in one query, src/qsyntax.c the plain cases) are
 * syntax errors for engine_search, and NEAR with NOT still runs; with NEAR
 * or ADJ a word Xapian's lexer could read otherwise than qsyntax (not a
 * plain word) is refused.  Under make test-asan
 * LeakSanitizer fails this program if any still reaches the parser. */
#define _GNU_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <unistd.h>

static int make_index(const char *dir, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    if (rc == LEDE_OK)
        rc = unit_put(w, "g1", "Harbour master retires",
                      "The harbour master Elena Marsh retires after thirty years at sea.", err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

static int search(engine_reader *r, const char *q, int any, char *err) {
    search_opts o = {.query = q, .limit = 5, .any = any};
    search_results res;
    int rc = engine_search(r, &o, &res, err);
    search_results_free(&res);
    return rc;
}

int main(void) {
    char dir[] = "/tmp/lede-unit-guard.XXXXXX", err[LEDE_ERRLEN];
    CHECK(mkdtemp(dir) != NULL, "scratch directory");
    char path[64];
    snprintf(path, sizeof path, "%s/db", dir);
    CHECK(make_index(path, err) == LEDE_OK, "a one-article index (%s)", err);
    engine_reader *r;
    CHECK(engine_reader_open(path, &r, err) == LEDE_OK, "reader (%s)", err);
    static const char *const refused[] = {
        "-a NEAR b c", "-a ADJ b c", "(-a NEAR b c)", "-a -b NEAR c d", "-a,ADJ,b c",
        "-a;ADJ;b c", "-a\x01" "ADJ\x01" "b c", "-a\xC2\x9E" "ADJ\xC2\x9E" "b c",
        "-a\xC2\xA0" "ADJ\xC2\xA0" "b c", "-a\xE2\x80\x83" "ADJ b c", "-a+ADJ b c",
        "-\xFF\x9E" "ADJ\x9E\xFF:f", "harbour NEAR -master sea", "harbour NEAR master -sea", NULL};
    /* a '-' before a separator: once the separator is a space Xapian
     * ignores the '-', and the query runs (without leaking) */
    static const char *const defused[] = {"-~ a NEAR b c", "-~\xA4nkrest NEAR%/2 ra fanjaleq", NULL};
    /* no excluded word: an operator with nothing on one side once the
     * separators Xapian sees (C1 controls, U+00BB) are spaces */
    static const char *const malformed[] = {"int\x96\x8dXOR\xbb NEAR/2 rat\t03007-03-0",
                                            "a\xC2\xBBOR\xC2\xBB NEAR b", "a,AND,NEAR,b",
                                            "int\x96&XOR\xbb NEAR/2 ratis06014-03-0",
                                            "OR+AR4/r at+s0int\x9e" "ADJ\x9e\x9e" "3 r",
                                            "OR-7\xce~ r r* NEAR%/2 ra",
                                            "intqu\x96&XOR: NEAR/5 rat", NULL};
    for (int i = 0; refused[i]; i++) {
        CHECK(search(r, refused[i], 0, err) == LEDE_ESYNTAX && strstr(err, "exclude"),
              "refused: query %d (%s)", i, err);
        CHECK(search(r, refused[i], 1, err) == LEDE_ESYNTAX, "refused with mode=any: query %d", i);
    }
    for (int i = 0; defused[i]; i++)
        CHECK(search(r, defused[i], 0, err) == LEDE_OK, "defused: query %d (%s)", i, err);
    for (int i = 0; malformed[i]; i++)
        CHECK(search(r, malformed[i], i & 1, err) == LEDE_ESYNTAX && strstr(err, "nothing on its"),
              "refused as qsyntax sees it once separators are spaces: query %d (%s)", i, err);
    CHECK(search(r, "harbour,master;sea", 0, err) == LEDE_OK, "plain separators still separate");
    CHECK(search(r, "harbour-master OR sea-going", 0, err) == LEDE_OK, "hyphenated words still parse");
    CHECK(search(r, "\"harbour master\" OR o'neill OR c++ OR at&t", 0, err) == LEDE_OK,
          "phrases, apostrophes and signs inside words still parse");
    CHECK(search(r, "title:harbour date:2000-01-01.. harb* -sea", 0, err) == LEDE_OK,
          "fields, open date ranges, wildcards and exclusions still parse (%s)", err);
    CHECK(search(r, "-a-ADJ b c", 1, err) == LEDE_ESYNTAX, "mode=any splits a-ADJ: refused too");
    CHECK(search(r, "harbour NEAR master NOT sea", 0, err) == LEDE_OK, "NEAR with NOT runs");
    /* the eleventh finding (make fuzz, 2026-12-05): NOT right before a
     * NEAR/N or ADJ/N leaked the distance's Term in Xapian's parser */
    static const char *const not_near[] = {"harbour NOT NEAR/2 master", "harbour NOT ADJ/3 master",
                                           "harbour NOT NEAR master", NULL};
    for (int i = 0; not_near[i]; i++)
        CHECK(search(r, not_near[i], i & 1, err) == LEDE_ESYNTAX && strstr(err, "NOT cannot stand"),
              "NOT right before NEAR or ADJ is refused: query %d (%s)", i, err);
    CHECK(search(r, "harbour master -sea", 0, err) == LEDE_OK, "an excluded word without NEAR runs");
    CHECK(search(r, "harbour-master NEAR sea", 0, err) == LEDE_OK, "a hyphen inside a word is no exclusion");
    CHECK(search(r, "\"-a NEAR b c\"", 0, err) == LEDE_OK, "inside a phrase NEAR is a word: runs");
    CHECK(search(r, "harbour,NEAR,master", 0, err) == LEDE_OK, "NEAR between plain words runs");
    /* With NEAR or ADJ, only words Xapian's lexer and qsyntax read alike
     * (the ninth finding: ".OR" after a control character, the operator
     * OR to Xapian, a word to qsyntax) */
    static const char *const unplain[] = {
        "q*\xD9\xD9intqu\x96&X=R: NEAR\xD9\xF9\xD9" "ANL r* AND r*Dintqu\x96&\x11.OR: NEAR/2 rat r*",
        "harbour .OR NEAR/2 master", "harbour NEAR/2 master c++", "a.. NEAR b", "harbour NEAR title:master:",
        "harbour NEAR master c#",
        NULL};
    for (int i = 0; unplain[i]; i++)
        CHECK(search(r, unplain[i], i & 1, err) == LEDE_ESYNTAX && strstr(err, "plain words"),
              "with NEAR, a word that is not plain is refused: query %d (%s)", i, err);
    CHECK(search(r, "harbour NEAR master words:1..500", 0, err) == LEDE_OK,
          "a metadata field's range is one token beside NEAR: runs (%s)", err);
    CHECK(search(r, "harbour NEAR zz:master", 0, err) == LEDE_ESYNTAX && strstr(err, "unknown field 'zz'"),
          "an unknown field beside NEAR: named (%s)", err);
    CHECK(search(r, "harbour NEAR/3 master +OR", 0, err) == LEDE_OK,
          "an operator word after + is a word (lower-cased): runs (%s)", err);
    CHECK(search(r, "harbour NEAR/3 master sea AND/NEAR/2", 0, err) == LEDE_OK,
          "operator words inside a word are words (lower-cased): runs (%s)", err);
    CHECK(search(r, "harbour NEAR/3 master title:harbour harbour-master o'neill at&t date:2000..2030", 0, err) ==
              LEDE_OK, "fields, hyphens, apostrophes, & and a date range still go with NEAR (%s)", err);
    CHECK(search(r, "harbour .OR master", 0, err) == LEDE_OK, "without NEAR or ADJ such words run as before");
    CHECK(search(r, "harbour NEAR master + -", 0, err) == LEDE_OK, "signs alone are nothing to Xapian: runs (%s)", err);
    engine_reader_close(r);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "scratch removed");
    return unit_exit();
}
