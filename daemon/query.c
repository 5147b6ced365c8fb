/* query.c -- a worker's queries against the index (see query.h): engine
 * calls (GET's article comes decoded from the engine) and the replies'
 * formatting, within each search's deadline and cost limits and its
 * watch on whether the reply is still wanted (query_unwanted).
 * Reads a job's claim only through handoff_cancelled; must not touch the
 * pool's queue, the hand-off fields of a job (handoff.h)
 * or anything of the event loop. */
#define _GNU_SOURCE
#include "query.h"
#include "handoff.h"
#include "log.h"
#include "../src/engine.h"
#include "../src/indexdir.h"
#include "../src/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct query_reader {
    engine_reader *r;
    const query_config *cfg;
    char *index;               /* the pool's copy of its path */
    query_figures *figures;
    engine_facet_memory facets;  /* what it published last (query_publish_facets) */
};

int query_reader_open(query_reader **out, const query_config *cfg, unsigned replica_seed,
                      char *err) {
    query_reader *q = lede_calloc(1, sizeof *q);
    q->cfg = cfg;
    q->index = cfg->index;
    q->figures = cfg->figures;
    engine_reader_opts ro = {.remote_timeout_ms = cfg->remote_timeout_ms,
                             .backoff_min_ms = cfg->remote_backoff_ms,
                             .replica_seed = replica_seed, .open_unreachable = 1,
                             .facet_memory = cfg->facet_memory ? cfg->facet_memory : 1};
    if (engine_reader_open_with(q->index, &ro, &q->r, err) != LEDE_OK) {
        free(q);
        return LEDE_ERR;
    }
    if (err[0] && replica_seed == 0)
        log_msg(LOG_LEVEL_WARN, "serving without a remote shard for now (queries answer ERR UNAVAILABLE "
                "until one of its servers answers): %s", err);
    *out = q;
    return LEDE_OK;
}

void query_reader_close(query_reader *q) {
    if (!q) return;
    atomic_fetch_sub(&q->figures->facet_bytes, q->facets.bytes);
    engine_reader_close(q->r);
    free(q);
}

static void query_reply_error(job *j, int rc, const char *err) {
    const char *code = rc == LEDE_ESYNTAX ? PROTO_E_SYNTAX
                     : rc == LEDE_ELIMIT ? PROTO_E_LIMIT
                     : rc == LEDE_EUNAVAIL ? PROTO_E_UNAVAILABLE
                     : rc == LEDE_ENOTFOUND ? PROTO_E_NOTFOUND
                     : rc == LEDE_ETIMEOUT ? PROTO_E_TIMEOUT
                     : rc == LEDE_ECANCELLED ? PROTO_E_BUSY
                                            : PROTO_E_INTERNAL;
    job_reply_error(j, code, rc, err);
}

/* What a search checks between its phases (search_opts.cancelled). */
typedef struct query_watch {
    job *j;
    const atomic_llong *stop_at_us;
} query_watch;

static int query_stopping(const atomic_llong *stop_at_us) {
    long long at = stop_at_us ? atomic_load(stop_at_us) : 0;
    return at > 0 && lede_now() * 1e6 >= (double)at;
}

static int query_unwanted(void *arg) {
    const query_watch *w = arg;
    return handoff_cancelled(w->j) || query_stopping(w->stop_at_us);
}

/* A search stopped by SIGTERM says so; its client may still read it. */
static void query_reply_stopped(query_reader *q, job *j, int rc, const char *err) {
    if (rc == LEDE_ECANCELLED && query_stopping(q->cfg->stop_at_us))
        job_reply_error(j, PROTO_E_BUSY, rc, "the daemon is shutting down");
    else
        query_reply_error(j, rc, err);
}

/* The counters of the searches that did not finish (STATS). */
static void query_note_stopped(query_reader *q, int rc) {
    if (rc == LEDE_ETIMEOUT) atomic_fetch_add(&q->figures->stopped, 1);
    else if (rc == LEDE_ECANCELLED) atomic_fetch_add(&q->figures->cancelled, 1);
    else if (rc == LEDE_ELIMIT) atomic_fetch_add(&q->figures->refused, 1);
}

void query_note_cancelled(query_reader *q) {
    atomic_fetch_add(&q->figures->cancelled, 1);
}

/* The reader's facet columns into the figures, as what changed since it
 * published them last (the figures add up every reader's). */
static void query_publish_facets(query_reader *q) {
    engine_facet_memory now;
    engine_reader_facet_memory(q->r, &now);
    query_figures *f = q->figures;
    atomic_fetch_add(&f->facet_bytes, now.bytes - q->facets.bytes); /* modular: may shrink */
    atomic_fetch_add(&f->facet_refused, now.refused - q->facets.refused);
    atomic_fetch_add(&f->facet_full_reads, now.full_reads - q->facets.full_reads);
    atomic_fetch_add(&f->facet_updates, now.updates - q->facets.updates);
    q->facets = now;
}

/* o's limits: the job's deadline, the daemon's cost limits, and the watch
 * on whether the reply is still wanted. */
static void query_bound(query_reader *q, search_opts *o, double deadline, query_watch *w) {
    o->max_wildcard = q->cfg->max_wildcard;
    if (!o->facets_exact) /* the request's facets_exact=N first */
        o->facets_exact = q->cfg->facets_exact ? q->cfg->facets_exact : UINT32_MAX;
    o->max_cost = &q->cfg->max_cost;
    o->deadline = deadline;
    o->cancelled = query_unwanted;
    o->cancelled_arg = w;
}

/* The job's search options: the request moved into the job, so what
 * pointed into it points into the job's copy. */
static search_opts query_options(job *j) {
    search_opts o = j->req.search;
    o.query = j->req.cmd == PROTO_SIMILAR ? j->req.filter : j->req.arg;
    o.collapse = j->req.collapse[0] ? j->req.collapse : NULL;
    o.sort_field = j->req.sort_field[0] ? j->req.sort_field : NULL;
    return o;
}

static void query_search(query_reader *q, job *j, double deadline) {
    char err[LEDE_ERRLEN];
    search_results res;
    search_opts o = query_options(j);
    query_watch w = {j, q->cfg->stop_at_us};
    query_bound(q, &o, deadline, &w);
    if (j->req.cmd == PROTO_COUNT) {
        o.exact = 1;
        o.limit = 0;
        o.offset = 0;
        o.snippet_len = 0;
    }
    int rc = j->req.cmd == PROTO_SIMILAR ? engine_similar(q->r, j->req.arg, &o, &res, err)
                                         : engine_search(q->r, &o, &res, err);
    if (o.facets) query_publish_facets(q);
    if (rc != LEDE_OK) {
        query_note_stopped(q, rc);
        query_reply_stopped(q, j, rc, err);
        return;
    }
    uint64_t took = (uint64_t)((lede_now() - j->started) * 1e6);
    if (j->req.cmd == PROTO_COUNT) proto_reply_count(&j->reply, j->json, res.total);
    else proto_reply_search(&j->reply, j->json, &j->req, &res, took);
    search_results_free(&res);
}

static void query_get(query_reader *q, job *j) {
    char err[LEDE_ERRLEN];
    article a;
    article_init(&a);
    boiler_span *marks = NULL;
    size_t n = 0;
    int rc = engine_reader_get_article(q->r, j->req.arg, &a, err);
    if (rc == LEDE_OK) rc = engine_reader_boiler_spans(q->r, &a, &marks, &n, err);
    if (rc == LEDE_OK) proto_reply_article_marked(&j->reply, j->json, &a, marks, n);
    else query_reply_error(j, rc, err);
    free(marks);
    article_free(&a);
}

static void query_suggest(query_reader *q, job *j, double deadline) {
    char err[LEDE_ERRLEN];
    sbuf s;
    sbuf_init(&s);
    search_opts o = {.query = j->req.arg};
    query_watch w = {j, q->cfg->stop_at_us};
    query_bound(q, &o, deadline, &w);
    int rc = engine_suggest(q->r, &o, &s, err);
    if (rc == LEDE_OK) proto_reply_suggest(&j->reply, j->json, s.data);
    else {
        query_note_stopped(q, rc);
        query_reply_stopped(q, j, rc, err);
    }
    sbuf_free(&s);
}

/* The index's fields as "name:kind,..." into the figures, cut at a comma
 * when they do not all fit. */
static void query_publish_fields(query_reader *q) {
    schema sc;
    schema_init(&sc);
    char err[LEDE_ERRLEN], text[QUERY_FIELDS_MAX] = "";
    size_t len = 0;
    if (engine_reader_schema(q->r, &sc, err) == LEDE_OK) {
        for (size_t i = 0; i < sc.n; i++) {
            int w = snprintf(text + len, sizeof text - len, "%s%s:%s", len ? "," : "",
                             sc.fields[i].name, schema_kind_name(sc.fields[i].kind));
            if (w < 0 || (size_t)w >= sizeof text - len) {
                text[len] = '\0';
                break;
            }
            len += (size_t)w;
        }
    }
    schema_free(&sc);
    pthread_mutex_lock(&q->figures->fields_mu);
    memcpy(q->figures->fields, text, sizeof text);
    pthread_mutex_unlock(&q->figures->fields_mu);
}

void query_publish_figures(query_reader *q) {
    char **names;
    int n;
    uint64_t size = 0;
    if (indexdir_read_live(q->index, &names, &n, NULL) == LEDE_OK) {
        indexdir ix = {.path = q->index, .live = names, .nlive = n};
        size = indexdir_size(&ix);
        indexdir_free_names(names, n);
    }
    atomic_store(&q->figures->articles, engine_reader_doccount(q->r));
    atomic_store(&q->figures->revision, engine_reader_revision(q->r));
    atomic_store(&q->figures->bytes, size);
    sbuf v;
    sbuf_init(&v);
    if (engine_reader_meta_get(q->r, settings_key(SETTINGS_COMMIT_TIME), &v, NULL) == LEDE_OK)
        atomic_store(&q->figures->last_commit, strtoll(v.data, NULL, 10));
    sbuf_free(&v);
    query_publish_fields(q);
}

/* GET /health's check beyond the refresh: the index's directory still
 * names what the reader reads (a reader keeps an index removed under it). */
static int query_check_readable(query_reader *q, char *err) {
    char **names;
    int n;
    int rc = indexdir_read_live(q->index, &names, &n, err);
    if (rc == LEDE_OK) indexdir_free_names(names, n);
    return rc;
}

void query_run(query_reader *q, job *j, double deadline) {
    int changed;
    char err[LEDE_ERRLEN];
    int rc = engine_reader_refresh(q->r, &changed, err);
    if (rc == LEDE_OK && j->req.cmd == PROTO_PING) rc = query_check_readable(q, err);
    if (rc != LEDE_OK && j->req.cmd == PROTO_PING) rc = LEDE_EUNAVAIL; /* GET /health: not ready */
    if (rc != LEDE_OK) {
        query_reply_error(j, rc, err);
        return;
    }
    if (changed) query_publish_figures(q);
    switch (j->req.cmd) {
    case PROTO_SEARCH:
    case PROTO_COUNT:
    case PROTO_SIMILAR: query_search(q, j, deadline); break;
    case PROTO_GET: query_get(q, j); break;
    case PROTO_SUGGEST: query_suggest(q, j, deadline); break;
    case PROTO_PING: proto_reply_word(&j->reply, j->json, PROTO_PING, "PONG"); break;
    default: query_reply_error(j, LEDE_ERR, "not a worker command");
    }
}
