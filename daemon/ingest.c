/* ingest.c -- the daemon's writer thread (see ingest.h).
 *
 * Commit policy: a commit follows as soon as no new job has come for
 * commit_settle seconds (--commit-settle, 20 ms unless asked), and at the
 * latest commit_interval seconds after the
 * first uncommitted change, so a steady stream of pushes is committed
 * several times a second (each commit makes them searchable and durable)
 * and a burst is grouped into few commits.  COMMIT commits at once.  After
 * a commit, the compaction policy of livewriter.h may compact the index;
 * jobs wait meanwhile (the backlog shows in STATS), searches go on.
 *
 * When the index cannot be written (a full disk, a read-only file system,
 * an I/O error: the writer's failed commit or put) the writer keeps the
 * changes it had acknowledged and reopens (livewriter.h); until a commit
 * succeeds again the ingest is "stuck": ADD, PUT and DELETE are refused
 * with the cause (ERR DISKFULL <path>: ...) and not applied, COMMIT and
 * COMPACT retry at once, and an ingest command retries the commit first
 * if the last try is RETRY seconds old, as the automatic commit does
 * every commit_interval.  An index leded cannot open for writing at start
 * (read-only) is stuck the same way: each retry tries to open it.
 * Owns the writer, its queue and done list; must not touch sockets,
 * connections or the query pool (the loop is woken only through notify). */
#include "ingest.h"
#include "log.h"
#include "../src/article.h"
#include "../src/engine.h"
#include "../src/livewriter.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY 1.0 /* seconds between the commits an ingest command retries */
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
    double commit_settle; /* seconds without a new job before a commit */
    const char *test_hold;   /* the LEDE_TEST_HOLD FIFO, or NULL (ingest.h) */
    double dirty_since, last_arrival;
    void (*notify)(void *);
    void *notify_arg;
    ingest_figures fig;        /* under mu */
    /* Stuck (above): the code and message of the last failure, when the
     * last retry was; the writer thread's alone, as are lw and index. */
    int stuck;
    char stuck_err[LEDE_ERRLEN];
    double stuck_since;
    char *index;
};

static void publish(ingest *g) {
    if (!g->lw) return;
    uint64_t revision = livewriter_revision(g->lw); /* 0: not open just now */
    pthread_mutex_lock(&g->mu);
    g->fig.uncommitted = livewriter_uncommitted(g->lw);
    if (revision) {
        g->fig.revision = revision;
        g->fig.articles = livewriter_doccount(g->lw);
    }
    g->fig.last_commit = livewriter_last_commit(g->lw);
    pthread_mutex_unlock(&g->mu);
}

static void count(ingest *g, uint64_t *field) {
    pthread_mutex_lock(&g->mu);
    (*field)++;
    pthread_mutex_unlock(&g->mu);
}

/* A failure that leaves the ingest stuck (above), logged once. */
static int get_stuck(ingest *g, int rc, const char *err) {
    if (!g->stuck || strcmp(err, g->stuck_err))
        log_msg(LOG_LEVEL_ERROR, "ingest: %s (changes refused until a retried commit succeeds;"
                " %llu acknowledged ones kept)", err,
                (unsigned long long)(g->lw ? livewriter_uncommitted(g->lw) : 0));
    g->stuck = rc == LEDE_OK ? LEDE_ERR : rc;
    snprintf(g->stuck_err, sizeof g->stuck_err, "%s", err);
    g->stuck_since = lede_now();
    return g->stuck;
}

/* The writer, opened now if it could not be before. */
static int writer_open(ingest *g, char *err) {
    if (g->lw) return LEDE_OK;
    int rc = livewriter_open(g->index, "leded ingest", NULL, &g->lw, err);
    if (rc != LEDE_OK) g->lw = NULL;
    return rc;
}

static void reply_error(job *j, int rc, const char *err) {
    const char *code = rc == LEDE_ENOTFOUND ? PROTO_E_NOTFOUND
                     : rc == LEDE_ESKIP ? PROTO_E_BADARTICLE
                     : rc == LEDE_EDISKFULL ? PROTO_E_DISKFULL
                     : rc == LEDE_EREADONLY ? PROTO_E_READONLY
                     : rc == LEDE_EIO ? PROTO_E_IOERROR
                                        : PROTO_E_INTERNAL;
    job_reply_error(j, code, rc, err);
}

/* The article a job carries: JSON on the line (ADD) or a plain-text block
 * (PUT).  Invalid UTF-8 is repaired as the indexer does; an article
 * without a date is dated by its arrival (livewriter_put). */
static int job_article(job *j, article *a, char *err) {
    int put = j->req.cmd == PROTO_PUT;
    const char *raw = put ? j->req.block : j->req.arg;
    size_t len = put ? j->req.block_len : strlen(raw);
    article_defaults d = {0}; /* undated: livewriter_put dates it by its arrival */
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

/* What the writer said about the articles' metadata fields (once a key). */
static void log_field_warnings(ingest *g) {
    sbuf lines;
    sbuf_init(&lines);
    if (livewriter_take_warnings(g->lw, &lines)) {
        char *save = NULL;
        for (char *l = strtok_r(lines.data, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
            log_msg(LOG_LEVEL_WARN, "ingest: %s", l);
    }
    sbuf_free(&lines);
}

static void apply_put(ingest *g, job *j) {
    char err[LEDE_ERRLEN];
    article a;
    article_init(&a);
    int outcome = 0, rc = job_article(j, &a, err);
    if (rc == LEDE_OK) rc = livewriter_put(g->lw, &a, &outcome, err);
    if (rc == LEDE_OK) log_field_warnings(g);
    if (LEDE_IS_STORAGE(rc)) get_stuck(g, rc, err);
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
    int rc = writer_open(g, err);
    if (rc == LEDE_OK) rc = livewriter_commit(g->lw, err);
    if (rc != LEDE_OK) return get_stuck(g, rc, err);
    if (g->stuck) log_msg(LOG_LEVEL_INFO, "ingest: the index can be written again");
    g->stuck = 0;
    count(g, &g->fig.commits);
    return LEDE_OK;
}

/* Whether a change may be applied: not while stuck, unless a retried
 * commit (at most every RETRY seconds) gets it going again. */
static int may_change(ingest *g, char *err) {
    if (!g->stuck) return LEDE_OK;
    if (lede_now() - g->stuck_since >= RETRY && commit(g, err) == LEDE_OK) return LEDE_OK;
    return lede_seterr_code(err, g->stuck, "%s (the change was not applied: send it again"
                            " once the index can be written)", g->stuck_err);
}

/* Test hook (ingest.h): off the hot path but for a pointer test. */
static void test_hold(const ingest *g, const job *j) {
    if (!g->test_hold || j->req.cmd != PROTO_PUT || !j->req.arg || strcmp(j->req.arg, "lede-test-hold")) return;
    FILE *f = fopen(g->test_hold, "r");
    if (!f) return;
    (void)fgetc(f);
    fclose(f);
}

static void apply(ingest *g, job *j) {
    char err[LEDE_ERRLEN];
    int rc;
    test_hold(g, j);
    int change = j->req.cmd == PROTO_ADD || j->req.cmd == PROTO_PUT || j->req.cmd == PROTO_DELETE;
    if (change && (rc = may_change(g, err)) != LEDE_OK) {
        reply_error(j, rc, err);
        return;
    }
    switch (j->req.cmd) {
    case PROTO_ADD:
    case PROTO_PUT:
        apply_put(g, j);
        break;
    case PROTO_DELETE:
        rc = livewriter_delete(g->lw, j->req.arg, err);
        if (LEDE_IS_STORAGE(rc)) get_stuck(g, rc, err);
        if (rc != LEDE_OK) {
            reply_error(j, rc, err);
            break;
        }
        count(g, &g->fig.deleted);
        proto_reply_ingest(&j->reply, j->json, j->req.cmd, "DELETED", j->req.arg);
        break;
    case PROTO_COMMIT:
    case PROTO_COMPACT:
        rc = commit(g, err);
        if (rc == LEDE_OK && j->req.cmd == PROTO_COMPACT) {
            rc = livewriter_compact(g->lw, err);
            if (rc == LEDE_OK) count(g, &g->fig.compactions);
        }
        if (rc != LEDE_OK) {
            reply_error(j, rc, err);
            break;
        }
        proto_reply_commit(&j->reply, j->json, j->req.cmd, livewriter_revision(g->lw),
                           livewriter_doccount(g->lw));
        publish(g); /* a STATS sent after the reply sees this revision */
        break;
    default:
        reply_error(j, LEDE_ERR, "not an ingest command");
    }
    if (g->lw && livewriter_uncommitted(g->lw) && g->dirty_since == 0) g->dirty_since = lede_now();
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
    double settle = g->last_arrival + g->commit_settle, latest = g->dirty_since + g->commit_interval;
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
    if (commit(g, err) != LEDE_OK) { /* logged by get_stuck */
        /* Try again in commit_interval, but not more often than RETRY:
         * each try reopens the index and applies the kept changes again. */
        double wait = g->commit_interval > RETRY ? g->commit_interval : RETRY;
        g->dirty_since = lede_now() + wait - g->commit_interval;
        pthread_mutex_lock(&g->mu);
        g->last_arrival = lede_now() + wait;
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

int ingest_start(ingest **out, const char *index, double commit_interval, double commit_settle,
                 void (*notify)(void *), void *notify_arg, char *err) {
    ingest *g = lede_calloc(1, sizeof *g);
    g->index = lede_strdup(index);
    int rc = writer_open(g, err);
    if (LEDE_IS_STORAGE(rc)) { /* serve it; ingest commands say why not */
        get_stuck(g, rc, err);
    } else if (rc != LEDE_OK) {
        free(g->index);
        free(g);
        return rc;
    }
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->commit_interval = commit_interval;
    g->commit_settle = commit_settle;
    g->notify = notify;
    g->notify_arg = notify_arg;
    publish(g);
    if (pthread_create(&g->thread, NULL, ingest_main, g) != 0) {
        livewriter_close(g->lw, NULL);
        free(g->index);
        free(g);
        return lede_seterr(err, "cannot start the ingest thread");
    }
    *out = g;
    return LEDE_OK;
}

void ingest_set_test_hold(ingest *g, const char *fifo) {
    pthread_mutex_lock(&g->mu);
    g->test_hold = fifo;
    pthread_mutex_unlock(&g->mu);
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
    free(g->index);
    free(g);
}
