/* test_facet_columns.c -- when a reader reads a facet column (a value
 * slot held in memory for facets, src/engine/facet_columns.cc): only once
 * the values its searches have read of the slot through Xapian cost what
 * the column's read does, and not again for a small query after every
 * commit.  Regression: each commit made every worker read every faceted
 * slot whole at its next facet query, even one of a single match (at 10M
 * articles some 0.5 s a slot; leded's ingest commits every 0.25 s).  The
 * counts are the same whether a column counts them or not. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>

#define ARTICLES 64
#define DAY 86400

/* Article i: the word "common" in all, "onlyN" in its own, dated one of
 * four days. */
static int put_dated(engine_writer *w, int i, char *err) {
    article a;
    article_init(&a);
    char id[32], body[64];
    snprintf(id, sizeof id, "a%d", i);
    snprintf(body, sizeof body, "A common line and only%d of its own.", i);
    a.id = lede_strdup(id);
    a.title = lede_strdup("Dated note");
    a.body = lede_strdup(body);
    a.has_date = 1;
    a.date = 1700000000 + (int64_t)(i % 4) * DAY;
    return unit_put_article(w, &a, NULL, err);
}

static int make_index(const char *dir, int from, int to, int create, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, create, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    if (create) rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    for (int i = from; i < to && rc == LEDE_OK; i++) rc = put_dated(w, i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* The matches query's day facet counted, or -1 on error. */
static long day_counted(engine_reader *r, const char *query) {
    char err[LEDE_ERRLEN];
    search_opts o = {.query = query, .limit = 0, .facets = "day", .exact = 1};
    search_results res;
    long n = -1;
    if (engine_search(r, &o, &res, err) == LEDE_OK && res.nfacets == 1) {
        n = 0;
        for (unsigned i = 0; i < res.facets[0].nvalues; i++) n += (long)res.facets[0].values[i].count;
    }
    search_results_free(&res);
    return n;
}

static void test_columns_paid_for(void) {
    char tmpl[] = "/tmp/lede-columns-XXXXXX", err[LEDE_ERRLEN] = "";
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    CHECK(make_index(root, 0, ARTICLES, 1, err) == LEDE_OK, "an index of %d dated articles (%s)", ARTICLES, err);
    engine_reader *r;
    if (engine_reader_open(root, &r, err) != LEDE_OK) {
        CHECK(0, "reader opens: %s", err);
        unit_scratch_remove(root);
        return;
    }
    CHECK(day_counted(r, "only3") == 1, "a one-match query counts its day");
    CHECK(engine_reader_facet_columns_read(r) == 0,
          "... reading its one value, not the slot's %d (columns read: %llu)", ARTICLES,
          (unsigned long long)engine_reader_facet_columns_read(r));
    CHECK(day_counted(r, "common") == ARTICLES, "a query of every article counts every day");
    CHECK(day_counted(r, "common") == ARTICLES, "again, counted from the column its reads paid for");
    CHECK(engine_reader_facet_columns_read(r) == 1, "the slot was read whole once (%llu)",
          (unsigned long long)engine_reader_facet_columns_read(r));
    CHECK(day_counted(r, "only5") == 1, "a one-match query counted from the column");
    CHECK(engine_reader_facet_columns_read(r) == 1, "... which is not read again");

    CHECK(make_index(root, ARTICLES, ARTICLES + 1, 0, err) == LEDE_OK, "a commit adds one (%s)", err);
    int changed = 0;
    CHECK(engine_reader_refresh(r, &changed, err) == LEDE_OK && changed, "the reader moves to it");
    CHECK(day_counted(r, "only64") == 1, "after the commit, a one-match query counts its day");
    CHECK(engine_reader_facet_columns_read(r) == 1,
          "... without reading the slot whole again for it (columns read: %llu)",
          (unsigned long long)engine_reader_facet_columns_read(r));
    CHECK(day_counted(r, "common") == ARTICLES + 1, "every article counted after the commit");
    engine_reader_close(r);
    unit_scratch_remove(root);
}

int main(void) {
    test_columns_paid_for();
    return unit_exit();
}
