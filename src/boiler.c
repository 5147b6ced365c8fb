/* boiler.c -- the boilerplate counting table (see boiler.h): the sources,
 * the blocks counted under them in a capped open-addressing table swept
 * of its least seen blocks when it fills, the decision which are
 * boilerplate, and the table's text form.  What a body's lines are and
 * which of them are boilerplate is boiler_text.c's; nothing here touches
 * an index. */
#include "boiler_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct boiler_source {
    char *name;
    uint64_t hash;
    uint64_t docs;
} boiler_source;

struct boiler_table {
    pthread_mutex_t lock;
    boiler_entry *slot;
    size_t cap, used;
    boiler_source *src;
    size_t nsrc;
    uint64_t *learned;  /* keys of lines learned since a compaction made them */
    size_t nlearned, learned_cap;
    /* An article was written with the table, or it was read from an
     * index's text: a line learned from now on may be in articles written
     * before.  Until then none can be (a full build's first articles,
     * counted before any is written: sample.c), and the compaction that
     * follows need not look for them (issue 20: at 200,000 articles that
     * look was a fifth of a build's CPU). */
    int written;
};

boiler_table *boiler_new(size_t cap) {
    boiler_table *t = lede_calloc(1, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
    t->cap = cap < 64 ? (cap ? 64 : BOILER_DEFAULT_CAP) : cap;
    t->slot = lede_calloc(t->cap, sizeof *t->slot);
    t->src = lede_calloc(BOILER_MAX_SOURCES + 1, sizeof *t->src);
    return t;
}

void boiler_free(boiler_table *t) {
    if (!t) return;
    for (size_t i = 0; i < t->cap; i++) free(t->slot[i].text);
    for (size_t i = 0; i < t->nsrc; i++) free(t->src[i].name);
    free(t->slot);
    free(t->src);
    free(t->learned);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void boiler_lock(boiler_table *t) {
    pthread_mutex_lock(&t->lock);
}

void boiler_unlock(boiler_table *t) {
    pthread_mutex_unlock(&t->lock);
}

/* The index of source name, added if new ("*" past BOILER_MAX_SOURCES). */
unsigned boiler_source_index(boiler_table *t, const char *name) {
    uint64_t h = lede_hash(name, strlen(name));
    for (size_t i = 0; i < t->nsrc; i++)
        if (t->src[i].hash == h && !strcmp(t->src[i].name, name)) return (unsigned)i;
    if (t->nsrc >= BOILER_MAX_SOURCES && strcmp(name, "*")) return boiler_source_index(t, "*");
    t->src[t->nsrc].name = lede_strdup(name);
    t->src[t->nsrc].hash = h;
    return (unsigned)t->nsrc++;
}

uint64_t boiler_key(boiler_table *t, unsigned source, uint64_t block) {
    uint64_t k = lede_hash_final(t->src[source].hash ^ (block * 0x9e3779b97f4a7c15ULL));
    return k ? k : 1;
}

static boiler_entry *find_slot(boiler_entry *slot, size_t cap, uint64_t key) {
    size_t i = (size_t)(key % cap);
    while (slot[i].key && slot[i].key != key) i = (i + 1) % cap;
    return &slot[i];
}

boiler_entry *boiler_find(boiler_table *t, uint64_t key) {
    boiler_entry *e = find_slot(t->slot, t->cap, key);
    return e->key ? e : NULL;
}

/* The least count a sweep keeps: the smallest that leaves at most half
 * of the table. */
static uint32_t sweep_floor(boiler_table *t) {
    size_t by_count[65] = {0};
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].key) by_count[t->slot[i].count > 64 ? 64 : t->slot[i].count]++;
    size_t kept = t->used;
    uint32_t floor = 1;
    while (floor < 64 && kept > t->cap / 2) kept -= by_count[floor++];
    return floor;
}

/* Drops the blocks seen least, in place of growing. */
static void sweep(boiler_table *t) {
    uint32_t floor = sweep_floor(t);
    boiler_entry *old = t->slot;
    t->slot = lede_calloc(t->cap, sizeof *t->slot);
    t->used = 0;
    for (size_t i = 0; i < t->cap; i++) {
        if (!old[i].key) continue;
        if (old[i].count < floor) {
            free(old[i].text);
            continue;
        }
        *find_slot(t->slot, t->cap, old[i].key) = old[i];
        t->used++;
    }
    free(old);
}

boiler_entry *boiler_add(boiler_table *t, uint64_t key) {
    boiler_entry *e = find_slot(t->slot, t->cap, key);
    if (e->key) return e;
    if (t->used + 1 > t->cap * 3 / 4) {
        sweep(t);
        e = find_slot(t->slot, t->cap, key);
    }
    e->key = key;
    t->used++;
    return e;
}

void boiler_count_article(boiler_table *t, unsigned source) {
    t->src[source].docs++;
}

/* ---- taking counts back ------------------------------------------- */

/* Records one after another: the source, the count of keys, the keys. */
struct boiler_log {
    uint64_t *v;
    size_t n, cap;
    size_t at; /* where the last record's count is */
};

boiler_log *boiler_log_new(void) {
    return lede_calloc(1, sizeof(boiler_log));
}

void boiler_log_free(boiler_log *l) {
    if (!l) return;
    free(l->v);
    free(l);
}

void boiler_log_clear(boiler_log *l) {
    if (l) l->n = 0;
}

static void log_push(boiler_log *l, uint64_t x) {
    if (l->n == l->cap) l->v = lede_realloc(l->v, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof *l->v);
    l->v[l->n++] = x;
}

void boiler_log_article(boiler_log *l, unsigned source) {
    if (!l) return;
    log_push(l, source);
    l->at = l->n;
    log_push(l, 0);
}

void boiler_log_key(boiler_log *l, uint64_t key) {
    if (!l) return;
    log_push(l, key);
    l->v[l->at]++;
}

void boiler_unobserve(boiler_table *t, boiler_log *l) {
    if (!l) return;
    boiler_lock(t);
    for (size_t i = 0; i + 1 < l->n; i += 2 + l->v[i + 1]) {
        uint64_t s = l->v[i], keys = l->v[i + 1];
        if (s < t->nsrc && t->src[s].docs > 0) t->src[s].docs--;
        for (size_t k = i + 2; k < i + 2 + keys && k < l->n; k++) {
            boiler_entry *e = boiler_find(t, l->v[k]);
            if (e && e->count > 0) e->count--;
        }
    }
    boiler_unlock(t);
    l->n = 0;
}

static int by_key(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The learned keys sorted, each once (merged texts repeat them). */
static void unique_learned(boiler_table *t) {
    if (t->nlearned < 2) return; /* none: learned is NULL, which qsort may not be given */
    qsort(t->learned, t->nlearned, sizeof *t->learned, by_key);
    size_t n = 0;
    for (size_t i = 0; i < t->nlearned; i++)
        if (n == 0 || t->learned[n - 1] != t->learned[i]) t->learned[n++] = t->learned[i];
    t->nlearned = n;
}

static void add_learned(boiler_table *t, uint64_t key) {
    if (t->nlearned == t->learned_cap && t->nlearned >= BOILER_LEARNED_MAX) unique_learned(t);
    if (t->nlearned >= BOILER_LEARNED_MAX) return;
    if (t->nlearned == t->learned_cap) {
        t->learned_cap = t->learned_cap ? t->learned_cap * 2 : 64;
        t->learned = lede_realloc(t->learned, t->learned_cap * sizeof *t->learned);
    }
    t->learned[t->nlearned++] = key;
}

void boiler_note_learned(boiler_table *t, const boiler_entry *e) {
    if (t->written) add_learned(t, e->key);
}

void boiler_note_written(boiler_table *t, boiler_entry *const *e, size_t n) {
    t->written = 1;
    for (size_t i = 0; i < n; i++)
        if (e[i] && e[i]->text && !boiler_entry_known(t, e[i])) add_learned(t, e[i]->key);
}

size_t boiler_take_learned(boiler_table *t, boiler_learned **out) {
    boiler_lock(t);
    unique_learned(t);
    boiler_learned *v = t->nlearned ? lede_calloc(t->nlearned, sizeof *v) : NULL;
    size_t n = 0, pending = 0;
    for (size_t i = 0; i < t->nlearned; i++) {
        const boiler_entry *e = boiler_find(t, t->learned[i]);
        if (!e || !e->text) continue; /* swept since */
        if (!boiler_entry_known(t, e)) { /* not boilerplate now: its articles wait until it is */
            t->learned[pending++] = t->learned[i];
            continue;
        }
        v[n].source = lede_strdup(t->src[e->source].name);
        v[n++].text = lede_strdup(e->text);
    }
    t->nlearned = pending;
    if (!pending) {
        free(t->learned);
        t->learned = NULL;
        t->learned_cap = 0;
    }
    boiler_unlock(t);
    *out = n ? v : NULL;
    if (!n) free(v);
    return n;
}

void boiler_learned_free(boiler_learned *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].source);
        free(v[i].text);
    }
    free(v);
}

int boiler_entry_known(const boiler_table *t, const boiler_entry *e) {
    double docs = (double)t->src[e->source].docs;
    if (e->words <= BOILER_SHORT_WORDS)
        return e->count >= BOILER_SHORT_REPEAT && e->count >= BOILER_SHORT_SHARE * docs;
    return e->count >= BOILER_MIN_REPEAT && e->count >= BOILER_MIN_SHARE * docs;
}

/* ---- the text form ------------------------------------------------- */

#define TEXT_MAGIC "lede-boilerplate 1"

static void put_clean(sbuf *out, const char *s) {
    for (; s && *s; s++) sbuf_putc(out, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

void boiler_to_text(boiler_table *t, sbuf *out) {
    boiler_lock(t);
    sbuf_reset(out);
    sbuf_puts(out, TEXT_MAGIC "\n");
    for (size_t i = 0; i < t->nsrc; i++) {
        sbuf_printf(out, "s %llu ", (unsigned long long)t->src[i].docs);
        put_clean(out, t->src[i].name);
        sbuf_putc(out, '\n');
    }
    for (size_t i = 0; i < t->cap; i++) {
        const boiler_entry *e = &t->slot[i];
        if (!e->key || e->count < 2) continue;
        char hex[17];
        lede_hex64(e->key, hex);
        sbuf_printf(out, "b %u %s %u %u\t", e->source, hex, e->count, e->words);
        put_clean(out, e->text);
        sbuf_putc(out, '\n');
    }
    unique_learned(t);
    for (size_t i = 0; i < t->nlearned; i++) {
        char hex[17];
        lede_hex64(t->learned[i], hex);
        sbuf_printf(out, "l %s\n", hex);
    }
    boiler_unlock(t);
}

typedef struct text_reader {
    boiler_table *t;
    unsigned map[BOILER_MAX_SOURCES + 1]; /* the text's source numbers to t's */
    size_t nmap;
} text_reader;

static int merge_source(text_reader *r, const char *line) {
    char *end;
    unsigned long long docs = strtoull(line + 2, &end, 10);
    if (end == line + 2 || *end != ' ' || r->nmap > BOILER_MAX_SOURCES) return 0;
    unsigned s = boiler_source_index(r->t, end + 1);
    if (r->t->src[s].docs < docs) r->t->src[s].docs = docs;
    r->map[r->nmap++] = s;
    return 1;
}

static size_t bounded_length(const char *s, size_t max) {
    size_t n = 0;
    while (n < max && s[n]) n++;
    return n;
}

static int merge_block(text_reader *r, const char *line) {
    unsigned source, count, words;
    char hex[17];
    int at = 0;
    if (sscanf(line, "b %u %16s %u %u%n", &source, hex, &count, &words, &at) != 4) return 0;
    uint64_t key;
    if (source >= r->nmap || lede_parse_hex64(hex, &key) != LEDE_OK || !key || line[at] != '\t')
        return 0;
    boiler_entry *e = boiler_add(r->t, key);
    e->source = (uint16_t)r->map[source];
    e->words = (uint16_t)(words > 0xffff ? 0xffff : words);
    if (e->count < count) e->count = count;
    if (!e->text && line[at + 1])
        e->text = lede_strndup(line + at + 1, bounded_length(line + at + 1, BOILER_TEXT_MAX));
    return 1;
}

/* A learned line's key ("l"), or an older index's stale article id
 * ("x": read and left, its article kept as it is). */
static int merge_learned(text_reader *r, const char *line) {
    uint64_t key;
    if (line[1] != ' ' || lede_parse_hex64(line + 2, &key) != LEDE_OK) return 0;
    if (line[0] == 'l') add_learned(r->t, key);
    return 1;
}

int boiler_merge_text(boiler_table *t, const char *text, size_t len, const char *what, char *err) {
    if (len == 0) return LEDE_OK;
    t->written = 1; /* an index's: its articles were written before */
    char *copy = lede_strndup(text, len);
    text_reader *r = lede_calloc(1, sizeof *r);
    r->t = t;
    int rc = LEDE_OK;
    size_t lineno = 0;
    boiler_lock(t);
    for (char *line = copy, *next; rc == LEDE_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        int ok = lineno == 1 ? !strcmp(line, TEXT_MAGIC)
                 : line[0] == 's' && line[1] == ' ' ? merge_source(r, line)
                 : line[0] == 'b' ? merge_block(r, line)
                 : line[0] == 'l' || line[0] == 'x' ? merge_learned(r, line)
                                  : 0;
        if (!ok)
            rc = lede_seterr(err, "%s: lede.boilerplate: line %zu cannot be read", what, lineno);
    }
    boiler_unlock(t);
    free(r);
    free(copy);
    return rc;
}

/* ---- listing ------------------------------------------------------- */

static int by_count_desc(const void *a, const void *b) {
    const boiler_entry *x = *(const boiler_entry *const *)a, *y = *(const boiler_entry *const *)b;
    return x->count != y->count ? (x->count < y->count ? 1 : -1) : (x->key < y->key ? -1 : 1);
}

void boiler_list(boiler_table *t, size_t per_source, sbuf *out) {
    boiler_lock(t);
    boiler_entry **known = lede_calloc(t->used + 1, sizeof *known);
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i].key && boiler_entry_known(t, &t->slot[i])) known[n++] = &t->slot[i];
    qsort(known, n, sizeof *known, by_count_desc);
    for (size_t s = 0; s < t->nsrc; s++) {
        size_t shown = 0;
        for (size_t i = 0; i < n && shown < per_source; i++) {
            if (known[i]->source != s) continue;
            sbuf_printf(out, "%s\t%llu\t%u\t", t->src[s].name, (unsigned long long)t->src[s].docs,
                        known[i]->count);
            put_clean(out, known[i]->text ? known[i]->text : "?");
            sbuf_putc(out, '\n');
            shown++;
        }
    }
    free(known);
    boiler_unlock(t);
}
