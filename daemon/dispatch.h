/* dispatch.h -- what a request line means: cheap commands answered at
 * once by the loop (PING, HELP, FORMAT, STATS, QUIT), AUTH, the ingest
 * commands (to the writer thread, ingest.h) and queries (to the workers,
 * through handoff.h).  Loop thread only. */
#ifndef LEDE_DAEMON_DISPATCH_H
#define LEDE_DAEMON_DISPATCH_H

#include <stddef.h>
#include "server_state.h"

/* One request line (without its end of line) from c. */
void dispatch_line(conn *c, const char *line, size_t len);
/* Hands an ingest request (moved out of req) to the writer; its reply
 * will take p's place (BUSY when the backlog is full). */
void dispatch_to_writer(server *s, pending *p, proto_request *req);

#endif
