/* conn.h -- the client's connection to leded: connect to HOST:PORT or a
 * Unix socket path, send one request line, read one whole reply (a single
 * line, or status line + data lines up to END).  Blocking I/O with a
 * timeout; knows the framing rules of docs/PROTOCOL.md, nothing more. */
#ifndef LEDE_CLIENT_CONN_H
#define LEDE_CLIENT_CONN_H

#include <stddef.h>
#include "../src/util.h"

typedef struct lconn {
    int fd;
    sbuf in;          /* bytes received, not yet consumed */
    size_t pos;
} lconn;

typedef struct reply {
    char **lines;     /* status line first; END not included */
    int n;
} reply;

/* addr: "HOST:PORT", or a path containing '/' for a Unix socket. */
int lconn_open(lconn *c, const char *addr, double timeout, char *err);
void lconn_close(lconn *c);
/* Sends line (a '\n' is added); reads the reply.  multi: whether an OK
 * reply to this command continues up to END.  json: one line per reply. */
int lconn_request(lconn *c, const char *line, int multi, int json, reply *r,
                  char *err);
void reply_free(reply *r);

#endif
