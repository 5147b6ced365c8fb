/* unit_index.h -- what the engine's unit tests share to build tiny
 * indexes: a scratch directory made and removed, a writer opened and
 * configured, and an article stored through the docstore the way
 * lede-index stores one (encoded, then put with its fingerprint), a
 * format 4 or 5 database with the settings a test names, and a scratch
 * writer's length sample with the tier thresholds made of it.  Each test
 * still says itself which settings its index has; this file opens no
 * reader.  Include after unit.h (CHECK). */
#ifndef LEDE_UNIT_INDEX_H
#define LEDE_UNIT_INDEX_H

#include "../../src/docstore.h"
#include "../../src/engine.h"
#include "../../src/settings.h"
#include "../../src/util.h"

#include <stdlib.h>
#include <string.h>

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

/* A new database at dir (not synced) with the settings the ranked-page
 * tests build on: this format ("4", "5"), pivot 20, these common words,
 * tiers and prefixes (NULL: none), English; configured so, without stop
 * words or spelling; a bulk writer with that budget when bulk_memory > 0.
 * LEDE_OK with *out, or the code (err says why). */
static inline int unit_format_open(const char *dir, const char *format, size_t bulk_memory, const char *common,
                                   const char *tiers, const char *prefixes, engine_writer **out, char *err) {
    engine_writer *w;
    int opened = bulk_memory ? engine_writer_open_bulk(dir, bulk_memory, &w, err) : engine_writer_open(dir, 1, 1, &w, err);
    if (opened != LEDE_OK) return LEDE_ERR;
    const char *meta[][2] = {{"lede.format", format}, {"lede.pivot", "20"}, {"lede.common", common},
                             {"lede.tiers", tiers}, {"lede.prefixes", prefixes}, {"lede.language", "english"}};
    int rc = LEDE_OK;
    for (size_t i = 0; rc == LEDE_OK && i < sizeof meta / sizeof meta[0]; i++)
        if (meta[i][1]) rc = engine_writer_meta_set(w, meta[i][0], meta[i][1], strlen(meta[i][1]), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    if (rc != LEDE_OK) {
        engine_writer_close(w, NULL);
        return rc;
    }
    *out = w;
    return LEDE_OK;
}

/* The same, format 4 through Xapian's API (the tier tests' index, whose
 * XT<word> terms are boolean). */
static inline int unit_format4_open(const char *dir, const char *common, const char *tiers,
                                    const char *prefixes, engine_writer **out, char *err) {
    return unit_format_open(dir, "4", 0, common, tiers, prefixes, out, err);
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

/* An in-memory writer (English, no stop words, no spelling) that has
 * measured n articles for formats 3 and 4's sample, article i's body
 * set by body(i, a) (its id "s"), and its engine_writer_tiers for words
 * (share and narrow as there, at the sample's mean length, *pivot) in
 * s->tiers, as "lede.tiers" would load it.  NULL when it cannot open or
 * make them (a failed check says why). */
static inline engine_writer *unit_tier_sample(unsigned n, void (*body)(unsigned i, article *a), const char *words,
                                              double share, double narrow, settings *s, double *pivot) {
    char err[LEDE_ERRLEN] = "";
    engine_writer *m = NULL;
    int rc = engine_writer_open(NULL, 1, 1, &m, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(m, "english", NULL, 0, err);
    uint64_t total = 0;
    for (unsigned i = 0; rc == LEDE_OK && i < n; i++) {
        article a;
        article_init(&a);
        a.id = lede_strdup("s");
        body(i, &a);
        uint64_t len = 0;
        rc = engine_writer_measure(m, &a, &len, err);
        total += len;
        article_free(&a);
    }
    *pivot = n ? (double)total / n : 0;
    sbuf out;
    sbuf_init(&out);
    if (rc == LEDE_OK) rc = engine_writer_tiers(m, words, strlen(words), *pivot, share, narrow, &out, err);
    CHECK(rc == LEDE_OK, "a sample of %u articles and the tier thresholds of \"%s\": %s", n, words, err);
    sbuf_reset(&s->tiers);
    sbuf_append(&s->tiers, out.data, out.len);
    sbuf_free(&out);
    if (rc == LEDE_OK) return m;
    engine_writer_abandon(m);
    return NULL;
}

#endif
