/* netdial.c -- dialling, TLS and the receive buffer of the bench load
 * generators (see netdial.h); no protocol lives here. */
#define _GNU_SOURCE
#include "netdial.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

SSL_CTX *netdial_tls_from_env(const char *env) {
    const char *v = getenv(env);
    return v && !strcmp(v, "1") ? SSL_CTX_new(TLS_client_method()) : NULL; /* unchecked */
}

static int netdial_tcp(const char *host, const char *port) {
    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

netdial_conn *netdial_open(const char *host, const char *port, SSL_CTX *tls, const void *user) {
    int fd = netdial_tcp(host, port);
    if (fd < 0) return NULL;
    netdial_conn *c = calloc(1, sizeof *c);
    c->fd = fd;
    c->user = user;
    if (tls) {
        c->ssl = SSL_new(tls);
        SSL_set_fd(c->ssl, fd);
        if (SSL_connect(c->ssl) != 1) {
            SSL_free(c->ssl);
            close(fd);
            free(c);
            return NULL;
        }
    }
    c->cap = 1 << 20;
    c->buf = malloc(c->cap);
    return c;
}

int netdial_fill(netdial_conn *c) {
    if (c->have == c->cap) return -1;
    size_t room = c->cap - c->have;
    ssize_t k = c->ssl ? SSL_read(c->ssl, c->buf + c->have, (int)room) : read(c->fd, c->buf + c->have, room);
    if (k <= 0) return -1;
    c->have += (size_t)k;
    return 0;
}

ssize_t netdial_write(netdial_conn *c, const char *p, size_t n) {
    return c->ssl ? SSL_write(c->ssl, p, (int)n) : write(c->fd, p, n);
}

void netdial_consume(netdial_conn *c, size_t len) {
    memmove(c->buf, c->buf + len, c->have - len);
    c->have -= len;
}

void netdial_close(netdial_conn *c) {
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    close(c->fd);
    free(c->buf);
    free(c);
}
