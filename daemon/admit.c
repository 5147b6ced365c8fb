/* admit.c -- when a connection's request may go to a thread, and a
 * connection's shares of the workers and of memory (see admit.h).  Must
 * not run or format anything (query.c, ingest.c), decide when the loop is
 * woken (handoff.c) or write to a connection (replies.c). */
#define _GNU_SOURCE
#include "admit.h"
#include "conn.h"
#include "handoff.h"
#include "replies.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>

/* ---- read-your-writes ----------------------------------------------- */

static int admit_other_kind_out(const conn *c, int ingest) {
    return ingest ? c->queries_out : c->ingest_out;
}

static void admit_send(server *s, pending *p, proto_request *req, int ingest) {
    conn *c = p->c;
    if (!ingest) {
        handoff_submit_query(s, p, req);
        if (p->job) c->queries_out++;
        return;
    }
    job *j = job_new(req, c->json, p);
    if (ingest_submit(s->ingest, j, s->cfg->max_backlog) != LEDE_OK) {
        job_free(j);
        replies_error(p, PROTO_E_BUSY, "the ingest backlog is full, try again");
        return;
    }
    p->job = j;
    c->ingest_out++;
}

/* The request waits in its pending until the other kind's are back; a
 * query's time limit runs from now. */
static void admit_defer(pending *p, proto_request *req, int ingest) {
    p->deferred = lede_malloc(sizeof *p->deferred);
    *p->deferred = *req;
    memset(req, 0, sizeof *req);
    p->deferred_ingest = ingest;
    p->c->deferred++;
    if (!ingest) replies_start_timer(p);
}

static void admit_request(server *s, pending *p, proto_request *req, int ingest) {
    conn *c = p->c;
    p->req_bytes = (req->arg ? strlen(req->arg) : 0) + (size_t)req->block_len; /* a PUT's article too */
    c->req_bytes += p->req_bytes;
    if (c->deferred > 0 || admit_other_kind_out(c, ingest) > 0) admit_defer(p, req, ingest);
    else admit_send(s, p, req, ingest);
}

void admit_query(server *s, pending *p, proto_request *req) {
    admit_request(s, p, req, 0);
}

void admit_ingest(server *s, pending *p, proto_request *req) {
    admit_request(s, p, req, 1);
}

int admit_release(conn *c) {
    int released = 0;
    for (pending *p = c->head; p && c->deferred > 0; p = p->next) {
        if (!p->deferred) continue;
        int ingest = p->deferred_ingest;
        if (admit_other_kind_out(c, ingest) > 0) break;
        proto_request *req = p->deferred;
        p->deferred = NULL;
        c->deferred--;
        admit_send(c->s, p, req, ingest);
        proto_request_free(req);
        free(req);
        released++;
    }
    return released;
}

void admit_job_back(pending *p) {
    conn *c = p->c;
    if (proto_is_ingest(p->job->req.cmd)) c->ingest_out--;
    else c->queries_out--;
}

void admit_drop_deferred(pending *p) {
    proto_request_free(p->deferred);
    free(p->deferred);
    p->deferred = NULL;
    p->c->deferred--;
}

void admit_forget(pending *p) {
    p->c->req_bytes -= p->req_bytes;
    p->req_bytes = 0;
    if (p->deferred) { /* the connection is going: nothing is released */
        proto_request_free(p->deferred);
        free(p->deferred);
        p->deferred = NULL;
        p->c->deferred--;
    }
}

/* ---- shares of memory ----------------------------------------------- */

void admit_check_share(conn *c) {
    server *s = c->s;
    size_t owed = conn_output_len(c) + c->parked;
    int held = owed >= s->cfg->max_output || (owed > 0 && s->owed_total >= s->cfg->max_output_total);
    if (held == c->held) return;
    c->held = held;
    s->nheld += held ? 1 : -1;
    if (held) s->stats.holds++;
    pool_flow_hold(s->pool, c->flow, held);
}

void admit_parked(conn *c, long delta) {
    c->parked = (size_t)((long)c->parked + delta);
    c->s->owed_total = (size_t)((long)c->s->owed_total + delta);
    admit_check_share(c);
}

/* Every change to a connection's output buffer: bytes added by the loop,
 * bytes the socket took. */
static void admit_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
    (void)buf;
    conn *c = arg;
    c->s->owed_total += info->n_added;
    c->s->owed_total -= info->n_deleted;
    admit_check_share(c);
}

void admit_open(conn *c) {
    c->flow = pool_flow_new();
    c->output_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), admit_output_cb, c);
}

void admit_close(conn *c) {
    server *s = c->s;
    if (c->output_cb) evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->output_cb);
    s->owed_total -= conn_output_len(c) + c->parked;
    c->parked = 0;
    if (c->held) s->nheld--;
    c->held = 0;
    pool_flow_close(s->pool, c->flow);
    c->flow = NULL;
}
