/* fdlimit.h -- file descriptors enough for --max-connections: at start,
 * leded raises RLIMIT_NOFILE's soft limit to what it needs (up to the hard
 * limit); when even the hard limit is short, it says so and serves fewer
 * connections (the effective --max-connections), or refuses to start when
 * it could not hold even one.  Its own files are estimated at first:
 * FDLIMIT_BASE (standard streams, listeners, the loop's eventfds and
 * pipes, the reserve of listener.c) and FDLIMIT_PER_READER per worker and
 * for the ingest writer (a Glass database is about 6 files; one per shard
 * of a sharded index is opened per reader, hence the margin).  Owns the
 * limit only; touches no socket. */
#ifndef LEDE_DAEMON_FDLIMIT_H
#define LEDE_DAEMON_FDLIMIT_H

#include "server.h"

#define FDLIMIT_BASE 32
#define FDLIMIT_PER_READER 16

/* Raises the soft limit; lowers cfg->max_connections when it must (with
 * a log line saying what it can hold).  Returns 0, or -1 (logged) when
 * not even one connection fits. */
int fdlimit_fit(server_config *cfg);
/* The same once the index is open (the workers' readers and the writer),
 * from the descriptors open then: a sharded index holds a few a shard in
 * each reader (8 shards, 2 workers: 82 at start against the 64 estimated),
 * beyond the estimate.  Raises the limit again or lowers
 * cfg->max_connections further, with FDLIMIT_BASE kept for the
 * listeners, the reserve and tables opened later. */
int fdlimit_refit(server_config *cfg);

#endif
