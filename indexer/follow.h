/* follow.h -- watch mode's side of a run: after the first pass, one writer
 * on the live database follows the directory sources through watch.c's
 * callbacks (changed, gone, commit, rescan) and compacts by the policy of
 * livewriter.h.  Owns the watch phase; must not read files itself
 * (sources.c) nor touch inotify (watch.c). */
#ifndef LEDE_FOLLOW_H
#define LEDE_FOLLOW_H

#include "run.h"

/* Runs until SIGINT/SIGTERM (watch_catch_signals) or a failure. */
int follow_run(build *b, char *err);

#endif
