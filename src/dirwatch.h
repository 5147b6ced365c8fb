/* dirwatch.h -- "has anything in these directories changed since I last
 * asked?", answered by one non-blocking read of an inotify descriptor
 * instead of a stat() of every file that could have changed.  The engine's
 * reader asks it before every query (src/engine/refresh.cc): a commit, a new
 * stub or a deleted database all create, replace or write a file in a
 * watched directory, and the kernel queues that event inside the writer's
 * own system call, so a query issued after the writer finished sees it.
 * Only changes made by writers are reported, never a reader's opens.
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

/* Watches dirs[0..n) (replacing what was watched before): dirs[0] for any
 * change a writer makes to the files in it, the others only for files
 * created, deleted or renamed in them (a Xapian commit renames its new
 * version file into place); a directory given twice gets the later kind.
 * Watching writes to a directory's files sends every read of those files
 * through the kernel's notification code (about 2% of a query here, for
 * Xapian's block reads), so database directories are watched for
 * renames only, and the index directory, which holds just the stub, for
 * everything (a stub may be rewritten in place).  Every change until now
 * is forgotten.  Returns LEDE_OK; LEDE_ELIMIT when inotify cannot
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
