/* loadgen.c -- load generator for leded (`make bench-query`, `make
 * bench-peers`): the lede line protocol over loopback TCP, driven by
 * bench/drive.c (CONNECTIONS connections, one request in flight each,
 * cycling through the query file for SECONDS).
 * usage: loadgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]
 * OPTIONS are SEARCH options, e.g. "limit=10 snippet=0"; "SIMILAR
 * limit=10 ..." sends SIMILAR LINE limit=10 ... instead, each line of
 * QUERYFILE an article id.  Prints the
 * figures of drive.h, the overall line last.  LOADGEN_TLS=1 in the
 * environment: every connection speaks TLS (the certificate unchecked),
 * for bench/tls.sh. */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/ssl.h>

#include "drive.h"

typedef struct {
    const char *host, *port, *options;
    SSL_CTX *tls;             /* NULL: plain */
} loadgen_target;

typedef struct {
    int fd;
    SSL *ssl;
    const char *options;
    char *buf;
    size_t cap, have;
} loadgen_conn;

static int loadgen_dial(const loadgen_target *t) {
    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(t->host, t->port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static void *loadgen_open(void *ctx) {
    const loadgen_target *t = ctx;
    int fd = loadgen_dial(t);
    if (fd < 0) return NULL;
    loadgen_conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    if (t->tls) {
        c->ssl = SSL_new(t->tls);
        SSL_set_fd(c->ssl, fd);
        if (SSL_connect(c->ssl) != 1) {
            SSL_free(c->ssl);
            close(fd);
            free(c);
            return NULL;
        }
    }
    c->options = t->options;
    c->cap = 1 << 20;
    c->buf = malloc(c->cap);
    return c;
}

static ssize_t loadgen_read(loadgen_conn *c, char *p, size_t n) {
    return c->ssl ? SSL_read(c->ssl, p, (int)n) : read(c->fd, p, n);
}

static ssize_t loadgen_write(loadgen_conn *c, const char *p, size_t n) {
    return c->ssl ? SSL_write(c->ssl, p, (int)n) : write(c->fd, p, n);
}

/* Reads one SEARCH reply (status line ... END, or one ERR line). */
static int loadgen_reply(loadgen_conn *c, int *ok) {
    for (;;) {
        char *end = NULL;
        if (c->have >= 4) {
            if (!memcmp(c->buf, "ERR", 3)) end = memchr(c->buf, '\n', c->have);
            else end = memmem(c->buf, c->have, "\nEND\n", 5), end = end ? end + 4 : NULL;
        }
        if (end) {
            *ok = c->buf[0] == 'O';
            size_t len = (size_t)(end - c->buf) + 1;
            memmove(c->buf, c->buf + len, c->have - len);
            c->have -= len;
            return 0;
        }
        if (c->have == c->cap) return -1;
        ssize_t k = loadgen_read(c, c->buf + c->have, c->cap - c->have);
        if (k <= 0) return -1;
        c->have += (size_t)k;
    }
}

static int loadgen_query(void *conn, const char *q) {
    loadgen_conn *c = conn;
    char req[4096];
    int ok, len = !strncmp(c->options, "SIMILAR ", 8)
                      ? snprintf(req, sizeof req, "SIMILAR %s %s\n", q, c->options + 8)
                      : snprintf(req, sizeof req, "SEARCH %s -- %s\n", c->options, q);
    if (len < 0 || (size_t)len >= sizeof req) return 1;
    if (loadgen_write(c, req, (size_t)len) != len || loadgen_reply(c, &ok) != 0) return -1;
    return ok ? 0 : 1;
}

static void loadgen_close(void *conn) {
    loadgen_conn *c = conn;
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
    free(c->buf);
    free(c);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: loadgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]\n");
        return 2;
    }
    char *hp;
    const char *port;
    if (drive_hostport("loadgen", argv[1], &hp, &port) != 0) return 2;
    loadgen_target t = {hp, port, argc > 5 ? argv[5] : "limit=10", NULL};
    const char *tls = getenv("LOADGEN_TLS");
    if (tls && !strcmp(tls, "1")) t.tls = SSL_CTX_new(TLS_client_method()); /* unchecked */
    drive_engine e = {loadgen_open, loadgen_query, loadgen_close, &t};
    int rc = drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    SSL_CTX_free(t.tls);
    free(hp);
    return rc;
}
