/* follow.c -- the watch phase of a run (see follow.h), and its recovery
 * from a full disk (watch.h waits for space).  Reads no file and touches
 * no inotify itself. */
#define _GNU_SOURCE
#include "follow.h"
#include "sources.h"
#include "watch.h"
#include "writers.h"
#include "../src/livewriter.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One writer on the live database (a sharded index: one a shard), file
 * records looked up in it (in the front). */
static int start_live_writer(build *b, char *err) {
    engine_reader_close(b->lookup);
    b->lookup = NULL;
    b->fresh = 0;
    b->nwriters = b->nshards ? (int)b->nshards : 1;
    if (build_load_settings(b, err) != LEDE_OK) return LEDE_ERR;
    return writers_start(b, err);
}

static int watch_changed(void *ctx, const char *root, const char *path, char *err) {
    build *b = ctx;
    struct stat st;
    b->tolerate_empty = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    int rc = sources_walk_below(b, root, path, err);
    b->tolerate_empty = 0;
    return rc;
}

static int watch_gone(void *ctx, const char *path, char *err) {
    build *b = ctx;
    if (b->o->no_delete) return LEDE_OK;
    jobq_job *j = jobq_job_new(JOBQ_DELETE_FILE);
    filerec_filekey(path, j->filekey);
    char filekey[17];
    memcpy(filekey, j->filekey, sizeof filekey);
    int rc = writers_dispatch(b, j, err);
    INFO(b, "gone: %s", path);
    return rc == LEDE_OK ? writers_record(b, filekey, NULL, err) : rc;
}

static int watch_gone_dir(void *ctx, char *err) {
    build *b = ctx;
    return sources_finish(b, err);
}

static int watch_rescan(void *ctx, char *err) {
    build *b = ctx;
    int rc = sources_walk(b, err);
    return rc == LEDE_OK ? sources_finish(b, err) : rc;
}

/* livewriter.h's policy, for each writer's database (a sharded index:
 * each shard alone). */
static int maybe_compact(build *b, char *err) {
    int *due = lede_calloc((size_t)b->nwriters, sizeof(int)), any = 0;
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        due[k] = livewriter_compaction_due(w->changes, engine_writer_doccount(w->ew));
        if (due[k]) INFO(b, "compacting %s: %" PRIu64 " replacements and deletions since the last"
                         " time", w->name, w->changes);
        any |= due[k];
    }
    int rc = any ? writers_stop(b, err) : LEDE_OK;
    if (any && rc == LEDE_OK && b->boiler) { /* the compaction makes their articles again */
        boiler_learned *learned;
        boiler_learned_free(learned, boiler_take_learned(b->boiler, &learned));
    }
    if (any && rc == LEDE_OK)
        rc = b->nshards ? shards_compact(&b->sh, due, 0, err) : livewriter_merge_live(&b->ix, err);
    free(due);
    return any && rc == LEDE_OK ? start_live_writer(b, err) : rc;
}

static int watch_commit(void *ctx, char *err) {
    build *b = ctx;
    int rc = writers_run_sync(b, jobq_job_new(JOBQ_COMMIT), err);
    int changed;
    if (rc == LEDE_OK) rc = engine_reader_refresh(b->lookup, &changed, err);
    return rc == LEDE_OK ? maybe_compact(b, err) : rc;
}

/* A full disk, met here (rc) or by a writer thread (its recorded
 * failure: the walks' own codes say only that something failed). */
static int watch_full(void *ctx, int rc) {
    build *b = ctx;
    if (rc == LEDE_EDISKFULL) return 1;
    if (!atomic_load(&b->failed)) return 0;
    pthread_mutex_lock(&b->mu);
    int full = b->fail_code == LEDE_EDISKFULL;
    pthread_mutex_unlock(&b->mu);
    return full;
}

/* After a full disk: the writers are closed (Xapian may have closed a
 * database whose commit failed, and what they had not committed is
 * dropped), opened again, and every root walked and committed, which
 * indexes again what had not been committed (the file records say what
 * was) and deletes what went meanwhile. */
static int watch_recover(void *ctx, char *err) {
    build *b = ctx;
    /* Closing a writer commits what it holds: not begun without room
     * (engine.h: Xapian 1.4 may abort on a commit the disk cannot take). */
    uint64_t room = indexdir_free_bytes(&b->ix);
    if (room < ENGINE_COMMIT_MIN_FREE)
        return lede_seterr_code(err, LEDE_EDISKFULL, "%s: disk full: %.2f MB free", b->ix.path, (double)room / 1e6);
    writers_stop(b, NULL); /* a failed database's commit fails again: ignored */
    build_clear_failure(b);
    int rc = start_live_writer(b, err);
    if (rc == LEDE_OK) rc = watch_rescan(b, err);
    if (rc == LEDE_OK) rc = watch_commit(b, err);
    if (rc != LEDE_OK && watch_full(b, rc)) rc = LEDE_EDISKFULL;
    return rc;
}

static int watch_wanted(void *ctx, const char *name) {
    return sources_wanted_name(ctx, name);
}

int follow_run(build *b, char *err) {
    if (!b->nroots) return lede_seterr(err, "--watch needs a directory source");
    progress_clear(&b->prog);
    b->prog.enabled = 0;
    if (start_live_writer(b, err) != LEDE_OK) return LEDE_ERR;
    if (!b->o->quiet)
        build_say(b, "", "watching %d director%s for changes (SIGINT or SIGTERM to stop)",
                  b->nroots, b->nroots == 1 ? "y" : "ies");
    static const watch_ops ops = {watch_changed, watch_gone, watch_gone_dir,
                                  watch_commit, watch_rescan, watch_full, watch_recover,
                                  watch_wanted};
    double interval = b->o->commit_interval > 0 ? b->o->commit_interval : 0.25;
    int rc = watch_run(b->roots, b->nroots, interval, &ops, b, err);
    int wrc = writers_stop(b, rc == LEDE_OK ? err : NULL);
    return rc == LEDE_OK ? wrc : rc;
}
