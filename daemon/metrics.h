/* metrics.h -- the daemon's figures in Prometheus' text exposition
 * format (version 0.0.4), for GET /metrics: the counters the loop keeps
 * (requests by command and outcome, errors by code, the query latency
 * histogram) and the gauges read when the page is asked for (connections,
 * the index's size and revision, uptime).  The counters live in the
 * server's stats (stats.h) and are written by the loop thread alone, so
 * they need no lock; this file only counts into them and renders.  Must
 * not read the server's state itself (stats.c gathers the gauges) nor
 * call the engine. */
#ifndef LEDE_DAEMON_METRICS_H
#define LEDE_DAEMON_METRICS_H

#include <stdint.h>
#include "../src/protocol.h"
#include "../src/util.h"

/* Upper bounds (seconds) of the latency histogram's buckets, from 0.5 ms
 * to 10 s; +Inf follows them. */
#define METRICS_BUCKETS 14
extern const double metrics_bucket_le[METRICS_BUCKETS];

/* Outcomes: 0 is "ok", then the protocol's error codes; the last is any
 * code this list does not know. */
#define METRICS_OUTCOMES 18
#define METRICS_CMDS ((int)PROTO_UNKNOWN + 1)

typedef struct metrics_counters {
    uint64_t requests[METRICS_CMDS][METRICS_OUTCOMES]; /* by command and outcome */
    uint64_t errors[METRICS_OUTCOMES];                 /* every error reply, by code */
    uint64_t latency[METRICS_BUCKETS + 1];             /* per bucket, not cumulative; +Inf last */
    double latency_sum;                                /* seconds */
} metrics_counters;

/* What is read when the page is asked for. */
typedef struct metrics_gauges {
    int connections_line, connections_http;
    uint64_t connections_total_line, connections_total_http;
    uint64_t articles, index_bytes, revision;
    double uptime_s;
    const char *version;
} metrics_gauges;

/* The outcome's index of an error code (NULL: ok). */
int metrics_outcome(const char *code);
/* A request of cmd answered with code (NULL: ok).  Errors are counted
 * by code too. */
void metrics_note_request(metrics_counters *m, proto_cmd cmd, const char *code);
/* An error reply with no command to count it under (a line that did not
 * parse). */
void metrics_note_error(metrics_counters *m, const char *code);
/* A query's time from its queueing to its reply, in seconds. */
void metrics_note_latency(metrics_counters *m, double seconds);

/* The whole exposition into out (appended). */
void metrics_render(sbuf *out, const metrics_counters *m, const metrics_gauges *g);
/* v as a label value: backslash, double quote and line feed escaped. */
void metrics_put_label_value(sbuf *out, const char *v);

/* The build's version (the Makefile's git describe), for lede_build_info. */
const char *metrics_version(void);

#endif
