/* handoff.h -- how a query job's reply gets from a worker back to the
 * loop and to the client, and when the loop is woken for it.  (State
 * diagram: see the next commit.) */
#ifndef LEDE_DAEMON_HANDOFF_H
#define LEDE_DAEMON_HANDOFF_H

#include <stdatomic.h>
#include "job.h"
#include "../src/protocol.h"

struct event;
typedef struct server server;
typedef struct conn conn;
typedef struct pending pending;

/* The loop's side, in the server (server_state.h); loop thread only, but
 * wake_pending, which workers set. */
typedef struct handoff_loop {
    struct event *wake;        /* on wake_fd: finished jobs to collect */
    int wake_fd;               /* eventfd the workers write to wake the loop */
    atomic_int wake_pending;   /* a wake-up is on its way: no more writes */
    struct event *poll;        /* busy polling */
    struct event *batch;       /* read batching */
    struct event *collect;     /* collects quiet jobs while any are out */
    int jobs_out;              /* pool jobs not yet delivered */
    int quiet_out;             /* ... of which quiet (see submit) */
    int cores;
    double poll_since;         /* busy polling: when the last job went out */
} handoff_loop;

/* Sets up the loop's side (its events; the eventfd); -1, logged, if it
 * cannot.  handoff_loop_free undoes it (wake_fd -1: nothing to close). */
int handoff_loop_start(server *s);
void handoff_loop_free(server *s);
/* The notify callbacks of the pool and of the ingest writer (arg: the
 * server); called from their threads. */
void handoff_notify_loop(void *arg);
void handoff_notify_from_ingest(void *arg);
/* Sends a query (moved out of req) to the workers; its reply will take
 * p's place (BUSY when the queue is full). */
void handoff_submit_query(server *s, pending *p, proto_request *req);
/* Delivers every finished job, the pool's and the ingest writer's. */
void handoff_collect(server *s);
/* Something comes to wait on j's reply: a quiet job must wake the loop
 * after all.  Returns 1 when it had finished already (the wake event is
 * activated for it). */
int handoff_hurry(server *s, job *j);
/* The same for the job at the head of c's order, if any. */
void handoff_hurry_head(conn *c);
/* Nobody wants j's reply any more (time limit, connection gone): the
 * worker skips it if it has not started, the loop drops it when it comes
 * back.  Returns 0 when the worker had written its reply already. */
int handoff_abandon(job *j);
/* SIGTERM: from now on every finished job wakes the loop. */
void handoff_shutdown(server *s);

#endif
