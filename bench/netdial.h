/* netdial.h -- the client side the bench load generators share
 * (bench/loadgen.c for the line protocol, bench/httpgen.c for HTTP):
 * dialling HOST:PORT over TCP, optional TLS (the certificate unchecked),
 * a connection with its receive buffer, reading more into it and
 * dropping a reply once parsed.  What a reply looks like is the callers'
 * business: this file knows no protocol. */
#ifndef LEDE_BENCH_NETDIAL_H
#define LEDE_BENCH_NETDIAL_H

#include <stddef.h>
#include <sys/types.h>
#include <openssl/ssl.h>

typedef struct {
    int fd;
    SSL *ssl;             /* NULL: plain TCP */
    const void *user;     /* the caller's per-target settings */
    char *buf;            /* bytes received and not yet consumed */
    size_t cap, have;
} netdial_conn;

/* A TLS client context when the environment variable `env` is "1", else
 * NULL (plain); free with SSL_CTX_free (NULL is fine). */
SSL_CTX *netdial_tls_from_env(const char *env);

/* Connects to host:port (TLS when tls is not NULL); NULL on failure. */
netdial_conn *netdial_open(const char *host, const char *port, SSL_CTX *tls, const void *user);

/* Reads more bytes into c->buf; -1 when the buffer is full or the peer
 * closed or failed. */
int netdial_fill(netdial_conn *c);

ssize_t netdial_write(netdial_conn *c, const char *p, size_t n);

/* Drops the first len bytes of c->buf (a reply the caller has parsed). */
void netdial_consume(netdial_conn *c, size_t len);

void netdial_close(netdial_conn *c);

#endif
