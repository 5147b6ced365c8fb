/* replies.c -- a connection's owed replies in request order (see
 * replies.h).  Owns pending structs and the order of bytes on the socket
 * from the loop's side; must not read input (framing.c) nor decide when
 * the loop is woken (handoff.c). */
#define _GNU_SOURCE
#include "replies.h"
#include "admit.h"
#include "conn.h"
#include "handoff.h"
#include "log.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdlib.h>

void replies_free(pending *p) {
    if (p->job) handoff_abandon(p->job);
    admit_forget(p);
    if (p->timer) event_free(p->timer);
    sbuf_free(&p->reply);
    free(p);
}

void replies_sync_wire(conn *c) {
    if (conn_output_len(c) == 0) wire_open(c->wire, c->head ? c->head->seq : c->next_seq);
    else wire_hold(c->wire);
}

/* A reply leaves: the metrics count it by command and outcome. */
static void replies_count(conn *c, const pending *p) {
    metrics_counters *m = &c->s->stats.metrics;
    if (p->cmd >= 0) metrics_note_request(m, (proto_cmd)p->cmd, p->code);
    else if (p->code) metrics_note_error(m, p->code);
}

void replies_flush(conn *c) {
    while (c->head && c->head->done) {
        pending *p = c->head;
        replies_count(c, p);
        if (p->parked) admit_parked(c, -(long)p->parked);
        p->parked = 0;
        if (p->reply.len > p->skip) {
            wire_hold(c->wire);
            bufferevent_write(c->bev, p->reply.data + p->skip, p->reply.len - p->skip);
        }
        if (p->close_after) c->closing = 1;
        c->head = p->next;
        if (!c->head) c->tail = NULL;
        c->inflight--;
        replies_free(p);
    }
    replies_sync_wire(c);
    if (c->closing && !c->draining) bufferevent_disable(c->bev, EV_READ);
}

/* The replies ready leave first, then the requests deferred behind them
 * go (admit_release): one that finds nothing of its connection before it
 * is its only request.  Those answered at once (ERR BUSY of a full ingest
 * backlog) leave too. */
void replies_flush_release(conn *c) {
    replies_flush(c);
    if (c->deferred > 0 && admit_release(c) > 0) replies_flush(c);
}

pending *replies_add(conn *c) {
    handoff_hurry_head(c);
    pending *p = lede_calloc(1, sizeof *p);
    p->c = c;
    p->seq = c->next_seq++;
    p->cmd = -1;
    sbuf_init(&p->reply);
    if (c->tail) c->tail->next = p;
    else c->head = p;
    c->tail = p;
    c->inflight++;
    return p;
}

void replies_error(pending *p, const char *code, const char *msg) {
    proto_reply_error(&p->reply, p->c->json, code, msg);
    p->code = code;
    p->done = 1;
    p->c->s->stats.errors++;
}

static void replies_timeout_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    pending *p = arg;
    conn *c = p->c;
    if (p->done) return;
    if (p->job && handoff_hurry(c->s, p->job)) return; /* answered; collected next */
    if (p->job && !handoff_abandon(p->job)) {
        p->job->owner = p; /* written by its worker: it is on its way back */
        log_msg(LOG_LEVEL_INFO, "conn %llu query passed the time limit after its reply was written",
                (unsigned long long)c->id);
        return;
    }
    if (p->job) admit_job_back(p);
    else if (p->deferred) admit_drop_deferred(p);
    p->job = NULL;
    c->s->stats.timeouts++;
    log_msg(LOG_LEVEL_WARN, "conn %llu query timed out after %.3f s", (unsigned long long)c->id,
            c->s->cfg->query_timeout);
    replies_error(p, PROTO_E_TIMEOUT, "the query took longer than the time limit");
    replies_flush_release(c);
    if (!conn_maybe_close(c)) conn_resume(c);
}

void replies_start_timer(pending *p) {
    server *s = p->c->s;
    if (s->cfg->query_timeout > 0 && !p->timer) { /* a deferred query's runs on */
        p->timer = evtimer_new(s->base, replies_timeout_cb, p);
        double t = s->cfg->query_timeout;
        struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
        evtimer_add(p->timer, &tv);
    }
}

void replies_fill(pending *p, job *j) {
    sbuf_free(&p->reply);
    p->reply = j->reply;
    p->skip = j->sent;
    p->code = j->error_code;
    sbuf_init(&j->reply);
    p->done = 1;
    conn *c = p->c;
    admit_job_back(p);
    p->job = NULL;
    p->parked = p->reply.len - p->skip;
    if (p->parked) admit_parked(c, (long)p->parked);
    replies_flush_release(c);
    if (!conn_maybe_close(c)) conn_resume(c);
}
