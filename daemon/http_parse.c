/* http_parse.c -- an HTTP/1.x request head (the request line and the
 * headers, the bytes before the blank line) parsed into an http_request,
 * and a request's fields freed.  Pure functions on memory: no socket, no
 * libevent, so that tests/fuzz/fuzz_http.c can run them alone.  What a
 * request means is http_route.c's; reading it off the socket, and its
 * limits, http_conn.c's. */
#define _GNU_SOURCE
#include "http_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_request_clear(http_request *r) {
    free(r->target);
    free(r->auth);
    free(r->content_type);
    free(r->body);
    sbuf_free(&r->batch_replies);
    memset(r, 0, sizeof *r);
}

static http_method http_method_of(const char *m) {
    if (!strcmp(m, "GET")) return HTTP_GET;
    if (!strcmp(m, "HEAD")) return HTTP_HEAD_M;
    if (!strcmp(m, "POST")) return HTTP_POST;
    if (!strcmp(m, "PUT")) return HTTP_PUT;
    if (!strcmp(m, "DELETE")) return HTTP_DELETE;
    return HTTP_OTHER;
}

static char *http_trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    *e = '\0';
    return s;
}

/* The request line: METHOD TARGET HTTP/1.x. */
static int http_parse_request_line(http_request *r, char *line, char *err) {
    char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || sp1 - line >= (long)sizeof r->method_name || sp2 == sp1 + 1)
        return lede_seterr_code(err, LEDE_ESYNTAX, "not an HTTP request line");
    memcpy(r->method_name, line, (size_t)(sp1 - line));
    r->method_name[sp1 - line] = '\0';
    r->method = http_method_of(r->method_name);
    r->target = lede_strndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    const char *v = http_trim(sp2 + 1);
    if (strncmp(v, "HTTP/1.", 7) || (v[7] != '0' && v[7] != '1') || v[8])
        return lede_seterr_code(err, LEDE_ESYNTAX, "only HTTP/1.0 and HTTP/1.1 are spoken here");
    r->minor = v[7] - '0';
    r->keep_alive = r->minor == 1;
    return LEDE_OK;
}

/* Digits only (no sign, no space inside); a second Content-Length must
 * say the same as the first, 0 included (RFC 9112 6.3: a proxy that read
 * the other would see a second request in the body). */
static int http_parse_length(http_request *r, const char *v, char *err) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (!isdigit((unsigned char)*v) || *end || errno || (r->length_seen && r->content_length != n))
        return lede_seterr_code(err, LEDE_ESYNTAX, "a bad Content-Length");
    r->content_length = (size_t)n;
    r->length_seen = 1;
    return LEDE_OK;
}

/* A header's name is a token (RFC 9110 5.6.2): letters, digits and
 * !#$%&'*+-.^_`|~; nothing else, so that "Content-Length :" or a folded
 * line is refused rather than read as some other header. */
static int http_token(const char *s, const char *end) {
    if (s == end) return 0;
    for (; s < end; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return 0;
    return 1;
}

static int http_parse_header(http_request *r, char *line, char *err) {
    if (*line == ' ' || *line == '\t')
        return lede_seterr_code(err, LEDE_ESYNTAX, "a folded header line (obs-fold is not taken)");
    char *colon = strchr(line, ':');
    if (!colon || !http_token(line, colon))
        return lede_seterr_code(err, LEDE_ESYNTAX, "a header line without a valid name");
    *colon = '\0';
    if (strchr(colon + 1, '\r'))
        return lede_seterr_code(err, LEDE_ESYNTAX, "a bare CR in a header's value");
    char *v = http_trim(colon + 1);
    if (!strcasecmp(line, "Content-Length")) return http_parse_length(r, v, err);
    if (!strcasecmp(line, "Transfer-Encoding"))
        return lede_seterr_code(err, LEDE_ELIMIT, "bodies without Content-Length (chunked) are not taken");
    if (!strcasecmp(line, "Connection")) {
        if (strcasestr(v, "close")) r->keep_alive = 0;
        else if (strcasestr(v, "keep-alive")) r->keep_alive = 1;
    } else if (!strcasecmp(line, "Authorization") && !r->auth) {
        r->auth = lede_strdup(v);
    } else if (!strcasecmp(line, "Content-Type") && !r->content_type) {
        r->content_type = lede_strdup(v);
    } else if (!strcasecmp(line, "Expect") && !strcasecmp(v, "100-continue")) {
        r->expect_continue = 1;
    }
    return LEDE_OK;
}

int http_parse_head(http_request *r, char *head, char *err) {
    char *save = NULL;
    char *line = strtok_r(head, "\n", &save);
    if (!line) return lede_seterr_code(err, LEDE_ESYNTAX, "an empty request");
    int rc = http_parse_request_line(r, http_trim(line), err);
    while (rc == LEDE_OK && (line = strtok_r(NULL, "\n", &save)) != NULL) {
        if (!*http_trim(line)) continue;
        rc = http_parse_header(r, line, err);
    }
    return rc;
}
