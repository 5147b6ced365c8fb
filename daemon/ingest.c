/* ingest.c -- the daemon's writer thread (see ingest.h).
 *
 * Commit policy: a commit follows as soon as no new job has come for
 * SETTLE seconds, and at the latest commit_interval seconds after the
 * first uncommitted change, so a steady stream of pushes is committed
 * several times a second (each commit makes them searchable and durable)
 * and a burst is grouped into few commits.  COMMIT commits at once.  After
 * a commit, the compaction policy of livewriter.h may compact the index;
 * jobs wait meanwhile (the backlog shows in STATS), searches go on.
 * Owns the writer, its queue and done list; must not touch sockets,
 * connections or the query pool (the loop is woken only through notify). */
#include "ingest.h"
#include "log.h"
#include "../src/article.h"
#include "../src/engine.h"
#include "../src/livewriter.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SETTLE 0.02
#define MAX_BACKLOG_BYTES (256u << 20) /* article bytes waiting, over all jobs */

static uint64_t job_bytes(const job *j) {
    return (j->req.arg ? strlen(j->req.arg) : 0) + j->req.block_len;
}

struct ingest {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_list queue;            /* waiting */
    uint64_t queued, queued_bytes;
    job_list done;             /* applied, in order */
    int stopping;
    pthread_t thread;
    livewriter *lw;
    double commit_interval;
    double dirty_since, last_arrival;
    void (*notify)(void *);
    void *notify_arg;
    ingest_figures fig;        /* under mu */
};

static void publish(ingest *g) {
    pthread_mutex_lock(&g->mu);
    g->fig.uncommitted = livewriter_uncommitted(g->lw);
    g->fig.revision = livewriter_revision(g->lw);
    g->fig.articles = livewriter_doccount(g->lw);
    g->fig.last_commit = livewriter_last_commit(g->lw);
    pthread_mutex_unlock(&g->mu);
}

static void count(ingest *g, uint64_t *field) {
    pthread_mutex_lock(&g->mu);
    (*field)++;
    pthread_mutex_unlock(&g->mu);
}

static void reply_error(job *j, int rc, const char *err) {
    const char *code = rc == LEDE_ENOTFOUND ? PROTO_E_NOTFOUND
                     : rc == LEDE_ESKIP ? PROTO_E_BADARTICLE
                                        : PROTO_E_INTERNAL;
    j->failed_internal = rc == LEDE_ERR;
    proto_reply_error(&j->reply, j->json, code, err);
}

/* The article a job carries: JSON on the line (ADD) or a plain-text block
 * (PUT).  Invalid UTF-8 is repaired as the indexer does; an article
 * without a date is dated by its arrival. */
static int job_article(job *j, article *a, char *err) {
    int put = j->req.cmd == PROTO_PUT;
    const char *raw = put ? j->req.block : j->req.arg;
    size_t len = put ? j->req.block_len : strlen(raw);
    article_defaults d = {.has_date = 1, .date = (int64_t)time(NULL)};
    if (article_from_bytes(raw, len, put ? ARTICLE_TEXT : ARTICLE_JSON, &d, a, NULL, err,
                           NULL) != LEDE_OK)
        return LEDE_ESKIP;
    if (put) { /* its id is checked here, its bytes read: the connection goes on */
        free(a->id);
        a->id = lede_strdup(j->req.arg);
        if (article_check_id(a->id, strlen(a->id), err) != LEDE_OK) return LEDE_ESKIP;
    }
    if (!a->id || !*a->id)
        return lede_seterr_code(err, LEDE_ESKIP, "the article has no \"id\"");
    return LEDE_OK;
}

static void apply_put(ingest *g, job *j) {
    char err[LEDE_ERRLEN];
    article a;
    article_init(&a);
    int outcome = 0, rc = job_article(j, &a, err);
    if (rc == LEDE_OK) rc = livewriter_put(g->lw, &a, &outcome, err);
    if (rc != LEDE_OK) {
        reply_error(j, rc, err);
    } else {
        const char *word = outcome == ENGINE_ADDED ? "ADDED"
                         : outcome == ENGINE_REPLACED ? "REPLACED" : "UNCHANGED";
        if (outcome == ENGINE_ADDED) count(g, &g->fig.added);
        if (outcome == ENGINE_REPLACED) count(g, &g->fig.replaced);
        proto_reply_ingest(&j->reply, j->json, j->req.cmd, word, a.id);
    }
    article_free(&a);
}

static int commit(ingest *g, char *err) {
    g->dirty_since = 0;
    if (livewriter_commit(g->lw, err) != LEDE_OK) return LEDE_ERR;
    count(g, &g->fig.commits);
    return LEDE_OK;
}

static void apply(ingest *g, job *j) {
    char err[LEDE_ERRLEN];
    int rc;
    switch (j->req.cmd) {
    case PROTO_ADD:
    case PROTO_PUT:
        apply_put(g, j);
        break;
    case PROTO_DELETE:
        rc = livewriter_delete(g->lw, j->req.arg, err);
        if (rc != LEDE_OK) {
            reply_error(j, rc, err);
            break;
        }
        count(g, &g->fig.deleted);
        proto_reply_ingest(&j->reply, j->json, j->req.cmd, "DELETED", j->req.arg);
        break;
    case PROTO_COMMIT:
    case PROTO_COMPACT:
        rc = j->req.cmd == PROTO_COMMIT ? commit(g, err) : livewriter_compact(g->lw, err);
        if (rc == LEDE_OK && j->req.cmd == PROTO_COMPACT) count(g, &g->fig.compactions);
        if (rc != LEDE_OK) reply_error(j, rc, err);
        else proto_reply_commit(&j->reply, j->json, j->req.cmd,
                                livewriter_revision(g->lw), livewriter_doccount(g->lw));
        break;
    default:
        reply_error(j, LEDE_ERR, "not an ingest command");
    }
    if (livewriter_uncommitted(g->lw) && g->dirty_since == 0) g->dirty_since = lede_now();
}

static void finish(ingest *g, job *j) {
    j->finished_at = lede_now();
    pthread_mutex_lock(&g->mu);
    job_list_push(&g->done, j);
    pthread_mutex_unlock(&g->mu);
    g->notify(g->notify_arg);
}

/* When the pending changes must be committed (0: nothing pending). */
static double commit_due(const ingest *g) {
    if (g->dirty_since == 0) return 0;
    double settle = g->last_arrival + SETTLE, latest = g->dirty_since + g->commit_interval;
    return settle < latest ? settle : latest;
}

static void wait_for_work(ingest *g) {
    while (!g->queue.head && !g->stopping) {
        double due = commit_due(g);
        if (due == 0) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        double left = due - lede_now();
        if (left <= 0) return;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + left;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) == ETIMEDOUT) return;
    }
}

/* Runs without the lock; last_arrival and stopping are shared with the
 * loop, so they are read and written under it. */
static void autocommit(ingest *g) {
    pthread_mutex_lock(&g->mu);
    double due = commit_due(g);
    int stopping = g->stopping;
    pthread_mutex_unlock(&g->mu);
    if (due == 0 || (lede_now() < due && !stopping)) return;
    char err[LEDE_ERRLEN];
    if (commit(g, err) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "ingest commit failed: %s", err);
        g->dirty_since = lede_now(); /* try again in commit_interval */
        pthread_mutex_lock(&g->mu);
        g->last_arrival = g->dirty_since + g->commit_interval;
        pthread_mutex_unlock(&g->mu);
        return;
    }
    if (livewriter_should_compact(g->lw)) {
        if (livewriter_compact(g->lw, err) != LEDE_OK)
            log_msg(LOG_LEVEL_ERROR, "automatic compaction failed: %s", err);
        else count(g, &g->fig.compactions);
    }
}

static void *ingest_main(void *arg) {
    ingest *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        wait_for_work(g);
        job *list = job_list_take_all(&g->queue);
        g->fig.backlog = g->queued;
        int stopping = g->stopping;
        pthread_mutex_unlock(&g->mu);
        while (list) {
            job *j = list;
            list = j->next;
            apply(g, j);
            pthread_mutex_lock(&g->mu);
            g->fig.backlog = --g->queued;
            g->queued_bytes -= job_bytes(j);
            pthread_mutex_unlock(&g->mu);
            finish(g, j);
        }
        autocommit(g);
        publish(g);
        pthread_mutex_lock(&g->mu);
        if (stopping && !g->queue.head) break;
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int ingest_start(ingest **out, const char *index, double commit_interval,
                 void (*notify)(void *), void *notify_arg, char *err) {
    ingest *g = lede_calloc(1, sizeof *g);
    if (livewriter_open(index, "leded ingest", NULL, &g->lw, err) != LEDE_OK) {
        free(g);
        return LEDE_ERR;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->commit_interval = commit_interval;
    g->notify = notify;
    g->notify_arg = notify_arg;
    publish(g);
    if (pthread_create(&g->thread, NULL, ingest_main, g) != 0) {
        livewriter_close(g->lw, NULL);
        free(g);
        return lede_seterr(err, "cannot start the ingest thread");
    }
    *out = g;
    return LEDE_OK;
}

int ingest_submit(ingest *g, job *j, int max_backlog) {
    pthread_mutex_lock(&g->mu);
    uint64_t bytes = job_bytes(j);
    if (g->queued >= (uint64_t)max_backlog ||
        (g->queued && g->queued_bytes + bytes > MAX_BACKLOG_BYTES)) {
        pthread_mutex_unlock(&g->mu);
        return LEDE_ELIMIT;
    }
    j->started = lede_now();
    g->last_arrival = j->started;
    job_list_push(&g->queue, j);
    g->fig.backlog = ++g->queued;
    g->queued_bytes += bytes;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    return LEDE_OK;
}

job *ingest_take_done(ingest *g) {
    pthread_mutex_lock(&g->mu);
    job *list = job_list_take_all(&g->done);
    pthread_mutex_unlock(&g->mu);
    return list;
}

void ingest_figures_get(ingest *g, ingest_figures *f) {
    pthread_mutex_lock(&g->mu);
    *f = g->fig;
    pthread_mutex_unlock(&g->mu);
}

void ingest_stop(ingest *g) {
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->stopping = 1;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
    char err[LEDE_ERRLEN];
    if (livewriter_close(g->lw, err) != LEDE_OK)
        log_msg(LOG_LEVEL_ERROR, "closing the index: %s", err);
    for (job *j = ingest_take_done(g), *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
