/* httpgen.c -- load generator for leded's HTTP side (`make bench-http`):
 * GET /search over loopback HTTP/1.1 keep-alive, driven by bench/drive.c
 * (CONNECTIONS connections, one request in flight each, cycling through
 * the query file for SECONDS), the counterpart of bench/loadgen.c for the
 * line protocol.  OPTIONS are the line's SEARCH options ("limit=10
 * snippet=0"), sent as query parameters of the same names.  A reply is
 * read whole (its head, then Content-Length bytes); a status other than
 * 200 counts as an error.  Prints the figures of drive.h.
 * usage: httpgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]
 * HTTPGEN_TLS=1 in the environment: HTTPS (the certificate unchecked). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "netdial.h"

typedef struct {
    const char *host, *port;
    SSL_CTX *tls;              /* NULL: plain HTTP */
    char params[512];          /* "&limit=10&snippet=0" */
} httpgen_target;

static void *httpgen_open(void *ctx) {
    const httpgen_target *t = ctx;
    return netdial_open(t->host, t->port, t->tls, t);
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
static size_t httpgen_whole(const netdial_conn *c, int *status) {
    char *end = memmem(c->buf, c->have, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buf) + 4, body = 0;
    *status = atoi(c->buf + 9);
    char *cl = memmem(c->buf, head, "Content-Length:", 15);
    if (cl) body = strtoul(cl + 15, NULL, 10);
    return c->have >= head + body ? head + body : 0;
}

static int httpgen_reply(netdial_conn *c, int *ok) {
    for (;;) {
        int status = 0;
        size_t len = httpgen_whole(c, &status);
        if (len) {
            *ok = status == 200;
            netdial_consume(c, len);
            return 0;
        }
        if (netdial_fill(c) != 0) return -1;
    }
}

static int httpgen_query(void *conn, const char *q) {
    netdial_conn *c = conn;
    const httpgen_target *t = c->user;
    char enc[3000], req[4096];
    if (httpgen_encode(q, enc, sizeof enc) < 0) return 1;
    int ok, len = snprintf(req, sizeof req, "GET /search?q=%s%s HTTP/1.1\r\nHost: %s\r\n\r\n", enc,
                           t->params, t->host);
    if (len < 0 || (size_t)len >= sizeof req) return 1;
    if (netdial_write(c, req, (size_t)len) != len || httpgen_reply(c, &ok) != 0) return -1;
    return ok ? 0 : 1;
}

static void httpgen_close(void *conn) { netdial_close(conn); }

int main(int argc, char **argv) {
    char *hp;
    const char *port;
    if (drive_args("httpgen", "[OPTIONS]", argc, argv, &hp, &port) != 0) return 2;
    httpgen_target t = {hp, port, NULL, ""};
    t.tls = netdial_tls_from_env("HTTPGEN_TLS");
    const char *opts = argc > 5 ? argv[5] : "limit=10";
    size_t k = 0;
    for (const char *o = opts; *o && k + 2 < sizeof t.params; o++) { /* "a=1 b=2" -> "&a=1&b=2" */
        if (o == opts || (*o != ' ' && o[-1] == ' ')) t.params[k++] = '&';
        if (*o != ' ') t.params[k++] = *o;
    }
    t.params[k] = '\0';
    drive_engine e = {httpgen_open, httpgen_query, httpgen_close, &t};
    int rc = drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    SSL_CTX_free(t.tls);
    free(hp);
    return rc;
}
