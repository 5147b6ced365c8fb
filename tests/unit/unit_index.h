/* unit_index.h -- what the engine's unit tests share to build tiny
 * indexes: a scratch directory made and removed, a writer opened and
 * configured, and an article stored through the docstore the way
 * lede-index stores one (encoded, then put with its fingerprint).  Each test still says itself which settings its
 * index has; this file writes no settings and opens no reader.  Include
 * after unit.h (CHECK). */
#ifndef LEDE_UNIT_INDEX_H
#define LEDE_UNIT_INDEX_H

#include "../../src/docstore.h"
#include "../../src/engine.h"
#include "../../src/util.h"

#include <stdlib.h>

/* A scratch directory from tmpl ("...XXXXXX"), or NULL (a failed check). */
static inline char *unit_scratch_open(char *tmpl) {
    char *root = mkdtemp(tmpl);
    CHECK(root != NULL, "scratch directory");
    return root;
}

static inline void unit_scratch_remove(const char *root) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "scratch removed");
}

/* A writer of path, created if need be, without syncing (bulk_memory >
 * 0: a bulk writer with that budget), configured for English without
 * stop words, keeping spelling data or not; NULL when it cannot be (a
 * failed check says why). */
static inline engine_writer *unit_writer_open(const char *path, size_t bulk_memory, int spelling) {
    char err[LEDE_ERRLEN] = "";
    engine_writer *w = NULL;
    int rc = bulk_memory ? engine_writer_open_bulk(path, bulk_memory, &w, err)
                         : engine_writer_open(path, 1, 1, &w, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, spelling, err);
    CHECK(rc == LEDE_OK, "a writer of %s opens: %s", path, err);
    if (rc == LEDE_OK) return w;
    engine_writer_abandon(w);
    return NULL;
}

/* Stores a (and frees it) without a dictionary; *outcome (may be NULL)
 * gets engine_writer_put's ENGINE_* outcome. */
static inline int unit_put_article(engine_writer *w, article *a, int *outcome, char *err) {
    docstore *ds = docstore_new(NULL, 0);
    sbuf blob;
    sbuf_init(&blob);
    uint64_t hash;
    int got = 0;
    int rc = docstore_encode(ds, a, &blob, &hash, err);
    if (rc == LEDE_OK) rc = engine_writer_put(w, a, NULL, hash, blob.data, blob.len, &got, err);
    if (outcome) *outcome = got;
    sbuf_free(&blob);
    docstore_free(ds);
    article_free(a);
    return rc;
}

/* Stores an article of id, headline and body. */
static inline int unit_put(engine_writer *w, const char *id, const char *title, const char *body, char *err) {
    article a;
    article_init(&a);
    a.id = lede_strdup(id);
    a.title = lede_strdup(title);
    a.body = lede_strdup(body);
    return unit_put_article(w, &a, NULL, err);
}

#endif
