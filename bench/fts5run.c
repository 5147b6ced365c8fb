/* fts5run.c -- the relevance benchmark's baseline: SQLite FTS5 with its
 * BM25 ranking on the same collection and queries as lede.
 *
 * Index: one FTS5 table (id UNINDEXED, title, text) with the tokenizer
 * 'porter unicode61' (Porter stemming over Unicode word splitting), every
 * line of docs.jsonl ({"id","title","text"}) inserted in one transaction.
 * Queries: the words of each natural-language query (runs of ASCII letters
 * and digits and of non-ASCII bytes, so punctuation never reaches FTS5's
 * query syntax), each double-quoted, joined with OR; ranked by bm25()
 * with its defaults (k1 = 1.2, b = 0.75, both columns weight 1), top 1000.
 * Writes a run (QUERY_ID TAB DOC_ID TAB RANK TAB SCORE, see eval.h).
 * usage: fts5run DOCS QUERIES RUN DBFILE
 * Prints "docs=N queries=Q hits=H index_s=S query_s=T" on stdout. */
#define _GNU_SOURCE
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int die_sql(sqlite3 *db, const char *what) {
    fprintf(stderr, "fts5run: %s: %s\n", what, sqlite3_errmsg(db));
    return 1;
}

static const char *str_field(json_t *o, const char *key, char *buf, size_t cap) {
    json_t *v = json_object_get(o, key);
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return "";
}

static int load(sqlite3 *db, const char *path, long *ndocs) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    sqlite3_stmt *ins;
    if (sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, text, "
                         "tokenize = 'porter unicode61'); BEGIN", 0, 0, 0) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO docs(id, title, text) VALUES (?, ?, ?)", -1, &ins, 0) != SQLITE_OK)
        return die_sql(db, "create");
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, f) >= 0) {
        lineno++;
        json_error_t jerr;
        json_t *o = json_loads(line, JSON_DISABLE_EOF_CHECK, &jerr);
        if (!json_is_object(o)) {
            fprintf(stderr, "fts5run: %s:%ld: skipped: %s\n", path, lineno, jerr.text);
            json_decref(o);
            continue;
        }
        char idbuf[32];
        sqlite3_bind_text(ins, 1, str_field(o, "id", idbuf, sizeof idbuf), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, str_field(o, "title", NULL, 0), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 3, str_field(o, "text", NULL, 0), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE) rc = die_sql(db, "insert");
        sqlite3_reset(ins);
        json_decref(o);
        (*ndocs)++;
    }
    free(line);
    fclose(f);
    sqlite3_finalize(ins);
    if (!rc && sqlite3_exec(db, "COMMIT", 0, 0, 0) != SQLITE_OK) rc = die_sql(db, "commit");
    return rc;
}

static int word_byte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* "w1" OR "w2" OR ... from the words of text; empty when there are none. */
static char *to_match(const char *text) {
    size_t n = strlen(text);
    char *out = malloc(n * 7 + 1), *w = out;
    if (!out) abort();
    for (const char *p = text; *p;) {
        if (!word_byte((unsigned char)*p)) {
            p++;
            continue;
        }
        if (w != out) w += sprintf(w, " OR ");
        *w++ = '"';
        while (*p && word_byte((unsigned char)*p)) *w++ = *p++;
        *w++ = '"';
    }
    *w = '\0';
    return out;
}

static int run_queries(sqlite3 *db, const char *path, FILE *run, long *nq, long *hits) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return 1;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? "
                               "ORDER BY bm25(docs) LIMIT 1000", -1, &q, 0) != SQLITE_OK)
        return die_sql(db, "prepare");
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (!rc && getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\r\n")] = '\0';
        char *text = strchr(line, '\t');
        if (!text) continue;
        *text++ = '\0';
        (*nq)++;
        char *match = to_match(text);
        if (*match) {
            sqlite3_bind_text(q, 1, match, -1, SQLITE_TRANSIENT);
            int rank = 0, s;
            while ((s = sqlite3_step(q)) == SQLITE_ROW)
                fprintf(run, "%s\t%s\t%d\t%.6f\n", line, (const char *)sqlite3_column_text(q, 0),
                        ++rank, -sqlite3_column_double(q, 1));
            if (s != SQLITE_DONE) rc = die_sql(db, match);
            *hits += rank;
            sqlite3_reset(q);
        }
        free(match);
    }
    free(line);
    fclose(f);
    sqlite3_finalize(q);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: fts5run DOCS QUERIES RUN DBFILE\n");
        return 2;
    }
    unlink(argv[4]);
    sqlite3 *db;
    if (sqlite3_open(argv[4], &db) != SQLITE_OK) return die_sql(db, argv[4]);
    sqlite3_exec(db, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF", 0, 0, 0);
    FILE *run = fopen(argv[3], "w");
    if (!run) {
        perror(argv[3]);
        return 2;
    }
    long ndocs = 0, nq = 0, hits = 0;
    double t0 = now();
    int rc = load(db, argv[1], &ndocs);
    double t1 = now();
    if (!rc) rc = run_queries(db, argv[2], run, &nq, &hits);
    double t2 = now();
    if (fclose(run) != 0) rc = 1;
    sqlite3_close(db);
    if (!rc)
        printf("docs=%ld queries=%ld hits=%ld index_s=%.2f query_s=%.2f\n", ndocs, nq, hits,
               t1 - t0, t2 - t1);
    return rc;
}
