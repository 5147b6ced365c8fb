/* http.h -- leded's HTTP/1.1 side (docs/HTTP.md): a listener beside the
 * line protocol's on the same event loop, whose requests become the same
 * jobs for the same worker pool and ingest writer, with the same limits.
 * Where each part lives:
 *   http_conn.c   listening, accepting (counted with the line protocol's
 *                 --max-connections and per-address limit), a
 *                 connection's life, request heads and bodies, time-outs,
 *                 writing replies
 *   http_route.c  a request's method and path to what answers it;
 *                 query parameters into a proto_request; tokens
 *   http_job.c    requests as jobs on the pool or the writer, the query
 *                 time limit, POST /articles of JSON Lines
 *   http_reply.c  status codes from the protocol's error codes, the JSON
 *                 error object
 * Their shared state is http_state.h.  Loop thread only. */
#ifndef LEDE_DAEMON_HTTP_H
#define LEDE_DAEMON_HTTP_H

#include <stdint.h>
#include "peerkey.h"

typedef struct server server;

/* Listens on cfg->http_listen (nothing when NULL) and logs the address
 * ("listening on http HOST:PORT"); -1 (logged) when it cannot. */
int http_start(server *s);
/* SIGTERM: accepts no more; idle connections close, busy ones after
 * their reply. */
void http_stop_accepting(server *s);
/* Closes every HTTP connection now (their jobs are abandoned). */
void http_close_all(server *s, const char *why);
/* Frees the listener (after http_close_all). */
void http_free(server *s);
/* HTTP connections open, all and from one address. */
int http_conn_count(const server *s);
int http_from_address(const server *s, const uint8_t key[PEER_KEY_LEN]);

#endif
