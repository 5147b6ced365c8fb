/* conn.h -- a client connection's life on the event loop: opened at
 * accept, its reading paused and resumed by the limits (requests in
 * flight, bytes queued), idle and write time-outs, half-closes, draining
 * after an error, and closing once everything owed is written.  Its input
 * is framing.h's, its replies replies.h's.  Loop thread only. */
#ifndef LEDE_DAEMON_CONN_H
#define LEDE_DAEMON_CONN_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include "server_state.h"

struct sockaddr;

/* A new connection on an accepted socket (listener.c checked the limit). */
void conn_open(server *s, int fd, struct sockaddr *sa);
void conn_free(conn *c, const char *why);
/* Bytes queued for the client and not yet taken by the socket. */
static inline size_t conn_output_len(conn *c) {
    return evbuffer_get_length(bufferevent_get_output(c->bev));
}
/* Closes a closing connection once everything owed has been written;
 * returns 1 when c was freed. */
int conn_maybe_close(conn *c);
/* True while c may take another request: under its caps on requests in
 * flight (--max-pipeline, and their bytes) and on what it owes its
 * client (admit.h). */
int conn_under_caps(conn *c);
/* Pauses or resumes reading as the limits say. */
void conn_update_reading(conn *c);
/* After a reply or a drained buffer: read again if the limits allow, and
 * parse the lines that may already be waiting in the input buffer. */
void conn_resume(conn *c);
/* Shutting down: read no more, close once what is owed is written. */
void conn_finish(conn *c);

#endif
