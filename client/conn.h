/* conn.h -- the client's connection to leded: connect to HOST:PORT or a
 * Unix socket path, send one request line, read one whole reply (a single
 * line, or status line + data lines up to END).  Blocking I/O with a
 * timeout, over TLS when asked (tls.h); knows the framing rules of docs/PROTOCOL.md, nothing more. */
#ifndef LEDE_CLIENT_CONN_H
#define LEDE_CLIENT_CONN_H

#include <stddef.h>
#include "tls.h"
#include "../src/util.h"

typedef struct lconn {
    int fd;
    ctls *tls;        /* NULL: plain */
    sbuf in;          /* bytes received, not yet consumed */
    size_t pos;
} lconn;

typedef struct reply {
    char **lines;     /* status line first; END not included */
    int n;
} reply;

/* addr: "HOST:PORT", or a path containing '/' for a Unix socket.  tls:
 * NULL for plain, else TLS with these checks (a Unix socket's server is
 * checked as "localhost"). */
int lconn_open(lconn *c, const char *addr, double timeout, const ctls_opts *tls, char *err);
void lconn_close(lconn *c);
/* Sends line (a '\n' is added); reads the reply.  multi: whether an OK
 * reply to this command continues up to END.  json: one line per reply. */
int lconn_request(lconn *c, const char *line, int multi, int json, reply *r,
                  char *err);
void reply_free(reply *r);

#endif
