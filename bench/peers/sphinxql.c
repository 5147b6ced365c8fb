/* sphinxql.c -- load generator for Sphinx's searchd in `make bench-peers`:
 * SphinxQL over loopback through libmariadb, driven by bench/drive.c
 * (CONNECTIONS connections, one query in flight each, cycling through the
 * query file for SECONDS).  Each query asks for the top 10 with their
 * headline, id and date, as lede's SEARCH limit=10 snippet=0 does:
 *   SELECT id, title, ext_id, date FROM articles WHERE MATCH('Q') LIMIT 10
 *   OPTION ranker=RANKER, field_weights=(title=3, body=1)
 * usage: sphinxql HOST:PORT QUERYFILE CONNECTIONS SECONDS [RANKER]
 * RANKER defaults to bm25.  Prints the figures of drive.h, overall last. */
#include <errmsg.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../drive.h"

typedef struct {
    const char *host, *ranker;
    unsigned port;
} sphinxql_target;

typedef struct {
    MYSQL *db;
    const char *ranker;
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

static int sphinxql_query(void *conn, const char *q) {
    sphinxql_conn *c = conn;
    size_t need = 2 * strlen(q) + 256;
    if (need > c->cap) c->sql = realloc(c->sql, c->cap = need);
    int len = sprintf(c->sql, "SELECT id, title, ext_id, date FROM articles WHERE MATCH('");
    len += (int)sphinxql_escape(c->sql + len, q);
    len += sprintf(c->sql + len, "') LIMIT 10 OPTION ranker=%s, field_weights=(title=3, body=1)",
                   c->ranker);
    if (mysql_real_query(c->db, c->sql, (unsigned long)len) != 0) {
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

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: sphinxql HOST:PORT QUERYFILE CONNECTIONS SECONDS [RANKER]\n");
        return 2;
    }
    char *host;
    const char *port;
    if (drive_hostport("sphinxql", argv[1], &host, &port) != 0) return 2;
    sphinxql_target t = {host, argc > 5 ? argv[5] : "bm25", (unsigned)atoi(port)};
    if (mysql_library_init(0, NULL, NULL)) return 2;
    drive_engine e = {sphinxql_open, sphinxql_query, sphinxql_close, &t};
    int rc = drive_run(&e, argv[2], atoi(argv[3]), atof(argv[4]), 0);
    mysql_library_end();
    free(host);
    return rc;
}
