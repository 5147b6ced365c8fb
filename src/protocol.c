/* protocol.c -- request lines parsed into a proto_request (see protocol.h
 * and docs/PROTOCOL.md): commands, their arguments and the options of
 * SEARCH, COUNT and SIMILAR.  Formatting replies is protocol_reply.c's;
 * this file writes no reply. */
#include "protocol.h"
#include "facets.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const cmd_names[] = {"PING", "SEARCH", "COUNT", "GET",
                                        "SUGGEST", "STATS", "HELP", "QUIT",
                                        "FORMAT", "SIMILAR", "AUTH", "ADD", "PUT",
                                        "DELETE", "COMMIT", "COMPACT", "UNKNOWN"};

int proto_is_ingest(proto_cmd cmd) {
    return cmd >= PROTO_ADD && cmd <= PROTO_COMPACT;
}

const char *proto_cmd_name(proto_cmd cmd) {
    return cmd_names[cmd];
}

void proto_request_free(proto_request *req) {
    free(req->arg);
    free(req->block);
    free(req->facets);
    free(req->filter);
    req->arg = NULL;
    req->block = NULL;
    req->facets = NULL;
    req->filter = NULL;
}

static const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    return p;
}

static const char *word_end(const char *p, const char *end) {
    while (p < end && *p != ' ' && *p != '\t') p++;
    return p;
}

static int parse_uint(const char *s, size_t n, unsigned max, unsigned *out) {
    if (n == 0 || n > 9) return 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > max) return 0;
    *out = v;
    return 1;
}

void proto_apply_limit(proto_request *rq, unsigned max_limit) {
    if (rq->cmd != PROTO_SEARCH && rq->cmd != PROTO_SIMILAR) return;
    unsigned want = rq->limit_capped ? rq->limit_asked : rq->search.limit;
    rq->limit_capped = want > max_limit;
    rq->search.limit = rq->limit_capped ? max_limit : want;
}

static int value_is(const char *v, size_t n, const char *want) {
    return n == strlen(want) && !strncasecmp(v, want, n);
}

/* hl=OPEN,CLOSE: markers of up to 15 bytes each, no space or comma (the
 * client's colours are the bytes 0x01 and 0x02: client/render.h); "hl=,"
 * (both empty) turns highlighting off, but one empty marker alone is
 * refused (a half-marked snippet is a mistake). */
static int parse_marks(proto_request *rq, const char *v, size_t n, char *err) {
    const char *comma = memchr(v, ',', n);
    if (!comma || memchr(comma + 1, ',', (size_t)(v + n - comma - 1)))
        return lede_seterr_code(err, LEDE_ESYNTAX, "hl= takes two markers and one comma: hl=OPEN,CLOSE");
    size_t a = (size_t)(comma - v), b = n - a - 1;
    if (a >= PROTO_MARK_MAX || b >= PROTO_MARK_MAX)
        return lede_seterr_code(err, LEDE_ESYNTAX, "hl= markers are at most %d bytes each", PROTO_MARK_MAX - 1);
    if ((a == 0) != (b == 0))
        return lede_seterr_code(err, LEDE_ESYNTAX, "hl= markers are both empty (no highlighting) or both set");
    memcpy(rq->hl_open, v, a);
    rq->hl_open[a] = '\0';
    memcpy(rq->hl_close, comma + 1, b);
    rq->hl_close[b] = '\0';
    return LEDE_OK;
}

/* facets=NAME[:N],...: checked here (src/facets.h), so that a malformed
 * list is refused before a worker runs the search; the engine resolves
 * the names against the index's fields. */
static int parse_facets(proto_request *rq, const char *v, size_t n, char *err) {
    char *text = lede_strndup(v, n);
    facet_ask asks[FACETS_MAX];
    unsigned count;
    if (facets_parse(text, asks, &count, err) != LEDE_OK) {
        free(text);
        return LEDE_ESYNTAX;
    }
    free(rq->facets);
    rq->facets = text;
    rq->search.facets = text;
    return LEDE_OK;
}

/* collapse=dup or collapse=FIELD: a name of [A-Za-z0-9_.-] (schema.h's
 * characters; whether the index has it is the engine's to say). */
static int parse_collapse(proto_request *rq, const char *v, size_t n) {
    if (n == 0 || n > PROTO_COLLAPSE_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)v[i]) && !strchr("_.-", v[i])) return 0;
    memcpy(rq->collapse, v, n);
    rq->collapse[n] = '\0';
    rq->search.collapse = rq->collapse;
    return 1;
}

/* sort=relevance | date[:asc|:desc] | FIELD[:asc|:desc]: a metadata
 * field's name as schema.h allows it (the engine says whether the index
 * has it); descending unless :asc. */
static int parse_sort(proto_request *rq, const char *v, size_t n, char *err) {
    search_opts *o = &rq->search;
    const char *colon = memchr(v, ':', n);
    size_t name = colon ? (size_t)(colon - v) : n;
    o->sort_date = 0;
    o->sort_field = NULL;
    o->sort_ascending = 0;
    if (colon) {
        if (value_is(colon + 1, n - name - 1, "asc")) o->sort_ascending = 1;
        else if (!value_is(colon + 1, n - name - 1, "desc"))
            return lede_seterr_code(err, LEDE_ESYNTAX, "sort=%.*s: the order is :asc or :desc",
                                    (int)(n > 80 ? 80 : n), v);
    }
    if (value_is(v, name, "relevance") && !colon) return LEDE_OK;
    if (value_is(v, name, "date")) {
        o->sort_date = 1;
        return LEDE_OK;
    }
    int ok = name > 0 && name < PROTO_FIELD_MAX && isalpha((unsigned char)v[0]);
    for (size_t i = 0; ok && i < name; i++)
        ok = isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.' || v[i] == '-';
    if (!ok)
        return lede_seterr_code(err, LEDE_ESYNTAX, "sort=%.*s: relevance, date or a metadata "
                                "field's name, then :asc or :desc if wanted",
                                (int)(n > 80 ? 80 : n), v);
    memcpy(rq->sort_field, v, name);
    rq->sort_field[name] = '\0';
    o->sort_field = rq->sort_field;
    return LEDE_OK;
}

/* One key=value option; returns 0 if it is malformed (hl= says why in
 * err itself and returns its own code). */
static int parse_option(proto_request *rq, const char *k, size_t kn,
                        const char *v, size_t vn, char *err) {
    search_opts *o = &rq->search;
    unsigned u;
    if (value_is(k, kn, "limit")) {
        if (!parse_uint(v, vn, 1000000000, &u)) return 0;
        rq->limit_asked = u;
        if (u > PROTO_MAX_LIMIT) { u = PROTO_MAX_LIMIT; rq->limit_capped = 1; }
        o->limit = u;
    } else if (value_is(k, kn, "offset")) {
        if (!parse_uint(v, vn, 100000000, &u)) return 0;
        o->offset = u;
    } else if (value_is(k, kn, "sort")) {
        return parse_sort(rq, v, vn, err) == LEDE_OK ? 1 : -1;
    } else if (value_is(k, kn, "mode")) {
        if (value_is(v, vn, "any")) o->any = 1;
        else if (value_is(v, vn, "all")) o->any = 0;
        else return 0;
    } else if (value_is(k, kn, "exact")) {
        if (!parse_uint(v, vn, 1, &u)) return 0;
        o->exact = (int)u;
    } else if (value_is(k, kn, "snippet")) {
        if (!parse_uint(v, vn, PROTO_MAX_SNIPPET, &u)) return 0;
        o->snippet_len = u;
    } else if (value_is(k, kn, "hl")) {
        return parse_marks(rq, v, vn, err) == LEDE_OK ? 1 : -1;
    } else if (value_is(k, kn, "facets_exact")) {
        if (!parse_uint(v, vn, 1000000000, &u)) return 0;
        o->facets_exact = u ? u : UINT_MAX; /* 0: every match */
    } else if (value_is(k, kn, "facets")) {
        return parse_facets(rq, v, vn, err) == LEDE_OK ? 1 : -1;
    } else if (value_is(k, kn, "collapse")) {
        return parse_collapse(rq, v, vn);
    } else if (value_is(k, kn, "dups") && rq->cmd == PROTO_SIMILAR) {
        if (value_is(v, vn, "show")) o->dups_show = 1;
        else if (value_is(v, vn, "hide")) o->dups_show = 0;
        else return 0;
    } else {
        return 0;
    }
    return 1;
}

void proto_search_defaults(proto_request *rq) {
    search_opts *o = &rq->search;
    o->limit = PROTO_DEFAULT_LIMIT;
    o->snippet_len = PROTO_DEFAULT_SNIPPET;
    strcpy(rq->hl_open, "[");
    strcpy(rq->hl_close, "]");
}

int proto_parse_option(proto_request *rq, const char *k, size_t kn, const char *v, size_t vn,
                       char *err) {
    int ok = parse_option(rq, k, kn, v, vn, err);
    if (ok < 0) return LEDE_ESYNTAX;
    if (!ok)
        return lede_seterr_code(err, LEDE_ESYNTAX, "bad option '%.*s=%.*s'", (int)(kn > 64 ? 64 : kn), k,
                                (int)(vn > 64 ? 64 : vn), v);
    return LEDE_OK;
}

/* PUT ID BYTES: the id is one token; the article follows the line. */
static int parse_put(proto_request *rq, const char *p, const char *end, char *err) {
    const char *idend = word_end(p, end);
    const char *n = skip_space(idend, end);
    const char *nend = word_end(n, end);
    unsigned len;
    if (p == idend || nend != end || !parse_uint(n, (size_t)(nend - n), 1000000000, &len))
        return lede_seterr_code(err, LEDE_ESYNTAX, "PUT takes an id and a byte count: PUT ID BYTES");
    rq->arg = lede_strndup(p, (size_t)(idend - p));
    rq->block_len = len;
    return LEDE_OK;
}

/* The options of SEARCH, COUNT and SIMILAR, from p until the first token
 * without '=' or after "--" (*dashes set); *at gets where they end. */
static int parse_options(proto_request *rq, const char *p, const char *end,
                         const char **at, int *dashes, char *err) {
    proto_search_defaults(rq);
    *dashes = 0;
    for (;;) {
        p = skip_space(p, end);
        const char *w = p, *we = word_end(p, end);
        if (we - w == 2 && !memcmp(w, "--", 2)) {
            p = we;
            *dashes = 1;
            break;
        }
        const char *eq = memchr(w, '=', (size_t)(we - w));
        if (!eq || w == eq || memchr(w, '"', (size_t)(eq - w)) || memchr(w, ':', (size_t)(eq - w)))
            break;
        if (proto_parse_option(rq, w, (size_t)(eq - w), eq + 1, (size_t)(we - eq - 1), err) != LEDE_OK)
            return LEDE_ESYNTAX;
        p = we;
    }
    *at = skip_space(p, end);
    return LEDE_OK;
}

/* SIMILAR ID [options] [-- QUERY]: the id is one token. */
static int parse_similar(proto_request *rq, const char *p, const char *end, char *err) {
    const char *idend = word_end(p, end);
    if (p == idend)
        return lede_seterr_code(err, LEDE_ESYNTAX, "SIMILAR takes an id: SIMILAR ID [options] [-- QUERY]");
    rq->arg = lede_strndup(p, (size_t)(idend - p));
    int dashes;
    if (parse_options(rq, idend, end, &p, &dashes, err) != LEDE_OK) return LEDE_ESYNTAX;
    if (p < end && !dashes)
        return lede_seterr_code(err, LEDE_ESYNTAX, "SIMILAR: '%.*s' is no option; a query that "
                                "filters comes after '--'", (int)(word_end(p, end) - p), p);
    rq->filter = lede_strndup(p, (size_t)(end - p));
    rq->search.query = rq->filter;
    return LEDE_OK;
}

/* SEARCH/COUNT: options, then the query. */
static int parse_search(proto_request *rq, const char *p, const char *end,
                        char *err) {
    int dashes;
    if (parse_options(rq, p, end, &p, &dashes, err) != LEDE_OK) return LEDE_ESYNTAX;
    return proto_set_query(rq, p, (size_t)(end - p), err);
}

int proto_set_query(proto_request *rq, const char *q, size_t n, char *err) {
    free(rq->arg);
    rq->arg = lede_strndup(q, n);
    rq->search.query = rq->arg;
    if (memchr(q, '\0', n))
        return lede_seterr_code(err, LEDE_ESYNTAX, "a NUL byte in the query");
    if (!*rq->arg) return lede_seterr_code(err, LEDE_ESYNTAX, "empty query");
    if (rq->facets && rq->cmd == PROTO_COUNT)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facets= is a SEARCH option (COUNT replies one "
                                "line): SEARCH limit=0 facets=... gives the facets without hits");
    return LEDE_OK;
}

int proto_parse(const char *line, size_t len, proto_request *rq, char *err) {
    memset(rq, 0, sizeof *rq);
    rq->cmd = PROTO_UNKNOWN;
    const char *nul = memchr(line, '\0', len);
    if (nul) /* would silently cut the line short once copied as a string */
        return lede_seterr_code(err, LEDE_ESYNTAX, "a NUL byte at column %zu: request lines are text",
                                (size_t)(nul - line) + 1);
    if (len && line[len - 1] == '\r') len--;
    const char *end = line + len, *p = skip_space(line, end);
    const char *we = word_end(p, end);
    rq->cmd = PROTO_UNKNOWN;
    for (int c = 0; c < PROTO_UNKNOWN; c++)
        if (value_is(p, (size_t)(we - p), cmd_names[c])) rq->cmd = (proto_cmd)c;
    if (rq->cmd == PROTO_UNKNOWN) {
        lede_seterr(err, "unknown command '%.*s' (try HELP)", (int)(we - p > 40 ? 40 : we - p), p);
        return LEDE_OK;
    }
    const char *rest = skip_space(we, end);
    while (end > rest && (end[-1] == ' ' || end[-1] == '\t')) end--;
    switch (rq->cmd) {
    case PROTO_SEARCH:
    case PROTO_COUNT:
        return parse_search(rq, rest, end, err);
    case PROTO_PUT:
        return parse_put(rq, rest, end, err);
    case PROTO_SIMILAR:
        return parse_similar(rq, rest, end, err);
    case PROTO_ADD:
        if (rest == end || *rest != '{')
            return lede_seterr_code(err, LEDE_ESYNTAX, "ADD takes an article as a JSON object on the same line");
        rq->arg = lede_strndup(rest, (size_t)(end - rest));
        return LEDE_OK;
    case PROTO_GET:
    case PROTO_SUGGEST:
    case PROTO_AUTH:
    case PROTO_DELETE:
        if (rest == end)
            return lede_seterr_code(err, LEDE_ESYNTAX, "%s needs an argument", cmd_names[rq->cmd]);
        rq->arg = lede_strndup(rest, (size_t)(end - rest));
        return LEDE_OK;
    case PROTO_FORMAT:
        if (!value_is(rest, (size_t)(end - rest), "json") && !value_is(rest, (size_t)(end - rest), "text"))
            return lede_seterr_code(err, LEDE_ESYNTAX, "FORMAT takes 'json' or 'text'");
        rq->arg = lede_strndup(rest, (size_t)(end - rest));
        for (char *c = rq->arg; *c; c++) *c = (char)tolower((unsigned char)*c);
        return LEDE_OK;
    default:
        if (rest != end)
            return lede_seterr_code(err, LEDE_ESYNTAX, "%s takes no argument", cmd_names[rq->cmd]);
        return LEDE_OK;
    }
}
