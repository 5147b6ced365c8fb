/* tls.c -- the server side of TLS (see tls.h): one SSL_CTX for the
 * daemon's life, one SSL per accepted connection inside libevent's
 * OpenSSL bufferevent.  Must not read or write a connection's data (the
 * bufferevent does, for conn.c), nor decide when a connection closes. */
#define _GNU_SOURCE
#include "tls.h"
#include "../src/util.h"

#include <errno.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

struct tls_server {
    SSL_CTX *ctx;
};

/* OpenSSL's oldest queued error in words (and the queue emptied). */
static void tls_openssl_error(char *out, size_t size) {
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, out, size);
    else snprintf(out, size, "unknown error");
    ERR_clear_error();
}

/* A clear message for a file that cannot be read at all, before
 * OpenSSL's less readable ones. */
static int tls_check_readable(const char *flag, const char *path, char *err) {
    FILE *f = fopen(path, "r");
    if (!f) return lede_seterr(err, "%s %s: %s", flag, path, strerror(errno));
    fclose(f);
    return LEDE_OK;
}

/* True when path holds a PEM private key (of any certificate). */
static int tls_key_readable(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    EVP_PKEY_free(key);
    return key != NULL;
}

static int tls_load(SSL_CTX *ctx, const char *cert_path, const char *key_path, char *err) {
    char why[256];
    if (tls_check_readable("--tls-cert", cert_path, err) != LEDE_OK ||
        tls_check_readable("--tls-key", key_path, err) != LEDE_OK)
        return LEDE_ERR;
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
        tls_openssl_error(why, sizeof why);
        return lede_seterr(err, "--tls-cert %s: not a PEM certificate (%s)", cert_path, why);
    }
    if (!tls_key_readable(key_path)) {
        tls_openssl_error(why, sizeof why);
        return lede_seterr(err, "--tls-key %s: not a PEM private key (%s)", key_path, why);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        tls_openssl_error(why, sizeof why);
        return lede_seterr(err, "--tls-key %s does not match the certificate in %s (%s)", key_path,
                           cert_path, why);
    }
    return LEDE_OK;
}

tls_server *tls_server_new(const char *cert_path, const char *key_path, char *err) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        char why[256];
        tls_openssl_error(why, sizeof why);
        lede_seterr(err, "cannot set up TLS: %s", why);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* A connection's replies are queued in its bufferevent, which may
     * move them between writes: OpenSSL must accept a retried write from
     * another address. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
    /* An idle connection gives its record buffers back (about 34 KB
     * each way): a thousand idle TLS clients must not hold 70 MB. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (tls_load(ctx, cert_path, key_path, err) != LEDE_OK) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    tls_server *t = lede_calloc(1, sizeof *t);
    t->ctx = ctx;
    return t;
}

void tls_server_free(tls_server *t) {
    if (!t) return;
    SSL_CTX_free(t->ctx);
    free(t);
}

struct bufferevent *tls_accept_bev(tls_server *t, struct event_base *base, int fd) {
    /* OpenSSL's bufferevent sends a reply that spans several buffer
     * chains (an HTTP head, then its body) as several records, each its
     * own send(): with Nagle's algorithm the second waited for the
     * client's delayed ACK, 40 ms a reply (bench-http: HTTPS at 23 QPS
     * on one connection).  A Unix socket refuses the option, harmlessly. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL *ssl = SSL_new(t->ctx);
    if (!ssl) {
        ERR_clear_error();
        close(fd);
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (!bev) {
        SSL_free(ssl);
        close(fd);
        return NULL;
    }
    /* A client that closes its socket without close_notify has said all
     * it wanted: an end of input, as on a plain connection. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

void tls_describe_error(struct bufferevent *bev, char *out, size_t size) {
    unsigned long e = bufferevent_get_openssl_error(bev);
    if (e) {
        char why[256];
        ERR_error_string_n(e, why, sizeof why);
        snprintf(out, size, "TLS: %s", why);
        while (bufferevent_get_openssl_error(bev)) {
        }
        return;
    }
    int se = EVUTIL_SOCKET_ERROR();
    snprintf(out, size, "TLS: %s", se ? evutil_socket_error_to_string(se) : "connection reset");
}

void tls_shutdown_write(struct bufferevent *bev) {
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl) SSL_shutdown(ssl);
    shutdown(bufferevent_getfd(bev), SHUT_WR);
}
