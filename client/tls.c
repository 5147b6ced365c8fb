/* tls.c -- the client's TLS session (see tls.h).  Must not frame or
 * render replies (conn.c, render.c) nor print anything. */
#define _GNU_SOURCE
#include "tls.h"
#include "../src/util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctls {
    SSL_CTX *ctx;
    SSL *ssl;
};

static int ctls_fail(char *err, const char *what) {
    char why[256] = "";
    unsigned long e = ERR_get_error();
    if (e) ERR_error_string_n(e, why, sizeof why);
    else if (errno) snprintf(why, sizeof why, "%s", strerror(errno));
    else snprintf(why, sizeof why, "the server closed the connection");
    ERR_clear_error();
    return lede_seterr(err, "TLS: %s: %s", what, why);
}

static int ctls_setup_ctx(ctls *t, const ctls_opts *o, char *err) {
    if (!(t->ctx = SSL_CTX_new(TLS_client_method()))) return ctls_fail(err, "cannot set up");
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    if (o->insecure) {
        SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
        return LEDE_OK;
    }
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    if (o->ca && SSL_CTX_load_verify_locations(t->ctx, o->ca, NULL) != 1)
        return ctls_fail(err, o->ca);
    if (!o->ca && SSL_CTX_set_default_verify_paths(t->ctx) != 1)
        return ctls_fail(err, "the system's CA certificates");
    return LEDE_OK;
}

/* The name or address the server's certificate must hold; a name is also
 * sent as SNI. */
static int ctls_expect_host(ctls *t, const char *host, int insecure, char *err) {
    unsigned char addr[16];
    int is_ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
    if (!is_ip && SSL_set_tlsext_host_name(t->ssl, host) != 1) return ctls_fail(err, host);
    if (insecure) return LEDE_OK;
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) : X509_VERIFY_PARAM_set1_host(vp, host, 0);
    return ok == 1 ? LEDE_OK : ctls_fail(err, host);
}

/* Why the handshake failed: the certificate's check first, in words. */
static int ctls_handshake_error(ctls *t, const char *host, char *err) {
    long v = SSL_get_verify_result(t->ssl);
    if (v != X509_V_OK) {
        ERR_clear_error();
        return lede_seterr(err, "TLS: the server's certificate is not accepted for %s: %s "
                           "(--tls-ca FILE names the CA to trust)", host,
                           X509_verify_cert_error_string(v));
    }
    return ctls_fail(err, "handshake failed");
}

ctls *ctls_connect(int fd, const char *host, const ctls_opts *o, char *err) {
    ctls *t = lede_calloc(1, sizeof *t);
    errno = 0;
    int rc = ctls_setup_ctx(t, o, err);
    if (rc == LEDE_OK && !(t->ssl = SSL_new(t->ctx))) rc = ctls_fail(err, "cannot set up");
    if (rc == LEDE_OK && SSL_set_fd(t->ssl, fd) != 1) rc = ctls_fail(err, "cannot set up");
    if (rc == LEDE_OK) rc = ctls_expect_host(t, host, o->insecure, err);
    if (rc == LEDE_OK && SSL_connect(t->ssl) != 1) rc = ctls_handshake_error(t, host, err);
    if (rc != LEDE_OK) {
        SSL_free(t->ssl);
        SSL_CTX_free(t->ctx);
        free(t);
        return NULL;
    }
    return t;
}

ssize_t ctls_send(ctls *t, const char *p, size_t n, char *err) {
    errno = 0;
    int k = SSL_write(t->ssl, p, n > (size_t)1 << 30 ? 1 << 30 : (int)n);
    if (k > 0) return k;
    ctls_fail(err, "send");
    return -1;
}

ssize_t ctls_recv(ctls *t, char *p, size_t n, char *err) {
    errno = 0;
    int k = SSL_read(t->ssl, p, n > (size_t)1 << 30 ? 1 << 30 : (int)n);
    if (k > 0) return k;
    int e = SSL_get_error(t->ssl, k);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_SYSCALL && errno == 0) { /* closed without close_notify */
        ERR_clear_error();
        return 0;
    }
    if ((e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) ||
        e == SSL_ERROR_WANT_READ) {
        ERR_clear_error();
        lede_seterr(err, "no reply from the server in time");
        return -1;
    }
    ctls_fail(err, "recv");
    return -1;
}

int ctls_pending(ctls *t) {
    return SSL_pending(t->ssl);
}

void ctls_close(ctls *t) {
    if (!t) return;
    SSL_shutdown(t->ssl);
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    free(t);
}
