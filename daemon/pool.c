/* pool.c -- the worker threads (see pool.h): the queue of waiting jobs,
 * idle workers, spinning, starting and stopping.  What a job does is
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

typedef struct worker worker;

struct pool {
    pthread_mutex_t mu;
    worker *idle;               /* waiting workers, most recently idle first */
    job_list queue;             /* waiting */
    atomic_int queued;          /* written under mu; read anywhere */
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

void pool_index_figures(pool *p, uint64_t *articles, uint64_t *revision,
                        uint64_t *bytes) {
    *articles = atomic_load(&p->figures.articles);
    *revision = atomic_load(&p->figures.revision);
    *bytes = atomic_load(&p->figures.bytes);
}

/* Test hook: a query that is exactly "lede-test-hold" waits, before it
 * runs, until a byte can be read from the FIFO named by LEDE_TEST_HOLD, so
 * tests can keep a worker busy for as long as they need without any
 * timing; "lede-test-hold-sent" waits the same way after its reply went
 * to the socket (see handoff_send_through).  The variable is read once, by
 * server_run; without it a job only tests a pointer here. */
static void test_hold(const pool *p, const job *j, const char *query) {
    const char *fifo = p->test_hold;
    if (!fifo || !j->req.arg || strcmp(j->req.arg, query)) return;
    FILE *f = fopen(fifo, "r");
    if (!f) return;
    (void)fgetc(f);
    fclose(f);
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
    if (p->spin <= 0 || atomic_load(&p->queued) > 0 || atomic_load(&p->running) > 0) return;
    pthread_mutex_lock(&p->mu);
    p->spinning++;
    pthread_mutex_unlock(&p->mu);
    double until = lede_now() + p->spin;
    while (atomic_load(&p->queued) == 0 && lede_now() < until) cpu_relax();
    pthread_mutex_lock(&p->mu);
    p->spinning--;
    pthread_mutex_unlock(&p->mu);
}

/* Waits for a job.  Idle workers form a stack and a new job wakes the one
 * that went idle last: under light load the same worker, with warm caches,
 * answers query after query. */
static job *next_job(worker *w) {
    pool *p = w->p;
    spin_for_job(p);
    pthread_mutex_lock(&p->mu);
    while (!p->queue.head && !p->stopping) {
        if (!w->on_stack) {
            w->next_idle = p->idle;
            p->idle = w;
            w->on_stack = 1;
        }
        pthread_cond_wait(&w->cv, &p->mu);
    }
    if (w->on_stack) unstack(p, w);
    job *j = job_list_pop(&p->queue);
    if (j) {
        p->queued--;
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
    handoff_init(&p->ho, &p->mu, &p->queued, cfg->notify, cfg->notify_arg);
    p->index = lede_strdup(cfg->index);
    p->qc = (query_config){.index = p->index, .remote_timeout_ms = cfg->remote_timeout_ms,
                           .remote_backoff_ms = cfg->remote_backoff_ms,
                           .max_wildcard = cfg->max_wildcard, .max_cost = cfg->max_cost,
                           .stop_at_us = &p->stop_at_us, .figures = &p->figures};
    p->threads = lede_calloc((size_t)cfg->workers, sizeof(pthread_t));
    for (int i = 0; i < cfg->workers; i++) {
        worker *w = lede_calloc(1, sizeof *w);
        w->p = p;
        pthread_cond_init(&w->cv, NULL);
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

int pool_submit(pool *p, job *j, int max_queued) {
    pthread_mutex_lock(&p->mu);
    if (p->queued >= max_queued) {
        pthread_mutex_unlock(&p->mu);
        return LEDE_ELIMIT;
    }
    j->started = lede_now();
    job_list_push(&p->queue, j);
    p->queued++;
    if (p->idle && p->queued > p->spinning) { /* more than the spinners take */
        worker *w = p->idle;
        unstack(p, w);
        pthread_cond_signal(&w->cv);
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

void pool_stop(pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    for (worker *w = p->idle; w; w = w->next_idle) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
    for (job *j = handoff_take_done(&p->ho), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    for (job *j; (j = job_list_pop(&p->queue)) != NULL;) job_free(j);
    free(p->threads);
    free(p->index);
    free(p->test_hold);
    pthread_mutex_destroy(&p->mu);
    handoff_destroy(&p->ho);
    free(p);
}
