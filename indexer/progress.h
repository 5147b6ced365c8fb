/* progress.h -- the indexer's progress line on a terminal: articles done,
 * articles per second and, when the input size is known, percent and ETA.
 * Redrawn at most four times a second on stderr with '\r'; does nothing at
 * all when disabled (stderr not a TTY, or --quiet). */
#ifndef LEDE_PROGRESS_H
#define LEDE_PROGRESS_H

#include <stdint.h>

typedef struct progress {
    int enabled;
    double start, last;
    uint64_t total_bytes;
    int drawn;
} progress;

void progress_init(progress *p, int enabled, uint64_t total_bytes);
void progress_update(progress *p, uint64_t articles, uint64_t bytes_done);
/* Shows what a later phase is doing instead of the article counts
 * (drawn as often as progress_update). */
void progress_phase(progress *p, const char *what);
/* Erases the line (before a warning or the summary). */
void progress_clear(progress *p);

#endif
