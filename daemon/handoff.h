/* handoff.h -- how a query job's reply gets from a worker back to the
 * loop and out to the client, and when the loop is woken for it.  This
 * file and handoff.c own every field named below; the pool (pool.c) calls
 * the worker side, the loop's files call the loop side, and neither
 * changes these fields itself.  handoff.c must not run queries, parse
 * requests or write to a connection's output buffer (replies.c does).
 *
 * A QUERY BEFORE A WORKER TAKES IT (admit.h, pool.h)
 *
 *   loop: a line parsed into a query (dispatch.c -> admit_query)
 *     ingest commands of its connection out or deferred before it?
 *        yes: DEFERRED, the request kept in its pending (its time limit
 *             runs); when the last of them comes back and the replies
 *             before have left (replies_flush_release), the deferred
 *             requests go in order (admit_release), the first of them
 *             then its connection's only request, so FRESH below -- and
 *             symmetrically for an ingest command behind queries
 *        no:  handoff_submit_query
 *
 *   handoff_submit_query: nothing of the connection waits but replies
 *   already written whole by workers (handoff_nothing_waits)?
 *        yes: FRESH: queued on its connection's flow, which goes on the
 *             fresh list; never refused
 *        no:  queued on the flow, which waits its turn; refused (BUSY)
 *             only if --max-queued jobs wait (conn.c does not read such a
 *             connection then: only a deferred query can meet this)
 *
 *     QUEUED --- loop: the connection owes too much (admit_check_share) ---> HELD
 *     HELD ----- loop: its client read enough, or it closed ----------------> QUEUED
 *     QUEUED --- worker: its flow's turn (fresh list first; one worker kept
 *                for fresh jobs while they come) --------> taken: the stage
 *                and claim below (a CANCELLED job is skipped)
 *
 * A QUERY JOB'S REPLY
 *
 *   loop: handoff_submit_query
 *     its connection's only request, nothing queued for the client,
 *     not closing, not shutting down, under max_pipeline?
 *        yes: stage QUIET, loop_quiet = 1, quiet_out++, collection timer on
 *        no:  stage LOUD
 *
 *     QUIET ----- loop: hurry -------------------------------> LOUD
 *       |  (something comes to wait on the reply: a request      |
 *       |   queued behind it, the client's half-close, the       |
 *       |   query's time limit)                                  |
 *       |                                                        |
 *       | worker: finish, having written the          worker: finish, any
 *       | whole reply itself, call != EAGER           other way (or EAGER)
 *       v                                                        v
 *     DONE, unannounced                          DONE, announced
 *     in the done list; the loop sleeps on       in the done list; call CALM ->
 *       |                                        CALLED; the read-batching wait
 *       | loop, whichever comes first:           ends; notify writes the eventfd
 *       |  - any connection reads a request      (once until the loop wakes)
 *       |  - busy polling sees ndone > 0                         |
 *       |  - the collection timer (2 ms, while quiet_out > 0)    | loop: wake_cb
 *       |  - hurry finds it DONE: activates the wake event       |
 *       v                                                        v
 *     delivered (handoff_collect): jobs_out--, quiet_out-- if loop_quiet,
 *     latency noted, the reply takes its pending's place, the job is freed
 *
 *   The claim on the reply's bytes, beside the stage (wire.h):
 *
 *     LIVE --- worker: wire_send, when the wire is open for its seq ---> SENT
 *     LIVE --- loop: handoff_abandon (time limit, connection gone) ---> CANCELLED
 *
 *     Whoever leaves LIVE first owns the reply (compare-and-swap).  A
 *     worker that finds CANCELLED before running skips the query; a loop
 *     that finds SENT at the time limit lets the reply come back; a SENT
 *     reply the socket took only part of is finished by the loop
 *     (pending.skip = sent; the wire stays held).
 *
 *   How much the loop wants to hear (pool-wide, call):
 *
 *     CALM --- worker finishes an announced job, or the ingest writer
 *              finishes one (handoff_kick) ---> CALLED
 *     CALLED --- loop takes the done list, to its end (it takes 64 jobs at
 *              a time: handoff_collect) ---> CALM
 *     any --- SIGTERM (handoff_shutdown) ---> EAGER, for good: every
 *              finished job wakes the loop, none is left unannounced
 *     The read-batching wait (handoff_await_drain) goes on only while CALM.
 *
 *   An HTTP query (handoff_submit_job, http_job.c) goes through the same
 *   stages and claim: it is QUIET when its plain connection has nothing
 *   queued and no request behind it; a request arriving behind it, the
 *   client's half-close or its time limit hurries it.  When the client's
 *   next bytes come, finished jobs are collected first (as conn.c's read
 *   does); if the job is not back yet but the wire shows its reply went
 *   whole (wire_passed), the loop ends its request without it, and the
 *   job is only counted when it comes back (until then it counts in
 *   jobs_out, so busy polling may stop for the next query).
 *
 *   Ingest jobs never enter this: the writer keeps its own done list and
 *   every job it finishes wakes the loop and calls it (ingest.c).
 *
 * THE FIELDS
 *   (the flows, their lists and held flags are the pool's, under its lock;
 *   pending.deferred and the connection's counts are admit.c's, loop only)
 *   job.stage     QUIET, LOUD, DONE; under the pool's lock (the loop sets
 *                 it at submit, before any worker can see the job).
 *   job.claim     LIVE, SENT, CANCELLED; atomic.  SENT is set only under
 *                 the wire's lock, with the check that the wire is open
 *                 for the job (wire.c), CANCELLED by the loop alone.
 *   job.loop_quiet  the loop's own note that it counted the job in
 *                 quiet_out; never read by workers, never cleared.
 *   call          CALM, CALLED, EAGER; under the pool's lock.
 *   ndone         jobs in the done list; written under the lock, read
 *                 without it (busy polling, read_cb).
 *   wake_pending  an eventfd write is on its way: no more until the loop
 *                 has woken (atomic exchange; cleared before collecting).
 *   jobs_out, quiet_out  the loop's counts of query jobs out (busy polling
 *                 runs while jobs_out > 0; the collection timer while
 *                 quiet_out > 0).
 *
 *   Why these were not made one state: stage and claim are guarded
 *   differently and race differently.  The claim is settled by CAS
 *   between a worker inside wire_send, which holds the wire's lock across
 *   send(), and the loop at a time limit, which holds no lock; the stage
 *   is changed under the pool's lock, which finish also needs for the
 *   done list and the drain wait.  One word for both would put the pool's
 *   lock around send() or turn finish and hurry into CAS loops on the hot
 *   path.  loop_quiet stays apart from stage because the loop reads it
 *   for every request behind a running job without taking the pool's lock
 *   (only a quiet job needs hurrying), and because it must outlive hurry:
 *   delivery uses it to count quiet_out down.  (Before, stage was two
 *   flags, quiet and finished, and call two, eager and loud_done.)
 *
 * WHY (measured on this project's VMs; details at the code)
 *   - A loop woken from sleep costs about 80 µs before a reply could
 *     leave, so a worker writes its reply through the wire itself when it
 *     is next in line (wire.h, bench/results/query.md).
 *   - Each wake-up preempts a worker and costs tens of µs, so a quiet job
 *     written whole does not wake the loop (p99 at 64 connections 8.4-9.1
 *     ms against 11.7-12.2 before quiet jobs).
 *   - An idle core woken from halt costs about 70 µs, so the loop polls
 *     for up to --busy-poll-us while jobs are out and a core is free (the
 *     workers' jobs and the engine's split halves counted: engine_split_halves).
 *   - With a backlog, every read is a wake-up: read batching waits for it
 *     to drain (15% more queries a second at 64 connections; wake-ups
 *     17,500 -> 2,500 a second).
 *   - event_active() takes libevent's base lock, which made loop and
 *     workers wait on each other: workers write an eventfd instead. */
#ifndef LEDE_DAEMON_HANDOFF_H
#define LEDE_DAEMON_HANDOFF_H

#include <pthread.h>
#include <stdatomic.h>
#include "job.h"
#include "../src/protocol.h"

struct event;
typedef struct server server;
typedef struct conn conn;
typedef struct pending pending;
struct pool_flow;

typedef enum handoff_call {
    HANDOFF_CALM = 0,          /* quiet jobs may finish unannounced */
    HANDOFF_CALLED,            /* something needs the loop: until it next
                                  takes the done list */
    HANDOFF_EAGER              /* shutting down: every finished job wakes it */
} handoff_call;

/* The workers' side, inside the pool and guarded by the pool's lock. */
typedef struct handoff {
    pthread_mutex_t *mu;       /* the pool's lock */
    atomic_int *ready;         /* the pool's count of jobs a worker may take */
    job_list done;             /* finished jobs, in completion order */
    atomic_int ndone;          /* jobs in done; written under mu; read anywhere */
    handoff_call call;         /* under mu */
    pthread_cond_t drain_cv;   /* the loop waits here for the queue to drain */
    int drain_waiting;         /* under mu: the loop waits for the queue ... */
    int drain_low;             /* ... to hold at most this many jobs */
    void (*notify)(void *);    /* wakes the loop (handoff_notify_loop) */
    void *notify_arg;
} handoff;

/* The loop's side, in the server (server_state.h); loop thread only, but
 * wake_pending, which workers set. */
typedef struct handoff_loop {
    handoff *workers;          /* the pool's handoff, once it runs */
    struct event *wake;        /* on wake_fd: finished jobs to collect */
    int wake_fd;               /* eventfd the workers write to wake the loop */
    atomic_int wake_pending;   /* a wake-up is on its way: no more writes */
    struct event *poll;        /* busy polling */
    struct event *batch;       /* read batching */
    struct event *collect;     /* collects quiet jobs while any are out */
    int jobs_out;              /* pool jobs not yet delivered */
    int quiet_out;             /* ... of which quiet (handoff_submit_query) */
    int cores;
    double poll_since;         /* busy polling: when the last job went out */
} handoff_loop;

/* ---- workers' side (pool.c) ---- */

/* mu guards the handoff; ready is the pool's count of jobs a worker may
 * take (held flows' jobs are not), which the drain wait watches; notify
 * wakes the loop. */
void handoff_init(handoff *h, pthread_mutex_t *mu, atomic_int *ready,
                  void (*notify)(void *), void *notify_arg);
void handoff_destroy(handoff *h);
/* True when nobody wants the job's reply any more: skip the query. */
static inline int handoff_cancelled(job *j) {
    return atomic_load(&j->claim) == WIRE_CANCELLED;
}
/* The reply goes straight to the client if it is next in line. */
void handoff_send_through(job *j);
/* Puts a finished job in the done list (running, the pool's count of busy
 * workers, goes down under the same lock) and wakes the loop unless the
 * job is quiet and written whole.  The job is the loop's from then on. */
void handoff_finish(handoff *h, job *j, atomic_int *running);
/* Under mu: the pool's queue got shorter (a worker took a job); ends the
 * loop's drain wait once the queue is down to what it waits for. */
static inline void handoff_queue_shrank_locked(handoff *h) {
    if (h->drain_waiting && atomic_load(h->ready) <= h->drain_low) pthread_cond_signal(&h->drain_cv);
}

/* ---- loop's side ---- */

/* Sets up the loop's side (its events; the eventfd); -1, logged, if it
 * cannot.  handoff_loop_free undoes it (wake_fd -1: nothing to close). */
int handoff_loop_start(server *s);
void handoff_loop_free(server *s);
/* Takes up to max finished jobs of the pool (a list in completion order). */
job *handoff_take_done(handoff *h, int max);
/* True when some finished job waits in the done list (no lock taken). */
int handoff_has_done(handoff *h);
/* The notify callbacks of the pool and of the ingest writer (arg: the
 * server); called from their threads. */
void handoff_notify_loop(void *arg);
void handoff_notify_from_ingest(void *arg);
/* Sends a query (moved out of req) to the workers, on its connection's
 * flow; its reply will take p's place (BUSY when the queue is full and
 * something else of the connection waits).  admit.c calls it. */
void handoff_submit_query(server *s, pending *p, proto_request *req);
/* Sends a job that is not a line connection's (an HTTP request's, whose
 * connection has no other job out, so it is fresh, pool.h) to the
 * workers on flow; it comes back through j->deliver.  With a wire (set
 * by the caller with its seq and frame) its worker may write the reply
 * itself; quiet (with a wire only): nothing else waits on the reply, so
 * if its worker writes it whole its end need not wake the loop (the
 * caller hurries it when something comes to wait).  LEDE_ELIMIT: the
 * queue is full (cannot happen for a fresh job; kept for the caller). */
int handoff_submit_job(server *s, struct pool_flow *flow, job *j, int quiet);
/* True when no request of c before p (NULL: none at all) waits to be
 * answered, but those whose worker wrote the whole reply already (their
 * client has it, and may ask again before the loop has collected them).
 * A query sent then goes before the waiting flows (pool.h), and is never
 * refused or held back for a full queue.  Stops at the first request
 * that waits. */
int handoff_nothing_waits(conn *c, pending *p);
/* Delivers every finished job, the pool's and the ingest writer's. */
void handoff_collect(server *s);
/* Something comes to wait on j's reply: a quiet job must wake the loop
 * after all.  Returns 1 when it had finished already (the wake event is
 * activated for it). */
int handoff_hurry(server *s, job *j);
/* The same for the job at the head of c's order, if any. */
void handoff_hurry_head(conn *c);
/* Nobody wants j's reply any more (time limit, connection gone).
 * Returns 0 when the worker had written its reply already. */
int handoff_abandon(job *j);
/* SIGTERM: from now on every finished job wakes the loop. */
void handoff_shutdown(server *s);

#endif
