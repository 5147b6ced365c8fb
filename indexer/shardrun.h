/* shardrun.h -- a run on a sharded index (src/shards.h; run.h): setting it
 * up (a new one asked with --shards N, or an existing one), its front's
 * writer, and the jobs that are not one shard's.  Owns b->sh, b->front
 * and the front's commits; must not read sources (sources.c) nor write
 * articles (the shard writers of writers.c do, one thread a shard).
 *
 * Where each job goes:
 *   PUT            to the shard its id hashes to; its file record, if any,
 *                  to the front
 *   RECORD         to the front (the file records are all there, where the
 *                  reading thread looks them up)
 *   DELETE_FILE    to every shard (a JSON Lines file's articles are
 *                  spread over them), waiting until each has done it
 *   SCAN_DELETED   the front's records are read here, and each file gone
 *                  is a DELETE_FILE to every shard and a record deleted
 *   COMMIT         a commit point, below
 *
 * Commit points: every shard commits what it was given (they also commit
 * every `batch` articles on their own, and before Xapian's flush
 * threshold: writers.c), then the front.  The front is written only by
 * the reading thread (records) and by the shard writers handing it their
 * spelling words after each of their commits succeeded (held in run.h's
 * front_held until the front's commit succeeds; a bulk build's given),
 * all under front_mu, and committed only at a commit point (the reading
 * thread's, after every shard has committed) or when the writers stop
 * (after a failed run, by commit_held_words: the held words alone, its
 * records dropped): so a file record never reaches the disk before the
 * articles it describes.  The reading thread makes a commit point once
 * batch x shards records wait; a fresh build defers its JSON Lines
 * files' records (sources.c), so its front may commit only when the
 * writers stop. */
#ifndef LEDE_SHARDRUN_H
#define LEDE_SHARDRUN_H

#include "run.h"

/* The run's index is sharded (count > 0 shards, as the stub says) or is to
 * be (count 0, none listed, --shards N): opens it, or readies a full build
 * that creates it once its settings are chosen.  An existing index with a
 * different count, or --shards on an index that is not sharded, is an
 * error. */
int shardrun_setup(build *b, int count, char *err);
/* Before the shard writers start: creates the index if the run is a full
 * build (the front and shards with b->set; a bulk build's unlisted until
 * shardrun_finish_full), opens the front's writer. */
int shardrun_start(build *b, char *err);
/* After the shard writers stopped: commits and closes the front's writer. */
int shardrun_stop(build *b, char *err);
/* A job to where it goes (above); takes j.  A failure fails the run. */
void shardrun_push(build *b, jobq_job *j);
/* A commit point (above). */
int shardrun_commit(build *b, char *err);
/* A shard writer, once its commit succeeded: the spelling words it took
 * out before (engine_writer_take_words) to the front, which takes them;
 * held (run.h's front_held, one entry a word) until the front's commit
 * succeeds, and committed alone if the run fails first (shardrun_stop);
 * a bulk build's given, not held. */
void shardrun_hand_words(build *b, engine_words *words);
/* A bulk build's writers stopped: each shard's part written as the
 * shard's one database (livewriter_merge_bulk), the shards in parallel,
 * each within its writer's share of --memory; closes every writer. */
int shardrun_merge_bulk(build *b, char *err);
/* The end of a full build: the deferred file records into the front, the
 * near-duplicates grouped over all the shards, (a bulk build's index
 * listed,) then every shard and the front compacted.  A full build of no
 * article just creates the index. */
int shardrun_finish_full(build *b, char *err);

#endif
