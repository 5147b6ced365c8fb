/* authguard.c -- the throttle on failed AUTH (see authguard.h).  Owns the
 * address table and the two kinds of bucket; must not touch a connection
 * or reply to anyone (dispatch.c does). */
#define _GNU_SOURCE
#include "authguard.h"
#include "log.h"
#include "peerkey.h"
#include "../src/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define AUTHGUARD_PROBE 8 /* slots looked at from an address's hash */

typedef struct bucket {
    double tokens; /* failures still allowed now */
    double at;     /* when tokens was last brought up to date */
} bucket;

typedef struct slot {
    uint8_t key[PEER_KEY_LEN]; /* peerkey.h; all 0: free */
    bucket b;
    int throttled;   /* said so in the log already */
} slot;

struct authguard {
    int burst, total;
    double window; /* seconds in which an empty bucket fills again */
    bucket all;
    slot *slots;
    double last_log;     /* the last per-address line */
    double all_logged;   /* the last whole-server line */
    unsigned unlogged; /* throttle starts not logged within the last second */
};

authguard *authguard_new(int burst, int total, double window) {
    authguard *g = lede_calloc(1, sizeof *g);
    g->window = window;
    g->burst = burst;
    g->total = total;
    g->all.tokens = total;
    g->all.at = lede_now();
    g->slots = lede_calloc(AUTHGUARD_SLOTS, sizeof *g->slots);
    g->last_log = g->all_logged = -1e9;
    return g;
}

void authguard_free(authguard *g) {
    if (!g) return;
    free(g->slots);
    free(g);
}

static void bucket_refill(bucket *b, int cap, double window, double now) {
    b->tokens += (now - b->at) * cap / window;
    if (b->tokens > cap) b->tokens = cap;
    b->at = now;
}

/* Seconds until the bucket holds a whole token again. */
static double bucket_wait(const bucket *b, int cap, double window) {
    return b->tokens >= 1 ? 0 : (1 - b->tokens) * window / cap;
}

/* The slot of an address; with create, a new one (evicting the slot near
 * it whose bucket was touched longest ago) when it has none. */
static slot *find_slot(authguard *g, const char *peer, int create, double now) {
    uint8_t key[PEER_KEY_LEN];
    peer_key(peer, key);
    size_t h = (size_t)lede_hash(key, sizeof key);
    slot *victim = NULL;
    for (size_t i = 0; i < AUTHGUARD_PROBE; i++) {
        slot *s = &g->slots[(h + i) % AUTHGUARD_SLOTS];
        if (s->key[0] && !memcmp(s->key, key, sizeof key)) return s;
        int free_slot = !s->key[0], victim_free = victim && !victim->key[0];
        if (!victim || (free_slot && !victim_free) || (!victim_free && s->b.at < victim->b.at))
            victim = s;
    }
    if (!create) return NULL;
    memcpy(victim->key, key, sizeof key);
    victim->b.tokens = g->burst;
    victim->b.at = now;
    victim->throttled = 0;
    return victim;
}

double authguard_wait(authguard *g, const char *peer, double now, const char **why) {
    bucket_refill(&g->all, g->total, g->window, now);
    slot *s = find_slot(g, peer, 0, now);
    double mine = 0;
    if (s) {
        bucket_refill(&s->b, g->burst, g->window, now);
        mine = bucket_wait(&s->b, g->burst, g->window);
        if (mine == 0) s->throttled = 0;
    }
    double all = bucket_wait(&g->all, g->total, g->window);
    *why = mine >= all ? "this address" : "this server";
    return mine > all ? mine : all;
}

/* One line when an address starts being throttled, at most one a second;
 * the ones left out are counted in the next. */
static void log_throttle(authguard *g, const char *peer, double now) {
    if (now - g->last_log < 1.0) {
        g->unlogged++;
        return;
    }
    const char *colon = strrchr(peer, ':');
    int hostlen = colon ? (int)(colon - peer) : (int)strlen(peer);
    log_msg(LOG_LEVEL_WARN, "AUTH throttled for %.*s after %d failed attempts (and for %u other "
            "address(es) since the last such line): its AUTH is refused for up to %.0f s",
            hostlen, peer, g->burst, g->unlogged, g->window / g->burst);
    g->unlogged = 0;
    g->last_log = now;
}

void authguard_failed(authguard *g, const char *peer, double now) {
    bucket_refill(&g->all, g->total, g->window, now);
    g->all.tokens -= 1;
    if (g->all.tokens < 1 && now - g->all_logged >= g->window) {
        g->all_logged = now;
        log_msg(LOG_LEVEL_WARN, "AUTH throttled for every address: %d failed attempts within "
                "%.0f s on this server", g->total, g->window);
    }
    slot *s = find_slot(g, peer, 1, now);
    bucket_refill(&s->b, g->burst, g->window, now);
    s->b.tokens -= 1;
    if (s->b.tokens < 1 && !s->throttled) {
        s->throttled = 1;
        log_throttle(g, peer, now);
    }
}

int authguard_same_token(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = na != nb;
    for (size_t i = 0; i < na; i++) diff |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return diff == 0;
}
