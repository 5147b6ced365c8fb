/* settings.c -- load and store of the index settings (see settings.h).
 * One table says, for each key, where its value lives in struct settings,
 * how it is parsed and what it is when absent; load and store walk it.
 * Touches no metadata outside the table. */
#include "settings.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { KIND_STRING, KIND_BYTES, KIND_U64 } kind;

typedef struct {
    unsigned bit;
    const char *key;
    kind kind;
    size_t offset;            /* of the char *, sbuf or uint64_t */
    const char *absent;       /* KIND_STRING: the default */
} setting;

static const setting table[] = {
    {SETTINGS_FORMAT, "lede.format", KIND_STRING, offsetof(settings, format), ENGINE_FORMAT},
    {SETTINGS_LANGUAGE, "lede.language", KIND_STRING, offsetof(settings, language),
     SETTINGS_DEFAULT_LANGUAGE},
    {SETTINGS_STOPWORDS, "lede.stopwords", KIND_STRING, offsetof(settings, stopwords), ""},
    {SETTINGS_PIVOT, "lede.pivot", KIND_STRING, offsetof(settings, pivot), ""},
    {SETTINGS_COMMON, "lede.common", KIND_BYTES, offsetof(settings, common), NULL},
    {SETTINGS_DICT, "lede.dict", KIND_BYTES, offsetof(settings, dict), NULL},
    {SETTINGS_COMMIT_TIME, "lede.commit_time", KIND_U64, offsetof(settings, commit_time), NULL},
    {SETTINGS_CHANGES, "lede.changes", KIND_U64, offsetof(settings, changes), NULL},
    {SETTINGS_SHARDS, "lede.shards", KIND_U64, offsetof(settings, shards), NULL},
    {SETTINGS_SHARD, "lede.shard", KIND_STRING, offsetof(settings, shard), ""},
    {SETTINGS_REVISION_BASE, "lede.revision_base", KIND_U64, offsetof(settings, revision_base),
     NULL},
    {SETTINGS_SCHEMA, "lede.schema", KIND_BYTES, offsetof(settings, schema), NULL},
    {SETTINGS_FOLD, "lede.fold", KIND_STRING, offsetof(settings, fold), ""},
    {SETTINGS_STOP_PAIRS, "lede.stop_pairs", KIND_STRING, offsetof(settings, stop_pairs), ""},
    {SETTINGS_PAIR_WORDS, "lede.pair_words", KIND_BYTES, offsetof(settings, pair_words), NULL},
    {SETTINGS_TIERS, "lede.tiers", KIND_BYTES, offsetof(settings, tiers), NULL},
    {SETTINGS_PREFIXES, "lede.prefixes", KIND_BYTES, offsetof(settings, prefixes), NULL},
};
#define NSETTINGS (sizeof table / sizeof table[0])

#define FIELD(s, t, type) ((type *)((char *)(s) + (t)->offset))
#define CFIELD(s, t, type) ((const type *)((const char *)(s) + (t)->offset))

void settings_init(settings *s) {
    memset(s, 0, sizeof *s);
    sbuf_init(&s->common);
    sbuf_init(&s->pair_words);
    sbuf_init(&s->tiers);
    sbuf_init(&s->prefixes);
    sbuf_init(&s->dict);
    sbuf_init(&s->schema);
}

void settings_free(settings *s) {
    free(s->format);
    free(s->language);
    free(s->stopwords);
    free(s->pivot);
    free(s->shard);
    free(s->fold);
    free(s->stop_pairs);
    sbuf_free(&s->common);
    sbuf_free(&s->pair_words);
    sbuf_free(&s->tiers);
    sbuf_free(&s->prefixes);
    sbuf_free(&s->dict);
    sbuf_free(&s->schema);
    settings_init(s);
}

const char *settings_key(unsigned bit) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if (table[i].bit == bit) return table[i].key;
    return NULL;
}

void settings_set_string(char **slot, const char *value) {
    char *copy = lede_strdup(value ? value : "");
    free(*slot);
    *slot = copy;
}

void settings_set_shard(settings *s, unsigned k, unsigned n) {
    char v[48];
    snprintf(v, sizeof v, "%u %u", k, n);
    settings_set_string(&s->shard, v);
}

int settings_get_shard(const settings *s, unsigned *k, unsigned *n, char *err) {
    if (!s->shard || !*s->shard) return LEDE_ENOTFOUND;
    char extra;
    if (sscanf(s->shard, "%u %u %c", k, n, &extra) != 2 || *n == 0 || *k >= *n)
        return lede_seterr(err, "malformed shard setting '%s' (want \"K N\", K < N)", s->shard);
    return LEDE_OK;
}

/* One key into its field: v holds the value when found. */
static void load_one(settings *s, const setting *t, int found, const sbuf *v) {
    if (found) s->stored |= t->bit;
    switch (t->kind) {
    case KIND_STRING:
        settings_set_string(FIELD(s, t, char *), found ? v->data : t->absent);
        break;
    case KIND_BYTES:
        sbuf_reset(FIELD(s, t, sbuf));
        if (found) sbuf_append(FIELD(s, t, sbuf), v->data, v->len);
        break;
    case KIND_U64:
        *FIELD(s, t, uint64_t) = found ? strtoull(v->data, NULL, 10) : 0;
        break;
    }
}

int settings_load(settings *s, settings_get_fn get, void *ctx, char *err) {
    sbuf v;
    sbuf_init(&v);
    int rc = LEDE_OK;
    s->stored = 0;
    for (size_t i = 0; rc == LEDE_OK && i < NSETTINGS; i++) {
        int got = get(ctx, table[i].key, &v, err);
        if (got != LEDE_OK && got != LEDE_ENOTFOUND) rc = LEDE_ERR;
        else load_one(s, &table[i], got == LEDE_OK, &v);
    }
    sbuf_free(&v);
    return rc;
}

static int same_value(const settings *a, const settings *b, const setting *t) {
    if ((a->stored & t->bit) != (b->stored & t->bit)) return 0;
    switch (t->kind) {
    case KIND_STRING:
        return !strcmp(*CFIELD(a, t, char *), *CFIELD(b, t, char *));
    case KIND_BYTES: {
        const sbuf *x = CFIELD(a, t, sbuf), *y = CFIELD(b, t, sbuf);
        return x->len == y->len && (!x->len || !memcmp(x->data, y->data, x->len));
    }
    case KIND_U64:
        return *CFIELD(a, t, uint64_t) == *CFIELD(b, t, uint64_t);
    }
    return 0;
}

unsigned settings_differ(const settings *a, const settings *b, unsigned which) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if ((which & table[i].bit) && !same_value(a, b, &table[i])) return table[i].bit;
    return 0;
}

static int store_one(const settings *s, const setting *t, settings_set_fn set,
                     void *ctx, char *err) {
    const char *val = NULL;
    size_t len = 0;
    char num[24];
    switch (t->kind) {
    case KIND_STRING:
        val = *CFIELD(s, t, char *);
        len = val ? strlen(val) : 0;
        break;
    case KIND_BYTES:
        val = CFIELD(s, t, sbuf)->data;
        len = CFIELD(s, t, sbuf)->len;
        break;
    case KIND_U64:
        len = (size_t)snprintf(num, sizeof num, "%" PRIu64, *CFIELD(s, t, uint64_t));
        val = num;
        break;
    }
    return set(ctx, t->key, len ? val : NULL, len, err);
}

int settings_store(const settings *s, unsigned which, settings_set_fn set,
                   void *ctx, char *err) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if ((which & table[i].bit) && store_one(s, &table[i], set, ctx, err) != LEDE_OK)
            return LEDE_ERR;
    return LEDE_OK;
}

int settings_erase(unsigned which, settings_set_fn set, void *ctx, char *err) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if ((which & table[i].bit) && set(ctx, table[i].key, NULL, 0, err) != LEDE_OK)
            return LEDE_ERR;
    return LEDE_OK;
}

/* ---- over engine_reader and engine_writer ------------------------------ */

static int reader_get(void *ctx, const char *key, sbuf *out, char *err) {
    return engine_reader_meta_get(ctx, key, out, err);
}

static int writer_get(void *ctx, const char *key, sbuf *out, char *err) {
    return engine_writer_meta_get(ctx, key, out, err);
}

static int writer_set(void *ctx, const char *key, const char *val, size_t len,
                      char *err) {
    return engine_writer_meta_set(ctx, key, val, len, err);
}

int settings_load_reader(settings *s, engine_reader *r, char *err) {
    return settings_load(s, reader_get, r, err);
}

int settings_load_writer(settings *s, engine_writer *w, char *err) {
    return settings_load(s, writer_get, w, err);
}

int settings_store_writer(const settings *s, unsigned which, engine_writer *w,
                          char *err) {
    return settings_store(s, which, writer_set, w, err);
}

int settings_erase_writer(unsigned which, engine_writer *w, char *err) {
    return settings_erase(which, writer_set, w, err);
}
