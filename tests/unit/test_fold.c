/* test_fold.c -- text folding through the engine API (issue 19, point 4):
 * an index whose "lede.fold" is ENGINE_FOLD finds accented words by their
 * plain spelling and the other way round, decomposed and full-width forms,
 * CJK words by n-grams, wildcards and phrases of folded words, ids as
 * written, and marks the accented words in snippets; an index without the
 * setting (made before it) answers exactly as it did, also after a writer
 * adds to it; a folding this lede does not know is refused, not guessed. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <unistd.h>

static const char *const ARTICLES[][3] = {
    /* id, title, body */
    {"f1", "Zoë Fernández wins the élections", "The count in Besançon ended at dawn."},
    {"f2", "A singer called Zoe\xcc\x88", "She toured \xef\xbd\x94\xef\xbd\x8f\xef\xbd\x8b\xef\xbd\x99\xef\xbd\x8f "
                                         "(full-width letters) with a Straße band."},
    {"f3", "人工智能的发展", "中国的人工智能研究在快速发展。"},
    {"café-4", "Harbour report", "Boats counted at the harbour."},
};
#define NARTICLES (sizeof ARTICLES / sizeof ARTICLES[0])

static int put(engine_writer *w, size_t i, char *err) {
    return unit_put(w, ARTICLES[i][0], ARTICLES[i][1], ARTICLES[i][2], err);
}

/* An index of the articles from..to-1; fold: its "lede.fold" (NULL: none,
 * as an index made before the setting). */
static int write_articles(const char *dir, const char *fold, size_t from, size_t to, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    const char *stop = engine_default_stopwords("english");
    int rc = engine_writer_meta_set(w, "lede.language", "english", 7, err);
    if (rc == LEDE_OK) rc = engine_writer_meta_set(w, "lede.stopwords", stop, strlen(stop), err);
    if (rc == LEDE_OK && fold) rc = engine_writer_meta_set(w, "lede.fold", fold, strlen(fold), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", stop, 1, err);
    for (size_t i = from; rc == LEDE_OK && i < to; i++) rc = put(w, i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* A hit's snippet with [ ] around its highlights (the engine gives the
 * text as written and the ranges, src/search.h). */
static void marked_snippet(const search_hit *h, char *out, size_t size) {
    out[0] = 0;
    if (!h || !h->snippet) return;
    size_t at = 0, len = strlen(h->snippet);
    for (unsigned i = 0; i <= h->nhighlights; i++) {
        size_t start = i < h->nhighlights ? h->highlights[i].start : len;
        snprintf(out + strlen(out), size - strlen(out), "%.*s", (int)(start - at), h->snippet + at);
        if (i == h->nhighlights) break;
        size_t end = h->highlights[i].end;
        snprintf(out + strlen(out), size - strlen(out), "[%.*s]", (int)(end - start), h->snippet + start);
        at = end;
    }
}

/* The ids query finds, sorted and space-separated ("ERR: ..." on error);
 * snippet: the first hit's snippet with [ ] marks, when asked for. */
static void found(const char *dir, const char *query, char *out, size_t size, char *snippet) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) {
        snprintf(out, size, "ERR: %s", err);
        return;
    }
    search_opts o = {.query = query, .limit = 10, .snippet_len = snippet ? 200 : 0};
    search_results res;
    if (engine_search(r, &o, &res, err) != LEDE_OK) {
        snprintf(out, size, "ERR: %s", err);
        engine_reader_close(r);
        return;
    }
    const char *ids[NARTICLES + 1];
    size_t n = 0;
    for (unsigned i = 0; i < res.nhits && n < NARTICLES; i++) ids[n++] = res.hits[i].id;
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful */
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", ids[i]);
    if (snippet) marked_snippet(res.nhits ? &res.hits[0] : NULL, snippet, 400);
    search_results_free(&res);
    engine_reader_close(r);
}

static void finds(const char *dir, const char *query, const char *want, const char *what) {
    char got[LEDE_ERRLEN + 16];
    found(dir, query, got, sizeof got, NULL);
    CHECK_STR(got, want, "%s: '%s' finds %s", what, query, *want ? want : "nothing");
}

static void test_folded(const char *root) {
    char dir[300], err[LEDE_ERRLEN];
    snprintf(dir, sizeof dir, "%s/folded", root);
    CHECK(write_articles(dir, ENGINE_FOLD, 0, NARTICLES, err) == LEDE_OK, "folding index written (%s)", err);
    const char *what = "folding";
    finds(dir, "zoe", "f1 f2", what);
    finds(dir, "ZOË", "f1 f2", what);
    finds(dir, "Zoe\xcc\x88", "f1 f2", what);                 /* decomposed */
    finds(dir, "\xef\xbd\x9a\xef\xbd\x8f\xef\xbd\x85", "f1 f2", what); /* full-width */
    finds(dir, "fernandez", "f1", what);
    finds(dir, "elections", "f1", what);
    finds(dir, "élection", "f1", what);
    finds(dir, "besancon", "f1", what);
    finds(dir, "tokyo", "f2", what);
    finds(dir, "strasse", "f2", what);
    finds(dir, "straße", "f2", what);
    finds(dir, "人工智能", "f3", what);
    finds(dir, "智能", "f3", what);
    finds(dir, "title:发展", "f3", what);
    finds(dir, "人工智能 NOT 研究", "", what);
    finds(dir, "fernán*", "f1", what);
    finds(dir, "\"zoe fernandez\"", "f1", what);
    finds(dir, "\"fernandez zoe\"", "", what);
    finds(dir, "id:café-4", "café-4", what);
    finds(dir, "id:cafe-4", "", what);
    char ids[LEDE_ERRLEN + 16], snippet[400];
    found(dir, "fernandez OR besancon", ids, sizeof ids, snippet);
    CHECK(strstr(snippet, "[Besançon]") != NULL, "the accented word is marked in the snippet: %s", snippet);
    found(dir, "strasse", ids, sizeof ids, snippet);
    CHECK(strstr(snippet, "[Straße]") != NULL, "a folded letter's word is marked in the snippet: %s", snippet);
    /* Regression (issue 19's leftover): full-width words matched but went
     * unmarked, read as CJK n-grams where the index holds them folded. */
    found(dir, "tokyo", ids, sizeof ids, snippet);
    CHECK(strstr(snippet, "[\xef\xbd\x94\xef\xbd\x8f\xef\xbd\x8b\xef\xbd\x99\xef\xbd\x8f]") != NULL,
          "a full-width word is marked whole in the snippet: %s", snippet);
    found(dir, "研究", ids, sizeof ids, snippet);
    CHECK(strstr(snippet, "[研究]") != NULL, "a CJK word is marked whole in the snippet: %s", snippet);
}

/* An index made before "lede.fold": exact forms, CJK runs as whole words,
 * and a writer adding to it keeps to that. */
static void test_unfolded(const char *root) {
    char dir[300], err[LEDE_ERRLEN];
    snprintf(dir, sizeof dir, "%s/old", root);
    CHECK(write_articles(dir, NULL, 0, 2, err) == LEDE_OK, "unfolded index written (%s)", err);
    CHECK(write_articles(dir, NULL, 2, NARTICLES, err) == LEDE_OK, "unfolded index added to (%s)", err);
    const char *what = "without lede.fold";
    finds(dir, "zoe", "", what);
    finds(dir, "Zoë", "f1", what);
    finds(dir, "fernandez", "", what);
    finds(dir, "Fernández", "f1", what);
    finds(dir, "élections", "f1", what);
    finds(dir, "tokyo", "", what);
    finds(dir, "人工智能", "", what);
    finds(dir, "人工智能的发展", "f3", what);
}

static void test_unknown_fold(const char *root) {
    char dir[300], err[LEDE_ERRLEN];
    snprintf(dir, sizeof dir, "%s/future", root);
    engine_writer *w;
    CHECK(engine_writer_open(dir, 1, 1, &w, err) == LEDE_OK, "writer opened");
    CHECK(engine_writer_meta_set(w, "lede.fold", "9", 1, err) == LEDE_OK, "an unknown folding set");
    CHECK(engine_writer_close(w, err) == LEDE_OK, "written");
    CHECK(engine_writer_open(dir, 0, 1, &w, err) == LEDE_OK, "writer opened again");
    int rc = engine_writer_configure(w, "english", NULL, 0, err);
    CHECK(rc != LEDE_OK && strstr(err, "text folding \"9\""), "a writer refuses an unknown folding: %s", err);
    engine_writer_close(w, NULL);
    char got[LEDE_ERRLEN + 16];
    found(dir, "zoe", got, sizeof got, NULL);
    CHECK(strstr(got, "ERR: ") == got && strstr(got, "text folding \"9\""),
          "a reader refuses an unknown folding: %s", got);
}

int main(void) {
    char tmpl[] = "/tmp/lede-fold-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    test_folded(root);
    test_unfolded(root);
    test_unknown_fold(root);
    unit_scratch_remove(root);
    return unit_exit();
}
