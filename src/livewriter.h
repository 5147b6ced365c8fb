/* livewriter.h -- an index held open for writing by a long-running
 * process (the daemon's ingest thread): the writer lock, the live
 * database (a sharded index: its front and every shard, src/shards.h),
 * the index's settings (language, compression dictionary), single-article
 * add/replace/delete, commits and the compaction policy.  Not thread-safe:
 * one thread owns a livewriter.  Must not read sources or sockets: its
 * owner hands it articles.
 *
 * A sharded index: each article goes to the shard its id hashes to (a
 * replacement or deletion finds it there); a commit commits the shards
 * that changed, each one's spelling words handed to the front once its
 * commit succeeded (a failed one's are made again with its changes when
 * the writer reopens, which drops every uncommitted change), then the front
 * (shards.h says what a crash between them costs: no acknowledged
 * article), the words it was given held until its commit succeeded and
 * given again to the reopened front after a failed one; the figures are the sums over the shards, the revision the
 * front's (the first database, as readers see it).
 *
 * A part is committed (the whole writer, as a commit does) before a put
 * or deletion that could make Xapian commit it by itself
 * (engine_flush_threshold: XAPIAN_FLUSH_THRESHOLD, 10,000 document
 * changes by default; an article changes at most ENGINE_PUT_CHANGES),
 * which a reopen could not drop.
 *
 * Compaction policy (also docs/FORMATS.md): every replacement or deletion
 * leaves dead space in the database until it is rewritten.  The count of
 * them since the last compaction is kept in metadata "lede.changes"
 * (written with each commit, so it survives restarts); when it reaches
 * LIVEWRITER_COMPACT_MIN and a quarter of the articles, the owner is told
 * to compact, which writes a fresh database and switches the stub to it:
 * readers move over at their next query, none ever sees a partial index.
 * A sharded index keeps the count in each shard and applies the policy to
 * each shard alone: compaction rewrites the shards that are due, each in
 * its own directory; asked when none is (COMPACT), every shard and the
 * front. */
#ifndef LEDE_LIVEWRITER_H
#define LEDE_LIVEWRITER_H

#include <stdint.h>
#include "article.h"
#include "engine.h"
#include "indexdir.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIVEWRITER_COMPACT_MIN 1000
#define LIVEWRITER_COMPACT_RATIO 0.25

typedef struct livewriter livewriter;

/* Takes the lock (role is shown to refused writers), finishes what an
 * interrupted build left (merging its shards), creates an empty index
 * (language, NULL: english) if there is none, opens its database; or, on
 * a sharded index, takes its front's and shards' locks too and opens them
 * all. */
int livewriter_open(const char *index, const char *role, const char *language,
                    livewriter **out, char *err);
/* Commits what is pending, releases the lock. */
int livewriter_close(livewriter *w, char *err);
/* Adds or replaces a->id (valid UTF-8 already); *outcome is one of
 * ENGINE_ADDED/REPLACED/UNCHANGED. */
int livewriter_put(livewriter *w, const article *a, int *outcome, char *err);
/* The warnings about articles' metadata fields since the last call (a
 * key that cannot be a field, a value that does not fit its field's
 * kind; each once while the writer is open), one a line, appended to
 * out; returns how many. */
unsigned livewriter_take_warnings(livewriter *w, sbuf *out);
/* Deletes id; LEDE_ENOTFOUND when there is no such article. */
int livewriter_delete(livewriter *w, const char *id, char *err);
int livewriter_commit(livewriter *w, char *err);
/* The policy above: whether an index of this many articles, with this
 * many replacements and deletions since its last compaction, is due. */
int livewriter_compaction_due(uint64_t changes, uint64_t articles);
/* True when the policy says this writer's index (one of its shards)
 * should be compacted. */
int livewriter_should_compact(livewriter *w);
/* Commits, rewrites the database compactly, switches readers to it. */
int livewriter_compact(livewriter *w, char *err);

uint64_t livewriter_uncommitted(const livewriter *w);
uint64_t livewriter_doccount(livewriter *w);
uint64_t livewriter_revision(livewriter *w);
int64_t livewriter_last_commit(const livewriter *w);  /* Unix seconds */

/* Shared with the indexer: merges every database the stub lists into one
 * new compact database and switches to it. */
int livewriter_merge_live(indexdir *ix, char *err);
/* The same, leaving the old databases on disk (for whoever switches a
 * stub above this one first: src/shards.c); indexdir_cleanup removes them. */
int livewriter_rewrite(indexdir *ix, char *err);
/* Shared with the indexer: a full build's bulk writers (engine.h's
 * engine_writer_open_bulk), closed by this call whatever happens, written
 * as one new database with the metadata of the databases the stub lists
 * (which hold no documents), as livewriter_merge_live would merge their
 * parts and them; then grouped (within memory bytes, the build's budget:
 * engine_group_duplicates), recleaned and switched to as there. */
int livewriter_merge_bulk(indexdir *ix, engine_writer *const *parts, int n, size_t memory,
                          engine_phase_fn fn, void *ctx, char *err);
/* Shared with the indexer: an index starts as one empty database carrying
 * the settings (language, NULL for english; stopwords: the language's stop
 * words left out, or none), listed in the stub before any article is
 * written. */
int livewriter_create_empty(indexdir *ix, const char *language, int stopwords,
                            char *err);

#ifdef __cplusplus
}
#endif

#endif
