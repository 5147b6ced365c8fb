/* authguard.h -- the throttle on failed AUTH, across connections: a token
 * bucket per source address (IPv4 address, IPv6 /64, or "unix" for the
 * Unix socket) in a small bounded table, and one for the whole server.
 * Each failed AUTH takes a token from both; a bucket holds `burst` tokens
 * and refills completely in `window` seconds (leded --auth-window).  While either bucket
 * is empty, AUTH is refused without looking at the token (a guess is not
 * even tried) and the reply says how long to wait.  Nothing sleeps: the
 * loop answers at once.  One log line when an address starts being
 * throttled, itself at most one a second.  Owns the table only; knows
 * nothing of connections or sockets; the loop thread alone calls it. */
#ifndef LEDE_DAEMON_AUTHGUARD_H
#define LEDE_DAEMON_AUTHGUARD_H

#define AUTHGUARD_SLOTS 4096       /* addresses remembered; the least recent goes */

typedef struct authguard authguard;

/* burst: failures one address may make in a row; total: the whole server. */
authguard *authguard_new(int burst, int total, double window);
void authguard_free(authguard *g);

/* 0 when AUTH from peer ("host:port" or "unix") may be tried now; else
 * the seconds to wait, and why in why ("this address" or "this server"). */
double authguard_wait(authguard *g, const char *peer, double now, const char **why);

/* A wrong token from peer. */
void authguard_failed(authguard *g, const char *peer, double now);

/* 1 when the tokens are equal; the time taken does not depend on where
 * they differ (AUTH, HTTP's Bearer). */
int authguard_same_token(const char *a, const char *b);

#endif
