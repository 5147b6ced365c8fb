/* http_reply.c -- the HTTP status of each of the protocol's error codes
 * (docs/HTTP.md's table), and replies made of the protocol's own JSON
 * (protocol_reply.c with json=1: one formatter for both protocols).
 * Must not parse requests or touch jobs; writes through http_conn_reply. */
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
static int http_reply_code(const sbuf *reply, char code[24]) {
    static const char fail[] = "{\"ok\":false,\"error\":\"";
    if (reply->len < sizeof fail || memcmp(reply->data, fail, sizeof fail - 1)) return 0;
    const char *c = reply->data + sizeof fail - 1, *end = memchr(c, '"', reply->len - (sizeof fail - 1));
    size_t n = end ? (size_t)(end - c) : 0;
    if (n == 0 || n >= 24) return 0;
    memcpy(code, c, n);
    code[n] = '\0';
    return 1;
}

void http_reply_json(http_conn *hc, const sbuf *reply) {
    char code[24];
    size_t len = reply->len;
    if (len && reply->data[len - 1] == '\n') len--;
    int status = 200;
    const char *extra = "";
    if (http_reply_code(reply, code)) {
        status = http_status_of(code);
        extra = http_error_headers(status, code);
    }
    http_conn_reply(hc, status, HTTP_JSON, extra, reply->data, len);
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
