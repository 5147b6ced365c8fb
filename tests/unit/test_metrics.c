/* test_metrics.c -- daemon/metrics.c, the Prometheus text renderer: every
 * family's HELP and TYPE before its samples, label values escaped, the
 * latency histogram's buckets cumulative and ending in +Inf equal to
 * _count, outcomes counted by command and errors by code. */
#include "unit.h"
#include "../../daemon/metrics.h"
#include "../../src/util.h"

#include <stdlib.h>

/* The value of the sample line starting with prefix (a name and its
 * labels, then a space), or -1. */
static double sample(const char *text, const char *prefix) {
    size_t n = strlen(prefix);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (!strncmp(l, prefix, n) && l[n] == ' ') return strtod(l + n + 1, NULL);
    }
    return -1;
}

/* Offset of the first line starting with s, or -1. */
static long line_at(const char *text, const char *s) {
    size_t n = strlen(s);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (!strncmp(l, s, n)) return l - text;
    return -1;
}

static void test_escape(void) {
    sbuf b;
    sbuf_init(&b);
    metrics_put_label_value(&b, "a\"b\\c\nd");
    sbuf_putc(&b, '\0');
    CHECK_STR(b.data, "a\\\"b\\\\c\\nd", "a label value's quote, backslash and line feed are escaped");
    sbuf_free(&b);
}

static void test_outcomes(void) {
    CHECK(metrics_outcome(NULL) == 0, "no error code is the outcome ok");
    CHECK(metrics_outcome("SYNTAX") != metrics_outcome("TIMEOUT") && metrics_outcome("SYNTAX") > 0,
          "each error code has its own outcome");
    CHECK(metrics_outcome("NEWCODE") == METRICS_OUTCOMES - 1, "an unknown code is counted as OTHER");
}

static void render(const metrics_counters *m, sbuf *b) {
    metrics_gauges g = {.connections_line = 3, .connections_http = 1, .connections_total_line = 7,
                        .articles = 46, .index_bytes = 524404, .revision = 4, .uptime_s = 12.5,
                        .version = "v\"1"};
    sbuf_init(b);
    metrics_render(b, m, &g);
    sbuf_putc(b, '\0');
}

static void test_render(void) {
    metrics_counters *m = calloc(1, sizeof *m);
    metrics_note_request(m, PROTO_SEARCH, NULL);
    metrics_note_request(m, PROTO_SEARCH, NULL);
    metrics_note_request(m, PROTO_SEARCH, "SYNTAX");
    metrics_note_request(m, PROTO_PUT, "BADARTICLE");
    metrics_note_error(m, "TOOLONG");
    metrics_note_latency(m, 0.0004);  /* le 0.0005 */
    metrics_note_latency(m, 0.0005);  /* le 0.0005: the bound is inclusive */
    metrics_note_latency(m, 0.003);   /* le 0.005 */
    metrics_note_latency(m, 60);      /* +Inf only */
    sbuf b;
    render(m, &b);
    const char *t = b.data;
    CHECK(sample(t, "lede_queries_total{command=\"search\",outcome=\"ok\"}") == 2, "two searches ok");
    CHECK(sample(t, "lede_queries_total{command=\"search\",outcome=\"SYNTAX\"}") == 1,
          "one search refused for its syntax");
    CHECK(sample(t, "lede_queries_total{command=\"count\",outcome=\"ok\"}") == 0,
          "a command not asked shows ok 0");
    CHECK(sample(t, "lede_queries_total{command=\"count\",outcome=\"SYNTAX\"}") == -1,
          "an outcome that never happened is left out");
    CHECK(sample(t, "lede_ingest_total{command=\"put\",outcome=\"BADARTICLE\"}") == 1,
          "ingest commands are counted apart");
    CHECK(sample(t, "lede_queries_total{command=\"put\",outcome=\"ok\"}") == -1,
          "... and not among the queries");
    CHECK(sample(t, "lede_errors_total{code=\"SYNTAX\"}") == 1 &&
          sample(t, "lede_errors_total{code=\"BADARTICLE\"}") == 1 &&
          sample(t, "lede_errors_total{code=\"TOOLONG\"}") == 1,
          "errors by code, with or without a command");
    CHECK(sample(t, "lede_query_duration_seconds_bucket{le=\"0.0005\"}") == 2,
          "the first bucket holds 0.4 ms and 0.5 ms");
    CHECK(sample(t, "lede_query_duration_seconds_bucket{le=\"0.001\"}") == 2, "buckets are cumulative");
    CHECK(sample(t, "lede_query_duration_seconds_bucket{le=\"0.005\"}") == 3, "3 ms is in le=0.005");
    CHECK(sample(t, "lede_query_duration_seconds_bucket{le=\"10\"}") == 3, "the last bucket is 10 s");
    CHECK(sample(t, "lede_query_duration_seconds_bucket{le=\"+Inf\"}") == 4 &&
          sample(t, "lede_query_duration_seconds_count") == 4, "+Inf equals _count");
    double sum = sample(t, "lede_query_duration_seconds_sum");
    CHECK(sum > 60.0038 && sum < 60.0040, "_sum adds the durations: %g", sum);
    CHECK(sample(t, "lede_connections{protocol=\"line\"}") == 3 &&
          sample(t, "lede_connections{protocol=\"http\"}") == 1, "connections by protocol");
    CHECK(sample(t, "lede_articles") == 46 && sample(t, "lede_index_bytes") == 524404 &&
          sample(t, "lede_index_revision") == 4 && sample(t, "lede_uptime_seconds") == 12.5,
          "the index's gauges and uptime");
    CHECK(sample(t, "lede_build_info{version=\"v\\\"1\"}") == 1, "build_info escapes its version");
    const char *families[] = {"lede_queries_total", "lede_ingest_total", "lede_errors_total",
                              "lede_query_duration_seconds", "lede_connections",
                              "lede_connections_total", "lede_articles", "lede_index_bytes",
                              "lede_index_revision", "lede_uptime_seconds", "lede_build_info"};
    for (size_t i = 0; i < sizeof families / sizeof *families; i++) {
        char help[80], type[80], first[80];
        snprintf(help, sizeof help, "# HELP %s ", families[i]);
        snprintf(type, sizeof type, "# TYPE %s ", families[i]);
        snprintf(first, sizeof first, "%s%s", families[i],
                 strcmp(families[i], "lede_query_duration_seconds") ? "" : "_bucket");
        long h = line_at(t, help), ty = line_at(t, type), s = -1;
        /* the first sample of the family: its name then '{' or ' ' */
        for (const char *l = t; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
            if (!strncmp(l, first, strlen(first)) && (l[strlen(first)] == '{' || l[strlen(first)] == ' ')) {
                s = l - t;
                break;
            }
        CHECK(h >= 0 && ty > h && s > ty, "%s: HELP, then TYPE, then its samples", families[i]);
    }
    CHECK(t[strlen(t) - 1] == '\n', "the exposition ends with a line feed");
    sbuf_free(&b);
    free(m);
}

int main(void) {
    test_escape();
    test_outcomes();
    test_render();
    return unit_exit();
}
