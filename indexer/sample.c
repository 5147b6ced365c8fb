/* sample.c -- a full build's held articles and the settings chosen from
 * them (see sample.h).  Never writes to the index: its scratch writer
 * lives in memory. */
#include "sample.h"
#include "writers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A full build samples its first PIVOT_SAMPLE articles (at most
 * PIVOT_SAMPLE_BYTES of text) for a format 3 index's pivot length. */
#define PIVOT_SAMPLE 1000
#define PIVOT_SAMPLE_BYTES (8u << 20)
/* Its common words (SIMILAR leaves them out; engine.h): those in at
 * least this share of the sample, at most LEDE_INDEX_COMMON_MAX of them
 * (build.h). */
#define COMMON_SHARE 0.05
/* With --pair-words N, its pair words, whose adjacent pairs get a pair
 * term (engine.h), a superset of the common words: those in at least
 * PAIR_SHARE of the sample, at most N of them (else the common words are
 * the pair words).  An exact phrase of words outside them reads positions
 * in every article holding all its words, so the bound on a phrase's cost
 * is the article count of the most frequent word left out (issue 22: at
 * 500,000 articles, with the 128 common words alone, such phrases were
 * the slowest queries of the mix; 1,024 pair words cost 32% more build
 * CPU and a 16% larger index: bench/results/scale.md). */
#define PAIR_SHARE 0.01
/* With --pair-min P, the pairs chosen by what they save (issue 22): a
 * phrase "a b" without a pair term reads positions in about N x share(a)
 * x share(b) of N articles, so two words pair when the product of their
 * sampled shares reaches P per million (or both are common words); the
 * words in at least PAIR_COST_SHARE of the sample, at most PAIR_COST_MAX
 * of them, with their shares ("lede.pair_words" by shares, engine.h). */
#define PAIR_COST_SHARE 0.005
#define PAIR_COST_MAX 2048
/* Fewer sampled articles than this choose no pair words beyond the
 * common ones: 1% of them would be a word in 5 articles or fewer. */
#define PAIR_MIN_SAMPLE 500
/* Formats 4 and 5's tier words: the words in at least TIER_WORD_SHARE of the
 * sample, at most TIER_WORDS_MAX of them (the common words among them),
 * each with the scaled wdf that about TIER_SHARE of its sampled postings
 * reach (engine.h, src/engine/tiers.cc): the articles a query of them
 * ranks first.  Issue 22, at 500,000 articles: with the common words
 * alone, 3% and 10% both cut the CPU of the mix's tiered classes by about
 * a third, 3% for a smaller index.  At 2,000,000, most AND and NOT queries
 * had a word outside the common ones and no plan, and an AND of two
 * common words often missed the bound at 3%: simulated on that index,
 * tiers for every word at 3% let 197 of its 350 AND and NOT queries take
 * the plan, at 10% 292, every AND above 4 ms of CPU among them.  At
 * 500,000, 1,234 tier words at 10%: 241 more queries of the mix tiered,
 * at 0.72x their CPU, those tiered already at 1.21x, for a 1.2% larger
 * index (bench/results/scale.md). */
#define TIER_WORD_SHARE 0.01
#define TIER_WORDS_MAX 2048
#define TIER_SHARE 0.10
/* And each a second, narrow threshold that about TIER_NARROW_SHARE of its
 * sampled postings reach (XTN<word>, src/engine/tiers.cc's
 * narrow_tier_plan): a phrase of common words ranked from its body, such
 * as `"company said"` at 2,000,000 articles, reads the words' postings in
 * about as many articles as its filter holds, and the 10% level's filter
 * held 29% of its matches (0.63x of the whole; bench/results/scale.md). */
#define TIER_NARROW_SHARE 0.01
/* Fewer sampled articles than this take tiers for the common words only:
 * 1% of a few hundred articles is a word in one or two of them, and every
 * word of those would become a tier word (speed and size only: a tier
 * never changes an answer). */
#define TIER_MIN_SAMPLE PAIR_MIN_SAMPLE
/* With --prefix-min P, format 4's prefix words (src/engine/prefix_terms.cc):
 * at most PREFIX_WORDS_MAX of the byte prefixes of the sample's body words
 * whose words' postings outnumber the articles holding one of them (the
 * postings a wildcard of them reads beyond its matches) by P per million
 * of the sample, those that save most; none from fewer than
 * PAIR_MIN_SAMPLE articles. */
#define PREFIX_WORDS_MAX 512
/* Fewer sampled articles than this choose no common words: in a handful
 * every word would pass the share. */
#define COMMON_MIN_SAMPLE 100

static void release_held(build *b) {
    while (b->held_head) {
        jobq_job *j = b->held_head;
        b->held_head = j->next;
        writers_decide_boiler(b, j); /* each cleaned of what recurs among all held */
        writers_push(b, j);
    }
    b->held_tail = NULL;
}

void sample_free_held(build *b) {
    while (b->held_head) {
        jobq_job *j = b->held_head;
        b->held_head = j->next;
        jobq_job_free(j);
    }
    b->held_tail = NULL;
}

static size_t text_bytes(const article *a) {
    return (a->title ? strlen(a->title) : 0) + (a->standfirst ? strlen(a->standfirst) : 0) +
           (a->body ? strlen(a->body) : 0);
}

/* Format 4's tier words and their thresholds (TIER_WORD_SHARE), from a
 * sample of n articles. */
static int choose_tiers(build *b, engine_writer *m, double pivot, uint64_t n, char *err) {
    if (n < TIER_MIN_SAMPLE)
        return engine_writer_tiers(m, b->set.common.data, b->set.common.len, pivot, TIER_SHARE, 0,
                                   &b->set.tiers, err);
    sbuf words;
    sbuf_init(&words);
    int rc = engine_writer_common_words(m, TIER_WORD_SHARE, TIER_WORDS_MAX, &words, err);
    if (rc == LEDE_OK)
        rc = engine_writer_tiers(m, words.data, words.len, pivot, TIER_SHARE, TIER_NARROW_SHARE,
                                 &b->set.tiers, err);
    sbuf_free(&words);
    return rc;
}

/* Format 4's tiers of its prefix terms, added to "lede.tiers": for each
 * prefix word, the sum of its words' scaled wdfs that about TIER_SHARE of
 * the held articles holding one reach (engine_writer_prefix_tiers), so
 * that a wildcard of it takes the tier plan as a word does. */
static int choose_prefix_tiers(build *b, engine_writer *m, char *err) {
    size_t n = 0, k = 0;
    for (jobq_job *j = b->held_head; j; j = j->next) n += j->kind == JOBQ_PUT;
    const article **held = lede_malloc((n ? n : 1) * sizeof *held);
    for (jobq_job *j = b->held_head; j; j = j->next)
        if (j->kind == JOBQ_PUT) held[k++] = &j->a;
    int rc = engine_writer_prefix_tiers(m, b->set.prefixes.data, b->set.prefixes.len, atof(b->set.pivot),
                                        TIER_SHARE, held, n, &b->set.tiers, err);
    free(held);
    return rc;
}

/* Formats 3 and 4's pivot, common words and pair words (engine.h): the
 * mean length of the held articles, as the engine measures them with the
 * index's language and stop words, and the words many of them hold. */
static int choose_sample_settings(build *b, char *err) {
    if (!engine_format_samples(b->set.format)) return LEDE_OK;
    engine_writer *m;
    if (engine_writer_open(NULL, 1, 1, &m, err) != LEDE_OK) return LEDE_ERR;
    /* The scratch database folds as the index does ("lede.fold"), so that
     * the words chosen are the index's terms: unfolded, an accented
     * word's prefix ("éco") was chosen that no folded term starts with,
     * and CJK text was measured in words, not the index's n-grams. */
    int rc = settings_store_writer(&b->set, SETTINGS_FOLD, m, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(m, b->set.language, b->set.stopwords, 0, err);
    uint64_t total = 0, n = 0;
    for (jobq_job *j = b->held_head; rc == LEDE_OK && j; j = j->next) {
        uint64_t len;
        if (j->kind != JOBQ_PUT) continue;
        rc = engine_writer_measure(m, &j->a, &len, err);
        total += len;
        n++;
    }
    if (rc == LEDE_OK && n >= COMMON_MIN_SAMPLE)
        rc = engine_writer_common_words(m, COMMON_SHARE, LEDE_INDEX_COMMON_MAX, &b->set.common, err);
    if (rc == LEDE_OK && b->o->pair_words && n >= PAIR_MIN_SAMPLE)
        rc = engine_writer_common_words(m, PAIR_SHARE, b->o->pair_words, &b->set.pair_words, err);
    if (rc == LEDE_OK && b->o->pair_min && n >= PAIR_MIN_SAMPLE)
        rc = engine_writer_pair_shares(m, PAIR_COST_SHARE, PAIR_COST_MAX, b->o->pair_min,
                                       &b->set.pair_words, err);
    if (rc == LEDE_OK && n > 0 && total >= n) {
        char pivot[32];
        snprintf(pivot, sizeof pivot, "%.1f", (double)total / (double)n);
        settings_set_string(&b->set.pivot, pivot);
        if (b->set.common.len && engine_format_tiers(b->set.format)) rc = choose_tiers(b, m, atof(pivot), n, err);
    }
    if (rc == LEDE_OK && b->o->prefix_min && n >= PAIR_MIN_SAMPLE && engine_format_tiers(b->set.format))
        rc = engine_writer_prefixes(m, b->o->prefix_min, PREFIX_WORDS_MAX, &b->set.prefixes, err);
    if (rc == LEDE_OK && b->set.prefixes.len && *b->set.pivot && engine_format_tiers(b->set.format))
        rc = choose_prefix_tiers(b, m, err);
    engine_writer_close(m, NULL);
    return rc;
}

int sample_choose_and_start(build *b, char *err) {
    sbuf_append(&b->set.dict, b->dictb.text.data, b->dictb.text.len);
    docstore_dict_free(&b->dictb);
    if (choose_sample_settings(b, err) != LEDE_OK) return LEDE_ERR;
    if (writers_start(b, err) != LEDE_OK) return LEDE_ERR;
    release_held(b);
    return LEDE_OK;
}

int sample_hold(build *b, jobq_job *j, char *err) {
    /* A full build holds its first articles back to sample them for the
     * compression dictionary and the pivot. */
    if (b->held_tail) b->held_tail->next = j;
    else b->held_head = j;
    b->held_tail = j;
    j->next = NULL;
    if (j->kind != JOBQ_PUT) return LEDE_OK;
    if (!b->dict_full) b->dict_full = docstore_dict_add(&b->dictb, &j->a);
    b->held_articles++;
    b->held_bytes += text_bytes(&j->a);
    if (b->dict_full && (b->held_articles >= PIVOT_SAMPLE || b->held_bytes >= PIVOT_SAMPLE_BYTES))
        return sample_choose_and_start(b, err);
    return LEDE_OK;
}

/* The words of a space-separated list (the stored settings' form). */
static size_t words_in(const char *list, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (list[i] != ' ' && (i == 0 || list[i - 1] == ' ')) n++;
    return n;
}

/* What the index's "lede.pair_words" chose, for a warning. */
static void describe_pairs(const settings *s, char *out, size_t size) {
    const char *p = s->pair_words.data;
    size_t n = words_in(p, s->pair_words.len);
    if (n && !strncmp(p, "min=", 4))
        snprintf(out, size, "pairs by shares (%.*s ppm, %zu words)", (int)strcspn(p + 4, " "), p + 4, n - 1);
    else if (n)
        snprintf(out, size, "%zu pair words", n);
    else
        snprintf(out, size, "the common words alone as pair words");
}

void sample_warn_kept(build *b) {
    const build_opts *o = b->o;
    const settings *s = &b->set;
    if (o->pair_words || o->pair_min) {
        char kept[128];
        describe_pairs(s, kept, sizeof kept);
        WARN(b, "%s: --%s chooses a new index's pairs in its first build: this index "
             "exists and keeps %s (build a new index to choose again)",
             o->index, o->pair_min ? "pair-min" : "pair-words", kept);
    }
    if (o->prefix_min) {
        size_t n = words_in(s->prefixes.data, s->prefixes.len);
        if (n)
            WARN(b, "%s: --prefix-min chooses a new index's prefix words in its first build: "
                 "this index exists and keeps its %zu (build a new index to choose again)",
                 o->index, n);
        else
            WARN(b, "%s: --prefix-min chooses a new index's prefix words in its first build: "
                 "this index exists and has none (build a new index to have them)", o->index);
    }
}
