/* test_writer_discard.c -- a discarded writer refuses changes until it
 * commits (engine.h's engine_writer_discard): its close commits nothing,
 * so a put or delete made after the discard was lost with no error
 * before.  Now each is refused with LEDE_EDISCARDED and a message saying
 * why; after a commit the writer takes changes again
 * (engine_writer_discarded says which it is).  Through the
 * engine's C API on a scratch database. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <string.h>

static uint64_t doccount_of(const char *path) {
    engine_writer *w = unit_writer_open(path, 0, 0);
    uint64_t n = w ? engine_writer_doccount(w) : 0;
    if (w) engine_writer_close(w, NULL);
    return n;
}

static void check_refused(int rc, const char *err, const char *what) {
    CHECK(rc == LEDE_EDISCARDED, "%s after a discard is refused with LEDE_EDISCARDED (rc %d)", what, rc);
    CHECK(strstr(err, "discarded") != NULL, "%s: the message says why: %s", what, err);
}

static void check_discarded(const char *path) {
    char err[LEDE_ERRLEN] = "";
    engine_writer *w = unit_writer_open(path, 0, 0);
    CHECK(w != NULL, "a new database opens");
    if (!w) return;
    CHECK(unit_put(w, "one", "First report", "The quorble first.", err) == LEDE_OK, "put one: %s", err);
    CHECK(engine_writer_commit(w, err) == LEDE_OK, "commit one: %s", err);
    CHECK(!engine_writer_discarded(w), "a writer that committed is not discarded");
    CHECK(unit_put(w, "two", "Second report", "The quorble second.", err) == LEDE_OK, "put two: %s", err);
    engine_writer_discard(w);
    CHECK(engine_writer_discarded(w), "engine_writer_discarded says it was");
    err[0] = 0;
    check_refused(unit_put(w, "three", "Third report", "The quorble third.", err), err, "a put");
    int found = -1;
    err[0] = 0;
    check_refused(engine_writer_delete_id(w, "one", &found, err), err, "a delete");
    CHECK(found == 0, "the refused delete found nothing");
    uint64_t deleted = 9;
    int more = 9;
    err[0] = 0;
    check_refused(engine_writer_delete_file(w, "file", NULL, NULL, &deleted, &more, err), err, "a file's deletion");
    CHECK(deleted == 0 && more == 0, "the refused file's deletion deleted nothing");
    CHECK(engine_writer_commit(w, err) == LEDE_OK, "a commit after the discard: %s", err);
    CHECK(!engine_writer_discarded(w), "... after which it is not discarded");
    CHECK(unit_put(w, "four", "Fourth report", "The quorble fourth.", err) == LEDE_OK,
          "after the commit a put is taken again: %s", err);
    CHECK(engine_writer_close(w, err) == LEDE_OK, "close: %s", err);
    uint64_t n = doccount_of(path);
    CHECK(n == 2, "one and four are in the database, two and three not (%llu)", (unsigned long long)n);
}

int main(void) {
    char tmpl[] = "/tmp/lede-writer-discard-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    char path[300];
    snprintf(path, sizeof path, "%s/db", root);
    check_discarded(path);
    unit_scratch_remove(root);
    return unit_exit();
}
