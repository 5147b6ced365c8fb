/* libsearch.c -- lede's engine in-process: the same queries as the other
 * query benchmarks, single-threaded, through liblede's engine_search (the
 * query parsing, stop words, ranking, tie-break, retry and spelling checks
 * leded runs), without the daemon, its threads or its sockets.  Beside
 * bench/inproc.cc (Xapian's API, no lede code) it shows what lede's engine
 * adds to Xapian; beside leded it shows what the daemon adds; and it is
 * the figure to set beside another embedded engine (SQLite FTS5).
 * usage: libsearch INDEX QUERYFILE SECONDS [SNIPPET_BYTES]
 * Top 10 with id, headline and date (and a snippet when SNIPPET_BYTES is
 * given and not 0).  INPROC_ONCE=1 stops after two passes over the queries
 * (for callgrind), as bench/inproc does.  LIBSEARCH_THREADS=N runs N
 * threads, each with its own reader (what the machine's cores can do in
 * this run, with nothing else on them).  LIBSEARCH_FACETS=TEXT asks every
 * search for those facets (facets=TEXT: what facets cost in the engine,
 * for a profiler; issue 17); LIBSEARCH_FACET_MEMORY=BYTES bounds the value
 * slots a reader holds for them (engine_reader_opts.facet_memory; 1 holds
 * none: each search reads the values, the path past leded --facet-memory).  The heap is kept as leded keeps
 * it (lede_keep_heap).  Prints the figures of drive.h,
 * the overall line last. */
#include "drive.h"
#include "../src/engine.h"

#include <stdio.h>
#include <stdlib.h>

static unsigned snippet_bytes;
static const char *facets; /* LIBSEARCH_FACETS, or NULL */

static void *libsearch_open(void *ctx) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    const char *memory = getenv("LIBSEARCH_FACET_MEMORY");
    engine_reader_opts o = {.facet_memory = memory ? strtoull(memory, NULL, 10) : 0};
    if (engine_reader_open_with(ctx, &o, &r, err) != LEDE_OK) {
        fprintf(stderr, "libsearch: %s\n", err);
        return NULL;
    }
    return r;
}

static int libsearch_query(void *conn, const char *query) {
    char err[LEDE_ERRLEN];
    search_opts o = {.query = query, .limit = 10, .snippet_len = snippet_bytes,
                     .facets = facets};
    search_results res;
    int rc = engine_search(conn, &o, &res, err);
    if (rc != LEDE_OK) return 1;
    search_results_free(&res);
    return 0;
}

static void libsearch_close(void *conn) { engine_reader_close(conn); }

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: libsearch INDEX QUERYFILE SECONDS [SNIPPET_BYTES]\n");
        return 2;
    }
    if (argc > 4) snippet_bytes = (unsigned)atoi(argv[4]);
    lede_keep_heap(); /* as leded does */
    facets = getenv("LIBSEARCH_FACETS");
    unsigned long max = getenv("INPROC_ONCE") ? DRIVE_TWO_PASSES : 0;
    drive_engine e = {libsearch_open, libsearch_query, libsearch_close, argv[1]};
    int threads = getenv("LIBSEARCH_THREADS") ? atoi(getenv("LIBSEARCH_THREADS")) : 1;
    int rc = drive_run(&e, argv[2], threads > 0 ? threads : 1, atof(argv[3]), max);
    return rc == 2 ? 2 : 0;
}
