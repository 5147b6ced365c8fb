/* drive.c -- the query driver of the benchmarks (see drive.h): the load
 * generators' common arguments, query file loading, the timed threads,
 * latency collection and percentiles, overall and per query class. */
#define _GNU_SOURCE
#include "drive.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    char *text;
    int cls; /* index into drive_classes */
} drive_query;

typedef struct {
    double lat;
    int cls;
    int error;
} drive_sample;

typedef struct {
    const drive_engine *engine;
    int id;
    double stop;
    unsigned long max_requests;
    drive_sample *samples;
    size_t n, cap;
    long broken;
} drive_worker;

static drive_query *drive_queries;
/* DRIVE_RATE (or LOADGEN_RATE) in the environment: queries per second per
 * connection on a fixed schedule instead of as fast as possible, latency
 * counted from each query's scheduled time, so a slow reply is not hidden
 * by the client waiting for it. */
static double drive_rate;
static size_t drive_nqueries;
static char *drive_classes[64];
static int drive_nclasses;

static double drive_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int drive_class_index(const char *name) {
    for (int i = 0; i < drive_nclasses; i++)
        if (!strcmp(drive_classes[i], name)) return i;
    if (drive_nclasses == (int)(sizeof drive_classes / sizeof *drive_classes)) return 0;
    drive_classes[drive_nclasses] = strdup(name);
    return drive_nclasses++;
}

static int drive_load(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (!*line) continue;
        char *tab = strchr(line, '\t'), *text = line;
        const char *cls = "all";
        if (tab) {
            *tab = 0;
            cls = line;
            text = tab + 1;
        }
        drive_queries = realloc(drive_queries, sizeof *drive_queries * (drive_nqueries + 1));
        drive_queries[drive_nqueries].cls = drive_class_index(cls);
        drive_queries[drive_nqueries++].text = strdup(text);
    }
    free(line);
    fclose(f);
    if (!drive_nqueries) fprintf(stderr, "%s: no queries\n", path);
    return drive_nqueries ? 0 : -1;
}

static void drive_record(drive_worker *w, double lat, int cls, int error) {
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 4096;
        w->samples = realloc(w->samples, w->cap * sizeof *w->samples);
    }
    w->samples[w->n++] = (drive_sample){lat, cls, error};
}

static void *drive_thread(void *arg) {
    drive_worker *w = arg;
    void *conn = w->engine->open(w->engine->ctx);
    if (!conn) {
        w->broken++;
        return NULL;
    }
    size_t i = (size_t)w->id * 7919;
    double start = drive_now();
    for (size_t sent = 0; drive_now() < w->stop && (!w->max_requests || w->n < w->max_requests);
         sent++) {
        const drive_query *q = &drive_queries[i++ % drive_nqueries];
        double t0 = drive_now();
        if (drive_rate > 0) { /* paced: latency counts from the scheduled time */
            double due = start + (double)sent / drive_rate;
            if (due > w->stop) break;
            if (due > t0) {
                double d = due - t0;
                struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
                nanosleep(&ts, NULL);
            }
            t0 = due;
        }
        int rc = w->engine->query(conn, q->text);
        if (rc < 0) {
            w->broken++;
            break;
        }
        drive_record(w, drive_now() - t0, q->cls, rc != 0);
    }
    w->engine->close(conn);
    return NULL;
}

static int drive_cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double drive_pct(const double *sorted, size_t n, double q) {
    return n ? sorted[(size_t)(q * (double)(n - 1))] * 1e6 : 0;
}

/* Sorts the latencies of one class (cls < 0: all) into buf; returns the count. */
static size_t drive_collect(const drive_worker *ws, int conns, int cls, double *buf, long *errors,
                            double *sum) {
    size_t k = 0;
    *errors = 0;
    *sum = 0;
    for (int i = 0; i < conns; i++)
        for (size_t j = 0; j < ws[i].n; j++) {
            const drive_sample *s = &ws[i].samples[j];
            if (cls >= 0 && s->cls != cls) continue;
            buf[k++] = s->lat;
            *errors += s->error;
            *sum += s->lat;
        }
    qsort(buf, k, sizeof *buf, drive_cmp);
    return k;
}

int drive_run(const drive_engine *engine, const char *query_file, int connections,
              double seconds, unsigned long max_requests) {
    if (drive_load(query_file) != 0) return 2;
    if (max_requests == DRIVE_TWO_PASSES) max_requests = 2 * drive_nqueries;
    const char *rate = getenv("DRIVE_RATE") ? getenv("DRIVE_RATE") : getenv("LOADGEN_RATE");
    drive_rate = rate ? atof(rate) : 0;
    if (connections < 1) connections = 1;
    drive_worker *ws = calloc((size_t)connections, sizeof *ws);
    pthread_t *th = calloc((size_t)connections, sizeof *th);
    double t0 = drive_now();
    for (int i = 0; i < connections; i++) {
        ws[i] = (drive_worker){.engine = engine, .id = i, .stop = t0 + seconds,
                               .max_requests = max_requests};
        pthread_create(&th[i], NULL, drive_thread, &ws[i]);
    }
    size_t total = 0;
    long broken = 0;
    for (int i = 0; i < connections; i++) {
        pthread_join(th[i], NULL);
        total += ws[i].n;
        broken += ws[i].broken;
    }
    double elapsed = drive_now() - t0, sum;
    double *lat = malloc(sizeof *lat * (total ? total : 1));
    long errors;
    if (drive_nclasses > 1)
        for (int c = 0; c < drive_nclasses; c++) {
            size_t n = drive_collect(ws, connections, c, lat, &errors, &sum);
            printf("class=%s requests=%zu errors=%ld mean_us=%.0f p50_us=%.0f p99_us=%.0f\n",
                   drive_classes[c], n, errors, n ? sum / (double)n * 1e6 : 0,
                   drive_pct(lat, n, 0.5), drive_pct(lat, n, 0.99));
        }
    drive_collect(ws, connections, -1, lat, &errors, &sum);
    errors += broken;
    printf("qps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f requests=%zu errors=%ld\n",
           (double)total / elapsed, drive_pct(lat, total, 0.5), drive_pct(lat, total, 0.99),
           drive_pct(lat, total, 0.999), total, errors);
    for (int i = 0; i < connections; i++) free(ws[i].samples);
    free(ws);
    free(th);
    free(lat);
    return errors ? 1 : 0;
}

int drive_args(const char *prog, const char *more, int argc, char **argv, char **host,
               const char **port) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST:PORT QUERYFILE CONNECTIONS SECONDS %s\n", prog, more);
        return -1;
    }
    char *h = strdup(argv[1]), *colon = strrchr(h, ':');
    if (!colon) {
        fprintf(stderr, "%s: HOST:PORT expected, got '%s'\n", prog, argv[1]);
        free(h);
        return -1;
    }
    *colon = 0;
    *host = h;
    *port = colon + 1;
    return 0;
}
