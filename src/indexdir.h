/* indexdir.h -- the layout of an index directory on disk and the single
 * writer lock.  An index is a directory:
 *
 *   INDEX/XAPIANDB      Xapian stub file: one line "auto NAME" per live
 *                       database, NAME relative to INDEX.  Readers open
 *                       INDEX and see exactly these databases.  Replaced
 *                       only by rename(2) of a complete, fsynced file.
 *   INDEX/db.N/         the main Xapian (glass) database, generation N
 *   INDEX/part.N.K/     shard K of a parallel build in progress (listed in
 *                       the stub while it runs, so readers see its commits)
 *   INDEX/lede.lock     flock(2) held by the one writer; holds "<pid> <role>"
 *
 * Directories named db.* or part.* that the stub does not list are debris
 * of an interrupted run or compaction, removed by the next writer under the
 * lock (lede-index, lede-index --compact, leded's ingest when it starts);
 * a compaction whose copy failed (a full disk) removes it at once.
 *
 * A sharded index (src/shards.h) is a directory of ordinary lede indexes:
 *
 *   INDEX/XAPIANDB      "auto front\nauto shard.0\n...auto shard.<N-1>\n",
 *                       written when the index is created, after its
 *                       front and shards are complete (the rename that
 *                       makes the index appear), and written again with the
 *                       same lines after a compaction (shards.h), for
 *                       readers that watch only it.  Xapian follows the
 *                       nested stubs, so INDEX opens as one database.
 *   INDEX/front/        an index of no articles: the settings (every
 *                       SETTINGS_INDEX key and "lede.shards" = N), the
 *                       spelling words of the whole index and the file
 *                       records of the indexer.  Listed first: Xapian reads
 *                       metadata from the first database of a stub, and a
 *                       remote front keeps a local copy of front/ first.
 *   INDEX/shard.K/      the articles whose id hashes to K (shards.h), with
 *                       the front's SETTINGS_INDEX values and "lede.shard" =
 *                       "K N"; each its own stub, db.N generations and lock
 *   INDEX/lede.lock     the writer lock of the whole index, taken before the
 *                       front's and each shard's own
 *
 * The top level is never merged: each shard and the front are compacted in
 * their own directory.  A front or shard.* directory the top stub does not
 * list is debris of a creation that did not finish, removed by the next
 * writer. */
#ifndef LEDE_INDEXDIR_H
#define LEDE_INDEXDIR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct indexdir {
    char *path;
    int lockfd;
    char **live;     /* names listed in the stub */
    int nlive;
    unsigned gen;    /* highest generation number seen */
} indexdir;

/* Opens (creating if asked) the directory and takes the writer lock:
 * LEDE_ELOCKED if another process has it.  role ("lede-index", "leded
 * ingest", ...) is written beside the pid, for the refused writer's
 * message. */
int indexdir_open(const char *path, int create, const char *role, indexdir *ix,
                  char *err);
void indexdir_close(indexdir *ix);
/* Full path of a name inside the index (caller frees). */
char *indexdir_join(const indexdir *ix, const char *name);
/* A fresh name "db.N" or "part.N.K" of a new generation. */
char *indexdir_new_name(indexdir *ix, const char *kind, int k);
/* Atomically makes names the live set (write, fsync, rename, fsync). */
int indexdir_switch(indexdir *ix, char *const *names, int n, char *err);
/* True when the live set is not one db.N: an interrupted build left its
 * shards (part.N.K) listed, and the next writer must merge them first.
 * Never for a sharded index. */
int indexdir_needs_merge(const indexdir *ix);
/* Removes db.*, part.*, front and shard.* directories that are not live. */
void indexdir_cleanup(indexdir *ix);
/* Removes the one database directory name, unless it is live. */
void indexdir_remove_db(indexdir *ix, const char *name);
/* The shard count of a sharded index's stub (front, shard.0 ... shard.N-1
 * in that order); 0 for any other index; -1 when the stub names a front
 * but not shards 0 to N-1 in order. */
int indexdir_shard_count(const indexdir *ix);
/* The names of a sharded index's directories: "front", "shard.K". */
#define INDEXDIR_FRONT "front"
char *indexdir_shard_name(unsigned k);
/* Bytes used by the live databases (following nested stubs). */
uint64_t indexdir_size(const indexdir *ix);
/* Bytes of the files in one database directory (not following stubs). */
uint64_t indexdir_path_bytes(const char *path);
/* Bytes an unprivileged writer may still use on the index's file system
 * (UINT64_MAX when it cannot be told). */
uint64_t indexdir_free_bytes(const indexdir *ix);
/* Reads the stub of an index without locking (for readers). */
int indexdir_read_live(const char *path, char ***names, int *n, char *err);
void indexdir_free_names(char **names, int n);

#ifdef __cplusplus
}
#endif

#endif
