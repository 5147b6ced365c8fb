/* replies.h -- the replies a connection owes, kept in request order: a
 * place in the order for each request (a pending), answered at once or
 * when its job comes back, written out strictly in order, and the wire
 * (wire.h) opened for a worker whose reply is next in line.  Also the
 * query time limit (TIMEOUT in the request's place).  Loop thread only. */
#ifndef LEDE_DAEMON_REPLIES_H
#define LEDE_DAEMON_REPLIES_H

#include "server_state.h"

/* A new place at the end of c's order (the next sequence number). */
pending *replies_add(conn *c);
/* Frees one pending, abandoning its job if a worker still has it. */
void replies_free(pending *p);
/* Answers p with an error (counted in STATS' errors). */
void replies_error(pending *p, const char *code, const char *msg);
/* Starts p's query time limit, if there is one. */
void replies_start_timer(pending *p);
/* p's job came back: its reply (of which a worker may have written a
 * part, or all) takes p's place, and what is ready goes out. */
void replies_fill(pending *p, job *j);
/* Writes the finished replies at the head of c's order, in order. */
void replies_flush(conn *c);
/* The same, then sends the requests that waited for the jobs that came
 * back (admit_release), so that the first of them stands at the head. */
void replies_flush_release(conn *c);
/* Lets a worker write the next reply itself when everything before it
 * is on the socket; holds the wire otherwise. */
void replies_sync_wire(conn *c);

#endif
