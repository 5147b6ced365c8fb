/* conn.c -- blocking client connection to leded (see conn.h).  Prints
 * nothing and renders no reply (render.c). */
#define _GNU_SOURCE
#include "conn.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static double g_timeout = 30;

static int connect_unix(const char *path, char *err) {
    struct sockaddr_un sun = {0};
    if (strlen(path) >= sizeof sun.sun_path) return lede_seterr(err, "socket path too long");
    sun.sun_family = AF_UNIX;
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        lede_seterr(err, "cannot connect to %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static int connect_tcp(const char *addr, char *err) {
    char host[256];
    const char *port;
    if (lede_host_port(addr, host, sizeof host, &port) != LEDE_OK) {
        lede_seterr(err, "bad address '%s' (HOST:PORT or a socket path)", addr);
        return -1;
    }
    struct addrinfo hints = {0}, *ai, *a;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        lede_seterr(err, "%s: %s", addr, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        if (fd >= 0) close(fd);
        fd = -1;
    }
    if (fd < 0) lede_seterr(err, "cannot connect to %s: %s", addr, strerror(errno));
    freeaddrinfo(ai);
    return fd;
}

/* The host part of HOST:PORT ([v6] without its brackets); "localhost"
 * for a Unix socket. */
static void host_of(const char *addr, char *host, size_t size) {
    const char *port;
    if (strchr(addr, '/') || lede_host_port(addr, host, size, &port) != LEDE_OK || !host[0])
        snprintf(host, size, "localhost");
}

/* TLS over the connected socket; its time-outs bound every blocking
 * read and write OpenSSL makes. */
static int start_tls(lconn *c, const char *addr, const ctls_opts *tls, char *err) {
    struct timeval tv = {(time_t)g_timeout, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char host[256];
    host_of(addr, host, sizeof host);
    c->tls = ctls_connect(c->fd, host, tls, err);
    if (c->tls) return LEDE_OK;
    close(c->fd);
    c->fd = -1;
    return LEDE_ERR;
}

int lconn_open(lconn *c, const char *addr, double timeout, const ctls_opts *tls, char *err) {
    memset(c, 0, sizeof *c);
    sbuf_init(&c->in);
    g_timeout = timeout;
    c->fd = strchr(addr, '/') ? connect_unix(addr, err) : connect_tcp(addr, err);
    if (c->fd < 0) return LEDE_ERR;
    return tls ? start_tls(c, addr, tls, err) : LEDE_OK;
}

void lconn_close(lconn *c) {
    ctls_close(c->tls);
    c->tls = NULL;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    sbuf_free(&c->in);
}

static int send_all(lconn *c, const char *p, size_t n, char *err) {
    while (n) {
        if (c->tls) {
            ssize_t k = ctls_send(c->tls, p, n, err);
            if (k < 0) return LEDE_ERR;
            p += k;
            n -= (size_t)k;
            continue;
        }
        ssize_t k = send(c->fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return lede_seterr(err, "send: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    return LEDE_OK;
}

/* Next line (without LF) into a fresh string. */
static int read_line(lconn *c, char **out, char *err) {
    for (;;) {
        char *start = c->in.data ? c->in.data + c->pos : NULL;
        char *nl = start ? memchr(start, '\n', c->in.len - c->pos) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            if (n && start[n - 1] == '\r') n--;
            *out = lede_strndup(start, n);
            c->pos = (size_t)(nl - c->in.data) + 1;
            return LEDE_OK;
        }
        if (c->pos) { /* compact */
            memmove(c->in.data, c->in.data + c->pos, c->in.len - c->pos);
            c->in.len -= c->pos;
            c->pos = 0;
        }
        if (!c->tls || !ctls_pending(c->tls)) {
            struct pollfd pfd = {c->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, (int)(g_timeout * 1000));
            if (pr == 0) return lede_seterr(err, "no reply from the server within %.0f s", g_timeout);
            if (pr < 0 && errno == EINTR) continue;
            if (pr < 0) return lede_seterr(err, "poll: %s", strerror(errno));
        }
        sbuf_reserve(&c->in, 65536);
        if (c->tls) {
            ssize_t k = ctls_recv(c->tls, c->in.data + c->in.len, 65536, err);
            if (k == 0) return lede_seterr(err, "the server closed the connection");
            if (k < 0) return LEDE_ERR;
            c->in.len += (size_t)k;
            continue;
        }
        ssize_t k = recv(c->fd, c->in.data + c->in.len, 65536, 0);
        if (k == 0) return lede_seterr(err, "the server closed the connection");
        if (k < 0 && errno != EINTR) return lede_seterr(err, "recv: %s", strerror(errno));
        if (k > 0) c->in.len += (size_t)k;
    }
}

static void push(reply *r, char *line) {
    r->lines = lede_realloc(r->lines, sizeof(char *) * (size_t)(r->n + 1));
    r->lines[r->n++] = line;
}

int lconn_request(lconn *c, const char *line, int multi, int json, reply *r,
                  char *err) {
    memset(r, 0, sizeof *r);
    sbuf req;
    sbuf_init(&req);
    /* One request is one line: line breaks inside it become spaces. */
    for (const char *p = line; *p; p++) sbuf_putc(&req, *p == '\n' || *p == '\r' ? ' ' : *p);
    sbuf_putc(&req, '\n');
    int rc = send_all(c, req.data, req.len, err);
    sbuf_free(&req);
    if (rc != LEDE_OK) return rc;
    char *l;
    if (read_line(c, &l, err) != LEDE_OK) return LEDE_ERR;
    push(r, l);
    if (json || !multi || strncmp(l, "OK", 2)) return LEDE_OK;
    for (;;) {
        if (read_line(c, &l, err) != LEDE_OK) return LEDE_ERR;
        if (!strcmp(l, "END")) {
            free(l);
            return LEDE_OK;
        }
        push(r, l);
    }
}

void reply_free(reply *r) {
    for (int i = 0; i < r->n; i++) free(r->lines[i]);
    free(r->lines);
    memset(r, 0, sizeof *r);
}
