/* test_engine.c -- the index formats through the engine API: a word that is
 * only in a headline is found by a plain word query on a format 2 index
 * (the body term holds headline words) and on a format 1 index (readers
 * merge the three terms there), and a format 1 index keeps being written
 * as format 1 (body:word stays body-only). */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "../../src/docstore.h"
#include "../../src/engine.h"
#include "../../src/util.h"

#include <stdlib.h>
#include <unistd.h>

static int put_article(engine_writer *w, char *err) {
    article a;
    article_init(&a);
    a.id = lede_strdup("t1");
    a.title = lede_strdup("Zebra crossing repainted");
    a.body = lede_strdup("Traffic slowed on the high road while crews worked.");
    docstore *ds = docstore_new(NULL, 0);
    sbuf blob;
    sbuf_init(&blob);
    uint64_t hash;
    int outcome = 0;
    int rc = docstore_encode(ds, &a, &blob, &hash, err);
    if (rc == LEDE_OK)
        rc = engine_writer_put(w, &a, NULL, hash, blob.data, blob.len, &outcome, err);
    sbuf_free(&blob);
    docstore_free(ds);
    article_free(&a);
    return rc == LEDE_OK && outcome == ENGINE_ADDED ? LEDE_OK : LEDE_ERR;
}

/* A one-article index; format NULL: the current one. */
static int make_index(const char *dir, const char *format, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    if (format) rc = engine_writer_meta_set(w, "lede.format", format, strlen(format), err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    if (rc == LEDE_OK) rc = put_article(w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* Hits of query, or -1 on error. */
static int hits(const char *dir, const char *query) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) return -1;
    engine_search_opts o = {.query = query, .limit = 10};
    engine_results res;
    int n = engine_search(r, &o, &res, err) == LEDE_OK ? (int)res.nhits : -1;
    if (n == 1 && strcmp(res.hits[0].id, "t1")) n = -1;
    engine_results_free(&res);
    engine_reader_close(r);
    return n;
}

static void test_formats(void) {
    char tmpl[] = "/tmp/lede-unit.XXXXXX";
    char *root = mkdtemp(tmpl);
    CHECK(root != NULL, "scratch directory");
    if (!root) return;
    char v1[300], v2[300], err[LEDE_ERRLEN];
    snprintf(v1, sizeof v1, "%s/v1", root);
    snprintf(v2, sizeof v2, "%s/v2", root);
    CHECK(make_index(v2, NULL, err) == LEDE_OK, "format 2 index written");
    CHECK(make_index(v1, "1", err) == LEDE_OK, "format 1 index written");
    CHECK(hits(v2, "zebra") == 1, "format 2: a headline-only word is found");
    CHECK(hits(v1, "zebra") == 1, "format 1: a headline-only word is found");
    CHECK(hits(v2, "zebra traffic") == 1, "format 2: headline and body words together");
    CHECK(hits(v1, "zebra traffic") == 1, "format 1: headline and body words together");
    CHECK(hits(v2, "title:\"zebra crossing\"") == 1, "format 2: headline phrase");
    CHECK(hits(v2, "\"zebra crossing\"") == 1, "format 2: headline phrase in all fields");
    CHECK(hits(v2, "body:zebra") == 1, "format 2: the body term holds headline words");
    CHECK(hits(v1, "body:zebra") == 0, "format 1 stays format 1: body term is body-only");
    CHECK(hits(v2, "\"high road\"") == 1 && hits(v1, "\"high road\"") == 1, "body phrase");
    CHECK(hits(v1, "\"zebra crossing\"") == 1, "format 1: headline phrase in all fields");
    CHECK(hits(v2, "\"repainted traffic\"") == 0, "format 2: no phrase across headline and body");
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "scratch removed");
}

int main(void) {
    test_formats();
    return unit_exit();
}
