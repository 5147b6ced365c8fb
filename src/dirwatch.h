/* dirwatch.h -- "has anything in these directories changed since I last
 * asked?", answered by one non-blocking read of an inotify descriptor
 * instead of a stat() of every file that could have changed.  The engine's
 * reader asks it before every query (engine.cc, refresh): a commit, a new
 * stub or a deleted database all create, replace or write a file in a
 * watched directory, and the kernel queues that event inside the writer's
 * own system call, so a query issued after the writer finished sees it.
 * Only changes made by writers are reported (creations, deletions,
 * renames, writes, attribute changes), never a reader's opens.  When
 * inotify is not available the caller falls back to looking for itself. */
#ifndef LEDE_DIRWATCH_H
#define LEDE_DIRWATCH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dirwatch dirwatch;

/* Watches dirs[0..n) (replacing what was watched before); every change
 * until now is forgotten.  Returns LEDE_OK; LEDE_ELIMIT when no inotify
 * instance can be had (the limit per user, or no inotify at all); LEDE_ERR
 * when a directory cannot be watched (it may have just been deleted).
 * After an error the watch reports a change every time. */
int dirwatch_set(dirwatch **w, const char *const *dirs, int n, char *err);
/* 1 when something changed since the last call (or since dirwatch_set),
 * 0 when nothing did; a watch that could not be set up always says 1. */
int dirwatch_changed(dirwatch *w);
void dirwatch_free(dirwatch *w);

#ifdef __cplusplus
}
#endif

#endif
