/* loadgen.c -- load generator for leded (`make bench-query`, `make
 * bench-peers`): the lede line protocol over loopback TCP, driven by
 * bench/drive.c (CONNECTIONS connections, one request in flight each,
 * cycling through the query file for SECONDS; dialling and TLS are
 * bench/netdial.c's).
 * usage: loadgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]
 * OPTIONS are SEARCH options, e.g. "limit=10 snippet=0"; "SIMILAR
 * limit=10 ..." sends SIMILAR LINE limit=10 ... instead, each line of
 * QUERYFILE an article id.  Prints the
 * figures of drive.h, the overall line last.  LOADGEN_TLS=1 in the
 * environment: every connection speaks TLS (the certificate unchecked),
 * for bench/tls.sh. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drive.h"
#include "netdial.h"

typedef struct {
    const char *host, *port, *options;
    SSL_CTX *tls;             /* NULL: plain */
} loadgen_target;

static void *loadgen_open(void *ctx) {
    const loadgen_target *t = ctx;
    return netdial_open(t->host, t->port, t->tls, t->options);
}

/* Reads one SEARCH reply (status line ... END, or one ERR line). */
static int loadgen_reply(netdial_conn *c, int *ok) {
    for (;;) {
        char *end = NULL;
        if (c->have >= 4) {
            if (!memcmp(c->buf, "ERR", 3)) end = memchr(c->buf, '\n', c->have);
            else end = memmem(c->buf, c->have, "\nEND\n", 5), end = end ? end + 4 : NULL;
        }
        if (end) {
            *ok = c->buf[0] == 'O';
            netdial_consume(c, (size_t)(end - c->buf) + 1);
            return 0;
        }
        if (netdial_fill(c) != 0) return -1;
    }
}

static int loadgen_query(void *conn, const char *q) {
    netdial_conn *c = conn;
    const char *options = c->user;
    char req[4096];
    int ok, len = !strncmp(options, "SIMILAR ", 8)
                      ? snprintf(req, sizeof req, "SIMILAR %s %s\n", q, options + 8)
                      : snprintf(req, sizeof req, "SEARCH %s -- %s\n", options, q);
    if (len < 0 || (size_t)len >= sizeof req) return 1;
    if (netdial_write(c, req, (size_t)len) != len || loadgen_reply(c, &ok) != 0) return -1;
    return ok ? 0 : 1;
}

static void loadgen_close(void *conn) { netdial_close(conn); }
int main(int argc, char **argv) {
    char *hp;
    const char *port;
    if (drive_args("loadgen", "[OPTIONS]", argc, argv, &hp, &port) != 0) return 2;
    loadgen_target t = {hp, port, argc > 5 ? argv[5] : "limit=10", NULL};
    t.tls = netdial_tls_from_env("LOADGEN_TLS");
    drive_engine e = {loadgen_open, loadgen_query, loadgen_close, &t};
    int rc = drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    SSL_CTX_free(t.tls);
    free(hp);
    return rc;
}
