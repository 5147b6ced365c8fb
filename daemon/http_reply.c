/* http_reply.c -- the HTTP status of each of the protocol's error codes
 * (docs/HTTP.md's table), and replies made of the protocol's own JSON
 * (protocol_reply.c with json=1: one formatter for both protocols): on
 * the loop, written through http_conn_reply; on a worker, framed whole
 * (http_reply_frame) for the worker to write itself (wire.h), and the
 * loop's bookkeeping once such a reply went (http_reply_written).  Must
 * not parse requests, submit jobs or touch the socket. */
#define _GNU_SOURCE
#include "http_job.h"

#include <string.h>

#define HTTP_JSON "application/json; charset=utf-8"

static const struct {
    const char *code;
    int status;
} http_statuses[] = {
    {PROTO_E_SYNTAX, 400},     {PROTO_E_UNKNOWN, 400},   {PROTO_E_BADARTICLE, 400},
    {PROTO_E_NOAUTH, 401},     {PROTO_E_AUTH, 403},      {PROTO_E_DISABLED, 403},
    {PROTO_E_NOTFOUND, 404},   {PROTO_E_TOOLONG, 413},   {PROTO_E_LIMIT, 429},
    {PROTO_E_BUSY, 503},       {PROTO_E_TIMEOUT, 504},   {PROTO_E_DISKFULL, 507},
    {PROTO_E_READONLY, 503},   {PROTO_E_IOERROR, 500},   {PROTO_E_UNAVAILABLE, 503},
    {PROTO_E_INTERNAL, 500},
};

const char *http_reason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    default: return "Unknown";
    }
}

int http_status_of(const char *code) {
    for (size_t i = 0; i < sizeof http_statuses / sizeof http_statuses[0]; i++)
        if (!strcmp(code, http_statuses[i].code)) return http_statuses[i].status;
    return 500;
}

/* The headers an error status carries besides the body. */
static const char *http_error_headers(int status, const char *code) {
    if (status == 401) return "WWW-Authenticate: Bearer\r\n";
    if (!strcmp(code, PROTO_E_BUSY)) return "Retry-After: 1\r\n";
    return "";
}

/* The error code of a JSON reply ({"ok":false,"error":"CODE",...}), or
 * NULL when it succeeded. */
static int http_reply_code_of(const char *data, size_t len, char code[24]) {
    static const char fail[] = "{\"ok\":false,\"error\":\"";
    if (len < sizeof fail || memcmp(data, fail, sizeof fail - 1)) return 0;
    const char *c = data + sizeof fail - 1, *end = memchr(c, '"', len - (sizeof fail - 1));
    size_t n = end ? (size_t)(end - c) : 0;
    if (n == 0 || n >= 24) return 0;
    memcpy(code, c, n);
    code[n] = '\0';
    return 1;
}

/* The status of a protocol reply (data, len: its JSON without the
 * newline) and the headers that status carries. */
static int http_json_status(const char *data, size_t len, const char **extra) {
    char code[24];
    *extra = "";
    if (!http_reply_code_of(data, len, code)) return 200;
    int status = http_status_of(code);
    *extra = http_error_headers(status, code);
    return status;
}

/* A protocol reply's JSON without its line's newline. */
static size_t http_json_len(const sbuf *reply) {
    size_t len = reply->len;
    return len && reply->data[len - 1] == '\n' ? len - 1 : len;
}

void http_reply_json(http_conn *hc, const sbuf *reply) {
    const char *extra;
    size_t len = http_json_len(reply);
    int status = http_json_status(reply->data, len, &extra);
    http_conn_reply(hc, status, HTTP_JSON, extra, reply->data, len);
}

/* Worker thread: the whole HTTP reply, as http_conn_reply would write it
 * with the request's flags as they were at submission (the loop holds
 * the wire whenever they change, so then this is never sent). */
void http_reply_frame(job *j) {
    const char *extra;
    size_t len = http_json_len(&j->reply);
    int status = http_json_status(j->reply.data, len, &extra);
    sbuf_reset(&j->framed);
    sbuf_printf(&j->framed, HTTP_HEAD_FMT, status, http_reason(status), HTTP_JSON, len, extra,
                (j->frame_flags & HTTP_FRAME_CLOSE) ? "Connection: close\r\n" : "");
    if (!(j->frame_flags & HTTP_FRAME_HEAD_ONLY)) sbuf_append(&j->framed, j->reply.data, len);
}

void http_reply_written(http_conn *hc, const job *j, size_t sent) {
    const char *extra;
    size_t len = http_json_len(&j->reply);
    int status = http_json_status(j->reply.data, len, &extra);
    const sbuf *out = job_out(j);
    http_conn_reply_written(hc, status, j->reply.data, len, out->data + sent, out->len - sent);
}

void http_reply_count(http_conn *hc, int status, const char *body, size_t len) {
    char code[24];
    const char *c = status >= 400 && http_reply_code_of(body, len, code) ? code : NULL;
    if (status >= 400 && !c) c = "OTHER";
    metrics_counters *m = &hc->s->stats.metrics;
    if (hc->req.metric_cmd) metrics_note_request(m, (proto_cmd)(hc->req.metric_cmd - 1), c);
    else if (c) metrics_note_error(m, c);
}

void http_reply_error(http_conn *hc, const char *code, const char *msg) {
    sbuf b;
    sbuf_init(&b);
    proto_reply_error(&b, 1, code, msg);
    http_reply_json(hc, &b);
    sbuf_free(&b);
}

void http_reply_health(http_conn *hc, const sbuf *check) {
    static const char ok[] = "{\"ok\":true";
    if (check->len < sizeof ok - 1 || memcmp(check->data, ok, sizeof ok - 1)) {
        http_reply_json(hc, check);
        return;
    }
    sbuf b;
    sbuf_init(&b);
    proto_reply_health(&b, "ready");
    http_reply_json(hc, &b);
    sbuf_free(&b);
}
