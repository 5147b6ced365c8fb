/* pool.h -- the daemon's query workers: N threads, each with its own
 * read-only view of the index (query.h), taking jobs from the queues of
 * the connections in turn (a flow each, below).  The most recently idle
 * worker takes the next job (warm caches), and an idle worker may spin
 * awake briefly before sleeping.  A job carries its
 * request in and its formatted reply out; how the reply gets back to the
 * loop or straight to the client, and when the loop is woken for it, is
 * the hand-off's (handoff.h), whose state lives in the pool under the
 * pool's lock.  The workers never touch connection state. */
#ifndef LEDE_POOL_H
#define LEDE_POOL_H

#include <pthread.h>
#include <stdint.h>
#include "job.h"
#include "../src/search.h"

typedef struct pool pool;
typedef struct handoff handoff;

/* FAIRNESS.  Each connection's waiting jobs form a flow, taken in first-in
 * first-out order.  Workers take one job at a time from the flows in turn
 * (round robin), so a connection with a thousand jobs waiting delays
 * another's by at most one job per worker, not by a thousand.  A flow
 * whose connection had no other query out when its job came (a client
 * that waits for each reply) goes before every flow already waiting, for
 * that one job: such a client's query waits only for a worker to finish
 * the job it is on (the sparse-flow rule of fq_codel, RFC 8290).  Jobs
 * that timed out while they waited (answered, skipped when taken) do not
 * count as out: the client's next query is fresh, and it keeps its place
 * among the fresh ones by when it came, though it waits in its flow
 * behind them, however many (its flow stays with the fresh ones while it
 * holds a fresh job: a stream of other clients' queries starved it
 * otherwise, tests/py/test_fresh_after_timeout.py).  While
 * fresh jobs keep coming (one was taken in the last 100 ms), one worker
 * of two or more is kept for them, so that they do not even wait for a
 * long job of a flood to end; the flows waiting their turn share the
 * others, and all of them once fresh jobs stop coming.  (On two cores
 * with two workers busy with floods, the loop, the worker and the client
 * of a fresh query also waited for a core: p99 x25-x70 of unloaded
 * against x3-x5 with the worker kept, tests/py/test_fair_load.py.)  A held
 * flow (its client owes reading: replies.h) keeps its jobs and is skipped
 * until released.  The loop owns a flow's life (pool_flow_new,
 * pool_flow_close); the jobs and the turn lists are under the pool's lock. */
typedef struct pool_flow pool_flow;

typedef struct pool_config {
    const char *index;
    int workers;
    unsigned max_wildcard;     /* words one query's wildcards may expand to */
    unsigned facets_exact;     /* facets exact up to this many matches (0: always) */
    size_t facet_memory;       /* --facet-memory: divided among the workers' readers */
    unsigned remote_timeout_ms; /* on a remote shard's server (0: the engine's default) */
    unsigned remote_backoff_ms; /* a failed server passed over at first (0: the engine's) */
    double query_timeout;      /* seconds from submission to a query's deadline (0: none) */
    search_cost max_cost;      /* a query's cost limits (0: none; search.h) */
    double spin;               /* seconds a worker that finds the queue empty
                                  waits awake for the next job before sleeping
                                  (0: it sleeps at once) */
    const char *test_hold;     /* the LEDE_TEST_HOLD FIFO (pool.c), or NULL */
    /* notify() is called from a worker thread after a job lands in the done
     * list; it must only wake the loop (handoff_notify_loop writes an
     * eventfd: event_active would take libevent's base lock, handoff.h). */
    void (*notify)(void *);
    void *notify_arg;
} pool_config;

int pool_start(pool **out, const pool_config *cfg, char *err);
/* The pool's side of the hand-off (finished jobs, the drain wait). */
handoff *pool_handoff(pool *p);
/* A connection's flow; pool_flow_close when the connection goes (its
 * waiting jobs still pass through a worker, which skips them: they are
 * cancelled, handoff.h). */
pool_flow *pool_flow_new(void);
void pool_flow_close(pool *p, pool_flow *f);
/* Holds a flow's jobs back (held), or lets them go again. */
void pool_flow_hold(pool *p, pool_flow *f, int held);
/* Queues a job on its connection's flow; fresh: the connection has no
 * other query out.  Returns LEDE_ELIMIT when max_queued jobs are waiting,
 * unless fresh: a connection's only query always gets a place, so the
 * queue holds at most max_queued plus one job a connection. */
int pool_submit(pool *p, pool_flow *f, job *j, int fresh, int max_queued);
/* SIGTERM: every query still running or queued POOL_STOP_GRACE seconds
 * from now stops at its next check (a reply the client may still read:
 * ERR BUSY).  The grace lets the usual query in flight finish, as the
 * replies in flight at SIGTERM always were; a long one no longer holds the
 * daemon (one took over 6 s to exit, issue 16). */
#define POOL_STOP_GRACE 0.25
void pool_stop_queries(pool *p);
/* Stops the workers after the queued jobs and joins them. */
void pool_stop(pool *p);
/* Queries stopped at their deadline, cancelled, refused over a cost limit
 * (query_figures). */
void pool_query_counters(pool *p, uint64_t *stopped, uint64_t *cancelled, uint64_t *refused);
/* The workers' facet columns, all together (query_figures): bytes held,
 * slots refused, slots read whole, commits followed in part. */
void pool_facet_figures(pool *p, uint64_t out[4]);
/* Jobs waiting (held or not); fresh flows waiting (one fresh job each). */
int pool_queued(pool *p);
int pool_fresh(pool *p);
/* Workers running a job now. */
int pool_running(pool *p);
/* The index's metadata fields the workers saw last, "name:kind,..." (for
 * STATS' fields). */
void pool_index_fields(pool *p, char *out, size_t n);
/* The index figures the workers saw last (for STATS, answered by the loop
 * even when every worker is busy). */
void pool_index_figures(pool *p, uint64_t *articles, uint64_t *revision,
                        uint64_t *bytes);
/* Unix seconds of the last commit the workers saw (0: unknown). */
int64_t pool_last_commit(pool *p);

#endif
