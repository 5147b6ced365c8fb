/* shards.h -- a sharded index (layout in indexdir.h): a front and N
 * shards, each an ordinary lede index directory, served as one index.
 * Owns which shard an article belongs to, creating the front and shards
 * with the index's settings, opening them for writing (the locks: the whole
 * index's first, then the front's and each shard's) and compacting them
 * each in its own directory.  Must not write articles, file records or
 * spelling words (its owners do: src/livewriter.c, indexer/shardrun.c) nor
 * choose settings (it writes what it is given).
 *
 * Placement: the article with id ID is in shard lede_hash(ID, strlen(ID))
 * mod N (util.h), for ever: N is fixed when the index is created, and a
 * replacement or deletion finds the article by the same hash.
 *
 * Settings: the front and every shard hold the same SETTINGS_INDEX values
 * (settings.h), written when the index is created, so every shard ranks
 * and decodes alike; the front also says "lede.shards" = N and shard K
 * "lede.shard" = "K N".  What the engine stores by itself when a writer
 * first opens an index (format 3's default pivot, when the build sampled
 * none) is stored at creation, in the front and every shard alike.
 *
 * Commits: a writer of a sharded index commits its shards first and the
 * front last.  The front holds what describes the shards' articles (the
 * indexer's file records, the spelling words), so a crash between the two
 * loses at most that description: a file whose record was not committed is
 * read again (its articles come out unchanged), and the words of a batch
 * are missing from "did you mean" until they occur again.  No article a
 * commit acknowledged is lost.  A shard's spelling words reach the front
 * only once the shard's commit succeeded (engine.h's
 * engine_writer_take_words): a failed commit's changes are made again,
 * and with them their words.  The words given to the front are held by
 * their owner until the front's commit succeeded (engine.h's
 * engine_writer_lend_words): the shards that committed make nothing
 * again, so a failed front commit (livewriter.c), or a failed lede-index
 * run, which drops the front's file records (indexer/shardrun.c), gives
 * them to the front again; lede-index commits them alone. */
#ifndef LEDE_SHARDS_H
#define LEDE_SHARDS_H

#include "indexdir.h"
#include "settings.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SHARDS_MAX 256

typedef struct shards {
    indexdir *top;        /* the whole index (its owner's) */
    indexdir front;
    indexdir *shard;      /* [n] */
    unsigned n;
} shards;

/* Which of n shards holds the article with this id. */
unsigned shards_route(const char *id, unsigned n);

/* Creates, inside top (locked, listing nothing), the front and n shards,
 * each holding one new database with set's SETTINGS_INDEX values and its
 * shard key, then, with list set, lists them in top's stub: the rename
 * that makes the index appear.  Unlisted (a bulk build's, which lists
 * them once every shard is written: shards_list), they are debris to the
 * next creation if the run dies.  On LEDE_OK s holds them open and locked
 * (role as in indexdir_open). */
int shards_create(indexdir *top, unsigned n, const settings *set, const char *role, int list,
                  shards *s, char *err);
/* Lists s's front and shards in top's stub (shards_create's last step). */
int shards_list(shards *s, char *err);
/* Opens the front and shards of top (a sharded index: indexdir_shard_count
 * > 0): takes their locks, merges what an interrupted compaction left
 * listed, removes debris, and checks that the front and each shard say
 * what top's stub says and that every shard holds the front's
 * SETTINGS_INDEX values (a writer must not add to an index whose shards
 * would rank or decode apart). */
int shards_open(indexdir *top, const char *role, shards *s, char *err);
void shards_close(shards *s);
/* Checks the sharded index at path, without locking: the front and every
 * shard list one database, say what the stub says they are, and hold the
 * same SETTINGS_INDEX values (LEDE_ERR naming the first that does not). */
int shards_check(const char *path, char *err);
/* The one live database of a front or shard (caller frees). */
char *shards_db_path(const indexdir *sub);
/* Rewrites compactly the shards whose due[k] is set (due NULL: every
 * shard) and, with front set, the front: each in its own directory
 * (livewriter_rewrite), in parallel; then writes the top stub again, the
 * same lines, so that readers that watch it reopen the index (until the
 * engine's readers follow nested stubs by themselves), and only then
 * removes the old databases. */
int shards_compact(shards *s, const int *due, int front, char *err);
/* Groups the near-duplicates of all the shards' articles as one index
 * (engine_group_duplicates, within memory bytes: 0 its default), each
 * shard's keys written and committed in its own database; run it with no
 * other writer on the shards (before their compaction).  st: what it
 * found. */
int shards_group_duplicates(shards *s, size_t memory, engine_dup_stats *st, char *err);

#ifdef __cplusplus
}
#endif

#endif
