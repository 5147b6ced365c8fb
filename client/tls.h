/* tls.h -- the client's side of TLS (lede --tls): a blocking OpenSSL
 * session over a connected socket that checks the server's certificate
 * against the system's CAs or --tls-ca, and its host name or address,
 * unless --tls-insecure.  Owns OpenSSL's objects only; knows nothing of
 * the protocol (conn.c) and links no engine. */
#ifndef LEDE_CLIENT_TLS_H
#define LEDE_CLIENT_TLS_H

#include <stddef.h>
#include <sys/types.h>

typedef struct ctls ctls;

typedef struct ctls_opts {
    const char *ca;      /* PEM file of trusted CAs; NULL: the system's */
    int insecure;        /* check nothing (a test server, a self-signed one) */
} ctls_opts;

/* Handshakes on fd (blocking; its time-outs set by the caller) with the
 * server named host (a name or an IP address, checked against its
 * certificate).  NULL with the reason in err. */
ctls *ctls_connect(int fd, const char *host, const ctls_opts *o, char *err);
/* Like send() and recv(): bytes moved, 0 from recv when the server
 * closed, -1 with err set on failure. */
ssize_t ctls_send(ctls *t, const char *p, size_t n, char *err);
ssize_t ctls_recv(ctls *t, char *p, size_t n, char *err);
/* Decrypted bytes already waiting (a poll on the socket would miss them). */
int ctls_pending(ctls *t);
/* Sends close_notify and frees the session (not the socket). */
void ctls_close(ctls *t);

#endif
