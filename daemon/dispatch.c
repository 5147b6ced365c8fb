/* dispatch.c -- a request line to a command (see dispatch.h), AUTH and
 * the ingest commands' checks.  Must not read the input buffer beyond a
 * PUT's hand-over (framing.c) nor write to the socket (replies.c). */
#define _GNU_SOURCE
#include "dispatch.h"
#include "admit.h"
#include "authguard.h"
#include "framing.h"
#include "log.h"
#include "replies.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_AUTH_FAILURES 3

void dispatch_to_writer(server *s, pending *p, proto_request *req) {
    admit_ingest(s, p, req); /* after the connection's queries before it */
}

/* A wrong token, or one not even tried because of the throttle: after
 * MAX_AUTH_FAILURES on one connection it is closed as well. */
static void dispatch_auth_refused(conn *c, pending *p, const char *msg) {
    replies_error(p, PROTO_E_AUTH, msg);
    if (++c->auth_failures >= MAX_AUTH_FAILURES) {
        p->close_after = 1;
        c->closing = 1;
    }
}

/* AUTH with the ingest token allows ingest and reading; with the read
 * token (--read-token), reading. */
static void dispatch_auth(conn *c, pending *p, const char *token) {
    server *s = c->s;
    const char *why, *read_token = s->cfg->read_token;
    int any = s->ingest || read_token;
    double now = lede_now(), wait = any ? authguard_wait(s->auth_guard, c->peer, now, &why) : 0;
    if (!any) {
        replies_error(p, PROTO_E_DISABLED, "ingest is not enabled on this server (leded --ingest-token FILE)");
    } else if (wait > 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "too many failed AUTH from %s: the token was not checked; try "
                 "again in %.0f s", why, wait + 0.5);
        dispatch_auth_refused(c, p, msg);
    } else if ((s->ingest && authguard_same_token(token, s->cfg->ingest_token)) ||
               (read_token && authguard_same_token(token, read_token))) {
        c->authed = s->ingest && authguard_same_token(token, s->cfg->ingest_token);
        c->may_read = 1;
        proto_reply_word(&p->reply, c->json, PROTO_AUTH, "AUTH");
        p->done = 1;
    } else {
        authguard_failed(s->auth_guard, c->peer, now);
        log_msg(LOG_LEVEL_WARN, "conn %llu %s: AUTH with an invalid token", (unsigned long long)c->id, c->peer);
        dispatch_auth_refused(c, p, "invalid token");
    }
}

/* The request line as the debug log shows it: at most 200 bytes, and
 * never a token: a line that starts with AUTH is shown without the rest,
 * whether or not it parsed. */
static void dispatch_log_request(conn *c, const char *line, size_t len) {
    if (log_get_level() < LOG_LEVEL_DEBUG) return;
    size_t i = strspn(line, " \t");
    if (len >= i + 4 && !strncasecmp(line + i, "AUTH", 4)) {
        log_msg(LOG_LEVEL_DEBUG, "conn %llu request: AUTH ********", (unsigned long long)c->id);
        return;
    }
    log_msg(LOG_LEVEL_DEBUG, "conn %llu request: %.*s", (unsigned long long)c->id,
            (int)(len > 200 ? 200 : len), line);
}

static void dispatch_ingest(conn *c, pending *p, proto_request *req) {
    server *s = c->s;
    const char *code = NULL, *msg = NULL;
    if (!s->ingest) {
        code = PROTO_E_DISABLED;
        msg = "ingest is not enabled on this server (leded --ingest-token FILE)";
    } else if (!c->authed) {
        code = PROTO_E_NOAUTH;
        msg = "ingest commands need AUTH first";
    } else if (req->cmd == PROTO_PUT && req->block_len > s->cfg->max_article) {
        code = PROTO_E_TOOLONG;
        msg = "the article is larger than the server's limit (leded --max-article-bytes)";
    }
    if (code && req->cmd == PROTO_PUT) {
        framing_refuse(c, p, code, msg);
    } else if (code) {
        replies_error(p, code, msg);
    } else if (req->cmd == PROTO_PUT) { /* wait for the bytes */
        c->put = lede_malloc(sizeof *c->put);
        *c->put = *req;
        memset(req, 0, sizeof *req);
        c->put_reply = p;
    } else {
        dispatch_to_writer(s, p, req);
    }
}

/* The commands --read-token guards. */
static int dispatch_needs_read(proto_cmd cmd) {
    return cmd == PROTO_SEARCH || cmd == PROTO_COUNT || cmd == PROTO_GET || cmd == PROTO_SUGGEST ||
           cmd == PROTO_SIMILAR || cmd == PROTO_STATS;
}

void dispatch_line(conn *c, const char *line, size_t len) {
    server *s = c->s;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    if (i == len) return; /* blank lines are ignored */
    pending *p = replies_add(c);
    proto_request req;
    char err[LEDE_ERRLEN] = "";
    int rc = proto_parse(line, len, &req, err);
    if (rc == LEDE_OK) proto_apply_limit(&req, s->cfg->max_limit);
    dispatch_log_request(c, line, len);
    if (rc == LEDE_OK) p->cmd = (int)req.cmd;
    if (rc != LEDE_OK) {
        replies_error(p, PROTO_E_SYNTAX, err);
    } else if (req.cmd == PROTO_UNKNOWN) {
        replies_error(p, PROTO_E_UNKNOWN, err);
    } else if (req.cmd == PROTO_PING) {
        proto_reply_word(&p->reply, c->json, req.cmd, "PONG");
        p->done = 1;
    } else if (s->cfg->read_token && !c->may_read && dispatch_needs_read(req.cmd)) {
        replies_error(p, PROTO_E_NOAUTH, "searching needs AUTH with the read token first (leded --read-token)");
    } else if (req.cmd == PROTO_STATS) {
        stats_reply(s, p);
    } else if (req.cmd == PROTO_HELP) {
        proto_reply_help(&p->reply, c->json);
        p->done = 1;
    } else if (req.cmd == PROTO_FORMAT) {
        c->json = !strcmp(req.arg, "json");
        proto_reply_word(&p->reply, c->json, req.cmd, c->json ? "json" : "text");
        p->done = 1;
    } else if (req.cmd == PROTO_AUTH) {
        dispatch_auth(c, p, req.arg);
    } else if (proto_is_ingest(req.cmd)) {
        dispatch_ingest(c, p, &req);
    } else if (req.cmd == PROTO_QUIT) {
        proto_reply_word(&p->reply, c->json, req.cmd, "BYE");
        p->done = 1;
        p->close_after = 1;
        c->closing = 1;
    } else {
        if (req.cmd == PROTO_SEARCH || req.cmd == PROTO_COUNT || req.cmd == PROTO_SIMILAR)
            s->stats.queries++;
        admit_query(s, p, &req); /* after the connection's ingest commands before it */
    }
    proto_request_free(&req);
    replies_flush(c);
}
