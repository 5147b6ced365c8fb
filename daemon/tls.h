/* tls.h -- the daemon's TLS: the server's OpenSSL context made from
 * --tls-cert and --tls-key (checked at start, before anything listens),
 * and the OpenSSL bufferevent an accepted socket gets when TLS is on
 * (a line connection, conn.c, or an HTTPS one, http_conn.c).
 * Every byte of a TLS connection goes through that bufferevent on the
 * loop thread: workers never write to such a socket (conn.c gives it a
 * loop-only wire, wire.h).  Owns OpenSSL's objects only; must not touch
 * connections' state (conn.c) or parse anything. */
#ifndef LEDE_DAEMON_TLS_H
#define LEDE_DAEMON_TLS_H

#include <event2/bufferevent.h>

typedef struct tls_server tls_server;

/* The context of cert_path (PEM, the server's certificate first, then
 * its chain) and key_path (PEM).  NULL with a message in err when a file
 * is missing or unreadable, is not PEM, or the key does not match. */
tls_server *tls_server_new(const char *cert_path, const char *key_path, char *err);
void tls_server_free(tls_server *t);

/* An OpenSSL bufferevent accepting a handshake on fd (closed with it).
 * NULL when OpenSSL cannot make one (fd is then closed). */
struct bufferevent *tls_accept_bev(tls_server *t, struct event_base *base, int fd);

/* What went wrong on a TLS bufferevent that reported BEV_EVENT_ERROR, in
 * words for the log (OpenSSL's queued errors, else the socket's). */
void tls_describe_error(struct bufferevent *bev, char *out, size_t size);

/* Sends close_notify and shuts the socket's sending side: the TLS form
 * of shutdown(SHUT_WR), once everything owed has been written. */
void tls_shutdown_write(struct bufferevent *bev);

#endif
