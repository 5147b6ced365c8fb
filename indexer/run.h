/* run.h -- the state of one indexing run (build.h), shared by the files
 * that carry it out:
 *   build.c    the run: setting up the index, the passes, the statistics,
 *              and the run's messages (below)
 *   writers.c  the writer threads: shards, commits, routing of jobs
 *   sources.c  reading source files into articles and file records
 *   sample.c   the articles a full build holds back, and what it chooses
 *              from them (dictionary, pivot, common words)
 *   shardrun.c a sharded index: its front (file records, spelling words),
 *              commit points, jobs sent to every shard
 *   follow.c   watch mode: the callbacks watch.c calls after the first pass
 *   filerec.c  the file-record format (filerec.h)
 * Each file changes only the fields its part owns (noted below); the
 * counters the writer threads update are atomic.  Not for the rest of
 * lede: the indexer's only public header is build.h. */
#ifndef LEDE_RUN_H
#define LEDE_RUN_H

#include "build.h"
#include "filerec.h"
#include "jobq.h"
#include "progress.h"
#include "../src/boiler.h"
#include "../src/docstore.h"
#include "../src/engine.h"
#include "../src/indexdir.h"
#include "../src/settings.h"
#include "../src/shards.h"
#include "../src/util.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct build build;

/* One writer thread and the database it owns (writers.c). */
typedef struct writer {
    build *b;
    int k;
    char *name;
    engine_writer *ew;
    jobq q;
    pthread_t thread;
    int started;
    unsigned since_commit;
    int dirty;                         /* written since the last commit */
    uint64_t changes;                  /* replacements + deletions since its
                                          database was compacted */
    docstore *ds;
    int finished;                      /* a bulk writer's last commit done: its
                                          part waits for the merge (writers.c) */
} writer;

struct build {
    const build_opts *o;
    build_stats *st;
    indexdir ix;
    int fresh;
    int resumed;                       /* merged what an interrupted full build
                                          left (build.c compacts at the end) */
    /* The index's settings (build.c loads them; sample.c chooses the
     * dictionary, pivot and common words of a full build). */
    settings set;
    int nwriters;
    writer *w;
    /* A sharded index (shardrun.c; 0 shards: not one): its front and
     * shards, the front's writer (file records, spelling words; under
     * front_mu, which shard writers take to hand it their words) and the
     * front's changes since its last commit (under front_mu too). */
    unsigned nshards;
    shards sh;
    engine_writer *front;
    pthread_mutex_t front_mu;
    uint64_t front_pending;            /* records set */
    engine_words *front_held;          /* words handed to it, held until it commits */
    int front_given;                   /* words given it, not held (a bulk build's) */
    engine_reader *lookup;            /* file records of an existing index */
    /* The run's metadata fields, shared by all its writers (fields.h);
     * whether --schema added fields to the index's. */
    fieldbook *book;
    int schema_added;
    /* The run's boilerplate table (boiler.h), shared by its writers and
     * fed every article in the order it is read (writers_dispatch); NULL
     * with --keep-boilerplate. */
    boiler_table *boiler;
    char **roots;                      /* absolute directory sources */
    int nroots;
    filerec_pending *records;          /* fresh build: JSONL file records */
    /* Articles held back until the compression dictionary and the
     * pivot (format 3) are chosen from them (sample.c). */
    jobq_job *held_head, *held_tail;
    docstore_dict_builder dictb;
    int dict_full;
    uint64_t held_articles, held_bytes;
    int writers_running;
    int bulk;                          /* the parts (or a new index's shards) are
                                          bulk writers' (writers.c) */
    /* Counters the writers update. */
    atomic_uint_fast64_t added, replaced, unchanged, deleted;
    uint64_t unchanged_first;          /* --watch: unchanged after the first pass */
    atomic_int failed;
    pthread_mutex_t mu;                /* fail_err, fail_code, stderr lines */
    char fail_err[LEDE_ERRLEN];
    int fail_code;                     /* its LEDE_E* code (LEDE_EDISKFULL: watch mode waits) */
    progress prog;
    uint64_t bytes_before;             /* raw bytes of finished files */
    /* Watch mode, walking a directory that just appeared: an empty file
     * there is most likely still being written; its close will bring it. */
    int tolerate_empty;
};

/* ---- messages and shared bookkeeping (build.c) ------------------------- */

/* One line on stderr, "lede-index: <kind><message>", clear of the
 * progress line. */
void build_say(build *b, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define WARN(b, ...) build_say(b, "warning: ", __VA_ARGS__)
#define INFO(b, ...) do { if ((b)->o->verbose) build_say(b, "", __VA_ARGS__); } while (0)
/* Records the run's first failure (a writer thread's) and its LEDE_E*
 * code; the run stops (watch mode: until the disk has room, follow.c). */
void build_fail(build *b, int code, const char *msg);
/* That failure into err; returns its code. */
int build_failure(build *b, char *err);
/* Forgets it: watch mode goes on once a full disk has room again. */
void build_clear_failure(build *b);
void build_skip(build *b, skip_reason r);
/* Updates the progress line: raw_in_file bytes of the current file read. */
void build_tick(build *b, uint64_t raw_in_file);
/* Reads the index's settings and opens b->lookup on its main database
 * (a sharded index's front, which holds the file records). */
int build_load_settings(build *b, char *err);

#endif
