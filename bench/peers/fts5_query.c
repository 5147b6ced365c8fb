/* fts5_query.c -- SQLite FTS5's query side in `make bench-peers`: the query
 * mix in-process through libsqlite3, driven by bench/drive.c (THREADS
 * threads, default 1, each with its own read-only handle and prepared
 * statement), top 10 by BM25 (the table's `rank`, bm25(3.0, 1.0)) with
 * their headline, id and date, as lede's SEARCH limit=10 snippet=0:
 *   SELECT rowid, title, ext_id, date FROM articles WHERE articles MATCH ?
 *   ORDER BY rank LIMIT 10
 * usage: fts5_query DATABASE QUERYFILE SECONDS [THREADS]
 * Prints the figures of drive.h, the overall line last. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../drive.h"

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st;
} fts5_conn;

static void *fts5_open(void *ctx) {
    fts5_conn *c = calloc(1, sizeof *c);
    if (sqlite3_open_v2(ctx, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA cache_size=-65536", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db,
                           "SELECT rowid, title, ext_id, date FROM articles WHERE articles MATCH ?"
                           " ORDER BY rank LIMIT 10",
                           -1, &c->st, NULL) != SQLITE_OK) {
        fprintf(stderr, "fts5_query: %s: %s\n", (const char *)ctx, sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        free(c);
        return NULL;
    }
    return c;
}

static int fts5_query(void *conn, const char *q) {
    fts5_conn *c = conn;
    sqlite3_bind_text(c->st, 1, q, -1, SQLITE_STATIC);
    size_t bytes = 0;
    int rc;
    while ((rc = sqlite3_step(c->st)) == SQLITE_ROW)
        bytes += (size_t)sqlite3_column_bytes(c->st, 1);
    sqlite3_reset(c->st);
    return rc != SQLITE_DONE || bytes == (size_t)-1;
}

static void fts5_close(void *conn) {
    fts5_conn *c = conn;
    sqlite3_finalize(c->st);
    sqlite3_close(c->db);
    free(c);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: fts5_query DATABASE QUERYFILE SECONDS [THREADS]\n");
        return 2;
    }
    drive_engine e = {fts5_open, fts5_query, fts5_close, argv[1]};
    return drive_run(&e, argv[2], argc > 4 ? atoi(argv[4]) : 1, atof(argv[3]), 0);
}
