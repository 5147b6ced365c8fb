/* protocol_reply.c -- every reply of the line protocol formatted, in text
 * or JSON (see protocol.h and docs/PROTOCOL.md).  Text replies are built by
 * hand; JSON replies through jansson, so escaping is never improvised,
 * except the replies of every query (SEARCH, SIMILAR, COUNT), written
 * straight into the buffer by jsonw.c, which writes jansson's bytes.
 * Parsing requests is protocol.c's; this file reads no request line. */
#include "protocol.h"
#include "date.h"
#include "jsonw.h"
#include "protocol_facets.h"
#include "utf8.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


void proto_escape(sbuf *out, const char *s) {
    while (s && *s) {
        size_t plain = strcspn(s, "\\\t\n\r");
        sbuf_append(out, s, plain);
        s += plain;
        if (!*s) break;
        char esc[2] = {'\\', *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\'};
        sbuf_append(out, esc, 2);
        s++;
    }
}

size_t proto_unescape(char *s) {
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r != '\\' || !r[1]) { *w++ = *r; continue; }
        r++;
        *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r == 'r' ? '\r' : *r;
    }
    *w = '\0';
    return (size_t)(w - s);
}

static void json_line(sbuf *out, json_t *obj) {
    char *s = json_dumps(obj, JSON_COMPACT);
    sbuf_puts(out, s ? s : "{\"ok\":false,\"error\":\"INTERNAL\",\"message\":\"encoding\"}");
    sbuf_putc(out, '\n');
    free(s);
    json_decref(obj);
}

static json_t *json_ok(proto_cmd cmd) {
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    char name[16];
    size_t i = 0;
    for (const char *c = proto_cmd_name(cmd); *c && i < sizeof name - 1; c++)
        name[i++] = (char)tolower((unsigned char)*c);
    name[i] = '\0';
    json_object_set_new(o, "cmd", json_string(name));
    return o;
}

/* A string that came from the index is valid UTF-8; guard anyway. */
static json_t *json_str(const char *s) {
    json_t *v = json_string(s ? s : "");
    return v ? v : json_string("\xEF\xBF\xBD");
}

/* An error message may quote what the client sent, which need not be
 * UTF-8: each byte that is not is written as the four characters \xNN
 * (control characters are escaped by JSON itself, as \u00NN), so the
 * client sees which bytes were wrong instead of one U+FFFD. */
static json_t *json_quoted(const char *s) {
    size_t n = strlen(s);
    if (utf8_is_valid(s, n)) return json_string(s);
    sbuf out;
    sbuf_init(&out);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq_len((const unsigned char *)s + i, n - i);
        if (k) {
            sbuf_append(&out, s + i, k);
            i += k;
        } else {
            sbuf_printf(&out, "\\x%02X", (unsigned char)s[i++]);
        }
    }
    json_t *v = json_stringn(out.data, out.len);
    sbuf_free(&out);
    return v ? v : json_string("\xEF\xBF\xBD");
}

void proto_reply_error(sbuf *out, int json, const char *code, const char *msg) {
    if (json) {
        json_t *o = json_object();
        json_object_set_new(o, "ok", json_false());
        json_object_set_new(o, "error", json_string(code));
        json_object_set_new(o, "message", json_quoted(msg));
        json_line(out, o);
        return;
    }
    sbuf_printf(out, "ERR %s ", code);
    for (const char *c = msg; *c; c++) sbuf_putc(out, *c == '\n' || *c == '\r' ? ' ' : *c);
    sbuf_putc(out, '\n');
}

void proto_reply_word(sbuf *out, int json, proto_cmd cmd, const char *word) {
    if (json) {
        json_t *o = json_ok(cmd);
        if (cmd == PROTO_FORMAT) json_object_set_new(o, "format", json_string(word));
        json_line(out, o);
        return;
    }
    if (cmd == PROTO_FORMAT) sbuf_printf(out, "OK FORMAT %s\n", word);
    else sbuf_printf(out, "OK %s\n", word);
}

static void format_date(const search_hit *h, char buf[32]) {
    if (h->has_date) date_format(h->date, buf);
    else strcpy(buf, "-");
}

/* A hit's snippet for the text protocol: as written, the request's hl=
 * markers around each highlight, then escaped for the line. */
static void snippet_text(sbuf *out, const proto_request *rq, const search_hit *h) {
    const char *s = h->snippet ? h->snippet : "";
    size_t len = strlen(s), at = 0;
    sbuf marked;
    sbuf_init(&marked);
    for (unsigned i = 0; i < h->nhighlights; i++) {
        const search_span *sp = &h->highlights[i];
        if (sp->start < at || sp->end > len || sp->start >= sp->end) continue;
        sbuf_append(&marked, s + at, sp->start - at);
        sbuf_puts(&marked, rq->hl_open);
        sbuf_append(&marked, s + sp->start, sp->end - sp->start);
        sbuf_puts(&marked, rq->hl_close);
        at = sp->end;
    }
    sbuf_append(&marked, s + at, len - at);
    proto_escape(out, marked.len ? marked.data : "");
    sbuf_free(&marked);
}

/* What a search_results.hint says to a reader. */
static const char *hint_message(const char *hint) {
    if (!strcmp(hint, SEARCH_HINT_STOPWORDS))
        return "every word of the query is a stop word, which this index leaves out"
               " (lede-index --info lists them): add another word, or quote a phrase of them";
    return hint;
}

/* A JSON reply's opening: {"ok":true,"cmd":"NAME" (json_ok's keys). */
static void json_ok_open(sbuf *out, proto_cmd cmd) {
    sbuf_puts(out, "{\"ok\":true,\"cmd\":\"");
    for (const char *c = proto_cmd_name(cmd); *c; c++) sbuf_putc(out, (char)tolower((unsigned char)*c));
    sbuf_putc(out, '"');
}

/* ,"KEY":N */
static void json_key_int(sbuf *out, const char *key, long long v) {
    sbuf_puts(out, ",\"");
    sbuf_puts(out, key);
    sbuf_puts(out, "\":");
    jsonw_int(out, v);
}

static void search_json_hit(sbuf *out, const proto_request *rq, const search_hit *h) {
    char date[32];
    format_date(h, date);
    sbuf_puts(out, "{\"rank\":");
    jsonw_int(out, h->rank);
    sbuf_puts(out, ",\"id\":");
    jsonw_str(out, h->id);
    if (isfinite(h->score)) { /* jansson holds no NaN or infinity: the key was left out */
        sbuf_puts(out, ",\"score\":");
        jsonw_real(out, h->score);
    }
    sbuf_puts(out, ",\"title\":");
    jsonw_str(out, h->title);
    sbuf_puts(out, ",\"date\":");
    if (h->has_date) jsonw_str(out, date);
    else sbuf_puts(out, "null");
    sbuf_puts(out, ",\"snippet\":");
    jsonw_str(out, h->snippet);
    sbuf_puts(out, ",\"highlights\":[");
    for (unsigned i = 0; i < h->nhighlights; i++) {
        sbuf_puts(out, i ? ",[" : "[");
        jsonw_int(out, h->highlights[i].start);
        sbuf_putc(out, ',');
        jsonw_int(out, h->highlights[i].end);
        sbuf_putc(out, ']');
    }
    sbuf_putc(out, ']');
    if (rq->collapse[0]) json_key_int(out, "similar", h->similar);
    if (rq->cmd == PROTO_SIMILAR && rq->search.dups_show) {
        sbuf_puts(out, ",\"dup\":");
        jsonw_bool(out, h->near_dup);
    }
    sbuf_putc(out, '}');
}

/* The facets object, still a jansson tree (asked for seldom): dumped as
 * the whole reply was. */
static void search_json_facets(sbuf *out, const search_results *res) {
    json_t *f = proto_facets_json(res);
    char *s = f ? json_dumps(f, JSON_COMPACT) : NULL;
    sbuf_puts(out, ",\"facets\":");
    sbuf_puts(out, s ? s : "{}");
    free(s);
    json_decref(f);
}

/* Written straight into out (jsonw.h): the bytes jansson wrote for the
 * same tree, keys in the order they were set. */
static void search_json(sbuf *out, const proto_request *rq,
                        const search_results *res, uint64_t took_us) {
    json_ok_open(out, rq->cmd);
    json_key_int(out, "total", (long long)res->total);
    sbuf_puts(out, ",\"exact\":");
    jsonw_bool(out, res->exact);
    json_key_int(out, "total_min", (long long)res->total_min);
    json_key_int(out, "total_max", (long long)res->total_max);
    json_key_int(out, "offset", rq->search.offset);
    json_key_int(out, "limit", rq->search.limit);
    if (rq->limit_capped) json_key_int(out, "limit_asked", rq->limit_asked);
    json_key_int(out, "took_us", (long long)took_us);
    sbuf_puts(out, ",\"retried_any\":");
    jsonw_bool(out, res->retried_any);
    if (res->tiered) sbuf_puts(out, ",\"tiered\":true");
    sbuf_puts(out, ",\"did_you_mean\":");
    if (res->did_you_mean) jsonw_str(out, res->did_you_mean);
    else sbuf_puts(out, "null");
    if (res->hint) {
        sbuf_puts(out, ",\"hint\":{\"kind\":");
        jsonw_str(out, res->hint);
        sbuf_puts(out, ",\"message\":");
        jsonw_str(out, hint_message(res->hint));
        sbuf_putc(out, '}');
    }
    sbuf_puts(out, ",\"hits\":[");
    for (unsigned i = 0; i < res->nhits; i++) {
        if (i) sbuf_putc(out, ',');
        search_json_hit(out, rq, &res->hits[i]);
    }
    sbuf_putc(out, ']');
    if (rq->search.facets) search_json_facets(out, res);
    sbuf_puts(out, "}\n");
}

void proto_reply_search(sbuf *out, int json, const proto_request *rq,
                        const search_results *res, uint64_t took_us) {
    if (json) {
        search_json(out, rq, res, took_us);
        return;
    }
    sbuf_printf(out, "OK %s total=%llu exact=%d", proto_cmd_name(rq->cmd),
                (unsigned long long)res->total, res->exact);
    if (!res->exact) /* an estimate: the bounds it lies within */
        sbuf_printf(out, " total_min=%llu total_max=%llu", (unsigned long long)res->total_min,
                    (unsigned long long)res->total_max);
    sbuf_printf(out, " offset=%u limit=%u hits=%u took_us=%llu%s", rq->search.offset,
                rq->search.limit, res->nhits, (unsigned long long)took_us,
                res->retried_any ? " retried=any" : "");
    if (res->tiered) sbuf_puts(out, " tiered=1");
    if (rq->limit_capped) sbuf_printf(out, " limit_asked=%u", rq->limit_asked);
    if (rq->search.facets) sbuf_printf(out, " facets=%u", res->nfacets);
    sbuf_putc(out, '\n');
    if (res->did_you_mean) {
        sbuf_puts(out, "DIDYOUMEAN\t");
        proto_escape(out, res->did_you_mean);
        sbuf_putc(out, '\n');
    }
    if (res->hint) sbuf_printf(out, "HINT\t%s\t%s\n", res->hint, hint_message(res->hint));
    for (unsigned i = 0; i < res->nhits; i++) {
        const search_hit *h = &res->hits[i];
        char date[32];
        format_date(h, date);
        sbuf_printf(out, "HIT\t%u\t", h->rank);
        proto_escape(out, h->id);
        sbuf_printf(out, "\t%.4f\t%s\t", h->score, date);
        proto_escape(out, h->title);
        sbuf_putc(out, '\t');
        snippet_text(out, rq, h);
        if (rq->collapse[0]) sbuf_printf(out, "\tsimilar=%u", h->similar);
        if (h->near_dup) sbuf_puts(out, "\tdup=1");
        sbuf_putc(out, '\n');
    }
    proto_facets_text(out, res);
    sbuf_puts(out, "END\n");
}

void proto_reply_count(sbuf *out, int json, uint64_t total) {
    if (json) {
        json_ok_open(out, PROTO_COUNT);
        json_key_int(out, "total", (long long)total);
        sbuf_puts(out, "}\n");
        return;
    }
    sbuf_printf(out, "OK COUNT %llu\n", (unsigned long long)total);
}

static void text_field(sbuf *out, const char *key, const char *value) {
    if (!value) return;
    sbuf_printf(out, "%s\t", key);
    proto_escape(out, value);
    sbuf_putc(out, '\n');
}

void proto_reply_article(sbuf *out, int json, const article *a) {
    proto_reply_article_marked(out, json, a, NULL, 0);
}

static json_t *json_marks(const boiler_span *marks, size_t n) {
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("[II]", (json_int_t)marks[i].start,
                                              (json_int_t)marks[i].end));
    return list;
}

static void text_marks(sbuf *out, const boiler_span *marks, size_t n) {
    if (n == 0) return;
    sbuf_puts(out, "boilerplate\t");
    for (size_t i = 0; i < n; i++)
        sbuf_printf(out, "%s%zu-%zu", i ? "," : "", marks[i].start, marks[i].end);
    sbuf_putc(out, '\n');
}

void proto_reply_article_marked(sbuf *out, int json, const article *a, const boiler_span *marks,
                                size_t n) {
    char date[32] = "";
    if (a->has_date) date_format(a->date, date);
    if (json) {
        json_t *o = json_ok(PROTO_GET), *art = json_object();
        json_object_set_new(art, "id", json_str(a->id));
        json_object_set_new(art, "title", json_str(a->title));
        json_object_set_new(art, "date", a->has_date ? json_string(date) : json_null());
        json_object_set_new(art, "author", a->author ? json_str(a->author) : json_null());
        json_object_set_new(art, "url", a->url ? json_str(a->url) : json_null());
        json_object_set_new(art, "standfirst", json_str(a->standfirst));
        json_object_set_new(art, "body", json_str(a->body));
        json_t *meta = a->meta ? json_loads(a->meta, 0, NULL) : NULL;
        json_object_set_new(art, "meta", meta ? meta : json_object());
        json_object_set_new(art, "boilerplate", json_marks(marks, n));
        json_object_set_new(o, "article", art);
        json_line(out, o);
        return;
    }
    sbuf_puts(out, "OK GET\n");
    text_field(out, "id", a->id);
    text_field(out, "title", a->title);
    text_field(out, "date", a->has_date ? date : NULL);
    text_field(out, "author", a->author);
    text_field(out, "url", a->url);
    text_field(out, "meta", a->meta);
    text_field(out, "standfirst", a->standfirst);
    text_field(out, "body", a->body);
    text_marks(out, marks, n);
    sbuf_puts(out, "END\n");
}

void proto_reply_suggest(sbuf *out, int json, const char *corrected) {
    if (json) {
        json_t *o = json_ok(PROTO_SUGGEST);
        json_object_set_new(o, "suggestion", corrected && *corrected ? json_str(corrected) : json_null());
        json_line(out, o);
        return;
    }
    sbuf_puts(out, "OK SUGGEST\n");
    if (corrected && *corrected) text_field(out, "SUGGESTION", corrected);
    sbuf_puts(out, "END\n");
}

void proto_reply_stats(sbuf *out, int json, const proto_stat *kv, int n) {
    if (json) {
        json_t *o = json_ok(PROTO_STATS);
        for (int i = 0; i < n; i++) {
            char *end;
            long long v = strtoll(kv[i].value, &end, 10);
            json_object_set_new(o, kv[i].key, *kv[i].value && !*end ? json_integer(v)
                                                                     : json_str(kv[i].value));
        }
        json_line(out, o);
        return;
    }
    sbuf_puts(out, "OK STATS\n");
    for (int i = 0; i < n; i++) sbuf_printf(out, "%s\t%s\n", kv[i].key, kv[i].value);
    sbuf_puts(out, "END\n");
}

static const char *const help_lines[] = {
    "PING                          liveness: OK PONG",
    "SEARCH [options] [--] QUERY   ranked search; options: limit=N (<=100) offset=N",
    "                              sort=relevance|date|FIELD[:asc|:desc]",
    "                              mode=all|any exact=0|1",
    "                              snippet=BYTES (0: none) hl=OPEN,CLOSE",
    "                              facets=NAME[:N],... (fields; year|month|day)",
    "                              collapse=dup|FIELD (one hit per near-duplicate",
    "                              group or per value of FIELD; HIT gains similar=N)",
    "COUNT [options] QUERY         exact number of matches",
    "GET ID                        the stored article",
    "SIMILAR ID [options] [-- QUERY]  articles like article ID (not it, nor its",
    "                              near-duplicates unless dups=show: then dup=1);",
    "                              SEARCH's options; QUERY filters without weight",
    "SUGGEST QUERY                 spelling-corrected query",
    "STATS                         server and index figures",
    "FORMAT json|text              reply format for this connection",
    "AUTH TOKEN                    allow the ingest commands on this connection",
    "ADD {json}                    add or replace an article given as JSON",
    "PUT ID BYTES                  add or replace an article sent as the BYTES",
    "                              that follow the line (plain-text layout)",
    "DELETE ID                     delete an article",
    "COMMIT                        make what was sent durable and searchable",
    "COMPACT                       rewrite the index compactly",
    "HELP                          this text",
    "QUIT                          close the connection",
    "Queries: words (AND), OR, NOT, -word, +word, (...), \"phrase\", a NEAR b,",
    "a NEAR/5 b, prefix*, title:word, title:\"a phrase\", author:, lede:, body:,",
    "date:2014-03-01..2014-03-31 (open ends allowed). See docs/QUERY.md.",
    NULL};

void proto_reply_ingest(sbuf *out, int json, proto_cmd cmd, const char *outcome,
                        const char *id) {
    if (json) {
        json_t *o = json_ok(cmd);
        char word[16];
        size_t i = 0;
        for (; outcome[i] && i < sizeof word - 1; i++) word[i] = (char)tolower((unsigned char)outcome[i]);
        word[i] = '\0';
        json_object_set_new(o, "outcome", json_string(word));
        json_object_set_new(o, "id", json_str(id));
        json_line(out, o);
        return;
    }
    sbuf_printf(out, "OK %s ", outcome);
    proto_escape(out, id);
    sbuf_putc(out, '\n');
}

void proto_reply_commit(sbuf *out, int json, proto_cmd cmd, uint64_t revision,
                        uint64_t articles) {
    if (json) {
        json_t *o = json_ok(cmd);
        json_object_set_new(o, "revision", json_integer((json_int_t)revision));
        json_object_set_new(o, "articles", json_integer((json_int_t)articles));
        json_line(out, o);
        return;
    }
    sbuf_printf(out, "OK %s revision=%llu articles=%llu\n",
                cmd == PROTO_COMPACT ? "COMPACTED" : "COMMITTED",
                (unsigned long long)revision, (unsigned long long)articles);
}

void proto_reply_help(sbuf *out, int json) {
    if (json) {
        json_t *o = json_ok(PROTO_HELP), *lines = json_array();
        for (int i = 0; help_lines[i]; i++) json_array_append_new(lines, json_string(help_lines[i]));
        json_object_set_new(o, "lines", lines);
        json_line(out, o);
        return;
    }
    sbuf_puts(out, "OK HELP\n");
    for (int i = 0; help_lines[i]; i++) sbuf_printf(out, "%s\n", help_lines[i]);
    sbuf_puts(out, "END\n");
}

void proto_reply_health(sbuf *out, const char *status) {
    json_t *o = json_object();
    json_object_set_new(o, "ok", json_true());
    json_object_set_new(o, "status", json_string(status));
    json_line(out, o);
}

/* Each row: "LINE\t" and a JSON reply object; it goes into "results"
 * with "line" first.  A row that does not parse (it cannot: the rows are
 * this file's own replies) is left out. */
void proto_reply_batch(sbuf *out, const char *rows, const uint64_t counts[4]) {
    json_t *o = json_ok(PROTO_ADD), *results = json_array();
    uint64_t n = 0;
    for (const char *r = rows; *r;) {
        const char *nl = strchr(r, '\n'), *end = nl ? nl : r + strlen(r);
        const char *tab = memchr(r, '\t', (size_t)(end - r));
        json_t *row = tab ? json_loadb(tab + 1, (size_t)(end - tab - 1), 0, NULL) : NULL;
        if (row) {
            json_t *item = json_object();
            json_object_set_new(item, "line", json_integer(strtoll(r, NULL, 10)));
            json_object_update(item, row);
            json_decref(row);
            json_array_append_new(results, item);
            n++;
        }
        r = nl ? nl + 1 : end;
    }
    json_object_set_new(o, "articles", json_integer((json_int_t)n));
    static const char *const keys[4] = {"added", "replaced", "unchanged", "failed"};
    for (int i = 0; i < 4; i++) json_object_set_new(o, keys[i], json_integer((json_int_t)counts[i]));
    json_object_set_new(o, "results", results);
    json_line(out, o);
}
