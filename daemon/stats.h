/* stats.h -- the daemon's counters and latency percentiles, and the STATS
 * reply built from them and from the figures the workers and the ingest
 * writer publish.  The loop answers STATS itself, so it works even when
 * every worker is busy.  Counters are bumped by the files where things
 * happen (connections, errors, time-outs, read batches); the latency ring
 * is written only through stats_note_query.  Loop thread only; never
 * calls the engine. */
#ifndef LEDE_DAEMON_STATS_H
#define LEDE_DAEMON_STATS_H

#include <stdint.h>
#include "job.h"
#include "../src/protocol.h"

#define STATS_LAT_RING 8192

typedef struct server server;
typedef struct pending pending;

typedef struct server_stats {
    uint64_t conns_total, queries, errors, timeouts;
    uint64_t read_batches;     /* waits for a backlog to drain (handoff.c) */
    uint64_t holds;            /* connections held for what they owe (admit.c) */
    uint32_t lat[STATS_LAT_RING]; /* query latencies, µs, the latest last */
    uint64_t nlat;
    uint64_t pct_nlat;         /* percentiles cached for this many samples */
    proto_stat pct[3];
} server_stats;

/* A query job came back: its latency goes into the ring, and a slow one
 * is logged. */
void stats_note_query(server *s, const job *j);
/* Answers STATS into p. */
void stats_reply(server *s, pending *p);
/* The STATS reply appended to out (HTTP's GET /stats). */
void stats_format(server *s, sbuf *out, int json);

#endif
