/* article_fields.c -- an article's metadata fields (article.h, schema.h):
 * the typed values of the keys in its meta, and the derived word count.
 * Pure: reads the article only; knows nothing of an index's schema (which
 * field number a name has, whether a value fits the field's kind: that is
 * src/fieldbook.c's), the index or messages. */
#include "article.h"
#include "date.h"
#include "util.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void article_fields_free(article_fields *f) {
    for (size_t i = 0; i < f->n; i++) {
        for (size_t k = 0; k < f->f[i].n; k++) free(f->f[i].values[k].text);
        free(f->f[i].values);
        free(f->f[i].name);
    }
    free(f->f);
    f->f = NULL;
    f->n = 0;
}

/* "YYYY-MM-DD" at the start: what makes a string an ISO 8601 date (a
 * whole one: date_parse must read all of it). */
static int looks_iso_date(const char *s) {
    for (int i = 0; i < 10; i++) {
        int digit = isdigit((unsigned char)s[i]);
        if ((i == 4 || i == 7) ? s[i] != '-' : !digit) return 0;
    }
    return 1;
}

static char *trimmed(const char *s, size_t n) {
    while (n && isspace((unsigned char)*s)) { s++; n--; }
    while (n && isspace((unsigned char)s[n - 1])) n--;
    return lede_strndup(s, n);
}

/* One scalar JSON value; 0 when it is none (an object, an array, null). */
static int scalar_value(json_t *v, article_value *out) {
    memset(out, 0, sizeof *out);
    char buf[64];
    if (json_is_string(v)) {
        out->text = trimmed(json_string_value(v), json_string_length(v));
        if (looks_iso_date(out->text) && date_parse(out->text, &out->seconds) == LEDE_OK)
            out->is_date = 1;
        return 1;
    }
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        out->number = (double)json_integer_value(v);
    } else if (json_is_real(v)) {
        /* the shortest text that reads back as the same number: 0.1, not
         * 0.10000000000000001, so that a keyword field's value matches */
        snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
        if (strtod(buf, NULL) != json_real_value(v)) snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        out->number = json_real_value(v);
    } else if (json_is_boolean(v)) {
        out->text = lede_strdup(json_is_true(v) ? "true" : "false");
        return 1;
    } else {
        return 0;
    }
    out->text = lede_strdup(buf);
    out->is_number = 1;
    return 1;
}

static article_field *new_field(article_fields *f, const char *key) {
    f->f = lede_realloc(f->f, (f->n + 1) * sizeof *f->f);
    article_field *x = &f->f[f->n++];
    memset(x, 0, sizeof *x);
    x->name = lede_strdup(key);
    x->index = -1;
    return x;
}

static void add_value(article_field *x, const article_value *v) {
    x->values = lede_realloc(x->values, (x->n + 1) * sizeof *x->values);
    x->values[x->n++] = *v;
}

/* An array's values; its kind is keyword whatever they are.  0 when an
 * element is not a scalar. */
static int array_values(json_t *arr, article_field *x) {
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        article_value v;
        if (json_is_null(e)) continue;
        if (!scalar_value(e, &v)) return 0;
        if (!*v.text) { /* an empty string is no value */
            free(v.text);
            continue;
        }
        add_value(x, &v);
    }
    x->kind = FIELD_KEYWORD;
    return 1;
}

static void one_key(article_fields *f, const char *key, json_t *v) {
    if (json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0)) return;
    article_field *x = new_field(f, key);
    char err[LEDE_ERRLEN];
    if (schema_check_name(key, strlen(key), err) != LEDE_OK) {
        x->problem = "not a field name (letters, digits, '_', '.', '-', starting with a letter; "
                     "not an article field)";
        return;
    }
    if (!strcmp(key, "words")) { /* lede's own: one article must not make it a keyword field */
        x->problem = "lede's word count, derived from the text";
        return;
    }
    if (json_is_object(v)) {
        x->problem = "a nested object";
        return;
    }
    if (json_is_array(v)) {
        if (!array_values(v, x)) x->problem = "an array holding objects or arrays";
        return;
    }
    article_value one;
    scalar_value(v, &one);
    if (!*one.text && !one.is_number) { /* "" is no value */
        free(one.text);
        return;
    }
    x->kind = one.is_number ? FIELD_NUMBER : one.is_date ? FIELD_DATE : FIELD_KEYWORD;
    add_value(x, &one);
}

/* A letter or digit of ASCII (isalnum in the C locale lede runs in) or
 * any byte of a multi-byte character. */
static unsigned is_word_byte(unsigned char c) {
    return (unsigned)((unsigned)((c | 0x20) - 'a') < 26) | (unsigned)((unsigned)(c - '0') < 10) | (c >> 7u);
}

static unsigned is_blank_byte(unsigned char c) {
    return (unsigned)(c == ' ') | (unsigned)((unsigned)(c - '\t') <= '\r' - '\t');
}

/* The runs of non-blank bytes holding a word byte.  Without a branch a
 * byte: through isalnum's table, a call a byte, this was 2% of a bulk
 * build's writer threads (issue 20; ~10% faster this way). */
static uint64_t words_in(const char *s) {
    uint64_t n = 0;
    unsigned counted = 0; /* the run of non-blank bytes under way is counted */
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        unsigned word = is_word_byte(c), blank = is_blank_byte(c);
        n += word & ~counted & 1u;
        counted = (counted | word) & (blank ^ 1u);
    }
    return n;
}

uint64_t article_word_count(const article *a) {
    return words_in(a->title) + words_in(a->standfirst) + words_in(a->body);
}

static int has_field(const article_fields *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name)) return 1;
    return 0;
}

static void add_section(article_fields *f, const article *a) {
    if (!a->section || !*a->section || has_field(f, "section")) return; /* meta's wins */
    article_field *x = new_field(f, "section");
    x->derived = 1;
    article_value v = {0};
    v.text = lede_strdup(a->section);
    x->kind = FIELD_KEYWORD;
    add_value(x, &v);
}

static void add_words(article_fields *f, const article *a) {
    article_field *x = new_field(f, "words");
    x->derived = 1;
    article_value v = {0};
    char buf[32];
    uint64_t n = article_word_count(a);
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)n);
    v.text = lede_strdup(buf);
    v.number = (double)n;
    v.is_number = 1;
    x->kind = FIELD_NUMBER;
    add_value(x, &v);
}

void article_fields_of(const article *a, article_fields *out) {
    article_fields_free(out);
    json_t *meta = a->meta ? json_loads(a->meta, 0, NULL) : NULL;
    if (meta && json_is_object(meta)) {
        const char *key;
        json_t *v;
        json_object_foreach(meta, key, v) one_key(out, key, v);
    }
    json_decref(meta);
    add_section(out, a);
    add_words(out, a);
}
