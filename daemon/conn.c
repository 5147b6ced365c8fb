/* conn.c -- connections (see conn.h): their lifetime, backpressure and
 * the libevent callbacks of their sockets.  Must not parse requests
 * (framing.c, dispatch.c) nor write replies (replies.c); must not touch
 * listeners (listener.c). */
#define _GNU_SOURCE
#include "conn.h"
#include "admit.h"
#include "framing.h"
#include "handoff.h"
#include "http.h"
#include "log.h"
#include "replies.h"
#include "tls.h"

#include <event2/event.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DRAIN_MAX (64u << 20)

/* A client that said QUIT or hung up ("done", "eof") is logged at debug
 * only, as its opening is: at the default level leded says nothing per
 * client call.  Closes the server decided (timeouts, limits, errors) stay
 * at info. */
static int ordinary_close(const char *why) {
    return !strcmp(why, "done") || !strcmp(why, "eof") || !strcmp(why, "shutdown");
}

void conn_free(conn *c, const char *why) {
    server *s = c->s;
    log_msg(ordinary_close(why) ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO, "conn %llu %s closed (%s)",
            (unsigned long long)c->id, c->peer, why);
    while (c->head) {
        pending *p = c->head;
        c->head = p->next;
        replies_free(p);
    }
    if (c->put) {
        proto_request_free(c->put);
        free(c->put);
    }
    wire_close(c->wire); /* no worker writes once the socket closes */
    admit_close(c);
    bufferevent_free(c->bev);
    wire_unref(c->wire);
    if (c->prev) c->prev->next = c->next;
    else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->nconns--;
    free(c);
    if (s->shutting_down && s->nconns == 0 && http_conn_count(s) == 0) event_base_loopexit(s->base, NULL);
}

/* Closes a closing connection once everything owed has been written.  A
 * draining one only shuts its sending side, and reads on until the client
 * stops: closing with unread input would reset the connection and could
 * destroy the error reply before the client reads it. */
int conn_maybe_close(conn *c) {
    if (!c->closing || c->head || conn_output_len(c) != 0) return 0;
    if (c->draining) {
        if (!c->shut && c->s->tls) tls_shutdown_write(c->bev);
        else if (!c->shut) shutdown(bufferevent_getfd(c->bev), SHUT_WR);
        c->shut = 1;
        return 0;
    }
    conn_free(c, "done");
    return 1;
}

/* A PUT waiting for its bytes is in flight itself: it must not stop the
 * reading that completes it.  A request's bytes count from when it is
 * parsed, so a connection may hold up to twice --max-line of requests and
 * one more line.  With --max-queued queries waiting, a connection that
 * has a request waiting already is not read (it is read again when that
 * request is answered); one that has none is, and its query is queued. */
int conn_under_caps(conn *c) {
    server *s = c->s;
    const server_config *cfg = s->cfg;
    return (c->put || (c->inflight < cfg->max_pipeline && c->req_bytes < 2 * cfg->max_line)) &&
           !c->held && conn_output_len(c) <= cfg->max_output &&
           (pool_queued(s->pool) < cfg->max_queued || handoff_nothing_waits(c, NULL));
}

/* A connection with requests in flight (it pipelines) has its socket's
 * events handled after those of clients that wait for each reply. */
static void conn_update_priority(conn *c) {
    int low = c->inflight > 1;
    if (low != c->low_priority) {
        c->low_priority = low;
        bufferevent_priority_set(c->bev, low ? 2 : 1);
    }
}

void conn_update_reading(conn *c) {
    conn_update_priority(c);
    int want = c->draining || (!c->closing && conn_under_caps(c));
    if (want && c->paused) {
        c->paused = 0;
        bufferevent_enable(c->bev, EV_READ);
    } else if (!want && !c->paused) {
        c->paused = 1;
        bufferevent_disable(c->bev, EV_READ);
    }
}

void conn_resume(conn *c) {
    conn_update_reading(c);
    if (!c->paused && !c->closing) framing_process(c);
}

void conn_finish(conn *c) {
    c->closing = 1;
    c->draining = 0;
    bufferevent_disable(c->bev, EV_READ);
    conn_maybe_close(c);
}

/* ---- libevent callbacks ------------------------------------------------ */

static void conn_read_cb(struct bufferevent *bev, void *arg) {
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
    if (!c->closing && handoff_has_done(c->s->ho.workers)) handoff_collect(c->s);
    framing_process(c);
    conn_maybe_close(c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg) {
    (void)bev;
    conn *c = arg;
    if (conn_maybe_close(c)) return;
    replies_sync_wire(c);
    conn_resume(c);
}

/* Sets c's read and write time-outs (0: none). */
static void conn_set_timeouts(conn *c, double t) {
    if (t <= 0) {
        bufferevent_set_timeouts(c->bev, NULL, NULL);
        return;
    }
    struct timeval tv = {(time_t)t, (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* A TLS connection's handshake ended, or failed; returns 1 when c was
 * freed.  A failure (plaintext sent to the TLS port, a client that does
 * not trust the certificate, a handshake left half done) is a log line
 * and a closed connection. */
/* Failed handshakes are a client's to cause at will: their lines are
 * limited (log.h).  Loop thread only. */
static log_limit conn_tls_fail_log;

static int conn_tls_event(conn *c, short events) {
    if (events & BEV_EVENT_CONNECTED) {
        c->tls_handshaking = 0;
        conn_set_timeouts(c, c->s->cfg->idle_timeout);
        log_msg(LOG_LEVEL_DEBUG, "conn %llu TLS handshake done", (unsigned long long)c->id);
        return 0;
    }
    if (events & BEV_EVENT_ERROR) {
        char why[300];
        tls_describe_error(c->bev, why, sizeof why);
        if (c->tls_handshaking)
            log_limited(&conn_tls_fail_log, LOG_LEVEL_WARN, "conn %llu %s: TLS handshake failed (%s)",
                        (unsigned long long)c->id, c->peer, why);
        conn_free(c, why);
        return 1;
    }
    if (c->tls_handshaking && (events & (BEV_EVENT_TIMEOUT | BEV_EVENT_EOF))) {
        log_limited(&conn_tls_fail_log, LOG_LEVEL_WARN, "conn %llu %s: TLS handshake %s",
                    (unsigned long long)c->id, c->peer, events & BEV_EVENT_EOF ? "cut short by the client" : "timed out");
        conn_free(c, "no TLS handshake");
        return 1;
    }
    return 0;
}

static void conn_event_cb(struct bufferevent *bev, short events, void *arg) {
    (void)bev;
    conn *c = arg;
    if (c->s->tls && (c->tls_handshaking || (events & BEV_EVENT_ERROR))) {
        conn_tls_event(c, events);
        return;
    }
    if (events & BEV_EVENT_ERROR) {
        conn_free(c, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    } else if (events & BEV_EVENT_EOF) {
        if (c->draining) { /* nothing more to read: finish what is owed */
            c->draining = 0;
            bufferevent_disable(c->bev, EV_READ);
            conn_maybe_close(c);
            return;
        }
        /* The client finished sending: answer what it asked, then close. */
        framing_eof(c);
        c->closing = 1;
        handoff_hurry_head(c);
        bufferevent_disable(c->bev, EV_READ);
        if (!conn_maybe_close(c) && !c->head && conn_output_len(c) == 0) conn_free(c, "eof");
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

static void conn_describe_peer(conn *c, struct sockaddr *sa) {
    char host[64] = "", port[16] = "";
    if (sa->sa_family == AF_UNIX) {
        snprintf(c->peer, sizeof c->peer, "unix");
        return;
    }
    getnameinfo(sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                host, sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(c->peer, sizeof c->peer, "%s:%s", host, port);
}

void conn_open(server *s, int fd, struct sockaddr *sa) {
    conn *c = lede_calloc(1, sizeof *c);
    c->s = s;
    c->id = ++s->next_id;
    conn_describe_peer(c, sa);
    peer_key_of(sa, c->addr);
    /* Over TLS only the loop's bufferevent may write to the socket, so
     * the connection's wire is loop-only: every reply takes the loop. */
    if (s->tls) {
        c->bev = tls_accept_bev(s->tls, s->base, fd);
        c->wire = wire_new(-1);
        c->tls_handshaking = 1;
    } else {
        c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
        c->wire = wire_new(fd);
    }
    if (!c->bev) {
        log_msg(LOG_LEVEL_WARN, "conn %llu %s: cannot set up its socket", (unsigned long long)c->id,
                c->peer);
        wire_unref(c->wire);
        free(c);
        return;
    }
    c->next_seq = 1;
    wire_open(c->wire, 1);
    bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    admit_open(c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, s->cfg->max_line + 2);
    bufferevent_setwatermark(c->bev, EV_WRITE, s->cfg->max_output / 2, 0);
    double t = s->cfg->idle_timeout;
    if (c->tls_handshaking && (t <= 0 || s->cfg->tls_handshake_timeout < t))
        t = s->cfg->tls_handshake_timeout;
    conn_set_timeouts(c, t);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->nconns++;
    s->stats.conns_total++;
    log_msg(LOG_LEVEL_DEBUG, "conn %llu %s opened", (unsigned long long)c->id, c->peer);
}
