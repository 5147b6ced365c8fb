/* fieldbook.c -- the shared schema of a process writing an index and the
 * resolution of articles' fields against it (see fieldbook.h).  One mutex
 * guards the schema, the keys already warned about and the warnings not
 * yet taken. */
#include "fieldbook.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Keys warned about at most; past it, a further key's warning is still
 * given once (the list is full, so it may repeat): never unbounded. */
#define WARNED_MAX 4096

struct fieldbook {
    pthread_mutex_t mu;
    schema s;
    char **warned;     /* "key\tproblem" already said */
    size_t nwarned;
    sbuf pending;      /* warnings not yet taken, one a line */
    unsigned npending;
};

fieldbook *fieldbook_new(void) {
    fieldbook *b = lede_calloc(1, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    schema_init(&b->s);
    sbuf_init(&b->pending);
    return b;
}

void fieldbook_free(fieldbook *b) {
    if (!b) return;
    for (size_t i = 0; i < b->nwarned; i++) free(b->warned[i]);
    free(b->warned);
    schema_free(&b->s);
    sbuf_free(&b->pending);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

int fieldbook_merge_text(fieldbook *b, const char *text, size_t len, const char *what,
                         char *err) {
    schema other;
    schema_init(&other);
    char why[LEDE_ERRLEN];
    int rc = schema_parse(&other, text, len, why);
    if (rc == LEDE_OK) {
        pthread_mutex_lock(&b->mu);
        rc = schema_merge(&b->s, &other, why);
        pthread_mutex_unlock(&b->mu);
    }
    schema_free(&other);
    if (rc != LEDE_OK) return lede_seterr(err, "%s: %s", what, why);
    return LEDE_OK;
}

int fieldbook_declare(fieldbook *b, const char *decl, char *err) {
    pthread_mutex_lock(&b->mu);
    int rc = schema_declare(&b->s, decl, err);
    pthread_mutex_unlock(&b->mu);
    return rc;
}

void fieldbook_schema(fieldbook *b, schema *out) {
    pthread_mutex_lock(&b->mu);
    schema_copy(out, &b->s);
    pthread_mutex_unlock(&b->mu);
}

void fieldbook_format(fieldbook *b, sbuf *out) {
    pthread_mutex_lock(&b->mu);
    schema_format(&b->s, out);
    pthread_mutex_unlock(&b->mu);
}

size_t fieldbook_count(fieldbook *b) {
    pthread_mutex_lock(&b->mu);
    size_t n = b->s.n;
    pthread_mutex_unlock(&b->mu);
    return n;
}

/* Queues a warning about key unless one with this tag was given
 * (b->mu held). */
static void warn_once(fieldbook *b, const char *key, const char *tag, const char *msg) {
    sbuf k;
    sbuf_init(&k);
    sbuf_printf(&k, "%s\t%s", key, tag);
    for (size_t i = 0; i < b->nwarned; i++)
        if (!strcmp(b->warned[i], k.data)) {
            sbuf_free(&k);
            return;
        }
    if (b->nwarned < WARNED_MAX) {
        b->warned = lede_realloc(b->warned, (b->nwarned + 1) * sizeof *b->warned);
        b->warned[b->nwarned++] = sbuf_detach(&k);
    } else {
        sbuf_free(&k);
    }
    sbuf_printf(&b->pending, "%s\n", msg);
    b->npending++;
}

/* The Unix seconds a number may be as a date field's value: 0001-01-01
 * to 9999-12-31T23:59:59Z. */
#define FIELD_DATE_MIN (-62135596800.0)
#define FIELD_DATE_MAX 253402300799.0

/* Whether x's values fit a field of kind k. */
static int values_fit(const article_field *x, field_kind k) {
    if (k == FIELD_KEYWORD) return 1;
    if (x->n != 1) return 0;
    if (k == FIELD_NUMBER) return x->values[0].is_number;
    /* Unix seconds as a date: within years 1 to 9999, what dates print as */
    return x->values[0].is_date ||
           (x->values[0].is_number && x->values[0].number >= FIELD_DATE_MIN &&
            x->values[0].number <= FIELD_DATE_MAX);
}

/* A new field for x, the article's key number nth (from 0; derived fields
 * are not counted), unless it comes after the article's first
 * FIELDBOOK_NEW_PER_ARTICLE keys or the schema is full: then x stays out,
 * with one warning a run for each of the two (not one a key: a stream of
 * articles with keys of their own would be a stream of warnings).  By the
 * key's place, not by a count of what the article added: an article is
 * resolved again by the writer that stores it, after its first keys were
 * added, and must come out the same.  LEDE_OK with *i. */
static int add_field(fieldbook *b, article_field *x, unsigned nth, size_t *i) {
    char err[LEDE_ERRLEN], msg[LEDE_ERRLEN + 256];
    if (!x->derived && nth >= FIELDBOOK_NEW_PER_ARTICLE) {
        snprintf(msg, sizeof msg, "an article brought more than %d new metadata keys: the "
                 "first %d became fields, the others ('%.64s', ...) are kept in the stored "
                 "article only (said once a run)", FIELDBOOK_NEW_PER_ARTICLE,
                 FIELDBOOK_NEW_PER_ARTICLE, x->name);
        warn_once(b, "*", "per-article", msg);
        return LEDE_ELIMIT;
    }
    int rc = schema_add(&b->s, x->name, strlen(x->name), x->kind, 0, i, err);
    if (rc == LEDE_ELIMIT) {
        snprintf(msg, sizeof msg, "metadata key '%.64s': %s; new keys are kept in the stored "
                 "articles only (said once a run)", x->name, err);
        warn_once(b, "*", "full", msg);
    } else if (rc != LEDE_OK) {
        snprintf(msg, sizeof msg, "metadata key '%.64s': %s", x->name, err);
        warn_once(b, x->name, "add", msg);
    }
    return rc;
}

static void resolve_one(fieldbook *b, article_field *x, unsigned nth) {
    char msg[LEDE_ERRLEN + 128];
    x->index = -1;
    if (x->problem) {
        snprintf(msg, sizeof msg, "metadata key '%.64s' is %s: kept in the stored article, "
                 "not searchable", x->name, x->problem);
        warn_once(b, x->name, "problem", msg);
        return;
    }
    size_t i;
    int have = schema_find(&b->s, x->name, strlen(x->name));
    if (have >= 0) {
        i = (size_t)have;
    } else if (add_field(b, x, nth, &i) != LEDE_OK) {
        return;
    }
    field_kind k = b->s.fields[i].kind;
    if (!values_fit(x, k)) {
        snprintf(msg, sizeof msg, "field '%.64s' is a %s field: a value that is not %s "
                 "('%.40s'%s) is left out of it (kept in the stored article)", x->name,
                 schema_kind_name(k), k == FIELD_NUMBER ? "one number" : "one date",
                 x->n ? x->values[0].text : "", x->n > 1 ? ", ..." : "");
        warn_once(b, x->name, "kind", msg);
        return;
    }
    x->index = (int)i;
    x->kind = k;
}

void fieldbook_resolve(fieldbook *b, article_fields *f) {
    unsigned nth = 0; /* the article's own keys */
    pthread_mutex_lock(&b->mu);
    for (size_t j = 0; j < f->n; j++) resolve_one(b, &f->f[j], f->f[j].derived ? 0 : nth++);
    pthread_mutex_unlock(&b->mu);
}

unsigned fieldbook_take_warnings(fieldbook *b, sbuf *out) {
    pthread_mutex_lock(&b->mu);
    unsigned n = b->npending;
    if (n) sbuf_append(out, b->pending.data, b->pending.len);
    sbuf_reset(&b->pending);
    b->npending = 0;
    pthread_mutex_unlock(&b->mu);
    return n;
}
