/* test_stop_pairs.c -- phrases of stop words through the engine API (issue
 * 19, point 9): an index with "lede.stop_pairs" finds a phrase of stop
 * words by their pair terms, and one made before the setting (stop words
 * left out, no pair terms) answers as it did: such a phrase drops out, and
 * "to be or not to be" is "not".  Either way a query of stop words alone
 * matches nothing and carries the stopwords hint. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <unistd.h>

static const char *const ARTICLES[][3] = {
    {"d1", "To be or not to be", "It was what it was."},
    {"n1", "Not today", "The vote was not held."},
};
#define NARTICLES (sizeof ARTICLES / sizeof ARTICLES[0])

static int put(engine_writer *w, size_t i, char *err) {
    return unit_put(w, ARTICLES[i][0], ARTICLES[i][1], ARTICLES[i][2], err);
}

/* An English index leaving out stop words; pairs: with "lede.stop_pairs". */
static int write_index(const char *dir, int pairs, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    const char *stop = engine_default_stopwords("english");
    int rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.stopwords", stop, strlen(stop), err);
    if (rc == LEDE_OK && pairs) rc = engine_writer_meta_set(w, "lede.stop_pairs", "1", 1, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", stop, 0, err);
    for (size_t i = 0; rc == LEDE_OK && i < NARTICLES; i++) rc = put(w, i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids query finds, sorted and space-separated, then "+hint" when
 * the reply carries the stopwords hint; "ERR" on error. */
static void found(const char *dir, const char *query, char *out, size_t size) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    snprintf(out, size, "ERR");
    if (engine_reader_open(dir, &r, err) != LEDE_OK) return;
    search_opts o = {.query = query, .limit = 10};
    search_results res;
    if (engine_search(r, &o, &res, err) == LEDE_OK) {
        const char *ids[10];
        unsigned n = res.nhits < 10 ? res.nhits : 10;
        for (unsigned i = 0; i < n; i++) ids[i] = res.hits[i].id;
        qsort(ids, n, sizeof ids[0], by_name);
        out[0] = 0;
        for (unsigned i = 0; i < n; i++)
            snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", ids[i]);
        if (res.hint && !strcmp(res.hint, SEARCH_HINT_STOPWORDS))
            snprintf(out + strlen(out), size - strlen(out), "+hint");
        search_results_free(&res);
    }
    engine_reader_close(r);
}

static void finds(const char *dir, const char *query, const char *want, const char *what) {
    char got[200];
    found(dir, query, got, sizeof got);
    CHECK_STR(got, want, "%s: '%s' gives '%s'", what, query, want);
}

int main(void) {
    char tmpl[] = "/tmp/lede-stop-pairs-XXXXXX", err[LEDE_ERRLEN];
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    char with[300], without[300];
    snprintf(with, sizeof with, "%s/pairs", root);
    snprintf(without, sizeof without, "%s/old", root);
    CHECK(write_index(with, 1, err) == LEDE_OK, "index with stop pairs written (%s)", err);
    CHECK(write_index(without, 0, err) == LEDE_OK, "index without them written (%s)", err);

    finds(with, "\"to be or\"", "d1", "stop pairs");
    finds(with, "\"to be or not to be\"", "d1", "stop pairs");
    finds(with, "\"or to\"", "", "stop pairs");
    finds(with, "the", "+hint", "stop pairs");
    finds(with, "\"to be\" not", "d1", "stop pairs");

    finds(without, "\"to be or\"", "+hint", "no stop pairs, as before");
    finds(without, "\"to be or not to be\"", "d1 n1", "no stop pairs, as before");
    finds(without, "the", "+hint", "no stop pairs, as before");

    unit_scratch_remove(root);
    return unit_exit();
}
