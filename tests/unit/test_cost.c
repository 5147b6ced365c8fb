/* test_cost.c -- a query's cost estimate and its limits, and where a
 * search stops (engine.h): terms, phrases, postings and phrase positions
 * counted from the index's term frequencies (engine_query_cost); a query
 * over a limit refused with LEDE_ELIMIT and a message naming the limit and
 * its value (one far over it before it is parsed), one at the limit run; a search past its deadline stopped
 * with LEDE_ETIMEOUT, one nobody wants any more with LEDE_ECANCELLED. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <unistd.h>

/* body words: red in 3 articles, fox in 2, hen in 1 */
static const char *const BODIES[] = {"red fox runs", "red fox sleeps", "red hen runs"};

static int put(engine_writer *w, int i, char *err) {
    char id[16];
    snprintf(id, sizeof id, "c%d", i);
    return unit_put(w, id, "notice", BODIES[i], err);
}

static int make_index(const char *dir, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = engine_writer_meta_set(w, "lede.language", "none", 4, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "none", NULL, 1, err); /* spelling: SUGGEST */
    for (int i = 0; i < 3 && rc == LEDE_OK; i++) rc = put(w, i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

static search_cost cost_of(engine_reader *r, const char *query) {
    char err[LEDE_ERRLEN];
    search_opts o = {.query = query};
    search_cost c;
    if (engine_query_cost(r, &o, &c, err) != LEDE_OK) {
        printf("# %s: %s\n", query, err);
        memset(&c, 0xff, sizeof c);
    }
    return c;
}

/* engine_search's code for query under max (NULL: none); its message in err. */
static int search_code(engine_reader *r, const char *query, const search_cost *max, char *err) {
    search_opts o = {.query = query, .limit = 10, .max_cost = max};
    search_results res;
    int rc = engine_search(r, &o, &res, err);
    search_results_free(&res);
    return rc;
}

static void test_estimate(engine_reader *r) {
    search_cost c = cost_of(r, "red");
    CHECK(c.terms == 1 && c.phrases == 0 && c.postings == 3 && c.positions == 0,
          "one word: one term, its 3 postings");
    c = cost_of(r, "fox OR hen");
    CHECK(c.terms == 2 && c.postings == 3, "an OR: its terms' postings added (2 + 1)");
    c = cost_of(r, "body:\"red fox\"");
    CHECK(c.terms == 2 && c.phrases == 1 && c.postings == 5,
          "a phrase of one field: one phrase, its terms and postings");
    CHECK(c.positions == 4, "its positions: the rarer word's 2 articles times 2 words (%llu)",
          (unsigned long long)c.positions);
    c = cost_of(r, "body:\"red fox\" OR body:\"red hen\"");
    CHECK(c.phrases == 2 && c.positions == 4 + 2, "two phrases: their positions added");
    c = cost_of(r, "\"red fox\"");
    CHECK(c.phrases == 3, "a phrase of the default field is checked in each of its 3 fields");
    c = cost_of(r, "re* fox");
    CHECK(c.terms == 1 && c.postings == 2, "a wildcard is --max-wildcard's, not a term here");
    c = cost_of(r, "zebra");
    CHECK(c.terms == 1 && c.postings == 0, "a word no article has costs no postings");
}

static void test_limits(engine_reader *r) {
    char err[LEDE_ERRLEN];
    search_cost max = {.postings = 4};
    CHECK(search_code(r, "fox OR hen", &max, err) == LEDE_OK, "3 postings under a limit of 4 run");
    CHECK(search_code(r, "red OR fox", &max, err) == LEDE_ELIMIT, "5 postings over 4: LEDE_ELIMIT");
    CHECK(strstr(err, "max-query-postings 4") && strstr(err, "5 postings"),
          "the message names the limit, its value and the estimate: %s", err);
    max = (search_cost){.terms = 1};
    CHECK(search_code(r, "red", &max, err) == LEDE_OK, "one term at a limit of 1 runs");
    CHECK(search_code(r, "red fox", &max, err) == LEDE_ELIMIT && strstr(err, "max-query-terms 1"),
          "two terms over 1: %s", err);
    CHECK(search_code(r, "red fox hen", &max, err) == LEDE_ELIMIT &&
              strstr(err, "max-query-terms 1: the query has 3 words (refused unparsed"),
          "over twice the limit in words: refused before parsing: %s", err);
    CHECK(search_code(r, "red OR fox AND NOT hen", &(search_cost){.terms = 2}, err) == LEDE_ELIMIT &&
              strstr(err, "the query has 3 terms"),
          "operators are not words: parsed, then refused for its terms: %s", err);
    CHECK(search_code(r, "\"a b\" \"c d\" \"e f\"", &(search_cost){.phrases = 1}, err) == LEDE_ELIMIT &&
              strstr(err, "max-query-phrases 1: the query has 3 quoted phrases"),
          "over twice the limit in quoted phrases: refused before parsing: %s", err);
    max = (search_cost){.phrases = 1, .positions = 4};
    CHECK(search_code(r, "body:\"red fox\"", &max, err) == LEDE_OK,
          "a phrase at both limits (1 phrase, 4 positions) runs");
    CHECK(search_code(r, "body:\"red fox\" OR body:\"red hen\"", &max, err) == LEDE_ELIMIT &&
              strstr(err, "max-query-phrases 1"),
          "a second phrase is over max-query-phrases: %s", err);
    max = (search_cost){.positions = 3};
    CHECK(search_code(r, "body:\"red fox\"", &max, err) == LEDE_ELIMIT &&
              strstr(err, "max-query-positions 3"),
          "4 positions over 3: %s", err);
    CHECK(search_code(r, "red fox zebra", &(search_cost){.postings = 1000}, err) == LEDE_OK,
          "the retry as OR runs within the limits too");
}

static int always(void *arg) {
    (*(int *)arg)++;
    return 1;
}

static void test_stops(engine_reader *r) {
    char err[LEDE_ERRLEN];
    search_results res;
    search_opts o = {.query = "red", .limit = 10, .deadline = lede_now() - 1};
    CHECK(engine_search(r, &o, &res, err) == LEDE_ETIMEOUT && strstr(err, "time limit"),
          "past its deadline a search stops: %s", err);
    CHECK(res.nhits == 0 && res.hits == NULL, "and leaves no results");
    o.deadline = lede_now() + 3600;
    CHECK(engine_search(r, &o, &res, err) == LEDE_OK && res.nhits == 3, "before it, it runs");
    search_results_free(&res);
    int asked = 0;
    o.cancelled = always;
    o.cancelled_arg = &asked;
    CHECK(engine_search(r, &o, &res, err) == LEDE_ECANCELLED && asked == 1,
          "a search nobody wants stops at its first check: %s", err);
    sbuf s;
    sbuf_init(&s);
    search_opts so = {.query = "rde fxo", .deadline = lede_now() - 1};
    CHECK(engine_suggest(r, &so, &s, err) == LEDE_ETIMEOUT, "SUGGEST stops at its deadline too");
    sbuf_free(&s);
}

static int suggest_code(engine_reader *r, const char *q, const search_cost *max, sbuf *s, char *err) {
    search_opts o = {.query = q, .max_cost = max};
    return engine_suggest(r, &o, s, err);
}

/* SUGGEST is bounded as a search is: by --max-query-terms in the words it
 * may look up (each a spelling lookup of up to 400 µs), and a word that
 * comes again is looked up once. */
static void test_suggest_limits(engine_reader *r) {
    char err[LEDE_ERRLEN];
    sbuf s;
    sbuf_init(&s);
    search_cost max = {.terms = 2};
    CHECK(suggest_code(r, "rde fxo", &max, &s, err) == LEDE_OK, "two words to correct under 2: runs (%s)", err);
    CHECK(suggest_code(r, "rde fxo hne", &max, &s, err) == LEDE_ELIMIT &&
              strstr(err, "max-query-terms 2: the query has 3 words to correct"),
          "three words to correct over 2: refused: %s", err);
    CHECK(suggest_code(r, "rde OR title:fxo hne*", &max, &s, err) == LEDE_OK,
          "operators, field values and wildcards are not corrected, nor counted (%s)", err);
    CHECK(suggest_code(r, "rde fxo hne rde fxo", &max, &s, err) == LEDE_ELIMIT && strstr(err, "refused unparsed"),
          "over twice the limit in words: refused before reading it: %s", err);
    CHECK(suggest_code(r, "rde fxo hne", NULL, &s, err) == LEDE_OK, "no limits: runs (%s)", err);
    sbuf once;
    sbuf_init(&once);
    sbuf_append(&once, s.data, s.len);
    CHECK(once.len > 0, "a correction is offered: '%s'", once.data);
    CHECK(suggest_code(r, "rde fxo hne rde fxo hne", NULL, &s, err) == LEDE_OK && s.len == 2 * once.len + 1 &&
              !memcmp(s.data, once.data, once.len) && !memcmp(s.data + once.len + 1, once.data, once.len),
          "words that come again get the same correction: '%s'", s.data);
    sbuf_free(&once);
    sbuf_free(&s);
}

int main(void) {
    char tmpl[] = "/tmp/lede-cost-XXXXXX", err[LEDE_ERRLEN] = "";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/db", root);
    CHECK(make_index(dir, err) == LEDE_OK, "index of 3 articles %s", err);
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) == LEDE_OK) {
        test_estimate(r);
        test_limits(r);
        test_stops(r);
        test_suggest_limits(r);
        engine_reader_close(r);
    } else {
        CHECK(0, "reader: %s", err);
    }
    unit_scratch_remove(root);
    return unit_exit();
}
