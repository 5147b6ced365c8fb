/* dirwatch.h -- "has anything in these directories changed since I last
 * asked?", answered by one non-blocking read of an inotify descriptor
 * instead of a stat() of every file that could have changed.  The engine's
 * reader asks it before every query (engine.cc, refresh): a commit, a new
 * stub or a deleted database all create, replace or write a file in a
 * watched directory, and the kernel queues that event inside the writer's
 * own system call, so a query issued after the writer finished sees it.
 * Only changes made by writers are reported (creations, deletions,
 * renames, writes, attribute changes), never a reader's opens.
 *
 * inotify cannot see everything a stat() would: a directory reached
 * through a symbolic link is watched at its target, so pointing the link
 * elsewhere goes unnoticed, and on network file systems changes made by
 * other machines are not reported.  Such directories are refused, and the
 * caller then looks at the files itself. */
#ifndef LEDE_DIRWATCH_H
#define LEDE_DIRWATCH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dirwatch dirwatch;

/* dirwatch_changed's answers. */
#define DIRWATCH_QUIET 0   /* nothing changed */
#define DIRWATCH_CHANGED 1 /* something changed; the watch goes on */
#define DIRWATCH_BROKEN 2  /* something changed, and the watch must be set
                              up again (a watched directory went away, events
                              were lost, an error, or no watch at all) */

/* Watches dirs[0..n) (replacing what was watched before); every change
 * until now is forgotten.  Returns LEDE_OK; LEDE_ELIMIT when inotify cannot
 * serve these directories (no instance to be had, a symbolic link on the
 * way, a network file system); LEDE_ERR when a directory cannot be watched
 * now (it may have just been deleted).  After an error the watch says
 * DIRWATCH_BROKEN every time. */
int dirwatch_set(dirwatch **w, const char *const *dirs, int n, char *err);
/* What happened since the last call (or since dirwatch_set); reads and
 * forgets what was queued, so what happens afterwards is reported next. */
int dirwatch_changed(dirwatch *w);
void dirwatch_free(dirwatch *w);

#ifdef __cplusplus
}
#endif

#endif
