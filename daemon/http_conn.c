/* http_conn.c -- HTTP connections (see http.h, and http_state.h for their
 * states): listening, accepting within the daemon's connection limits, a
 * request's head and body read from the socket, time-outs, and replies
 * written in order.  Must not decide what a request means (http_route.c)
 * nor touch jobs (http_job.c) or the line protocol's connections.
 *
 * Why not libevent's evhttp: 2.1 answers an oversized head or body
 * itself, with an HTML 413 (the contract wants 431 for heads and JSON
 * errors everywhere), and it accepts without a hook where
 * --max-connections could refuse.  This file is the few hundred lines
 * those needed, on the same bufferevents as the line protocol. */
#define _GNU_SOURCE
#include "http.h"
#include "http_parse.h"
#include "http_state.h"
#include "listener.h"
#include "log.h"
#include "tls.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static void http_conn_process(http_conn *hc);
static void http_conn_linger(http_conn *hc);

/* ---- a connection's life ------------------------------------------- */

static size_t http_output_len(const http_conn *hc) {
    return evbuffer_get_length(bufferevent_get_output(hc->bev));
}

size_t http_conn_output_len(const http_conn *hc) {
    return http_output_len(hc);
}

size_t http_conn_input_len(const http_conn *hc) {
    return evbuffer_get_length(bufferevent_get_input(hc->bev));
}

/* The output buffer, for the loop to queue bytes in: a worker may no
 * longer write through the wire (it would overtake them; wire.h). */
static struct evbuffer *http_conn_output(http_conn *hc) {
    if (hc->wire) wire_hold(hc->wire);
    return bufferevent_get_output(hc->bev);
}

/* The connection closes after its reply, which the loop writes now
 * (with Connection: close). */
static void http_conn_close_after(http_conn *hc) {
    hc->closing_after = 1;
    if (hc->wire) wire_hold(hc->wire);
}

static void http_conn_free(http_conn *hc, const char *why) {
    http_server *h = hc->s->http;
    log_msg(LOG_LEVEL_INFO, "http %llu %s closed (%s)", (unsigned long long)hc->id, hc->peer, why);
    http_job_abandon(hc);
    http_request_clear(&hc->req);
    pool_flow_close(hc->s->pool, hc->flow);
    evbuffer_remove_cb_entry(bufferevent_get_output(hc->bev), hc->output_cb);
    hc->s->owed_total -= http_output_len(hc);
    if (hc->wire) {
        wire_close(hc->wire); /* before the socket closes: no worker writes to it after */
        wire_unref(hc->wire);
    }
    bufferevent_free(hc->bev);
    if (hc->prev) hc->prev->next = hc->next;
    else h->conns = hc->next;
    if (hc->next) hc->next->prev = hc->prev;
    h->nconns--;
    server *s = hc->s;
    free(hc);
    if (s->shutting_down && s->nconns == 0 && h->nconns == 0) event_base_loopexit(s->base, NULL);
}

/* A reply is on its way: counted, and whether the connection closes
 * after it settled. */
static void http_conn_reply_begin(http_conn *hc, int status, const char *body, size_t len) {
    if (status >= 400) hc->s->stats.errors++;
    if (status >= 200) http_reply_count(hc, status, body, len);
    if (!hc->req.keep_alive || hc->s->shutting_down) hc->closing_after = 1;
}

static void http_conn_reply_end(http_conn *hc) {
    http_request_clear(&hc->req);
    hc->state = hc->closing_after ? HTTP_CLOSING : HTTP_HEAD;
}

void http_conn_reply(http_conn *hc, int status, const char *content_type, const char *extra_headers,
                     const char *body, size_t len) {
    http_conn_reply_begin(hc, status, body, len);
    struct evbuffer *out = http_conn_output(hc);
    evbuffer_add_printf(out, HTTP_HEAD_FMT, status, http_reason(status), content_type, len, extra_headers,
                        hc->closing_after ? "Connection: close\r\n" : "");
    if (hc->req.method != HTTP_HEAD_M) evbuffer_add(out, body, len);
    http_conn_reply_end(hc);
}

/* Nothing may reach the output buffer in between: the wire is held
 * already when rest is not empty (a send cut short holds it, wire.c).
 * With no bytes queued the write callback will not come, so what it
 * would do is done here: the next pipelined request, or closing. */
void http_conn_reply_written(http_conn *hc, int status, const char *body, size_t len, const char *rest,
                             size_t rest_len) {
    http_conn_reply_begin(hc, status, body, len);
    if (rest_len) evbuffer_add(http_conn_output(hc), rest, rest_len);
    http_conn_reply_end(hc);
    if (hc->state != HTTP_CLOSING) http_conn_process(hc);
    else if (http_output_len(hc) == 0) http_conn_linger(hc);
}

/* A reply before the request was whole (its head too large, its body too
 * long, its head not HTTP): the rest of the stream cannot be read. */
static void http_conn_refuse(http_conn *hc, const char *code, const char *msg, int status) {
    hc->req.keep_alive = 0;
    hc->closing_after = 1;
    if (status) {
        sbuf b;
        sbuf_init(&b);
        proto_reply_error(&b, 1, code, msg);
        if (b.len) b.len--; /* the line's newline */
        http_conn_reply(hc, status, "application/json; charset=utf-8", "", b.data, b.len);
        sbuf_free(&b);
    } else {
        http_reply_error(hc, code, msg);
    }
}

/* Reads the head if it is all there: 1 when it is (state BODY), 0 when
 * more is needed, -1 when the connection was answered and closes. */
static int http_read_head(http_conn *hc) {
    struct evbuffer *in = bufferevent_get_input(hc->bev);
    size_t max = hc->s->cfg->max_http_header, have = evbuffer_get_length(in);
    /* blank lines before a request are allowed (RFC 9112 2.2) */
    while (have > 0) {
        unsigned char c;
        evbuffer_copyout(in, &c, 1);
        if (c != '\r' && c != '\n') break;
        evbuffer_drain(in, 1);
        have--;
    }
    if (have == 0) return 0;
    struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
    if (end.pos < 0 || (size_t)end.pos + 4 > max) {
        if (end.pos < 0 && have <= max) return 0;
        http_conn_refuse(hc, PROTO_E_TOOLONG, "the request's head is larger than the server's limit "
                         "(leded --http-max-header-bytes)", 431);
        return -1;
    }
    char *head = lede_malloc((size_t)end.pos + 1);
    evbuffer_remove(in, head, (size_t)end.pos);
    head[end.pos] = '\0';
    evbuffer_drain(in, 4);
    char err[LEDE_ERRLEN];
    int rc = memchr(head, '\0', (size_t)end.pos)
                 ? lede_seterr_code(err, LEDE_ESYNTAX, "a NUL byte in the request's head")
                 : http_parse_head(&hc->req, head, err);
    free(head);
    if (rc == LEDE_ELIMIT) {
        http_conn_refuse(hc, PROTO_E_SYNTAX, err, 411);
        return -1;
    }
    if (rc != LEDE_OK) {
        http_conn_refuse(hc, PROTO_E_SYNTAX, err, 400);
        return -1;
    }
    hc->state = HTTP_BODY;
    return 1;
}

/* Waits for the body: 1 when it is read (state BUSY), 0 when more is
 * needed, -1 when it is refused (413) and the connection closes. */
static int http_read_body(http_conn *hc) {
    http_request *r = &hc->req;
    size_t limit = http_route_body_limit(hc);
    if (r->content_length > limit) {
        char msg[200];
        snprintf(msg, sizeof msg, "the request's body (%zu bytes) is larger than this route takes "
                 "(%zu bytes; docs/HTTP.md's limits)", r->content_length, limit);
        http_conn_refuse(hc, PROTO_E_TOOLONG, msg, 0);
        return -1;
    }
    if (!r->body_admitted) {
        if (!http_route_may_read_body(hc)) return -1;
        r->body_admitted = 1;
    }
    struct evbuffer *in = bufferevent_get_input(hc->bev);
    if (evbuffer_get_length(in) < r->content_length) {
        if (r->expect_continue) {
            evbuffer_add(http_conn_output(hc), "HTTP/1.1 100 Continue\r\n\r\n", 25);
            r->expect_continue = 0;
        }
        bufferevent_setwatermark(hc->bev, EV_READ, 0, 0);
        return 0;
    }
    r->body = lede_malloc(r->content_length + 1);
    evbuffer_remove(in, r->body, r->content_length);
    r->body[r->content_length] = '\0';
    bufferevent_setwatermark(hc->bev, EV_READ, 0, hc->s->cfg->max_http_header + 1);
    hc->state = HTTP_BUSY;
    return 1;
}

/* A connection owes its client too much to be read on (admit.h's
 * shares: its own --max-output, and all connections' together
 * --max-output-total, which the line protocol's count too). */
static int http_conn_owes(const http_conn *hc) {
    size_t out = http_output_len(hc);
    const server *s = hc->s;
    return out > s->cfg->max_output || (out > 0 && s->owed_total >= s->cfg->max_output_total);
}

/* Every change to the output buffer, counted in what all clients are owed. */
static void http_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg) {
    (void)buf;
    http_conn *hc = arg;
    hc->s->owed_total += info->n_added;
    hc->s->owed_total -= info->n_deleted;
}

/* Reading stops while the input is at its high watermark (a pipelined
 * burst of over --http-max-header-bytes) and the connection cannot take
 * from it (a request out, or its client owes): libevent 2.1 calls the
 * read callback again on every loop pass while a full input is left as
 * it is, and those calls, at the connection's priority, starved the wake
 * event (priority 2) that brings every HTTP job back, so nothing was ever
 * answered.  It starts again once the connection takes requests. */
static void http_conn_pace_reading(http_conn *hc) {
    if (hc->state == HTTP_CLOSING) return; /* http_conn_linger reads */
    size_t high = 0;
    bufferevent_getwatermark(hc->bev, EV_READ, NULL, &high);
    if (high && evbuffer_get_length(bufferevent_get_input(hc->bev)) >= high)
        bufferevent_disable(hc->bev, EV_READ);
    else
        bufferevent_enable(hc->bev, EV_READ);
}

static void http_conn_take(http_conn *hc) {
    while (hc->state == HTTP_HEAD || hc->state == HTTP_BODY) {
        if (hc->state == HTTP_HEAD && http_conn_owes(hc)) return;
        if (hc->state == HTTP_HEAD && http_read_head(hc) <= 0) return;
        if (hc->state == HTTP_BODY && http_read_body(hc) <= 0) return;
        hc->started = 0; /* the request is whole: the next one's time starts with its bytes */
        hc->s->http->requests++;
        http_route(hc); /* answered now (state HEAD or CLOSING) or later (BUSY) */
    }
}

/* Parses and answers what the input holds, one request at a time, while
 * the client reads its replies. */
static void http_conn_process(http_conn *hc) {
    http_conn_take(hc);
    http_conn_pace_reading(hc);
}

/* ---- libevent callbacks --------------------------------------------- */

/* Input after the last reply is read and dropped until the client
 * closes (or --http-timeout, or this much): closing with unread input
 * would reset the connection and could destroy the reply before the
 * client read it (a 431 or 413 sent before the request was all read). */
#define HTTP_DRAIN_MAX (64u << 20)

/* A request must arrive whole within --http-timeout of its first bytes:
 * the idle time-out alone would let a client that sends a byte now and
 * then (slowloris) hold its connection for ever.  1 when it is late (and
 * answered 408, then closed). */
static int http_request_late(http_conn *hc) {
    if ((hc->state != HTTP_HEAD && hc->state != HTTP_BODY) || http_conn_owes(hc)) return 0;
    double now = lede_now();
    if (hc->started == 0) {
        hc->started = now;
        return 0;
    }
    if (now - hc->started <= hc->s->cfg->http_timeout) return 0;
    http_conn_refuse(hc, PROTO_E_TIMEOUT, "the request did not arrive whole within the server's time "
                     "(leded --http-timeout)", 408);
    return 1;
}

static void http_read_cb(struct bufferevent *bev, void *arg) {
    http_conn *hc = arg;
    if (hc->state != HTTP_CLOSING) http_job_input(hc); /* the last reply's job first */
    if (hc->state != HTTP_CLOSING && http_request_late(hc)) return;
    if (hc->state == HTTP_CLOSING) {
        struct evbuffer *in = bufferevent_get_input(bev);
        hc->drained += evbuffer_get_length(in);
        evbuffer_drain(in, evbuffer_get_length(in));
        if (hc->drained > HTTP_DRAIN_MAX) http_conn_free(hc, "too much input after the last reply");
        return;
    }
    http_conn_process(hc);
}

/* The last reply is out: our side is shut, and the client's is read
 * until it closes. */
static void http_conn_linger(http_conn *hc) {
    if (hc->shut) return;
    hc->shut = 1;
    if (hc->s->tls) tls_shutdown_write(hc->bev);
    else shutdown(bufferevent_getfd(hc->bev), SHUT_WR);
    bufferevent_setwatermark(hc->bev, EV_READ, 0, 0);
    bufferevent_enable(hc->bev, EV_READ);
}

static void http_write_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    http_conn *hc = arg;
    if (hc->state == HTTP_CLOSING) {
        if (http_output_len(hc) == 0) http_conn_linger(hc);
        return;
    }
    http_conn_process(hc);
}

static void http_set_timeouts(http_conn *hc, double t) {
    struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    bufferevent_set_timeouts(hc->bev, &tv, &tv);
}

/* HTTPS: the handshake is done (--http-timeout from now on), or failed
 * (plaintext, a client that does not trust the certificate): a log line,
 * limited (log.h: any client can fail handshakes at will), and a close. */
static log_limit http_tls_fail_log; /* loop thread only */

static void http_tls_event(http_conn *hc, short events) {
    if (events & BEV_EVENT_CONNECTED) {
        http_set_timeouts(hc, hc->s->cfg->http_timeout);
        return;
    }
    char why[300];
    tls_describe_error(hc->bev, why, sizeof why);
    log_limited(&http_tls_fail_log, LOG_LEVEL_WARN, "http %llu %s: %s", (unsigned long long)hc->id, hc->peer, why);
    http_conn_free(hc, why);
}

static void http_event_cb(struct bufferevent *bev, short events, void *arg) {
    (void)bev;
    http_conn *hc = arg;
    if (hc->s->tls && (events & (BEV_EVENT_CONNECTED | BEV_EVENT_ERROR))) {
        http_tls_event(hc, events);
    } else if (events & BEV_EVENT_ERROR) {
        http_conn_free(hc, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    } else if (events & BEV_EVENT_EOF) {
        if (hc->state == HTTP_BUSY) http_job_settle(hc); /* a reply the client has is not in flight */
        if (hc->state == HTTP_BUSY) { /* half-closed: answer, then close */
            http_conn_close_after(hc);
            http_job_hurry(hc);
            return;
        }
        if (http_output_len(hc) > 0) { /* replies still leaving: finish them, then close */
            if (hc->state != HTTP_CLOSING) {
                http_conn_close_after(hc);
                hc->state = HTTP_CLOSING; /* requests not yet taken are not answered */
            }
            bufferevent_disable(hc->bev, EV_READ); /* the write callback finishes */
            return;
        }
        http_conn_free(hc, "eof");
    } else if (events & BEV_EVENT_TIMEOUT) {
        if ((events & BEV_EVENT_READING) && hc->state == HTTP_BUSY) {
            bufferevent_enable(hc->bev, EV_READ); /* waiting for its answer, not idle */
            return;
        }
        http_conn_free(hc, (events & BEV_EVENT_WRITING) ? "write timeout: the client does not read"
                           : hc->state == HTTP_HEAD ? "idle or slow request head" : "slow request body");
    }
}

/* ---- listening and accepting ----------------------------------------- */

int http_conn_count(const server *s) {
    return s->http ? s->http->nconns : 0;
}

int http_from_address(const server *s, const uint8_t key[PEER_KEY_LEN]) {
    int n = 0;
    if (s->http)
        for (const http_conn *hc = s->http->conns; hc; hc = hc->next) n += !memcmp(hc->addr, key, PEER_KEY_LEN);
    return n;
}

/* Over HTTPS the 429 would be plaintext a TLS client cannot read: the
 * socket is only closed (and the refusal logged). */
static void http_refuse_at_accept(server *s, evutil_socket_t fd, const char *msg) {
    if (s->tls) {
        evutil_closesocket(fd);
        return;
    }
    char buf[400];
    sbuf b;
    sbuf_init(&b);
    proto_reply_error(&b, 1, PROTO_E_LIMIT, msg);
    int n = snprintf(buf, sizeof buf, "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; "
                     "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%.*s", b.len - 1,
                     (int)b.len - 1, b.data);
    sbuf_free(&b);
    if (send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* the client is gone already */
    }
    evutil_closesocket(fd);
}

static void http_conn_open(server *s, evutil_socket_t fd, struct sockaddr *sa) {
    http_server *h = s->http;
    http_conn *hc = lede_calloc(1, sizeof *hc);
    hc->s = s;
    hc->id = ++s->next_id;
    char host[64] = "", port[16] = "";
    getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(hc->peer, sizeof hc->peer, "%s:%s", host, port);
    peer_key_of(sa, hc->addr);
    hc->bev = s->tls ? tls_accept_bev(s->tls, s->base, fd)
                     : bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (!hc->bev) {
        log_msg(LOG_LEVEL_WARN, "http %llu %s: cannot set up its socket", (unsigned long long)hc->id,
                hc->peer);
        free(hc);
        return;
    }
    hc->flow = pool_flow_new();
    hc->wire = s->tls ? NULL : wire_new(fd);
    bufferevent_setcb(hc->bev, http_read_cb, http_write_cb, http_event_cb, hc);
    hc->output_cb = evbuffer_add_cb(bufferevent_get_output(hc->bev), http_output_cb, hc);
    bufferevent_setwatermark(hc->bev, EV_READ, 0, s->cfg->max_http_header + 1);
    double t = s->cfg->http_timeout; /* the handshake's own limit first (HTTPS) */
    http_set_timeouts(hc, s->tls && s->cfg->tls_handshake_timeout < t ? s->cfg->tls_handshake_timeout : t);
    bufferevent_enable(hc->bev, EV_READ | EV_WRITE);
    hc->next = h->conns;
    if (h->conns) h->conns->prev = hc;
    h->conns = hc;
    h->nconns++;
    h->accepted++;
    s->stats.conns_total++;
    log_msg(LOG_LEVEL_INFO, "http %llu %s opened", (unsigned long long)hc->id, hc->peer);
}

static void http_accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                           void *arg) {
    (void)l;
    (void)salen;
    server *s = arg;
    uint8_t key[PEER_KEY_LEN];
    peer_key_of(sa, key);
    if (s->nconns + s->http->nconns >= s->cfg->max_connections) {
        http_refuse_at_accept(s, fd, "too many connections");
        log_msg(LOG_LEVEL_WARN, "http connection refused: %d connections open",
                s->nconns + s->http->nconns);
    } else if (s->cfg->max_per_address > 0 && !peer_key_is_local(key) &&
               listener_count_from(s, key) >= s->cfg->max_per_address) {
        http_refuse_at_accept(s, fd, "too many connections from this address");
    } else {
        http_conn_open(s, fd, sa);
    }
}

static void http_relisten_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (!s->shutting_down) evconnlistener_enable(s->http->listener);
}

/* accept() failed (out of descriptors, say): a pause, not a spin. */
static void http_accept_error_cb(struct evconnlistener *l, void *arg) {
    server *s = arg;
    log_msg(LOG_LEVEL_WARN, "http accept failed: %s; listening again in 1 s",
            evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    evconnlistener_disable(l);
    struct timeval tv = {1, 0};
    evtimer_add(s->http->relisten, &tv);
}

/* "HOST:PORT", ":PORT" or "PORT" (the last two on 127.0.0.1). */
static int http_resolve(const char *spec, struct addrinfo **ai) {
    char host[256] = "";
    const char *port = spec;
    if (strchr(spec, ':') && lede_host_port(spec, host, sizeof host, &port) != LEDE_OK) return EAI_NONAME;
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    return getaddrinfo(host[0] ? host : "127.0.0.1", port, &hints, ai);
}

int http_start(server *s) {
    const char *spec = s->cfg->http_listen;
    if (!spec) return 0;
    struct addrinfo *ai;
    int rc = http_resolve(spec, &ai);
    if (rc != 0) {
        log_msg(LOG_LEVEL_ERROR, "--http %s: %s", spec, gai_strerror(rc));
        return -1;
    }
    http_server *h = lede_calloc(1, sizeof *h);
    h->s = s;
    s->http = h;
    h->relisten = evtimer_new(s->base, http_relisten_cb, s);
    h->listener = evconnlistener_new_bind(s->base, http_accept_cb, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                          512, ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (!h->listener) {
        log_msg(LOG_LEVEL_ERROR, "cannot listen for HTTP on %s: %s", spec, strerror(errno));
        return -1;
    }
    evconnlistener_set_error_cb(h->listener, http_accept_error_cb);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(evconnlistener_get_fd(h->listener), (struct sockaddr *)&ss, &len);
    char hbuf[64], pbuf[16];
    getnameinfo((struct sockaddr *)&ss, len, hbuf, sizeof hbuf, pbuf, sizeof pbuf, NI_NUMERICHOST | NI_NUMERICSERV);
    log_msg(LOG_LEVEL_ALWAYS, "listening on http %s:%s", hbuf, pbuf);
    return 0;
}

void http_stop_accepting(server *s) {
    http_server *h = s->http;
    if (!h) return;
    if (h->listener) evconnlistener_disable(h->listener);
    for (http_conn *hc = h->conns, *next; hc; hc = next) {
        next = hc->next;
        if (hc->state == HTTP_HEAD && evbuffer_get_length(bufferevent_get_input(hc->bev)) == 0 &&
            http_output_len(hc) == 0)
            http_conn_free(hc, "shutdown");
        else
            http_conn_close_after(hc);
    }
}

void http_close_all(server *s, const char *why) {
    if (!s->http) return;
    int stopping = s->shutting_down;
    s->shutting_down = 0; /* no loopexit from inside */
    while (s->http->conns) http_conn_free(s->http->conns, why);
    s->shutting_down = stopping;
}

void http_free(server *s) {
    http_server *h = s->http;
    if (!h) return;
    if (h->listener) evconnlistener_free(h->listener);
    if (h->relisten) event_free(h->relisten);
    free(h);
    s->http = NULL;
}
