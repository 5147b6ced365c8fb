/* fts5_index.c -- SQLite FTS5's indexer in `make bench-peers`: loads a JSON
 * Lines collection (plain or .gz) into one FTS5 table, committing every
 * 5,000 articles (lede-index's default batch), then merges the index
 * segments ('optimize', as lede compacts at the end of a full build).
 * Settings (the fair counterpart of lede's): Porter stemming over the
 * unicode61 tokenizer (diacritics folded), prefix indexes for 2, 3 and 4
 * characters, BM25 ranking with the headline weighted 3 (`rank`), the
 * text stored (FTS5's default content table) as lede stores it.
 *   CREATE VIRTUAL TABLE articles USING fts5(title, body, ext_id UNINDEXED,
 *     date UNINDEXED, tokenize='porter unicode61 remove_diacritics 2',
 *     prefix='2 3 4')
 * usage: fts5_index DATABASE COLLECTION  (DATABASE must not exist) */
#include <sqlite3.h>
#include <stdio.h>
#include <unistd.h>

#include "jsonl.h"

#define FTS5_BATCH 5000

static const char *const fts5_schema =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
    "CREATE VIRTUAL TABLE articles USING fts5(title, body, ext_id UNINDEXED, date UNINDEXED,"
    " tokenize='porter unicode61 remove_diacritics 2', prefix='2 3 4');"
    "INSERT INTO articles(articles, rank) VALUES('rank', 'bm25(3.0, 1.0)');";

static int fts5_exec(sqlite3 *db, const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK) return 0;
    fprintf(stderr, "fts5_index: %s: %s\n", sql, err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return -1;
}

static int fts5_load(sqlite3 *db, jsonl_reader *r, long *count) {
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO articles(title, body, ext_id, date) VALUES(?,?,?,?)",
                           -1, &ins, NULL) != SQLITE_OK)
        return -1;
    jsonl_article a;
    int rc = 0, got;
    if (fts5_exec(db, "BEGIN") != 0) rc = -1;
    while (rc == 0 && (got = jsonl_next(r, &a)) == 1) {
        sqlite3_bind_text(ins, 1, a.title, (int)a.title_len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, a.text, (int)a.text_len, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, a.id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 4, (sqlite3_int64)a.date);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            fprintf(stderr, "fts5_index: insert: %s\n", sqlite3_errmsg(db));
            rc = -1;
        }
        sqlite3_reset(ins);
        if (++*count % FTS5_BATCH == 0 && rc == 0)
            rc = fts5_exec(db, "COMMIT; BEGIN");
    }
    if (rc == 0 && got < 0) rc = -1;
    sqlite3_finalize(ins);
    return rc == 0 ? fts5_exec(db, "COMMIT") : rc;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: fts5_index DATABASE COLLECTION\n");
        return 2;
    }
    if (access(argv[1], F_OK) == 0) {
        fprintf(stderr, "fts5_index: %s exists\n", argv[1]);
        return 2;
    }
    jsonl_reader *r = jsonl_open(argv[2]);
    sqlite3 *db = NULL;
    if (!r || sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "fts5_index: cannot open %s\n", argv[1]);
        jsonl_close(r);
        sqlite3_close(db);
        return 2;
    }
    long count = 0;
    int rc = fts5_exec(db, fts5_schema);
    if (rc == 0) rc = fts5_load(db, r, &count);
    if (rc == 0) rc = fts5_exec(db, "INSERT INTO articles(articles) VALUES('optimize');"
                                    "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
    fprintf(stderr, "fts5_index: %ld articles, %zu bytes, %zu malformed lines\n", count,
            jsonl_bytes(r), jsonl_skipped(r));
    jsonl_close(r);
    sqlite3_close(db);
    return rc == 0 ? 0 : 1;
}
