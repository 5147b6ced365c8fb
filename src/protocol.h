/* protocol.h -- lede's line protocol (docs/PROTOCOL.md), as pure functions:
 * parsing one request line into a struct, and formatting each kind of reply
 * in text or JSON.  No sockets, no threads, no index access: the daemon,
 * the client and the tests share this code.
 *
 * Text replies: a status line "OK ..." or "ERR <CODE> <message>".  Replies
 * to SEARCH, GET, SUGGEST, STATS and HELP that succeed continue with data
 * lines and end with a line "END"; every other reply is one line.  Data
 * fields are separated by TAB; inside a field, backslash, TAB, LF and CR
 * are written \\, \t, \n and \r.  JSON replies: one object per line. */
#ifndef LEDE_PROTOCOL_H
#define LEDE_PROTOCOL_H

#include <stdint.h>
#include "article.h"
#include "boiler.h"
#include "search.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PROTO_DEFAULT_LIMIT 10
#define PROTO_MAX_LIMIT 100
#define PROTO_DEFAULT_SNIPPET 200
#define PROTO_MAX_SNIPPET 2000
#define PROTO_MARK_MAX 16
/* collapse=NAME: "dup" or a field's name, at most this many bytes */
#define PROTO_COLLAPSE_MAX 64

typedef enum {
    PROTO_PING, PROTO_SEARCH, PROTO_COUNT, PROTO_GET, PROTO_SUGGEST,
    PROTO_STATS, PROTO_HELP, PROTO_QUIT, PROTO_FORMAT, PROTO_SIMILAR,
    /* ingest (off unless leded has --ingest-token) */
    PROTO_AUTH, PROTO_ADD, PROTO_PUT, PROTO_DELETE, PROTO_COMMIT, PROTO_COMPACT,
    PROTO_UNKNOWN
} proto_cmd;

/* True for the commands that need AUTH. */
int proto_is_ingest(proto_cmd cmd);

/* A metadata field's name and NUL (schema.h's SCHEMA_NAME_MAX + 1). */
#define PROTO_FIELD_MAX 65

typedef struct proto_request {
    proto_cmd cmd;
    char *arg;                       /* query, id or format name */
    search_opts search;       /* SEARCH/COUNT options */
    char hl_open[PROTO_MARK_MAX], hl_close[PROTO_MARK_MAX];
    char sort_field[PROTO_FIELD_MAX]; /* sort=FIELD: search.sort_field points here */
    int limit_capped;                /* limit= asked for more than the cap */
    uint64_t block_len;              /* PUT: bytes of article that follow */
    char *block;                     /* PUT: those bytes, once read */
    unsigned limit_asked;            /* what limit= asked for, before the cap */
    char *facets;                    /* facets= text (search.facets points here) */
    char collapse[PROTO_COLLAPSE_MAX + 1]; /* collapse= ("" none); search.collapse points here */
    char *filter;                    /* SIMILAR: the query after "--", or NULL */
} proto_request;

/* Parses one line (without its LF; a trailing CR is ignored).  Returns
 * LEDE_OK, or LEDE_ESYNTAX with the problem in err; an unknown command is
 * LEDE_OK with cmd PROTO_UNKNOWN. */
int proto_parse(const char *line, size_t len, proto_request *req, char *err);
void proto_request_free(proto_request *req);
/* Applies a server's own cap on limit= instead of PROTO_MAX_LIMIT (leded
 * --max-limit): a parsed request's limit becomes min(asked, max_limit). */
void proto_apply_limit(proto_request *req, unsigned max_limit);
const char *proto_cmd_name(proto_cmd cmd);
/* The pieces of a SEARCH/COUNT/SIMILAR line, for a request that comes
 * another way (leded's HTTP query parameters): the options' defaults;
 * one NAME=VALUE option, checked as on a line (LEDE_ESYNTAX and why in
 * err); the query (arg and search.query; "" is refused, as are facets=
 * on COUNT).  rq->cmd is set first. */
void proto_search_defaults(proto_request *rq);
int proto_parse_option(proto_request *rq, const char *name, size_t name_len, const char *value,
                       size_t value_len, char *err);
int proto_set_query(proto_request *rq, const char *q, size_t len, char *err);

/* Stable error codes of the protocol. */
#define PROTO_E_SYNTAX "SYNTAX"
#define PROTO_E_UNKNOWN "UNKNOWN"
#define PROTO_E_TOOLONG "TOOLONG"
#define PROTO_E_LIMIT "LIMIT"
#define PROTO_E_NOTFOUND "NOTFOUND"
#define PROTO_E_TIMEOUT "TIMEOUT"
#define PROTO_E_BUSY "BUSY"
#define PROTO_E_INTERNAL "INTERNAL"
#define PROTO_E_NOAUTH "NOAUTH"
#define PROTO_E_AUTH "AUTH"
#define PROTO_E_DISABLED "DISABLED"
#define PROTO_E_BADARTICLE "BADARTICLE"
#define PROTO_E_UNAVAILABLE "UNAVAILABLE"
/* The index could not be written (an ingest command): its disk is full,
 * it is read-only (or not writable to leded), or its storage failed.  The
 * message names the path; the writer goes on once the cause is gone. */
#define PROTO_E_DISKFULL "DISKFULL"
#define PROTO_E_READONLY "READONLY"
#define PROTO_E_IOERROR "IOERROR"

/* Each formatter appends one whole reply to out. */
void proto_reply_error(sbuf *out, int json, const char *code, const char *msg);
void proto_reply_word(sbuf *out, int json, proto_cmd cmd, const char *word);
void proto_reply_search(sbuf *out, int json, const proto_request *req,
                        const search_results *res, uint64_t took_us);
void proto_reply_count(sbuf *out, int json, uint64_t total);
void proto_reply_article(sbuf *out, int json, const article *a);
/* GET's reply with the boilerplate lines of the body marked (boiler.h):
 * JSON's "boilerplate" [[start,end],...], byte offsets into the body;
 * the text reply's "boilerplate" line "START-END,..." (when there is any). */
void proto_reply_article_marked(sbuf *out, int json, const article *a, const boiler_span *marks,
                                size_t n);
void proto_reply_suggest(sbuf *out, int json, const char *corrected);
typedef struct proto_stat {
    const char *key;
    char value[256];          /* "fields" (the index's metadata fields) is the longest */
} proto_stat;
void proto_reply_stats(sbuf *out, int json, const proto_stat *kv, int n);
void proto_reply_help(sbuf *out, int json);
/* ADD/PUT/DELETE: outcome is "ADDED", "REPLACED", "UNCHANGED" or
 * "DELETED". */
void proto_reply_ingest(sbuf *out, int json, proto_cmd cmd, const char *outcome,
                        const char *id);
/* COMMIT/COMPACT: the index as it now is on disk. */
void proto_reply_commit(sbuf *out, int json, proto_cmd cmd, uint64_t revision,
                        uint64_t articles);

/* leded's HTTP only (JSON): GET /health's {"ok":true,"status":...};
 * POST /articles of several lines: rows "LINE\tREPLY\n" of each line's
 * JSON reply, and counts of added, replaced, unchanged and failed. */
void proto_reply_health(sbuf *out, const char *status);
void proto_reply_batch(sbuf *out, const char *rows, const uint64_t counts[4]);

/* Field escaping of text replies. */
void proto_escape(sbuf *out, const char *s);
/* Undoes proto_escape in place; returns the new length. */
size_t proto_unescape(char *s);

#ifdef __cplusplus
}
#endif

#endif
