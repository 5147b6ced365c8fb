/* build.h -- one run of the indexer: sources in, index updated, statistics
 * out.  Full builds of a new index write parts in parallel and merge them,
 * or, for a sharded index (src/shards.h), write its shards in parallel and
 * keep them apart; runs on an existing index are incremental (add,
 * replace, delete, skip what did not change).  Also in-place compaction
 * and recovery of an interrupted run.  Parses no options and prints no summary (main.c's);
 * no Xapian type crosses this header. */
#ifndef LEDE_BUILD_H
#define LEDE_BUILD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SKIP_UNREADABLE,
    SKIP_BINARY,
    SKIP_TOO_LARGE,
    SKIP_EMPTY,
    SKIP_MALFORMED,
    SKIP_TRUNCATED,
    SKIP_NREASONS
} skip_reason;

const char *build_skip_name(skip_reason r);

typedef struct build_opts {
    const char *index;
    const char *const *sources;
    int nsources;
    const char *language;      /* NULL: the index's, or "english" */
    int no_stopwords;          /* a new index keeps its language's stop words */
    size_t max_article_bytes;
    int no_delete;
    int threads;               /* parts of a full build (not sharded) */
    int shards;                /* a new index of this many shards (0: not
                                  asked; an existing index must have as many) */
    unsigned batch;            /* articles per commit */
    int verbose, quiet, progress;
    int watch;                 /* then keep indexing changes (watch.h) */
    double commit_interval;    /* watch: seconds between commits at most */
    const char *schema;        /* --schema NAME:KIND,... (NULL: none) */
    int keep_boilerplate;      /* --keep-boilerplate: index every line (boiler.h) */
    int bulk;                  /* --writer bulk: a full build of a new, unsharded
                                  index writes its parts by the bulk inverter
                                  (engine_writer_open_bulk) */
    size_t memory;             /* --memory: the bulk writers' budget, all of them */
    unsigned pair_words;       /* --pair-words: at most this many words whose
                                  adjacent pairs get a pair term (0: the common
                                  words alone; else at least COMMON_MAX) */
    unsigned pair_min;         /* --pair-min: pairs chosen by the product of
                                  their words' shares, parts per million
                                  (0: off; sample.c) */
    unsigned prefix_min;       /* --prefix-min: prefix words chosen by the
                                  postings their terms save, parts per
                                  million (0: off; sample.c) */
    const char *ext;           /* --ext: more names to read as plain text
                                  under directory SOURCEs: EXT,... (no dot),
                                  "none" for names without one, "*" for every
                                  file (NULL: only the article formats) */
} build_opts;

#define BUILD_IGNORED_SHOWN 3
/* A full build's common words at most (sample.c); --pair-words is 0 or at
 * least this. */
#define LEDE_INDEX_COMMON_MAX 128

typedef struct build_stats {
    uint64_t added, replaced, unchanged, deleted, repaired;
    uint64_t skipped[SKIP_NREASONS];
    uint64_t bytes_read;       /* uncompressed input bytes examined */
    uint64_t index_bytes;
    uint64_t articles;         /* in the index at the end */
    double seconds;
    int full_build;
    int watched;               /* --watch: the pass, then a watch */
    double first_pass_seconds; /* --watch: the first pass's part of seconds */
    /* Regular files under the directory SOURCEs whose names are no article
     * format and not in --ext: how many, and the first few (shown). */
    uint64_t ignored;
    char ignored_names[BUILD_IGNORED_SHOWN][256];
} build_stats;

uint64_t build_skipped_total(const build_stats *st);
/* Returns LEDE_OK, LEDE_ELOCKED or LEDE_ERR (message in err). */
int build_run(const build_opts *o, build_stats *st, char *err);
/* Rewrites the index into one compact database and switches to it (a
 * sharded index: each shard and the front, in its own directory). */
int build_compact(const char *index, int verbose, build_stats *st, char *err);

#endif
