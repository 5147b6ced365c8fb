/* listener.h -- where clients come in: the TCP and Unix-socket listeners,
 * accepting (LIMIT beyond max_connections), a pause after accept fails
 * (out of file descriptors, say), and the stop on SIGTERM/SIGINT with its
 * grace period.  Loop thread only. */
#ifndef LEDE_DAEMON_LISTENER_H
#define LEDE_DAEMON_LISTENER_H

#include <event2/util.h>
#include "server_state.h"

/* Listens where the configuration says and logs each address (scripts
 * take that line as "ready"); -1 (logged) when it cannot. */
int listener_start(server *s);
/* The SIGTERM/SIGINT callback: accept no more, finish the replies in
 * flight, force-close what is left after the grace period. */
void listener_on_signal(evutil_socket_t sig, short what, void *arg);
/* Connections open from the address of key, the line protocol's and
 * HTTP's (--max-connections-per-address). */
int listener_count_from(const server *s, const uint8_t key[PEER_KEY_LEN]);
/* Closes the listeners (and removes the Unix socket). */
void listener_close(server *s);
/* Frees the listeners' timers. */
void listener_free(server *s);

#endif
