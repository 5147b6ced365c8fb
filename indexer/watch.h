/* watch.h -- the indexer's watch mode: inotify on directory sources,
 * recursively, turned into calls back into the build (a file changed, a
 * file is gone, time to commit, start over).  Knows nothing of articles or
 * the index; follow.c supplies the callbacks. */
#ifndef LEDE_WATCH_H
#define LEDE_WATCH_H

typedef struct watch_ops {
    /* Index path (a file or a new directory, walked) below root. */
    int (*changed)(void *ctx, const char *root, const char *path, char *err);
    /* path (a file) is gone. */
    int (*gone)(void *ctx, const char *path, char *err);
    /* A directory was removed or moved away: drop what came from it. */
    int (*gone_dir)(void *ctx, char *err);
    /* Commit what was indexed since the last call. */
    int (*commit)(void *ctx, char *err);
    /* Walk every root again (events were lost, or watching just began). */
    int (*rescan)(void *ctx, char *err);
    /* True when the failure rc (and what the writers met) is a full disk,
     * which may pass: watch_run then waits for space instead of ending. */
    int (*full)(void *ctx, int rc);
    /* After a full disk: open the index again and catch up (walk every
     * root, commit); LEDE_OK once that worked. */
    int (*recover)(void *ctx, char *err);
    /* Whether a file of this base name is an article file to follow. */
    int (*wanted)(void *ctx, const char *name);
} watch_ops;

/* From now on SIGTERM and SIGINT ask watch_run to stop (call it at the
 * start of the run, so that a signal during the first pass is not fatal:
 * the pass completes, commits, and watching ends at once). */
void watch_catch_signals(void);

/* Watches the absolute directories roots[0..n) until SIGTERM or SIGINT.
 * Changes are committed once no event came for a moment, and at least
 * every commit_interval seconds while events keep coming.  On a full disk
 * (ops->full) it says so once, then tries ops->recover with back-off
 * (WATCH_RETRY_FIRST_S doubling up to WATCH_RETRY_MAX_S) until it works,
 * as leded's ingest does: the files are still there, and recovering walks
 * them again, so nothing they hold is lost.  Returns LEDE_OK after the
 * last commit, or the failure's code (message in err). */
#define WATCH_RETRY_FIRST_S 0.25
#define WATCH_RETRY_MAX_S 8.0
int watch_run(char *const *roots, int n, double commit_interval,
              const watch_ops *ops, void *ctx, char *err);

#endif
