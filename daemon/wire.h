/* wire.h -- a connection's socket as shared by the event loop and the
 * query workers, so that a worker can write its reply straight to the
 * client instead of handing it back to the loop first (on this project's
 * machines a loop thread woken from sleep costs about 80 µs before the
 * reply could leave; see bench/results/query.md).
 *
 * Replies must leave in request order.  Each request of a connection has
 * a sequence number (1, 2, ...).  The loop opens the wire for one sequence
 * number when everything before it is on the socket and its own output
 * buffer is empty; a worker holding that number may then send its reply
 * directly, which opens the wire for the next number when the whole reply
 * went out.  Whenever the loop queues bytes itself it holds the wire
 * first.  A job's claim (handoff.h: LIVE, CANCELLED or SENT) is settled
 * under the wire's lock too, so a reply is never both sent by a worker and
 * replaced by the loop (a timeout). */
#ifndef LEDE_WIRE_H
#define LEDE_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct wire wire;

#define WIRE_NONE 0 /* no sequence number: the wire is held */

/* A wire on fd with one reference (the connection's).  fd -1: a
 * loop-only wire, never opened, so every reply goes through the loop (a
 * TLS connection: only its bufferevent may write to the socket). */
wire *wire_new(int fd);
void wire_ref(wire *w);
void wire_unref(wire *w);

/* Loop side. */
void wire_open(wire *w, uint64_t seq);  /* seq may be sent directly */
void wire_hold(wire *w);                /* nothing may be sent directly */
void wire_close(wire *w);               /* never again (before closing fd) */

/* Worker side: if seq is the one the wire is open for and *claim moves
 * from live to sent, writes what the socket takes of data without
 * blocking.  Returns the bytes written.  Once the claim is sent the loop
 * must not answer the request itself, and writes whatever is left. */
size_t wire_send(wire *w, uint64_t seq, _Atomic int *claim, const char *data,
                 size_t len);

/* Loop side: true when the reply of seq went whole through the wire (a
 * worker opened it for the next number).  What that worker wrote before
 * sending (the reply) may then be read; what it writes after (job.sent,
 * its hand-off) may not. */
int wire_passed(wire *w, uint64_t seq);
/* The same once a send under way has returned (it takes the wire's lock):
 * the client may have a reply whole before its worker has noted it. */
int wire_passed_settled(wire *w, uint64_t seq);

/* Claim states of a job's reply (handoff.h: the loop cancels with
 * handoff_abandon). */
enum { WIRE_LIVE = 0, WIRE_CANCELLED = 1, WIRE_SENT = 2 };

#endif
