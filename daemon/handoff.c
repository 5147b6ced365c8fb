/* handoff.c -- the reply hand-off between the loop and the workers (see
 * handoff.h). */
#define _GNU_SOURCE
#include "handoff.h"
#include "conn.h"
#include "log.h"
#include "replies.h"
#include "server_state.h"
#include "stats.h"

#include <errno.h>
#include <event2/event.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Detaches a job from its request: the worker skips it if it has not
 * started, and its result is dropped when it comes back.  Returns 0 when
 * the worker had written its reply already. */
int handoff_abandon(job *j) {
    j->owner = NULL;
    return wire_cancel(&j->claim);
}

int handoff_hurry(server *s, job *j) {
    if (j->loop_quiet && pool_hurry(s->pool, j)) {
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
    return ho->jobs_out > 0 && busy < ho->cores && lede_now() - ho->poll_since < s->cfg->busy_poll;
}

static void handoff_poll_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (pool_has_done(s->pool)) handoff_collect(s);
    if (handoff_want_poll(s)) event_active(s->ho.poll, EV_TIMEOUT, 0);
}

static void handoff_start_poll(server *s) {
    if (s->cfg->busy_poll <= 0) return;
    s->ho.poll_since = lede_now();
    if (handoff_want_poll(s) && !event_pending(s->ho.poll, EV_TIMEOUT, NULL))
        event_active(s->ho.poll, EV_TIMEOUT, 0);
}

/* A job is quiet (pool.h) when it is its connection's only request and
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

/* Read batching (--read-batch-us).  While the workers have a backlog
 * (twice as many queries waiting as there are workers), a request read now
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
    if (!s->shutting_down && pool_await_drain(s->pool, s->cfg->workers, s->cfg->read_batch))
        s->stats.read_batches++;
}

static void handoff_start_batch(server *s) {
    if (s->cfg->read_batch > 0 && pool_queued(s->pool) >= 2 * s->cfg->workers)
        event_active(s->ho.batch, EV_TIMEOUT, 0);
}

void handoff_submit_query(server *s, pending *p, proto_request *req) {
    job *j = job_new(req, p->c->json, p);
    j->wire = p->c->wire; /* before a worker can see the job */
    wire_ref(j->wire);
    j->seq = p->seq;
    j->quiet = j->loop_quiet = handoff_may_be_quiet(p->c, p);
    if (pool_submit(s->pool, j, s->cfg->max_queued) != LEDE_OK) {
        job_free(j);
        replies_error(p, PROTO_E_BUSY, "the server is overloaded, try again");
        return;
    }
    p->job = j;
    s->ho.jobs_out++;
    if (j->loop_quiet) {
        s->ho.quiet_out++;
        handoff_arm_collect(s);
    }
    handoff_start_poll(s);
    handoff_start_batch(s);
    replies_start_timer(p);
}

/* A finished job: its reply takes its place in the connection's order. */
static void handoff_deliver(server *s, job *j) {
    pending *p = j->owner;
    if (!proto_is_ingest(j->req.cmd)) s->ho.jobs_out--;
    if (j->loop_quiet) s->ho.quiet_out--;
    if (!proto_is_ingest(j->req.cmd)) stats_note_query(s, j);
    if (j->failed_internal) log_msg(LOG_LEVEL_ERROR, "internal error: %.*s", (int)j->reply.len, j->reply.data);
    if (p) replies_fill(p, j);
    job_free(j);
}

void handoff_collect(server *s) {
    job *j = pool_take_done(s->pool), *next;
    for (; j; j = next) {
        next = j->next;
        handoff_deliver(s, j);
    }
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
 * that needs the loop ends the wait itself, in pool.c). */
void handoff_notify_from_ingest(void *arg) {
    server *s = arg;
    if (s->pool) pool_kick(s->pool); /* jobs come only once the pool runs */
    handoff_notify_loop(s);
}

void handoff_shutdown(server *s) {
    pool_set_eager(s->pool);
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
