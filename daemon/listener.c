/* listener.c -- listening, accepting and shutting down (see listener.h).
 * Owns the listeners, the relisten and grace timers, shutting_down and
 * the reserve descriptor; hands each accepted socket to conn.c and must
 * not touch a connection's buffers or replies.
 *
 * Out of file descriptors (EMFILE/ENFILE), a client would sit in the
 * kernel's backlog unanswered for as long as the daemon stays full.  So
 * one descriptor (/dev/null) is held in reserve: when accept fails for
 * want of descriptors, the reserve is closed, the waiting clients are
 * accepted one at a time, told "ERR BUSY" and closed, and the reserve is
 * taken again.  Only if that fails too does listening pause for a second. */
#define _GNU_SOURCE
#include "listener.h"
#include "conn.h"
#include "handoff.h"
#include "http.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SHUTDOWN_GRACE 10 /* seconds given to replies in flight at SIGTERM */
#define BUSY_PER_WAKE 256 /* clients answered BUSY per failed accept, at most */

/* One listener module a process: its reserve and log pacing are its own. */
static int reserve_fd = -1;
static double busy_logged_at = -1e9;
static unsigned long busy_unlogged;

/* Over TLS the line would be plaintext a TLS client cannot read: the
 * socket is only closed (the log says why). */
static void listener_refuse(server *s, evutil_socket_t fd, const char *msg) {
    if (!s->tls && send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* the client is gone already */
    }
    evutil_closesocket(fd);
}

/* Connections open from the address of key.  A walk over them all: one
 * comparison of 17 bytes a connection, a few µs an accept at a thousand,
 * where a table would have to follow every close. */
int listener_count_from(const server *s, const uint8_t key[PEER_KEY_LEN]) {
    int n = http_from_address(s, key);
    for (const conn *c = s->conns; c; c = c->next) n += !memcmp(c->addr, key, PEER_KEY_LEN);
    return n;
}

/* --max-connections-per-address: the Unix socket's clients are local and
 * share one key, so they are not counted (--max-connections bounds them).
 * One log line a second at most, with the refusals left out of the last. */
static int listener_address_full(server *s, struct sockaddr *sa) {
    static double logged_at = -1e9;
    static unsigned long unlogged;
    uint8_t key[PEER_KEY_LEN];
    if (s->cfg->max_per_address <= 0) return 0;
    peer_key_of(sa, key);
    if (peer_key_is_local(key)) return 0;
    int n = listener_count_from(s, key);
    if (n < s->cfg->max_per_address) return 0;
    double now = lede_now();
    if (now - logged_at >= 1.0) {
        char host[64] = "?";
        if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)sa)->sin_addr, host, sizeof host);
        else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)sa)->sin6_addr, host, sizeof host);
        log_msg(LOG_LEVEL_WARN, "connection from %s refused: %d open from its address "
                "(--max-connections-per-address; %lu other refusal(s) since the last such line)",
                host, n, unlogged);
        logged_at = now;
        unlogged = 0;
    } else {
        unlogged++;
    }
    return 1;
}

static void listener_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                               struct sockaddr *sa, int salen, void *arg) {
    (void)l;
    (void)salen;
    server *s = arg;
    if (s->nconns + http_conn_count(s) >= s->cfg->max_connections) { /* HTTP's count too */
        listener_refuse(s, fd, "ERR LIMIT too many connections\n");
        log_msg(LOG_LEVEL_WARN, "connection refused: %d connections open", s->nconns + http_conn_count(s));
        return;
    }
    if (listener_address_full(s, sa)) {
        listener_refuse(s, fd, "ERR LIMIT too many connections from this address\n");
        return;
    }
    conn_open(s, fd, sa);
}

static void listener_grace_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    log_msg(LOG_LEVEL_WARN, "closing %d connection(s) still open %d s after the signal", s->nconns,
            SHUTDOWN_GRACE);
    while (s->conns) conn_free(s->conns, "shutdown");
    http_close_all(s, "shutdown");
    event_base_loopexit(s->base, NULL);
}

void listener_on_signal(evutil_socket_t sig, short what, void *arg) {
    (void)what;
    server *s = arg;
    if (s->shutting_down) return;
    s->shutting_down = 1;
    handoff_shutdown(s);
    pool_stop_queries(s->pool); /* queries still running shortly after stop (pool.h) */
    log_msg(LOG_LEVEL_INFO, "signal %d: finishing %d connection(s), accepting no more", (int)sig, s->nconns);
    if (s->tcp) evconnlistener_disable(s->tcp);
    if (s->local) evconnlistener_disable(s->local);
    http_stop_accepting(s);
    for (conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        conn_finish(c);
    }
    if (s->nconns == 0 && http_conn_count(s) == 0) {
        event_base_loopexit(s->base, NULL);
        return;
    }
    struct timeval tv = {SHUTDOWN_GRACE, 0};
    s->grace = evtimer_new(s->base, listener_grace_cb, s);
    evtimer_add(s->grace, &tv);
}

/* accept() failed (out of file descriptors, say): pause listening for a
 * second instead of spinning on a listener that stays readable. */
static void listener_relisten_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    server *s = arg;
    if (s->shutting_down) return;
    if (s->tcp) evconnlistener_enable(s->tcp);
    if (s->local) evconnlistener_enable(s->local);
}

/* Clients waiting in l's backlog, answered ERR BUSY (over TLS only
 * closed) with the reserve's descriptor; returns how many. */
static int listener_refuse_waiting(server *s, struct evconnlistener *l) {
    static const char msg[] = "ERR BUSY the server is out of file descriptors, try again later\n";
    if (reserve_fd < 0) return 0;
    close(reserve_fd);
    reserve_fd = -1;
    int n = 0;
    evutil_socket_t lfd = evconnlistener_get_fd(l);
    for (; n < BUSY_PER_WAKE; n++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (!s->tls && send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
            /* the client is gone already */
        }
        close(fd);
    }
    reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return n;
}

static void listener_error_cb(struct evconnlistener *l, void *arg) {
    server *s = arg;
    int err = EVUTIL_SOCKET_ERROR();
    if ((err == EMFILE || err == ENFILE) && !s->shutting_down) {
        int n = listener_refuse_waiting(s, l);
        if (n > 0) { /* n == 0: the freed descriptor was taken; pause below, not spin */
            double now = lede_now();
            busy_unlogged += (unsigned long)n;
            if (now - busy_logged_at >= 1.0) {
                log_msg(LOG_LEVEL_WARN, "accept failed: %s (%d connections open): %lu client(s) "
                        "answered ERR BUSY and closed", evutil_socket_error_to_string(err),
                        s->nconns, busy_unlogged);
                busy_logged_at = now;
                busy_unlogged = 0;
            }
            if (reserve_fd >= 0) return;
        }
    }
    log_msg(LOG_LEVEL_WARN, "accept failed: %s; listening again in 1 s",
            evutil_socket_error_to_string(err));
    if (s->tcp) evconnlistener_disable(s->tcp);
    if (s->local) evconnlistener_disable(s->local);
    struct timeval tv = {1, 0};
    evtimer_add(s->relisten, &tv);
}

static int listener_tcp(server *s, const char *spec) {
    char host[256];
    const char *port;
    if (lede_host_port(spec, host, sizeof host, &port) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "--listen wants HOST:PORT, not '%s'", spec);
        return -1;
    }
    struct addrinfo hints = {0}, *ai;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        log_msg(LOG_LEVEL_ERROR, "%s: %s", spec, gai_strerror(rc));
        return -1;
    }
    s->tcp = evconnlistener_new_bind(s->base, listener_accept_cb, s,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 512,
                                     ai->ai_addr, (int)ai->ai_addrlen);
    freeaddrinfo(ai);
    if (s->tcp) evconnlistener_set_error_cb(s->tcp, listener_error_cb);
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

static int listener_unix(server *s, const char *path) {
    struct sockaddr_un sun = {0};
    if (strlen(path) >= sizeof sun.sun_path) {
        log_msg(LOG_LEVEL_ERROR, "socket path too long: %s", path);
        return -1;
    }
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path); /* stale */
    s->local = evconnlistener_new_bind(s->base, listener_accept_cb, s, LEV_OPT_CLOSE_ON_FREE, 512,
                                       (struct sockaddr *)&sun, sizeof sun);
    if (!s->local) {
        log_msg(LOG_LEVEL_ERROR, "cannot listen on %s: %s", path, strerror(errno));
        return -1;
    }
    evconnlistener_set_error_cb(s->local, listener_error_cb);
    log_msg(LOG_LEVEL_ALWAYS, "listening on unix %s", path);
    return 0;
}

int listener_start(server *s) {
    const server_config *cfg = s->cfg;
    if (reserve_fd < 0) reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    s->relisten = evtimer_new(s->base, listener_relisten_cb, s);
    if ((cfg->listen && listener_tcp(s, cfg->listen) != 0) ||
        (cfg->socket_path && listener_unix(s, cfg->socket_path) != 0))
        return -1;
    return 0;
}

void listener_close(server *s) {
    if (s->tcp) evconnlistener_free(s->tcp);
    if (s->local) {
        evconnlistener_free(s->local);
        unlink(s->cfg->socket_path);
    }
}

void listener_free(server *s) {
    if (reserve_fd >= 0) close(reserve_fd);
    reserve_fd = -1;
    if (s->grace) event_free(s->grace);
    if (s->relisten) event_free(s->relisten);
}
