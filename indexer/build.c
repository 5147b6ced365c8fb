/* build.c -- the indexing run (see build.h).
 *
 * One reading thread walks the sources, reads and parses articles and hands
 * them to writer threads through bounded queues; each writer owns one Xapian
 * database.  A new index gets one writer per core, each on its own shard
 * (routed by id hash, so an id always lands in the same shard), and the
 * shards are merged into one compact database at the end; an existing index
 * gets a single writer on its database.  Writers commit every `batch`
 * articles; the stub lists the shards while they are built, so readers see
 * every committed batch and an interrupted build is merged and resumed by
 * the next run.
 *
 * File records (metadata "F<16 hex of hash(absolute path)>") say what was
 * indexed from each source file:
 *     "<size> <mtime ns> <content hash hex> <articles> <absolute path>"
 * Same size and mtime: the file is skipped unread.  A text file's record is
 * written in the same commit as its article; a JSON Lines file's after all
 * of its articles, so a crash never leaves a record for an unfinished file.
 */
#define _GNU_SOURCE
#include "build.h"
#include "jobq.h"
#include "progress.h"
#include "watch.h"
#include "../src/docstore.h"
#include "../src/engine.h"
#include "../src/idset.h"
#include "../src/indexdir.h"
#include "../src/livewriter.h"
#include "../src/source.h"
#include "../src/utf8.h"
#include "../src/util.h"

#include <errno.h>
#include <inttypes.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUEUE_CAP 256
/* A full build samples its first PIVOT_SAMPLE articles (at most
 * PIVOT_SAMPLE_BYTES of text) for a format 3 index's pivot length. */
#define PIVOT_SAMPLE 1000
#define PIVOT_SAMPLE_BYTES (8u << 20)
/* Its common words (pair terms, engine.h): those in at least this share
 * of the sample, at most COMMON_MAX of them. */
#define COMMON_SHARE 0.05
#define COMMON_MAX 128
/* Fewer sampled articles than this choose no common words: in a handful
 * every word would pass the share. */
#define COMMON_MIN_SAMPLE 100
#define WARN_PER_FILE 20

typedef struct build build;

typedef struct writer {
    build *b;
    int k;
    char *name;
    engine_writer *ew;
    jobq q;
    pthread_t thread;
    int started;
    unsigned since_commit;
    int dirty;                         /* written since the last commit */
    docstore *ds;
} writer;

typedef struct deferred {
    char key[19];
    char *record;
    struct deferred *next;
} deferred;

struct build {
    const build_opts *o;
    build_stats *st;
    indexdir ix;
    int fresh;
    char *language;
    char *stopwords;                   /* the index's, "" for none */
    char format[8];                    /* the index's lede.format */
    sbuf dict;
    int nwriters;
    writer *w;
    engine_reader *lookup;            /* file records of an existing index */
    char **roots;                      /* absolute directory sources */
    int nroots;
    deferred *records;                 /* fresh build: JSONL file records */
    /* Articles held back until the compression dictionary and the
     * pivot (format 3) are chosen from them. */
    jobq_job *held_head, *held_tail;
    docstore_dict_builder dictb;
    int dict_full;
    uint64_t held_articles, held_bytes;
    char pivot[32];                    /* "" until chosen */
    sbuf common;                       /* format 3's common words */
    int writers_running;
    /* Counters the writers update. */
    atomic_uint_fast64_t added, replaced, unchanged, deleted, puts;
    atomic_int failed;
    pthread_mutex_t mu;                /* fail_err, stderr lines */
    char fail_err[LEDE_ERRLEN];
    progress prog;
    uint64_t bytes_before;             /* raw bytes of finished files */
    uint64_t crash_after;              /* test hook LEDE_CRASH_AFTER */
    /* Replacements and deletions since the last compaction (livewriter.h):
     * the index's count when the run began, and our own count when we
     * last compacted. */
    uint64_t changes_base, changes_at_compact;
    /* Watch mode, walking a directory that just appeared: an empty file
     * there is most likely still being written; its close will bring it. */
    int tolerate_empty;
};

const char *build_skip_name(skip_reason r) {
    static const char *names[] = {"unreadable", "binary", "too large",
                                  "empty", "malformed", "truncated"};
    return r < SKIP_NREASONS ? names[r] : "?";
}

uint64_t build_skipped_total(const build_stats *st) {
    uint64_t n = 0;
    for (int i = 0; i < SKIP_NREASONS; i++) n += st->skipped[i];
    return n;
}

/* ---- messages ---------------------------------------------------------- */

static void say(build *b, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(build *b, const char *kind, const char *fmt, ...) {
    pthread_mutex_lock(&b->mu);
    progress_clear(&b->prog);
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lede-index: %s", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    pthread_mutex_unlock(&b->mu);
}

#define WARN(b, ...) say(b, "warning: ", __VA_ARGS__)
#define INFO(b, ...) do { if ((b)->o->verbose) say(b, "", __VA_ARGS__); } while (0)

static void fail(build *b, const char *msg) {
    pthread_mutex_lock(&b->mu);
    if (!atomic_load(&b->failed)) {
        snprintf(b->fail_err, sizeof b->fail_err, "%s", msg);
        atomic_store(&b->failed, 1);
    }
    pthread_mutex_unlock(&b->mu);
}

static void skip(build *b, skip_reason r) {
    b->st->skipped[r]++;
}

/* ---- writer threads ---------------------------------------------------- */

static uint64_t fingerprint(uint64_t payload_hash, const char *filekey) {
    uint64_t h = lede_hash_update(LEDE_HASH_INIT, &payload_hash, sizeof payload_hash);
    return lede_hash_final(lede_hash_update(h, filekey, strlen(filekey)));
}

static int record_key(const char *filekey, char out[19]) {
    return snprintf(out, 19, "F%s", filekey);
}

static uint64_t changes_since_compact(build *b) {
    return b->changes_base + atomic_load(&b->replaced) + atomic_load(&b->deleted) -
           b->changes_at_compact;
}

static int writer_commit(writer *w, char *err) {
    char n[24];
    int len = snprintf(n, sizeof n, "%" PRIu64, changes_since_compact(w->b));
    if (engine_writer_meta_set(w->ew, "lede.changes", n, (size_t)len, err) != LEDE_OK ||
        engine_writer_commit(w->ew, err) != LEDE_OK)
        return LEDE_ERR;
    w->since_commit = 0;
    w->dirty = 0;
    INFO(w->b, "commit %s docs=%" PRIu64, w->name, engine_writer_doccount(w->ew));
    return LEDE_OK;
}

static int writer_put(writer *w, jobq_job *j, char *err) {
    build *b = w->b;
    sbuf blob;
    sbuf_init(&blob);
    uint64_t payload_hash;
    int outcome = 0, rc = docstore_encode(w->ds, &j->a, &blob, &payload_hash, err);
    if (rc == LEDE_OK)
        rc = engine_writer_put(w->ew, &j->a, j->filekey[0] ? j->filekey : NULL,
                               fingerprint(payload_hash, j->filekey), blob.data,
                               blob.len, &outcome, err);
    sbuf_free(&blob);
    if (rc != LEDE_OK) return rc;
    if (outcome != ENGINE_UNCHANGED || j->record) w->dirty = 1;
    if (outcome == ENGINE_ADDED) atomic_fetch_add(&b->added, 1);
    else if (outcome == ENGINE_REPLACED) atomic_fetch_add(&b->replaced, 1);
    else atomic_fetch_add(&b->unchanged, 1);
    if (j->record) {
        char key[19];
        record_key(j->filekey, key);
        rc = engine_writer_meta_set(w->ew, key, j->record, strlen(j->record), err);
    }
    uint64_t n = atomic_fetch_add(&b->puts, 1) + 1;
    if (b->crash_after && n >= b->crash_after) kill(getpid(), SIGKILL);
    if (rc == LEDE_OK && outcome != ENGINE_UNCHANGED && ++w->since_commit >= b->o->batch)
        rc = writer_commit(w, err);
    return rc;
}

static int keep_seen(const char *qterm, size_t len, void *ctx) {
    return idset_has(ctx, lede_hash(qterm, len));
}

static int writer_delete_file(writer *w, jobq_job *j, char *err) {
    uint64_t n = 0;
    int rc = engine_writer_delete_file(w->ew, j->filekey, j->keep ? keep_seen : NULL,
                                       j->keep, &n, err);
    atomic_fetch_add(&w->b->deleted, n);
    if (n) w->dirty = 1;
    return rc;
}

typedef struct scan_ctx {
    writer *w;
    char *err;
} scan_ctx;

/* One file record: delete the file's articles if the file is gone from
 * under one of the directory sources. */
static int scan_one(const char *key, const char *val, size_t len, void *ctx) {
    scan_ctx *sc = ctx;
    build *b = sc->w->b;
    char *rec = lede_strndup(val, len);
    char *path = rec;
    for (int field = 0; field < 4 && path; field++) {
        path = strchr(path, ' ');
        if (path) path++;
    }
    int rc = 0;
    for (int i = 0; path && i < b->nroots; i++) {
        size_t n = strlen(b->roots[i]);
        if (strncmp(path, b->roots[i], n) || path[n] != '/') continue;
        if (access(path, F_OK) == 0 || errno != ENOENT) break;
        uint64_t gone = 0;
        sc->w->dirty = 1;
        rc = engine_writer_delete_file(sc->w->ew, key + 1, NULL, NULL, &gone, sc->err);
        if (rc == LEDE_OK)
            rc = engine_writer_meta_set(sc->w->ew, key, NULL, 0, sc->err);
        atomic_fetch_add(&b->deleted, gone);
        INFO(b, "gone: %s (%" PRIu64 " articles deleted)", path, gone);
        break;
    }
    free(rec);
    return rc;
}

static int writer_handle(writer *w, jobq_job *j, char *err) {
    switch (j->kind) {
    case JOBQ_PUT:
        return writer_put(w, j, err);
    case JOBQ_RECORD: {
        char key[19];
        record_key(j->filekey, key);
        w->dirty = 1;
        return engine_writer_meta_set(w->ew, key, j->record,
                                      j->record ? strlen(j->record) : 0, err);
    }
    case JOBQ_DELETE_FILE:
        return writer_delete_file(w, j, err);
    case JOBQ_SCAN_DELETED: {
        scan_ctx sc = {w, err};
        return engine_writer_meta_scan(w->ew, "F", scan_one, &sc, err);
    }
    case JOBQ_COMMIT:
        return w->dirty ? writer_commit(w, err) : LEDE_OK;
    case JOBQ_STOP: /* a run that changed nothing writes nothing */
        return w->dirty ? writer_commit(w, err) : LEDE_OK;
    }
    return LEDE_OK;
}

static void *writer_main(void *arg) {
    writer *w = arg;
    char err[LEDE_ERRLEN];
    for (;;) {
        jobq_job *j = jobq_pop(&w->q);
        jobq_kind kind = j->kind;
        if (!atomic_load(&w->b->failed) && writer_handle(w, j, err) != LEDE_OK)
            fail(w->b, err);
        if (j->done) sem_post(j->done);
        jobq_job_free(j);
        if (kind == JOBQ_STOP) break;
    }
    return NULL;
}

/* ---- setting up writers ------------------------------------------------ */

static int writer_open(build *b, writer *w, int create, char *err) {
    char *path = indexdir_join(&b->ix, w->name);
    int rc = engine_writer_open(path, create, 0, &w->ew, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    /* A shard takes the index's format (the writer reads it back), so an
     * empty index made by an older lede is filled in its own format. */
    if (create && engine_writer_meta_set(w->ew, "lede.format", b->format,
                                         strlen(b->format), err) != LEDE_OK)
        return LEDE_ERR;
    if (create && *b->pivot && engine_writer_meta_set(w->ew, "lede.pivot", b->pivot,
                                                      strlen(b->pivot), err) != LEDE_OK)
        return LEDE_ERR;
    if (create && b->common.len && engine_writer_meta_set(w->ew, "lede.common", b->common.data,
                                                          b->common.len, err) != LEDE_OK)
        return LEDE_ERR;
    if (engine_writer_configure(w->ew, b->language, b->stopwords, 1, err) != LEDE_OK)
        return LEDE_ERR;
    w->ds = docstore_new(b->dict.data, b->dict.len);
    jobq_init(&w->q, QUEUE_CAP);
    if (!create) return LEDE_OK;
    if (engine_writer_meta_set(w->ew, "lede.language", b->language,
                               strlen(b->language), err) ||
        (*b->stopwords && engine_writer_meta_set(w->ew, "lede.stopwords", b->stopwords,
                                                 strlen(b->stopwords), err)) ||
        (b->dict.len &&
         engine_writer_meta_set(w->ew, "lede.dict", b->dict.data, b->dict.len, err)))
        return LEDE_ERR;
    return engine_writer_commit(w->ew, err);
}

/* Opens every writer and starts its thread; for a full build the stub then
 * lists the shards, so readers see each batch as it is committed. */
static int writers_start(build *b, char *err) {
    b->w = lede_calloc((size_t)b->nwriters, sizeof(writer));
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        w->b = b;
        w->k = k;
        w->name = b->fresh ? indexdir_new_name(&b->ix, "part", k)
                           : lede_strdup(b->ix.live[0]);
        if (writer_open(b, w, b->fresh, err) != LEDE_OK) return LEDE_ERR;
    }
    if (b->fresh) {
        char **names = lede_calloc((size_t)b->nwriters + 1, sizeof(char *));
        names[0] = b->ix.live[0];
        for (int k = 0; k < b->nwriters; k++) names[k + 1] = b->w[k].name;
        int rc = indexdir_switch(&b->ix, names, b->nwriters + 1, err);
        free(names);
        if (rc != LEDE_OK) return rc;
    }
    for (int k = 0; k < b->nwriters; k++) {
        if (pthread_create(&b->w[k].thread, NULL, writer_main, &b->w[k]) != 0)
            return lede_seterr(err, "cannot start writer thread");
        b->w[k].started = 1;
    }
    b->writers_running = 1;
    return LEDE_OK;
}

static int writers_stop(build *b, char *err) {
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        if (w->started) {
            jobq_push(&w->q, jobq_job_new(JOBQ_STOP));
            pthread_join(w->thread, NULL);
        }
    }
    int rc = LEDE_OK;
    for (int k = 0; k < b->nwriters; k++) {
        writer *w = &b->w[k];
        if (w->ew && engine_writer_close(w->ew, err) != LEDE_OK) rc = LEDE_ERR;
        if (w->ew) jobq_destroy(&w->q);
        docstore_free(w->ds);
        free(w->name);
    }
    free(b->w);
    b->w = NULL;
    b->writers_running = 0;
    if (atomic_load(&b->failed))
        return lede_seterr(err, "%s", b->fail_err);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------- */

static int route(build *b, const jobq_job *j) {
    if (b->nwriters == 1 || j->kind != JOBQ_PUT) return 0;
    sbuf q;
    sbuf_init(&q);
    engine_id_term(j->a.id, &q);
    int k = (int)(lede_hash(q.data, q.len) % (uint64_t)b->nwriters);
    sbuf_free(&q);
    return k;
}

static void release_held(build *b) {
    while (b->held_head) {
        jobq_job *j = b->held_head;
        b->held_head = j->next;
        jobq_push(&b->w[route(b, j)].q, j);
    }
    b->held_tail = NULL;
}

static size_t text_bytes(const article *a) {
    return (a->title ? strlen(a->title) : 0) + (a->standfirst ? strlen(a->standfirst) : 0) +
           (a->body ? strlen(a->body) : 0);
}

/* Format 3's pivot and common words (engine.h): the mean length of the
 * held articles, as the engine measures them with the index's language
 * and stop words, and the words most of them hold. */
static int choose_sample_settings(build *b, char *err) {
    if (strcmp(b->format, "3")) return LEDE_OK;
    engine_writer *m;
    if (engine_writer_open(NULL, 1, 1, &m, err) != LEDE_OK) return LEDE_ERR;
    int rc = engine_writer_configure(m, b->language, b->stopwords, 0, err);
    uint64_t total = 0, n = 0;
    for (jobq_job *j = b->held_head; rc == LEDE_OK && j; j = j->next) {
        uint64_t len;
        if (j->kind != JOBQ_PUT) continue;
        rc = engine_writer_measure(m, &j->a, &len, err);
        total += len;
        n++;
    }
    if (rc == LEDE_OK && n >= COMMON_MIN_SAMPLE)
        rc = engine_writer_common_words(m, COMMON_SHARE, COMMON_MAX, &b->common, err);
    engine_writer_close(m, NULL);
    if (rc == LEDE_OK && n > 0 && total >= n)
        snprintf(b->pivot, sizeof b->pivot, "%.1f", (double)total / (double)n);
    return rc;
}

static int choose_dict_and_start(build *b, char *err) {
    sbuf_append(&b->dict, b->dictb.text.data, b->dictb.text.len);
    docstore_dict_free(&b->dictb);
    if (choose_sample_settings(b, err) != LEDE_OK) return LEDE_ERR;
    if (writers_start(b, err) != LEDE_OK) return LEDE_ERR;
    release_held(b);
    return LEDE_OK;
}

static int dispatch(build *b, jobq_job *j, char *err) {
    if (atomic_load(&b->failed)) {
        jobq_job_free(j);
        return lede_seterr(err, "%s", b->fail_err);
    }
    if (b->writers_running) {
        jobq_push(&b->w[route(b, j)].q, j);
        return LEDE_OK;
    }
    /* A full build holds its first articles back to sample them for the
     * compression dictionary and the pivot. */
    if (b->held_tail) b->held_tail->next = j;
    else b->held_head = j;
    b->held_tail = j;
    j->next = NULL;
    if (j->kind != JOBQ_PUT) return LEDE_OK;
    if (!b->dict_full) b->dict_full = docstore_dict_add(&b->dictb, &j->a);
    b->held_articles++;
    b->held_bytes += text_bytes(&j->a);
    if (b->dict_full && (b->held_articles >= PIVOT_SAMPLE || b->held_bytes >= PIVOT_SAMPLE_BYTES))
        return choose_dict_and_start(b, err);
    return LEDE_OK;
}

static void tick(build *b, uint64_t raw_in_file) {
    uint64_t done = atomic_load(&b->added) + atomic_load(&b->replaced) +
                    atomic_load(&b->unchanged);
    progress_update(&b->prog, done, b->bytes_before + raw_in_file);
}

/* ---- reading files ----------------------------------------------------- */

typedef struct file_record {
    int found;
    uint64_t size, mtime, hash, articles;
} file_record;

static uint64_t mtime_ns(const struct stat *st) {
    return (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec;
}

static char *make_record(const src_file *f, uint64_t hash, uint64_t articles) {
    sbuf r;
    sbuf_init(&r);
    char hex[17];
    lede_hex64(hash, hex);
    sbuf_printf(&r, "%llu %llu %s %llu %s", (unsigned long long)f->st.st_size,
                (unsigned long long)mtime_ns(&f->st), hex,
                (unsigned long long)articles, f->abspath);
    return sbuf_detach(&r);
}

static void lookup_record(build *b, const char *filekey, file_record *r) {
    memset(r, 0, sizeof *r);
    if (!b->lookup) return;
    char key[19];
    record_key(filekey, key);
    sbuf v;
    sbuf_init(&v);
    char hex[17] = "";
    if (engine_reader_meta_get(b->lookup, key, &v, NULL) == LEDE_OK &&
        sscanf(v.data, "%" SCNu64 " %" SCNu64 " %16s %" SCNu64, &r->size,
               &r->mtime, hex, &r->articles) == 4 &&
        lede_parse_hex64(hex, &r->hash) == LEDE_OK)
        r->found = 1;
    sbuf_free(&v);
}

static int push_record(build *b, const char *filekey, char *record, char *err) {
    jobq_job *j = jobq_job_new(JOBQ_RECORD);
    memcpy(j->filekey, filekey, 17);
    j->record = record;
    return dispatch(b, j, err);
}

/* Makes the article's text valid UTF-8; says so when it had to. */
static void repair_text(build *b, const char *where, sbuf *raw, sbuf *clean) {
    size_t fixed;
    sbuf_reset(clean);
    utf8_repair_kind k = utf8_repair(raw->data, raw->len, clean, &fixed);
    if (k == UTF8_CLEAN) return;
    b->st->repaired++;
    WARN(b, "%s: invalid UTF-8 repaired (%zu bytes, %s)", where, fixed,
         utf8_repair_name(k));
}

static int put_article(build *b, article *a, const char *filekey, char *record,
                       char *err) {
    jobq_job *j = jobq_job_new(JOBQ_PUT);
    j->a = *a;
    article_init(a);
    memcpy(j->filekey, filekey, 17);
    j->record = record;
    return dispatch(b, j, err);
}

/* One plain-text article; r is the reader when the caller opened it. */
static int index_text_file(build *b, const src_file *f, const char *filekey,
                           const file_record *rec, src_reader *r, char *err) {
    char msg[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "";
    if (!r && src_open(f->path, &r, msg) != LEDE_OK) {
        WARN(b, "%s: %s (skipped)", f->path, msg);
        skip(b, SKIP_UNREADABLE);
        return LEDE_OK;
    }
    sbuf raw, clean;
    sbuf_init(&raw);
    sbuf_init(&clean);
    int rc = src_read_all(r, b->o->max_article_bytes, &raw, msg);
    uint64_t hash = src_content_hash(r);
    b->st->bytes_read += src_bytes_read(r);
    src_close(r);
    article a;
    article_init(&a);
    if (rc != LEDE_OK) {
        int big = rc == LEDE_ESKIP;
        WARN(b, "%s: %s (skipped)", f->path, msg);
        skip(b, big ? SKIP_TOO_LARGE : SKIP_TRUNCATED);
        rc = LEDE_OK;
    } else if (raw.len == 0 && b->tolerate_empty) {
        /* not written yet (watch mode): nothing to say */
    } else if (utf8_looks_binary(raw.data, raw.len)) {
        WARN(b, "%s: binary file (skipped)", f->path);
        skip(b, SKIP_BINARY);
    } else if (rec->found && rec->hash == hash) {
        /* Touched, not changed: refresh the record only. */
        atomic_fetch_add(&b->unchanged, rec->articles);
        rc = push_record(b, filekey, make_record(f, hash, rec->articles), err);
    } else {
        repair_text(b, f->path, &raw, &clean);
        sbuf *text = clean.len || !raw.len ? &clean : &raw;
        if (article_parse_text(text->data, text->len, &a, msg, warn) != LEDE_OK) {
            WARN(b, "%s: %s (skipped)", f->path, msg);
            skip(b, SKIP_EMPTY);
        } else {
            if (warn[0]) WARN(b, "%s: %s", f->path, warn);
            if (!a.id) a.id = lede_strdup(f->relid);
            if (!a.has_date && f->abspath) {
                a.date = f->st.st_mtim.tv_sec;
                a.has_date = 1;
            }
            char *record = f->abspath ? make_record(f, hash, 1) : NULL;
            rc = put_article(b, &a, filekey, record, err);
        }
    }
    article_free(&a);
    sbuf_free(&raw);
    sbuf_free(&clean);
    return rc;
}

typedef struct jsonl_state {
    uint64_t lineno, articles, warnings;
    idset *seen;
} jsonl_state;

static void jsonl_warn(build *b, const src_file *f, jsonl_state *s,
                       const char *msg) {
    if (++s->warnings <= WARN_PER_FILE)
        WARN(b, "%s:%" PRIu64 ": %s", f->path, s->lineno, msg);
    else if (s->warnings == WARN_PER_FILE + 1)
        WARN(b, "%s: further warnings for this file suppressed", f->path);
}

/* One JSON line into an article; returns LEDE_OK even when it is skipped. */
static int jsonl_line(build *b, const src_file *f, const char *filekey,
                      jsonl_state *s, sbuf *line, sbuf *clean, char *err) {
    char msg[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "", where[64];
    sbuf *text = line;
    if (!utf8_is_valid(line->data, line->len)) {
        size_t fixed;
        sbuf_reset(clean);
        utf8_repair(line->data, line->len, clean, &fixed);
        snprintf(where, sizeof where, "invalid UTF-8 repaired (%zu bytes)", fixed);
        jsonl_warn(b, f, s, where);
        b->st->repaired++;
        text = clean;
    }
    article a;
    article_init(&a);
    int rc = article_parse_json(text->data, text->len, &a, msg, warn);
    if (rc != LEDE_OK) {
        snprintf(where, sizeof where, " (skipped)");
        strncat(msg, where, sizeof msg - strlen(msg) - 1);
        jsonl_warn(b, f, s, msg);
        skip(b, strstr(msg, "empty article") ? SKIP_EMPTY : SKIP_MALFORMED);
        return LEDE_OK;
    }
    if (warn[0]) jsonl_warn(b, f, s, warn);
    if (!a.id) {
        sbuf id;
        sbuf_init(&id);
        sbuf_printf(&id, "%s#%" PRIu64, f->relid, s->lineno);
        a.id = sbuf_detach(&id);
    }
    if (s->seen) {
        sbuf q;
        sbuf_init(&q);
        engine_id_term(a.id, &q);
        idset_add(s->seen, lede_hash(q.data, q.len));
        sbuf_free(&q);
    }
    s->articles++;
    return put_article(b, &a, filekey, NULL, err);
}

/* After a JSON Lines file: drop what left it, then record it.  A full
 * build defers the record until the shards are merged. */
static int jsonl_finish(build *b, const src_file *f, const char *filekey,
                        jsonl_state *s, uint64_t hash, char *err) {
    if (!f->abspath) return LEDE_OK;
    if (s->seen) {
        char msg[LEDE_ERRLEN];
        if (idset_seal(s->seen, msg) != LEDE_OK) {
            WARN(b, "%s: %s; vanished articles kept", f->path, msg);
            idset_free(s->seen);
        } else {
            jobq_job *j = jobq_job_new(JOBQ_DELETE_FILE);
            memcpy(j->filekey, filekey, 17);
            j->keep = s->seen;
            if (dispatch(b, j, err) != LEDE_OK) {
                s->seen = NULL;
                return LEDE_ERR;
            }
        }
        s->seen = NULL;
    }
    char *record = make_record(f, hash, s->articles);
    if (!b->fresh) return push_record(b, filekey, record, err);
    deferred *d = lede_calloc(1, sizeof *d);
    record_key(filekey, d->key);
    d->record = record;
    d->next = b->records;
    b->records = d;
    return LEDE_OK;
}

static int index_jsonl_file(build *b, const src_file *f, const char *filekey,
                            const file_record *rec, src_reader *r, char *err) {
    jsonl_state s = {0};
    char msg[LEDE_ERRLEN];
    if (rec->found && (s.seen = idset_new(msg)) == NULL)
        WARN(b, "%s: %s; vanished articles kept", f->path, msg);
    sbuf line, clean;
    sbuf_init(&line);
    sbuf_init(&clean);
    int too_long, got, rc = LEDE_OK, truncated = 0;
    while (rc == LEDE_OK &&
           (got = src_read_line(r, b->o->max_article_bytes, &line, &too_long, msg)) != 0) {
        if (got < 0) {
            truncated = 1;
            break;
        }
        s.lineno++;
        if ((s.lineno & 255) == 0) tick(b, src_raw_offset(r));
        if (too_long) {
            jsonl_warn(b, f, &s, "line larger than the article size limit (skipped)");
            skip(b, SKIP_TOO_LARGE);
            continue;
        }
        if (s.lineno == 1 && utf8_looks_binary(line.data, line.len)) {
            WARN(b, "%s: binary file (skipped)", f->path);
            skip(b, SKIP_BINARY);
            break;
        }
        size_t i = 0;
        while (i < line.len && (line.data[i] == ' ' || line.data[i] == '\t')) i++;
        if (i == line.len) continue;
        rc = jsonl_line(b, f, filekey, &s, &line, &clean, err);
    }
    b->st->bytes_read += src_bytes_read(r);
    if (truncated) {
        WARN(b, "%s: %s after line %" PRIu64 " (the articles before it are kept)",
             f->path, msg, s.lineno);
        skip(b, SKIP_TRUNCATED);
        idset_free(s.seen); /* no record: the file is read again next run */
    } else if (rc == LEDE_OK && !(s.lineno == 1 && utf8_looks_binary(line.data, line.len))) {
        rc = jsonl_finish(b, f, filekey, &s, src_content_hash(r), err);
    } else {
        idset_free(s.seen);
    }
    sbuf_free(&line);
    sbuf_free(&clean);
    return rc;
}

static int visit_file(const src_file *f, void *ctx) {
    build *b = ((void **)ctx)[0];
    char *err = ((void **)ctx)[1];
    if (f->error) {
        WARN(b, "%s: %s (skipped)", f->path, f->error);
        skip(b, SKIP_UNREADABLE);
        return 0;
    }
    char filekey[17] = "";
    if (f->abspath) lede_hex64(lede_hash(f->abspath, strlen(f->abspath)), filekey);
    file_record rec;
    lookup_record(b, filekey, &rec);
    int rc = LEDE_OK;
    if (rec.found && rec.size == (uint64_t)f->st.st_size && rec.mtime == mtime_ns(&f->st)) {
        atomic_fetch_add(&b->unchanged, rec.articles);
    } else if (f->format == SRC_TEXT) {
        rc = index_text_file(b, f, filekey, &rec, NULL, err);
    } else {
        src_reader *r;
        char msg[LEDE_ERRLEN];
        if (src_open(f->path, &r, msg) != LEDE_OK) {
            WARN(b, "%s: %s (skipped)", f->path, msg);
            skip(b, SKIP_UNREADABLE);
            return 0;
        }
        if (!f->abspath && src_peek_nonspace(r) != '{') /* stdin, plain text */
            return index_text_file(b, f, filekey, &rec, r, err) != LEDE_OK;
        rc = index_jsonl_file(b, f, filekey, &rec, r, err);
        src_close(r);
    }
    b->bytes_before += (uint64_t)f->st.st_size;
    tick(b, 0);
    return rc != LEDE_OK;
}

/* ---- the run ----------------------------------------------------------- */

static int merge_live(build *b, char *err) {
    return livewriter_merge_live(&b->ix, err);
}

static int needs_merge(const indexdir *ix) {
    return ix->nlive > 1 || (ix->nlive == 1 && strncmp(ix->live[0], "db.", 3));
}

static int write_deferred(build *b, char *err) {
    if (!b->records) return LEDE_OK;
    engine_writer *w;
    char *path = indexdir_join(&b->ix, b->ix.live[0]);
    int rc = engine_writer_open(path, 0, 0, &w, err);
    free(path);
    for (deferred *d = b->records; rc == LEDE_OK && d; d = d->next)
        rc = engine_writer_meta_set(w, d->key, d->record, strlen(d->record), err);
    if (rc == LEDE_OK) rc = engine_writer_close(w, err);
    else engine_writer_close(w, NULL);
    return rc;
}

static void free_deferred(build *b) {
    while (b->records) {
        deferred *d = b->records;
        b->records = d->next;
        free(d->record);
        free(d);
    }
}

static int read_settings(build *b, char *err) {
    char *main_db = indexdir_join(&b->ix, b->ix.live[0]);
    int rc = engine_reader_open(main_db, &b->lookup, err);
    free(main_db);
    if (rc != LEDE_OK) return rc;
    sbuf v;
    sbuf_init(&v);
    if (engine_reader_meta_get(b->lookup, "lede.language", &v, NULL) != LEDE_OK)
        sbuf_puts(&v, "english");
    b->language = sbuf_detach(&v);
    if (b->o->language && strcmp(b->o->language, b->language))
        return lede_seterr(err, "%s: index was built with language '%s', not '%s'"
                           " (use a new index to change it)", b->o->index,
                           b->language, b->o->language);
    if (engine_reader_meta_get(b->lookup, "lede.format", &v, NULL) != LEDE_OK ||
        v.len >= sizeof b->format) {
        sbuf_reset(&v);
        sbuf_puts(&v, ENGINE_FORMAT);
    }
    snprintf(b->format, sizeof b->format, "%s", v.data);
    sbuf_reset(&v);
    if (engine_reader_meta_get(b->lookup, "lede.stopwords", &v, NULL) != LEDE_OK)
        sbuf_puts(&v, "");
    b->stopwords = sbuf_detach(&v);
    if (b->o->no_stopwords && *b->stopwords)
        return lede_seterr(err, "%s: index was built leaving out stop words"
                           " (use a new index to keep them)", b->o->index);
    engine_reader_meta_get(b->lookup, "lede.dict", &b->dict, NULL);
    b->changes_base = 0;
    if (engine_reader_meta_get(b->lookup, "lede.changes", &v, NULL) == LEDE_OK)
        b->changes_base = strtoull(v.data, NULL, 10);
    sbuf_free(&v);
    return LEDE_OK;
}

static int collect_roots(build *b) {
    for (int i = 0; i < b->o->nsources; i++) {
        struct stat st;
        const char *src = b->o->sources[i];
        if (strcmp(src, "-") && stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *abs = realpath(src, NULL);
            if (!abs) continue;
            b->roots = lede_realloc(b->roots, sizeof(char *) * (size_t)(b->nroots + 1));
            b->roots[b->nroots++] = abs;
        }
    }
    return LEDE_OK;
}

static int walk_sources(build *b, char *err) {
    void *ctx[2] = {b, err};
    for (int i = 0; i < b->o->nsources; i++) {
        char msg[LEDE_ERRLEN];
        int rc = src_walk(b->o->sources[i], visit_file, ctx, msg);
        if (rc == LEDE_ERR) return lede_seterr(err, "%s", msg);
        if (rc) return LEDE_ERR;
    }
    return LEDE_OK;
}

static int finish_incremental(build *b, char *err) {
    if (b->o->no_delete || !b->nroots) return LEDE_OK;
    return dispatch(b, jobq_job_new(JOBQ_SCAN_DELETED), err);
}

/* A full build over an index whose articles were all deleted: the empty
 * database keeps the pivot and common words of its first build, and while
 * the stub lists it first (until the new shards are merged) readers would
 * take its common words for the new articles' (a phrase of words common
 * then but not now would look for pair terms no article has).  The build
 * chooses both afresh, so the old ones go. */
static int forget_sample_settings(build *b, char *err) {
    for (int i = 0; i < b->ix.nlive; i++) {
        char *path = indexdir_join(&b->ix, b->ix.live[i]);
        engine_writer *w;
        int rc = engine_writer_open(path, 0, 0, &w, err);
        free(path);
        if (rc != LEDE_OK) return rc;
        if (engine_writer_meta_set(w, "lede.pivot", NULL, 0, err) != LEDE_OK ||
            engine_writer_meta_set(w, "lede.common", NULL, 0, err) != LEDE_OK) {
            engine_writer_close(w, NULL);
            return LEDE_ERR;
        }
        if (engine_writer_close(w, err) != LEDE_OK) return LEDE_ERR;
    }
    return LEDE_OK;
}

static int has_meta(engine_reader *r, const char *key) {
    sbuf v;
    sbuf_init(&v);
    int found = engine_reader_meta_get(r, key, &v, NULL) == LEDE_OK;
    sbuf_free(&v);
    return found;
}

static int setup(build *b, char *err) {
    int rc = indexdir_open(b->o->index, 1, b->o->watch ? "lede-index --watch" : "lede-index", &b->ix, err);
    if (rc != LEDE_OK) return rc;
    if (needs_merge(&b->ix)) {
        INFO(b, "merging the databases of an interrupted run");
        if (merge_live(b, err) != LEDE_OK) return LEDE_ERR;
    }
    indexdir_cleanup(&b->ix);
    if (b->ix.nlive == 0 && livewriter_create_empty(&b->ix, b->o->language, !b->o->no_stopwords, err) != LEDE_OK)
        return LEDE_ERR;
    if (read_settings(b, err) != LEDE_OK) return LEDE_ERR;
    /* An empty index gets a parallel full build. */
    b->fresh = engine_reader_doccount(b->lookup) == 0;
    b->st->full_build = b->fresh;
    if (b->fresh) {
        b->nwriters = b->o->threads > 0 ? b->o->threads : 1;
        docstore_dict_init(&b->dictb);
        sbuf_reset(&b->dict);
        int stale = has_meta(b->lookup, "lede.pivot") || has_meta(b->lookup, "lede.common");
        engine_reader_close(b->lookup);
        b->lookup = NULL;
        return stale ? forget_sample_settings(b, err) : LEDE_OK;
    }
    b->nwriters = 1;
    return writers_start(b, err);
}

static int first_pass(build *b, char *err) {
    int rc = setup(b, err);
    if (rc != LEDE_OK) return rc;
    collect_roots(b);
    rc = walk_sources(b, err);
    if (rc == LEDE_OK && !b->writers_running && b->fresh) {
        if (!b->held_head) return LEDE_OK; /* nothing to index */
        rc = choose_dict_and_start(b, err);
    }
    if (rc == LEDE_OK && !b->fresh) rc = finish_incremental(b, err);
    int wrc = b->writers_running ? writers_stop(b, rc == LEDE_OK ? err : NULL) : LEDE_OK;
    if (rc == LEDE_OK) rc = wrc;
    if (rc == LEDE_OK && b->fresh) {
        INFO(b, "merging %d shards", b->nwriters);
        rc = merge_live(b, err);
        if (rc == LEDE_OK) rc = write_deferred(b, err);
    }
    return rc;
}

/* ---- watch mode (watch.h) ---------------------------------------------- */

/* One writer on the live database, file records looked up in it. */
static int start_live_writer(build *b, char *err) {
    engine_reader_close(b->lookup);
    b->lookup = NULL;
    free(b->language);
    b->language = NULL;
    free(b->stopwords);
    b->stopwords = NULL;
    sbuf_reset(&b->dict);
    b->fresh = 0;
    b->nwriters = 1;
    if (read_settings(b, err) != LEDE_OK) return LEDE_ERR;
    return writers_start(b, err);
}

/* Hands a job to the writer and waits until it has been handled. */
static int run_sync(build *b, jobq_job *j, char *err) {
    sem_t done;
    sem_init(&done, 0, 0);
    j->done = &done;
    int rc = dispatch(b, j, err);
    if (rc == LEDE_OK) {
        while (sem_wait(&done) != 0) {}
        if (atomic_load(&b->failed)) rc = lede_seterr(err, "%s", b->fail_err);
    }
    sem_destroy(&done);
    return rc;
}

static int watch_changed(void *ctx, const char *root, const char *path, char *err) {
    build *b = ctx;
    void *vctx[2] = {b, err};
    struct stat st;
    b->tolerate_empty = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    int rc = src_walk_below(root, path, visit_file, vctx) ? LEDE_ERR : LEDE_OK;
    b->tolerate_empty = 0;
    return rc;
}

static int watch_gone(void *ctx, const char *path, char *err) {
    build *b = ctx;
    if (b->o->no_delete) return LEDE_OK;
    jobq_job *j = jobq_job_new(JOBQ_DELETE_FILE);
    lede_hex64(lede_hash(path, strlen(path)), j->filekey);
    char filekey[17];
    memcpy(filekey, j->filekey, sizeof filekey);
    int rc = dispatch(b, j, err);
    INFO(b, "gone: %s", path);
    return rc == LEDE_OK ? push_record(b, filekey, NULL, err) : rc;
}

static int watch_gone_dir(void *ctx, char *err) {
    build *b = ctx;
    return finish_incremental(b, err);
}

static int watch_rescan(void *ctx, char *err) {
    build *b = ctx;
    int rc = walk_sources(b, err);
    return rc == LEDE_OK ? finish_incremental(b, err) : rc;
}

static int maybe_compact(build *b, char *err) {
    uint64_t changes = changes_since_compact(b);
    if (!livewriter_compaction_due(changes, engine_reader_doccount(b->lookup))) return LEDE_OK;
    INFO(b, "compacting: %" PRIu64 " replacements and deletions since the last time", changes);
    int rc = writers_stop(b, err);
    if (rc == LEDE_OK) rc = merge_live(b, err);
    b->changes_at_compact = atomic_load(&b->replaced) + atomic_load(&b->deleted);
    return rc == LEDE_OK ? start_live_writer(b, err) : rc;
}

static int watch_commit(void *ctx, char *err) {
    build *b = ctx;
    int rc = run_sync(b, jobq_job_new(JOBQ_COMMIT), err);
    int changed;
    if (rc == LEDE_OK) rc = engine_reader_refresh(b->lookup, &changed, err);
    return rc == LEDE_OK ? maybe_compact(b, err) : rc;
}

static int watch_phase(build *b, char *err) {
    if (!b->nroots) return lede_seterr(err, "--watch needs a directory source");
    progress_clear(&b->prog);
    b->prog.enabled = 0;
    if (start_live_writer(b, err) != LEDE_OK) return LEDE_ERR;
    if (!b->o->quiet)
        say(b, "", "watching %d director%s for changes (SIGINT or SIGTERM to stop)",
            b->nroots, b->nroots == 1 ? "y" : "ies");
    static const watch_ops ops = {watch_changed, watch_gone, watch_gone_dir,
                                  watch_commit, watch_rescan};
    double interval = b->o->commit_interval > 0 ? b->o->commit_interval : 0.25;
    int rc = watch_run(b->roots, b->nroots, interval, &ops, b, err);
    int wrc = writers_stop(b, rc == LEDE_OK ? err : NULL);
    return rc == LEDE_OK ? wrc : rc;
}

static int run(build *b, char *err) {
    int rc = first_pass(b, err);
    if (rc == LEDE_OK && b->o->watch) rc = watch_phase(b, err);
    return rc;
}

static void collect_stats(build *b) {
    build_stats *st = b->st;
    st->added = atomic_load(&b->added);
    st->replaced = atomic_load(&b->replaced);
    st->unchanged = atomic_load(&b->unchanged);
    st->deleted = atomic_load(&b->deleted);
    st->index_bytes = indexdir_size(&b->ix);
    engine_reader *r;
    if (b->ix.path && engine_reader_open(b->ix.path, &r, NULL) == LEDE_OK) {
        st->articles = engine_reader_doccount(r);
        engine_reader_close(r);
    }
}

static uint64_t total_input(const build_opts *o) {
    uint64_t total = 0;
    for (int i = 0; i < o->nsources; i++) total += src_total_bytes(o->sources[i]);
    return total;
}

int build_run(const build_opts *o, build_stats *st, char *err) {
    build b;
    memset(&b, 0, sizeof b);
    memset(st, 0, sizeof *st);
    b.o = o;
    b.st = st;
    b.ix.lockfd = -1;
    pthread_mutex_init(&b.mu, NULL);
    sbuf_init(&b.dict);
    sbuf_init(&b.common);
    const char *crash = getenv("LEDE_CRASH_AFTER");
    b.crash_after = crash ? strtoull(crash, NULL, 10) : 0;
    double t0 = lede_now();
    progress_init(&b.prog, o->progress, o->progress ? total_input(o) : 0);
    int rc = run(&b, err);
    progress_clear(&b.prog);
    if (b.writers_running) writers_stop(&b, NULL);
    engine_reader_close(b.lookup);
    st->seconds = lede_now() - t0;
    if (b.ix.path) collect_stats(&b);
    while (b.held_head) {
        jobq_job *j = b.held_head;
        b.held_head = j->next;
        jobq_job_free(j);
    }
    if (b.fresh && !b.writers_running) docstore_dict_free(&b.dictb);
    free_deferred(&b);
    for (int i = 0; i < b.nroots; i++) free(b.roots[i]);
    free(b.roots);
    free(b.language);
    free(b.stopwords);
    sbuf_free(&b.dict);
    sbuf_free(&b.common);
    indexdir_close(&b.ix);
    pthread_mutex_destroy(&b.mu);
    return rc;
}

int build_compact(const char *index, int verbose, build_stats *st, char *err) {
    build b;
    build_opts o = {0};
    memset(&b, 0, sizeof b);
    memset(st, 0, sizeof *st);
    o.index = index;
    o.verbose = verbose;
    b.o = &o;
    b.st = st;
    pthread_mutex_init(&b.mu, NULL);
    double t0 = lede_now();
    int rc = indexdir_open(index, 0, "lede-index --compact", &b.ix, err);
    if (rc == LEDE_OK && b.ix.nlive == 0)
        rc = lede_seterr(err, "%s: the index is empty", index);
    if (rc == LEDE_OK) rc = merge_live(&b, err);
    st->seconds = lede_now() - t0;
    if (b.ix.path) collect_stats(&b);
    indexdir_close(&b.ix);
    pthread_mutex_destroy(&b.mu);
    return rc;
}
