/* metrics.c -- counting into metrics_counters and rendering Prometheus'
 * text format 0.0.4 (see metrics.h).  Each family is a HELP line, a TYPE
 * line, then its samples; label values are escaped; a histogram's
 * buckets are cumulative and end with +Inf, equal to its _count.  Must
 * not touch the server, connections or jobs. */
#define _GNU_SOURCE
#include "metrics.h"

#include <stdio.h>
#include <string.h>

#ifndef LEDE_VERSION
#define LEDE_VERSION "unknown"
#endif

const double metrics_bucket_le[METRICS_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static const char *const outcome_names[METRICS_OUTCOMES] = {
    "ok", PROTO_E_SYNTAX, PROTO_E_UNKNOWN, PROTO_E_TOOLONG, PROTO_E_LIMIT, PROTO_E_NOTFOUND,
    PROTO_E_TIMEOUT, PROTO_E_BUSY, PROTO_E_INTERNAL, PROTO_E_NOAUTH, PROTO_E_AUTH,
    PROTO_E_DISABLED, PROTO_E_BADARTICLE, PROTO_E_UNAVAILABLE, PROTO_E_DISKFULL,
    PROTO_E_READONLY, PROTO_E_IOERROR, "OTHER"};

const char *metrics_version(void) {
    return LEDE_VERSION;
}

int metrics_outcome(const char *code) {
    if (!code) return 0;
    for (int i = 1; i < METRICS_OUTCOMES - 1; i++)
        if (!strcmp(code, outcome_names[i])) return i;
    return METRICS_OUTCOMES - 1;
}

void metrics_note_request(metrics_counters *m, proto_cmd cmd, const char *code) {
    int o = metrics_outcome(code);
    if ((int)cmd >= 0 && (int)cmd < METRICS_CMDS) m->requests[cmd][o]++;
    if (o) m->errors[o]++;
}

void metrics_note_error(metrics_counters *m, const char *code) {
    m->errors[metrics_outcome(code)]++;
}

void metrics_note_latency(metrics_counters *m, double seconds) {
    int b = 0;
    while (b < METRICS_BUCKETS && seconds > metrics_bucket_le[b]) b++;
    m->latency[b]++;
    m->latency_sum += seconds;
}

void metrics_put_label_value(sbuf *out, const char *v) {
    for (; *v; v++) {
        if (*v == '\\') sbuf_puts(out, "\\\\");
        else if (*v == '"') sbuf_puts(out, "\\\"");
        else if (*v == '\n') sbuf_puts(out, "\\n");
        else sbuf_putc(out, *v);
    }
}

static void family(sbuf *out, const char *name, const char *type, const char *help) {
    sbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A command's name as a label: lower case, as in the JSON replies. */
static void put_command(sbuf *out, proto_cmd cmd) {
    char name[16];
    const char *n = proto_cmd_name(cmd);
    size_t i = 0;
    for (; n[i] && i + 1 < sizeof name; i++) name[i] = (char)(n[i] | 0x20);
    name[i] = '\0';
    metrics_put_label_value(out, name);
}

/* lede_queries_total or lede_ingest_total: the commands of one kind, and
 * only the outcomes that happened (a counter appears once it is 1). */
static void render_requests(sbuf *out, const metrics_counters *m, int ingest) {
    const char *name = ingest ? "lede_ingest_total" : "lede_queries_total";
    family(out, name, "counter", ingest ? "Ingest commands answered, by command and outcome."
                                        : "Requests answered, by command and outcome (ok or "
                                          "the error code).");
    for (int c = 0; c < METRICS_CMDS; c++) {
        if (proto_is_ingest((proto_cmd)c) != ingest) continue;
        for (int o = 0; o < METRICS_OUTCOMES; o++) {
            if (!m->requests[c][o] && o) continue;
            if (!m->requests[c][o] && (c == PROTO_UNKNOWN || c == PROTO_AUTH)) continue;
            sbuf_printf(out, "%s{command=\"", name);
            put_command(out, (proto_cmd)c);
            sbuf_puts(out, "\",outcome=\"");
            metrics_put_label_value(out, outcome_names[o]);
            sbuf_printf(out, "\"} %llu\n", (unsigned long long)m->requests[c][o]);
        }
    }
}

static void render_errors(sbuf *out, const metrics_counters *m) {
    family(out, "lede_errors_total", "counter", "Error replies, by code.");
    for (int o = 1; o < METRICS_OUTCOMES; o++) {
        sbuf_puts(out, "lede_errors_total{code=\"");
        metrics_put_label_value(out, outcome_names[o]);
        sbuf_printf(out, "\"} %llu\n", (unsigned long long)m->errors[o]);
    }
}

static void render_latency(sbuf *out, const metrics_counters *m) {
    const char *name = "lede_query_duration_seconds";
    family(out, name, "histogram", "Time from a query's queueing to its reply.");
    uint64_t cumulative = 0;
    for (int b = 0; b <= METRICS_BUCKETS; b++) {
        cumulative += m->latency[b];
        if (b < METRICS_BUCKETS)
            sbuf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, metrics_bucket_le[b],
                        (unsigned long long)cumulative);
        else
            sbuf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cumulative);
    }
    sbuf_printf(out, "%s_sum %.9g\n%s_count %llu\n", name, m->latency_sum, name,
                (unsigned long long)cumulative);
}

static void render_gauges(sbuf *out, const metrics_gauges *g) {
    family(out, "lede_connections", "gauge", "Client connections open, by protocol.");
    sbuf_printf(out, "lede_connections{protocol=\"line\"} %d\n", g->connections_line);
    sbuf_printf(out, "lede_connections{protocol=\"http\"} %d\n", g->connections_http);
    family(out, "lede_connections_total", "counter", "Client connections accepted, by protocol.");
    sbuf_printf(out, "lede_connections_total{protocol=\"line\"} %llu\n",
                (unsigned long long)g->connections_total_line);
    sbuf_printf(out, "lede_connections_total{protocol=\"http\"} %llu\n",
                (unsigned long long)g->connections_total_http);
    family(out, "lede_articles", "gauge", "Articles in the index.");
    sbuf_printf(out, "lede_articles %llu\n", (unsigned long long)g->articles);
    family(out, "lede_index_bytes", "gauge", "Bytes the index takes on disk.");
    sbuf_printf(out, "lede_index_bytes %llu\n", (unsigned long long)g->index_bytes);
    family(out, "lede_index_revision", "gauge", "The index's committed revision.");
    sbuf_printf(out, "lede_index_revision %llu\n", (unsigned long long)g->revision);
    family(out, "lede_uptime_seconds", "gauge", "Seconds since leded started.");
    sbuf_printf(out, "lede_uptime_seconds %.3f\n", g->uptime_s);
    family(out, "lede_build_info", "gauge", "Always 1; the build's version as a label.");
    sbuf_puts(out, "lede_build_info{version=\"");
    metrics_put_label_value(out, g->version ? g->version : "unknown");
    sbuf_puts(out, "\"} 1\n");
}

void metrics_render(sbuf *out, const metrics_counters *m, const metrics_gauges *g) {
    render_requests(out, m, 0);
    render_requests(out, m, 1);
    render_errors(out, m);
    render_latency(out, m);
    render_gauges(out, g);
}
