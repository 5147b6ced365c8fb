/* peerkey.h -- the key a client's address counts under, wherever leded
 * counts per address (the AUTH throttle, authguard.h; connections per
 * address, listener.c): an IPv4 address whole (also when it comes
 * IPv4-mapped, ::ffff:a.b.c.d, through a dual-stack [::] listener), an
 * IPv6 address by its first 64 bits (one host holds a /64), and every
 * Unix-socket client as one.  Pure functions; knows nothing of
 * connections. */
#ifndef LEDE_DAEMON_PEERKEY_H
#define LEDE_DAEMON_PEERKEY_H

#include <stdint.h>

#define PEER_KEY_LEN 17 /* a family byte (4, 6, or 1 for anything else) and the address */

struct sockaddr;

/* From "host:port" as conn.c writes a peer ("unix" for the Unix socket). */
void peer_key(const char *peer, uint8_t key[PEER_KEY_LEN]);
/* From an accepted socket's address. */
void peer_key_of(const struct sockaddr *sa, uint8_t key[PEER_KEY_LEN]);
/* True for the key of the Unix socket's clients. */
static inline int peer_key_is_local(const uint8_t key[PEER_KEY_LEN]) {
    return key[0] == 1;
}

#endif
