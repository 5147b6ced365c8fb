/* stats.c -- counters, latency percentiles and the STATS reply (see
 * stats.h).  Reads the server's state; must not change connections or
 * jobs, only p's reply. */
#define _GNU_SOURCE
#include "stats.h"
#include "http.h"
#include "log.h"
#include "server_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STATS_MAX 48

void stats_note_query(server *s, const job *j) {
    double took = j->finished_at - j->started;
    metrics_note_latency(&s->stats.metrics, took);
    s->stats.lat[s->stats.nlat++ % STATS_LAT_RING] = (uint32_t)(took * 1e6 < 4e9 ? took * 1e6 : 4e9);
    if (took > s->cfg->slow_query && s->cfg->slow_query > 0)
        log_msg(LOG_LEVEL_WARN, "slow query (%.3f s): %s %s", took, proto_cmd_name(j->req.cmd),
                j->req.arg ? j->req.arg : "");
}

static void stats_add(proto_stat *st, int *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void stats_add(proto_stat *st, int *n, const char *key, const char *fmt, ...) {
    proto_stat *x = &st[(*n)++];
    x->key = key;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->value, sizeof x->value, fmt, ap);
    va_end(ap);
}

static int stats_cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Latency percentiles over the ring, recomputed only when new samples
 * arrived (a flood of STATS must not sort the ring each time). */
static void stats_percentiles(server *s, proto_stat *st, int *n) {
    static const struct { const char *key; double q; } qs[] = {
        {"latency_p50_us", 0.50}, {"latency_p99_us", 0.99}, {"latency_p999_us", 0.999}};
    server_stats *ss = &s->stats;
    if (ss->pct_nlat != ss->nlat || !ss->pct[0].key) {
        size_t count = ss->nlat < STATS_LAT_RING ? (size_t)ss->nlat : STATS_LAT_RING;
        uint32_t *v = lede_malloc(sizeof(uint32_t) * (count ? count : 1));
        memcpy(v, ss->lat, sizeof(uint32_t) * count);
        qsort(v, count, sizeof *v, stats_cmp_u32);
        for (int i = 0; i < 3; i++) {
            ss->pct[i].key = qs[i].key;
            size_t k = count ? (size_t)(qs[i].q * (double)(count - 1) + 0.5) : 0;
            snprintf(ss->pct[i].value, sizeof ss->pct[i].value, "%u", count ? v[k] : 0);
        }
        free(v);
        ss->pct_nlat = ss->nlat;
    }
    for (int i = 0; i < 3 && *n < STATS_MAX; i++) st[(*n)++] = ss->pct[i];
}

static void stats_ingest(server *s, proto_stat *st, int *n) {
    char when[32] = "-";
    int64_t last = pool_last_commit(s->pool);
    ingest_figures f = {0};
    if (s->ingest) {
        ingest_figures_get(s->ingest, &f);
        last = f.last_commit;
    }
    if (last > 0) {
        time_t t = (time_t)last;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    stats_add(st, n, "last_commit", "%s", when);
    stats_add(st, n, "ingest", "%s", s->ingest ? "on" : "off");
    stats_add(st, n, "ingest_backlog", "%llu", (unsigned long long)f.backlog);
    stats_add(st, n, "ingest_uncommitted", "%llu", (unsigned long long)f.uncommitted);
    stats_add(st, n, "ingest_added", "%llu", (unsigned long long)f.added);
    stats_add(st, n, "ingest_replaced", "%llu", (unsigned long long)f.replaced);
    stats_add(st, n, "ingest_deleted", "%llu", (unsigned long long)f.deleted);
    stats_add(st, n, "commits", "%llu", (unsigned long long)f.commits);
    stats_add(st, n, "compactions", "%llu", (unsigned long long)f.compactions);
}

/* STATS is answered by the loop from figures the workers publish, so it
 * works even when every worker is busy. */
void stats_reply(server *s, pending *p) {
    stats_format(s, &p->reply, p->c->json);
    p->done = 1;
}

void stats_format(server *s, sbuf *out, int json) {
    proto_stat st[STATS_MAX];
    int n = 0;
    uint64_t articles, revision, bytes;
    pool_index_figures(s->pool, &articles, &revision, &bytes);
    if (s->ingest) { /* the writer knows the newest figures */
        ingest_figures f;
        ingest_figures_get(s->ingest, &f);
        articles = f.articles;
        revision = f.revision;
    }
    stats_add(st, &n, "articles", "%llu", (unsigned long long)articles);
    stats_add(st, &n, "index_bytes", "%llu", (unsigned long long)bytes);
    stats_add(st, &n, "revision", "%llu", (unsigned long long)revision);
    stats_add(st, &n, "uptime_s", "%.0f", lede_now() - s->started);
    stats_add(st, &n, "connections", "%d", s->nconns);
    stats_add(st, &n, "http_connections", "%d", http_conn_count(s));
    stats_add(st, &n, "connections_total", "%llu", (unsigned long long)s->stats.conns_total);
    stats_add(st, &n, "queries", "%llu", (unsigned long long)s->stats.queries);
    stats_add(st, &n, "errors", "%llu", (unsigned long long)s->stats.errors);
    stats_add(st, &n, "timeouts", "%llu", (unsigned long long)s->stats.timeouts);
    uint64_t stopped, cancelled, refused;
    pool_query_counters(s->pool, &stopped, &cancelled, &refused);
    stats_add(st, &n, "queries_stopped", "%llu", (unsigned long long)stopped);
    stats_add(st, &n, "queries_cancelled", "%llu", (unsigned long long)cancelled);
    stats_add(st, &n, "queries_refused", "%llu", (unsigned long long)refused);
    stats_add(st, &n, "workers", "%d", s->cfg->workers);
    stats_add(st, &n, "workers_busy", "%d", pool_running(s->pool));
    stats_add(st, &n, "queued", "%d", pool_queued(s->pool));
    stats_add(st, &n, "read_batches", "%llu", (unsigned long long)s->stats.read_batches);
    stats_add(st, &n, "output_bytes", "%zu", s->owed_total);
    stats_add(st, &n, "connections_held", "%d", s->nheld);
    stats_add(st, &n, "holds", "%llu", (unsigned long long)s->stats.holds);
    uint64_t facets[4];
    pool_facet_figures(s->pool, facets);
    stats_add(st, &n, "facet_bytes", "%llu", (unsigned long long)facets[0]);
    stats_add(st, &n, "facet_slots_refused", "%llu", (unsigned long long)facets[1]);
    stats_add(st, &n, "facet_full_reads", "%llu", (unsigned long long)facets[2]);
    stats_add(st, &n, "facet_updates", "%llu", (unsigned long long)facets[3]);
    stats_percentiles(s, st, &n);
    stats_ingest(s, st, &n);
    proto_stat *fields = &st[n++];
    fields->key = "fields";
    pool_index_fields(s->pool, fields->value, sizeof fields->value);
    proto_reply_stats(out, json, st, n);
}

void stats_metrics(server *s, int connections_http, uint64_t connections_total_http, sbuf *out) {
    metrics_gauges g = {.connections_line = s->nconns, .connections_http = connections_http,
                        .connections_total_line = s->stats.conns_total - connections_total_http,
                        .connections_total_http = connections_total_http,
                        .uptime_s = lede_now() - s->started, .version = metrics_version()};
    pool_index_figures(s->pool, &g.articles, &g.revision, &g.index_bytes);
    if (s->ingest) {
        ingest_figures f;
        ingest_figures_get(s->ingest, &f);
        g.articles = f.articles;
        g.revision = f.revision;
    }
    metrics_render(out, &s->stats.metrics, &g);
}
