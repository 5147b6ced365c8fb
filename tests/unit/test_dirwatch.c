/* test_dirwatch.c -- src/dirwatch.h: a quiet directory says so, a change
 * is reported once, the index directory is watched for writes to its files
 * and database directories for renames and the like only, a watched
 * directory that goes away breaks the watch, and directories inotify
 * cannot serve faithfully (reached through a symbolic link) are refused. */
#define _DEFAULT_SOURCE
#include "unit.h"
#include "../../src/dirwatch.h"
#include "../../src/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void touch(const char *dir, const char *name) {
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "create %s", name);
    if (f) fclose(f);
}

int main(void) {
    char tmpl[] = "/tmp/lede-dirwatch-XXXXXX", sub[200], link[200], err[LEDE_ERRLEN];
    char *root = mkdtemp(tmpl);
    CHECK(root != NULL, "scratch directory");
    if (!root) return unit_exit();
    snprintf(sub, sizeof sub, "%s/db", root);
    snprintf(link, sizeof link, "%s/link", root);
    CHECK(mkdir(sub, 0755) == 0, "a database directory");

    dirwatch *w = NULL;
    const char *dirs[] = {root, sub};
    CHECK(dirwatch_set(&w, dirs, 2, err) == LEDE_OK, "watch two directories");
    CHECK(dirwatch_changed(w) == DIRWATCH_QUIET, "nothing happened: quiet");
    touch(sub, "iamglass");
    CHECK(dirwatch_changed(w) == DIRWATCH_CHANGED, "a file written in a watched directory: changed");
    CHECK(dirwatch_changed(w) == DIRWATCH_QUIET, "reported once, then quiet again");
    char from[400], to[400];
    snprintf(from, sizeof from, "%s/XAPIANDB.tmp", root);
    snprintf(to, sizeof to, "%s/XAPIANDB", root);
    touch(root, "XAPIANDB.tmp");
    dirwatch_changed(w);
    CHECK(rename(from, to) == 0 && dirwatch_changed(w) == DIRWATCH_CHANGED, "a rename into the directory: changed");
    touch(root, "XAPIANDB");
    CHECK(dirwatch_changed(w) == DIRWATCH_CHANGED, "the stub rewritten in place: changed (index directory)");
    touch(sub, "iamglass");
    CHECK(dirwatch_changed(w) == DIRWATCH_QUIET,
          "a file rewritten in place in a database directory: not watched (commits rename)");
    snprintf(from, sizeof from, "%s/iamglass", sub);
    CHECK(unlink(from) == 0 && rmdir(sub) == 0, "the database directory removed");
    CHECK(dirwatch_changed(w) == DIRWATCH_BROKEN, "a watched directory gone: the watch is broken");
    CHECK(dirwatch_set(&w, dirs, 2, err) == LEDE_ERR, "watching a missing directory fails (to be retried)");
    CHECK(dirwatch_changed(w) == DIRWATCH_BROKEN, "and the failed watch says broken");

    CHECK(symlink(root, link) == 0, "a symbolic link to the index");
    const char *via_link[] = {link};
    CHECK(dirwatch_set(&w, via_link, 1, err) == LEDE_ELIMIT, "a directory reached through a link is refused");
    const char *real[] = {root};
    CHECK(dirwatch_set(&w, real, 1, err) == LEDE_OK, "the real path is watched");
    dirwatch_free(w);

    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK(system(cmd) == 0, "scratch removed");
    return unit_exit();
}
