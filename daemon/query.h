/* query.h -- runs one query job (SEARCH, COUNT, GET, SUGGEST) against the
 * index and formats its reply into the job: the engine calls and the
 * protocol replies of a worker.  A query_reader is one worker's read-only
 * view of the index (an engine reader);
 * it refreshes before every job, so what the indexer committed is seen by
 * the next query without a restart.  Owns no thread and no lock: the
 * pool (pool.h) runs it; it never touches queues, wires or connections.
 * A search runs within the job's deadline and the cost limits, and stops
 * when its reply is no longer wanted (the claim, read through handoff.h). */
#ifndef LEDE_DAEMON_QUERY_H
#define LEDE_DAEMON_QUERY_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "job.h"
#include "../src/engine.h"
#include "../src/search.h"

#define QUERY_FIELDS_MAX 256

/* The index figures the workers saw last, for STATS (answered by the loop
 * even when every worker is busy).  Written by any reader, read anywhere. */
typedef struct query_figures {
    atomic_uint_fast64_t articles, revision, bytes;
    atomic_int_fast64_t last_commit; /* Unix seconds (0: unknown) */
    /* Queries the workers stopped: at their deadline, cancelled (nobody
     * waits for the reply: its client left or was answered TIMEOUT, or
     * SIGTERM), refused before running (over a cost limit). */
    atomic_uint_fast64_t stopped, cancelled, refused;
    /* The value slots the readers hold for facets (engine_facet_memory):
     * bytes held now, all readers together; since start, slots not held
     * for --facet-memory, slots read whole, commits followed in part. */
    atomic_uint_fast64_t facet_bytes, facet_refused, facet_full_reads, facet_updates;
    /* The index's metadata fields as STATS shows them ("section:keyword,
     * words:number"; what fits), for the search page's facets. */
    pthread_mutex_t fields_mu;
    char fields[QUERY_FIELDS_MAX];
} query_figures;

typedef struct query_reader query_reader;

/* What every worker's queries share (must outlive the readers). */
typedef struct query_config {
    char *index;
    unsigned remote_timeout_ms; /* how readers reach remote shards */
    unsigned remote_backoff_ms;
    unsigned max_wildcard;
    unsigned facets_exact;      /* --facets-exact (0: always exact) */
    size_t facet_memory;        /* a reader's share of --facet-memory */
    search_cost max_cost;       /* the cost limits (0: none) */
    /* Set at SIGTERM: lede_now() in µs past which queries stop at their
     * next check (0: not stopping). */
    const atomic_llong *stop_at_us;
    query_figures *figures;     /* written by every reader */
} query_config;

/* Opens the index for one worker.  replica_seed: which replica of each
 * remote shard it uses first (engine_reader_opts).  A remote shard with
 * no server that answers does not stop it: the first worker logs a
 * warning, and queries answer ERR UNAVAILABLE until a server answers. */
int query_reader_open(query_reader **out, const query_config *cfg, unsigned replica_seed,
                      char *err);
void query_reader_close(query_reader *q);
/* Publishes what this reader sees into the shared figures. */
void query_publish_figures(query_reader *q);
/* Answers the job's request: its reply (or error) ends up in j->reply.
 * Past deadline (lede_now() seconds; 0: none), or once nobody wants the
 * reply (its claim CANCELLED, handoff.h) or the daemon stops, a search
 * stops at its next check (engine.h). */
void query_run(query_reader *q, job *j, double deadline);
/* Counts a job skipped before it ran, nobody wanting its reply. */
void query_note_cancelled(query_reader *q);

#endif
