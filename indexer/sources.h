/* sources.h -- reading a run's sources (run.h): walking files and
 * directories, skipping files whose record says they did not change
 * (filerec.h), reading plain-text files and JSON Lines into articles
 * (article_from_bytes), the warnings and skip counts for bad input, and
 * the file records and deletions that follow.  Owns what the run reports
 * about its input; must not write to the index itself: everything goes to
 * the writers as jobs (writers.h). */
#ifndef LEDE_SOURCES_H
#define LEDE_SOURCES_H

#include "run.h"

/* Walks every source of the run. */
int sources_walk(build *b, char *err);
/* Walks path, under the directory source root (watch mode). */
int sources_walk_below(build *b, const char *root, const char *path, char *err);
/* After a walk: the articles of files gone from under the directory
 * sources are deleted (unless --no-delete). */
int sources_finish(build *b, char *err);
/* True when path (absolute) is under one of the directory sources and no
 * longer exists: its file's articles and record are to go. */
int sources_gone(const build *b, const char *path);
/* Whether a file of this base name is read: an article format, or one
 * --ext names (others are counted as ignored). */
int sources_wanted_name(const build *b, const char *name);
/* The absolute directory sources, into b->roots. */
void sources_collect_roots(build *b);

#endif
