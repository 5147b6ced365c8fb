/* server.h -- leded's network side: listeners (TCP, Unix socket),
 * connections, the line protocol's framing and limits, ordering of
 * pipelined replies, and shutdown.  Queries go to the worker pool; the
 * event loop itself never touches the index.  server.c says which file
 * holds which part; their shared state is server_state.h. */
#ifndef LEDE_SERVER_H
#define LEDE_SERVER_H

#include <stddef.h>

typedef struct server_config {
    const char *index;
    const char *listen;        /* HOST:PORT, or NULL */
    const char *socket_path;   /* Unix socket, or NULL */
    int workers;
    size_t max_line;           /* bytes; longer request: TOOLONG, close */
    int max_connections;
    int max_per_address;       /* connections from one address (peerkey.h); 0: no limit */
    double idle_timeout;       /* seconds without a request; 0: never */
    size_t max_output;         /* bytes owed to a client before it is held (admit.h) */
    size_t max_output_total;   /* bytes owed to all clients before those owing any are held */
    int max_pipeline;          /* requests in flight per connection before reading pauses */
    int max_queued;            /* jobs waiting for a worker before BUSY */
    double query_timeout;      /* seconds; 0: none */
    unsigned max_wildcard;     /* words one wildcard may expand to */
    unsigned facets_exact;     /* facets exact up to this many matches (0: always) */
    size_t facet_memory;       /* bytes all workers may hold of facets' value slots */
    /* A query's cost limits (search_cost, search.h; 0: none): terms,
     * phrases and NEARs, estimated postings and phrase positions. */
    unsigned max_query_terms, max_query_phrases, max_query_postings, max_query_positions;
    double remote_timeout;     /* seconds on a remote shard's server */
    double remote_backoff;     /* seconds a failed server is first passed over */
    unsigned max_limit;        /* most hits one SEARCH returns */
    double slow_query;         /* seconds; queries slower are logged */
    double busy_poll;          /* seconds the loop polls after a job goes out; 0: never */
    double read_batch;         /* seconds the loop may wait for a backlog to drain; 0: never */
    double worker_spin;        /* seconds an idle worker waits awake for a job; 0: never */
    int log_level;             /* 0 error, 1 warn, 2 info, 3 debug */
    const char *ingest_token;  /* NULL: ingest commands are off */
    double commit_interval;    /* ingest: seconds before changes are committed, at most */
    double commit_settle;      /* ingest: ... and once no change has come for this long */
    size_t max_article;        /* PUT: largest article in bytes */
    int max_backlog;           /* ingest jobs waiting for the writer before BUSY */
    int auth_failures;         /* failed AUTH one address may make before the throttle */
    int auth_failures_total;   /* ... and the whole server (authguard.h) */
    double auth_window;        /* seconds in which those allowances come back */
    const char *tls_cert;      /* PEM files: TLS on every listener; NULL: plain */
    const char *tls_key;
    double tls_handshake_timeout; /* seconds a TLS handshake may take */
    const char *read_token;    /* NULL: searching needs no token (else AUTH / Bearer) */
    /* HTTP (docs/HTTP.md): */
    const char *http_listen;   /* HOST:PORT, or NULL: no HTTP */
    double http_timeout;       /* seconds a request may take to arrive, or a
                                  keep-alive connection stay idle */
    size_t max_http_header;    /* bytes of a request's head; more: 431 */
    size_t max_http_batch;     /* bytes of POST /articles' JSON Lines; more: 413 */
} server_config;

/* Runs until SIGTERM/SIGINT, then finishes the replies in flight and
 * returns 0; returns 1 (message on stderr) if it cannot start. */
int server_run(const server_config *cfg);

#endif
