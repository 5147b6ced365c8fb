/* admit.h -- when a connection's request may go to a thread, and how much
 * of the daemon one connection may take.  Loop thread only.
 *
 * READ-YOUR-WRITES.  A connection's queries go to the workers, its ingest
 * commands to the one writer; the two run side by side, so a COUNT sent
 * right behind a COMMIT could run before the commit.  Here a request of
 * one kind waits (deferred, its request kept in its pending) while the
 * connection has requests of the other kind out, or deferred before it;
 * when the last of those comes back, the deferred ones go, in order.  So
 * every request runs after the requests before it on its connection have
 * taken effect (docs/PROTOCOL.md).  Requests of one kind do not wait for
 * each other: queries run in parallel and replies still leave in order
 * (replies.h); ingest commands are applied in arrival order by the writer.
 *
 * FAIR SHARES.  A connection's queries wait in its own flow in the pool,
 * taken in turn with every other connection's (pool.h).  Its reading
 * pauses (conn.c) while it has --max-pipeline requests in flight, or its
 * requests in flight hold twice --max-line bytes, or it is held, or
 * --max-queued queries wait and one of its requests waits already (it is
 * read again when that one is answered; a connection with nothing waiting
 * is always read, and its query queued).
 *
 * MEMORY.  A connection owes its client the bytes in its output buffer
 * and the finished replies that wait for an earlier one (parked).  It is
 * held -- its reading paused, its waiting queries skipped by the workers
 * -- while it owes --max-output bytes or more, or while it owes anything
 * and all connections together owe --max-output-total or more.  It is let
 * go once its client has read enough.  A reply being built is bounded by
 * its request (limit, snippet) and at most one per worker is being built.
 * So the daemon's memory for clients stays under about max-output-total
 * plus, per connection, one largest reply and its requests in flight
 * (README.md, docs/PROTOCOL.md). */
#ifndef LEDE_DAEMON_ADMIT_H
#define LEDE_DAEMON_ADMIT_H

#include <stddef.h>
#include "server_state.h"

/* A new connection's flow and output accounting; admit_close undoes it
 * (before its bufferevent is freed). */
void admit_open(conn *c);
void admit_close(conn *c);
/* A parsed query (moved out of req) goes to the workers, or waits for
 * the connection's ingest commands before it. */
void admit_query(server *s, pending *p, proto_request *req);
/* The same for an ingest command and the writer. */
void admit_ingest(server *s, pending *p, proto_request *req);
/* p's job is no longer out (its reply came back, or it was abandoned at
 * the time limit); the requests deferred behind it may go (admit_release). */
void admit_job_back(pending *p);
/* p waited deferred and is answered without running (its time limit);
 * the requests deferred behind it may go (admit_release). */
void admit_drop_deferred(pending *p);
/* Sends the deferred requests of c that may go now, in order, up to the
 * first that must still wait; returns how many went.  Called once the
 * replies that came back have been flushed (replies_fill): a query
 * released right behind a COMMIT whose reply has left is then the
 * connection's only request (fresh: handoff.h), which a full queue never
 * refuses.  Released while the COMMIT's answered pending still stood at the
 * head, it was not, and got ERR BUSY under a flood (5 runs in 100). */
int admit_release(conn *c);
/* A pending's request bytes leave with it (replies_free). */
void admit_forget(pending *p);
/* Finished reply bytes waiting for an earlier reply (+) or written to
 * the output buffer (-). */
void admit_parked(conn *c, long delta);
/* Holds c or lets it go, as what it owes says. */
void admit_check_share(conn *c);

#endif
