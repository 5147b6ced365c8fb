/* pool.c -- worker threads answering queries against the index (see
 * pool.h).  Each worker refreshes its reader before every job, so what the
 * indexer committed is visible to the next query without a restart. */
#define _GNU_SOURCE
#include "pool.h"
#include "../src/docstore.h"
#include "../src/engine.h"
#include "../src/indexdir.h"

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
    job_list done;              /* finished, in completion order */
    atomic_int ndone;           /* jobs in the done list; written under mu */
    int eager;                  /* under mu: every finished job wakes the loop */
    int spinning;               /* under mu: workers waiting awake (spin) */
    pthread_cond_t drain_cv;    /* the loop waits here for the queue to drain */
    int drain_waiting;          /* under mu: the loop waits for the queue ... */
    int drain_low;              /* ... to hold at most this many jobs */
    int loud_done;              /* under mu: a done job wants the loop now */
    atomic_int running;         /* workers on a job; written under mu */
    double spin;                /* seconds a worker waits awake before sleeping */
    int stopping;
    int nworkers;
    pthread_t *threads;
    char *index;
    void (*notify)(void *);
    void *notify_arg;
    atomic_uint_fast64_t articles, revision, bytes;
    atomic_int_fast64_t last_commit;
    unsigned max_wildcard;
};

struct worker {
    pool *p;
    engine_reader *r;
    docstore *ds;
    char *dict;
    size_t dictlen;
    pthread_cond_t cv;          /* signalled to hand this worker a job */
    int on_stack;
    worker *next_idle;
};

static void reply_engine_error(job *j, int rc, const char *err) {
    const char *code = rc == LEDE_ESYNTAX ? PROTO_E_SYNTAX
                     : rc == LEDE_ELIMIT ? PROTO_E_LIMIT
                     : rc == LEDE_ENOTFOUND ? PROTO_E_NOTFOUND
                                            : PROTO_E_INTERNAL;
    j->failed_internal = rc == LEDE_ERR;
    proto_reply_error(&j->reply, j->json, code, err);
}

static void do_search(worker *w, job *j) {
    char err[LEDE_ERRLEN];
    engine_results res;
    engine_search_opts o = j->req.search;
    o.query = j->req.arg; /* the request moved: point into the job's copy */
    o.hl_open = j->req.hl_open;
    o.hl_close = j->req.hl_close;
    o.max_wildcard = w->p->max_wildcard;
    if (j->req.cmd == PROTO_COUNT) {
        o.exact = 1;
        o.limit = 0;
        o.offset = 0;
        o.snippet_len = 0;
    }
    int rc = engine_search(w->r, &o, &res, err);
    if (rc != LEDE_OK) {
        reply_engine_error(j, rc, err);
        return;
    }
    uint64_t took = (uint64_t)((lede_now() - j->started) * 1e6);
    if (j->req.cmd == PROTO_COUNT) proto_reply_count(&j->reply, j->json, res.total);
    else proto_reply_search(&j->reply, j->json, &j->req, &res, took);
    engine_results_free(&res);
}

static void refresh_docstore(worker *w) {
    sbuf dict;
    sbuf_init(&dict);
    engine_reader_meta_get(w->r, "lede.dict", &dict, NULL);
    if (!w->ds || dict.len != w->dictlen || (dict.len && memcmp(dict.data, w->dict, dict.len))) {
        docstore_free(w->ds);
        free(w->dict);
        w->ds = docstore_new(dict.data, dict.len);
        w->dictlen = dict.len;
        w->dict = dict.len ? lede_strndup(dict.data, dict.len) : NULL;
    }
    sbuf_free(&dict);
}

static void do_get(worker *w, job *j) {
    char err[LEDE_ERRLEN];
    sbuf data;
    sbuf_init(&data);
    article a;
    article_init(&a);
    int rc = engine_reader_get(w->r, j->req.arg, &data, err);
    if (rc == LEDE_OK) {
        refresh_docstore(w);
        rc = docstore_decode(w->ds, data.data, data.len, &a, err);
    }
    if (rc == LEDE_OK) proto_reply_article(&j->reply, j->json, &a);
    else reply_engine_error(j, rc, err);
    article_free(&a);
    sbuf_free(&data);
}

static void do_suggest(worker *w, job *j) {
    char err[LEDE_ERRLEN];
    sbuf s;
    sbuf_init(&s);
    int rc = engine_suggest(w->r, j->req.arg, &s, err);
    if (rc == LEDE_OK) proto_reply_suggest(&j->reply, j->json, s.data);
    else reply_engine_error(j, rc, err);
    sbuf_free(&s);
}

/* Publishes what this worker's reader sees, for STATS. */
static void publish_figures(worker *w) {
    char **names;
    int n;
    uint64_t size = 0;
    if (indexdir_read_live(w->p->index, &names, &n, NULL) == LEDE_OK) {
        indexdir ix = {.path = w->p->index, .live = names, .nlive = n};
        size = indexdir_size(&ix);
        indexdir_free_names(names, n);
    }
    atomic_store(&w->p->articles, engine_reader_doccount(w->r));
    atomic_store(&w->p->revision, engine_reader_revision(w->r));
    atomic_store(&w->p->bytes, size);
    sbuf v;
    sbuf_init(&v);
    if (engine_reader_meta_get(w->r, "lede.commit_time", &v, NULL) == LEDE_OK)
        atomic_store(&w->p->last_commit, strtoll(v.data, NULL, 10));
    sbuf_free(&v);
}

int64_t pool_last_commit(pool *p) {
    return atomic_load(&p->last_commit);
}

void pool_index_figures(pool *p, uint64_t *articles, uint64_t *revision,
                        uint64_t *bytes) {
    *articles = atomic_load(&p->articles);
    *revision = atomic_load(&p->revision);
    *bytes = atomic_load(&p->bytes);
}

/* Test hook: a query that is exactly "lede-test-hold" waits, before it
 * runs, until a byte can be read from the FIFO named by LEDE_TEST_HOLD, so
 * tests can keep a worker busy for as long as they need without any
 * timing; "lede-test-hold-sent" waits the same way after its reply went
 * to the socket (see send_through). */
static void test_hold(const job *j, const char *query) {
    const char *fifo = getenv("LEDE_TEST_HOLD");
    if (!fifo || !j->req.arg || strcmp(j->req.arg, query)) return;
    FILE *f = fopen(fifo, "r");
    if (!f) return;
    (void)fgetc(f);
    fclose(f);
}

static void run_job(worker *w, job *j) {
    int changed;
    test_hold(j, "lede-test-hold");
    if (atomic_load(&j->claim) == WIRE_CANCELLED) return; /* timed out or its client left */
    char err[LEDE_ERRLEN];
    if (engine_reader_refresh(w->r, &changed, err) != LEDE_OK) {
        reply_engine_error(j, LEDE_ERR, err);
        return;
    }
    if (changed) publish_figures(w);
    switch (j->req.cmd) {
    case PROTO_SEARCH:
    case PROTO_COUNT: do_search(w, j); break;
    case PROTO_GET: do_get(w, j); break;
    case PROTO_SUGGEST: do_suggest(w, j); break;
    default: reply_engine_error(j, LEDE_ERR, "not a worker command");
    }
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
        if (p->drain_waiting && p->queued <= p->drain_low) pthread_cond_signal(&p->drain_cv);
    }
    pthread_mutex_unlock(&p->mu);
    return j;
}

/* Under mu: something needs the loop, so its wait in pool_await_drain
 * ends now, or does not begin before the next pool_take_done. */
static void wants_loop(pool *p) {
    p->loud_done = 1;
    if (p->drain_waiting) pthread_cond_signal(&p->drain_cv);
}

/* Hands a job back to the loop.  A quiet job whose reply its worker
 * wrote whole leaves the loop asleep: the loop has only bookkeeping left
 * to do for it, and does it when it next wakes (a request, its collection
 * timer).  The job is read only before it is in the done list, or under
 * the lock: once there, the loop may free it. */
static void finish(pool *p, job *j) {
    j->finished_at = lede_now();
    int whole = j->wire && j->sent == j->reply.len && j->reply.len > 0;
    pthread_mutex_lock(&p->mu);
    int wake = !(whole && j->quiet && !p->eager);
    j->finished = 1;
    atomic_fetch_sub(&p->running, 1);
    job_list_push(&p->done, j);
    atomic_fetch_add(&p->ndone, 1);
    if (wake) wants_loop(p);
    pthread_mutex_unlock(&p->mu);
    if (wake) p->notify(p->notify_arg);
}

/* The reply goes straight to the client if it is next in line (wire.h),
 * so the loop is not needed to send it. */
static void send_through(job *j) {
    if (j->wire && j->reply.len)
        j->sent = wire_send(j->wire, j->seq, &j->claim, j->reply.data, j->reply.len);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    job *j;
    while ((j = next_job(w)) != NULL) {
        run_job(w, j);
        send_through(j);
        test_hold(j, "lede-test-hold-sent");
        finish(w->p, j);
    }
    docstore_free(w->ds);
    free(w->dict);
    engine_reader_close(w->r);
    pthread_cond_destroy(&w->cv);
    free(w);
    return NULL;
}

int pool_start(pool **out, const char *index, int nworkers, unsigned max_wildcard, double spin,
               void (*notify)(void *), void *notify_arg, char *err) {
    pool *p = lede_calloc(1, sizeof *p);
    p->spin = spin;
    p->max_wildcard = max_wildcard;
    pthread_mutex_init(&p->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->drain_cv, &ca);
    pthread_condattr_destroy(&ca);
    p->index = lede_strdup(index);
    p->notify = notify;
    p->notify_arg = notify_arg;
    p->threads = lede_calloc((size_t)nworkers, sizeof(pthread_t));
    for (int i = 0; i < nworkers; i++) {
        worker *w = lede_calloc(1, sizeof *w);
        w->p = p;
        pthread_cond_init(&w->cv, NULL);
        if (engine_reader_open(index, &w->r, err) != LEDE_OK) {
            pthread_cond_destroy(&w->cv);
            free(w);
            pool_stop(p);
            return LEDE_ERR;
        }
        if (i == 0) publish_figures(w);
        if (pthread_create(&p->threads[i], NULL, worker_main, w) != 0) {
            engine_reader_close(w->r);
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

job *pool_take_done(pool *p) {
    pthread_mutex_lock(&p->mu);
    job *list = job_list_take_all(&p->done);
    p->loud_done = 0;
    atomic_store(&p->ndone, 0);
    pthread_mutex_unlock(&p->mu);
    return list;
}

int pool_has_done(pool *p) {
    return atomic_load(&p->ndone) > 0;
}

int pool_hurry(pool *p, job *j) {
    pthread_mutex_lock(&p->mu);
    j->quiet = 0;
    int finished = j->finished;
    pthread_mutex_unlock(&p->mu);
    return finished;
}

void pool_set_eager(pool *p) {
    pthread_mutex_lock(&p->mu);
    p->eager = 1;
    pthread_mutex_unlock(&p->mu);
}

/* The loop's side of read batching (server.c): a worker that takes the
 * queue down to low jobs, or finishes a job that wakes the loop, signals
 * drain_cv while the loop waits there. */
int pool_await_drain(pool *p, int low, double max_wait) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(max_wait * 1e9);
    until.tv_sec += ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&p->mu);
    p->drain_low = low;
    p->drain_waiting = 1;
    int waited = 0;
    while (p->queued > low && !p->eager && !p->stopping && !p->loud_done) {
        waited = 1;
        if (pthread_cond_timedwait(&p->drain_cv, &p->mu, &until) != 0) break;
    }
    p->drain_waiting = 0;
    pthread_mutex_unlock(&p->mu);
    return waited;
}

void pool_kick(pool *p) {
    pthread_mutex_lock(&p->mu);
    wants_loop(p);
    pthread_mutex_unlock(&p->mu);
}

int pool_running(pool *p) {
    return atomic_load(&p->running);
}

int pool_queued(pool *p) {
    return atomic_load(&p->queued);
}

void pool_stop(pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    for (worker *w = p->idle; w; w = w->next_idle) pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++) pthread_join(p->threads[i], NULL);
    for (job *j = pool_take_done(p), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    for (job *j; (j = job_list_pop(&p->queue)) != NULL;) job_free(j);
    free(p->threads);
    free(p->index);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->drain_cv);
    free(p);
}
