/* progress.c -- terminal progress line for lede-index (see progress.h).
 * Writes to stderr alone; knows nothing of the run's state. */
#include "progress.h"
#include "../src/util.h"

#include <stdio.h>

void progress_init(progress *p, int enabled, uint64_t total_bytes) {
    p->enabled = enabled;
    p->start = p->last = lede_now();
    p->total_bytes = total_bytes;
    p->drawn = 0;
}

void progress_update(progress *p, uint64_t articles, uint64_t bytes_done) {
    if (!p->enabled) return;
    double now = lede_now();
    if (now - p->last < 0.25) return;
    p->last = now;
    double secs = now - p->start;
    double rate = secs > 0 ? (double)articles / secs : 0;
    char eta[64] = "";
    if (p->total_bytes && bytes_done && bytes_done <= p->total_bytes) {
        double frac = (double)bytes_done / (double)p->total_bytes;
        double left = secs / frac - secs;
        snprintf(eta, sizeof eta, "  %3.0f%%  ETA %d:%02d", frac * 100,
                 (int)(left / 60), (int)left % 60);
    }
    fprintf(stderr, "\r\033[K%10llu articles  %8.0f articles/s%s",
            (unsigned long long)articles, rate, eta);
    fflush(stderr);
    p->drawn = 1;
}

void progress_phase(progress *p, const char *what) {
    if (!p->enabled) return;
    double now = lede_now();
    if (now - p->last < 0.25) return;
    p->last = now;
    fprintf(stderr, "\r\033[K%s", what);
    fflush(stderr);
    p->drawn = 1;
}

void progress_clear(progress *p) {
    if (!p->enabled || !p->drawn) return;
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    p->drawn = 0;
}
