/* peerkey.c -- a client address as the key it counts under (see
 * peerkey.h).  Owns nothing; must not keep state. */
#define _GNU_SOURCE
#include "peerkey.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* key[1..16] holds an IPv6 address: IPv4-mapped becomes the IPv4 key,
 * any other keeps its /64.  Keyed by its /64, an IPv4 client of a
 * dual-stack listener would share one key (all 0) with every other. */
static void peer_key_fold_v6(uint8_t key[PEER_KEY_LEN]) {
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(key + 1, v4mapped, sizeof v4mapped)) {
        uint8_t v4[4];
        memcpy(v4, key + 13, 4);
        memset(key, 0, PEER_KEY_LEN);
        key[0] = 4;
        memcpy(key + 1, v4, 4);
    } else {
        key[0] = 6;
        memset(key + 9, 0, 8);
    }
}

void peer_key(const char *peer, uint8_t key[PEER_KEY_LEN]) {
    char host[64];
    const char *colon = strrchr(peer, ':');
    size_t n = colon ? (size_t)(colon - peer) : strlen(peer);
    if (n >= sizeof host) n = sizeof host - 1;
    memcpy(host, peer, n);
    host[n] = '\0';
    memset(key, 0, PEER_KEY_LEN);
    if (inet_pton(AF_INET, host, key + 1) == 1) key[0] = 4;
    else if (inet_pton(AF_INET6, host, key + 1) == 1) peer_key_fold_v6(key);
    else key[0] = 1;
}

void peer_key_of(const struct sockaddr *sa, uint8_t key[PEER_KEY_LEN]) {
    memset(key, 0, PEER_KEY_LEN);
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        peer_key_fold_v6(key);
    } else {
        key[0] = 1;
    }
}
