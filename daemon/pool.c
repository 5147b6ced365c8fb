/* pool.c -- the worker threads (see pool.h): the queues of waiting jobs
 * (one a connection, taken in turn), idle workers, spinning, starting and
 * stopping.  What a job does is
 * query.c's, how its reply gets back handoff.c's (whose state the pool's
 * lock guards); must not format replies, call the engine or change a
 * job's hand-off fields itself. */
#define _GNU_SOURCE
#include "pool.h"
#include "handoff.h"
#include "query.h"

#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

typedef struct worker worker;

/* A connection's waiting jobs (pool.h).  Under the pool's lock. */
struct pool_flow {
    job_list jobs;
    int njobs;
    int fresh_jobs;             /* of which fresh (pool_submit's fresh) */
    int ring;                   /* FLOW_OUT, or the turn list it is on */
    int held;                   /* its client owes reading: skip its jobs */
    int closed;                 /* its connection is gone: freed once empty */
    pool_flow *next;            /* on its turn list */
};

enum { FLOW_OUT = 0, FLOW_NEW, FLOW_OLD };

typedef struct flow_list {
    pool_flow *head, *tail;
} flow_list;

struct pool {
    pthread_mutex_t mu;
    worker *idle;               /* waiting workers, most recently idle first */
    flow_list fresh;            /* flows whose connection had nothing out: first */
    flow_list turns;            /* the others, round robin */
    atomic_int queued;          /* jobs waiting, held or not; written under mu */
    atomic_int ready;           /* ... of which in flows not held; written under mu */
    atomic_int nfresh;          /* flows on the fresh list; written under mu */
    double last_fresh;          /* under mu: when a fresh flow's job was last taken */
    int kept;                   /* under mu: idle workers waiting out the time
                                   kept for fresh jobs (timed waits) */
    handoff ho;                 /* finished jobs on their way back (handoff.h) */
    int spinning;               /* under mu: workers waiting awake (spin) */
    atomic_int running;         /* workers on a job; written under mu */
    double spin;                /* seconds a worker waits awake before sleeping */
    int stopping;
    int nworkers;
    pthread_t *threads;
    char *index;
    char *test_hold;            /* LEDE_TEST_HOLD at start-up, or NULL */
    query_figures figures;
    query_config qc;            /* what the workers' queries share */
    double query_timeout;       /* seconds from submission to a query's deadline (0: none) */
    atomic_llong stop_at_us;    /* SIGTERM: queries stop past this (query_config) */
};

struct worker {
    pool *p;
    query_reader *q;
    pthread_cond_t cv;          /* signalled to hand this worker a job */
    int on_stack;
    worker *next_idle;
};

int64_t pool_last_commit(pool *p) {
    return atomic_load(&p->figures.last_commit);
}

void pool_index_fields(pool *p, char *out, size_t n) {
    pthread_mutex_lock(&p->figures.fields_mu);
    snprintf(out, n, "%s", p->figures.fields);
    pthread_mutex_unlock(&p->figures.fields_mu);
}

void pool_index_figures(pool *p, uint64_t *articles, uint64_t *revision,
                        uint64_t *bytes) {
    *articles = atomic_load(&p->figures.articles);
    *revision = atomic_load(&p->figures.revision);
    *bytes = atomic_load(&p->figures.bytes);
}

/* Test hook: a query that is exactly "lede-test-hold" waits, before it
 * runs, until it reads a byte from the FIFO named by LEDE_TEST_HOLD, so
 * tests can keep a worker busy for as long as they need without any
 * timing; "lede-test-hold-sent" waits the same way after its reply went
 * to the socket (see handoff_send_through).  One byte lets one hold go:
 * the end of a writer that let an earlier hold go (it may close after the
 * next hold opened the FIFO) lets none go.  The variable is read once, by
 * server_run; without it a job only tests a pointer here. */
static void test_hold(const pool *p, const job *j, const char *query) {
    const char *fifo = p->test_hold;
    if (!fifo || !j->req.arg || strcmp(j->req.arg, query)) return;
    for (;;) {
        int fd = open(fifo, O_RDONLY);
        if (fd < 0) return;
        char byte;
        ssize_t n = read(fd, &byte, 1);
        close(fd);
        if (n != 0) return; /* its byte (or an error: not held for ever) */
    }
}

/* A query's deadline runs from its submission, as the loop's time limit
 * does (replies.c): past it, the search stops at its next check and the
 * worker is free for the next job instead of running on for nobody. */
static void run_job(worker *w, job *j) {
    test_hold(w->p, j, "lede-test-hold");
    if (handoff_cancelled(j)) { /* timed out or its client left */
        query_note_cancelled(w->q);
        return;
    }
    double deadline = w->p->query_timeout > 0 ? j->started + w->p->query_timeout : 0;
    query_run(w->q, j, deadline);
}

static void unstack(pool *p, worker *w) {
    for (worker **x = &p->idle; *x; x = &(*x)->next_idle)
        if (*x == w) {
            *x = w->next_idle;
            break;
        }
    w->on_stack = 0;
}

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

/* A worker that finds no job waits awake for up to p->spin seconds first:
 * on a virtual machine a sleeping core woken for the next query costs tens
 * of µs (bench/results/query.md), which is most of what the daemon adds to
 * a query at one connection.  While a worker spins, a new job wakes nobody
 * (pool_submit); it stops spinning under the lock, then looks again.
 * Only a worker with no other worker busy spins: under load the cores have
 * other work (the loop, the clients, the other workers), and a spinning
 * worker would take their time. */
static void spin_for_job(pool *p) {
    if (p->spin <= 0 || atomic_load(&p->ready) > 0 || atomic_load(&p->running) > 0) return;
    pthread_mutex_lock(&p->mu);
    p->spinning++;
    pthread_mutex_unlock(&p->mu);
    double until = lede_now() + p->spin;
    while (atomic_load(&p->ready) == 0 && lede_now() < until) cpu_relax();
    pthread_mutex_lock(&p->mu);
    p->spinning--;
    pthread_mutex_unlock(&p->mu);
}

static void flow_list_push(flow_list *l, pool_flow *f) {
    f->next = NULL;
    if (l->tail) l->tail->next = f;
    else l->head = f;
    l->tail = f;
}

static pool_flow *flow_list_pop(flow_list *l) {
    pool_flow *f = l->head;
    if (f) {
        l->head = f->next;
        if (!l->head) l->tail = NULL;
    }
    return f;
}

static void flow_list_remove(flow_list *l, pool_flow *f) {
    pool_flow *prev = NULL;
    for (pool_flow *x = l->head; x; prev = x, x = x->next)
        if (x == f) {
            if (prev) prev->next = f->next;
            else l->head = f->next;
            if (l->tail == f) l->tail = prev;
            return;
        }
}

/* A fresh flow goes in the fresh list by when its first job came, as
 * it would have had that job been its only one: behind the flows that
 * came before, ahead of those that came after. */
static void flow_list_insert_fresh(flow_list *l, pool_flow *f) {
    if (!l->tail || l->tail->jobs.head->started <= f->jobs.head->started) { /* the usual: it came last */
        flow_list_push(l, f);
        return;
    }
    pool_flow *prev = NULL, *x = l->head;
    while (x && x->jobs.head->started <= f->jobs.head->started) prev = x, x = x->next;
    f->next = x;
    if (prev) prev->next = f;
    else l->head = f;
    if (!x) l->tail = f;
}

/* Under mu: a flow with jobs and not held takes its turn; fresh ones
 * (their connection had no other query out) go before all others. */
static void flow_enter_locked(pool *p, pool_flow *f, int fresh) {
    if (f->ring != FLOW_OUT || f->held || f->njobs == 0) return;
    f->ring = fresh ? FLOW_NEW : FLOW_OLD;
    if (fresh) flow_list_insert_fresh(&p->fresh, f);
    else flow_list_push(&p->turns, f);
    if (fresh) p->nfresh++;
}

static void flow_leave_locked(pool *p, pool_flow *f) {
    if (f->ring == FLOW_NEW) {
        flow_list_remove(&p->fresh, f);
        p->nfresh--;
    } else if (f->ring == FLOW_OLD) {
        flow_list_remove(&p->turns, f);
    }
    f->ring = FLOW_OUT;
}

/* One worker is kept for fresh jobs (pool.h) while they keep coming:
 * until this long after the last one was taken. */
#define POOL_RESERVE_S 0.1

/* Under mu: whether the flows waiting their turn may have a worker now,
 * or must leave it to the fresh jobs; 0 also sets *until to when they may. */
static int turns_may_run_locked(pool *p, double *until) {
    if (p->stopping || p->nworkers < 2 || p->running < p->nworkers - 1) return 1;
    *until = p->last_fresh + POOL_RESERVE_S;
    return lede_now() >= *until;
}

/* Under mu: wakes an idle worker if the ready jobs are more than the
 * spinning workers will take, and one of them may be taken now, or no
 * idle worker waits yet for the time kept for fresh jobs to pass (one
 * that does takes the others' jobs itself then; waking it for each of
 * them would only put it back to sleep). */
static void pool_wake_locked(pool *p) {
    double until;
    if (p->idle && p->ready > p->spinning &&
        (p->fresh.head || p->kept == 0 || turns_may_run_locked(p, &until))) {
        worker *w = p->idle;
        unstack(p, w);
        pthread_cond_signal(&w->cv);
    }
}

/* Under mu: the next job, round robin between flows: the first job of
 * the first fresh flow, else of the flow whose turn it is; a flow with
 * more jobs goes to the end of the turns. */
static job *pool_take_locked(pool *p) {
    double until;
    pool_flow *f = flow_list_pop(&p->fresh);
    if (f) {
        p->nfresh--;
        p->last_fresh = lede_now();
    } else if (turns_may_run_locked(p, &until)) {
        f = flow_list_pop(&p->turns);
    }
    if (!f) return NULL;
    f->ring = FLOW_OUT;
    job *j = job_list_pop(&f->jobs);
    f->njobs--;
    if (j->fresh) f->fresh_jobs--;
    p->queued--;
    p->ready--;
    /* A job behind this one may be fresh: sent when every job before it
     * had timed out (answered, skipped when taken here) and the client
     * waited for nothing else.  The flow stays among the fresh ones until
     * that job is taken, however many timed-out jobs come before it (each
     * skipped at once); as one of the turns it would wait for every fresh
     * job after it. */
    if (f->njobs > 0) flow_enter_locked(p, f, f->fresh_jobs > 0);
    else if (f->closed) free(f);
    return j;
}

/* Waits for a job.  Idle workers form a stack and a new job wakes the one
 * that went idle last: under light load the same worker, with warm caches,
 * answers query after query. */
static job *next_job(worker *w) {
    pool *p = w->p;
    spin_for_job(p);
    pthread_mutex_lock(&p->mu);
    job *j;
    while ((j = pool_take_locked(p)) == NULL && !p->stopping) {
        if (!w->on_stack) {
            w->next_idle = p->idle;
            p->idle = w;
            w->on_stack = 1;
        }
        double until = 0;
        if (p->turns.head && !turns_may_run_locked(p, &until)) { /* kept for fresh jobs */
            struct timespec ts = {(time_t)until, (long)((until - (double)(time_t)until) * 1e9)};
            p->kept++;
            pthread_cond_timedwait(&w->cv, &p->mu, &ts);
            p->kept--;
        } else {
            pthread_cond_wait(&w->cv, &p->mu);
        }
    }
    if (w->on_stack) unstack(p, w);
    if (j) {
        atomic_fetch_add(&p->running, 1);
        handoff_queue_shrank_locked(&p->ho);
    }
    pthread_mutex_unlock(&p->mu);
    return j;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    job *j;
    while ((j = next_job(w)) != NULL) {
        run_job(w, j);
        handoff_send_through(j);
        test_hold(w->p, j, "lede-test-hold-sent");
        handoff_finish(&w->p->ho, j, &w->p->running);
    }
    query_reader_close(w->q);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
}

int pool_start(pool **out, const pool_config *cfg, char *err) {
    pool *p = lede_calloc(1, sizeof *p);
    p->spin = cfg->spin;
    p->query_timeout = cfg->query_timeout;
    p->test_hold = cfg->test_hold ? lede_strdup(cfg->test_hold) : NULL;
    pthread_mutex_init(&p->mu, NULL);
    pthread_mutex_init(&p->figures.fields_mu, NULL);
    handoff_init(&p->ho, &p->mu, &p->nfresh, cfg->notify, cfg->notify_arg);
    p->index = lede_strdup(cfg->index);
    p->qc = (query_config){.index = p->index, .remote_timeout_ms = cfg->remote_timeout_ms,
                           .remote_backoff_ms = cfg->remote_backoff_ms,
                           .max_wildcard = cfg->max_wildcard, .max_cost = cfg->max_cost,
                           .facets_exact = cfg->facets_exact,
                           .facet_memory = cfg->facet_memory / (size_t)(cfg->workers > 0 ? cfg->workers : 1),
                           .stop_at_us = &p->stop_at_us, .figures = &p->figures};
    p->threads = lede_calloc((size_t)cfg->workers, sizeof(pthread_t));
    for (int i = 0; i < cfg->workers; i++) {
        worker *w = lede_calloc(1, sizeof *w);
        w->p = p;
        pthread_condattr_t ca; /* timed waits on the clock of lede_now */
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cv, &ca);
        pthread_condattr_destroy(&ca);
        /* worker i starts at replica i of each remote shard: the workers
         * spread over the replicas (src/engine/layout.cc) */
        if (query_reader_open(&w->q, &p->qc, (unsigned)i, err) != LEDE_OK) {
            pthread_cond_destroy(&w->cv);
            free(w);
            pool_stop(p);
            return LEDE_ERR;
        }
        if (i == 0) query_publish_figures(w->q);
        if (pthread_create(&p->threads[i], NULL, worker_main, w) != 0) {
            query_reader_close(w->q);
            pthread_cond_destroy(&w->cv);
            free(w);
            pool_stop(p);
            return lede_seterr(err, "cannot start worker thread");
        }
        p->nworkers++;
    }
    *out = p;
    return LEDE_OK;
}

pool_flow *pool_flow_new(void) {
    return lede_calloc(1, sizeof(pool_flow));
}

void pool_flow_close(pool *p, pool_flow *f) {
    if (!f) return;
    pthread_mutex_lock(&p->mu);
    if (f->njobs == 0) {
        flow_leave_locked(p, f);
        free(f);
    } else {
        f->closed = 1; /* its jobs are cancelled: let the workers skip them */
        if (f->held) {
            f->held = 0;
            p->ready += f->njobs;
            flow_enter_locked(p, f, f->fresh_jobs > 0);
            pool_wake_locked(p);
        }
    }
    pthread_mutex_unlock(&p->mu);
}

void pool_flow_hold(pool *p, pool_flow *f, int held) {
    pthread_mutex_lock(&p->mu);
    if (held && !f->held) {
        flow_leave_locked(p, f);
        f->held = 1;
        p->ready -= f->njobs;
        handoff_queue_shrank_locked(&p->ho);
    } else if (!held && f->held) {
        f->held = 0;
        p->ready += f->njobs;
        flow_enter_locked(p, f, f->fresh_jobs > 0); /* as pool_take_locked re-enters it */
        pool_wake_locked(p);
    }
    pthread_mutex_unlock(&p->mu);
}

int pool_submit(pool *p, pool_flow *f, job *j, int fresh, int max_queued) {
    pthread_mutex_lock(&p->mu);
    if (p->queued >= max_queued && !fresh) {
        pthread_mutex_unlock(&p->mu);
        return LEDE_ELIMIT;
    }
    j->started = lede_now();
    j->fresh = fresh;
    job_list_push(&f->jobs, j);
    f->njobs++;
    f->fresh_jobs += fresh != 0;
    p->queued++;
    if (!f->held) {
        p->ready++;
        /* fresh behind jobs taking their turns: those timed out (nothing
         * waits for them, handoff_nothing_waits), and are skipped when
         * taken; the flow goes with the fresh ones now */
        if (fresh && f->ring == FLOW_OLD) flow_leave_locked(p, f);
        flow_enter_locked(p, f, fresh);
        pool_wake_locked(p);
    }
    pthread_mutex_unlock(&p->mu);
    return LEDE_OK;
}

handoff *pool_handoff(pool *p) {
    return &p->ho;
}

int pool_running(pool *p) {
    return atomic_load(&p->running);
}

int pool_queued(pool *p) {
    return atomic_load(&p->queued);
}

void pool_stop_queries(pool *p) {
    if (p) atomic_store(&p->stop_at_us, (long long)((lede_now() + POOL_STOP_GRACE) * 1e6));
}

void pool_query_counters(pool *p, uint64_t *stopped, uint64_t *cancelled, uint64_t *refused) {
    *stopped = atomic_load(&p->figures.stopped);
    *cancelled = atomic_load(&p->figures.cancelled);
    *refused = atomic_load(&p->figures.refused);
}

void pool_facet_figures(pool *p, uint64_t out[4]) {
    out[0] = atomic_load(&p->figures.facet_bytes);
    out[1] = atomic_load(&p->figures.facet_refused);
    out[2] = atomic_load(&p->figures.facet_full_reads);
    out[3] = atomic_load(&p->figures.facet_updates);
}

int pool_fresh(pool *p) {
    return atomic_load(&p->nfresh);
}

void pool_stop(pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    for (worker *w = p->idle; w; w = w->next_idle) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
    for (job *j = handoff_take_done(&p->ho, INT32_MAX), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    /* Nothing is left waiting: every connection closed its flow before
     * (server_teardown), which lets its held jobs go, and the workers took
     * every ready job before they stopped (a closed flow is freed by the
     * worker that takes its last job). */
    free(p->threads);
    free(p->index);
    free(p->test_hold);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->figures.fields_mu);
    handoff_destroy(&p->ho);
    free(p);
}
