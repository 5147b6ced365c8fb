/* sources.c -- reading a run's source files (see sources.h).  A text file
 * is one article; a JSON Lines file one article per line, with at most
 * WARN_PER_FILE warnings.  Invalid UTF-8 is repaired and counted, never
 * skipped (docs/FORMATS.md). */
#define _GNU_SOURCE
#include "sources.h"
#include "fields.h"
#include "writers.h"
#include "../src/idset.h"
#include "../src/source.h"
#include "../src/utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WARN_PER_FILE 20

static int put_article(build *b, article *a, const char *filekey, char *record,
                       char *err) {
    if (fields_note(b, a, err) != LEDE_OK) {
        free(record);
        article_free(a);
        return LEDE_ERR;
    }
    jobq_job *j = jobq_job_new(JOBQ_PUT);
    j->a = *a;
    article_init(a);
    memcpy(j->filekey, filekey, 17);
    j->record = record;
    return writers_dispatch(b, j, err);
}

/* Says that the article's text had to be made valid UTF-8. */
static void text_repaired(build *b, const char *where, const article_repair *rep) {
    if (rep->kind == UTF8_CLEAN) return;
    b->st->repaired++;
    WARN(b, "%s: invalid UTF-8 repaired (%zu bytes, %s)", where, rep->fixed,
         utf8_repair_name(rep->kind));
}

/* The folder of a directory source's file, relative to the source
 * ("sport" for sport/a.txt): its articles' "section"; NULL for none. */
static char *section_of(const src_file *f) {
    const char *slash = f->root ? strrchr(f->relid, '/') : NULL;
    return slash ? lede_strndup(f->relid, (size_t)(slash - f->relid)) : NULL;
}

/* The article of a text file that changed: id its path, date its mtime. */
static int text_article(build *b, const src_file *f, const char *filekey, sbuf *raw,
                        uint64_t hash, char *err) {
    char msg[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "";
    char *section = section_of(f);
    article_defaults d = {.id = f->relid, .section = section, .has_date = f->abspath != NULL,
                          .date = f->st.st_mtim.tv_sec};
    article_repair rep;
    article a;
    article_init(&a);
    int rc = article_from_bytes(raw->data, raw->len, ARTICLE_TEXT, &d, &a, &rep, msg, warn);
    free(section);
    text_repaired(b, f->path, &rep);
    if (rc != LEDE_OK) {
        WARN(b, "%s: %s (skipped)", f->path, msg);
        build_skip(b, SKIP_EMPTY);
        return LEDE_OK;
    }
    if (warn[0]) WARN(b, "%s: %s", f->path, warn);
    char *record = f->abspath ? filerec_make(&f->st, f->abspath, hash, 1) : NULL;
    rc = put_article(b, &a, filekey, record, err);
    article_free(&a);
    return rc;
}

/* One plain-text article; r is the reader when the caller opened it. */
static int index_text_file(build *b, const src_file *f, const char *filekey,
                           const filerec *rec, src_reader *r, char *err) {
    char msg[LEDE_ERRLEN];
    if (!r && src_open(f->path, &r, msg) != LEDE_OK) {
        WARN(b, "%s: %s (skipped)", f->path, msg);
        build_skip(b, SKIP_UNREADABLE);
        return LEDE_OK;
    }
    sbuf raw;
    sbuf_init(&raw);
    int rc = src_read_all(r, b->o->max_article_bytes, &raw, msg);
    uint64_t hash = src_content_hash(r);
    b->st->bytes_read += src_bytes_read(r);
    src_close(r);
    if (rc != LEDE_OK) {
        int big = rc == LEDE_ESKIP;
        WARN(b, "%s: %s (skipped)", f->path, msg);
        build_skip(b, big ? SKIP_TOO_LARGE : SKIP_TRUNCATED);
        rc = LEDE_OK;
    } else if (raw.len == 0 && b->tolerate_empty) {
        /* not written yet (watch mode): nothing to say */
    } else if (utf8_looks_binary(raw.data, raw.len)) {
        WARN(b, "%s: binary file (skipped)", f->path);
        build_skip(b, SKIP_BINARY);
    } else if (rec->found && rec->hash == hash) {
        /* Touched, not changed: refresh the record only. */
        atomic_fetch_add(&b->unchanged, rec->articles);
        rc = writers_record(b, filekey, filerec_make(&f->st, f->abspath, hash, rec->articles),
                            err);
    } else {
        rc = text_article(b, f, filekey, &raw, hash, err);
    }
    sbuf_free(&raw);
    return rc;
}

typedef struct jsonl_state {
    uint64_t lineno, articles, warnings;
    idset *seen;
    char *section;   /* section_of the file */
} jsonl_state;

static void jsonl_warn(build *b, const src_file *f, jsonl_state *s,
                       const char *msg) {
    if (++s->warnings <= WARN_PER_FILE)
        WARN(b, "%s:%" PRIu64 ": %s", f->path, s->lineno, msg);
    else if (s->warnings == WARN_PER_FILE + 1)
        WARN(b, "%s: further warnings for this file suppressed", f->path);
}

/* One JSON line into an article; returns LEDE_OK even when it is skipped.
 * An article without an id is "<file>#<line>". */
static int jsonl_line(build *b, const src_file *f, const char *filekey,
                      jsonl_state *s, const sbuf *line, char *err) {
    char msg[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "", where[64];
    article_defaults d = {.id = f->relid, .id_line = s->lineno, .section = s->section};
    article_repair rep;
    article a;
    article_init(&a);
    int rc = article_from_bytes(line->data, line->len, ARTICLE_JSON, &d, &a, &rep, msg, warn);
    if (rep.kind != UTF8_CLEAN) {
        snprintf(where, sizeof where, "invalid UTF-8 repaired (%zu bytes)", rep.fixed);
        jsonl_warn(b, f, s, where);
        b->st->repaired++;
    }
    if (rc != LEDE_OK) {
        snprintf(where, sizeof where, " (skipped)");
        strncat(msg, where, sizeof msg - strlen(msg) - 1);
        jsonl_warn(b, f, s, msg);
        build_skip(b, strstr(msg, "empty article") ? SKIP_EMPTY : SKIP_MALFORMED);
        return LEDE_OK;
    }
    if (warn[0]) jsonl_warn(b, f, s, warn);
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
            if (writers_dispatch(b, j, err) != LEDE_OK) {
                s->seen = NULL;
                return LEDE_ERR;
            }
        }
        s->seen = NULL;
    }
    char *record = filerec_make(&f->st, f->abspath, hash, s->articles);
    if (!b->fresh) return writers_record(b, filekey, record, err);
    filerec_defer(&b->records, filekey, record);
    return LEDE_OK;
}

static int index_jsonl_file(build *b, const src_file *f, const char *filekey,
                            const filerec *rec, src_reader *r, char *err) {
    jsonl_state s = {0};
    s.section = section_of(f);
    char msg[LEDE_ERRLEN];
    if (rec->found && (s.seen = idset_new(msg)) == NULL)
        WARN(b, "%s: %s; vanished articles kept", f->path, msg);
    sbuf line;
    sbuf_init(&line);
    int too_long, got, rc = LEDE_OK, truncated = 0;
    while (rc == LEDE_OK &&
           (got = src_read_line(r, b->o->max_article_bytes, &line, &too_long, msg)) != 0) {
        if (got < 0) {
            truncated = 1;
            break;
        }
        s.lineno++;
        if ((s.lineno & 255) == 0) build_tick(b, src_raw_offset(r));
        if (too_long) {
            jsonl_warn(b, f, &s, "line larger than the article size limit (skipped)");
            build_skip(b, SKIP_TOO_LARGE);
            continue;
        }
        if (s.lineno == 1 && utf8_looks_binary(line.data, line.len)) {
            WARN(b, "%s: binary file (skipped)", f->path);
            build_skip(b, SKIP_BINARY);
            break;
        }
        size_t i = 0;
        while (i < line.len && (line.data[i] == ' ' || line.data[i] == '\t')) i++;
        if (i == line.len) continue;
        rc = jsonl_line(b, f, filekey, &s, &line, err);
    }
    b->st->bytes_read += src_bytes_read(r);
    if (truncated) {
        WARN(b, "%s: %s after line %" PRIu64 " (the articles before it are kept)",
             f->path, msg, s.lineno);
        build_skip(b, SKIP_TRUNCATED);
        idset_free(s.seen); /* no record: the file is read again next run */
    } else if (rc == LEDE_OK && !(s.lineno == 1 && utf8_looks_binary(line.data, line.len))) {
        rc = jsonl_finish(b, f, filekey, &s, src_content_hash(r), err);
    } else {
        idset_free(s.seen);
    }
    free(s.section);
    sbuf_free(&line);
    return rc;
}

/* A file of no article format that --ext does not name: counted, and the
 * first few named, for the summary (the first pass only: the watch sees
 * the same files again). */
static void note_ignored(build *b, const src_file *f) {
    build_stats *st = b->st;
    if (st->watched) return;
    if (st->ignored < BUILD_IGNORED_SHOWN)
        snprintf(st->ignored_names[st->ignored], sizeof st->ignored_names[0], "%s", f->path);
    st->ignored++;
}

int sources_wanted_name(const build *b, const char *name) {
    return src_format_of(name) >= 0 || src_ext_wanted(name, b->o->ext);
}

static int visit_file(const src_file *f, void *ctx) {
    build *b = ((void **)ctx)[0];
    char *err = ((void **)ctx)[1];
    if (f->error) {
        WARN(b, "%s: %s (skipped)", f->path, f->error);
        build_skip(b, SKIP_UNREADABLE);
        return 0;
    }
    if (f->format == SRC_OTHER) {
        const char *slash = strrchr(f->path, '/');
        if (!src_ext_wanted(slash ? slash + 1 : f->path, b->o->ext)) {
            note_ignored(b, f);
            return 0;
        }
    }
    char filekey[17] = "";
    if (f->abspath) filerec_filekey(f->abspath, filekey);
    filerec rec;
    filerec_lookup(b->lookup, filekey, &rec);
    int rc = LEDE_OK;
    if (rec.found && rec.size == (uint64_t)f->st.st_size &&
        rec.mtime == filerec_mtime_ns(&f->st)) {
        atomic_fetch_add(&b->unchanged, rec.articles);
    } else if (f->format != SRC_JSONL) { /* --ext's files are plain text too */
        rc = index_text_file(b, f, filekey, &rec, NULL, err);
    } else {
        src_reader *r;
        char msg[LEDE_ERRLEN];
        if (src_open(f->path, &r, msg) != LEDE_OK) {
            WARN(b, "%s: %s (skipped)", f->path, msg);
            build_skip(b, SKIP_UNREADABLE);
            return 0;
        }
        if (!f->abspath && src_peek_nonspace(r) != '{') /* stdin, plain text */
            return index_text_file(b, f, filekey, &rec, r, err) != LEDE_OK;
        rc = index_jsonl_file(b, f, filekey, &rec, r, err);
        src_close(r);
    }
    b->bytes_before += (uint64_t)f->st.st_size;
    build_tick(b, 0);
    return rc != LEDE_OK;
}

int sources_walk(build *b, char *err) {
    void *ctx[2] = {b, err};
    for (int i = 0; i < b->o->nsources; i++) {
        char msg[LEDE_ERRLEN];
        int rc = src_walk(b->o->sources[i], visit_file, ctx, msg);
        if (rc == LEDE_ERR) return lede_seterr(err, "%s", msg);
        if (rc) return LEDE_ERR;
    }
    return LEDE_OK;
}

int sources_walk_below(build *b, const char *root, const char *path, char *err) {
    void *ctx[2] = {b, err};
    return src_walk_below(root, path, visit_file, ctx) ? LEDE_ERR : LEDE_OK;
}

int sources_finish(build *b, char *err) {
    if (b->o->no_delete || !b->nroots) return LEDE_OK;
    return writers_dispatch(b, jobq_job_new(JOBQ_SCAN_DELETED), err);
}

int sources_gone(const build *b, const char *path) {
    for (int i = 0; i < b->nroots; i++) {
        size_t n = strlen(b->roots[i]);
        if (strncmp(path, b->roots[i], n) || path[n] != '/') continue;
        return access(path, F_OK) != 0 && errno == ENOENT;
    }
    return 0;
}

void sources_collect_roots(build *b) {
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
}
