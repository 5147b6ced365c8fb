/* loadgen.c -- load generator for `make bench-query`: C connections to
 * leded (loopback), each thread keeping one request in flight and cycling
 * through the query file, for a fixed number of seconds.  Reports QPS and
 * latency percentiles over every request answered.
 * usage: loadgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]
 * OPTIONS are SEARCH options, e.g. "limit=10 snippet=0".  Prints
 * "qps=Q p50_us=A p99_us=B p999_us=C requests=N errors=E".
 * With LOADGEN_RATE=R in the environment each connection sends R queries
 * a second on a fixed schedule instead of as fast as it can, and latency
 * counts from the scheduled time (a late send is the server's delay too,
 * so slow replies are not hidden by the client waiting for them). */
#define _GNU_SOURCE
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static char **queries;
static size_t nqueries;
static const char *host, *port, *options;
static double seconds, rate;

typedef struct {
    int id;
    double *lat;
    size_t n, cap;
    long errors;
} worker;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(void) {
    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0) return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, 0);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

/* Reads one SEARCH reply (status line ... END, or one ERR line). */
static int read_reply(int fd, char *buf, size_t cap, size_t *have, int *ok) {
    size_t used = *have;
    for (;;) {
        char *end = NULL;
        if (used >= 4) {
            if (!memcmp(buf, "ERR", 3)) end = memchr(buf, '\n', used);
            else end = memmem(buf, used, "\nEND\n", 5), end = end ? end + 4 : NULL;
        }
        if (end) {
            *ok = buf[0] == 'O';
            size_t len = (size_t)(end - buf) + 1;
            memmove(buf, buf + len, used - len);
            *have = used - len;
            return 0;
        }
        if (used == cap) return -1;
        ssize_t k = read(fd, buf + used, cap - used);
        if (k <= 0) return -1;
        used += (size_t)k;
    }
}

static void *run(void *arg) {
    worker *w = arg;
    int fd = dial();
    if (fd < 0) {
        w->errors++;
        return NULL;
    }
    size_t cap = 1 << 20, have = 0, i = (size_t)w->id * 7919;
    char *buf = malloc(cap), req[4096];
    double start = now(), stop = start + seconds;
    for (size_t sent = 0; now() < stop; sent++) {
        const char *q = queries[i++ % nqueries];
        int len = snprintf(req, sizeof req, "SEARCH %s -- %s\n", options, q);
        double t0 = now();
        if (rate > 0) {
            double due = start + (double)sent / rate;
            if (due > stop) break;
            if (due > t0) {
                struct timespec ts = {(time_t)(due - t0), (long)(((due - t0) - (double)(time_t)(due - t0)) * 1e9)};
                nanosleep(&ts, NULL);
            }
            t0 = due;
        }
        int ok;
        if (write(fd, req, (size_t)len) != len || read_reply(fd, buf, cap, &have, &ok) != 0) {
            w->errors++;
            break;
        }
        if (!ok) w->errors++;
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof(double));
        }
        w->lat[w->n++] = now() - t0;
    }
    free(buf);
    close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void load_queries(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(2); }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!*line) continue;
        queries = realloc(queries, sizeof(char *) * (nqueries + 1));
        queries[nqueries++] = strdup(line);
    }
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: loadgen HOST:PORT QUERYFILE CONNECTIONS SECONDS [OPTIONS]\n");
        return 2;
    }
    char *hp = strdup(argv[1]), *colon = strrchr(hp, ':');
    *colon = 0;
    host = hp;
    port = colon + 1;
    load_queries(argv[2]);
    int conns = atoi(argv[3]);
    seconds = atof(argv[4]);
    options = argc > 5 ? argv[5] : "limit=10";
    rate = getenv("LOADGEN_RATE") ? atof(getenv("LOADGEN_RATE")) : 0;
    worker *ws = calloc((size_t)conns, sizeof *ws);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    double t0 = now();
    for (int i = 0; i < conns; i++) {
        ws[i].id = i;
        pthread_create(&th[i], NULL, run, &ws[i]);
    }
    size_t total = 0;
    long errors = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        total += ws[i].n;
        errors += ws[i].errors;
    }
    double elapsed = now() - t0;
    double *all = malloc(sizeof(double) * (total ? total : 1));
    size_t k = 0;
    for (int i = 0; i < conns; i++)
        for (size_t j = 0; j < ws[i].n; j++) all[k++] = ws[i].lat[j];
    qsort(all, total, sizeof(double), cmp);
#define PCT(q) (total ? all[(size_t)((q) * (double)(total - 1))] * 1e6 : 0)
    printf("qps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f requests=%zu errors=%ld\n",
           (double)total / elapsed, PCT(0.5), PCT(0.99), PCT(0.999), total, errors);
    return errors ? 1 : 0;
}
