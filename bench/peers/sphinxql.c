/* sphinxql.c -- load generator for Sphinx's searchd in `make bench-peers`:
 * SphinxQL over loopback through libmariadb, driven by bench/drive.c
 * (CONNECTIONS connections, one query in flight each, cycling through the
 * query file for SECONDS).  Each query asks for the top 10 with their
 * headline, id and date, as lede's SEARCH limit=10 snippet=0 does:
 *   SELECT id, title, ext_id, date FROM articles WHERE MATCH('Q') LIMIT 10
 *   OPTION ranker=RANKER, field_weights=(title=3, body=1)[, max_matches=M]
 * usage: sphinxql HOST:PORT QUERYFILE CONNECTIONS SECONDS [RANKER [M]]
 * RANKER defaults to bm25; without M, Sphinx's max_matches (1,000) holds,
 * which a distributed index asks of each of its agents whatever the LIMIT
 * (`make bench-shards` passes 10, the hits lede's shards return).  Prints
 * the figures of drive.h, overall last.
 * With SPHINXQL_COUNTS=1 in the environment it instead runs each query of
 * the file once, on one connection, and prints its total_found (SHOW META),
 * "ERR message" when it failed, followed by " warning: message" when Sphinx
 * warned (a distributed index's agent that did not answer): how
 * `make bench-shards` checks that a distributed index finds what the local
 * one does. */
#include <errmsg.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../drive.h"

typedef struct {
    const char *host, *ranker;
    unsigned port, max_matches;
} sphinxql_target;

typedef struct {
    MYSQL *db;
    const char *ranker;
    unsigned max_matches;
    char *sql;
    size_t cap;
} sphinxql_conn;

static void *sphinxql_open(void *ctx) {
    const sphinxql_target *t = ctx;
    MYSQL *db = mysql_init(NULL);
    if (!db) return NULL;
    /* A connection the server never answers must not hang the run. */
    unsigned timeout = 10;
    mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &timeout);
    if (!mysql_real_connect(db, t->host, NULL, NULL, NULL, t->port, NULL, 0)) {
        fprintf(stderr, "sphinxql: %s\n", mysql_error(db));
        mysql_close(db);
        return NULL;
    }
    sphinxql_conn *c = calloc(1, sizeof *c);
    c->db = db;
    c->ranker = t->ranker;
    c->max_matches = t->max_matches;
    c->cap = 8192;
    c->sql = malloc(c->cap);
    return c;
}

/* The query inside MATCH('...'): quotes and backslashes escaped for SQL. */
static size_t sphinxql_escape(char *out, const char *q) {
    size_t k = 0;
    for (; *q; q++) {
        if (*q == '\'' || *q == '\\') out[k++] = '\\';
        out[k++] = *q;
    }
    out[k] = 0;
    return k;
}

static int sphinxql_send(sphinxql_conn *c, const char *q) {
    size_t need = 2 * strlen(q) + 256;
    if (need > c->cap) c->sql = realloc(c->sql, c->cap = need);
    int len = sprintf(c->sql, "SELECT id, title, ext_id, date FROM articles WHERE MATCH('");
    len += (int)sphinxql_escape(c->sql + len, q);
    len += sprintf(c->sql + len, "') LIMIT 10 OPTION ranker=%s, field_weights=(title=3, body=1)",
                   c->ranker);
    if (c->max_matches) len += sprintf(c->sql + len, ", max_matches=%u", c->max_matches);
    return mysql_real_query(c->db, c->sql, (unsigned long)len);
}

static int sphinxql_query(void *conn, const char *q) {
    sphinxql_conn *c = conn;
    if (sphinxql_send(c, q) != 0) {
        unsigned e = mysql_errno(c->db);
        return e >= CR_MIN_ERROR && e <= CR_MAX_ERROR ? -1 : 1; /* client side: broken */
    }
    MYSQL_RES *res = mysql_store_result(c->db);
    if (!res) return 1;
    size_t bytes = 0;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)))
        bytes += row[1] ? strlen(row[1]) : 0;
    mysql_free_result(res);
    return bytes == (size_t)-1;
}

static void sphinxql_close(void *conn) {
    sphinxql_conn *c = conn;
    mysql_close(c->db);
    free(c->sql);
    free(c);
}

/* Column col of the row whose first column is name (the first row when
 * name is NULL) of a SHOW statement's result, into out ("" when none). */
static void sphinxql_show(MYSQL *db, const char *stmt, const char *name, int col, char *out,
                          size_t cap) {
    out[0] = 0;
    if (mysql_query(db, stmt) != 0) return;
    MYSQL_RES *res = mysql_store_result(db);
    if (!res) return;
    MYSQL_ROW row;
    while ((row = mysql_fetch_row(res)))
        if (!name || (row[0] && !strcmp(row[0], name))) {
            snprintf(out, cap, "%s", row[col] ? row[col] : "");
            break;
        }
    mysql_free_result(res);
}

/* SPHINXQL_COUNTS mode: each query of the file once, its match count. */
static int sphinxql_counts(sphinxql_target *t, const char *path) {
    FILE *f = fopen(path, "r");
    sphinxql_conn *c = f ? sphinxql_open(t) : NULL;
    if (!c) {
        if (f) fclose(f);
        else perror(path);
        return 2;
    }
    char line[4096], found[64], warning[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        const char *q = strchr(line, '\t') ? strchr(line, '\t') + 1 : line;
        if (sphinxql_send(c, q) != 0) {
            printf("ERR %s\n", mysql_error(c->db));
            continue;
        }
        MYSQL_RES *res = mysql_store_result(c->db);
        if (res) mysql_free_result(res);
        unsigned warnings = mysql_warning_count(c->db);
        sphinxql_show(c->db, "SHOW META", "total_found", 1, found, sizeof found);
        printf("%s", found);
        if (warnings) {
            sphinxql_show(c->db, "SHOW WARNINGS", NULL, 2, warning, sizeof warning);
            printf(" warning: %s", warning);
        }
        putchar('\n');
    }
    fclose(f);
    sphinxql_close(c);
    return 0;
}

int main(int argc, char **argv) {
    char *host;
    const char *port;
    if (drive_args("sphinxql", "[RANKER [MAX_MATCHES]]", argc, argv, &host, &port) != 0) return 2;
    sphinxql_target t = {host, argc > 5 ? argv[5] : "bm25", (unsigned)atoi(port),
                         argc > 6 ? (unsigned)atoi(argv[6]) : 0};
    if (mysql_library_init(0, NULL, NULL)) return 2;
    drive_engine e = {sphinxql_open, sphinxql_query, sphinxql_close, &t};
    const char *counts = getenv("SPHINXQL_COUNTS");
    int rc = counts && !strcmp(counts, "1") ? sphinxql_counts(&t, argv[2])
                                             : drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    mysql_library_end();
    free(host);
    return rc;
}
