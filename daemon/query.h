/* query.h -- runs one query job (SEARCH, COUNT, GET, SUGGEST) against the
 * index and formats its reply into the job: the engine calls and the
 * protocol replies of a worker.  A query_reader is one worker's read-only
 * view of the index (an engine reader);
 * it refreshes before every job, so what the indexer committed is seen by
 * the next query without a restart.  Owns no thread and no lock: the
 * pool (pool.h) runs it; it never touches queues, wires or connections. */
#ifndef LEDE_DAEMON_QUERY_H
#define LEDE_DAEMON_QUERY_H

#include <stdatomic.h>
#include <stdint.h>
#include "job.h"
#include "../src/engine.h"

/* The index figures the workers saw last, for STATS (answered by the loop
 * even when every worker is busy).  Written by any reader, read anywhere. */
typedef struct query_figures {
    atomic_uint_fast64_t articles, revision, bytes;
    atomic_int_fast64_t last_commit; /* Unix seconds (0: unknown) */
} query_figures;

typedef struct query_reader query_reader;

/* Opens the index for one worker; figures is shared by all of them (index
 * and figures must outlive the reader).  ro: how it reaches remote shards
 * (engine_reader_opts); a remote shard with no server that answers does
 * not stop it: the first worker logs a warning, and queries answer
 * ERR UNAVAILABLE until a server answers. */
int query_reader_open(query_reader **out, char *index, const engine_reader_opts *ro,
                      unsigned max_wildcard, query_figures *figures, char *err);
void query_reader_close(query_reader *q);
/* Publishes what this reader sees into the shared figures. */
void query_publish_figures(query_reader *q);
/* Answers the job's request: its reply (or error) ends up in j->reply. */
void query_run(query_reader *q, job *j);

#endif
