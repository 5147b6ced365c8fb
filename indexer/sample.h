/* sample.h -- what a full build chooses from its first articles: it holds
 * them back (instead of writing them) until the docstore dictionary and,
 * for a format 3 index, the pivot length and the common words (engine.h)
 * are chosen from them, then starts the writers and releases them.  Owns
 * the held articles and b->set's dictionary, pivot and common words, and
 * the warning that a run on an index that exists ignores the options
 * only a full build reads; must not write to the index (writers.c does,
 * with what is chosen here). */
#ifndef LEDE_SAMPLE_H
#define LEDE_SAMPLE_H

#include "run.h"

/* Holds j (taken); once enough is held, chooses and starts the writers. */
int sample_hold(build *b, jobq_job *j, char *err);
/* Chooses from what is held, starts the writers and hands them the held
 * jobs (the end of the sources came first). */
int sample_choose_and_start(build *b, char *err);
/* Frees the held jobs of a run that ended before the writers started. */
void sample_free_held(build *b);
/* Warns of each option given that only a full build's sample reads
 * (--pair-words, --pair-min, --prefix-min) when the run writes to an
 * index that has articles: it keeps what its first build chose, which
 * the warning names. */
void sample_warn_kept(build *b);

#endif
