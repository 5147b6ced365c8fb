/* build.c -- the indexing run (see build.h): sets the index up, runs the
 * first pass over the sources and, with --watch, the watch phase; merges a
 * full build's shards; gathers the statistics; and the run's messages.
 * The parts of a run are in run.h's files; this one only orders them and
 * must not write articles or records itself.
 *
 * One reading thread walks the sources, reads and parses articles and hands
 * them to writer threads through bounded queues; each writer owns one Xapian
 * database.  A new index gets one writer per core, each on its own part
 * (routed by id hash, so an id always lands in the same part), and the
 * parts are merged into one compact database at the end; an existing index
 * gets a single writer on its database.  Writers commit every `batch`
 * articles; the stub lists the parts while they are built, so readers see
 * every committed batch and an interrupted build is merged and resumed by
 * the next run.  A sharded index (shardrun.h) gets one writer per shard,
 * new or existing, and its shards are never merged (a new one's bulk
 * writers are each written as their shard's database).  What was indexed from
 * each source file is kept in file records (filerec.h), so the next run
 * skips what did not change. */
#define _GNU_SOURCE
#include "build.h"
#include "fields.h"
#include "follow.h"
#include "run.h"
#include "sample.h"
#include "shardrun.h"
#include "sources.h"
#include "writers.h"
#include "../src/livewriter.h"
#include "../src/source.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *build_skip_name(skip_reason r) {
    static const char *names[] = {"unreadable", "binary", "too large",
                                  "empty", "malformed", "truncated"};
    return r < SKIP_NREASONS ? names[r] : "?";
}

uint64_t build_skipped_total(const build_stats *st) {
    uint64_t n = 0;
    for (int i = 0; i < SKIP_NREASONS; i++) n += st->skipped[i];
    return n;
}

/* ---- messages ---------------------------------------------------------- */

void build_say(build *b, const char *kind, const char *fmt, ...) {
    pthread_mutex_lock(&b->mu);
    progress_clear(&b->prog);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lede-index: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    pthread_mutex_unlock(&b->mu);
}

void build_fail(build *b, int code, const char *msg) {
    pthread_mutex_lock(&b->mu);
    if (!atomic_load(&b->failed)) {
        snprintf(b->fail_err, sizeof b->fail_err, "%s", msg);
        b->fail_code = code == LEDE_OK ? LEDE_ERR : code;
        atomic_store(&b->failed, 1);
    }
    pthread_mutex_unlock(&b->mu);
}

int build_failure(build *b, char *err) {
    pthread_mutex_lock(&b->mu);
    int code = lede_seterr_code(err, b->fail_code, "%s", b->fail_err);
    pthread_mutex_unlock(&b->mu);
    return code;
}

void build_clear_failure(build *b) {
    pthread_mutex_lock(&b->mu);
    atomic_store(&b->failed, 0);
    b->fail_err[0] = '\0';
    b->fail_code = LEDE_OK;
    pthread_mutex_unlock(&b->mu);
}

void build_skip(build *b, skip_reason r) {
    b->st->skipped[r]++;
}

void build_tick(build *b, uint64_t raw_in_file) {
    uint64_t done = atomic_load(&b->added) + atomic_load(&b->replaced) +
                    atomic_load(&b->unchanged);
    progress_update(&b->prog, done, b->bytes_before + raw_in_file);
}

/* ---- the run ----------------------------------------------------------- */

/* A full build's JSON Lines records, once its shards are merged. */
static int write_deferred(build *b, char *err) {
    if (!b->records) return LEDE_OK;
    engine_writer *w;
    char *path = indexdir_join(&b->ix, b->ix.live[0]);
    int rc = engine_writer_open(path, 0, 0, &w, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    rc = filerec_write_pending(b->records, w, err);
    if (rc == LEDE_OK) rc = engine_writer_close(w, err);
    else engine_writer_close(w, NULL);
    return rc;
}

int build_load_settings(build *b, char *err) {
    char *main_db = b->nshards ? shards_db_path(&b->sh.front)
                               : indexdir_join(&b->ix, b->ix.live[0]);
    int rc = engine_reader_open(main_db, &b->lookup, err);
    free(main_db);
    if (rc != LEDE_OK) return rc;
    if (settings_load_reader(&b->set, b->lookup, err) != LEDE_OK) return LEDE_ERR;
    if (fields_start(b, err) != LEDE_OK) return LEDE_ERR;
    if (b->o->language && strcmp(b->o->language, b->set.language))
        return lede_seterr(err, "%s: index was built with language '%s', not '%s'"
                           " (use a new index to change it)", b->o->index,
                           b->set.language, b->o->language);
    if (!b->nshards && (b->set.stored & (SETTINGS_SHARD | SETTINGS_SHARDS)))
        return lede_seterr(err, "%s: a part of a sharded index (its %s): write to the index"
                           " that holds it", b->o->index, *b->set.shard ? "shard" : "front");
    if (b->o->no_stopwords && *b->set.stopwords)
        return lede_seterr(err, "%s: index was built leaving out stop words"
                           " (use a new index to keep them)", b->o->index);
    return LEDE_OK;
}

/* The settings a full build chooses from its sample (sample.h). */
#define SAMPLE_SETTINGS (SETTINGS_PIVOT | SETTINGS_COMMON | SETTINGS_PAIR_WORDS | SETTINGS_TIERS | \
                         SETTINGS_PREFIXES)

/* A full build over an index whose articles were all deleted: the empty
 * database keeps the pivot and common words of its first build, and while
 * the stub lists it first (until the new shards are merged) readers would
 * take its common words for the new articles' (a phrase of words common
 * then but not now would look for pair terms no article has).  The build
 * chooses both afresh, so the old ones go. */
static int forget_sample_settings(build *b, char *err) {
    for (int i = 0; i < b->ix.nlive; i++) {
        char *path = indexdir_join(&b->ix, b->ix.live[i]);
        engine_writer *w;
        int rc = engine_writer_open(path, 0, 0, &w, err);
        free(path);
        if (rc != LEDE_OK) return rc;
        if (settings_erase_writer(SAMPLE_SETTINGS, w, err) != LEDE_OK) {
            engine_writer_close(w, NULL);
            return LEDE_ERR;
        }
        if (engine_writer_close(w, err) != LEDE_OK) return LEDE_ERR;
    }
    return LEDE_OK;
}

/* An empty index gets a parallel full build, which chooses its dictionary,
 * pivot and common words afresh (sample.h). */
static int setup_full_build(build *b, char *err) {
    b->nwriters = b->o->threads > 0 ? b->o->threads : 1;
    docstore_dict_init(&b->dictb);
    int stale = (b->set.stored & SAMPLE_SETTINGS) != 0;
    sbuf_reset(&b->set.dict);
    settings_set_string(&b->set.pivot, "");
    sbuf_reset(&b->set.common);
    sbuf_reset(&b->set.pair_words);
    sbuf_reset(&b->set.tiers);
    sbuf_reset(&b->set.prefixes);
    engine_reader_close(b->lookup);
    b->lookup = NULL;
    return stale ? forget_sample_settings(b, err) : LEDE_OK;
}

static int setup(build *b, char *err) {
    int rc = indexdir_open(b->o->index, 1, b->o->watch ? "lede-index --watch" : "lede-index", &b->ix, err);
    if (rc != LEDE_OK) return rc;
    int shards = indexdir_shard_count(&b->ix);
    if (shards < 0)
        return lede_seterr(err, "%s: the stub names a front but not its shards", b->o->index);
    if (shards > 0 || b->o->shards) return shardrun_setup(b, shards, err);
    if (indexdir_needs_merge(&b->ix)) {
        INFO(b, "merging the databases of an interrupted run");
        if (livewriter_merge_live(&b->ix, err) != LEDE_OK) return LEDE_ERR;
        b->resumed = 1;
    }
    indexdir_cleanup(&b->ix);
    if (b->ix.nlive == 0 && livewriter_create_empty(&b->ix, b->o->language, !b->o->no_stopwords, err) != LEDE_OK)
        return LEDE_ERR;
    if (build_load_settings(b, err) != LEDE_OK) return LEDE_ERR;
    b->fresh = engine_reader_doccount(b->lookup) == 0;
    b->st->full_build = b->fresh;
    if (b->fresh) return setup_full_build(b, err);
    sample_warn_kept(b);
    b->nwriters = 1;
    return writers_start(b, err);
}

static int first_pass(build *b, char *err) {
    int rc = setup(b, err);
    if (rc != LEDE_OK) return rc;
    sources_collect_roots(b);
    rc = sources_walk(b, err);
    if (rc == LEDE_OK && !b->writers_running && b->fresh) {
        if (!b->held_head) /* nothing to index */
            return b->nshards ? shardrun_finish_full(b, err) : fields_write_declared(b, err);
        rc = sample_choose_and_start(b, err);
    }
    if (rc == LEDE_OK && !b->fresh) rc = sources_finish(b, err);
    int wrc = b->writers_running ? writers_stop(b, rc == LEDE_OK ? err : NULL) : LEDE_OK;
    if (rc == LEDE_OK) rc = wrc;
    if (rc == LEDE_OK && b->fresh && b->nshards) {
        rc = shardrun_finish_full(b, err);
    } else if (rc == LEDE_OK && b->fresh) {
        if (!b->bulk) { /* a bulk build's parts are merged as the writers stop */
            INFO(b, "merging %d parts", b->nwriters);
            rc = livewriter_merge_live(&b->ix, err);
        }
        if (rc == LEDE_OK) rc = write_deferred(b, err);
    } else if (rc == LEDE_OK && b->resumed) {
        /* The rest of an interrupted full build went into the merged
         * database article by article: uncompacted, that index was twice
         * the size of a clean build's (25 against 15 MB on BBC). */
        INFO(b, "compacting the resumed build");
        rc = livewriter_merge_live(&b->ix, err);
    }
    return rc;
}

/* With --watch, the summary's unchanged articles are the first pass's:
 * the watch visits a file again at each of its events (a create, then a
 * close), and counting those made "unchanged" exceed the articles. */
static int run(build *b, double t0, char *err) {
    int rc = first_pass(b, err);
    if (rc == LEDE_OK && b->o->watch) {
        b->st->first_pass_seconds = lede_now() - t0;
        b->unchanged_first = atomic_load(&b->unchanged);
        b->st->watched = 1;
        rc = follow_run(b, err);
    }
    return rc;
}

static void collect_stats(build *b) {
    build_stats *st = b->st;
    st->added = atomic_load(&b->added);
    st->replaced = atomic_load(&b->replaced);
    st->unchanged = st->watched ? b->unchanged_first : atomic_load(&b->unchanged);
    st->deleted = atomic_load(&b->deleted);
    st->index_bytes = indexdir_size(&b->ix);
    engine_reader *r;
    if (b->ix.path && engine_reader_open(b->ix.path, &r, NULL) == LEDE_OK) {
        st->articles = engine_reader_doccount(r);
        engine_reader_close(r);
    }
}

static uint64_t total_input(const build_opts *o) {
    uint64_t total = 0;
    for (int i = 0; i < o->nsources; i++) total += src_total_bytes(o->sources[i]);
    return total;
}

static void build_free(build *b) {
    sample_free_held(b);
    if (b->fresh && !b->writers_running) docstore_dict_free(&b->dictb);
    filerec_free_pending(&b->records);
    for (int i = 0; i < b->nroots; i++) free(b->roots[i]);
    free(b->roots);
    settings_free(&b->set);
    fieldbook_free(b->book);
    boiler_free(b->boiler);
    engine_writer_close(b->front, NULL); /* open only when a run failed early */
    shards_close(&b->sh);
    indexdir_close(&b->ix);
    pthread_mutex_destroy(&b->mu);
    pthread_mutex_destroy(&b->front_mu);
}

/* Every SOURCE (but "-") is there: checked before the index directory is
 * made, so that a mistyped source leaves no empty index behind. */
static int sources_exist(const build_opts *o, char *err) {
    struct stat st;
    for (int i = 0; i < o->nsources; i++)
        if (strcmp(o->sources[i], "-") && stat(o->sources[i], &st) != 0)
            return lede_seterr(err, "%s: %s (nothing indexed)", o->sources[i], strerror(errno));
    return LEDE_OK;
}

int build_run(const build_opts *o, build_stats *st, char *err) {
    memset(st, 0, sizeof *st);
    if (sources_exist(o, err) != LEDE_OK) return LEDE_ERR;
    build b;
    memset(&b, 0, sizeof b);
    memset(st, 0, sizeof *st);
    b.o = o;
    b.st = st;
    b.ix.lockfd = -1;
    b.sh.front.lockfd = -1;
    pthread_mutex_init(&b.mu, NULL);
    pthread_mutex_init(&b.front_mu, NULL);
    settings_init(&b.set);
    if (!o->keep_boilerplate) b.boiler = boiler_new(0);
    double t0 = lede_now();
    progress_init(&b.prog, o->progress, o->progress ? total_input(o) : 0);
    int rc = run(&b, t0, err);
    progress_clear(&b.prog);
    if (b.writers_running) writers_stop(&b, NULL);
    engine_reader_close(b.lookup);
    st->seconds = lede_now() - t0;
    if (b.ix.path) collect_stats(&b);
    build_free(&b);
    return rc;
}

/* The compaction of a sharded index: every shard and the front. */
static int compact_sharded(build *b, char *err) {
    if (shards_open(&b->ix, "lede-index --compact", &b->sh, err) != LEDE_OK) return LEDE_ERR;
    engine_dup_stats dups;
    if (shards_group_duplicates(&b->sh, 0, &dups, err) != LEDE_OK) return LEDE_ERR;
    INFO(b, "compacting %u shards and the front", b->sh.n);
    return shards_compact(&b->sh, NULL, 1, err);
}

int build_compact(const char *index, int verbose, build_stats *st, char *err) {
    build b;
    build_opts o = {0};
    memset(&b, 0, sizeof b);
    memset(st, 0, sizeof *st);
    o.index = index;
    o.verbose = verbose;
    b.o = &o;
    b.st = st;
    b.sh.front.lockfd = -1;
    pthread_mutex_init(&b.mu, NULL);
    double t0 = lede_now();
    int rc = indexdir_open(index, 0, "lede-index --compact", &b.ix, err);
    if (rc == LEDE_OK) indexdir_cleanup(&b.ix); /* what killed compactions left */
    if (rc == LEDE_OK && b.ix.nlive == 0)
        rc = lede_seterr(err, "%s: the index is empty", index);
    if (rc == LEDE_OK && indexdir_shard_count(&b.ix) != 0) rc = compact_sharded(&b, err);
    else if (rc == LEDE_OK) rc = livewriter_merge_live(&b.ix, err);
    st->seconds = lede_now() - t0;
    if (b.ix.path) collect_stats(&b);
    shards_close(&b.sh);
    indexdir_close(&b.ix);
    pthread_mutex_destroy(&b.mu);
    return rc;
}
