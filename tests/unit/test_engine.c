/* test_engine.c -- the index formats through the engine API: a word that is
 * only in a headline is found by a plain word query on a format 3 or 2
 * index (the body term holds headline words) and on a format 1 index
 * (readers merge the three terms there), and a format 1 index keeps being
 * written as format 1 (body:word stays body-only).  Format 3's impacts
 * rank as format 2's BM25 does: the same scores within the rounding of an
 * impact, the same order; and its pair terms give phrases of common words
 * the answers their positions would.  A reader decodes a stored article
 * itself (engine_reader_get_article). */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Stores a new article (and frees it): LEDE_OK if it was added. */
static int put(engine_writer *w, article *a, char *err) {
    int outcome = 0;
    int rc = unit_put_article(w, a, &outcome, err);
    return rc == LEDE_OK && outcome == ENGINE_ADDED ? LEDE_OK : LEDE_ERR;
}

static int put_article(engine_writer *w, char *err) {
    article a;
    article_init(&a);
    a.id = lede_strdup("t1");
    a.title = lede_strdup("Zebra crossing repainted");
    a.body = lede_strdup("Traffic slowed on the high road while crews worked.");
    return put(w, &a, err);
}

/* A one-article index; format NULL: the current one. */
static int make_index(const char *dir, const char *format, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    if (format) rc = engine_writer_meta_set(w, "lede.format", format, strlen(format), err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    if (rc == LEDE_OK) rc = put_article(w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* Hits of query, or -1 on error. */
static int hits(const char *dir, const char *query) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) return -1;
    search_opts o = {.query = query, .limit = 10};
    search_results res;
    int n = engine_search(r, &o, &res, err) == LEDE_OK ? (int)res.nhits : -1;
    if (n == 1 && strcmp(res.hits[0].id, "t1")) n = -1;
    search_results_free(&res);
    engine_reader_close(r);
    return n;
}

/* Articles of different lengths sharing words, for comparing rankings. */
static const char *const SAMPLE[][2] = {
    {"Harbour cranes stand idle", "The harbour strike entered its third week as cranes stood idle."},
    {"Strike ends", "Dock workers voted to end the strike after a pay offer from the harbour board, "
                    "which had refused to negotiate for weeks while ships queued offshore and "
                    "cargo piled up in warehouses across the region."},
    {"Harbour board pay offer", "A pay offer."},
    {"Weather", "Rain over the harbour; strike talk in the cafes, harbour gossip, harbour rain."},
    {"Markets", "Shares in shipping firms rose as the strike ended and cranes moved again."},
    {"Long read", "A history of the harbour from its first quay to the container age, told "
                  "through the lives of the people who worked there: crane drivers, pilots, "
                  "clerks, cooks and the strike leaders of three generations."},
};
#define NSAMPLE (sizeof SAMPLE / sizeof SAMPLE[0])

static int put_sample(engine_writer *w, size_t i, char *err) {
    article a;
    article_init(&a);
    char id[16];
    snprintf(id, sizeof id, "s%zu", i);
    a.id = lede_strdup(id);
    a.title = lede_strdup(SAMPLE[i][0]);
    a.body = lede_strdup(SAMPLE[i][1]);
    a.date = 1700000000 + (int64_t)i * 86400;
    a.has_date = 1;
    return put(w, &a, err);
}

/* The mean length of the sample articles, as engine_writer_measure has it. */
static double sample_pivot(char *err) {
    engine_writer *m;
    if (engine_writer_open(NULL, 1, 1, &m, err) != LEDE_OK) return -1;
    double total = 0;
    int rc = engine_writer_configure(m, "english", engine_default_stopwords("english"), 0, err);
    for (size_t i = 0; rc == LEDE_OK && i < NSAMPLE; i++) {
        article a;
        article_init(&a);
        a.title = (char *)SAMPLE[i][0];
        a.body = (char *)SAMPLE[i][1];
        uint64_t len = 0;
        rc = engine_writer_measure(m, &a, &len, err);
        total += (double)len;
    }
    engine_writer_close(m, NULL);
    return rc == LEDE_OK ? total / NSAMPLE : -1;
}

/* The sample as an index of this format; pivot NULL: none stored;
 * common: formats 3 and 4's common words (NULL: none); pair_words: the
 * words whose pairs get pair terms (NULL: none stored, so the common
 * words' pairs, as in an index made before "lede.pair_words"). */
static int make_sample_words(const char *dir, const char *format, const char *pivot,
                             const char *common, const char *pair_words, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = engine_writer_meta_set(w, "lede.format", format, strlen(format), err);
    if (rc == LEDE_OK && pivot) rc = engine_writer_meta_set(w, "lede.pivot", pivot, strlen(pivot), err);
    if (rc == LEDE_OK && common) rc = engine_writer_meta_set(w, "lede.common", common, strlen(common), err);
    if (rc == LEDE_OK && pair_words)
        rc = engine_writer_meta_set(w, "lede.pair_words", pair_words, strlen(pair_words), err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    const char *stop = engine_default_stopwords("english");
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.stopwords", stop, strlen(stop), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", stop, 0, err);
    for (size_t i = 0; rc == LEDE_OK && i < NSAMPLE; i++) rc = put_sample(w, i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

static int make_sample(const char *dir, const char *format, const char *pivot,
                       const char *common, char *err) {
    return make_sample_words(dir, format, pivot, common, NULL, err);
}

static int search(const char *dir, const char *query, search_results *res) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) return LEDE_ERR;
    search_opts o = {.query = query, .limit = 10, .any = 1};
    int rc = engine_search(r, &o, res, err);
    engine_reader_close(r);
    return rc;
}

static void meta_is(const char *dir, const char *key, const char *want, const char *what) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    sbuf v;
    sbuf_init(&v);
    int ok = engine_reader_open(dir, &r, err) == LEDE_OK;
    if (ok) {
        ok = engine_reader_meta_get(r, key, &v, err) == LEDE_OK && !strcmp(v.data, want);
        engine_reader_close(r);
    }
    CHECK(ok, what);
    sbuf_free(&v);
}

/* Half a rounding step of a format's postings, as a score per query word
 * (idf < 10 here): format 3, half an impact step, 2.2 x 0.5 / 255;
 * format 4, half a step of the scaled frequency x, where BM25's
 * (k1 + 1) x / (k1 + x) climbs fastest (x = 0: slope 2.2 / 1.2), 0.5 / 64. */
static double rounding(int format) {
    return format == 3 ? 10 * 2.2 * 0.5 / 255 : 10 * 2.2 / 1.2 * 0.5 / 64;
}

/* One query on the format 2 index and one that bakes the term frequency
 * (3, 4): the same hits in the same order, each score within the rounding
 * of the postings. */
static void same_ranking(const char *v2, const char *v3, int format, const char *query) {
    search_results a, b;
    int ok2 = search(v2, query, &a) == LEDE_OK, ok3 = search(v3, query, &b) == LEDE_OK;
    CHECK(ok2 && ok3, query);
    if (!ok2 || !ok3) return;
    int same = a.nhits == b.nhits && a.nhits > 1;
    double worst = 0;
    for (unsigned i = 0; same && i < a.nhits; i++) {
        same = !strcmp(a.hits[i].id, b.hits[i].id);
        double d = a.hits[i].score - b.hits[i].score;
        if (d < 0) d = -d;
        if (d > worst) worst = d;
    }
    double words = 1;
    for (const char *p = query; *p; p++) words += *p == ' ';
    char what[200];
    snprintf(what, sizeof what, "format %d ranks '%s' as format 2 does (%u hits)", format, query, a.nhits);
    CHECK(same, what);
    snprintf(what, sizeof what, "format %d scores of '%s' within rounding (off by %.4f)", format, query, worst);
    CHECK(same && worst <= words * rounding(format), what);
    search_results_free(&a);
    search_results_free(&b);
}

static void test_impacts(void) {
    char tmpl[] = "/tmp/lede-unit.XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    char v2[300], v3[300], v4[300], dflt[300], err[LEDE_ERRLEN], pivot[32];
    snprintf(v2, sizeof v2, "%s/v2", root);
    snprintf(v3, sizeof v3, "%s/v3", root);
    snprintf(v4, sizeof v4, "%s/v4", root);
    snprintf(dflt, sizeof dflt, "%s/default", root);
    double p = sample_pivot(err);
    CHECK(p > 5 && p < 100, "engine_writer_measure: a plausible mean length");
    snprintf(pivot, sizeof pivot, "%.17g", p);
    CHECK(make_sample(v2, "2", NULL, NULL, err) == LEDE_OK, "format 2 sample written");
    CHECK(make_sample(v3, "3", pivot, NULL, err) == LEDE_OK, "format 3 sample written");
    CHECK(make_sample(v4, "4", pivot, NULL, err) == LEDE_OK, "format 4 sample written");
    CHECK(make_sample(dflt, "3", NULL, NULL, err) == LEDE_OK, "format 3 sample without a pivot written");
    meta_is(v3, "lede.pivot", pivot, "format 3: the pivot given is kept");
    char want[32];
    snprintf(want, sizeof want, "%d", ENGINE_DEFAULT_PIVOT);
    meta_is(dflt, "lede.pivot", want, "format 3 without a pivot: the default is stored");
    const char *queries[] = {"harbour", "strike", "harbour strike cranes", "pay offer board"};
    for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
        same_ranking(v2, v3, 3, queries[i]);
        same_ranking(v2, v4, 4, queries[i]);
    }
    search_results a, b;
    CHECK(search(v3, "\"pay offer\"", &a) == LEDE_OK && a.nhits == 2, "format 3: phrases keep their positions");
    if (a.nhits) search_results_free(&a);
    CHECK(search(v2, "harbour", &a) == LEDE_OK && search(dflt, "harbour", &b) == LEDE_OK &&
          a.nhits == b.nhits && a.nhits > 0, "another pivot matches the same articles");
    search_results_free(&a);
    search_results_free(&b);
    unit_scratch_remove(root);
}

/* One query on the indexes without and with pair terms: the same total,
 * hits, order and scores. */
static void same_with_pairs(const char *plain, const char *paired, const char *query, unsigned want) {
    search_results a, b;
    int ok = search(plain, query, &a) == LEDE_OK;
    ok = search(paired, query, &b) == LEDE_OK && ok;
    int same = ok && a.total == b.total && a.nhits == b.nhits && a.nhits == want;
    for (unsigned i = 0; same && i < a.nhits; i++)
        same = !strcmp(a.hits[i].id, b.hits[i].id) && a.hits[i].score == b.hits[i].score;
    char what[200];
    snprintf(what, sizeof what, "pair terms: '%s' finds the same %u hits, scores and order (%u/%u)", query, want, ok ? a.nhits : 99, ok ? b.nhits : 99);
    CHECK(same, what);
    if (ok) {
        search_results_free(&a);
        search_results_free(&b);
    }
}

/* Phrases of common words read pair terms instead of positions (engine.h):
 * the answers must not change, whether the words are adjacent, apart,
 * in the headline or the body, in a phrase of two words or three. */
static void test_pairs(void) {
    char tmpl[] = "/tmp/lede-unit.XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    char plain[300], paired[300], err[LEDE_ERRLEN];
    snprintf(plain, sizeof plain, "%s/plain", root);
    snprintf(paired, sizeof paired, "%s/paired", root);
    const char *common = "harbour strike pay offer crane board";
    CHECK(make_sample(plain, "3", "20", NULL, err) == LEDE_OK, "sample without common words");
    CHECK(make_sample(paired, "3", "20", common, err) == LEDE_OK, "sample with common words");
    same_with_pairs(plain, paired, "\"harbour strike\"", 2);     /* adjacent in two bodies ("harbour; strike") */
    same_with_pairs(plain, paired, "\"strike harbour\"", 0);     /* both words, never in that order */
    same_with_pairs(plain, paired, "\"pay offer\"", 2);          /* headline and body */
    same_with_pairs(plain, paired, "title:\"pay offer\"", 1);    /* headline only */
    same_with_pairs(plain, paired, "\"harbour board pay\"", 1);  /* three common words */
    same_with_pairs(plain, paired, "\"board pay offer\"", 1);    /* pairs in the headline */
    same_with_pairs(plain, paired, "\"pay offer from\"", 2);     /* a stop word at the end: dropped */
    same_with_pairs(plain, paired, "\"strike entered\"", 1);     /* one word not common */
    same_with_pairs(plain, paired, "cranes \"harbour strike\"", 4);  /* mode=any: cranes OR the phrase */
    same_with_pairs(plain, paired, "\"harbour gossip\" OR \"harbour rain\"", 1);
    same_with_pairs(plain, paired, "harbour -\"harbour strike\"", 3);
    unit_scratch_remove(root);
}

/* A phrase and the hits it must have. */
struct phrase_hits {
    const char *phrase;
    unsigned hits;
};

/* What test_pair_words and test_pair_shares check of a pair-word rule
 * words (a "lede.pair_words" value), told by what in the messages: a
 * format 4 index of the samples with "harbour" common and words for pair
 * words gives each of the n phrases the answers (and hits) of one
 * without pair terms; and an index of "harbour" alone that claims words
 * afterwards finds no "harbour strike" (a reader looks for its pair
 * term, never indexed there), and below (unless NULL; a phrase the rule
 * does not pair) with its below_hits, read by positions. */
static void check_pair_rule(const char *what, const char *words, const struct phrase_hits *phrases, size_t n,
                            const char *below, unsigned below_hits) {
    char tmpl[] = "/tmp/lede-unit.XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    char plain[300], paired[300], claims[300], err[LEDE_ERRLEN];
    snprintf(plain, sizeof plain, "%s/plain", root);
    snprintf(paired, sizeof paired, "%s/paired", root);
    snprintf(claims, sizeof claims, "%s/claims", root);
    CHECK(make_sample(plain, "4", "20", NULL, err) == LEDE_OK, "format 4 sample without pair words");
    CHECK(make_sample_words(paired, "4", "20", "harbour", words, err) == LEDE_OK, "format 4 sample: %s", what);
    for (size_t i = 0; i < n; i++) same_with_pairs(plain, paired, phrases[i].phrase, phrases[i].hits);
    CHECK(make_sample(claims, "4", "20", "harbour", err) == LEDE_OK, "sample with one common word");
    engine_writer *w;
    int rc = engine_writer_open(claims, 0, 0, &w, err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.pair_words", words, strlen(words), err);
    if (rc == LEDE_OK) rc = engine_writer_close(w, err);
    CHECK(rc == LEDE_OK, "%s stored afterwards: %s", what, rc == LEDE_OK ? "ok" : err);
    search_results res = {0};
    CHECK(search(claims, "\"harbour strike\"", &res) == LEDE_OK && res.nhits == 0,
          "%s: a phrase the rule pairs is looked for through its pair term, here never indexed", what);
    search_results_free(&res);
    if (below) {
        CHECK(search(claims, below, &res) == LEDE_OK && res.nhits == below_hits,
              "%s: a phrase the rule does not pair is read by positions (%u hits)", what, (unsigned)res.nhits);
        search_results_free(&res);
    }
    unit_scratch_remove(root);
}

/* An index's pair words ("lede.pair_words", issue 22) reach beyond its
 * common words: phrases of them give the same answers as an index without
 * pair terms, and a reader takes them for pair terms (an index claiming
 * pair words it never indexed finds no phrase of them). */
static void test_pair_words(void) {
    static const struct phrase_hits phrases[] = {
        {"\"harbour strike\"", 2},      {"\"strike harbour\"", 0},  {"\"pay offer\"", 2},
        {"title:\"pay offer\"", 1},      {"\"harbour board pay\"", 1}, {"\"strike entered\"", 1},
        {"harbour -\"harbour strike\"", 3},
    };
    check_pair_rule("six pair words", "harbour strike pay offer crane board", phrases,
                    sizeof phrases / sizeof phrases[0], NULL, 0);
}

/* Pair words by shares ("min=P word=S ...", issue 22): two words pair
 * when both are common or their shares' product reaches the floor.  The
 * answers are those of an index without pair terms, and a reader looks
 * for exactly the pairs the rule makes: an index claiming them afterwards
 * finds no phrase of a pair that reaches the floor (its pair term was
 * never indexed) and still finds one below it (read by positions). */
static void test_pair_shares(void) {
    static const struct phrase_hits phrases[] = {
        {"\"harbour strike\"", 2},      {"\"pay offer\"", 2},       {"title:\"pay offer\"", 1},
        {"\"harbour board pay\"", 1},    {"\"strike harbour\"", 0},  {"harbour -\"harbour strike\"", 3},
    };
    /* harbour strike: 3e11 >= 1e11; pay offer 9e10, harbour board 6e10: below */
    check_pair_rule("pair words by shares",
                    "min=100000 board=100000 harbour=600000 offer=300000 pay=300000 strike=500000", phrases,
                    sizeof phrases / sizeof phrases[0], "\"pay offer\"", 2);
}

static void test_formats(void) {
    char tmpl[] = "/tmp/lede-unit.XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    char v1[300], v2[300], v3[300], v4[300], err[LEDE_ERRLEN];
    snprintf(v1, sizeof v1, "%s/v1", root);
    snprintf(v2, sizeof v2, "%s/v2", root);
    snprintf(v3, sizeof v3, "%s/v3", root);
    snprintf(v4, sizeof v4, "%s/v4", root);
    CHECK(make_index(v4, NULL, err) == LEDE_OK, "format 4 (the current) index written");
    CHECK(make_index(v3, "3", err) == LEDE_OK, "format 3 index written");
    CHECK(make_index(v2, "2", err) == LEDE_OK, "format 2 index written");
    CHECK(make_index(v1, "1", err) == LEDE_OK, "format 1 index written");
    CHECK(hits(v2, "zebra") == 1, "format 2: a headline-only word is found");
    CHECK(hits(v1, "zebra") == 1, "format 1: a headline-only word is found");
    CHECK(hits(v2, "zebra traffic") == 1, "format 2: headline and body words together");
    CHECK(hits(v1, "zebra traffic") == 1, "format 1: headline and body words together");
    CHECK(hits(v2, "title:\"zebra crossing\"") == 1, "format 2: headline phrase");
    CHECK(hits(v2, "\"zebra crossing\"") == 1, "format 2: headline phrase in all fields");
    CHECK(hits(v2, "body:zebra") == 1, "format 2: the body term holds headline words");
    CHECK(hits(v1, "body:zebra") == 0, "format 1 stays format 1: body term is body-only");
    CHECK(hits(v2, "\"high road\"") == 1 && hits(v1, "\"high road\"") == 1, "body phrase");
    CHECK(hits(v1, "\"zebra crossing\"") == 1, "format 1: headline phrase in all fields");
    CHECK(hits(v2, "\"repainted traffic\"") == 0, "format 2: no phrase across headline and body");
    CHECK(hits(v3, "zebra") == 1 && hits(v3, "zebra traffic") == 1, "format 3: headline words");
    CHECK(hits(v3, "body:zebra") == 1, "format 3: the body term holds headline words");
    CHECK(hits(v3, "title:\"zebra crossing\"") == 1 && hits(v3, "\"high road\"") == 1, "format 3: phrases");
    CHECK(hits(v3, "\"repainted traffic\"") == 0, "format 3: no phrase across headline and body");
    CHECK(hits(v4, "zebra") == 1 && hits(v4, "zebra traffic") == 1, "format 4: headline words");
    CHECK(hits(v4, "body:zebra") == 1, "format 4: the body term holds headline words");
    CHECK(hits(v4, "title:\"zebra crossing\"") == 1 && hits(v4, "\"high road\"") == 1, "format 4: phrases");
    CHECK(hits(v4, "\"repainted traffic\"") == 0, "format 4: no phrase across headline and body");
    unit_scratch_remove(root);
}

/* Writes dir/XAPIANDB naming one database, through a rename as lede does. */
static int write_stub(const char *dir, const char *db) {
    char tmp[300], stub[300];
    snprintf(tmp, sizeof tmp, "%s/XAPIANDB.tmp", dir);
    snprintf(stub, sizeof stub, "%s/XAPIANDB", dir);
    FILE *f = fopen(tmp, "w");
    if (!f) return LEDE_ERR;
    fprintf(f, "auto %s\n", db);
    return fclose(f) == 0 && rename(tmp, stub) == 0 ? LEDE_OK : LEDE_ERR;
}

static int refreshed(engine_reader *r) {
    char err[LEDE_ERRLEN];
    int changed = -1;
    return engine_reader_refresh(r, &changed, err) == LEDE_OK ? changed : -1;
}

static int count_in(engine_reader *r, const char *query) {
    char err[LEDE_ERRLEN];
    search_opts o = {.query = query, .limit = 10, .exact = 1};
    search_results res;
    if (engine_search(r, &o, &res, err) != LEDE_OK) return -1;
    int n = (int)res.total;
    search_results_free(&res);
    return n;
}

/* A scratch index whose stub names database "a" (made, one article), a
 * reader open on it, and in b the path of its database "b" (not made):
 * the root, or NULL after a failed check (nothing left to free). */
static char *reader_on_a(char *tmpl, char b[300], engine_reader **r) {
    char a[300], err[LEDE_ERRLEN];
    char *root = unit_scratch_open(tmpl);
    if (!root) return NULL;
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(b, 300, "%s/b", root);
    CHECK(make_index(a, NULL, err) == LEDE_OK && write_stub(root, "a") == LEDE_OK, "index on database a");
    int opened = engine_reader_open(root, r, err) == LEDE_OK;
    CHECK(opened, "reader open");
    if (!opened) unit_scratch_remove(root);
    return opened ? root : NULL;
}

/* Regression (readers learn of commits through a watch on directories,
 * dirwatch.h): once the stub names another database, that database's
 * directory is watched, so a commit there alone (nothing else in the index
 * directory changes, as with leded's own ingest) is seen. */
static void test_refresh_follows_stub(void) {
    char tmpl[] = "/tmp/lede-refresh-XXXXXX", b[300], err[LEDE_ERRLEN];
    engine_reader *r;
    char *root = reader_on_a(tmpl, b, &r);
    if (!root) return;
    refreshed(r);
    CHECK(refreshed(r) == 0, "nothing new: refresh changes nothing");
    CHECK(make_index(b, NULL, err) == LEDE_OK && write_stub(root, "b") == LEDE_OK, "the stub now names database b");
    CHECK(refreshed(r) == 1, "the new stub is seen");
    CHECK(refreshed(r) == 0, "then nothing new");
    engine_writer *w = NULL;
    article x;
    article_init(&x);
    x.id = lede_strdup("t2");
    x.title = lede_strdup("Zebra herd crosses the river");
    x.body = lede_strdup("Rangers counted the herd at dawn.");
    int rc = engine_writer_open(b, 0, 1, &w, err);
    if (rc == LEDE_OK) {
        rc = put(w, &x, err);
        if (rc == LEDE_OK) rc = engine_writer_commit(w, err);
        engine_writer_close(w, NULL);
    } else {
        article_free(&x);
    }
    CHECK(rc == LEDE_OK, "a commit into database b alone");
    CHECK(refreshed(r) == 1, "the commit into b is seen");
    CHECK(count_in(r, "zebra") == 2, "and searched: both articles");
    CHECK(refreshed(r) == 0, "then nothing new again");
    engine_reader_close(r);
    unit_scratch_remove(root);
}

/* Regression: a stub changed to name a database that cannot be opened
 * fails every query until it can be, instead of the reader answering on
 * from the databases it had open (as if the stub had not changed). */
static void test_refresh_failed_open(void) {
    char tmpl[] = "/tmp/lede-badstub-XXXXXX", b[300], err[LEDE_ERRLEN];
    engine_reader *r;
    char *root = reader_on_a(tmpl, b, &r);
    if (!root) return;
    CHECK(count_in(r, "zebra") == 1, "database a searched");
    CHECK(write_stub(root, "b") == LEDE_OK, "the stub now names b, which does not exist yet");
    CHECK(refreshed(r) == -1, "the refresh that sees it fails");
    CHECK(refreshed(r) == -1 && count_in(r, "zebra") == -1, "and so do later refreshes and searches: none "
          "answers from database a");
    CHECK(make_index(b, NULL, err) == LEDE_OK, "database b made");
    CHECK(refreshed(r) == 1 && count_in(r, "zebra") == 1, "then b is opened and searched");
    engine_reader_close(r);
    unit_scratch_remove(root);
}

/* Regression: stubs that name each other in a loop (or a stub naming its
 * own directory) are an error when a reader opens or refreshes, where
 * Xapian 1.4 follows them until its stack overflows (leded crashed). */
static void test_stub_loop(void) {
    char tmpl[] = "/tmp/lede-stubloop-XXXXXX", a[300], x[300], err[LEDE_ERRLEN];
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    snprintf(a, sizeof a, "%s/a", root);
    snprintf(x, sizeof x, "%s/x", root);
    engine_reader *r = NULL;
    CHECK(mkdir(x, 0755) == 0 && write_stub(x, x) == LEDE_OK, "a stub naming its own directory");
    CHECK(engine_reader_open(x, &r, err) != LEDE_OK && strstr(err, "lists itself"), "opening it: an error (%s)", err);
    CHECK(make_index(a, NULL, err) == LEDE_OK && write_stub(root, "a") == LEDE_OK, "an index on database a");
    CHECK(engine_reader_open(root, &r, err) == LEDE_OK && count_in(r, "zebra") == 1, "opened and searched");
    CHECK(write_stub(x, root) == LEDE_OK && write_stub(root, "x") == LEDE_OK, "its stub now names x, which "
          "names the index");
    CHECK(refreshed(r) == -1 && refreshed(r) == -1, "every refresh: an error (leded answers its query so)");
    CHECK(write_stub(root, "a") == LEDE_OK && refreshed(r) == 1 && count_in(r, "zebra") == 1,
          "the stub fixed: searched again");
    engine_reader_close(r);
    unit_scratch_remove(root);
}

/* engine_reader_get_article decodes with the index's own dictionary
 * ("lede.dict"): an article stored compressed against it comes back whole,
 * without the caller reading the dictionary or keeping a docstore. */
static void test_get_article(void) {
    char tmpl[] = "/tmp/lede-get-XXXXXX", dir[300], err[LEDE_ERRLEN];
    char *root = unit_scratch_open(tmpl);
    if (!root) return;
    snprintf(dir, sizeof dir, "%s/db", root);
    static const char dict[] = "the harbour master said the ferry would sail at dawn";
    docstore *ds = docstore_new(dict, sizeof dict - 1);
    article a;
    article_init(&a);
    a.id = lede_strdup("g1");
    a.title = lede_strdup("Ferry sails at dawn");
    a.standfirst = lede_strdup("The harbour master said so.");
    a.body = lede_strdup("The ferry would sail at dawn, the harbour master said, weather permitting.");
    a.author = lede_strdup("Elena Marsh");
    a.has_date = 1;
    a.date = 1700000000;
    sbuf blob;
    sbuf_init(&blob);
    uint64_t hash;
    int outcome = 0;
    engine_writer *w;
    int rc = engine_writer_open(dir, 1, 1, &w, err);
    if (rc == LEDE_OK) {
        rc = engine_writer_meta_set(w, "lede.dict", dict, sizeof dict - 1, err);
        if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
        if (rc == LEDE_OK) rc = docstore_encode(ds, &a, &blob, &hash, err);
        if (rc == LEDE_OK) rc = engine_writer_put(w, &a, NULL, hash, blob.data, blob.len, &outcome, err);
        if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    }
    CHECK(rc == LEDE_OK && outcome == ENGINE_ADDED, "an article stored against a dictionary");
    docstore *plain = docstore_new(NULL, 0);
    article raw;
    article_init(&raw);
    CHECK(docstore_decode(plain, blob.data, blob.len, &raw, err) != LEDE_OK,
          "its data needs the dictionary to decode");
    docstore_free(plain);
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) == LEDE_OK) {
        article got;
        article_init(&got);
        CHECK(engine_reader_get_article(r, "g1", &got, err) == LEDE_OK, "engine_reader_get_article finds it");
        CHECK_STR(got.id, "g1", "get_article: id");
        CHECK_STR(got.title, a.title, "get_article: headline");
        CHECK_STR(got.standfirst, a.standfirst, "get_article: standfirst");
        CHECK_STR(got.body, a.body, "get_article: body (from the compressed tail)");
        CHECK_STR(got.author, a.author, "get_article: author");
        CHECK(got.has_date && got.date == a.date, "get_article: date");
        article_free(&got);
        CHECK(engine_reader_get_article(r, "absent", &got, err) == LEDE_ENOTFOUND && !got.id && !got.body,
              "get_article: an unknown id is LEDE_ENOTFOUND, out left empty");
        engine_reader_close(r);
    } else {
        CHECK(0, "reader open: %s", err);
    }
    sbuf_free(&blob);
    article_free(&a);
    docstore_free(ds);
    unit_scratch_remove(root);
}

int main(void) {
    test_refresh_follows_stub();
    test_refresh_failed_open();
    test_stub_loop();
    test_formats();
    test_impacts();
    test_pairs();
    test_pair_words();
    test_pair_shares();
    test_get_article();
    return unit_exit();
}
