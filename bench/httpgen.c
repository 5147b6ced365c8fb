/* httpgen.c -- load generator for leded's HTTP side (`make bench-http`):
 * GET /search over loopback HTTP/1.1 keep-alive, driven by bench/drive.c
 * (CONNECTIONS connections, one request in flight each, cycling through
 * the query file for SECONDS), the counterpart of bench/loadgen.c for the
 * line protocol.  OPTIONS are the line's SEARCH options ("limit=10
 * snippet=0"), sent as query parameters of the same names.  A reply is
 * read whole (its head, then Content-Length bytes); a status other than
 * 200 counts as an error.  Prints the figures of drive.h.
 * usage: httpgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS] */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "drive.h"

typedef struct {
    const char *host, *port;
    char params[512];          /* "&limit=10&snippet=0" */
} httpgen_target;

typedef struct {
    int fd;
    const httpgen_target *t;
    char *buf;
    size_t cap, have;
} httpgen_conn;

static int httpgen_dial(const httpgen_target *t) {
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

static void *httpgen_open(void *ctx) {
    const httpgen_target *t = ctx;
    int fd = httpgen_dial(t);
    if (fd < 0) return NULL;
    httpgen_conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->t = t;
    c->cap = 1 << 20;
    c->buf = malloc(c->cap);
    return c;
}

/* Percent-encodes s into out (size n); returns its length, or -1. */
static int httpgen_encode(const char *s, char *out, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '-' || ch == '_' || ch == '.' || ch == '~';
        if (k + 4 >= n) return -1;
        if (plain) {
            out[k++] = (char)ch;
        } else {
            out[k++] = '%';
            out[k++] = hex[ch >> 4];
            out[k++] = hex[ch & 15];
        }
    }
    out[k] = '\0';
    return (int)k;
}

/* The bytes of the reply's head and body once both are in; 0 when more
 * are needed; *status gets its status code. */
static size_t httpgen_whole(const httpgen_conn *c, int *status) {
    char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buf) + 4, body = 0;
    *status = atoi(c->buf + 9);
    char *cl = memmem(c->buf, head, "Content-Length:", 15);
    if (cl) body = strtoul(cl + 15, NULL, 10);
    return c->have >= head + body ? head + body : 0;
}

static int httpgen_reply(httpgen_conn *c, int *ok) {
    for (;;) {
        int status = 0;
        size_t len = httpgen_whole(c, &status);
        if (len) {
            *ok = status == 200;
            memmove(c->buf, c->buf + len, c->have - len);
            c->have -= len;
            return 0;
        }
        if (c->have == c->cap) return -1;
        ssize_t k = read(c->fd, c->buf + c->have, c->cap - c->have);
        if (k <= 0) return -1;
        c->have += (size_t)k;
    }
}

static int httpgen_query(void *conn, const char *q) {
    httpgen_conn *c = conn;
    char enc[3000], req[4096];
    if (httpgen_encode(q, enc, sizeof enc) < 0) return 1;
    int ok, len = snprintf(req, sizeof req, "GET /search?q=%s%s HTTP/1.1\r\nHost: %s\r\n\r\n", enc,
                           c->t->params, c->t->host);
    if (len < 0 || (size_t)len >= sizeof req) return 1;
    if (write(c->fd, req, (size_t)len) != len || httpgen_reply(c, &ok) != 0) return -1;
    return ok ? 0 : 1;
}

static void httpgen_close(void *conn) {
    httpgen_conn *c = conn;
    close(c->fd);
    free(c->buf);
    free(c);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: httpgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]\n");
        return 2;
    }
    char *hp;
    const char *port;
    if (drive_hostport("httpgen", argv[1], &hp, &port) != 0) return 2;
    httpgen_target t = {hp, port, ""};
    const char *opts = argc > 5 ? argv[5] : "limit=10";
    size_t k = 0;
    for (const char *o = opts; *o && k + 2 < sizeof t.params; o++) { /* "a=1 b=2" -> "&a=1&b=2" */
        if (o == opts || (*o != ' ' && o[-1] == ' ')) t.params[k++] = '&';
        if (*o != ' ') t.params[k++] = *o;
    }
    t.params[k] = '\0';
    drive_engine e = {httpgen_open, httpgen_query, httpgen_close, &t};
    int rc = drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    free(hp);
    return rc;
}
