/* test_settings.c -- the index settings (src/settings.c): defaults of an
 * index that has none, store/load round trips through the callback pair
 * and through an engine writer, what store writes and deletes. */
#include "unit.h"
#include "../../src/engine.h"
#include "../../src/settings.h"
#include "../../src/util.h"

#include <stdlib.h>

/* An in-memory metadata table standing for a database. */
#define SLOTS 17
typedef struct {
    char *key[SLOTS];
    sbuf val[SLOTS];
    int sets, deletes, fail_get;
} fake;

static int fake_find(fake *f, const char *key) {
    for (int i = 0; i < SLOTS; i++)
        if (f->key[i] && !strcmp(f->key[i], key)) return i;
    return -1;
}

static int fake_get(void *ctx, const char *key, sbuf *out, char *err) {
    fake *f = ctx;
    if (f->fail_get) return lede_seterr(err, "metadata: disk on fire");
    int i = fake_find(f, key);
    if (i < 0) return LEDE_ENOTFOUND;
    sbuf_reset(out);
    sbuf_append(out, f->val[i].data, f->val[i].len);
    return LEDE_OK;
}

static int fake_set(void *ctx, const char *key, const char *val, size_t len, char *err) {
    (void)err;
    fake *f = ctx;
    int i = fake_find(f, key);
    if (!val) {
        f->deletes++;
        if (i >= 0) {
            free(f->key[i]);
            f->key[i] = NULL;
            sbuf_free(&f->val[i]);
        }
        return LEDE_OK;
    }
    f->sets++;
    for (int j = 0; i < 0 && j < SLOTS; j++)
        if (!f->key[j]) i = j;
    if (!f->key[i]) f->key[i] = lede_strdup(key);
    sbuf_reset(&f->val[i]);
    sbuf_append(&f->val[i], val, len);
    return LEDE_OK;
}

static void fake_free(fake *f) {
    for (int i = 0; i < SLOTS; i++) {
        free(f->key[i]);
        sbuf_free(&f->val[i]);
    }
}

static void test_defaults(void) {
    fake f = {0};
    settings s;
    settings_init(&s);
    char err[LEDE_ERRLEN];
    CHECK(settings_load(&s, fake_get, &f, err) == LEDE_OK, "load from an empty index");
    CHECK_STR(s.format, ENGINE_FORMAT, "absent format: the current one");
    CHECK_STR(s.language, "english", "absent language: english");
    CHECK_STR(s.stopwords, "", "absent stop words: none");
    CHECK_STR(s.pivot, "", "absent pivot: empty");
    CHECK(s.common.len == 0 && s.dict.len == 0, "absent common words and dictionary: empty");
    CHECK(s.changes == 0 && s.commit_time == 0, "absent counters: 0");
    CHECK(s.shards == 0 && !strcmp(s.shard, ""), "absent shard keys: neither front nor shard");
    CHECK(s.stored == 0, "nothing stored (%#x)", s.stored);
    settings_free(&s);
}

static void fill(settings *s) {
    settings_set_string(&s->format, "2");
    settings_set_string(&s->language, "french");
    settings_set_string(&s->stopwords, "le la les");
    settings_set_string(&s->pivot, "153.4");
    sbuf_puts(&s->common, "mln dlr");
    sbuf_puts(&s->pair_words, "mln dlr compani");
    sbuf_puts(&s->tiers, "mln=200 dlr=180");
    sbuf_puts(&s->prefixes, "comp mark");
    sbuf_append(&s->dict, "dict\0with\0nuls", 14);
    s->commit_time = 1772438400;
    s->changes = UINT64_MAX;
    s->shards = 3;
    settings_set_shard(s, 2, 3);
    s->revision_base = 41;
    sbuf_puts(&s->schema, "topics\tkeyword\tinferred\n");
    settings_set_string(&s->fold, ENGINE_FOLD);
    settings_set_string(&s->stop_pairs, "1");
}

/* s filled (fill) and every key of it stored in f, t empty: returns what
 * the store returned. */
static int stored_filled(fake *f, settings *s, settings *t, char *err) {
    settings_init(s);
    settings_init(t);
    fill(s);
    return settings_store(s, SETTINGS_ALL, fake_set, f, err);
}

static void free_all(fake *f, settings *s, settings *t) {
    settings_free(s);
    settings_free(t);
    fake_free(f);
}

static void test_round_trip(void) {
    fake f = {0};
    settings s, t;
    char err[LEDE_ERRLEN];
    CHECK(stored_filled(&f, &s, &t, err) == LEDE_OK, "store every key");
    CHECK(f.sets == 17 && f.deletes == 0, "seventeen keys written (%d, %d)", f.sets, f.deletes);
    CHECK(fake_find(&f, "lede.pivot") >= 0 && fake_find(&f, "lede.commit_time") >= 0,
          "under their lede.* names");
    CHECK(settings_load(&t, fake_get, &f, err) == LEDE_OK, "load them back");
    CHECK_STR(t.format, "2", "format round trip");
    CHECK_STR(t.language, "french", "language round trip");
    CHECK_STR(t.stopwords, "le la les", "stop words round trip");
    CHECK_STR(t.pivot, "153.4", "pivot round trip");
    CHECK_STR(t.common.data, "mln dlr", "common words round trip");
    CHECK_STR(t.pair_words.data, "mln dlr compani", "pair words round trip");
    CHECK_STR(t.tiers.data, "mln=200 dlr=180", "tier words round trip");
    CHECK_STR(t.prefixes.data, "comp mark", "prefix words round trip");
    CHECK(t.dict.len == 14 && !memcmp(t.dict.data, "dict\0with\0nuls", 14),
          "dictionary round trip, NUL bytes included");
    CHECK(t.commit_time == 1772438400 && t.changes == UINT64_MAX && t.revision_base == 41,
          "counters round trip");
    CHECK_STR(t.schema.data, "topics\tkeyword\tinferred\n", "schema round trip");
    CHECK_STR(t.fold, ENGINE_FOLD, "text folding round trip");
    CHECK_STR(t.stop_pairs, "1", "stop pairs round trip");
    unsigned k = 9, n = 9;
    CHECK(t.shards == 3 && settings_get_shard(&t, &k, &n, err) == LEDE_OK && k == 2 && n == 3,
          "shard keys round trip (%u of %u)", k, n);
    CHECK(t.stored == SETTINGS_ALL, "every key stored (%#x)", t.stored);
    free_all(&f, &s, &t);
}

static void test_store_writes_what_is_asked(void) {
    fake f = {0};
    settings s, t;
    char err[LEDE_ERRLEN];
    stored_filled(&f, &s, &t, err);
    f.sets = f.deletes = 0;
    settings_set_string(&s.pivot, "");
    sbuf_reset(&s.common);
    s.changes = 0;
    settings_set_string(&s.language, "german");
    settings_store(&s, SETTINGS_PIVOT | SETTINGS_COMMON | SETTINGS_CHANGES, fake_set, &f, err);
    CHECK(f.deletes == 2 && f.sets == 1, "empty pivot and common words delete, 0 is written");
    CHECK(fake_find(&f, "lede.pivot") < 0 && fake_find(&f, "lede.common") < 0,
          "the emptied keys are gone");
    settings_load(&t, fake_get, &f, err);
    CHECK(t.changes == 0 && (t.stored & SETTINGS_CHANGES), "changes 0 is kept as \"0\"");
    CHECK_STR(t.language, "french", "a key outside the mask is left alone");
    CHECK(!(t.stored & (SETTINGS_PIVOT | SETTINGS_COMMON)), "pivot and common words absent");
    CHECK(settings_erase(SETTINGS_LANGUAGE | SETTINGS_DICT, fake_set, &f, err) == LEDE_OK &&
          fake_find(&f, "lede.language") < 0 && fake_find(&f, "lede.dict") < 0 &&
          fake_find(&f, "lede.format") >= 0, "erase deletes exactly its keys");
    settings_load(&t, fake_get, &f, err);
    CHECK_STR(t.language, "english", "an erased language loads as the default");
    f.fail_get = 1;
    CHECK(settings_load(&t, fake_get, &f, err) == LEDE_ERR && strstr(err, "disk on fire"),
          "a failing read is an error with its message: %s", err);
    free_all(&f, &s, &t);
}

static void test_shard_key(void) {
    settings s;
    settings_init(&s);
    char err[LEDE_ERRLEN];
    unsigned k, n;
    CHECK(settings_get_shard(&s, &k, &n, err) == LEDE_ENOTFOUND, "no shard key: not a shard");
    settings_set_shard(&s, 0, 1);
    CHECK_STR(s.shard, "0 1", "shard 0 of 1");
    const char *bad[] = {"3 3", "1", "1 2 3", "x 2", "0 0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        settings_set_string(&s.shard, bad[i]);
        CHECK(settings_get_shard(&s, &k, &n, err) == LEDE_ERR && strstr(err, bad[i]),
              "malformed shard key '%s' refused: %s", bad[i], err);
    }
    settings_free(&s);
}

static void test_differ(void) {
    fake f = {0};
    settings a, b;
    char err[LEDE_ERRLEN];
    stored_filled(&f, &a, &b, err);
    settings_load(&a, fake_get, &f, err);
    settings_load(&b, fake_get, &f, err);
    CHECK(settings_differ(&a, &b, SETTINGS_ALL) == 0, "the same keys loaded twice: no difference");
    b.dict.data[3] ^= 1;
    CHECK(settings_differ(&a, &b, SETTINGS_ALL) == SETTINGS_DICT, "one dictionary byte differs");
    CHECK(settings_differ(&a, &b, SETTINGS_INDEX & ~SETTINGS_DICT) == 0, "outside the mask: none");
    settings_load(&b, fake_get, &f, err);
    settings_set_shard(&b, 0, 3);
    CHECK(settings_differ(&a, &b, SETTINGS_ALL) == SETTINGS_SHARD, "the shard key differs");
    CHECK(settings_differ(&a, &b, SETTINGS_INDEX) == 0, "the index settings do not");
    settings_erase(SETTINGS_PIVOT, fake_set, &f, err);
    settings_load(&b, fake_get, &f, err);
    CHECK(settings_differ(&a, &b, SETTINGS_INDEX) == SETTINGS_PIVOT,
          "a key only one holds differs");
    free_all(&f, &a, &b);
}

static void test_keys(void) {
    CHECK_STR(settings_key(SETTINGS_DICT), "lede.dict", "key of SETTINGS_DICT");
    CHECK_STR(settings_key(SETTINGS_CHANGES), "lede.changes", "key of SETTINGS_CHANGES");
    CHECK(settings_key(SETTINGS_DICT | SETTINGS_FORMAT) == NULL, "no key for two bits");
}

/* The same through a real (in-memory) engine writer. */
static void test_engine_writer(void) {
    engine_writer *w;
    char err[LEDE_ERRLEN];
    if (engine_writer_open(NULL, 1, 1, &w, err) != LEDE_OK) {
        CHECK(0, "in-memory writer: %s", err);
        return;
    }
    settings s, t;
    settings_init(&s);
    settings_init(&t);
    fill(&s);
    CHECK(settings_store_writer(&s, SETTINGS_INDEX, w, err) == LEDE_OK, "engine: store");
    CHECK(settings_load_writer(&t, w, err) == LEDE_OK, "engine: load");
    CHECK_STR(t.language, "french", "engine: language round trip");
    CHECK(t.dict.len == 14 && !memcmp(t.dict.data, "dict\0with\0nuls", 14),
          "engine: dictionary round trip");
    CHECK(t.stored == SETTINGS_INDEX, "engine: the index settings only (%#x)", t.stored);
    CHECK(settings_erase_writer(SETTINGS_PIVOT, w, err) == LEDE_OK &&
          settings_load_writer(&t, w, err) == LEDE_OK && !(t.stored & SETTINGS_PIVOT) &&
          !*t.pivot, "engine: erased pivot");
    settings_free(&s);
    settings_free(&t);
    engine_writer_close(w, NULL);
}

int main(void) {
    test_defaults();
    test_round_trip();
    test_store_writes_what_is_asked();
    test_keys();
    test_shard_key();
    test_differ();
    test_engine_writer();
    return unit_exit();
}
