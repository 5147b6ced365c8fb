/* http_state.h -- the HTTP side's own state, shared by the http*.c files
 * and private to them: the HTTP server, its connections and the one
 * request each connection is handling.  Loop thread only; workers and
 * the ingest writer see jobs (job.h), never these.
 *
 * A CONNECTION'S STATES (http_conn.c)
 *
 *   HEAD --- a whole request head (under --http-max-header-bytes) ---> BODY
 *   HEAD --- more header bytes than that -----> 431, then CLOSING
 *   BODY --- Content-Length bytes read ----------------------------> BUSY
 *   BODY --- Content-Length over the route's limit --> 413, then CLOSING
 *   BUSY --- its reply written to the output buffer, or by its worker
 *            straight to the socket (http_job.c, wire.h) ---> HEAD (the next
 *            pipelined request is parsed at once if its bytes are there
 *            and the client owes under --max-output, and under
 *            --max-output-total all clients together), or CLOSING
 *            (Connection: close, HTTP/1.0 without keep-alive, an error
 *            that leaves the stream unreadable)
 *   CLOSING --- output flushed ---> our side shut; the client's input
 *            read and dropped until it closes (or the time-out) ---> freed
 *   HEAD, BODY --- the client half-closes while replies are still queued
 *            for it ---> CLOSING (they leave whole; requests not yet taken
 *            are not answered, as after a half-close while BUSY)
 *   any --- the client closes, or --http-timeout passes without progress
 *           while HEAD (idle keep-alive, slow sender) or BODY ---> freed
 *           (a job out is abandoned: its worker skips or stops it)
 *
 * One request at a time a connection: a pipelined request waits in the
 * input buffer until the one before is answered, so replies leave in
 * order and read-your-writes holds as on the line protocol. */
#ifndef LEDE_DAEMON_HTTP_STATE_H
#define LEDE_DAEMON_HTTP_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "job.h"
#include "peerkey.h"
#include "pool.h"
#include "server_state.h"
#include "../src/util.h"

struct bufferevent;
struct evbuffer_cb_entry;
struct evconnlistener;
struct event;

typedef enum http_conn_state { HTTP_HEAD, HTTP_BODY, HTTP_BUSY, HTTP_CLOSING } http_conn_state;

typedef enum http_method {
    HTTP_GET = 1, HTTP_HEAD_M = 2, HTTP_POST = 4, HTTP_PUT = 8, HTTP_DELETE = 16, HTTP_OTHER = 32
} http_method;

typedef struct http_conn http_conn;

/* The request being handled (http_conn.c parses it, http_route.c and
 * http_job.c answer it). */
typedef struct http_request {
    http_method method;
    char method_name[16];
    char *target;             /* the path and query as sent */
    int minor;                /* HTTP/1.minor */
    int keep_alive;           /* the connection stays open after the reply */
    char *auth;               /* the Authorization header's value, or NULL */
    char *content_type;       /* or NULL */
    size_t content_length;
    int length_seen;          /* a Content-Length header was given */
    int body_admitted;        /* its body may be read (http_route_may_read_body) */
    int expect_continue;      /* Expect: 100-continue */
    char *body;               /* content_length bytes and a NUL, once read */
    /* The answer under way (http_job.c). */
    job *job;                 /* with a worker or the writer; NULL: none */
    struct event *timer;      /* the query time limit */
    /* POST /articles of several lines: the lines not yet sent, the
     * replies so far (http_job.c). */
    char *batch_next, *batch_end;
    size_t batch_line;        /* the number of the line out */
    sbuf batch_replies;       /* one JSON object a line, with its "line" */
    uint64_t batch_counts[4]; /* added, replaced, unchanged, failed */
    int metric_cmd;           /* the proto_cmd + 1 it counts under in the metrics; 0: none */
} http_request;

struct http_conn {
    server *s;
    struct bufferevent *bev;
    http_conn_state state;
    http_request req;
    pool_flow *flow;          /* its queries' turn among all connections' */
    wire *wire;               /* its socket shared with the workers (wire.h);
                                 NULL over TLS: the loop writes every reply */
    uint64_t seq;             /* the last request sent through the wire */
    uint64_t id;
    char peer[80];
    uint8_t addr[PEER_KEY_LEN];
    int closing_after;        /* close once the reply is written */
    double started;           /* when the request being read began to arrive (0: none yet) */
    int shut;                 /* CLOSING: our side shut, the client's read and dropped */
    size_t drained;
    struct evbuffer_cb_entry *output_cb; /* counts its output in server.owed_total */
    http_conn *prev, *next;
};

typedef struct http_server {
    server *s;
    struct evconnlistener *listener;
    struct event *relisten;
    http_conn *conns;
    int nconns;
    uint64_t accepted;        /* connections opened (lede_connections_total) */
    uint64_t requests;        /* STATS' http_requests */
} http_server;

/* An HTTP reply's status line and headers: status, reason,
 * Content-Type, Content-Length, the extra headers ("" or lines each
 * ending in CRLF), "Connection: close\r\n" or "". */
#define HTTP_HEAD_FMT "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n"
/* http_reply_frame's flags (job.frame_flags). */
enum { HTTP_FRAME_HEAD_ONLY = 1, HTTP_FRAME_CLOSE = 2 };

/* http_conn.c: writes one reply (status line, headers, body but for
 * HEAD) and ends the request. */
void http_conn_reply(http_conn *hc, int status, const char *content_type, const char *extra_headers,
                     const char *body, size_t len);
/* The same for a reply a worker wrote through the wire (all but rest,
 * which the loop writes): counted, and the request ended. */
void http_conn_reply_written(http_conn *hc, int status, const char *body, size_t len, const char *rest,
                             size_t rest_len);
/* Bytes the connection's output buffer holds (the loop's, not yet sent). */
size_t http_conn_output_len(const http_conn *hc);
/* Bytes read and not yet taken (a pipelined request behind this one). */
size_t http_conn_input_len(const http_conn *hc);
/* http_route.c: answers a request whose head and body are read; the
 * largest body its route takes. */
void http_route(http_conn *hc);
size_t http_route_body_limit(const http_conn *hc);
/* Before a large body is read: 1 when it may be, else the request is
 * answered (401, 403: ingest's token) and the connection closes. */
int http_route_may_read_body(http_conn *hc);
/* http_job.c: forgets the request's job (the connection goes) and its timer. */
void http_job_abandon(http_conn *hc);
/* Something comes to wait on the request's reply (a request behind it,
 * the client's half-close): a reply its worker wrote whole ends the
 * request now, a quiet job wakes the loop after all, and one already
 * finished is delivered now. */
void http_job_hurry(http_conn *hc);
/* Bytes arrived (not CLOSING): finished jobs are collected first, then a
 * request still out with bytes behind it is hurried (http_job_hurry).
 * Never frees a connection. */
void http_job_input(http_conn *hc);
/* The client half-closed: a reply its worker wrote whole (once a send
 * under way returned) ends the request now, so that the requests behind
 * it are taken before the connection closes after the one in flight. */
void http_job_settle(http_conn *hc);
/* http_reply.c: a protocol error as its JSON object and HTTP status; a
 * reply of the protocol's (JSON, one line) with the status its "ok" and
 * "error" say. */
void http_reply_error(http_conn *hc, const char *code, const char *msg);
/* A reply leaves: the metrics count it under its request's command (if
 * any) and the error code its JSON body holds (status 400 and up). */
void http_reply_count(http_conn *hc, int status, const char *body, size_t len);
/* The command a request counts under in the metrics (metrics.h). */
static inline void http_request_counts_as(http_request *r, proto_cmd cmd) {
    r->metric_cmd = (int)cmd + 1;
}
void http_reply_json(http_conn *hc, const sbuf *reply);
int http_status_of(const char *code);
const char *http_reason(int status);
/* Worker thread: frames j's JSON reply as a whole HTTP reply (job.frame,
 * flags HTTP_FRAME_*). */
void http_reply_frame(job *j);
/* Loop: j's worker wrote sent bytes of its framed reply: the rest is
 * written and the request ends as http_reply_json would end it. */
void http_reply_written(http_conn *hc, const job *j, size_t sent);

#endif
