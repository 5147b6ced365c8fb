/* shards.c -- a sharded index's front and shards (see shards.h): routing,
 * creation, opening with their locks, compaction.  Reaches Xapian only
 * through engine.h; writes no article, record or spelling word. */
#include "shards.h"
#include "engine.h"
#include "livewriter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned shards_route(const char *id, unsigned n) {
    return n > 1 ? (unsigned)(lede_hash(id, strlen(id)) % n) : 0;
}

char *shards_db_path(const indexdir *sub) {
    return indexdir_join(sub, sub->nlive ? sub->live[0] : "");
}

static void shards_init(shards *s, indexdir *top, unsigned n) {
    memset(s, 0, sizeof *s);
    s->top = top;
    s->front.lockfd = -1;
    s->n = n;
    s->shard = lede_calloc(n, sizeof(indexdir));
    for (unsigned k = 0; k < n; k++) s->shard[k].lockfd = -1;
}

void shards_close(shards *s) {
    if (s->front.path) indexdir_close(&s->front);
    for (unsigned k = 0; s->shard && k < s->n; k++)
        if (s->shard[k].path) indexdir_close(&s->shard[k]);
    free(s->shard);
    memset(s, 0, sizeof *s);
    s->front.lockfd = -1;
}

/* The settings of the front (k < 0) or of shard k: the index's, with its
 * shard key; then the writer is configured as a shard's will be, so that
 * whatever the engine stores when a writer first opens an index (a
 * default pivot) is stored in every one alike, the front included. */
static int store_settings(engine_writer *w, const settings *set, int k, unsigned n,
                          char *err) {
    settings own;
    settings_init(&own);
    if (k < 0) own.shards = n;
    else settings_set_shard(&own, (unsigned)k, n);
    unsigned mine = k < 0 ? SETTINGS_SHARDS : SETTINGS_SHARD;
    int rc = settings_store_writer(set, SETTINGS_INDEX, w, err);
    if (rc == LEDE_OK) rc = settings_store_writer(&own, mine, w, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, set->language, set->stopwords, 0, err);
    settings_free(&own);
    return rc;
}

/* One new index directory (the front, k < 0, or shard k) holding one
 * empty database with its settings, listed in its own stub. */
static int create_sub(indexdir *top, indexdir *sub, int k, unsigned n, const settings *set,
                      const char *role, char *err) {
    char *name = k < 0 ? lede_strdup(INDEXDIR_FRONT) : indexdir_shard_name((unsigned)k);
    char *path = indexdir_join(top, name);
    free(name);
    int rc = indexdir_open(path, 1, role, sub, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    char *db = indexdir_new_name(sub, "db", 0);
    char *dbpath = indexdir_join(sub, db);
    engine_writer *w;
    rc = engine_writer_open(dbpath, 1, 0, &w, err);
    if (rc == LEDE_OK) {
        rc = store_settings(w, set, k, n, err);
        if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    }
    if (rc == LEDE_OK) rc = indexdir_switch(sub, &db, 1, err);
    free(db);
    free(dbpath);
    return rc;
}

int shards_list(shards *s, char *err) {
    char **names = lede_calloc(s->n + 1, sizeof(char *));
    names[0] = lede_strdup(INDEXDIR_FRONT);
    for (unsigned k = 0; k < s->n; k++) names[k + 1] = indexdir_shard_name(k);
    int rc = indexdir_switch(s->top, names, (int)s->n + 1, err);
    indexdir_free_names(names, (int)s->n + 1);
    return rc;
}

int shards_create(indexdir *top, unsigned n, const settings *set, const char *role, int list,
                  shards *s, char *err) {
    if (n < 1 || n > SHARDS_MAX)
        return lede_seterr(err, "%s: %u shards (from 1 to %d)", top->path, n, SHARDS_MAX);
    if (top->nlive) return lede_seterr(err, "%s: already an index", top->path);
    shards_init(s, top, n);
    indexdir_cleanup(top); /* a creation that did not finish */
    int rc = create_sub(top, &s->front, -1, n, set, role, err);
    for (unsigned k = 0; rc == LEDE_OK && k < n; k++)
        rc = create_sub(top, &s->shard[k], (int)k, n, set, role, err);
    if (rc == LEDE_OK && list) rc = shards_list(s, err);
    if (rc != LEDE_OK) shards_close(s);
    return rc;
}

/* The settings of a front's or shard's live database. */
static int load_sub(const indexdir *sub, settings *s, char *err) {
    char *path = shards_db_path(sub);
    engine_reader *r;
    int rc = engine_reader_open(path, &r, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    rc = settings_load_reader(s, r, err);
    engine_reader_close(r);
    return rc;
}

/* Whether s, a front's (k < 0) or shard k's settings, say what it is. */
static int check_identity(const indexdir *sub, const settings *s, int k, unsigned n, char *err) {
    unsigned sk = 0, sn = 0;
    if (k < 0 && s->shards != n)
        return lede_seterr(err, "%s: the front says %llu shards, the index lists %u", sub->path,
                           (unsigned long long)s->shards, n);
    if (k >= 0 && settings_get_shard(s, &sk, &sn, err) != LEDE_OK)
        return lede_seterr(err, "%s: not a shard (no shard setting)", sub->path);
    if (k >= 0 && (sk != (unsigned)k || sn != n))
        return lede_seterr(err, "%s: says it is shard %u of %u, listed as %d of %u", sub->path,
                           sk, sn, k, n);
    return LEDE_OK;
}

/* The settings of a front (k < 0, front NULL) or of shard k, loaded into
 * s and checked: what it says it is, and a shard's against the front's. */
static int load_and_check(const indexdir *sub, settings *s, int k, unsigned n,
                          const settings *front, char *err) {
    int rc = load_sub(sub, s, err);
    if (rc == LEDE_OK) rc = check_identity(sub, s, k, n, err);
    unsigned bit = rc == LEDE_OK && front ? settings_differ(front, s, SETTINGS_INDEX) : 0;
    if (bit)
        rc = lede_seterr(err, "%s: its %s differs from the front's", sub->path, settings_key(bit));
    return rc;
}

/* Opens the front (k < 0) or shard k of top, as a writer would open an
 * index: its lock, a merge an interrupted compaction left, its debris. */
static int open_sub(indexdir *top, indexdir *sub, int k, unsigned n, const char *role,
                    settings *s, const settings *front, char *err) {
    char *path = indexdir_join(top, top->live[k + 1]);
    int rc = indexdir_open(path, 0, role, sub, err);
    free(path);
    if (rc == LEDE_OK && indexdir_needs_merge(sub)) rc = livewriter_merge_live(sub, err);
    if (rc == LEDE_OK) indexdir_cleanup(sub);
    if (rc == LEDE_OK && sub->nlive != 1)
        rc = lede_seterr(err, "%s: lists %d databases, not one", sub->path, sub->nlive);
    return rc == LEDE_OK ? load_and_check(sub, s, k, n, front, err) : rc;
}

int shards_open(indexdir *top, const char *role, shards *s, char *err) {
    int n = indexdir_shard_count(top);
    if (n <= 0) {
        shards_init(s, top, 0);
        return lede_seterr(err, "%s: not a sharded index", top->path);
    }
    shards_init(s, top, (unsigned)n);
    settings front, one;
    settings_init(&front);
    settings_init(&one);
    int rc = open_sub(top, &s->front, -1, (unsigned)n, role, &front, NULL, err);
    for (int k = 0; rc == LEDE_OK && k < n; k++)
        rc = open_sub(top, &s->shard[k], k, (unsigned)n, role, &one, &front, err);
    settings_free(&front);
    settings_free(&one);
    if (rc != LEDE_OK) shards_close(s);
    return rc;
}

/* The front (k < 0) or shard k of the index at path, read without a lock:
 * its settings, checked against what it should be and hold. */
static int check_sub(const char *path, const char *name, int k, unsigned n,
                     const settings *front, settings *s, char *err) {
    indexdir sub = {.lockfd = -1};
    sbuf p;
    sbuf_init(&p);
    sbuf_printf(&p, "%s/%s", path, name);
    sub.path = p.data;
    int rc = indexdir_read_live(sub.path, &sub.live, &sub.nlive, err);
    if (rc == LEDE_ENOTFOUND) rc = lede_seterr(err, "%s: no stub", sub.path);
    if (rc == LEDE_OK && sub.nlive != 1)
        rc = lede_seterr(err, "%s: lists %d databases, not one", sub.path, sub.nlive);
    if (rc == LEDE_OK) rc = load_and_check(&sub, s, k, n, front, err);
    indexdir_free_names(sub.live, sub.nlive);
    sbuf_free(&p);
    return rc;
}

int shards_check(const char *path, char *err) {
    indexdir top = {.path = (char *)path, .lockfd = -1};
    int rc = indexdir_read_live(path, &top.live, &top.nlive, err);
    if (rc != LEDE_OK) return rc;
    int n = indexdir_shard_count(&top);
    if (n <= 0) rc = lede_seterr(err, "%s: not a sharded index", path);
    settings front, s;
    settings_init(&front);
    settings_init(&s);
    if (rc == LEDE_OK) rc = check_sub(path, top.live[0], -1, (unsigned)n, NULL, &front, err);
    for (int k = 0; rc == LEDE_OK && k < n; k++)
        rc = check_sub(path, top.live[k + 1], k, (unsigned)n, &front, &s, err);
    settings_free(&front);
    settings_free(&s);
    indexdir_free_names(top.live, top.nlive);
    return rc;
}

typedef struct compact_job {
    indexdir *sub;
    pthread_t thread;
    int started, rc;
    char err[LEDE_ERRLEN];
} compact_job;

static void *compact_main(void *arg) {
    compact_job *j = arg;
    j->rc = livewriter_rewrite(j->sub, j->err);
    return NULL;
}

/* The top stub written again, the same lines in a new file: a reader that
 * watches only the top stub (src/engine/refresh.cc) reopens the whole
 * index, following the nested stubs to the new databases, instead of
 * moving the ones it has open to their latest revision (which fails once
 * they are removed).  Before the old databases go, so that a reader never
 * reopens a removed one. */
static int touch_top(indexdir *top, char *err) {
    char **names = lede_calloc((size_t)top->nlive, sizeof(char *));
    for (int i = 0; i < top->nlive; i++) names[i] = lede_strdup(top->live[i]);
    int rc = indexdir_switch(top, names, top->nlive, err);
    indexdir_free_names(names, top->nlive);
    return rc;
}

int shards_compact(shards *s, const int *due, int front, char *err) {
    compact_job *jobs = lede_calloc(s->n + 1, sizeof *jobs);
    unsigned nj = 0;
    if (front) jobs[nj++].sub = &s->front;
    for (unsigned k = 0; k < s->n; k++)
        if (!due || due[k]) jobs[nj++].sub = &s->shard[k];
    for (unsigned i = 0; i < nj; i++) {
        jobs[i].started = pthread_create(&jobs[i].thread, NULL, compact_main, &jobs[i]) == 0;
        if (!jobs[i].started) compact_main(&jobs[i]);
    }
    int rc = LEDE_OK;
    for (unsigned i = 0; i < nj; i++) {
        if (jobs[i].started) pthread_join(jobs[i].thread, NULL);
        if (jobs[i].rc != LEDE_OK && rc == LEDE_OK)
            rc = lede_seterr_code(err, jobs[i].rc, "%s", jobs[i].err);
    }
    /* Those that switched told readers so, even if another failed. */
    int trc = nj ? touch_top(s->top, rc == LEDE_OK ? err : NULL) : LEDE_OK;
    for (unsigned i = 0; i < nj; i++) indexdir_cleanup(jobs[i].sub);
    free(jobs);
    return rc == LEDE_OK ? trc : rc;
}

int shards_group_duplicates(shards *s, size_t memory, engine_dup_stats *st, char *err) {
    memset(st, 0, sizeof *st);
    engine_writer **ws = lede_calloc(s->n ? s->n : 1, sizeof *ws);
    int rc = LEDE_OK;
    unsigned opened = 0;
    for (; opened < s->n && rc == LEDE_OK; opened++) {
        char *path = shards_db_path(&s->shard[opened]);
        rc = engine_writer_open(path, 0, 1, &ws[opened], err);
        free(path);
        if (rc != LEDE_OK) break;
    }
    if (rc == LEDE_OK) rc = engine_group_duplicates(ws, s->n, memory, st, err);
    for (unsigned k = 0; k < opened; k++)
        if (engine_writer_close(ws[k], rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    free(ws);
    return rc;
}
