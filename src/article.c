/* article.c -- parsing of plain-text articles and JSON Lines records into
 * struct article (see article.h and docs/FORMATS.md).  The text parser works
 * on lines: an optional header block, then headline, standfirst, body.  Pure:
 * no I/O; knows nothing of sources, the docstore or the index. */
#include "article.h"
#include "date.h"
#include "utf8.h"
#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void article_init(article *a) {
    memset(a, 0, sizeof *a);
}

void article_free(article *a) {
    free(a->id);
    free(a->title);
    free(a->standfirst);
    free(a->body);
    free(a->author);
    free(a->url);
    free(a->meta);
    free(a->section);
    if (a->fields) {
        article_fields_free(a->fields);
        free(a->fields);
    }
    article_init(a);
}

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return 0;
    return 1;
}

int article_is_empty(const article *a) {
    return (!a->title || is_blank(a->title, strlen(a->title))) &&
           (!a->standfirst || is_blank(a->standfirst, strlen(a->standfirst))) &&
           (!a->body || is_blank(a->body, strlen(a->body)));
}

/* Copy of s[0..n) without surrounding white space. */
static char *trimmed_dup(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) { s++; n--; }
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return lede_strndup(s, n);
}

/* A cursor over the lines of a text; a line excludes its '\n' (and a
 * trailing '\r'). */
typedef struct {
    const char *p, *end;
} lines;

static int next_line(lines *l, const char **s, size_t *n) {
    if (l->p >= l->end) return 0;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    const char *stop = nl ? nl : l->end;
    *s = l->p;
    *n = (size_t)(stop - l->p);
    if (*n && (*s)[*n - 1] == '\r') (*n)--;
    l->p = nl ? nl + 1 : l->end;
    return 1;
}

static void skip_blank_lines(lines *l) {
    const char *s;
    size_t n;
    lines save = *l;
    while (next_line(l, &s, &n)) {
        if (!is_blank(s, n)) {
            *l = save;
            return;
        }
        save = *l;
    }
}

/* The next paragraph: lines up to a blank line or the end. */
static char *take_paragraph(lines *l) {
    const char *s, *start = l->p, *stop = l->p;
    size_t n;
    lines save = *l;
    while (next_line(l, &s, &n)) {
        if (is_blank(s, n)) {
            *l = save;
            break;
        }
        stop = s + n;
        save = *l;
    }
    return trimmed_dup(start, (size_t)(stop - start));
}

static const char *const header_keys[] = {"title", "date", "author", "url",
                                          "id", NULL};

/* "Key: value" with a key of letters, digits, '-' or '_'.  Sets the key
 * length and the value's start. */
static int header_line(const char *s, size_t n, size_t *klen,
                       const char **val) {
    size_t i = 0;
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
        i++;
    if (i == 0 || i >= n || s[i] != ':') return 0;
    *klen = i;
    *val = s + i + 1;
    return 1;
}

static int known_key(const char *s, size_t klen) {
    for (int i = 0; header_keys[i]; i++)
        if (strlen(header_keys[i]) == klen && !strncasecmp(s, header_keys[i], klen))
            return 1;
    return 0;
}

static void set_header(article *a, json_t **meta, const char *key, size_t klen,
                       char *value, char *warn) {
    char **slot = NULL;
    if (klen == 5 && !strncasecmp(key, "title", 5)) slot = &a->title;
    else if (klen == 6 && !strncasecmp(key, "author", 6)) slot = &a->author;
    else if (klen == 3 && !strncasecmp(key, "url", 3)) slot = &a->url;
    else if (klen == 2 && !strncasecmp(key, "id", 2)) slot = &a->id;
    if (slot) {
        free(*slot);
        *slot = value;
        return;
    }
    if (klen == 4 && !strncasecmp(key, "date", 4)) {
        if (date_parse(value, &a->date) == LEDE_OK) a->has_date = 1;
        else lede_seterr(warn, "unrecognised Date header '%.80s'", value);
        free(value);
        return;
    }
    if (!*meta) *meta = json_object();
    char *k = lede_strndup(key, klen);
    for (char *c = k; *c; c++) *c = (char)tolower((unsigned char)*c);
    json_object_set_new(*meta, k, json_string(value));
    free(k);
    free(value);
}

/* Parses a header block if the text starts with one; on success the cursor
 * is past the blank line that ends it. */
static void parse_header_block(lines *l, article *a, char *warn) {
    lines probe = *l;
    const char *s, *val;
    size_t n, klen;
    if (!next_line(&probe, &s, &n) || !header_line(s, n, &klen, &val) ||
        !known_key(s, klen))
        return;
    /* Every line up to the first blank one must be a header line. */
    probe = *l;
    int ended = 0;
    while (next_line(&probe, &s, &n)) {
        if (is_blank(s, n)) { ended = 1; break; }
        if (!header_line(s, n, &klen, &val)) return;
    }
    if (!ended) return;
    json_t *meta = NULL;
    while (next_line(l, &s, &n) && !is_blank(s, n)) {
        header_line(s, n, &klen, &val);
        set_header(a, &meta, s, klen, trimmed_dup(val, (size_t)(s + n - val)),
                   warn);
    }
    if (meta) {
        a->meta = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(meta);
    }
}

int article_parse_text(const char *text, size_t len, article *a, char *err,
                       char *warn) {
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { text += 3; len -= 3; }
    lines l = {text, text + len};
    parse_header_block(&l, a, warn);
    skip_blank_lines(&l);
    const char *s;
    size_t n;
    int title_in_text = a->title == NULL;
    if (title_in_text)
        a->title = next_line(&l, &s, &n) ? trimmed_dup(s, n) : lede_strdup("");
    /* Standfirst: the line right under the headline; else the next
     * paragraph after the blank line(s). */
    lines peek = l;
    if (title_in_text && next_line(&peek, &s, &n) && !is_blank(s, n)) {
        a->standfirst = trimmed_dup(s, n);
        l = peek;
    } else {
        skip_blank_lines(&l);
        a->standfirst = take_paragraph(&l);
    }
    skip_blank_lines(&l);
    a->body = trimmed_dup(l.p, (size_t)(l.end - l.p));
    if (article_is_empty(a))
        return lede_seterr_code(err, LEDE_ESKIP, "empty article");
    return LEDE_OK;
}

/* Takes a string field; a JSON null counts as absent.  Returns 0 on a
 * value of the wrong type. */
static int json_take_string(json_t *obj, const char *key, char **slot,
                            char *err) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 1;
    if (!json_is_string(v)) {
        lede_seterr(err, "field \"%s\" is not a string", key);
        return 0;
    }
    free(*slot);
    *slot = trimmed_dup(json_string_value(v), json_string_length(v));
    return 1;
}

static int json_take_id(json_t *obj, article *a, char *err) {
    json_t *v = json_object_get(obj, "id");
    if (!v || json_is_null(v)) return 1;
    if (json_is_integer(v)) {
        sbuf b;
        sbuf_init(&b);
        sbuf_printf(&b, "%lld", (long long)json_integer_value(v));
        a->id = sbuf_detach(&b);
        return 1;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        lede_seterr(err, "field \"id\" is not a non-empty string or integer");
        return 0;
    }
    /* checked at its full length (jansson refuses "\u0000" already) */
    if (article_check_id(json_string_value(v), json_string_length(v), err) != LEDE_OK) return 0;
    a->id = lede_strndup(json_string_value(v), json_string_length(v));
    return 1;
}

static void json_take_date(json_t *obj, article *a, char *warn) {
    json_t *v = json_object_get(obj, "date");
    if (!v || json_is_null(v)) return;
    if (json_is_integer(v)) {
        a->date = (int64_t)json_integer_value(v);
        a->has_date = 1;
    } else if (json_is_string(v) &&
               date_parse(json_string_value(v), &a->date) == LEDE_OK) {
        a->has_date = 1;
    } else {
        lede_seterr(warn, "unrecognised date, article kept undated");
    }
}

/* Field names with a meaning; everything else is kept as metadata. */
static const char *const json_known[] = {
    "id", "title", "text", "body", "date", "author", "url", "lede",
    "standfirst", NULL};

static void json_collect_meta(json_t *obj, article *a) {
    json_t *meta = json_object(), *v;
    const char *key;
    json_object_foreach(obj, key, v) {
        int known = 0;
        for (int i = 0; json_known[i]; i++)
            if (!strcmp(key, json_known[i])) known = 1;
        if (!known) json_object_set(meta, key, v);
    }
    if (json_object_size(meta))
        a->meta = json_dumps(meta, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(meta);
}

static int json_fill(json_t *obj, article *a, char *err, char *warn) {
    if (!json_take_id(obj, a, err) ||
        !json_take_string(obj, "title", &a->title, err) ||
        !json_take_string(obj, "body", &a->body, err) ||
        !json_take_string(obj, "text", &a->body, err) ||
        !json_take_string(obj, "standfirst", &a->standfirst, err) ||
        !json_take_string(obj, "lede", &a->standfirst, err) ||
        !json_take_string(obj, "author", &a->author, err) ||
        !json_take_string(obj, "url", &a->url, err))
        return LEDE_ESKIP;
    json_take_date(obj, a, warn);
    json_collect_meta(obj, a);
    if (!a->title) a->title = lede_strdup("");
    if (!a->standfirst) a->standfirst = lede_strdup("");
    if (!a->body) a->body = lede_strdup("");
    if (article_is_empty(a))
        return lede_seterr_code(err, LEDE_ESKIP, "empty article");
    return LEDE_OK;
}

int article_parse_json(const char *line, size_t len, article *a, char *err,
                       char *warn) {
    json_error_t jerr;
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!obj)
        return lede_seterr_code(err, LEDE_ESKIP,
                                "malformed JSON at column %d: %s",
                                jerr.column, jerr.text);
    int rc;
    if (!json_is_object(obj))
        rc = lede_seterr_code(err, LEDE_ESKIP, "JSON value is not an object");
    else
        rc = json_fill(obj, a, err, warn);
    json_decref(obj);
    if (rc != LEDE_OK) article_free(a);
    return rc;
}

/* ---- from raw bytes ---------------------------------------------------- */

static void apply_defaults(article *a, const article_defaults *d) {
    if (d->section && *d->section && !a->section) a->section = lede_strdup(d->section);
    if (!a->id && d->id) {
        if (d->id_line) {
            sbuf id;
            sbuf_init(&id);
            sbuf_printf(&id, "%s#%llu", d->id, (unsigned long long)d->id_line);
            a->id = sbuf_detach(&id);
        } else {
            a->id = lede_strdup(d->id);
        }
    }
    if (!a->has_date && d->has_date) {
        a->date = d->date;
        a->has_date = 1;
    }
}

int article_check_id(const char *id, size_t len, char *err) {
    if (len == 0) return lede_seterr_code(err, LEDE_ESKIP, "the id is empty");
    if (len > ARTICLE_ID_MAX)
        return lede_seterr_code(err, LEDE_ESKIP, "the id is %zu bytes long, more than the %d allowed",
                                len, ARTICLE_ID_MAX);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c < 0x20 || c == 0x7f)
            return lede_seterr_code(err, LEDE_ESKIP,
                                    "the id holds a control character (byte 0x%02X at %zu): "
                                    "ids are printable text", c, i + 1);
    }
    return LEDE_OK;
}

/* An article made: its defaults, then its id checked. */
static int finish(article *a, const article_defaults *d, char *err) {
    if (d) apply_defaults(a, d);
    if (a->id && article_check_id(a->id, strlen(a->id), err) != LEDE_OK) {
        article_free(a);
        return LEDE_ESKIP;
    }
    return LEDE_OK;
}

/* A JSON record parsed before its UTF-8 is checked: jansson passes every
 * byte it reads through its own UTF-8 check, the same rules as
 * utf8_is_valid's (no overlong forms, no surrogates, nothing past
 * U+10FFFF, no sequence cut short), and a record it parses has had every
 * byte read (outside strings JSON is ASCII; after the value only white
 * space may follow), so bytes it parses are valid UTF-8 and need no second
 * walk (tests/unit/test_article's test_json_utf8 checks this on mutated
 * records).  Sets *bad when jansson refused bytes that are not valid
 * UTF-8 (err untouched): the caller repairs them and parses again, as for
 * any text; else returns what article_parse_json returned. */
static int json_unchecked(const char *bytes, size_t len, article *a, char *err, char *warn,
                          int *bad) {
    char first[LEDE_ERRLEN] = "";
    int rc = article_parse_json(bytes, len, a, first, warn);
    *bad = rc != LEDE_OK && !utf8_is_valid(bytes, len);
    if (rc != LEDE_OK && !*bad && err) memcpy(err, first, LEDE_ERRLEN);
    return rc;
}

int article_from_bytes(const char *bytes, size_t len, article_layout layout,
                       const article_defaults *d, article *a,
                       article_repair *rep, char *err, char *warn) {
    article_repair r = {UTF8_CLEAN, 0};
    sbuf clean;
    sbuf_init(&clean);
    if (!bytes) bytes = ""; /* an empty file's buffer */
    if (layout == ARTICLE_JSON) {
        int bad;
        int rc = json_unchecked(bytes, len, a, err, warn, &bad);
        if (!bad) {
            if (rep) *rep = r;
            return rc == LEDE_OK ? finish(a, d, err) : rc;
        }
    }
    /* Valid text (nearly all of it) is parsed where it lies, uncopied. */
    if (!utf8_is_valid(bytes, len)) {
        r.kind = utf8_repair(bytes, len, &clean, &r.fixed);
        bytes = clean.data;
        len = clean.len;
    }
    if (rep) *rep = r;
    const char *nul = layout == ARTICLE_TEXT ? memchr(bytes, '\0', len) : NULL;
    if (nul) { /* the fields are C strings: it would cut one short */
        sbuf_free(&clean);
        return lede_seterr_code(err, LEDE_ESKIP, "a NUL byte at offset %zu: an article is text",
                                (size_t)(nul - bytes));
    }
    int rc = layout == ARTICLE_JSON ? article_parse_json(bytes, len, a, err, warn)
                                    : article_parse_text(bytes, len, a, err, warn);
    sbuf_free(&clean);
    if (rc != LEDE_OK) {
        article_free(a);
        return rc;
    }
    return finish(a, d, err);
}
