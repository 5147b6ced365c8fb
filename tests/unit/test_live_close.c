/* test_live_close.c -- livewriter_close retries a broken live writer's
 * commit (src/livewriter.c): its commit failed (LEDE_FAIL_COMMIT,
 * writer.cc) and so did the reopening after it (LEDE_FAIL_OPEN), so it
 * holds no open database, only the changes kept to make again; closing
 * it reopens, makes them again and commits them, so that no article put
 * is lost.  Without that retry the close would find no database to
 * commit and drop them with no error.  The hooks count this process's
 * commits and openings of the scratch index (both set in main, before
 * the engine reads them); each step checks the state it expects, so that
 * a different count fails rather than passes unseen. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"
#include "../../src/livewriter.h"

#include <stdio.h>
#include <stdlib.h>

#define PUTS 5

static int put_one(livewriter *w, int i) {
    char id[32], err[LEDE_ERRLEN]; /* room for any int: -O1 -Werror=format-truncation */
    snprintf(id, sizeof id, "live-%d", i);
    article a;
    article_init(&a);
    a.id = lede_strdup(id);
    a.title = lede_strdup("Live report");
    a.body = lede_strdup("The quorble report, told plainly.");
    int outcome = 0, rc = livewriter_put(w, &a, &outcome, err);
    CHECK(rc == LEDE_OK && outcome == ENGINE_ADDED, "put %s: %s", id, rc == LEDE_OK ? "added" : err);
    article_free(&a);
    return rc;
}

/* A writer of index, or NULL (checked: what says which opening). */
static livewriter *open_checked(const char *index, const char *what) {
    char err[LEDE_ERRLEN];
    livewriter *w = NULL;
    int rc = livewriter_open(index, "test_live_close", NULL, &w, err);
    CHECK(rc == LEDE_OK, "%s: %s", what, rc == LEDE_OK ? "opens" : err);
    return rc == LEDE_OK ? w : NULL;
}

/* The articles a new writer of index finds. */
static uint64_t doccount_of(const char *index) {
    livewriter *w = open_checked(index, "the index opens again");
    uint64_t n = w ? livewriter_doccount(w) : 0;
    if (w) livewriter_close(w, NULL);
    return n;
}

static void check_broken_close(const char *index) {
    char err[LEDE_ERRLEN];
    livewriter *w = open_checked(index, "a new index opens");
    if (!w) return;
    for (int i = 0; i < PUTS; i++) put_one(w, i);
    int rc = livewriter_commit(w, err);
    CHECK(rc != LEDE_OK, "the commit fails (LEDE_FAIL_COMMIT): %s", rc == LEDE_OK ? "it did not" : err);
    CHECK(livewriter_doccount(w) == 0 && livewriter_uncommitted(w) == PUTS,
          "broken: its reopening failed too (LEDE_FAIL_OPEN), no database open, the %d puts kept (%llu)",
          PUTS, (unsigned long long)livewriter_uncommitted(w));
    rc = livewriter_close(w, err);
    CHECK(rc == LEDE_OK, "the close reopens and commits: %s", rc == LEDE_OK ? "" : err);
    uint64_t n = doccount_of(index);
    CHECK(n == PUTS, "the %d articles put are in the index (%llu)", PUTS, (unsigned long long)n);
}

int main(void) {
    char tmpl[] = "/tmp/lede-live-close-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    char index[300], spec[320];
    snprintf(index, sizeof index, "%s/idx", root);
    /* The index is created (an opening, closed without a commit of
     * engine_writer_commit's), then opened: its first commit fails, and
     * its third opening (the reopening after it). */
    snprintf(spec, sizeof spec, "%s/:1", index);
    setenv("LEDE_FAIL_COMMIT", spec, 1);
    snprintf(spec, sizeof spec, "%s/:3", index);
    setenv("LEDE_FAIL_OPEN", spec, 1);
    check_broken_close(index);
    unit_scratch_remove(root);
    return unit_exit();
}
