/* server.c -- leded's event loop (see server.h): sets it up, runs it and
 * takes it down.  One libevent loop owns every socket and every
 * connection's state; requests are framed into lines, cheap commands are
 * answered at once, index commands become jobs for the worker pool or the
 * ingest writer, and replies are written strictly in request order (a
 * worker may write its reply itself when it is next in line: wire.h).
 * Limits: line length (TOOLONG, then close), connections, all and from
 * one address (LIMIT at accept), requests in flight and bytes queued per connection (reading
 * pauses until they drain), idle time, and per-query time (TIMEOUT).
 *
 * Where each part lives:
 *   listener.c  listening, accepting, SIGTERM and its grace period
 *   conn.c      a connection's life, backpressure, time-outs
 *   framing.c   input bytes to lines and PUT blocks
 *   dispatch.c  a line to a command; AUTH and ingest commands
 *   authguard.c the throttle on failed AUTH across connections
 *   peerkey.c   the key a client address counts under (AUTH throttle,
 *               --max-connections-per-address)
 *   fdlimit.c   RLIMIT_NOFILE fitted to --max-connections (from main.c)
 *   replies.c   replies in request order; the query time limit
 *   admit.c     when a request may go to a thread (read-your-writes); each
 *               connection's share of the workers and of memory
 *   handoff.c   jobs to the workers and back; when the loop is woken
 *   stats.c     counters, percentiles, the STATS reply
 *   tls.c       TLS: the certificate and key, OpenSSL bufferevents
 *   http*.c     HTTP/1.1 beside the line protocol (http.h)
 * This file only starts and stops them; it must not handle requests. */
#define _GNU_SOURCE
#include "server.h"
#include "authguard.h"
#include "conn.h"
#include "fdlimit.h"
#include "handoff.h"
#include "http.h"
#include "listener.h"
#include "log.h"
#include "server_state.h"
#include "tls.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void server_teardown(server *s) {
    while (s->conns) conn_free(s->conns, "shutdown");
    http_close_all(s, "shutdown");
    http_free(s);
    listener_close(s);
    /* The writer first: it may still be applying commands of clients that
     * left, and each it finishes kicks the pool's hand-off (handoff_kick),
     * which pool_stop frees. */
    ingest_stop(s->ingest);
    pool_stop(s->pool);
    /* Only this thread is left.  Freeing the signal events puts back the
     * default action, and a second SIGTERM (a supervisor's, or a test's
     * that saw the process still there) would then kill a daemon that is
     * already exiting cleanly: block them for the little time left. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    handoff_loop_free(s);
    listener_free(s);
    if (s->sigterm) event_free(s->sigterm);
    if (s->sigint) event_free(s->sigint);
    if (s->base) event_base_free(s->base);
    authguard_free(s->auth_guard);
    tls_server_free(s->tls);
}

/* The workers and the writer; they wake the loop through handoff.c. */
static int server_start_threads(server *s) {
    const server_config *cfg = s->cfg;
    char err[LEDE_ERRLEN];
    if (cfg->ingest_token && ingest_start(&s->ingest, cfg->index, cfg->commit_interval, cfg->commit_settle,
                                          handoff_notify_from_ingest, s, err) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "cannot take the index for ingest: %s", err);
        return -1;
    }
    if (s->ingest && getenv("LEDE_TEST_HOLD")) ingest_set_test_hold(s->ingest, getenv("LEDE_TEST_HOLD"));
    pool_config pc = {.index = cfg->index, .workers = cfg->workers, .max_wildcard = cfg->max_wildcard,
                      .facets_exact = cfg->facets_exact, .facet_memory = cfg->facet_memory,
                      .remote_timeout_ms = (unsigned)(cfg->remote_timeout * 1000 + 0.5),
                      .remote_backoff_ms = (unsigned)(cfg->remote_backoff * 1000 + 0.5),
                      .query_timeout = cfg->query_timeout,
                      .max_cost = {.terms = cfg->max_query_terms, .phrases = cfg->max_query_phrases,
                                   .postings = cfg->max_query_postings,
                                   .positions = cfg->max_query_positions},
                      .spin = cfg->worker_spin, .test_hold = getenv("LEDE_TEST_HOLD"),
                      .notify = handoff_notify_loop, .notify_arg = s};
    if (pool_start(&s->pool, &pc, err) != LEDE_OK) {
        log_msg(LOG_LEVEL_ERROR, "%s", err);
        return -1;
    }
    s->ho.workers = pool_handoff(s->pool);
    return 0;
}

int server_run(const server_config *given) {
    server_config own = *given; /* fdlimit_refit may lower max_connections */
    const server_config *cfg = &own;
    server s;
    memset(&s, 0, sizeof s);
    s.ho.wake_fd = -1;
    s.cfg = cfg;
    log_set_level(cfg->log_level);
    s.started = lede_now();
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    s.base = event_base_new();
    int rc = 1;
    if (!s.base) {
        log_msg(LOG_LEVEL_ERROR, "cannot create the event loop");
        return 1;
    }
    event_base_priority_init(s.base, 3); /* events default to 1; batching, collecting
                                            and pipelining connections are 2 */
    if (cfg->tls_cert) { /* a bad certificate or key stops the start, before listening */
        char err[LEDE_ERRLEN];
        if (!(s.tls = tls_server_new(cfg->tls_cert, cfg->tls_key, err))) {
            log_msg(LOG_LEVEL_ERROR, "%s", err);
            event_base_free(s.base);
            return 1;
        }
    }
    s.auth_guard = authguard_new(cfg->auth_failures, cfg->auth_failures_total,
                                 cfg->auth_window);
    if (handoff_loop_start(&s) != 0 || server_start_threads(&s) != 0 || fdlimit_refit(&own) != 0)
        goto out;
    /* The handlers go in before the listening line is logged: scripts
     * (and the tests) take that line as "ready", and a SIGTERM sent just
     * after it must stop the daemon cleanly, not kill it. */
    s.sigterm = evsignal_new(s.base, SIGTERM, listener_on_signal, &s);
    s.sigint = evsignal_new(s.base, SIGINT, listener_on_signal, &s);
    event_add(s.sigterm, NULL);
    event_add(s.sigint, NULL);
    if (listener_start(&s) != 0 || http_start(&s) != 0) goto out;
    log_msg(LOG_LEVEL_INFO, "serving %s with %d workers, busy poll %.0f us", cfg->index, cfg->workers,
            cfg->busy_poll * 1e6);
    event_base_dispatch(s.base);
    log_msg(LOG_LEVEL_INFO, "stopped after %llu queries", (unsigned long long)s.stats.queries);
    rc = 0;
out:
    server_teardown(&s);
    return rc;
}
