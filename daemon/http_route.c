/* http_route.c -- what answers an HTTP request (docs/HTTP.md): its path
 * and method to a route (404 NOTFOUND, 405 with Allow), its tokens
 * (--read-token, the ingest token, as Authorization: Bearer), and its
 * query parameters into the same proto_request a line would make, parsed
 * by the same code (proto_parse_option, src/protocol.c).  Must not read
 * the socket (http_conn.c) or run anything (http_job.c). */
#define _GNU_SOURCE
#include "authguard.h"
#include "handoff.h"
#include "http_job.h"
#include "log.h"
#include "stats.h"
#include "webpage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bodies of routes that take none: a few bytes of form are tolerated. */
#define HTTP_SMALL_BODY 65536

/* ---- decoding ---------------------------------------------------------- */

static int http_hex(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes s[0..n) into a new string ('+' is a space when plus);
 * NULL for a bad escape or an escaped NUL. */
static char *http_decode(const char *s, size_t n, int plus) {
    char *out = lede_malloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? http_hex((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? http_hex((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *o++ = (char)(hi * 16 + lo);
            i += 2;
        } else {
            *o++ = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    *o = '\0';
    return out;
}

/* ---- tokens ---------------------------------------------------------------- */

/* The Bearer token of the request, or NULL. */
static const char *http_bearer(const http_request *r) {
    if (!r->auth || strncasecmp(r->auth, "Bearer ", 7)) return NULL;
    const char *t = r->auth + 7;
    while (*t == ' ') t++;
    return *t ? t : NULL;
}

/* 1 when the request may go on; else it is answered (401, 403). */
static int http_authorized(http_conn *hc, int ingest) {
    server *s = hc->s;
    const server_config *cfg = s->cfg;
    if (ingest && !s->ingest) {
        http_reply_error(hc, PROTO_E_DISABLED, "ingest is not enabled on this server (leded --ingest-token FILE)");
        return 0;
    }
    if (!ingest && !cfg->read_token) return 1;
    const char *token = http_bearer(&hc->req);
    if (!token) {
        http_reply_error(hc, PROTO_E_NOAUTH, ingest ? "this needs Authorization: Bearer with the ingest token"
                                                    : "this needs Authorization: Bearer with the read token");
        return 0;
    }
    double now = lede_now();
    const char *why;
    double wait = authguard_wait(s->auth_guard, hc->peer, now, &why);
    if (wait > 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "too many failed tokens from %s: the token was not checked; try again in %.0f s",
                 why, wait + 0.5);
        http_reply_error(hc, PROTO_E_AUTH, msg);
        return 0;
    }
    if ((cfg->ingest_token && authguard_same_token(token, cfg->ingest_token)) ||
        (!ingest && authguard_same_token(token, cfg->read_token)))
        return 1;
    authguard_failed(s->auth_guard, hc->peer, now);
    log_msg(LOG_LEVEL_WARN, "http %llu %s: an invalid token", (unsigned long long)hc->id, hc->peer);
    http_reply_error(hc, PROTO_E_AUTH, "invalid token");
    return 0;
}

/* Every route that runs something ends here: the request is authorised
 * (ingest: with the ingest token; else the read token, if set) and
 * submitted, or answered 401/403; req is freed either way. */
static void http_submit_authorized(http_conn *hc, int ingest, proto_request *req) {
    if (http_authorized(hc, ingest)) {
        proto_cmd c = req->cmd;
        if (c == PROTO_SEARCH || c == PROTO_COUNT || c == PROTO_SIMILAR) hc->s->stats.queries++;
        http_job_submit(hc, req);
    }
    proto_request_free(req);
}

/* ---- query parameters into a request ------------------------------------------ */

/* Fills req's options and query (q) from the query string; q_needed:
 * refused without q.  LEDE_ESYNTAX with err. */
static int http_query_params(const char *qs, proto_request *req, int q_needed, char *err) {
    int have_q = 0;
    for (const char *p = qs; p && *p;) {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (end > p) {
            char *name = http_decode(p, (size_t)((eq ? eq : end) - p), 1);
            char *value = eq ? http_decode(eq + 1, (size_t)(end - eq - 1), 1) : lede_strdup("");
            int rc = LEDE_OK;
            if (!name || !value) rc = lede_seterr_code(err, LEDE_ESYNTAX, "a bad %%-escape in the query string");
            else if (!strcmp(name, "q") && have_q) rc = lede_seterr_code(err, LEDE_ESYNTAX, "q= given twice");
            else if (strcmp(name, "q") && req->cmd == PROTO_SUGGEST)
                rc = lede_seterr_code(err, LEDE_ESYNTAX, "/suggest takes q= alone, not '%.40s'", name);
            else if (!strcmp(name, "q") && req->cmd == PROTO_SIMILAR) {
                free(req->filter);
                req->filter = lede_strdup(value);
                req->search.query = req->filter;
                have_q = 1;
            } else if (!strcmp(name, "q")) {
                rc = proto_set_query(req, value, strlen(value), err);
                have_q = 1;
            } else
                rc = proto_parse_option(req, name, strlen(name), value, strlen(value), err);
            free(name);
            free(value);
            if (rc != LEDE_OK) return rc;
        }
        p = amp ? amp + 1 : NULL;
    }
    if (q_needed && !have_q) return lede_seterr_code(err, LEDE_ESYNTAX, "q= is missing: the query");
    if (req->cmd == PROTO_SIMILAR && !req->filter) {
        req->filter = lede_strdup("");
        req->search.query = req->filter;
    }
    return LEDE_OK;
}

/* ---- the routes ------------------------------------------------------------------ */

typedef struct http_target {
    char *path;               /* decoded but for the id */
    const char *query;        /* after '?', raw; "" if none */
    char *id;                 /* /articles/{id}, /similar/{id}: decoded */
} http_target;

typedef struct http_route_def {
    const char *path;         /* "/search"; a trailing '/' (but "/" itself)
                                 takes an id after it */
    int methods;              /* allowed (HEAD with GET) */
    const char *allow;        /* the Allow header's value */
    void (*answer)(http_conn *hc, http_target *t);
} http_route_def;

static void http_answer_search(http_conn *hc, http_target *t, proto_cmd cmd, int q_needed) {
    proto_request req;
    char err[LEDE_ERRLEN];
    memset(&req, 0, sizeof req);
    req.cmd = cmd;
    http_request_counts_as(&hc->req, cmd); /* its SYNTAX or NOAUTH too */
    proto_search_defaults(&req);
    if (t->id) req.arg = lede_strdup(t->id);
    int rc = http_query_params(t->query, &req, q_needed, err);
    if (rc == LEDE_OK && cmd == PROTO_SUGGEST) req.search.query = req.arg;
    if (rc != LEDE_OK) {
        http_reply_error(hc, PROTO_E_SYNTAX, err);
        proto_request_free(&req);
        return;
    }
    proto_apply_limit(&req, hc->s->cfg->max_limit);
    http_submit_authorized(hc, 0, &req);
}

static void http_get_search(http_conn *hc, http_target *t) { http_answer_search(hc, t, PROTO_SEARCH, 1); }
static void http_get_count(http_conn *hc, http_target *t) { http_answer_search(hc, t, PROTO_COUNT, 1); }
static void http_get_similar(http_conn *hc, http_target *t) { http_answer_search(hc, t, PROTO_SIMILAR, 0); }

/* GET /suggest?q=: the whole q is SUGGEST's argument; no options. */
static void http_get_suggest(http_conn *hc, http_target *t) {
    proto_request req;
    char err[LEDE_ERRLEN];
    memset(&req, 0, sizeof req);
    req.cmd = PROTO_SUGGEST;
    if (http_query_params(t->query, &req, 1, err) == LEDE_OK) {
        http_submit_authorized(hc, 0, &req);
        return;
    }
    http_reply_error(hc, PROTO_E_SYNTAX, err);
    proto_request_free(&req);
}

static void http_article(http_conn *hc, http_target *t) {
    http_method m = hc->req.method;
    if (!*t->id) {
        http_reply_error(hc, PROTO_E_NOTFOUND, "no article id after /articles/");
        return;
    }
    proto_request req;
    memset(&req, 0, sizeof req);
    req.cmd = m == HTTP_PUT ? PROTO_PUT : m == HTTP_DELETE ? PROTO_DELETE : PROTO_GET;
    req.arg = lede_strdup(t->id);
    if (req.cmd == PROTO_PUT) {
        req.block = hc->req.body; /* moved: the job frees it */
        req.block_len = hc->req.content_length;
        hc->req.body = NULL;
    }
    http_submit_authorized(hc, req.cmd != PROTO_GET, &req);
}

/* The first non-blank line of body is a whole JSON object ({...}), and
 * another non-blank line follows: JSON Lines, not one article written
 * over several lines. */
static int http_is_json_lines(const char *body) {
    int lines = 0, first_whole = 0;
    for (const char *p = body; *p && lines < 2;) {
        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p), *q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
        const char *e = end;
        while (e > q && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
        if (q < e) {
            if (lines++ == 0) first_whole = *q == '{' && e[-1] == '}';
        }
        p = nl ? nl + 1 : end;
    }
    return lines > 1 && first_whole;
}

/* POST /articles: one article (a JSON object, on one line or several) or
 * JSON Lines (each line an article).  Authorised first, before its body
 * is looked at (a batch is no one request: http_submit_authorized does
 * not fit it). */
static void http_post_articles(http_conn *hc, http_target *t) {
    (void)t;
    if (!http_authorized(hc, 1)) return;
    http_request *r = &hc->req;
    const char *body = r->body ? r->body : "";
    if (memchr(body, '\0', r->content_length)) {
        http_reply_error(hc, PROTO_E_BADARTICLE, "a NUL byte in the body");
        return;
    }
    if (http_is_json_lines(body)) {
        http_batch_start(hc);
        return;
    }
    proto_request req;
    memset(&req, 0, sizeof req);
    req.cmd = PROTO_ADD;
    req.arg = lede_strdup(body);
    for (char *c = req.arg; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' '; /* one article over several lines */
    http_job_submit(hc, &req);
    proto_request_free(&req);
}

static void http_post_commit(http_conn *hc, http_target *t) {
    (void)t;
    proto_request req;
    memset(&req, 0, sizeof req);
    req.cmd = PROTO_COMMIT;
    http_submit_authorized(hc, 1, &req);
}

static void http_get_stats(http_conn *hc, http_target *t) {
    (void)t;
    http_request_counts_as(&hc->req, PROTO_STATS);
    if (!http_authorized(hc, 0)) return;
    sbuf b;
    sbuf_init(&b);
    stats_format(hc->s, &b, 1);
    http_reply_json(hc, &b);
    sbuf_free(&b);
}

/* Prometheus' text format (metrics.h), built on the loop like /stats;
 * the read token guards it as it guards /stats.  Finished jobs not yet
 * collected are counted first, so a scrape sees every reply sent. */
static void http_get_metrics(http_conn *hc, http_target *t) {
    (void)t;
    if (!http_authorized(hc, 0)) return;
    if (handoff_has_done(hc->s->ho.workers)) handoff_collect(hc->s);
    sbuf b;
    sbuf_init(&b);
    stats_metrics(hc->s, hc->s->http->nconns, hc->s->http->accepted, &b);
    http_conn_reply(hc, 200, "text/plain; version=0.0.4; charset=utf-8", "", b.data, b.len);
    sbuf_free(&b);
}

/* Open to all: a worker checks that the index can be read. */
static void http_get_health(http_conn *hc, http_target *t) {
    (void)t;
    if (hc->s->shutting_down) {
        http_reply_error(hc, PROTO_E_UNAVAILABLE, "the daemon is shutting down");
        return;
    }
    proto_request req;
    memset(&req, 0, sizeof req);
    req.cmd = PROTO_PING;
    http_job_submit(hc, &req);
}

/* GET /: the search page (web/index.html, compiled in), open to all like
 * /health: it asks for the read token itself when a search gets 401.
 * Its policy lets only its own script run (the hash web/embed.py pins)
 * and nothing load from elsewhere; the same policy is in its <meta>
 * (and the header adds that no other site may frame it). */
static void http_get_page(http_conn *hc, http_target *t) {
    (void)t;
    sbuf headers;
    sbuf_init(&headers);
    sbuf_printf(&headers, "Content-Security-Policy: %s; frame-ancestors 'none'\r\n"
                          "Cache-Control: no-cache\r\n"
                          "X-Content-Type-Options: nosniff\r\n"
                          "Referrer-Policy: no-referrer\r\n", webpage_csp);
    http_conn_reply(hc, 200, "text/html; charset=utf-8", headers.data,
                    (const char *)webpage_html, webpage_len);
    sbuf_free(&headers);
}

#define GET_HEAD (HTTP_GET | HTTP_HEAD_M)
static const http_route_def http_routes[] = {
    {"/", GET_HEAD, "GET, HEAD", http_get_page},
    {"/search", GET_HEAD, "GET, HEAD", http_get_search},
    {"/count", GET_HEAD, "GET, HEAD", http_get_count},
    {"/suggest", GET_HEAD, "GET, HEAD", http_get_suggest},
    {"/articles/", GET_HEAD | HTTP_PUT | HTTP_DELETE, "GET, HEAD, PUT, DELETE", http_article},
    {"/articles", HTTP_POST, "POST", http_post_articles},
    {"/similar/", GET_HEAD, "GET, HEAD", http_get_similar},
    {"/stats", GET_HEAD, "GET, HEAD", http_get_stats},
    {"/health", GET_HEAD, "GET, HEAD", http_get_health},
    {"/metrics", GET_HEAD, "GET, HEAD", http_get_metrics},
    {"/commit", HTTP_POST, "POST", http_post_commit},
};

static const http_route_def *http_find_route(const char *path, const char **id) {
    for (size_t i = 0; i < sizeof http_routes / sizeof http_routes[0]; i++) {
        const char *p = http_routes[i].path;
        size_t n = strlen(p);
        int takes_id = n > 1 && p[n - 1] == '/';
        if (takes_id ? !strncmp(path, p, n) && !strchr(path + n, '/') : !strcmp(path, p)) {
            *id = takes_id ? path + n : NULL;
            return &http_routes[i];
        }
    }
    return NULL;
}

/* Only ingest routes take bodies over HTTP_SMALL_BODY (below).  Before
 * such a body is read, a request that ingest would refuse (ingest off, no
 * token, a wrong one) is answered, and its connection closes unread: no
 * one without the ingest token can make leded hold 64 MiB a connection. */
int http_route_may_read_body(http_conn *hc) {
    if (hc->req.content_length <= HTTP_SMALL_BODY) return 1;
    int keep_alive = hc->req.keep_alive, closing = hc->closing_after;
    hc->req.keep_alive = 0; /* if answered now, the body is never read: close */
    hc->closing_after = 1;
    if (!http_authorized(hc, 1)) return 0;
    hc->req.keep_alive = keep_alive;
    hc->closing_after = closing;
    return 1;
}

size_t http_route_body_limit(const http_conn *hc) {
    const http_request *r = &hc->req;
    const char *t = r->target ? r->target : "";
    if (r->method == HTTP_PUT && !strncmp(t, "/articles/", 10)) return hc->s->cfg->max_article;
    if (r->method == HTTP_POST && !strncmp(t, "/articles", 9) && (t[9] == '\0' || t[9] == '?'))
        return hc->s->cfg->max_http_batch;
    return HTTP_SMALL_BODY;
}

void http_route(http_conn *hc) {
    http_request *r = &hc->req;
    if (log_get_level() >= LOG_LEVEL_DEBUG) /* tokens are in headers, never logged */
        log_msg(LOG_LEVEL_DEBUG, "http %llu request: %s %.200s", (unsigned long long)hc->id, r->method_name,
                r->target);
    http_target t = {0};
    char *qm = strchr(r->target, '?');
    t.query = qm ? qm + 1 : "";
    const char *raw_id = NULL;
    char *raw_path = lede_strndup(r->target, qm ? (size_t)(qm - r->target) : strlen(r->target));
    const http_route_def *route = http_find_route(raw_path, &raw_id);
    if (!route) {
        char msg[200];
        snprintf(msg, sizeof msg, "no such path: %.120s (docs/HTTP.md)", raw_path);
        http_reply_error(hc, PROTO_E_NOTFOUND, msg);
    } else if (!(route->methods & (int)r->method)) {
        char allow[96], msg[120];
        snprintf(allow, sizeof allow, "Allow: %s\r\n", route->allow);
        snprintf(msg, sizeof msg, "%s takes %s, not %s", route->path, route->allow, r->method_name);
        sbuf b;
        sbuf_init(&b);
        proto_reply_error(&b, 1, PROTO_E_UNKNOWN, msg);
        http_conn_reply(hc, 405, "application/json; charset=utf-8", allow, b.data, b.len - 1);
        sbuf_free(&b);
    } else if (raw_id && !(t.id = http_decode(raw_id, strlen(raw_id), 0))) {
        http_reply_error(hc, PROTO_E_SYNTAX, "a bad %-escape in the article id");
    } else {
        route->answer(hc, &t);
    }
    free(raw_path);
    free(t.id);
}
