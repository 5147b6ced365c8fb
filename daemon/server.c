/* server.c -- leded's event loop (see server.h).  One libevent loop owns
 * every socket and every connection's state; requests are framed into
 * lines, cheap commands are answered at once, index commands become jobs
 * for the worker pool, and replies are written strictly in request order
 * (a worker may write its reply itself when it is next in line: wire.h).
 * Limits: line length (TOOLONG, then close), connections (LIMIT at
 * accept), requests in flight and bytes queued per connection (reading
 * pauses until they drain), idle time, and per-query time (TIMEOUT). */
#define _GNU_SOURCE
#include "server.h"
#include "ingest.h"
#include "log.h"
#include "pool.h"
#include "wire.h"
#include "../src/protocol.h"
#include "../src/util.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LAT_RING 8192
#define STATS_MAX 32

typedef struct server server;
typedef struct conn conn;

typedef struct pending {
    conn *c;
    sbuf reply;
    int done;
    int close_after;          /* QUIT, TOOLONG: close once this is written */
    uint64_t seq;             /* number on the connection, from 1 */
    size_t skip;              /* bytes of the reply a worker wrote already */
    job *j;            /* with a worker; NULL once answered */
    struct event *timer;      /* query time limit */
    struct pending *next;
} pending;

struct conn {
    server *s;
    struct bufferevent *bev;
    wire *wire;               /* the socket, shared with workers */
    uint64_t next_seq;        /* the next request's number */
    uint64_t id;
    char peer[80];
    int json;
    pending *head, *tail;
    int inflight;             /* requests not yet written back */
    int closing;              /* no more reading; close when flushed */
    int paused;               /* reading paused by a limit */
    int processing;           /* inside process_input */
    int draining;             /* after TOOLONG: discard input until EOF */
    int shut;                 /* our side shut down for writing */
    int authed;               /* AUTH succeeded: ingest commands allowed */
    int auth_failures;
    proto_request *put;       /* PUT waiting for its article bytes */
    pending *put_reply;       /* ... and its place in the reply order */
    size_t drained;
    conn *prev, *next;
};

struct server {
    const server_config *cfg;
    struct event_base *base;
    struct evconnlistener *tcp, *local;
    struct event *sigterm, *sigint, *wake, *poll, *batch;
    struct event *collect;     /* collects quiet jobs while any are out */
    int wake_fd;               /* eventfd the workers write to wake the loop */
    atomic_int wake_pending;   /* a wake-up is on its way: no more writes */
    int jobs_out;              /* pool jobs not yet delivered */
    int quiet_out;             /* ... of which quiet (see submit) */
    int cores;
    double poll_since;         /* busy polling: when the last job went out */
    pool *pool;
    ingest *ingest;            /* NULL: ingest is off */
    conn *conns;
    int nconns;
    uint64_t next_id, conns_total, queries, errors, timeouts;
    uint64_t read_batches;     /* waits for a backlog to drain (batch_cb) */
    double started;
    int shutting_down;
    struct event *grace;       /* after SIGTERM: force-close what is left */
    struct event *relisten;    /* after accept failed: listen again later */
    uint32_t lat[LAT_RING];
    uint64_t nlat;
    uint64_t pct_nlat;         /* percentiles cached for this many samples */
    proto_stat pct[3];
};

/* ---- connection lifetime ------------------------------------------------ */

/* Detaches a job from its request: the worker skips it if it has not
 * started, and its result is dropped when it comes back.  Returns 0 when
 * the worker had written its reply already. */
static int abandon(job *j) {
    j->owner = NULL;
    return wire_cancel(&j->claim);
}

static void pending_free(pending *p) {
    if (p->j) abandon(p->j);
    if (p->timer) event_free(p->timer);
    sbuf_free(&p->reply);
    free(p);
}

/* The loop is about to wait on c's in-flight reply for something (a
 * reply queued behind it, closing): a quiet job must wake it after all.
 * Only a connection's only request is ever quiet, so only the head can be
 * one; if it finished already, it waits in the done list unannounced. */
static void hurry(conn *c) {
    pending *h = c->head;
    if (h && h->j && h->j->loop_quiet && pool_hurry(c->s->pool, h->j))
        event_active(c->s->wake, EV_READ, 0);
}

static void conn_free(conn *c, const char *why) {
    server *s = c->s;
    log_msg(LOG_LEVEL_INFO, "conn %llu %s closed (%s)", (unsigned long long)c->id, c->peer, why);
    while (c->head) {
        pending *p = c->head;
        c->head = p->next;
        pending_free(p);
    }
    if (c->put) {
        proto_request_free(c->put);
        free(c->put);
    }
    wire_close(c->wire); /* no worker writes once the socket closes */
    bufferevent_free(c->bev);
    wire_unref(c->wire);
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nconns--;
    free(c);
    if (s->shutting_down && s->nconns == 0) event_base_loopexit(s->base, NULL);
}

static size_t output_len(conn *c) {
    return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* Closes a closing connection once everything owed has been written.  A
 * draining one only shuts its sending side, and reads on until the client
 * stops: closing with unread input would reset the connection and could
 * destroy the error reply before the client reads it. */
static int maybe_close(conn *c) {
    if (!c->closing || c->head || output_len(c) != 0) return 0;
    if (c->draining) {
        if (!c->shut) shutdown(bufferevent_getfd(c->bev), SHUT_WR);
        c->shut = 1;
        return 0;
    }
    conn_free(c, "done");
    return 1;
}

static void process_input(conn *c);

static void update_reading(conn *c) {
    const server_config *cfg = c->s->cfg;
    /* A PUT waiting for its bytes is in flight itself: it must not stop
     * the reading that completes it. */
    int want = c->draining || (!c->closing && (c->put || c->inflight < cfg->max_pipeline) &&
                               output_len(c) <= cfg->max_output);
    if (want && c->paused) {
        c->paused = 0;
        bufferevent_enable(c->bev, EV_READ);
    } else if (!want && !c->paused) {
        c->paused = 1;
        bufferevent_disable(c->bev, EV_READ);
    }
}

/* After a reply or a drained buffer: read again if the limits allow, and
 * parse the lines that may already be waiting in the input buffer. */
static void resume(conn *c) {
    update_reading(c);
    if (!c->paused && !c->closing) process_input(c);
}

/* Lets a worker write the next reply itself when everything before it
 * is on the socket. */
static void sync_wire(conn *c) {
    if (output_len(c) == 0) wire_open(c->wire, c->head ? c->head->seq : c->next_seq);
    else wire_hold(c->wire);
}

/* Writes the finished replies at the head of the queue, in order. */
static void flush_replies(conn *c) {
    while (c->head && c->head->done) {
        pending *p = c->head;
        if (p->reply.len > p->skip) {
            wire_hold(c->wire);
            bufferevent_write(c->bev, p->reply.data + p->skip, p->reply.len - p->skip);
        }
        if (p->close_after) c->closing = 1;
        c->head = p->next;
        if (!c->head) c->tail = NULL;
        c->inflight--;
        pending_free(p);
    }
    sync_wire(c);
    if (c->closing && !c->draining) bufferevent_disable(c->bev, EV_READ);
}

/* ---- requests ----------------------------------------------------------- */

static pending *pending_new(conn *c) {
    hurry(c);
    pending *p = lede_calloc(1, sizeof *p);
    p->c = c;
    p->seq = c->next_seq++;
    sbuf_init(&p->reply);
    if (c->tail) c->tail->next = p;
    else c->head = p;
    c->tail = p;
    c->inflight++;
    return p;
}

static void answer_error(server *s, pending *p, const char *code, const char *msg) {
    proto_reply_error(&p->reply, p->c->json, code, msg);
    p->done = 1;
    s->errors++;
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    pending *p = arg;
    conn *c = p->c;
    if (p->done) return;
    if (p->j && p->j->loop_quiet && pool_hurry(c->s->pool, p->j)) {
        event_active(c->s->wake, EV_READ, 0); /* answered; collected next */
        return;
    }
    if (p->j && !abandon(p->j)) {
        p->j->owner = p; /* written by its worker: it is on its way back */
        log_msg(LOG_LEVEL_INFO, "conn %llu query passed the time limit after its reply was written",
                (unsigned long long)c->id);
        return;
    }
    p->j = NULL;
    c->s->timeouts++;
    log_msg(LOG_LEVEL_WARN, "conn %llu query timed out after %.3f s", (unsigned long long)c->id,
            c->s->cfg->query_timeout);
    answer_error(c->s, p, PROTO_E_TIMEOUT, "the query took longer than the time limit");
    flush_replies(c);
    if (!maybe_close(c)) resume(c);
}

static void percentiles(server *s, proto_stat *st, int *n);

static void add_stat(proto_stat *st, int *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_stat(proto_stat *st, int *n, const char *key, const char *fmt, ...) {
    proto_stat *x = &st[(*n)++];
    x->key = key;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->value, sizeof x->value, fmt, ap);
    va_end(ap);
}

static void ingest_stats(server *s, proto_stat *st, int *n) {
    char when[32] = "-";
    int64_t last = pool_last_commit(s->pool);
    ingest_figures f = {0};
    if (s->ingest) {
        ingest_figures_get(s->ingest, &f);
        last = f.last_commit;
    }
    if (last > 0) {
        time_t t = (time_t)last;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    add_stat(st, n, "last_commit", "%s", when);
    add_stat(st, n, "ingest", "%s", s->ingest ? "on" : "off");
    add_stat(st, n, "ingest_backlog", "%llu", (unsigned long long)f.backlog);
    add_stat(st, n, "ingest_uncommitted", "%llu", (unsigned long long)f.uncommitted);
    add_stat(st, n, "ingest_added", "%llu", (unsigned long long)f.added);
    add_stat(st, n, "ingest_replaced", "%llu", (unsigned long long)f.replaced);
    add_stat(st, n, "ingest_deleted", "%llu", (unsigned long long)f.deleted);
    add_stat(st, n, "commits", "%llu", (unsigned long long)f.commits);
    add_stat(st, n, "compactions", "%llu", (unsigned long long)f.compactions);
}

/* STATS is answered by the loop from figures the workers publish, so it
 * works even when every worker is busy. */
static void answer_stats(server *s, pending *p) {
    proto_stat st[STATS_MAX];
    int n = 0;
    uint64_t articles, revision, bytes;
    pool_index_figures(s->pool, &articles, &revision, &bytes);
    if (s->ingest) { /* the writer knows the newest figures */
        ingest_figures f;
        ingest_figures_get(s->ingest, &f);
        articles = f.articles;
        revision = f.revision;
    }
    add_stat(st, &n, "articles", "%llu", (unsigned long long)articles);
    add_stat(st, &n, "index_bytes", "%llu", (unsigned long long)bytes);
    add_stat(st, &n, "revision", "%llu", (unsigned long long)revision);
    add_stat(st, &n, "uptime_s", "%.0f", lede_now() - s->started);
    add_stat(st, &n, "connections", "%d", s->nconns);
    add_stat(st, &n, "connections_total", "%llu", (unsigned long long)s->conns_total);
    add_stat(st, &n, "queries", "%llu", (unsigned long long)s->queries);
    add_stat(st, &n, "errors", "%llu", (unsigned long long)s->errors);
    add_stat(st, &n, "timeouts", "%llu", (unsigned long long)s->timeouts);
    add_stat(st, &n, "workers", "%d", s->cfg->workers);
    add_stat(st, &n, "workers_busy", "%d", pool_running(s->pool));
    add_stat(st, &n, "queued", "%d", pool_queued(s->pool));
    add_stat(st, &n, "read_batches", "%llu", (unsigned long long)s->read_batches);
    percentiles(s, st, &n);
    ingest_stats(s, st, &n);
    proto_reply_stats(&p->reply, p->c->json, st, n);
    p->done = 1;
}

/* A job carrying the request (moved out of req) for a worker or the
 * ingest writer; its reply will take p's place. */
static job *job_for(pending *p, proto_request *req) {
    return job_new(req, p->c->json, p);
}

/* Busy polling (--busy-poll-us).  A thread that sleeps through a query
 * leaves its core idle, and on a virtual machine an idle core that is
 * woken costs tens of µs (about 70 measured here) before the reply can
 * move on.  So while jobs are out and a core is free for it, the loop
 * polls (the always-active poll event makes libevent wait with a zero
 * timeout) for at most busy_poll seconds after the last job went out. */
static int want_poll(server *s) {
    int busy = s->jobs_out < s->cfg->workers ? s->jobs_out : s->cfg->workers;
    return s->jobs_out > 0 && busy < s->cores && lede_now() - s->poll_since < s->cfg->busy_poll;
}

static void collect(server *s);

static void poll_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (pool_has_done(s->pool)) collect(s);
    if (want_poll(s)) event_active(s->poll, EV_TIMEOUT, 0);
}

static void start_poll(server *s) {
    if (s->cfg->busy_poll <= 0) return;
    s->poll_since = lede_now();
    if (want_poll(s) && !event_pending(s->poll, EV_TIMEOUT, NULL)) event_active(s->poll, EV_TIMEOUT, 0);
}

/* A job is quiet (pool.h) when it is its connection's only request and
 * nothing else waits on it: if its worker writes the whole reply, the
 * loop has only bookkeeping left, done when it next wakes for a request,
 * or by the collection timer at the latest.  That saves the loop a
 * wake-up per query (on this project's VMs a wake-up preempts a worker and
 * costs tens of µs).  Anything that comes to wait on the reply later
 * takes the quietness back (hurry). */
#define COLLECT_INTERVAL_US 2000

static int may_be_quiet(conn *c, pending *p) {
    return c->head == p && !p->next && !c->closing && !c->s->shutting_down &&
           c->inflight < c->s->cfg->max_pipeline && output_len(c) == 0;
}

/* Keeps the collection timer going while quiet jobs are out. */
static void arm_collect(server *s) {
    if (s->quiet_out > 0 && !evtimer_pending(s->collect, NULL)) {
        struct timeval tv = {0, COLLECT_INTERVAL_US};
        evtimer_add(s->collect, &tv);
    }
}

static void collect_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    collect(s);
    arm_collect(s);
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
static void batch_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (!s->shutting_down && pool_await_drain(s->pool, s->cfg->workers, s->cfg->read_batch))
        s->read_batches++;
}

static void start_batch(server *s) {
    if (s->cfg->read_batch > 0 && pool_queued(s->pool) >= 2 * s->cfg->workers)
        event_active(s->batch, EV_TIMEOUT, 0);
}

static void submit(server *s, pending *p, proto_request *req) {
    job *j = job_for(p, req);
    j->wire = p->c->wire; /* before a worker can see the job */
    wire_ref(j->wire);
    j->seq = p->seq;
    j->quiet = j->loop_quiet = may_be_quiet(p->c, p);
    if (pool_submit(s->pool, j, s->cfg->max_queued) != LEDE_OK) {
        job_free(j);
        answer_error(s, p, PROTO_E_BUSY, "the server is overloaded, try again");
        return;
    }
    p->j = j;
    s->jobs_out++;
    if (j->loop_quiet) {
        s->quiet_out++;
        arm_collect(s);
    }
    start_poll(s);
    start_batch(s);
    if (s->cfg->query_timeout > 0) {
        p->timer = evtimer_new(s->base, timeout_cb, p);
        double t = s->cfg->query_timeout;
        struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
        evtimer_add(p->timer, &tv);
    }
}

static void submit_ingest(server *s, pending *p, proto_request *req) {
    job *j = job_for(p, req);
    if (ingest_submit(s->ingest, j, s->cfg->max_backlog) != LEDE_OK) {
        job_free(j);
        answer_error(s, p, PROTO_E_BUSY, "the ingest backlog is full, try again");
        return;
    }
    p->j = j;
}

/* Compares in time that does not depend on where the strings differ. */
static int same_token(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = na != nb;
    for (size_t i = 0; i < na; i++) diff |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return diff == 0;
}

#define MAX_AUTH_FAILURES 3

static void answer_auth(conn *c, pending *p, const char *token) {
    server *s = c->s;
    if (!s->ingest) {
        answer_error(s, p, PROTO_E_DISABLED, "ingest is not enabled on this server (leded --ingest-token FILE)");
    } else if (same_token(token, s->cfg->ingest_token)) {
        c->authed = 1;
        proto_reply_word(&p->reply, c->json, PROTO_AUTH, "AUTH");
        p->done = 1;
    } else {
        answer_error(s, p, PROTO_E_AUTH, "invalid token");
        log_msg(LOG_LEVEL_WARN, "conn %llu %s: AUTH with an invalid token", (unsigned long long)c->id, c->peer);
        if (++c->auth_failures >= MAX_AUTH_FAILURES) {
            p->close_after = 1;
            c->closing = 1;
        }
    }
}

/* After an error a PUT's bytes cannot be told from requests: say so, and
 * close once the client has stopped sending. */
static void refuse_put(conn *c, pending *p, const char *code, const char *msg) {
    answer_error(c->s, p, code, msg);
    p->close_after = 1;
    c->closing = 1;
    c->draining = 1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

static void handle_ingest(conn *c, pending *p, proto_request *req) {
    server *s = c->s;
    const char *code = NULL, *msg = NULL;
    if (!s->ingest) {
        code = PROTO_E_DISABLED;
        msg = "ingest is not enabled on this server (leded --ingest-token FILE)";
    } else if (!c->authed) {
        code = PROTO_E_NOAUTH;
        msg = "ingest commands need AUTH first";
    } else if (req->cmd == PROTO_PUT && req->block_len > s->cfg->max_article) {
        code = PROTO_E_TOOLONG;
        msg = "the article is larger than the server's limit (leded --max-article-bytes)";
    }
    if (code && req->cmd == PROTO_PUT) {
        refuse_put(c, p, code, msg);
    } else if (code) {
        answer_error(s, p, code, msg);
    } else if (req->cmd == PROTO_PUT) { /* wait for the bytes */
        c->put = lede_malloc(sizeof *c->put);
        *c->put = *req;
        memset(req, 0, sizeof *req);
        c->put_reply = p;
    } else {
        submit_ingest(s, p, req);
    }
}

/* A PUT's article: block_len bytes and a newline (LF or CRLF).  Returns 1
 * when it was taken, 0 while more bytes are needed. */
static int take_put_block(conn *c) {
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = (size_t)c->put->block_len, have = evbuffer_get_length(in);
    if (have < n + 1) return 0;
    char term[2] = {0, 0};
    struct evbuffer_ptr at;
    evbuffer_ptr_set(in, &at, n, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &at, term, have >= n + 2 ? 2 : 1);
    if (term[0] == '\r' && have < n + 2) return 0;
    size_t tl = term[0] == '\n' ? 1 : term[0] == '\r' && term[1] == '\n' ? 2 : 0;
    proto_request *req = c->put;
    pending *p = c->put_reply;
    c->put = NULL;
    c->put_reply = NULL;
    if (tl == 0) {
        refuse_put(c, p, PROTO_E_SYNTAX, "the article's bytes must be followed by a newline");
    } else {
        req->block = lede_malloc(n + 1);
        evbuffer_remove(in, req->block, n);
        evbuffer_drain(in, tl);
        req->block[n] = '\0';
        submit_ingest(c->s, p, req);
    }
    proto_request_free(req);
    free(req);
    flush_replies(c);
    return 1;
}

static void handle_line(conn *c, const char *line, size_t len) {
    server *s = c->s;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    if (i == len) return; /* blank lines are ignored */
    pending *p = pending_new(c);
    proto_request req;
    char err[LEDE_ERRLEN] = "";
    int rc = proto_parse(line, len, &req, err);
    if (rc == LEDE_OK) proto_apply_limit(&req, s->cfg->max_limit);
    log_msg(LOG_LEVEL_DEBUG, "conn %llu request: %.*s", (unsigned long long)c->id, (int)(len > 200 ? 200 : len), line);
    if (rc != LEDE_OK) {
        answer_error(s, p, PROTO_E_SYNTAX, err);
    } else if (req.cmd == PROTO_UNKNOWN) {
        answer_error(s, p, PROTO_E_UNKNOWN, err);
    } else if (req.cmd == PROTO_PING) {
        proto_reply_word(&p->reply, c->json, req.cmd, "PONG");
        p->done = 1;
    } else if (req.cmd == PROTO_STATS) {
        answer_stats(s, p);
    } else if (req.cmd == PROTO_HELP) {
        proto_reply_help(&p->reply, c->json);
        p->done = 1;
    } else if (req.cmd == PROTO_FORMAT) {
        c->json = !strcmp(req.arg, "json");
        proto_reply_word(&p->reply, c->json, req.cmd, c->json ? "json" : "text");
        p->done = 1;
    } else if (req.cmd == PROTO_AUTH) {
        answer_auth(c, p, req.arg);
    } else if (proto_is_ingest(req.cmd)) {
        handle_ingest(c, p, &req);
    } else if (req.cmd == PROTO_QUIT) {
        proto_reply_word(&p->reply, c->json, req.cmd, "BYE");
        p->done = 1;
        p->close_after = 1;
        c->closing = 1;
    } else {
        if (req.cmd == PROTO_SEARCH || req.cmd == PROTO_COUNT) s->queries++;
        submit(s, p, &req);
    }
    proto_request_free(&req);
    flush_replies(c);
}

static void too_long(conn *c) {
    pending *p = pending_new(c);
    char msg[128];
    snprintf(msg, sizeof msg, "request line longer than %zu bytes", c->s->cfg->max_line);
    answer_error(c->s, p, PROTO_E_TOOLONG, msg);
    p->close_after = 1;
    c->closing = 1;
    c->draining = 1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
    log_msg(LOG_LEVEL_WARN, "conn %llu %s: %s", (unsigned long long)c->id, c->peer, msg);
    flush_replies(c);
}

/* Takes every complete line the limits allow. */
static void process_input(conn *c) {
    if (c->processing) return;
    c->processing = 1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t max = c->s->cfg->max_line;
    /* The output check keeps cheap commands, answered at once, from
     * growing the output without bound within one read. */
    while (!c->closing && (c->put || c->inflight < c->s->cfg->max_pipeline) &&
           output_len(c) <= c->s->cfg->max_output) {
        if (c->put) {
            if (!take_put_block(c)) break;
            continue;
        }
        size_t eol_len = 0;
        struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
        if (eol.pos < 0) {
            if (evbuffer_get_length(in) > max + 1) too_long(c); /* room for a CR */
            break;
        }
        size_t content = (size_t)eol.pos;
        if (content > 0) {
            char last;
            struct evbuffer_ptr at;
            evbuffer_ptr_set(in, &at, content - 1, EVBUFFER_PTR_SET);
            if (evbuffer_copyout_from(in, &at, &last, 1) == 1 && last == '\r') content--;
        }
        if (content > max) {
            too_long(c);
            break;
        }
        char *line = lede_malloc((size_t)eol.pos + 1);
        evbuffer_remove(in, line, (size_t)eol.pos);
        evbuffer_drain(in, eol_len);
        line[eol.pos] = '\0';
        handle_line(c, line, (size_t)eol.pos);
        free(line);
    }
    c->processing = 0;
    update_reading(c);
}

/* ---- libevent callbacks ------------------------------------------------ */

#define DRAIN_MAX (64u << 20)

static void read_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    conn *c = arg;
    if (c->draining) {
        struct evbuffer *in = bufferevent_get_input(c->bev);
        c->drained += evbuffer_get_length(in);
        evbuffer_drain(in, evbuffer_get_length(in));
        if (c->drained > DRAIN_MAX) conn_free(c, "too much input after an error");
        return;
    }
    /* Quiet jobs that finished first, so that this connection's earlier
     * reply is off its queue and the new request may be quiet too.  A
     * connection that is not closing cannot be freed by a delivery. */
    if (!c->closing && pool_has_done(c->s->pool)) collect(c->s);
    process_input(c);
    maybe_close(c);
}

static void write_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    conn *c = arg;
    if (maybe_close(c)) return;
    sync_wire(c);
    resume(c);
}

static void event_cb(struct bufferevent *bev, short events, void *arg) {
    (void)bev;
    conn *c = arg;
    if (events & BEV_EVENT_ERROR) {
        conn_free(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    } else if (events & BEV_EVENT_EOF) {
        if (c->draining) { /* nothing more to read: finish what is owed */
            c->draining = 0;
            bufferevent_disable(c->bev, EV_READ);
            maybe_close(c);
            return;
        }
        /* The client finished sending: answer what it asked, then close. */
        process_input(c);
        c->closing = 1;
        hurry(c);
        bufferevent_disable(c->bev, EV_READ);
        if (!maybe_close(c) && !c->head && output_len(c) == 0) conn_free(c, "eof");
    } else if ((events & BEV_EVENT_TIMEOUT) && (events & BEV_EVENT_WRITING)) {
        conn_free(c, "write timeout: the client does not read");
    } else if (events & BEV_EVENT_TIMEOUT) {
        if (c->head) {
            bufferevent_enable(c->bev, EV_READ); /* busy, not idle */
        } else {
            conn_free(c, "idle timeout");
        }
    }
}

/* A finished job: its reply takes its place in the connection's order. */
static void deliver(server *s, job *j) {
    pending *p = j->owner;
    if (!proto_is_ingest(j->req.cmd)) s->jobs_out--;
    if (j->loop_quiet) s->quiet_out--;
    if (!proto_is_ingest(j->req.cmd)) {
        double took = j->finished_at - j->started;
        s->lat[s->nlat++ % LAT_RING] = (uint32_t)(took * 1e6 < 4e9 ? took * 1e6 : 4e9);
        if (took > s->cfg->slow_query && s->cfg->slow_query > 0)
            log_msg(LOG_LEVEL_WARN, "slow query (%.3f s): %s %s", took, proto_cmd_name(j->req.cmd),
                    j->req.arg ? j->req.arg : "");
    }
    if (j->failed_internal) log_msg(LOG_LEVEL_ERROR, "internal error: %.*s", (int)j->reply.len, j->reply.data);
    if (p) {
        sbuf_free(&p->reply);
        p->reply = j->reply;
        p->skip = j->sent;
        sbuf_init(&j->reply);
        p->done = 1;
        p->j = NULL;
        conn *c = p->c;
        flush_replies(c);
        if (!maybe_close(c)) resume(c);
    }
    job_free(j);
}

/* Delivers every finished job, the pool's and the ingest writer's. */
static void collect(server *s) {
    job *j = pool_take_done(s->pool), *next;
    for (; j; j = next) {
        next = j->next;
        deliver(s, j);
    }
    j = s->ingest ? ingest_take_done(s->ingest) : NULL;
    for (; j; j = next) {
        next = j->next;
        deliver(s, j);
    }
}

/* Workers wake the loop through an eventfd of its own rather than
 * event_active(), which takes libevent's base lock and so made the loop
 * and the workers wait on each other.  The flag, cleared before
 * collecting, keeps it to one write per wake-up. */
static void wake_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    server *s = arg;
    uint64_t n;
    if (read(fd, &n, sizeof n) < 0) {
        /* EAGAIN: activated by the loop itself */
    }
    atomic_store(&s->wake_pending, 0);
    collect(s);
}

static void notify_loop(void *arg) {
    server *s = arg;
    if (atomic_exchange(&s->wake_pending, 1)) return;
    uint64_t one = 1;
    if (write(s->wake_fd, &one, sizeof one) < 0) {
        /* the counter cannot overflow: it is read at every wake-up */
    }
}

/* The ingest writer's replies do not wait out read batching (a pool job
 * that needs the loop ends the wait itself, in pool.c). */
static void notify_from_ingest(void *arg) {
    server *s = arg;
    if (s->pool) pool_kick(s->pool); /* jobs come only once the pool runs */
    notify_loop(s);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Latency percentiles over the ring, recomputed only when new samples
 * arrived (a flood of STATS must not sort the ring each time). */
static void percentiles(server *s, proto_stat *st, int *n) {
    static const struct { const char *key; double q; } qs[] = {
        {"latency_p50_us", 0.50}, {"latency_p99_us", 0.99}, {"latency_p999_us", 0.999}};
    if (s->pct_nlat != s->nlat || !s->pct[0].key) {
        size_t count = s->nlat < LAT_RING ? (size_t)s->nlat : LAT_RING;
        uint32_t *v = lede_malloc(sizeof(uint32_t) * (count ? count : 1));
        memcpy(v, s->lat, sizeof(uint32_t) * count);
        qsort(v, count, sizeof *v, cmp_u32);
        for (int i = 0; i < 3; i++) {
            s->pct[i].key = qs[i].key;
            size_t k = count ? (size_t)(qs[i].q * (double)(count - 1) + 0.5) : 0;
            snprintf(s->pct[i].value, sizeof s->pct[i].value, "%u", count ? v[k] : 0);
        }
        free(v);
        s->pct_nlat = s->nlat;
    }
    for (int i = 0; i < 3 && *n < STATS_MAX; i++) st[(*n)++] = s->pct[i];
}

static void describe_peer(conn *c, struct sockaddr *sa) {
    char host[64] = "", port[16] = "";
    if (sa->sa_family == AF_UNIX) {
        snprintf(c->peer, sizeof c->peer, "unix");
        return;
    }
    getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(c->peer, sizeof c->peer, "%s:%s", host, port);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg) {
    (void)l;
    (void)salen;
    server *s = arg;
    if (s->nconns >= s->cfg->max_connections) {
        static const char msg[] = "ERR LIMIT too many connections\n";
        if (send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
            /* the client is gone already */
        }
        evutil_closesocket(fd);
        log_msg(LOG_LEVEL_WARN, "connection refused: %d connections open", s->nconns);
        return;
    }
    conn *c = lede_calloc(1, sizeof *c);
    c->s = s;
    c->id = ++s->next_id;
    describe_peer(c, sa);
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->wire = wire_new(fd);
    c->next_seq = 1;
    wire_open(c->wire, 1);
    bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, s->cfg->max_line + 2);
    bufferevent_setwatermark(c->bev, EV_WRITE, s->cfg->max_output / 2, 0);
    if (s->cfg->idle_timeout > 0) {
        double t = s->cfg->idle_timeout;
        struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
        bufferevent_set_timeouts(c->bev, &tv, &tv);
    }
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    s->conns_total++;
    log_msg(LOG_LEVEL_INFO, "conn %llu %s opened", (unsigned long long)c->id, c->peer);
}

#define SHUTDOWN_GRACE 10 /* seconds given to replies in flight at SIGTERM */

static void grace_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    log_msg(LOG_LEVEL_WARN, "closing %d connection(s) still open %d s after the signal", s->nconns,
            SHUTDOWN_GRACE);
    while (s->conns) conn_free(s->conns, "shutdown");
    event_base_loopexit(s->base, NULL);
}

static void shutdown_cb(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    server *s = arg;
    if (s->shutting_down) return;
    s->shutting_down = 1;
    pool_set_eager(s->pool);
    event_active(s->wake, EV_READ, 0); /* quiet jobs that finished already */
    log_msg(LOG_LEVEL_INFO, "signal %d: finishing %d connection(s), accepting no more", (int)sig, s->nconns);
    if (s->tcp) evconnlistener_disable(s->tcp);
    if (s->local) evconnlistener_disable(s->local);
    for (conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        c->closing = 1;
        c->draining = 0;
        bufferevent_disable(c->bev, EV_READ);
        maybe_close(c);
    }
    if (s->nconns == 0) {
        event_base_loopexit(s->base, NULL);
        return;
    }
    struct timeval tv = {SHUTDOWN_GRACE, 0};
    s->grace = evtimer_new(s->base, grace_cb, s);
    evtimer_add(s->grace, &tv);
}

/* accept() failed (out of file descriptors, say): pause listening for a
 * second instead of spinning on a listener that stays readable. */
static void relisten_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (s->shutting_down) return;
    if (s->tcp) evconnlistener_enable(s->tcp);
    if (s->local) evconnlistener_enable(s->local);
}

static void accept_error_cb(struct evconnlistener *l, void *arg) {
    (void)l;
    server *s = arg;
    log_msg(LOG_LEVEL_WARN, "accept failed: %s; listening again in 1 s",
            evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    if (s->tcp) evconnlistener_disable(s->tcp);
    if (s->local) evconnlistener_disable(s->local);
    struct timeval tv = {1, 0};
    evtimer_add(s->relisten, &tv);
}

/* ---- listening ----------------------------------------------------------- */

static int listen_tcp(server *s, const char *spec) {
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || (size_t)(colon - spec) >= sizeof host) {
        log_msg(LOG_LEVEL_ERROR, "--listen wants HOST:PORT, not '%s'", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *h = host;
    if (h[0] == '[') { h++; h[strlen(h) - 1] = '\0'; }
    struct addrinfo hints = {0}, *ai;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(h, colon + 1, &hints, &ai);
    if (rc != 0) {
        log_msg(LOG_LEVEL_ERROR, "%s: %s", spec, gai_strerror(rc));
        return -1;
    }
    s->tcp = evconnlistener_new_bind(s->base, accept_cb, s,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
                                     ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (s->tcp) evconnlistener_set_error_cb(s->tcp, accept_error_cb);
    if (!s->tcp) {
        log_msg(LOG_LEVEL_ERROR, "cannot listen on %s: %s", spec, strerror(errno));
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(evconnlistener_get_fd(s->tcp), (struct sockaddr *)&ss, &len);
    char hbuf[64], pbuf[16];
    getnameinfo((struct sockaddr *)&ss, len, hbuf, sizeof hbuf, pbuf, sizeof pbuf,
                NI_NUMERICHOST | NI_NUMERICSERV);
    log_msg(LOG_LEVEL_ALWAYS, "listening on tcp %s:%s", hbuf, pbuf);
    return 0;
}

static int listen_unix(server *s, const char *path) {
    struct sockaddr_un sun = {0};
    if (strlen(path) >= sizeof sun.sun_path) {
        log_msg(LOG_LEVEL_ERROR, "socket path too long: %s", path);
        return -1;
    }
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* stale */
    s->local = evconnlistener_new_bind(s->base, accept_cb, s, LEV_OPT_CLOSE_ON_FREE, 512,
                                       (struct sockaddr *)&sun, sizeof sun);
    if (!s->local) {
        log_msg(LOG_LEVEL_ERROR, "cannot listen on %s: %s", path, strerror(errno));
        return -1;
    }
    evconnlistener_set_error_cb(s->local, accept_error_cb);
    log_msg(LOG_LEVEL_ALWAYS, "listening on unix %s", path);
    return 0;
}

static void teardown(server *s) {
    while (s->conns) conn_free(s->conns, "shutdown");
    if (s->tcp) evconnlistener_free(s->tcp);
    if (s->local) {
        evconnlistener_free(s->local);
        unlink(s->cfg->socket_path);
    }
    pool_stop(s->pool);
    ingest_stop(s->ingest);
    /* Only this thread is left.  Freeing the signal events puts back the
     * default action, and a second SIGTERM (a supervisor's, or a test's
     * that saw the process still there) would then kill a daemon that is
     * already exiting cleanly: block them for the little time left. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    if (s->wake) event_free(s->wake);
    if (s->wake_fd >= 0) close(s->wake_fd);
    if (s->poll) event_free(s->poll);
    if (s->batch) event_free(s->batch);
    if (s->collect) event_free(s->collect);
    if (s->grace) event_free(s->grace);
    if (s->relisten) event_free(s->relisten);
    if (s->sigterm) event_free(s->sigterm);
    if (s->sigint) event_free(s->sigint);
    if (s->base) event_base_free(s->base);
}

int server_run(const server_config *cfg) {
    server s;
    memset(&s, 0, sizeof s);
    s.wake_fd = -1;
    s.cfg = cfg;
    log_set_level(cfg->log_level);
    s.started = lede_now();
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    s.base = event_base_new();
    char err[LEDE_ERRLEN];
    int rc = 1;
    if (!s.base) {
        log_msg(LOG_LEVEL_ERROR, "cannot create the event loop");
        return 1;
    }
    event_base_priority_init(s.base, 3); /* events default to 1; batching is 2 */
    s.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s.wake_fd < 0) {
        log_msg(LOG_LEVEL_ERROR, "cannot create an eventfd: %s", strerror(errno));
        goto out;
    }
    s.wake = event_new(s.base, s.wake_fd, EV_PERSIST | EV_READ, wake_cb, &s);
    event_add(s.wake, NULL);
    s.poll = event_new(s.base, -1, 0, poll_cb, &s);
    s.batch = event_new(s.base, -1, 0, batch_cb, &s);
    event_priority_set(s.batch, 2);
    s.collect = evtimer_new(s.base, collect_cb, &s);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    s.cores = cores > 0 ? (int)cores : 1;
    s.relisten = evtimer_new(s.base, relisten_cb, &s);
    if (cfg->ingest_token &&
        ingest_start(&s.ingest, cfg->index, cfg->commit_interval, notify_from_ingest, &s, err) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "cannot take the index for ingest: %s", err);
        goto out;
    }
    pool_config pc = {.index = cfg->index, .workers = cfg->workers, .max_wildcard = cfg->max_wildcard,
                      .spin = cfg->worker_spin, .test_hold = getenv("LEDE_TEST_HOLD"),
                      .notify = notify_loop, .notify_arg = &s};
    if (pool_start(&s.pool, &pc, err) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "%s", err);
        goto out;
    }
    /* The handlers go in before the listening line is logged: scripts
     * (and the tests) take that line as "ready", and a SIGTERM sent just
     * after it must stop the daemon cleanly, not kill it. */
    s.sigterm = evsignal_new(s.base, SIGTERM, shutdown_cb, &s);
    s.sigint = evsignal_new(s.base, SIGINT, shutdown_cb, &s);
    event_add(s.sigterm, NULL);
    event_add(s.sigint, NULL);
    if ((cfg->listen && listen_tcp(&s, cfg->listen) != 0) ||
        (cfg->socket_path && listen_unix(&s, cfg->socket_path) != 0))
        goto out;
    log_msg(LOG_LEVEL_INFO, "serving %s with %d workers", cfg->index, cfg->workers);
    event_base_dispatch(s.base);
    log_msg(LOG_LEVEL_INFO, "stopped after %llu queries", (unsigned long long)s.queries);
    rc = 0;
out:
    teardown(&s);
    return rc;
}
