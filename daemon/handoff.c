/* handoff.c -- the reply hand-off between the loop and the workers (see
 * handoff.h for the states and who moves them).  The workers' side first,
 * then the loop's.  Must not run queries (query.c), manage the pool's
 * queue or threads (pool.c), or write to a connection (replies.c). */
#define _GNU_SOURCE
#include "handoff.h"
#include "../src/engine.h"
#include "conn.h"
#include "log.h"
#include "replies.h"
#include "server_state.h"
#include "stats.h"

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* ---- the workers' side (pool.c calls these) -------------------------- */

void handoff_init(handoff *h, pthread_mutex_t *mu, atomic_int *ready,
                  void (*notify)(void *), void *notify_arg) {
    h->mu = mu;
    h->ready = ready;
    h->notify = notify;
    h->notify_arg = notify_arg;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->drain_cv, &ca);
    pthread_condattr_destroy(&ca);
}

void handoff_destroy(handoff *h) {
    pthread_cond_destroy(&h->drain_cv);
}

/* Under mu: something needs the loop, so its wait in handoff_await_drain
 * ends now, or does not begin before the next handoff_take_done. */
static void handoff_call_loop_locked(handoff *h) {
    if (h->call == HANDOFF_CALM) h->call = HANDOFF_CALLED;
    if (h->drain_waiting) pthread_cond_signal(&h->drain_cv);
}

/* The reply goes straight to the client if it is next in line (wire.h),
 * so the loop is not needed to send it; framed first if its request
 * wants it (an HTTP reply's head: job.h). */
void handoff_send_through(job *j) {
    if (!j->wire || !j->reply.len) return;
    if (j->frame) j->frame(j);
    const sbuf *out = job_out(j);
    j->sent = wire_send(j->wire, j->seq, &j->claim, out->data, out->len);
}

/* Hands a job back to the loop.  A quiet job whose reply its worker
 * wrote whole leaves the loop asleep: the loop has only bookkeeping left
 * to do for it, and does it when it next wakes (a request, its collection
 * timer).  The job is read only before it is in the done list, or under
 * the lock: once there, the loop may free it. */
void handoff_finish(handoff *h, job *j, atomic_int *running) {
    j->finished_at = lede_now();
    int whole = j->wire && j->sent == job_out(j)->len && j->reply.len > 0;
    pthread_mutex_lock(h->mu);
    int wake = !(whole && j->stage == HANDOFF_QUIET && h->call != HANDOFF_EAGER);
    j->stage = HANDOFF_DONE;
    atomic_fetch_sub(running, 1);
    job_list_push(&h->done, j);
    atomic_fetch_add(&h->ndone, 1);
    if (wake) handoff_call_loop_locked(h);
    pthread_mutex_unlock(h->mu);
    if (wake) h->notify(h->notify_arg);
}

/* ---- the loop's side of the workers' state ----------------------------- */

job *handoff_take_done(handoff *h, int max) {
    pthread_mutex_lock(h->mu);
    job *list = NULL, **end = &list;
    int n = 0;
    for (job *j; n < max && (j = job_list_pop(&h->done)) != NULL; n++) {
        *end = j;
        end = &j->next;
    }
    *end = NULL;
    if (!h->done.head && h->call == HANDOFF_CALLED) h->call = HANDOFF_CALM;
    atomic_fetch_sub(&h->ndone, n);
    pthread_mutex_unlock(h->mu);
    return list;
}

int handoff_has_done(handoff *h) {
    return atomic_load(&h->ndone) > 0;
}

/* Takes back a queued or running job's quietness, so that its end wakes
 * the loop; returns 1 when it has finished already (it is in the done
 * list, perhaps without having woken the loop). */
static int handoff_unquiet(handoff *h, job *j) {
    pthread_mutex_lock(h->mu);
    if (j->stage == HANDOFF_QUIET) j->stage = HANDOFF_LOUD;
    int finished = j->stage == HANDOFF_DONE;
    pthread_mutex_unlock(h->mu);
    return finished;
}

static void handoff_set_eager(handoff *h) {
    pthread_mutex_lock(h->mu);
    h->call = HANDOFF_EAGER;
    pthread_mutex_unlock(h->mu);
}

/* The loop's side of read batching (below): it waits, at most max_wait
 * seconds, for the queue to hold no more than low jobs, or for a finished
 * job that calls it (or a kick); a worker that takes the queue down to
 * low jobs, or finishes a job that wakes the loop, signals drain_cv while
 * the loop waits there.  Returns 1 if it waited at all. */
static int handoff_await_drain(handoff *h, int low, double max_wait) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(max_wait * 1e9);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(h->mu);
    h->drain_low = low;
    h->drain_waiting = 1;
    int waited = 0;
    while (atomic_load(h->ready) > low && h->call == HANDOFF_CALM) {
        waited = 1;
        if (pthread_cond_timedwait(&h->drain_cv, h->mu, &until) != 0) break;
    }
    h->drain_waiting = 0;
    pthread_mutex_unlock(h->mu);
    return waited;
}

/* Ends the loop's wait in handoff_await_drain now, or keeps it from
 * starting until the next handoff_take_done: something else needs the
 * loop (the ingest writer finished a command). */
static void handoff_kick(handoff *h) {
    pthread_mutex_lock(h->mu);
    handoff_call_loop_locked(h);
    pthread_mutex_unlock(h->mu);
}

/* ---- the loop's side ------------------------------------------------- */

/* Detaches a job from its request: the worker skips it if it has not
 * started, and its result is dropped when it comes back.  Returns 0 when
 * the worker had written its reply already. */
int handoff_abandon(job *j) {
    j->owner = NULL;
    int live = WIRE_LIVE;
    return atomic_compare_exchange_strong(&j->claim, &live, WIRE_CANCELLED) || live == WIRE_CANCELLED;
}

int handoff_hurry(server *s, job *j) {
    if (j->loop_quiet && handoff_unquiet(s->ho.workers, j)) {
        event_active(s->ho.wake, EV_READ, 0);
        return 1;
    }
    return 0;
}

/* The loop is about to wait on c's in-flight reply for something (a
 * reply queued behind it, closing): a quiet job must wake it after all.
 * Only a connection's only request is ever quiet, so only the head can be
 * one; if it finished already, it waits in the done list unannounced. */
void handoff_hurry_head(conn *c) {
    pending *h = c->head;
    if (h && h->job) handoff_hurry(c->s, h->job);
}

/* Busy polling (--busy-poll-us).  A thread that sleeps through a query
 * leaves its core idle, and on a virtual machine an idle core that is
 * woken costs tens of µs (about 70 measured here) before the reply can
 * move on.  So while jobs are out and a core is free for it, the loop
 * polls (the always-active poll event makes libevent wait with a zero
 * timeout) for at most busy_poll seconds after the last job went out. */
static int handoff_want_poll(server *s) {
    handoff_loop *ho = &s->ho;
    int busy = ho->jobs_out < s->cfg->workers ? ho->jobs_out : s->cfg->workers;
    /* a split match's upper half (src/engine/split.cc) keeps a core busy
     * too: at 1 connection on 2 cores the loop polled on the half's core
     * (the polling was 12% of leded's CPU samples on the 2M mix,
     * bench/results/scale.md) */
    if (busy > 0) busy += engine_split_halves();
    return ho->jobs_out > 0 && busy < ho->cores && lede_now() - ho->poll_since < s->cfg->busy_poll;
}

static void handoff_poll_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (handoff_has_done(s->ho.workers)) handoff_collect(s);
    if (handoff_want_poll(s)) event_active(s->ho.poll, EV_TIMEOUT, 0);
}

static void handoff_start_poll(server *s) {
    if (s->cfg->busy_poll <= 0) return;
    s->ho.poll_since = lede_now();
    if (handoff_want_poll(s) && !event_pending(s->ho.poll, EV_TIMEOUT, NULL))
        event_active(s->ho.poll, EV_TIMEOUT, 0);
}

/* A job is quiet (handoff.h) when it is its connection's only request and
 * nothing else waits on it: if its worker writes the whole reply, the
 * loop has only bookkeeping left, done when it next wakes for a request,
 * or by the collection timer at the latest.  That saves the loop a
 * wake-up per query (on this project's VMs a wake-up preempts a worker and
 * costs tens of µs).  Anything that comes to wait on the reply later
 * takes the quietness back (hurry). */
#define COLLECT_INTERVAL_US 2000

static int handoff_may_be_quiet(conn *c, pending *p) {
    return c->head == p && !p->next && !c->closing && !c->s->shutting_down &&
           c->inflight < c->s->cfg->max_pipeline && conn_output_len(c) == 0;
}

/* Keeps the collection timer going while quiet jobs are out. */
static void handoff_arm_collect(server *s) {
    if (s->ho.quiet_out > 0 && !evtimer_pending(s->ho.collect, NULL)) {
        struct timeval tv = {0, COLLECT_INTERVAL_US};
        evtimer_add(s->ho.collect, &tv);
    }
}

static void handoff_collect_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    handoff_collect(s);
    handoff_arm_collect(s);
}

/* Read batching (--read-batch-us).  While the workers have a backlog of
 * fresh queries (pool.h: twice as many waiting as there are workers, each
 * of a client that waits for its reply), a request read now
 * would only wait in the queue; and every read costs the loop a wake-up,
 * which on these machines preempts a worker.  So once the loop has handled
 * everything ready (the batch event has the lowest priority), it waits, at
 * most read_batch seconds, until the backlog is down to one query a worker
 * (or a finished job needs it), then reads all that came meanwhile in one
 * wake-up.  Measured at 64 connections on Reuters (bench/loadgen, runs
 * with and without it interleaved): about 15% more queries a second, and
 * the loop's wake-ups down from 17,500 to 2,500 a second.  Timers, PING
 * and STATS wait at most read_batch. */
static void handoff_batch_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (!s->shutting_down && handoff_await_drain(s->ho.workers, s->cfg->workers, s->cfg->read_batch))
        s->stats.read_batches++;
}

/* Only fresh queries count: a flood's backlog never drains to one a
 * worker, so waiting on it cost every loop iteration the whole read_batch
 * and delayed the interactive clients' requests for nothing. */
static void handoff_start_batch(server *s) {
    if (s->cfg->read_batch > 0 && pool_fresh(s->pool) >= 2 * s->cfg->workers)
        event_active(s->ho.batch, EV_TIMEOUT, 0);
}

int handoff_nothing_waits(conn *c, pending *p) {
    for (pending *q = c->head; q && q != p; q = q->next) {
        if (q->done || q->deferred) return 0;
        if (!q->job || atomic_load(&q->job->claim) != WIRE_SENT) return 0;
    }
    return 1;
}

/* A job the pool took: counted out, the loop set to collect it when it
 * may come back quiet, and the poll and the read batch started. */
static void handoff_sent_out(server *s, job *j) {
    s->ho.jobs_out++;
    if (j->loop_quiet) {
        s->ho.quiet_out++;
        handoff_arm_collect(s);
    }
    handoff_start_poll(s);
    handoff_start_batch(s);
}

void handoff_submit_query(server *s, pending *p, proto_request *req) {
    job *j = job_new(req, p->c->json, p);
    j->wire = p->c->wire; /* before a worker can see the job */
    wire_ref(j->wire);
    j->seq = p->seq;
    j->loop_quiet = handoff_may_be_quiet(p->c, p);
    j->stage = j->loop_quiet ? HANDOFF_QUIET : HANDOFF_LOUD;
    int fresh = handoff_nothing_waits(p->c, p);
    if (pool_submit(s->pool, p->c->flow, j, fresh, s->cfg->max_queued) != LEDE_OK) {
        job_free(j);
        replies_error(p, PROTO_E_BUSY, "the server is overloaded, try again");
        return;
    }
    p->job = j;
    handoff_sent_out(s, j);
    replies_start_timer(p);
}

int handoff_submit_job(server *s, pool_flow *flow, job *j, int quiet) {
    j->loop_quiet = quiet && j->wire != NULL;
    j->stage = j->loop_quiet ? HANDOFF_QUIET : HANDOFF_LOUD;
    int rc = pool_submit(s->pool, flow, j, 1, s->cfg->max_queued);
    if (rc != LEDE_OK) return rc;
    handoff_sent_out(s, j);
    return LEDE_OK;
}

/* Finished jobs delivered at a time: under a flood thousands may be
 * done at once, and delivering them all (each may read its connection's
 * next request) kept the loop from reading anyone else's for tens of ms. */
#define COLLECT_BATCH 64

/* A finished job: its reply takes its place in the connection's order. */
static void handoff_deliver(server *s, job *j) {
    pending *p = j->owner;
    if (!proto_is_ingest(j->req.cmd)) s->ho.jobs_out--;
    if (j->loop_quiet) s->ho.quiet_out--;
    if (!proto_is_ingest(j->req.cmd)) stats_note_query(s, j);
    if (j->failed_internal) log_msg(LOG_LEVEL_ERROR, "internal error: %.*s", (int)j->reply.len, j->reply.data);
    if (j->deliver) j->deliver(j);
    else if (p) replies_fill(p, j);
    job_free(j);
}

void handoff_collect(server *s) {
    job *j = handoff_take_done(s->ho.workers, COLLECT_BATCH), *next;
    for (; j; j = next) {
        next = j->next;
        handoff_deliver(s, j);
    }
    /* the rest after the requests ready to be read (wake is at priority 2) */
    if (handoff_has_done(s->ho.workers)) event_active(s->ho.wake, EV_READ, 0);
    j = s->ingest ? ingest_take_done(s->ingest) : NULL;
    for (; j; j = next) {
        next = j->next;
        handoff_deliver(s, j);
    }
}

/* Workers wake the loop through an eventfd of its own rather than
 * event_active(), which takes libevent's base lock and so made the loop
 * and the workers wait on each other.  The flag, cleared before
 * collecting, keeps it to one write per wake-up. */
static void handoff_wake_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    server *s = arg;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0) {
        /* EAGAIN: activated by the loop itself */
    }
    atomic_store(&s->ho.wake_pending, 0);
    handoff_collect(s);
}

void handoff_notify_loop(void *arg) {
    server *s = arg;
    if (atomic_exchange(&s->ho.wake_pending, 1)) return;
    uint64_t one = 1;
    if (write(s->ho.wake_fd, &one, sizeof one) < 0) {
        /* the counter cannot overflow: it is read at every wake-up */
    }
}

/* The ingest writer's replies do not wait out read batching (a pool job
 * that needs the loop ends the wait itself, in handoff_finish). */
void handoff_notify_from_ingest(void *arg) {
    server *s = arg;
    if (s->ho.workers) handoff_kick(s->ho.workers); /* jobs come only once the pool runs */
    handoff_notify_loop(s);
}

void handoff_shutdown(server *s) {
    handoff_set_eager(s->ho.workers);
    event_active(s->ho.wake, EV_READ, 0); /* quiet jobs that finished already */
}

int handoff_loop_start(server *s) {
    handoff_loop *ho = &s->ho;
    ho->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (ho->wake_fd < 0) {
        log_msg(LOG_LEVEL_ERROR, "cannot create an eventfd: %s", strerror(errno));
        return -1;
    }
    ho->wake = event_new(s->base, ho->wake_fd, EV_PERSIST | EV_READ, handoff_wake_cb, s);
    /* Collecting waits for the requests ready to be read: under a flood
     * most finished jobs are the flood's, and a client that waits for its
     * reply is read first (its own finished job is collected as it is
     * read, conn.c).  Good clients' p99 under 100 cheap floods: about 5
     * ms against 7-12 ms with collecting first (2 cores, loaded). */
    event_priority_set(ho->wake, 2);
    event_add(ho->wake, NULL);
    ho->poll = event_new(s->base, -1, 0, handoff_poll_cb, s);
    ho->batch = event_new(s->base, -1, 0, handoff_batch_cb, s);
    event_priority_set(ho->batch, 2);
    ho->collect = evtimer_new(s->base, handoff_collect_cb, s);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    ho->cores = cores > 0 ? (int)cores : 1;
    return 0;
}

void handoff_loop_free(server *s) {
    handoff_loop *ho = &s->ho;
    if (ho->wake) event_free(ho->wake);
    if (ho->wake_fd >= 0) close(ho->wake_fd);
    if (ho->poll) event_free(ho->poll);
    if (ho->batch) event_free(ho->batch);
    if (ho->collect) event_free(ho->collect);
}
