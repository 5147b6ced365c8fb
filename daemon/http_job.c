/* http_job.c -- an HTTP request's proto_request as a job: queries to the
 * worker pool on the connection's flow (its turn among every
 * connection's, pool.h), ingest commands to the one writer (ingest.h),
 * each with the line protocol's limits: the query time limit from
 * submission (504 TIMEOUT in its place), --max-backlog (503 BUSY).  On a
 * plain connection a query's worker frames its reply and writes it to
 * the socket itself when nothing is queued before it (wire.h, as for the
 * line protocol), and such a job is quiet (handoff.h): its end does not
 * wake the loop, which collects it when the client's next bytes come
 * (http_job_input), before reading them.
 * Otherwise (TLS, ingest, /health, bytes the loop queued) the reply
 * comes back on the loop (handoff.c calls http_job_back) and is written
 * by http_conn.c.  Also
 * POST /articles of JSON Lines: one ADD job a line, in order, and one
 * reply with every line's outcome.  Must not parse HTTP (http_conn.c) or
 * decide routes (http_route.c). */
#define _GNU_SOURCE
#include "http_job.h"
#include "handoff.h"
#include "log.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

static void http_job_stop_timer(http_request *r) {
    if (r->timer) event_free(r->timer);
    r->timer = NULL;
}

void http_job_abandon(http_conn *hc) {
    http_request *r = &hc->req;
    http_job_stop_timer(r);
    if (r->job) {
        handoff_abandon(r->job); /* owner NULL: dropped when it comes back */
        r->job = NULL;
    }
}

static void http_job_timeout_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    http_conn *hc = arg;
    http_request *r = &hc->req;
    if (!r->job) return;
    http_job_stop_timer(r);
    if (!handoff_abandon(r->job)) {
        r->job->owner = hc; /* written by its worker: it is on its way back */
        handoff_hurry(hc->s, r->job);
        log_msg(LOG_LEVEL_INFO, "http %llu query passed the time limit after its reply was written",
                (unsigned long long)hc->id);
        return;
    }
    r->job = NULL;
    hc->s->stats.timeouts++;
    log_msg(LOG_LEVEL_WARN, "http %llu query timed out after %.3f s", (unsigned long long)hc->id,
            hc->s->cfg->query_timeout);
    http_reply_error(hc, PROTO_E_TIMEOUT, "the query took longer than the time limit");
}

/* The client has the whole reply (its worker wrote it) and asks again
 * before the worker handed the job back: the request ends now, as the
 * line protocol's next request goes without waiting for the last one to
 * be collected (handoff_nothing_waits).  With 2 cores, the worker's send
 * often wakes the client on the worker's own core, and the hand-off then
 * waits for the worker to run again: this kept a 1-connection client
 * waiting for a loop wake-up per request.  The job, detached, is only
 * counted when it comes back. */
static int http_job_end_written(http_conn *hc, int settled) {
    http_request *r = &hc->req;
    job *j = r->job;
    if (!j || !j->wire) return 0;
    if (!(settled ? wire_passed_settled(j->wire, j->seq) : wire_passed(j->wire, j->seq))) return 0;
    http_job_stop_timer(r);
    r->job = NULL;
    j->owner = NULL;
    http_reply_written(hc, j, job_out(j)->len);
    return 1;
}

void http_job_hurry(http_conn *hc) {
    if (http_job_end_written(hc, 0)) return;
    job *j = hc->req.job;
    if (j && j->loop_quiet && handoff_hurry(hc->s, j)) handoff_collect(hc->s);
}

/* Finished jobs are collected before the new bytes are read, as the line
 * protocol's read does (conn.c): the last reply's job is then delivered
 * (its request ended, the loop's count of jobs out down) rather than
 * detached and left in the done list until a later collection.  Left
 * there, it kept jobs_out at two while the next query ran, which stopped
 * the loop's busy polling (handoff.h: polling only while a core is
 * free), so at one connection the loop went to sleep during every query
 * and the client's next request had to wake it: loop CPU 90-100 µs a
 * request against the line protocol's ~300 µs (it polls), and 1.0 against
 * 0.4 voluntary switches a request (a plain 1-connection run, /proc's
 * counts).  A request still out then is hurried only if bytes wait
 * behind it: the request just read may be the one the collection sent. */
void http_job_input(http_conn *hc) {
    server *s = hc->s;
    if (handoff_has_done(s->ho.workers)) handoff_collect(s);
    if (hc->state == HTTP_BUSY && http_conn_input_len(hc) > 0) http_job_hurry(hc);
}

/* The worker notes that its reply went whole just after send() returns,
 * and the client, woken by that send, may be quicker: its next request
 * can come before the note (then it only waits for the job), and so can
 * its half-close.  A half-close ends the requests after the one in
 * flight, so that one must not be taken for a reply the client has. */
void http_job_settle(http_conn *hc) {
    http_job_end_written(hc, 1);
}

static void http_job_start_timer(http_conn *hc) {
    double t = hc->s->cfg->query_timeout;
    if (t <= 0) return;
    hc->req.timer = evtimer_new(hc->s->base, http_job_timeout_cb, hc);
    struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    evtimer_add(hc->req.timer, &tv);
}

static void http_batch_next(http_conn *hc);
static void http_batch_note(http_conn *hc, const sbuf *reply);

/* handoff.c: the job is back on the loop (owner NULL: its request was
 * answered already, or its connection went). */
static void http_job_back(job *j) {
    http_conn *hc = j->owner;
    if (!hc) return;
    http_request *r = &hc->req;
    r->job = NULL;
    http_job_stop_timer(r);
    if (j->wire && atomic_load(&j->claim) == WIRE_SENT) {
        http_reply_written(hc, j, j->sent);
    } else if (r->batch_end) {
        metrics_note_request(&hc->s->stats.metrics, PROTO_ADD, j->error_code); /* each line */
        http_batch_note(hc, &j->reply);
        http_batch_next(hc);
    } else if (j->req.cmd == PROTO_PING) {
        http_reply_health(hc, &j->reply);
    } else {
        http_reply_json(hc, &j->reply);
    }
}

/* A query whose worker may write its reply through the connection's
 * wire (wire.h): a plain connection with nothing queued for its client
 * and not closing, a reply sent as it is framed (not /health's, nor a
 * line of a batch).  Returns 1 when the job may be quiet too: no request
 * waits behind it yet (http_job_hurry, when one comes) and the connection
 * stays open after it (a closing one is closed by the loop, which must
 * wake for it then, not at its next collection). */
static int http_job_wire(http_conn *hc, job *j) {
    http_request *r = &hc->req;
    if (!hc->wire || r->batch_end || j->req.cmd == PROTO_PING || hc->closing_after || hc->s->shutting_down ||
        http_conn_output_len(hc) > 0)
        return 0;
    j->wire = hc->wire;
    wire_ref(j->wire);
    j->seq = ++hc->seq;
    j->frame = http_reply_frame;
    j->frame_flags = (r->method == HTTP_HEAD_M ? HTTP_FRAME_HEAD_ONLY : 0) | (r->keep_alive ? 0 : HTTP_FRAME_CLOSE);
    wire_open(hc->wire, j->seq);
    return r->keep_alive && http_conn_input_len(hc) == 0;
}

/* The job of req (moved out of it); on refusal, the BUSY reply in busy. */
static int http_job_send(http_conn *hc, proto_request *req, sbuf *busy) {
    if (!hc->req.batch_end) http_request_counts_as(&hc->req, req->cmd); /* a batch: per line */
    server *s = hc->s;
    job *j = job_new(req, 1, hc);
    j->deliver = http_job_back;
    int ingest = proto_is_ingest(j->req.cmd);
    int rc = ingest ? ingest_submit(s->ingest, j, s->cfg->max_backlog)
                    : handoff_submit_job(s, hc->flow, j, http_job_wire(hc, j));
    if (rc != LEDE_OK) {
        job_free(j);
        proto_reply_error(busy, 1, PROTO_E_BUSY, ingest ? "the ingest backlog is full, try again"
                                                        : "the server is overloaded, try again");
        return rc;
    }
    hc->req.job = j;
    if (!ingest) http_job_start_timer(hc);
    return LEDE_OK;
}

void http_job_submit(http_conn *hc, proto_request *req) {
    sbuf busy;
    sbuf_init(&busy);
    if (http_job_send(hc, req, &busy) != LEDE_OK) http_reply_json(hc, &busy);
    sbuf_free(&busy);
}

/* ---- POST /articles of JSON Lines --------------------------------------- */

/* The next non-blank line as an ADD, or the whole reply once none is left. */
static void http_batch_next(http_conn *hc) {
    http_request *r = &hc->req;
    while (r->batch_next < r->batch_end) {
        char *line = r->batch_next, *nl = memchr(line, '\n', (size_t)(r->batch_end - line));
        char *end = nl ? nl : r->batch_end;
        r->batch_next = nl ? nl + 1 : r->batch_end;
        r->batch_line++;
        while (end > line && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) end--;
        while (line < end && (*line == ' ' || *line == '\t')) line++;
        if (line == end) continue;
        sbuf row;
        sbuf_init(&row);
        proto_request req;
        memset(&req, 0, sizeof req);
        req.cmd = PROTO_ADD;
        req.arg = lede_strndup(line, (size_t)(end - line));
        if (*line != '{')
            proto_reply_error(&row, 1, PROTO_E_BADARTICLE, "the line is not a JSON object");
        else
            http_job_send(hc, &req, &row);
        proto_request_free(&req);
        if (r->job) {
            sbuf_free(&row);
            return; /* its reply comes back to http_job_back */
        }
        http_batch_note(hc, &row); /* not a JSON object, or refused (BUSY) */
        sbuf_free(&row);
    }
    sbuf out;
    sbuf_init(&out);
    proto_reply_batch(&out, r->batch_replies.data ? r->batch_replies.data : "", r->batch_counts);
    http_reply_json(hc, &out);
    sbuf_free(&out);
}

/* One line's outcome: counted, and kept for the reply. */
static void http_batch_note(http_conn *hc, const sbuf *reply) {
    http_request *r = &hc->req;
    sbuf_printf(&r->batch_replies, "%zu\t%.*s", r->batch_line, (int)reply->len, reply->data);
    if (reply->len && reply->data[reply->len - 1] != '\n') sbuf_putc(&r->batch_replies, '\n');
    const char *o = strstr(reply->data ? reply->data : "", "\"outcome\":\"");
    int k = !o ? 3 : !strncmp(o + 11, "added", 5) ? 0 : !strncmp(o + 11, "replaced", 8) ? 1 : 2;
    r->batch_counts[k]++;
}

void http_batch_start(http_conn *hc) {
    http_request *r = &hc->req;
    sbuf_init(&r->batch_replies);
    r->batch_next = r->body;
    r->batch_end = r->body + r->content_length;
    r->batch_line = 0;
    http_batch_next(hc);
}
