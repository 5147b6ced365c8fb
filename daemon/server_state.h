/* server_state.h -- the event loop's own state, shared by the loop's
 * files and private to them: the server, its connections and the replies
 * each connection owes.  Which file writes which part is noted at each
 * field.  Only the loop thread touches these structs; the workers and the
 * ingest writer see jobs (job.h), wires (wire.h) and the hand-off
 * (handoff.h), never a conn or a pending. */
#ifndef LEDE_DAEMON_SERVER_STATE_H
#define LEDE_DAEMON_SERVER_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "handoff.h"
#include "ingest.h"
#include "peerkey.h"
#include "job.h"
#include "pool.h"
#include "server.h"
#include "stats.h"
#include "wire.h"
#include "../src/protocol.h"
#include "../src/util.h"

struct event;
struct event_base;
struct bufferevent;
struct evbuffer_cb_entry;
struct evconnlistener;

typedef struct server server;
typedef struct conn conn;

/* A reply a connection owes, in request order (replies.c). */
typedef struct pending {
    conn *c;
    sbuf reply;
    int done;
    int close_after;          /* QUIT, TOOLONG: close once this is written */
    uint64_t seq;             /* number on the connection, from 1 */
    size_t skip;              /* bytes of the reply a worker wrote already */
    job *job;                 /* with a worker; NULL once answered */
    proto_request *deferred;  /* admit.h: waiting for the other kind's jobs */
    int deferred_ingest;      /* ... and it is an ingest command */
    size_t req_bytes;         /* its request's bytes, while in flight (admit.c) */
    size_t parked;            /* its finished reply's bytes waiting for an
                                 earlier reply (admit.c) */
    struct event *timer;      /* query time limit */
    struct pending *next;
} pending;

/* One client (conn.c; its input is framing.c's, its replies replies.c's). */
struct conn {
    server *s;
    struct bufferevent *bev;
    wire *wire;               /* the socket, shared with workers */
    uint64_t next_seq;        /* the next request's number */
    uint64_t id;
    char peer[80];
    uint8_t addr[PEER_KEY_LEN]; /* what it counts under per address (listener.c) */
    int json;
    pending *head, *tail;
    int inflight;             /* requests not yet written back */
    int closing;              /* no more reading; close when flushed */
    int paused;               /* reading paused by a limit */
    int processing;           /* inside framing_process */
    int draining;             /* after TOOLONG: discard input until EOF */
    int shut;                 /* our side shut down for writing */
    int authed;               /* AUTH succeeded: ingest commands allowed */
    int may_read;             /* AUTH with the read or ingest token (--read-token) */
    int auth_failures;
    /* admit.c: read-your-writes, shares of the workers and of memory */
    pool_flow *flow;          /* its queries waiting for a worker */
    struct evbuffer_cb_entry *output_cb;
    int queries_out;          /* jobs with the workers ... */
    int ingest_out;           /* ... and with the writer */
    int deferred;             /* requests waiting for the other kind's */
    size_t req_bytes;         /* request bytes in flight */
    size_t parked;            /* finished reply bytes waiting their turn */
    int held;                 /* owes too much: not read, its queries wait */
    int low_priority;         /* conn.c: pipelining, its events after others' */
    proto_request *put;       /* PUT waiting for its article bytes */
    pending *put_reply;       /* ... and its place in the reply order */
    size_t drained;
    conn *prev, *next;
};

struct server {
    const server_config *cfg;
    struct event_base *base;
    struct evconnlistener *tcp, *local; /* listener.c */
    struct event *sigterm, *sigint;     /* server.c */
    struct event *grace;       /* listener.c, after SIGTERM: force-close what is left */
    struct event *relisten;    /* listener.c, after accept failed: listen again later */
    handoff_loop ho;           /* handoff.c: the loop's side of the reply hand-off */
    pool *pool;
    ingest *ingest;            /* NULL: ingest is off */
    conn *conns;               /* conn.c */
    int nconns;
    size_t owed_total;         /* admit.c: what all connections owe their clients */
    int nheld;                 /* admit.c: connections held */
    uint64_t next_id;
    double started;
    int shutting_down;         /* listener.c */
    struct authguard *auth_guard; /* dispatch.c: failed AUTH across connections */
    struct http_server *http;  /* http_conn.c; NULL: no HTTP */
    server_stats stats;        /* stats.c; counters bumped where things happen */
};

#endif
