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
 * of an interrupted run, removed by the next writer. */
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
 * shards (part.N.K) listed, and the next writer must merge them first. */
int indexdir_needs_merge(const indexdir *ix);
/* Removes db.* and part.* directories that are not live. */
void indexdir_cleanup(indexdir *ix);
/* Bytes used by the live databases. */
uint64_t indexdir_size(const indexdir *ix);
/* Reads the stub of an index without locking (for readers). */
int indexdir_read_live(const char *path, char ***names, int *n, char *err);
void indexdir_free_names(char **names, int n);

#ifdef __cplusplus
}
#endif

#endif
