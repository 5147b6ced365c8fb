/* livewriter.c -- one process writing an index article by article (see
 * livewriter.h).  Reaches Xapian only through engine.h; opens no reader,
 * prints nothing. */
#include "livewriter.h"
#include "docstore.h"
#include "engine.h"
#include "settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct livewriter {
    indexdir ix;
    engine_writer *ew;
    docstore *ds;
    char *language;
    uint64_t uncommitted;     /* writes since the last commit */
    uint64_t changes;         /* replacements + deletions since compaction */
    int64_t last_commit;
};

/* A compact copy has no dead space: its change count starts again. */
static int reset_changes(const char *dbpath, char *err) {
    engine_writer *w;
    if (engine_writer_open(dbpath, 0, 0, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = settings_erase_writer(SETTINGS_CHANGES, w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

int livewriter_merge_live(indexdir *ix, char *err) {
    /* Shards first: where a file record is in both, compaction keeps the
     * first, and a shard's is the newer. */
    const char **paths = lede_calloc((size_t)ix->nlive, sizeof(char *));
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < ix->nlive; i++)
            if ((strncmp(ix->live[i], "db.", 3) == 0) == pass)
                paths[n++] = indexdir_join(ix, ix->live[i]);
    char *name = indexdir_new_name(ix, "db", 0);
    char *dst = indexdir_join(ix, name);
    int rc = engine_compact(paths, n, dst, err);
    if (rc == LEDE_OK) rc = reset_changes(dst, err);
    lede_crash_point("after-merge");
    if (rc == LEDE_OK) rc = indexdir_switch(ix, &name, 1, err);
    if (rc == LEDE_OK) indexdir_cleanup(ix);
    for (int i = 0; i < n; i++) free((char *)paths[i]);
    free(paths);
    free(name);
    free(dst);
    return rc;
}

int livewriter_create_empty(indexdir *ix, const char *language, int stopwords,
                            char *err) {
    char *name = indexdir_new_name(ix, "db", 0);
    char *path = indexdir_join(ix, name);
    settings s;
    settings_init(&s);
    settings_set_string(&s.format, ENGINE_FORMAT);
    settings_set_string(&s.language, language ? language : SETTINGS_DEFAULT_LANGUAGE);
    settings_set_string(&s.stopwords, stopwords ? engine_default_stopwords(s.language) : "");
    engine_writer *w;
    int rc = engine_writer_open(path, 1, 0, &w, err);
    if (rc == LEDE_OK) {
        rc = settings_store_writer(&s, SETTINGS_FORMAT | SETTINGS_LANGUAGE | SETTINGS_STOPWORDS,
                                   w, err);
        if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    }
    settings_free(&s);
    if (rc == LEDE_OK) rc = indexdir_switch(ix, &name, 1, err);
    free(name);
    free(path);
    return rc;
}

/* Opens the live database and loads the settings stored in it. */
static int open_database(livewriter *w, char *err) {
    char *path = indexdir_join(&w->ix, w->ix.live[0]);
    int rc = engine_writer_open(path, 0, 0, &w->ew, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    settings s;
    settings_init(&s);
    rc = settings_load_writer(&s, w->ew, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w->ew, s.language, s.stopwords, 1, err);
    free(w->language);
    w->language = s.language;
    s.language = NULL;
    docstore_free(w->ds);
    w->ds = docstore_new(s.dict.data, s.dict.len);
    w->changes = s.changes;
    w->last_commit = (int64_t)s.commit_time;
    settings_free(&s);
    return rc;
}

int livewriter_open(const char *index, const char *role, const char *language,
                    livewriter **out, char *err) {
    livewriter *w = lede_calloc(1, sizeof *w);
    int rc = indexdir_open(index, 1, role, &w->ix, err);
    if (rc == LEDE_OK && indexdir_needs_merge(&w->ix)) rc = livewriter_merge_live(&w->ix, err);
    if (rc == LEDE_OK) indexdir_cleanup(&w->ix);
    if (rc == LEDE_OK && w->ix.nlive == 0) rc = livewriter_create_empty(&w->ix, language, 1, err);
    if (rc == LEDE_OK) rc = open_database(w, err);
    if (rc == LEDE_OK && language && strcmp(language, w->language))
        rc = lede_seterr(err, "%s: index was built with language '%s', not '%s'",
                         index, w->language, language);
    if (rc != LEDE_OK) {
        livewriter_close(w, NULL);
        return rc;
    }
    *out = w;
    return LEDE_OK;
}

int livewriter_close(livewriter *w, char *err) {
    if (!w) return LEDE_OK;
    int rc = LEDE_OK;
    if (w->ew && w->uncommitted) rc = livewriter_commit(w, err);
    if (engine_writer_close(w->ew, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    docstore_free(w->ds);
    free(w->language);
    indexdir_close(&w->ix);
    free(w);
    return rc;
}

int livewriter_put(livewriter *w, const article *a, int *outcome, char *err) {
    sbuf blob;
    sbuf_init(&blob);
    uint64_t payload_hash;
    int rc = docstore_encode(w->ds, a, &blob, &payload_hash, err);
    /* No source file: the same fingerprint as the indexer gives an article
     * read from standard input, so both agree on "unchanged". */
    if (rc == LEDE_OK)
        rc = engine_writer_put(w->ew, a, NULL, docstore_fingerprint(payload_hash, NULL),
                               blob.data, blob.len, outcome, err);
    sbuf_free(&blob);
    if (rc != LEDE_OK || *outcome == ENGINE_UNCHANGED) return rc;
    w->uncommitted++;
    if (*outcome == ENGINE_REPLACED) w->changes++;
    return LEDE_OK;
}

int livewriter_delete(livewriter *w, const char *id, char *err) {
    int found;
    if (engine_writer_delete_id(w->ew, id, &found, err) != LEDE_OK) return LEDE_ERR;
    if (!found) return lede_seterr_code(err, LEDE_ENOTFOUND, "no article with id '%s'", id);
    w->uncommitted++;
    w->changes++;
    return LEDE_OK;
}

int livewriter_commit(livewriter *w, char *err) {
    if (w->uncommitted == 0) return LEDE_OK; /* a new revision only for changes */
    settings s = {.changes = w->changes};
    if (settings_store_writer(&s, SETTINGS_CHANGES, w->ew, err) != LEDE_OK ||
        engine_writer_commit(w->ew, err) != LEDE_OK)
        return LEDE_ERR;
    w->uncommitted = 0;
    w->last_commit = (int64_t)time(NULL);
    return LEDE_OK;
}

int livewriter_compaction_due(uint64_t changes, uint64_t articles) {
    return changes >= LIVEWRITER_COMPACT_MIN &&
           (double)changes >= LIVEWRITER_COMPACT_RATIO * (double)articles;
}

int livewriter_should_compact(livewriter *w) {
    return livewriter_compaction_due(w->changes, livewriter_doccount(w));
}

int livewriter_compact(livewriter *w, char *err) {
    uint64_t changes = w->changes;
    int rc = livewriter_commit(w, err);
    if (rc == LEDE_OK) rc = engine_writer_close(w->ew, err);
    else engine_writer_close(w->ew, NULL);
    w->ew = NULL;
    if (rc == LEDE_OK) rc = livewriter_merge_live(&w->ix, err);
    /* Whatever happened, keep writing to the live database. */
    int orc = open_database(w, rc == LEDE_OK ? err : NULL);
    if (rc != LEDE_OK) w->changes = changes;
    return rc == LEDE_OK ? orc : rc;
}

uint64_t livewriter_uncommitted(const livewriter *w) { return w->uncommitted; }
uint64_t livewriter_doccount(livewriter *w) { return engine_writer_doccount(w->ew); }
uint64_t livewriter_revision(livewriter *w) { return engine_writer_revision(w->ew); }
int64_t livewriter_last_commit(const livewriter *w) { return w->last_commit; }
