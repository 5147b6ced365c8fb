/* drive.h -- the query driver shared by every query benchmark program
 * (bench/loadgen.c for leded, bench/inproc.cc for Xapian in-process,
 * bench/peers/ for Sphinx and SQLite FTS5): it loads a query file, runs
 * CONNECTIONS threads for a fixed time, each with its own connection from
 * the engine's callbacks and one query in flight, cycling through the
 * queries, and prints the latency figures overall and per query class.
 *
 * Query file: one query a line, either "QUERY" or "CLASS<TAB>QUERY" (as
 * written by bench/make_queries.py --classes).  Output on stdout, one line
 * per class, then the overall line last:
 *   class=C requests=N errors=E mean_us=M p50_us=A p99_us=B
 *   qps=Q p50_us=A p99_us=B p999_us=C requests=N errors=E */
#ifndef LEDE_BENCH_DRIVE_H
#define LEDE_BENCH_DRIVE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct drive_engine {
    /* Opens one connection (or handle); NULL when it cannot. */
    void *(*open)(void *ctx);
    /* Runs one query: 0 answered, 1 answered with an error reply (counted,
     * the connection goes on), -1 the connection is broken (it stops). */
    int (*query)(void *conn, const char *query);
    void (*close)(void *conn);
    void *ctx;
} drive_engine;

/* Runs the benchmark and prints its figures; max_requests per connection
 * (0: no limit) ends it early.  Returns 0, 1 when some query failed, 2 when
 * the query file cannot be read. */
int drive_run(const drive_engine *engine, const char *query_file, int connections,
              double seconds, unsigned long max_requests);

/* max_requests meaning two passes over the query file (for callgrind). */
#define DRIVE_TWO_PASSES ((unsigned long)-1)

/* The arguments every load generator starts with, "HOST:PORT QUERYFILE
 * CONNECTIONS SECONDS" (then its own, named by more for the usage line):
 * HOST:PORT split at the last colon into a new string *host and a
 * pointer into it, *port; -1 and a message naming prog when the four are
 * not there or the address has no colon. */
int drive_args(const char *prog, const char *more, int argc, char **argv, char **host,
               const char **port);

#ifdef __cplusplus
}
#endif

#endif
