/* shardrun.c -- a run on a sharded index (see shardrun.h): its setup, the
 * front's writer, commit points, the jobs that go to the front or to
 * every shard, and the end of a full build (a bulk build's shards written
 * in parallel).  Reads no source file and writes no article. */
#define _GNU_SOURCE
#include "shardrun.h"
#include "fields.h"
#include "sample.h"
#include "sources.h"
#include "writers.h"
#include "../src/livewriter.h"

#include <inttypes.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *role(const build *b) {
    return b->o->watch ? "lede-index --watch" : "lede-index";
}

/* ---- setting up -------------------------------------------------------- */

static int open_existing(build *b, int count, char *err) {
    if (shards_open(&b->ix, role(b), &b->sh, err) != LEDE_OK) return LEDE_ERR;
    b->nshards = (unsigned)count;
    if (build_load_settings(b, err) != LEDE_OK) return LEDE_ERR;
    b->fresh = 0;
    sample_warn_kept(b);
    b->nwriters = count;
    return writers_start(b, err);
}

/* A new sharded index: a full build, whose settings start as a new
 * index's (sample.h chooses the rest), and which creates the index when
 * the writers start. */
static void ready_new(build *b, unsigned n) {
    b->nshards = n;
    b->fresh = 1;
    b->st->full_build = 1;
    b->nwriters = (int)n;
    settings *s = &b->set;
    settings_set_string(&s->format, ENGINE_FORMAT);
    settings_set_string(&s->language, b->o->language ? b->o->language : SETTINGS_DEFAULT_LANGUAGE);
    settings_set_string(&s->stopwords,
                        b->o->no_stopwords ? "" : engine_default_stopwords(s->language));
    settings_set_string(&s->pivot, "");
    settings_set_string(&s->shard, "");
    settings_set_string(&s->fold, ENGINE_FOLD);
    settings_set_string(&s->stop_pairs, *s->stopwords ? "1" : "");
    docstore_dict_init(&b->dictb);
}

int shardrun_setup(build *b, int count, char *err) {
    unsigned want = (unsigned)b->o->shards;
    if (count == 0 && b->ix.nlive)
        return lede_seterr(err, "%s: --shards: an index that is not sharded already lives here"
                           " (shard a new index)", b->o->index);
    if (count > 0 && want && want != (unsigned)count)
        return lede_seterr(err, "%s: the index has %d shards, not %u (the count is fixed when"
                           " the index is created)", b->o->index, count, want);
    if (count > 0) return open_existing(b, count, err);
    ready_new(b, want);
    return LEDE_OK;
}

/* ---- the front --------------------------------------------------------- */

int shardrun_start(build *b, char *err) {
    /* A bulk build's index appears once its shards are written
     * (shardrun_finish_full): until then a kill leaves no index. */
    if (!b->sh.n && shards_create(&b->ix, b->nshards, &b->set, role(b), !b->bulk, &b->sh,
                                  err) != LEDE_OK)
        return LEDE_ERR;
    char *path = shards_db_path(&b->sh.front);
    int rc = engine_writer_open(path, 0, 0, &b->front, err);
    free(path);
    if (rc == LEDE_OK) rc = fields_share(b, b->front, err); /* its commits carry the schema */
    b->front_pending = 0;
    b->front_held = NULL;
    b->front_given = 0;
    return rc;
}

/* Commits the front: its lock held by the caller, or, from shardrun_stop,
 * not needed (the shard writers that take it are joined by then). */
static int commit_front(build *b, char *err) {
    int rc = engine_writer_room(b->front, err); /* no commit begun without room (engine.h) */
    if (rc == LEDE_OK) rc = engine_writer_commit(b->front, err);
    if (rc != LEDE_OK) return rc; /* its code: a full disk is waited out in watch mode */
    b->front_pending = 0;
    engine_words_free(b->front_held); /* committed */
    b->front_held = NULL;
    b->front_given = 0;
    INFO(b, "commit %s/%s", INDEXDIR_FRONT, b->sh.front.live[0]);
    return LEDE_OK;
}

/* The words held for the front (handed over by the shards that committed
 * since its last commit) committed alone, by a writer of the front opened
 * anew, after the front's own writer dropped all it had not committed
 * and closed.  If they cannot be (a full disk, a failed open or commit),
 * a warning says they are lost, beside the run's own error. */
static void commit_held_words(build *b) {
    engine_writer_discard(b->front);
    engine_writer_close(b->front, NULL);
    b->front = NULL;
    if (!b->front_held) return;
    char *path = shards_db_path(&b->sh.front);
    engine_writer *front = NULL;
    char err[LEDE_ERRLEN];
    int rc = engine_writer_open(path, 0, 0, &front, err);
    free(path);
    if (rc == LEDE_OK) {
        engine_writer_lend_words(front, b->front_held);
        rc = engine_writer_room(front, err);
        if (rc == LEDE_OK) rc = engine_writer_commit(front, err);
        if (rc != LEDE_OK) engine_writer_discard(front); /* its close commits nothing */
        engine_writer_close(front, NULL);
    }
    if (rc == LEDE_OK)
        INFO(b, "commit %s/%s: the spelling words of the shards that committed", INDEXDIR_FRONT,
             b->sh.front.live[0]);
    else
        WARN(b, "%s/%s: the spelling words of the shards that committed since its last commit are lost "
             "(%s): their articles are indexed, but suggestions miss those words until they occur "
             "again, and count the words those articles' old versions gave", INDEXDIR_FRONT,
             b->sh.front.live[0], err);
}

/* After a failed run, the shards that committed in it stored the shared
 * boilerplate table with the articles the others then dropped counted
 * (writers_stop has taken those back from it since): each shard whose
 * table differs gets it again, committed alone by a writer opened anew,
 * so that the next run, which makes the dropped articles again, counts
 * them once (tests/py/test_boiler_rerun.py).  A shard that cannot (a full
 * disk, a failed open or commit) keeps its table, and a warning says so. */
static void store_boiler_again(build *b) {
    /* a full build's articles are counted as they are read, not by the
     * writers: none taken back (docs/ARCHITECTURE.md) */
    if (!b->boiler || b->bulk || b->fresh) return;
    for (unsigned k = 0; k < b->nshards; k++) {
        char *path = shards_db_path(&b->sh.shard[k]), err[LEDE_ERRLEN];
        engine_writer *w = NULL;
        int differs = 0, rc = engine_writer_open(path, 0, 0, &w, err);
        if (rc == LEDE_OK) rc = engine_writer_store_boiler(w, b->boiler, &differs, err);
        if (rc == LEDE_OK && differs) rc = engine_writer_room(w, err);
        if (rc == LEDE_OK && differs) rc = engine_writer_commit(w, err);
        if (rc != LEDE_OK || !differs) engine_writer_discard(w); /* its close commits nothing */
        engine_writer_close(w, NULL);
        if (rc != LEDE_OK)
            WARN(b, "%s: its boilerplate table still counts the articles the failed run dropped (%s): "
                 "the next run counts them twice", path, err);
        else if (differs)
            INFO(b, "commit %s: the boilerplate table without the articles the failed run dropped", path);
        free(path);
    }
}

/* After a failed run the front's pending records are dropped, not
 * committed: they name files whose articles a shard's failed commit may
 * have dropped, and a committed record would make the next run skip
 * them (tests/py/test_shard_commit_fail).  Those files are read again.
 * The words the shards that did commit handed over since the front's
 * last commit are committed (commit_held_words), as they are when the
 * front's own last commit failed: those shards' articles come out
 * unchanged in the next run and give no words then. */
int shardrun_stop(build *b, char *err) {
    if (!b->front) return LEDE_OK;
    int rc = LEDE_OK;
    if (!atomic_load(&b->failed) && (b->front_pending || b->front_held || b->front_given)) rc = commit_front(b, err);
    if (atomic_load(&b->failed)) store_boiler_again(b);
    if (atomic_load(&b->failed) || rc != LEDE_OK) {
        commit_held_words(b);
    } else {
        rc = engine_writer_close(b->front, err);
        b->front = NULL;
    }
    engine_words_free(b->front_held); /* committed, or nobody can */
    b->front_held = NULL;
    return rc;
}

/* Lent to the front and held until its commit succeeds (engine.h), one
 * entry a word (engine_words_join: a fresh build's front commits only at
 * the stop, its file records deferred, so what is held is the run's
 * vocabulary).  A bulk build's are given, not held: a failed bulk build
 * leaves no listed index for them to be kept in. */
void shardrun_hand_words(build *b, engine_words *words) {
    pthread_mutex_lock(&b->front_mu);
    if (b->bulk) {
        engine_writer_give_words(b->front, words);
        b->front_given = 1;
    } else {
        engine_writer_lend_words(b->front, words);
        b->front_held = engine_words_join(b->front_held, words);
    }
    pthread_mutex_unlock(&b->front_mu);
}

/* Sets (record NULL: deletes) a file record in the front; takes record. */
static int front_record(build *b, const char *filekey, char *record, char *err) {
    char key[FILEREC_KEYLEN];
    filerec_key(filekey, key);
    pthread_mutex_lock(&b->front_mu);
    int rc = engine_writer_meta_set(b->front, key, record, record ? strlen(record) : 0, err);
    b->front_pending++;
    pthread_mutex_unlock(&b->front_mu);
    free(record);
    return rc;
}

/* ---- jobs for every shard ---------------------------------------------- */

/* Gives every shard a job of this kind and waits until all have done it. */
static int every_shard(build *b, jobq_kind kind, const char *filekey, idset *keep, char *err) {
    sem_t done;
    sem_init(&done, 0, 0);
    for (unsigned k = 0; k < b->nshards; k++) {
        jobq_job *j = jobq_job_new(kind);
        if (filekey) memcpy(j->filekey, filekey, 17);
        j->keep = keep;
        j->keep_borrowed = 1;
        j->done = &done;
        writers_push_to(b, (int)k, j);
    }
    for (unsigned k = 0; k < b->nshards; k++)
        while (sem_wait(&done) != 0) {}
    sem_destroy(&done);
    return atomic_load(&b->failed) ? build_failure(b, err) : LEDE_OK;
}

int shardrun_commit(build *b, char *err) {
    int rc = every_shard(b, JOBQ_COMMIT, NULL, NULL, err);
    if (rc != LEDE_OK) return rc;
    pthread_mutex_lock(&b->front_mu);
    rc = commit_front(b, err);
    pthread_mutex_unlock(&b->front_mu);
    return rc;
}

static int maybe_commit(build *b, char *err) {
    pthread_mutex_lock(&b->front_mu);
    uint64_t pending = b->front_pending;
    pthread_mutex_unlock(&b->front_mu);
    if (pending < (uint64_t)b->o->batch * b->nshards) return LEDE_OK;
    return shardrun_commit(b, err);
}

typedef struct gone_file {
    char filekey[17];
    char *path;
    struct gone_file *next;
} gone_file;

typedef struct gone_list {
    build *b;
    gone_file *head;
} gone_list;

static int note_gone(const char *key, const char *val, size_t len, void *ctx) {
    gone_list *l = ctx;
    char *path = filerec_path(val, len);
    if (!path || !sources_gone(l->b, path)) {
        free(path);
        return 0;
    }
    gone_file *g = lede_calloc(1, sizeof *g);
    snprintf(g->filekey, sizeof g->filekey, "%s", key + 1);
    g->path = path;
    g->next = l->head;
    l->head = g;
    return 0;
}

/* The files gone from under the directory sources: their articles from
 * every shard, then their records from the front. */
static int scan_deleted(build *b, char *err) {
    gone_list l = {b, NULL};
    pthread_mutex_lock(&b->front_mu);
    int rc = engine_writer_meta_scan(b->front, "F", note_gone, &l, err);
    pthread_mutex_unlock(&b->front_mu);
    while (l.head) {
        gone_file *g = l.head;
        l.head = g->next;
        uint64_t before = atomic_load(&b->deleted);
        if (rc == LEDE_OK) rc = every_shard(b, JOBQ_DELETE_FILE, g->filekey, NULL, err);
        if (rc == LEDE_OK) rc = front_record(b, g->filekey, NULL, err);
        if (rc == LEDE_OK)
            INFO(b, "gone: %s (%" PRIu64 " articles deleted)", g->path,
                 atomic_load(&b->deleted) - before);
        free(g->path);
        free(g);
    }
    return rc;
}

/* ---- routing ----------------------------------------------------------- */

static int push(build *b, jobq_job *j, char *err) {
    char *record, filekey[17];
    switch (j->kind) {
    case JOBQ_PUT: /* the article first: its record must not be committed before it */
        record = j->record;
        j->record = NULL;
        memcpy(filekey, j->filekey, sizeof filekey);
        writers_push_to(b, writers_route(b, j), j);
        return record ? front_record(b, filekey, record, err) : LEDE_OK;
    case JOBQ_RECORD:
        record = j->record;
        j->record = NULL;
        return front_record(b, j->filekey, record, err);
    case JOBQ_DELETE_FILE:
        return every_shard(b, JOBQ_DELETE_FILE, j->filekey, j->keep, err);
    case JOBQ_SCAN_DELETED:
        return scan_deleted(b, err);
    case JOBQ_COMMIT:
        return shardrun_commit(b, err);
    case JOBQ_STOP:
        break;
    }
    return lede_seterr(err, "a stop job handed to a sharded run");
}

void shardrun_push(build *b, jobq_job *j) {
    char err[LEDE_ERRLEN];
    jobq_kind kind = j->kind;
    int rc = push(b, j, err);
    if (rc == LEDE_OK && kind != JOBQ_COMMIT) rc = maybe_commit(b, err);
    if (rc != LEDE_OK) build_fail(b, rc, err);
    if (kind == JOBQ_PUT) return; /* a shard writer has it */
    if (j->done) sem_post(j->done);
    jobq_job_free(j);
}

/* ---- the end of a full build ------------------------------------------- */

/* One shard's bulk writer written as its database, in a thread of its own. */
typedef struct shard_merge {
    build *b;
    unsigned k;
    engine_writer *part;
    size_t memory;
    pthread_t thread;
    int started, rc;
    char err[LEDE_ERRLEN];
} shard_merge;

/* Its phases on the progress line (from any merge's thread). */
static void on_shard_phase(const char *phase, uint64_t done, void *ctx) {
    shard_merge *m = ctx;
    char what[128];
    snprintf(what, sizeof what, "writing the %u shards' %s (shard %u: %" PRIu64 " done)",
             m->b->nshards, phase, m->k, done);
    pthread_mutex_lock(&m->b->mu);
    progress_phase(&m->b->prog, what);
    pthread_mutex_unlock(&m->b->mu);
    if (!done) INFO(m->b, "shard %u: writing its %s", m->k, phase);
}

static void *shard_merge_main(void *arg) {
    shard_merge *m = arg;
    m->rc = livewriter_merge_bulk(&m->b->sh.shard[m->k], &m->part, 1, m->memory, on_shard_phase,
                                  m, m->err);
    return NULL;
}

int shardrun_merge_bulk(build *b, char *err) {
    unsigned n = b->nshards;
    shard_merge *ms = lede_calloc(n, sizeof *ms);
    int finished = 1;
    for (unsigned k = 0; k < n; k++)
        finished &= b->w[k].ew && b->w[k].finished;
    if (!finished) {
        for (unsigned k = 0; k < n; k++) engine_writer_abandon(b->w[k].ew);
        free(ms);
        return lede_seterr(err, "%s: a shard was not finished", b->o->index);
    }
    INFO(b, "writing %u shards", n);
    size_t memory = writers_bulk_memory(b) / n;
    for (unsigned k = 0; k < n; k++) {
        shard_merge *m = &ms[k];
        *m = (shard_merge){.b = b, .k = k, .part = b->w[k].ew, .memory = memory};
        m->started = pthread_create(&m->thread, NULL, shard_merge_main, m) == 0;
        if (!m->started) shard_merge_main(m);
    }
    int rc = LEDE_OK;
    for (unsigned k = 0; k < n; k++) {
        if (ms[k].started) pthread_join(ms[k].thread, NULL);
        if (ms[k].rc != LEDE_OK && rc == LEDE_OK)
            rc = lede_seterr_code(err, ms[k].rc, "%s", ms[k].err);
    }
    free(ms);
    return rc;
}

/* A full build's JSON Lines records, once every shard is written. */
static int write_deferred(build *b, char *err) {
    if (!b->records) return LEDE_OK;
    engine_writer *w;
    char *path = shards_db_path(&b->sh.front);
    int rc = engine_writer_open(path, 0, 0, &w, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    rc = filerec_write_pending(b->records, w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}


int shardrun_finish_full(build *b, char *err) {
    if (!b->sh.n) { /* no article came: the index is created empty, with its --schema */
        if (shards_create(&b->ix, b->nshards, &b->set, role(b), 1, &b->sh, err) != LEDE_OK)
            return LEDE_ERR;
        return fields_write_declared(b, err);
    }
    if (write_deferred(b, err) != LEDE_OK) return LEDE_ERR;
    engine_dup_stats dups; /* a bulk build's writers are closed: its budget is free */
    size_t memory = b->bulk ? writers_bulk_memory(b) : 0;
    if (shards_group_duplicates(&b->sh, memory, &dups, err) != LEDE_OK)
        return LEDE_ERR;
    INFO(b, "near-duplicates: %llu groups of %llu articles", (unsigned long long)dups.groups,
         (unsigned long long)dups.grouped);
    /* A bulk build's index appears now, every article in it.  Its shards
     * are compacted as the API path's are: the group keys written into
     * them, compact as the merge wrote them, made Reuters' 2 shards 15%
     * larger (67.9 against 59.3 MB, the termlists and value streams). */
    if (b->bulk && shards_list(&b->sh, err) != LEDE_OK) return LEDE_ERR;
    INFO(b, "compacting %u shards and the front", b->nshards);
    return shards_compact(&b->sh, NULL, 1, err);
}
