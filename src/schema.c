/* schema.c -- the metadata fields of an index (see schema.h): names, kinds,
 * the "lede.schema" text, --schema declarations, and a query's field name
 * resolved.  Pure functions over a plain array; touches no index. */
#include "schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const kind_names[] = {"keyword", "number", "date"};

/* The one list of the names lede gives a meaning of its own, none of which
 * a metadata field may take: the article's text fields (a facet cannot
 * count them), the prefixes of lede's query language
 * (src/engine/query_parser.cc adds them), and the words of a query or a
 * facet (the date histograms, collapse=dup). */
static const struct {
    const char *name;
    unsigned roles;
} own_names[] = {
    {"id", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"title", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"headline", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"standfirst", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"lede", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"text", SCHEMA_OWN_TEXT},
    {"body", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"author", SCHEMA_OWN_TEXT | SCHEMA_OWN_PREFIX},
    {"url", SCHEMA_OWN_TEXT},
    {"date", SCHEMA_OWN_PREFIX},
    {"year", SCHEMA_OWN_WORD},
    {"month", SCHEMA_OWN_WORD},
    {"day", SCHEMA_OWN_WORD},
    {"dup", SCHEMA_OWN_WORD},
};

int schema_own_name(const char *name, size_t len, unsigned roles) {
    for (size_t i = 0; i < sizeof own_names / sizeof own_names[0]; i++)
        if ((own_names[i].roles & roles) && strlen(own_names[i].name) == len &&
            !strncasecmp(own_names[i].name, name, len))
            return 1;
    return 0;
}

void schema_init(schema *s) {
    s->fields = NULL;
    s->n = s->cap = 0;
}

void schema_free(schema *s) {
    free(s->fields);
    schema_init(s);
}

void schema_copy(schema *dst, const schema *src) {
    schema_free(dst);
    if (!src->n) return;
    dst->fields = lede_malloc(src->n * sizeof *dst->fields);
    memcpy(dst->fields, src->fields, src->n * sizeof *dst->fields);
    dst->n = dst->cap = src->n;
}

const char *schema_kind_name(field_kind k) {
    return (unsigned)k < 3 ? kind_names[k] : "?";
}

int schema_kind_parse(const char *name, field_kind *out, char *err) {
    for (unsigned k = 0; k < 3; k++)
        if (!strcmp(name, kind_names[k])) {
            *out = (field_kind)k;
            return LEDE_OK;
        }
    return lede_seterr(err, "unknown field kind '%s' (keyword, number or date)", name);
}

static int is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
}

int schema_check_name(const char *name, size_t len, char *err) {
    if (len == 0 || len > SCHEMA_NAME_MAX)
        return lede_seterr(err, "a field name has 1 to %d bytes", SCHEMA_NAME_MAX);
    if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return lede_seterr(err, "field name '%.*s' does not start with a letter", (int)len, name);
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(name[i]))
            return lede_seterr(err, "field name '%.*s': only letters, digits, '_', '.', '-'",
                               (int)len, name);
    if (schema_own_name(name, len, SCHEMA_OWN_ANY))
        return lede_seterr(err, "'%.*s' is an article field or a query word, not a metadata "
                           "field name", (int)len, name);
    return LEDE_OK;
}

int schema_find(const schema *s, const char *name, size_t len) {
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->fields[i].name) == len && !memcmp(s->fields[i].name, name, len))
            return (int)i;
    return -1;
}

int schema_add(schema *s, const char *name, size_t len, field_kind kind, int declared,
               size_t *index, char *err) {
    int have = schema_find(s, name, len);
    if (have >= 0) {
        if (s->fields[have].kind != kind)
            return lede_seterr(err, "field '%.*s' is a %s field, not %s", (int)len, name,
                               schema_kind_name(s->fields[have].kind), schema_kind_name(kind));
        if (index) *index = (size_t)have;
        return LEDE_OK;
    }
    if (schema_check_name(name, len, err) != LEDE_OK) return LEDE_ERR;
    if (s->n >= SCHEMA_MAX_FIELDS)
        return lede_seterr_code(err, LEDE_ELIMIT, "more than %d metadata fields",
                                SCHEMA_MAX_FIELDS);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->fields = lede_realloc(s->fields, s->cap * sizeof *s->fields);
    }
    schema_field *f = &s->fields[s->n];
    memcpy(f->name, name, len);
    f->name[len] = '\0';
    f->kind = kind;
    f->declared = declared;
    if (index) *index = s->n;
    s->n++;
    return LEDE_OK;
}

/* The one field for which same(field name, query name) holds, or -1 (none)
 * or -2 (several). */
static int find_unique(const schema *s, const char *name, size_t len,
                       int (*same)(const char *, const char *, size_t)) {
    int found = -1;
    for (size_t i = 0; i < s->n; i++)
        if (same(s->fields[i].name, name, len)) {
            if (found >= 0) return -2;
            found = (int)i;
        }
    return found;
}

static int same_ignoring_case(const char *field, const char *name, size_t len) {
    return strlen(field) == len && !strncasecmp(field, name, len);
}

static int same_but_plural(const char *field, const char *name, size_t len) {
    size_t fl = strlen(field);
    if (fl == len + 1 && (field[len] == 's' || field[len] == 'S'))
        return !strncasecmp(field, name, len);
    if (len == fl + 1 && (name[fl] == 's' || name[fl] == 'S'))
        return !strncasecmp(field, name, fl);
    return 0;
}

void schema_list_names(const schema *s, sbuf *out) {
    if (!s->n) {
        sbuf_puts(out, "this index has no metadata fields");
        return;
    }
    sbuf_puts(out, "this index has: ");
    for (size_t i = 0; i < s->n; i++) sbuf_printf(out, "%s%s", i ? ", " : "", s->fields[i].name);
}

int schema_resolve(const schema *s, const char *name, size_t len, size_t *index, char *err) {
    int i = schema_find(s, name, len);
    if (i < 0) i = find_unique(s, name, len, same_ignoring_case);
    if (i == -1) i = find_unique(s, name, len, same_but_plural);
    if (i >= 0) {
        *index = (size_t)i;
        return LEDE_OK;
    }
    sbuf known;
    sbuf_init(&known);
    schema_list_names(s, &known);
    lede_seterr_code(err, LEDE_ENOTFOUND, "%s field '%.*s'; %s",
                     i == -2 ? "ambiguous" : "unknown", (int)(len > 64 ? 64 : len), name,
                     known.data ? known.data : "");
    sbuf_free(&known);
    return LEDE_ENOTFOUND;
}

void schema_format(const schema *s, sbuf *out) {
    for (size_t i = 0; i < s->n; i++)
        sbuf_printf(out, "%s\t%s\t%s\n", s->fields[i].name, schema_kind_name(s->fields[i].kind),
                    s->fields[i].declared ? "declared" : "inferred");
}

/* One "NAME TAB KIND TAB ORIGIN" line (no LF) into s. */
static int parse_line(schema *s, const char *line, size_t len, char *err) {
    const char *t1 = memchr(line, '\t', len);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line)) : NULL;
    if (!t2) return lede_seterr(err, "lede.schema: line '%.*s' is not NAME TAB KIND TAB ORIGIN",
                                (int)(len > 80 ? 80 : len), line);
    char kind[16], origin[16];
    size_t kl = (size_t)(t2 - t1 - 1), ol = len - (size_t)(t2 + 1 - line);
    if (kl >= sizeof kind || ol >= sizeof origin)
        return lede_seterr(err, "lede.schema: bad kind or origin in '%.*s'", (int)len, line);
    memcpy(kind, t1 + 1, kl);
    kind[kl] = '\0';
    memcpy(origin, t2 + 1, ol);
    origin[ol] = '\0';
    field_kind k = FIELD_KEYWORD;
    if (schema_kind_parse(kind, &k, err) != LEDE_OK) return LEDE_ERR;
    if (strcmp(origin, "inferred") && strcmp(origin, "declared"))
        return lede_seterr(err, "lede.schema: origin '%s' is neither inferred nor declared", origin);
    size_t nl = (size_t)(t1 - line);
    if (schema_find(s, line, nl) >= 0)
        return lede_seterr(err, "lede.schema: field '%.*s' twice", (int)nl, line);
    return schema_add(s, line, nl, k, origin[0] == 'd', NULL, err);
}

int schema_parse(schema *s, const char *text, size_t len, char *err) {
    schema_free(s);
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) lf = end;
        if (lf > p && parse_line(s, p, (size_t)(lf - p), err) != LEDE_OK) {
            schema_free(s);
            return LEDE_ERR;
        }
        p = lf + 1;
    }
    return LEDE_OK;
}

int schema_declare(schema *s, const char *decl, char *err) {
    const char *p = decl;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        if (!colon)
            return lede_seterr(err, "--schema: '%.*s' is not NAME:KIND", (int)len, p);
        char kind[16];
        size_t kl = len - (size_t)(colon + 1 - p);
        if (kl >= sizeof kind)
            return lede_seterr(err, "--schema: bad kind in '%.*s'", (int)len, p);
        memcpy(kind, colon + 1, kl);
        kind[kl] = '\0';
        field_kind k = FIELD_KEYWORD;
        if (schema_kind_parse(kind, &k, err) != LEDE_OK) return LEDE_ERR;
        size_t i;
        if (schema_add(s, p, (size_t)(colon - p), k, 1, &i, err) != LEDE_OK) return LEDE_ERR;
        s->fields[i].declared = 1;
        p += len + (comma ? 1 : 0);
    }
    return LEDE_OK;
}

int schema_merge(schema *a, const schema *b, char *err) {
    for (size_t i = 0; i < b->n; i++) {
        if (i < a->n) {
            const schema_field *x = &a->fields[i], *y = &b->fields[i];
            if (strcmp(x->name, y->name) || x->kind != y->kind)
                return lede_seterr(err, "the databases disagree on metadata field %zu: %s (%s) "
                                   "and %s (%s)", i, x->name, schema_kind_name(x->kind), y->name,
                                   schema_kind_name(y->kind));
            continue;
        }
        if (schema_add(a, b->fields[i].name, strlen(b->fields[i].name), b->fields[i].kind,
                       b->fields[i].declared, NULL, err) != LEDE_OK)
            return LEDE_ERR;
    }
    return LEDE_OK;
}
