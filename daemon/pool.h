/* pool.h -- the daemon's query workers: N threads, each with its own
 * read-only engine handle on the index, taking jobs from one queue and
 * handing finished jobs back to the event loop through a done list and a
 * callback that wakes it.  A job carries its request in and its formatted
 * reply out.  The workers never touch connection state; a job that
 * carries a wire (wire.h) may have its reply written straight to the
 * socket by the worker, and then says how much of it went out; a quiet
 * job so written does not wake the loop (the loop collects it later). */
#ifndef LEDE_POOL_H
#define LEDE_POOL_H

#include <pthread.h>
#include <stdint.h>
#include "job.h"

typedef struct pool pool;

typedef struct pool_config {
    const char *index;
    int workers;
    unsigned max_wildcard;     /* words one query's wildcards may expand to */
    double spin;               /* seconds a worker that finds the queue empty
                                  waits awake for the next job before sleeping
                                  (0: it sleeps at once) */
    const char *test_hold;     /* the LEDE_TEST_HOLD FIFO (pool.c), or NULL */
    /* notify() is called from a worker thread after a job lands in the done
     * list; it must only wake the loop (e.g. event_active). */
    void (*notify)(void *);
    void *notify_arg;
} pool_config;

int pool_start(pool **out, const pool_config *cfg, char *err);
/* Queues a job; returns LEDE_ELIMIT when max_queued jobs are waiting. */
int pool_submit(pool *p, job *j, int max_queued);
/* Takes every finished job (a list in completion order). */
job *pool_take_done(pool *p);
/* True when some finished job waits in the done list (no lock taken). */
int pool_has_done(pool *p);
/* Takes back a queued or running job's quiet flag, so that its end wakes
 * the loop; returns 1 when it has finished already (it is in the done
 * list, perhaps without having woken the loop). */
int pool_hurry(pool *p, job *j);
/* From now on every finished job wakes the loop (shutting down). */
void pool_set_eager(pool *p);
/* Stops the workers after the queued jobs and joins them. */
void pool_stop(pool *p);
/* The loop waits, at most max_wait seconds, for the queue to hold no more
 * than low jobs, or for a finished job that wants it woken (or a kick);
 * returns 1 if it waited at all. */
int pool_await_drain(pool *p, int low, double max_wait);
/* Ends the loop's wait in pool_await_drain now, or keeps it from starting
 * until the next pool_take_done: something else needs the loop (the
 * ingest writer finished a command). */
void pool_kick(pool *p);
int pool_queued(pool *p);
/* Workers running a job now. */
int pool_running(pool *p);
/* The index figures the workers saw last (for STATS, answered by the loop
 * even when every worker is busy). */
void pool_index_figures(pool *p, uint64_t *articles, uint64_t *revision,
                        uint64_t *bytes);
/* Unix seconds of the last commit the workers saw (0: unknown). */
int64_t pool_last_commit(pool *p);

#endif
