/* querycpu.c -- the CPU time of each query of a mix, in process through
 * liblede's engine_search (as bench/libsearch runs them), for a shared
 * machine where wall time says nothing (issue 22's profile at 500k).
 * usage: querycpu INDEX QUERYFILE [PASSES]
 * QUERYFILE is "CLASS<TAB>QUERY" a line (bench/make_queries.py --classes)
 * or "QUERY".  Every query is run once in each of PASSES (default 3)
 * passes over the file, in file order, and the median of its passes'
 * thread CPU times (CLOCK_THREAD_CPUTIME_ID) is kept.  Prints one line a
 * query, in file order:
 *   CLASS<TAB>CPU_US<TAB>STATUS<TAB>TOTAL<TAB>IDS<TAB>QUERY
 * STATUS "ok", "exact" (the total is exact) or "error", with "+t" when the
 * page came from a tier run (src/engine/tiers.cc); IDS the page's ids,
 * comma-separated.  The searches are the benchmarks' (limit=10, snippet=0);
 * QUERYCPU_EXACT=1 asks exact=1 and limit=20 instead, for comparing the
 * answers of two indexes or two builds of lede (ids, order, exact counts).
 * QUERYCPU_CLOCK=wall times each query on CLOCK_MONOTONIC instead (a
 * split match's halves run on two cores: src/engine/split.cc), and
 * QUERYCPU_CLOCK=process on CLOCK_PROCESS_CPUTIME_ID (both halves' CPU).
 * Per-class percentiles: bench/querycpu.py. */
#define _GNU_SOURCE
#include "../src/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *cls, *text;
    double cpu[16];
    char status[12];
    uint64_t total;
    char *ids;
} cpu_query;

static clockid_t which_clock = CLOCK_THREAD_CPUTIME_ID;

static double thread_cpu(void) {
    struct timespec t;
    clock_gettime(which_clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static cpu_query *load(const char *path, size_t *n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return NULL;
    }
    cpu_query *qs = NULL;
    char *line = NULL;
    size_t cap = 0;
    *n = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line) continue;
        char *tab = strchr(line, '\t');
        qs = realloc(qs, sizeof *qs * (*n + 1));
        memset(&qs[*n], 0, sizeof *qs);
        qs[*n].cls = strdup(tab ? line : "all");
        if (tab) qs[*n].cls[tab - line] = 0;
        qs[(*n)++].text = strdup(tab ? tab + 1 : line);
    }
    free(line);
    fclose(f);
    return qs;
}

/* The page's ids, comma-separated, malloc'd; with QUERYCPU_SCORES set
 * (xtxw prototype), each id:score (%.12g), to compare scores too. */
static char *ids_of(const search_results *res) {
    static int scores = -1;
    if (scores < 0) scores = getenv("QUERYCPU_SCORES") != NULL;
    size_t len = 1;
    for (unsigned i = 0; i < res->nhits; i++) len += strlen(res->hits[i].id) + 32;
    char *s = calloc(1, len);
    for (unsigned i = 0; i < res->nhits; i++) {
        if (i) strcat(s, ",");
        strcat(s, res->hits[i].id);
        if (scores) snprintf(s + strlen(s), 32, ":%.12g", res->hits[i].score);
    }
    return s;
}

static void run_one(engine_reader *r, cpu_query *q, int pass, int exact) {
    char err[LEDE_ERRLEN];
    search_opts o = {.query = q->text, .limit = exact ? 20 : 10, .exact = exact};
    search_results res;
    double t0 = thread_cpu();
    int rc = engine_search(r, &o, &res, err);
    q->cpu[pass] = thread_cpu() - t0;
    if (pass > 0) {
        if (rc == LEDE_OK) search_results_free(&res);
        return;
    }
    if (rc != LEDE_OK) {
        strcpy(q->status, "error");
        q->ids = strdup(err);
        return;
    }
    snprintf(q->status, sizeof q->status, "%s%s", res.exact ? "exact" : "ok", res.tiered ? "+t" : "");
    q->total = res.total;
    q->ids = ids_of(&res);
    search_results_free(&res);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: querycpu INDEX QUERYFILE [PASSES]\n");
        return 2;
    }
    int passes = argc > 3 ? atoi(argv[3]) : 3;
    if (passes < 1 || passes > 16) passes = 3;
    int exact = getenv("QUERYCPU_EXACT") && atoi(getenv("QUERYCPU_EXACT"));
    const char *clock_name = getenv("QUERYCPU_CLOCK");
    if (clock_name && !strcmp(clock_name, "wall")) which_clock = CLOCK_MONOTONIC;
    if (clock_name && !strcmp(clock_name, "process")) which_clock = CLOCK_PROCESS_CPUTIME_ID;
    lede_keep_heap(); /* as leded does */
    size_t n;
    cpu_query *qs = load(argv[2], &n);
    if (!qs || !n) return 2;
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(argv[1], &r, err) != LEDE_OK) {
        fprintf(stderr, "querycpu: %s\n", err);
        return 2;
    }
    for (int p = 0; p < passes; p++)
        for (size_t i = 0; i < n; i++) run_one(r, &qs[i], p, exact);
    for (size_t i = 0; i < n; i++) {
        qsort(qs[i].cpu, (size_t)passes, sizeof(double), cmp_double);
        printf("%s\t%.1f\t%s\t%llu\t%s\t%s\n", qs[i].cls, qs[i].cpu[passes / 2] * 1e6, qs[i].status,
               (unsigned long long)qs[i].total, qs[i].ids, qs[i].text);
    }
    engine_reader_close(r);
    return 0;
}
