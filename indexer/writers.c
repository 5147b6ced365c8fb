/* writers.c -- the writer threads of a run (see writers.h).  Each writer
 * owns one Xapian database: a full build's part, the live database of an
 * existing index, or one shard of a sharded index (whose front, file
 * records and commit points are shardrun.c's).  Writers commit every
 * `batch` articles, and before Xapian would commit by itself
 * (room_for_changes); the stub lists a full build's parts while they are
 * built, so readers see every committed batch and an interrupted build is
 * merged and resumed by the next run.  A bulk build's parts (issue 20)
 * are inverted by their writers and written, all of them, as the index's
 * one database by a single merge when the writers stop; a new sharded
 * index's bulk writers, one a shard, are each written as their shard's
 * database (shardrun_merge_bulk).  Reads no source file and chooses no
 * setting (sources.c, sample.c). */
#define _GNU_SOURCE
#include "writers.h"
#include "fields.h"
#include "sample.h"
#include "shardrun.h"
#include "sources.h"
#include "../src/idset.h"
#include "../src/livewriter.h"

#include <errno.h>
#include <inttypes.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUEUE_CAP 256

/* A shard's spelling words go to the front once its commit succeeded
 * (engine.h): a failed commit's are dropped with its changes. */
static int writer_commit(writer *w, char *err) {
    settings s = {.changes = w->changes};
    if (settings_store_writer(&s, SETTINGS_CHANGES, w->ew, err) != LEDE_OK) return LEDE_ERR;
    int rc = engine_writer_room(w->ew, err); /* no commit begun without room (engine.h) */
    engine_words *words = rc == LEDE_OK && w->b->nshards ? engine_writer_take_words(w->ew) : NULL;
    if (rc == LEDE_OK) rc = engine_writer_commit(w->ew, err);
    if (rc != LEDE_OK) {
        engine_words_free(words);
        return rc; /* its code: a full disk is waited out in watch mode */
    }
    if (words) shardrun_hand_words(w->b, words);
    w->since_commit = 0;
    w->dirty = 0;
    if (!w->b->bulk) /* a bulk writer's commit keeps only its settings, in its scratch */
        INFO(w->b, "commit %s docs=%" PRIu64, w->name, engine_writer_doccount(w->ew));
    return LEDE_OK;
}

/* Commits w first (before its batch is full) if n more changes could make
 * Xapian commit its database by itself (engine.h's engine_flush_threshold,
 * against the changes the engine counts): a failed sharded run discards
 * what its shards did not commit (writers_stop), which must be all they
 * did not commit.  Every API writer keeps the rule (a bulk writer makes
 * no Xapian change): a file's deletion stops there (delete_file). */
static int room_for_changes(writer *w, uint64_t n, char *err) {
    uint64_t pending = engine_writer_pending_changes(w->ew);
    if (!pending || pending + n < engine_flush_threshold()) return LEDE_OK;
    return writer_commit(w, err);
}

static int writer_put(writer *w, jobq_job *j, char *err) {
    build *b = w->b;
    sbuf blob;
    sbuf_init(&blob);
    uint64_t payload_hash;
    int outcome = 0, rc = room_for_changes(w, ENGINE_PUT_CHANGES, err);
    if (rc == LEDE_OK) rc = docstore_encode(w->ds, &j->a, &blob, &payload_hash, err);
    if (rc == LEDE_OK && j->boiler_decided) engine_writer_boiler_next(w->ew, j->boiler, j->nboiler);
    if (rc == LEDE_OK)
        rc = engine_writer_put(w->ew, &j->a, j->filekey[0] ? j->filekey : NULL,
                               docstore_fingerprint(payload_hash, j->filekey), blob.data,
                               blob.len, &outcome, err);
    sbuf_free(&blob);
    fields_warn(b);
    if (rc != LEDE_OK) return rc;
    if (outcome != ENGINE_UNCHANGED || j->record) w->dirty = 1;
    if (outcome == ENGINE_REPLACED) w->changes++;
    if (outcome == ENGINE_ADDED) atomic_fetch_add(&b->added, 1);
    else if (outcome == ENGINE_REPLACED) atomic_fetch_add(&b->replaced, 1);
    else atomic_fetch_add(&b->unchanged, 1);
    if (j->record) {
        char key[FILEREC_KEYLEN];
        filerec_key(j->filekey, key);
        rc = engine_writer_meta_set(w->ew, key, j->record, strlen(j->record), err);
    }
    lede_crash_point("after-article");
    if (rc == LEDE_OK && outcome != ENGINE_UNCHANGED && ++w->since_commit >= b->o->batch)
        rc = writer_commit(w, err);
    return rc;
}

static int keep_seen(const char *qterm, size_t len, void *ctx) {
    return idset_has(ctx, lede_hash(qterm, len));
}

/* Deletes a file's articles (those keep does not keep), committing
 * whenever the engine stops before Xapian's flush threshold
 * (room_for_changes); *deleted gets the count. */
static int delete_file(writer *w, const char *filekey, idset *keep, uint64_t *deleted, char *err) {
    *deleted = 0;
    for (;;) {
        uint64_t n = 0;
        int more = 0, rc = engine_writer_delete_file(w->ew, filekey, keep ? keep_seen : NULL, keep,
                                                     &n, &more, err);
        atomic_fetch_add(&w->b->deleted, n);
        w->changes += n; /* before the commit, which stores them */
        *deleted += n;
        if (n) w->dirty = 1;
        if (rc == LEDE_OK && more) rc = writer_commit(w, err);
        if (rc != LEDE_OK || !more) return rc;
    }
}

static int writer_delete_file(writer *w, jobq_job *j, char *err) {
    uint64_t n;
    return delete_file(w, j->filekey, j->keep, &n, err);
}

typedef struct scan_ctx {
    writer *w;
    char *err;
} scan_ctx;

/* One file record: delete the file's articles if the file is gone from
 * under one of the directory sources. */
static int scan_one(const char *key, const char *val, size_t len, void *ctx) {
    scan_ctx *sc = ctx;
    build *b = sc->w->b;
    char *path = filerec_path(val, len);
    int rc = 0;
    if (path && sources_gone(b, path)) {
        uint64_t gone = 0;
        sc->w->dirty = 1;
        rc = delete_file(sc->w, key + 1, NULL, &gone, sc->err);
        if (rc == LEDE_OK)
            rc = engine_writer_meta_set(sc->w->ew, key, NULL, 0, sc->err);
        INFO(b, "gone: %s (%" PRIu64 " articles deleted)", path, gone);
    }
    free(path);
    return rc;
}

/* A bulk writer's last commit (its metadata); its part is written with
 * the others' by one merge (merge_parts). */
static int writer_bulk_finish(writer *w, char *err) {
    int rc = w->dirty ? writer_commit(w, err) : LEDE_OK;
    if (rc == LEDE_OK) w->finished = 1;
    return rc;
}

static int writer_handle(writer *w, jobq_job *j, char *err) {
    switch (j->kind) {
    case JOBQ_PUT:
        return writer_put(w, j, err);
    case JOBQ_RECORD: {
        char key[FILEREC_KEYLEN];
        filerec_key(j->filekey, key);
        w->dirty = 1;
        return engine_writer_meta_set(w->ew, key, j->record,
                                      j->record ? strlen(j->record) : 0, err);
    }
    case JOBQ_DELETE_FILE:
        return writer_delete_file(w, j, err);
    case JOBQ_SCAN_DELETED: {
        scan_ctx sc = {w, err};
        return engine_writer_meta_scan(w->ew, "F", scan_one, &sc, err);
    }
    case JOBQ_COMMIT:
        return w->dirty ? writer_commit(w, err) : LEDE_OK;
    case JOBQ_STOP: /* a run that changed nothing writes nothing */
        if (w->b->bulk) return writer_bulk_finish(w, err);
        return w->dirty ? writer_commit(w, err) : LEDE_OK;
    }
    return LEDE_OK;
}

static void *writer_main(void *arg) {
    writer *w = arg;
    char err[LEDE_ERRLEN];
    for (;;) {
        jobq_job *j = jobq_pop(&w->q);
        jobq_kind kind = j->kind;
        int rc = atomic_load(&w->b->failed) ? LEDE_OK : writer_handle(w, j, err);
        if (rc != LEDE_OK) build_fail(w->b, rc, err);
        if (j->done) sem_post(j->done);
        jobq_job_free(j);
        if (kind == JOBQ_STOP) break;
    }
    return NULL;
}

/* ---- setting up writers ------------------------------------------------ */

/* The merge of a bulk build's parts, on the progress line. */
static void on_merge_phase(const char *phase, uint64_t done, void *ctx) {
    build *b = ctx;
    char what[128];
    snprintf(what, sizeof what, "writing the %d parts' %s (%" PRIu64 " done)", b->nwriters, phase,
             done);
    pthread_mutex_lock(&b->mu);
    progress_phase(&b->prog, what);
    pthread_mutex_unlock(&b->mu);
    if (!done) INFO(b, "merging %d parts: writing their %s", b->nwriters, phase);
}

/* A bulk build's parts, every writer finished, written as the index's one
 * database by a single merge (livewriter_merge_bulk: the parts are never
 * written alone nor compacted after); closes them all. */
static int merge_parts(build *b, char *err) {
    engine_writer **parts = lede_calloc((size_t)b->nwriters, sizeof *parts);
    int finished = 1;
    for (int k = 0; k < b->nwriters; k++) {
        parts[k] = b->w[k].ew;
        finished &= parts[k] && b->w[k].finished;
    }
    int rc;
    if (finished) {
        INFO(b, "merging %d parts", b->nwriters);
        rc = livewriter_merge_bulk(&b->ix, parts, b->nwriters, writers_bulk_memory(b),
                                   on_merge_phase, b, err);
    } else {
        for (int k = 0; k < b->nwriters; k++) engine_writer_abandon(parts[k]);
        rc = lede_seterr(err, "%s: a part was not finished", b->o->index);
    }
    free(parts);
    return rc;
}

size_t writers_bulk_memory(const build *b) {
    return engine_bulk_budget(b->o->memory, (unsigned)b->nwriters);
}

static int writer_open_engine(build *b, writer *w, int create, char *err) {
    char *path = indexdir_join(&b->ix, w->name);
    size_t memory = writers_bulk_memory(b) / (size_t)b->nwriters;
    int rc = b->bulk ? engine_writer_open_bulk(path, memory, &w->ew, err)
                     : engine_writer_open(path, create, 0, &w->ew, err);
    free(path);
    return rc;
}

/* A new shard's bulk writer takes the shard's key, which its database
 * will hold: a shard's writer makes what only shards hold (engine.h's
 * slot 2). */
static int store_shard_key(build *b, writer *w, char *err) {
    settings own;
    settings_init(&own);
    settings_set_shard(&own, (unsigned)w->k, b->nshards);
    int rc = settings_store_writer(&own, SETTINGS_SHARD, w->ew, err);
    settings_free(&own);
    return rc;
}

static int writer_open(build *b, writer *w, int create, char *err) {
    int rc = writer_open_engine(b, w, create, err);
    if (rc != LEDE_OK) return rc;
    if (create && b->nshards && store_shard_key(b, w, err) != LEDE_OK) return LEDE_ERR;
    /* A shard takes the index's format (the writer reads it back), so an
     * empty index made by an older lede is filled in its own format; and
     * its pivot and common words, which the writer reads too. */
    if (create && settings_store_writer(&b->set, SETTINGS_INDEX, w->ew, err) != LEDE_OK)
        return LEDE_ERR;
    if (!create) { /* its replacements and deletions since its compaction */
        settings own;
        settings_init(&own);
        int rc = settings_load_writer(&own, w->ew, err);
        w->changes = own.changes;
        settings_free(&own);
        if (rc != LEDE_OK) return rc;
    }
    if (engine_writer_configure(w->ew, b->set.language, b->set.stopwords, 1, err) != LEDE_OK ||
        fields_share(b, w->ew, err) != LEDE_OK ||
        (b->o->keep_boilerplate ? engine_writer_keep_boilerplate(w->ew, err)
                                : engine_writer_share_boiler(w->ew, b->boiler, !b->fresh, err)) != LEDE_OK)
        return LEDE_ERR;
    /* A full build's parts (or new shards) see only their own articles:
     * they are grouped once all are written (engine_group_duplicates). */
    engine_writer_group_live(w->ew, !b->fresh);
    w->ds = docstore_new(b->set.dict.data, b->set.dict.len);
    jobq_init(&w->q, QUEUE_CAP);
    return create ? engine_writer_commit(w->ew, err) : LEDE_OK;
}

/* The database writer k writes, relative to the index: a shard's live
 * one, or a bulk writer's new part in its shard's directory. */
static char *writer_name(build *b, int k) {
    if (!b->nshards)
        return b->fresh ? indexdir_new_name(&b->ix, "part", k) : lede_strdup(b->ix.live[0]);
    indexdir *sub = &b->sh.shard[k];
    char *db = b->bulk ? indexdir_new_name(sub, "part", 0) : lede_strdup(sub->live[0]);
    sbuf n;
    sbuf_init(&n);
    sbuf_printf(&n, "%s/%s", sub->path + strlen(b->ix.path) + 1, db);
    free(db);
    return sbuf_detach(&n);
}

/* The stub lists the main database and every part (not a bulk build's:
 * merge_parts writes them as one database, and an interrupted one leaves
 * debris to the next run). */
static int list_parts(build *b, char *err) {
    char **names = lede_calloc((size_t)b->nwriters + 1, sizeof(char *));
    names[0] = b->ix.live[0];
    for (int k = 0; k < b->nwriters; k++) names[k + 1] = b->w[k].name;
    int rc = indexdir_switch(&b->ix, names, b->nwriters + 1, err);
    free(names);
    return rc;
}

int writers_start(build *b, char *err) {
    b->bulk = b->fresh && b->o->bulk;
    if (b->nshards && shardrun_start(b, err) != LEDE_OK) return LEDE_ERR;
    b->w = lede_calloc((size_t)b->nwriters, sizeof(writer));
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        w->b = b;
        w->k = k;
        w->name = writer_name(b, k);
        /* A new part, or an existing shard (a bulk writer's part is new) */
        if (writer_open(b, w, b->fresh && (!b->nshards || b->bulk), err) != LEDE_OK)
            return LEDE_ERR;
    }
    for (int k = 0; b->schema_added && k < b->nwriters; k++) b->w[k].dirty = 1; /* commit them */
    if (b->schema_added && b->front) b->front_pending++;
    if (b->fresh && !b->nshards && !b->bulk && list_parts(b, err) != LEDE_OK) return LEDE_ERR;
    for (int k = 0; k < b->nwriters; k++) {
        if (pthread_create(&b->w[k].thread, NULL, writer_main, &b->w[k]) != 0)
            return lede_seterr(err, "cannot start writer thread");
        b->w[k].started = 1;
    }
    b->writers_running = 1;
    return LEDE_OK;
}

/* Whether w's uncommitted articles are dropped at its close, and taken
 * back from the boilerplate table the run shares (engine.h's
 * engine_writer_unobserve_dropped), whose next writers make them again
 * and count them then.  A failed sharded run's shards keep nothing
 * pending (their files are read again: shardrun_stop), nor put their
 * words in their own spelling tables at the close, nor count their
 * articles in the table shardrun_stop stores again.  A writer whose
 * commit failed was discarded: an unsharded index's, in watch mode, is
 * restarted by follow.c's recovery with the same table, which its rescan
 * counts the articles into again (tests/py/test_boiler_watch.py). */
static int dropped(build *b, const writer *w) {
    return engine_writer_discarded(w->ew) || (b->nshards && atomic_load(&b->failed));
}

int writers_stop(build *b, char *err) {
    if (!b->w) return LEDE_OK; /* stopped already (a compaction that failed) */
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        if (w->started) {
            jobq_push(&w->q, jobq_job_new(JOBQ_STOP));
            pthread_join(w->thread, NULL);
        }
    }
    int rc = LEDE_OK, merged = b->bulk && !atomic_load(&b->failed);
    if (merged) /* closes every part */
        rc = b->nshards ? shardrun_merge_bulk(b, err) : merge_parts(b, err);
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        if (w->ew && b->bulk && !merged) engine_writer_abandon(w->ew); /* writes nothing */
        /* What is pending is committed here, not by the close: a failed
         * commit leaves w discarded, so that its articles are taken back
         * below as any failed commit's are; a close whose commit fails
         * drops them too, but frees w, and they would stay counted */
        if (w->ew && !b->bulk && !dropped(b, w) && engine_writer_pending_changes(w->ew) > 0 &&
            engine_writer_commit(w->ew, err) != LEDE_OK)
            rc = LEDE_ERR;
        if (w->ew && !b->bulk && dropped(b, w)) {
            engine_writer_unobserve_dropped(w->ew);
            engine_writer_discard(w->ew);
        }
        if (w->ew && !b->bulk && engine_writer_close(w->ew, err) != LEDE_OK) rc = LEDE_ERR;
        if (w->ew) jobq_destroy(&w->q);
        docstore_free(w->ds);
    }
    for (int k = 0; k < b->nwriters; k++) free(b->w[k].name);
    free(b->w);
    b->w = NULL;
    b->writers_running = 0;
    if (b->nshards && shardrun_stop(b, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    if (atomic_load(&b->failed)) return build_failure(b, err);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------- */

static int route(build *b, const jobq_job *j) {
    if (b->nwriters == 1 || j->kind != JOBQ_PUT) return 0;
    if (b->nshards) return (int)shards_route(j->a.id, b->nshards);
    sbuf q;
    sbuf_init(&q);
    engine_id_term(j->a.id, &q);
    int k = (int)(lede_hash(q.data, q.len) % (uint64_t)b->nwriters);
    sbuf_free(&q);
    return k;
}

void writers_push(build *b, jobq_job *j) {
    if (b->nshards) shardrun_push(b, j);
    else writers_push_to(b, route(b, j), j);
}

void writers_push_to(build *b, int k, jobq_job *j) {
    jobq_push(&b->w[k].q, j);
}

int writers_route(build *b, const jobq_job *j) {
    return route(b, j);
}

int writers_dispatch(build *b, jobq_job *j, char *err) {
    if (atomic_load(&b->failed)) {
        jobq_job_free(j);
        return build_failure(b, err);
    }
    /* A full build's articles are counted here, in reading order, before it
     * holds its first ones: those are cleaned of what recurs among them.
     * Other runs' writers count what they do not find unchanged. */
    int counted = b->boiler && b->fresh && j->kind == JOBQ_PUT;
    if (counted && b->writers_running) {
        j->nboiler = boiler_observe_article_spans(b->boiler, &j->a, &j->boiler);
        j->boiler_decided = 1;
    } else if (counted) {
        boiler_observe_article(b->boiler, &j->a);
    }
    if (b->writers_running) {
        writers_push(b, j);
        return LEDE_OK;
    }
    return sample_hold(b, j, err);
}

void writers_decide_boiler(build *b, jobq_job *j) {
    if (!b->boiler || !b->fresh || j->kind != JOBQ_PUT) return;
    j->nboiler = boiler_article_spans(b->boiler, &j->a, &j->boiler);
    j->boiler_decided = 1;
}

int writers_record(build *b, const char *filekey, char *record, char *err) {
    jobq_job *j = jobq_job_new(JOBQ_RECORD);
    memcpy(j->filekey, filekey, 17);
    j->record = record;
    return writers_dispatch(b, j, err);
}

int writers_run_sync(build *b, jobq_job *j, char *err) {
    sem_t done;
    sem_init(&done, 0, 0);
    j->done = &done;
    int rc = writers_dispatch(b, j, err);
    if (rc == LEDE_OK) {
        while (sem_wait(&done) != 0) {}
        if (atomic_load(&b->failed)) rc = build_failure(b, err);
    }
    sem_destroy(&done);
    return rc;
}
