/* livewriter.c -- one process writing an index article by article (see
 * livewriter.h): an ordinary index's one database, or a sharded index's
 * shards and front (shards.h), each article routed to its shard.  The
 * merges it shares with the indexer are livemerge.c's.  Reaches Xapian
 * only through engine.h; opens no reader, prints nothing. */
#include "livewriter.h"
#include "boiler.h"
#include "docstore.h"
#include "engine.h"
#include "settings.h"
#include "shards.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One change not yet committed, kept so that it can be applied again to
 * a database reopened after a failed write (Xapian drops what it had not
 * committed): a put (its stored form, from which the article comes back)
 * or a deletion (blob NULL). */
typedef struct lw_change {
    struct lw_change *next;
    char *id;
    char *blob;
    size_t len;
    uint64_t fingerprint;
} lw_change;

/* One database the writer writes articles to: the index's own, or a
 * shard's; or the front of a sharded index (no articles). */
typedef struct lw_part {
    indexdir *ix;             /* its directory */
    engine_writer *ew;
    uint64_t uncommitted;     /* writes since its last commit */
    uint64_t changes;         /* replacements + deletions since compaction */
    lw_change *pending, **pending_end; /* the uncommitted writes, in order */
} lw_part;

struct livewriter {
    indexdir ix;              /* the index (sharded: the whole index's lock) */
    shards sh;                /* sharded: the front and the shards */
    lw_part *part;            /* where articles go: one, or one per shard */
    unsigned nparts;
    lw_part front;            /* sharded only: spelling words go there */
    engine_words *front_held; /* the words given it since its last commit (engine.h) */
    docstore *ds;
    char *language;
    int64_t last_commit;
    int broken;               /* a write failed: the databases must be reopened */
    fieldbook *book;          /* the metadata fields, one schema for all parts */
    boiler_table *boiler;     /* the boilerplate learned (boiler.h), for all parts */
};

/* Opens the live database of ix as part p; with settings s (may be NULL)
 * loaded from it.  Article parts (articles: the writer's fieldbook) index
 * with the language, stop words and spelling on (a sharded index's words
 * move to its front at each commit) and keep their fields in the book. */
static int open_part(lw_part *p, indexdir *ix, fieldbook *articles, boiler_table *boiler,
                     settings *s, char *err) {
    p->ix = ix;
    char *path = indexdir_join(ix, ix->live[0]);
    int rc = engine_writer_open(path, 0, 0, &p->ew, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    settings own;
    settings_init(&own);
    if (!s) s = &own;
    rc = settings_load_writer(s, p->ew, err);
    if (rc == LEDE_OK && articles)
        rc = engine_writer_configure(p->ew, s->language, s->stopwords, 1, err);
    if (rc == LEDE_OK && articles) rc = engine_writer_share_fields(p->ew, articles, err);
    if (rc == LEDE_OK && articles) rc = engine_writer_share_boiler(p->ew, boiler, 1, err);
    p->changes = s->changes;
    p->uncommitted = 0;
    settings_free(&own);
    return rc;
}

/* Opens every database and loads the index's settings (the first's: the
 * front's, or the one database's). */
static int open_databases(livewriter *w, char *err) {
    settings s;
    settings_init(&s);
    int sharded = w->sh.n > 0;
    if (!w->book) w->book = fieldbook_new();
    if (!w->boiler) w->boiler = boiler_new(0);
    int rc = sharded ? open_part(&w->front, &w->sh.front, NULL, NULL, &s, err)
                     : open_part(&w->part[0], &w->ix, w->book, w->boiler, &s, err);
    for (unsigned k = 0; sharded && rc == LEDE_OK && k < w->nparts; k++)
        rc = open_part(&w->part[k], &w->sh.shard[k], w->book, w->boiler, NULL, err);
    if (rc == LEDE_OK && !sharded && (s.stored & (SETTINGS_SHARD | SETTINGS_SHARDS)))
        rc = lede_seterr(err, "%s: a part of a sharded index: write to the index that holds it",
                         w->ix.path);
    free(w->language);
    w->language = s.language;
    s.language = NULL;
    docstore_free(w->ds);
    w->ds = docstore_new(s.dict.data, s.dict.len);
    w->last_commit = (int64_t)s.commit_time;
    settings_free(&s);
    return rc;
}

/* Closes every database, committing what is pending (callers commit
 * first, or discard it: reopen).  A shard's spelling words go to the front
 * only once its close committed (commit_part's rule), then the front
 * closes. */
static int close_databases(livewriter *w, char *err) {
    int rc = LEDE_OK;
    for (unsigned k = 0; k < w->nparts; k++) {
        lw_part *p = &w->part[k];
        engine_words *words = w->front.ew && p->ew ? engine_writer_take_words(p->ew) : NULL;
        if (engine_writer_close(p->ew, rc == LEDE_OK ? err : NULL) == LEDE_OK)
            engine_writer_give_words(w->front.ew, words);
        else {
            engine_words_free(words);
            rc = LEDE_ERR;
        }
        p->ew = NULL;
    }
    if (engine_writer_close(w->front.ew, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    w->front.ew = NULL;
    return rc;
}

/* ---- what a failed write leaves: reopening, and the changes again ---- */

static void note_change(lw_part *p, const char *id, sbuf *blob, uint64_t fingerprint) {
    lw_change *c = lede_calloc(1, sizeof *c);
    c->id = lede_strdup(id);
    if (blob) {
        c->len = blob->len;
        c->blob = sbuf_detach(blob);
    }
    c->fingerprint = fingerprint;
    if (!p->pending_end) p->pending_end = &p->pending;
    *p->pending_end = c;
    p->pending_end = &c->next;
}

static void forget_changes(lw_part *p) {
    for (lw_change *c = p->pending, *next; c; c = next) {
        next = c->next;
        free(c->id);
        free(c->blob);
        free(c);
    }
    p->pending = NULL;
    p->pending_end = &p->pending;
}

/* One kept change into the reopened database: the article decoded from
 * its stored form, or the deletion (of an article the reopened database
 * may not hold: then nothing is left to do). */
static int apply_again(livewriter *w, lw_part *p, const lw_change *c, char *err) {
    int outcome = ENGINE_ADDED, rc;
    if (!c->blob) {
        int found;
        rc = engine_writer_delete_id(p->ew, c->id, &found, err);
    } else {
        article a;
        article_init(&a);
        rc = docstore_decode(w->ds, c->blob, c->len, &a, err);
        if (rc == LEDE_OK) {
            engine_writer_unobserved_next(p->ew);
            rc = engine_writer_put(p->ew, &a, NULL, c->fingerprint, c->blob, c->len, &outcome, err);
        }
        article_free(&a);
    }
    if (rc != LEDE_OK) return rc;
    p->uncommitted++;
    if (!c->blob || outcome == ENGINE_REPLACED) p->changes++;
    return LEDE_OK;
}

/* After a failed write Xapian's database may be closed, and what it had
 * not committed is gone: every database's uncommitted changes are dropped
 * (the failed one's are already; closing the others would commit theirs,
 * and their words, under the changes made again), the databases closed
 * and opened again, every kept change applied again (not counted into
 * the boilerplate table again: it was when first put), and the front
 * given again the words of the shards that committed since its last
 * commit, so the next commit retries them all, each word given once. */
static int reopen(livewriter *w, char *err) {
    int front_due = w->front.uncommitted || w->front_held;
    for (unsigned k = 0; k < w->nparts; k++) engine_writer_discard(w->part[k].ew);
    engine_writer_discard(w->front.ew);
    close_databases(w, NULL); /* a closed database's commit fails: ignored */
    int rc = open_databases(w, err);
    for (unsigned k = 0; rc == LEDE_OK && k < w->nparts; k++)
        for (const lw_change *c = w->part[k].pending; rc == LEDE_OK && c; c = c->next)
            rc = apply_again(w, &w->part[k], c, err);
    if (rc == LEDE_OK) engine_writer_lend_words(w->front.ew, w->front_held);
    w->front.uncommitted = front_due;
    w->broken = rc != LEDE_OK;
    return rc;
}

/* A write failed with rc (its message in err): the writer reopens at once
 * (or at its next call, if it cannot yet) and rc is passed on. */
static int failed_write(livewriter *w, int rc) {
    w->broken = 1;
    reopen(w, NULL);
    return rc;
}

static int ready(livewriter *w, char *err) {
    return w->broken ? reopen(w, err) : LEDE_OK;
}

/* The index's directories: a sharded index's front and shards, or the
 * one database of any other (merging what an interrupted build left,
 * creating an empty index when there is none). */
static int open_dirs(livewriter *w, const char *index, const char *role, const char *language,
                     char *err) {
    int n = indexdir_shard_count(&w->ix);
    if (n < 0) return lede_seterr(err, "%s: the stub names a front but not its shards", index);
    w->nparts = n > 0 ? (unsigned)n : 1;
    w->part = lede_calloc(w->nparts, sizeof(lw_part));
    if (n > 0) return shards_open(&w->ix, role, &w->sh, err);
    int rc = LEDE_OK;
    if (indexdir_needs_merge(&w->ix)) rc = livewriter_merge_live(&w->ix, err);
    if (rc == LEDE_OK) indexdir_cleanup(&w->ix);
    if (rc == LEDE_OK && w->ix.nlive == 0) rc = livewriter_create_empty(&w->ix, language, 1, err);
    return rc;
}

int livewriter_open(const char *index, const char *role, const char *language,
                    livewriter **out, char *err) {
    livewriter *w = lede_calloc(1, sizeof *w);
    w->sh.front.lockfd = -1;
    int rc = indexdir_open(index, 1, role, &w->ix, err);
    if (rc == LEDE_OK) rc = open_dirs(w, index, role, language, err);
    if (rc == LEDE_OK) rc = open_databases(w, err);
    if (rc == LEDE_OK && language && strcmp(language, w->language))
        rc = lede_seterr(err, "%s: index was built with language '%s', not '%s'",
                         index, w->language, language);
    if (rc != LEDE_OK) {
        livewriter_close(w, NULL);
        return rc;
    }
    *out = w;
    return LEDE_OK;
}

int livewriter_close(livewriter *w, char *err) {
    if (!w) return LEDE_OK;
    int rc = LEDE_OK;
    /* Broken (a failed write whose reopening failed too: even a failed
     * front commit's alone, the shards at 0) or holding changes: the
     * commit reopens and retries them.  A writer whose opening failed
     * holds none. */
    if (w->part && (w->broken || (w->part[0].ew && (livewriter_uncommitted(w) || w->front.uncommitted))))
        rc = livewriter_commit(w, err);
    if (w->part && close_databases(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    for (unsigned k = 0; w->part && k < w->nparts; k++) forget_changes(&w->part[k]);
    engine_words_free(w->front_held); /* the close committed them, or nobody can */
    free(w->part);
    docstore_free(w->ds);
    free(w->language);
    fieldbook_free(w->book);
    boiler_free(w->boiler);
    shards_close(&w->sh);
    indexdir_close(&w->ix);
    free(w);
    return rc;
}

unsigned livewriter_take_warnings(livewriter *w, sbuf *out) {
    return w->book ? fieldbook_take_warnings(w->book, out) : 0;
}

/* The part that holds (or will hold) the article with this id. */
static lw_part *part_of(livewriter *w, const char *id) {
    return &w->part[shards_route(id, w->nparts)];
}

/* Ready for one more change to p: the databases reopened if a write
 * failed, and everything committed first if the change could make Xapian
 * commit p by itself (engine.h: engine_flush_threshold, against the
 * changes the engine counts, engine_writer_pending_changes; what it committed
 * a reopen could not drop, and the changes made again would not be
 * exact). */
static int ready_for_change(livewriter *w, lw_part *p, char *err) {
    int rc = ready(w, err);
    uint64_t pending = rc == LEDE_OK ? engine_writer_pending_changes(p->ew) : 0;
    if (pending && pending + ENGINE_PUT_CHANGES >= engine_flush_threshold())
        rc = livewriter_commit(w, err);
    return rc;
}

int livewriter_put(livewriter *w, const article *a, int *outcome, char *err) {
    lw_part *p = part_of(w, a->id);
    int rc = ready_for_change(w, p, err);
    if (rc != LEDE_OK) return rc;
    sbuf blob;
    sbuf_init(&blob);
    /* An undated article is dated by its arrival, but its fingerprint is
     * the undated one's: sent again a second later it is unchanged and
     * keeps its first date (a regression test in test_ingest). */
    article dated = *a;
    if (!a->has_date) {
        dated.has_date = 1;
        dated.date = (int64_t)time(NULL);
    }
    uint64_t payload_hash = 0;
    rc = docstore_encode_arrival(w->ds, a, dated.date, &blob, &payload_hash, err);
    /* No source file: the same fingerprint as the indexer gives an article
     * read from standard input, so both agree on "unchanged". */
    uint64_t fingerprint = docstore_fingerprint(payload_hash, NULL);
    if (rc == LEDE_OK)
        rc = engine_writer_put(p->ew, &dated, NULL, fingerprint, blob.data, blob.len, outcome, err);
    if (rc == LEDE_OK && *outcome != ENGINE_UNCHANGED) {
        p->uncommitted++;
        if (*outcome == ENGINE_REPLACED) p->changes++;
        note_change(p, a->id, &blob, fingerprint);
    }
    sbuf_free(&blob);
    return LEDE_IS_STORAGE(rc) ? failed_write(w, rc) : rc;
}

int livewriter_delete(livewriter *w, const char *id, char *err) {
    lw_part *p = part_of(w, id);
    int rc = ready_for_change(w, p, err);
    if (rc != LEDE_OK) return rc;
    int found;
    rc = engine_writer_delete_id(p->ew, id, &found, err);
    if (rc != LEDE_OK) return LEDE_IS_STORAGE(rc) ? failed_write(w, rc) : rc;
    if (!found) return lede_seterr_code(err, LEDE_ENOTFOUND, "no article with id '%s'", id);
    p->uncommitted++;
    p->changes++;
    note_change(p, id, NULL, 0);
    return LEDE_OK;
}

/* Commits one part.  A shard's spelling words are held out of its commit
 * and go to the front once it succeeded; a failed one's are dropped with
 * its changes, which reopen makes again, giving them again (engine.h). */
static int commit_part(livewriter *w, lw_part *p, char *err) {
    settings s = {.changes = p->changes};
    int rc = settings_store_writer(&s, SETTINGS_CHANGES, p->ew, err);
    engine_words *words = w->front.ew ? engine_writer_take_words(p->ew) : NULL;
    if (rc == LEDE_OK) rc = engine_writer_commit(p->ew, err);
    if (rc != LEDE_OK) {
        engine_words_free(words);
        return rc;
    }
    if (words) { /* held until the front's commit succeeds */
        engine_writer_lend_words(w->front.ew, words);
        w->front_held = engine_words_join(w->front_held, words);
        w->front.uncommitted = 1; /* the front's commit is due */
    }
    p->uncommitted = 0;
    forget_changes(p);
    return LEDE_OK;
}

/* Every database about to commit has room (engine.h: Xapian 1.4 may abort
 * the process when the disk fills part way through a commit); without it
 * LEDE_EDISKFULL naming the database, and no commit is begun. */
static int room_to_commit(livewriter *w, char *err) {
    for (unsigned k = 0; k < w->nparts; k++)
        if (w->part[k].uncommitted && engine_writer_room(w->part[k].ew, err) != LEDE_OK)
            return LEDE_EDISKFULL;
    if (w->front.ew && engine_writer_room(w->front.ew, err) != LEDE_OK) return LEDE_EDISKFULL;
    return LEDE_OK;
}

/* The shards that changed, then the front (shards.h: a crash between
 * them loses no acknowledged article, at most some spelling words).  A
 * failed commit keeps the changes of the databases it did not commit:
 * the next commit retries them (failed_write). */
int livewriter_commit(livewriter *w, char *err) {
    int rc = ready(w, err); /* a reopening that fails says why */
    if (rc != LEDE_OK) return rc;
    /* a new revision only for changes (the front's: after a failed commit) */
    if (livewriter_uncommitted(w) == 0 && !w->front.uncommitted) return LEDE_OK;
    rc = room_to_commit(w, err);
    if (rc != LEDE_OK) return rc; /* nothing begun: the changes wait, the databases open */
    for (unsigned k = 0; rc == LEDE_OK && k < w->nparts; k++)
        if (w->part[k].uncommitted) rc = commit_part(w, &w->part[k], err);
    if (rc == LEDE_OK && w->front.ew) rc = engine_writer_commit(w->front.ew, err);
    if (rc != LEDE_OK) return failed_write(w, rc);
    w->front.uncommitted = 0;
    engine_words_free(w->front_held);
    w->front_held = NULL;
    w->last_commit = (int64_t)time(NULL);
    return LEDE_OK;
}

int livewriter_compaction_due(uint64_t changes, uint64_t articles) {
    return changes >= LIVEWRITER_COMPACT_MIN &&
           (double)changes >= LIVEWRITER_COMPACT_RATIO * (double)articles;
}

static int part_due(const lw_part *p) {
    return livewriter_compaction_due(p->changes, engine_writer_doccount(p->ew));
}

int livewriter_should_compact(livewriter *w) {
    for (unsigned k = 0; k < w->nparts; k++)
        if (part_due(&w->part[k])) return 1;
    return 0;
}

/* A sharded index: the shards that are due, or (asked when none is) every
 * shard and the front. */
static int compact_shards(livewriter *w, const int *due, int any, char *err) {
    return shards_compact(&w->sh, any ? due : NULL, !any, err);
}

int livewriter_compact(livewriter *w, char *err) {
    int rc = livewriter_commit(w, err);
    if (rc != LEDE_OK) return rc; /* the changes are kept, the databases open */
    int *due = lede_calloc(w->nparts, sizeof(int)), any = 0;
    for (unsigned k = 0; k < w->nparts; k++) any |= due[k] = part_due(&w->part[k]);
    rc = close_databases(w, err);
    if (rc == LEDE_OK) { /* the compaction makes their articles again */
        boiler_learned *learned = NULL;
        size_t nlearned = boiler_take_learned(w->boiler, &learned);
        boiler_learned_free(learned, nlearned);
    }
    if (rc == LEDE_OK)
        rc = w->sh.n ? compact_shards(w, due, any, err) : livewriter_merge_live(&w->ix, err);
    free(due);
    /* Whatever happened, keep writing to the live databases. */
    int orc = open_databases(w, rc == LEDE_OK ? err : NULL);
    w->broken = orc != LEDE_OK;
    return rc == LEDE_OK ? orc : rc;
}

uint64_t livewriter_uncommitted(const livewriter *w) {
    uint64_t n = 0;
    for (unsigned k = 0; k < w->nparts; k++) n += w->part[k].uncommitted;
    return n;
}

uint64_t livewriter_doccount(livewriter *w) {
    uint64_t n = 0;
    for (unsigned k = 0; k < w->nparts; k++)
        if (w->part[k].ew) n += engine_writer_doccount(w->part[k].ew);
    return n;
}

uint64_t livewriter_revision(livewriter *w) {
    engine_writer *first = w->sh.n ? w->front.ew : w->part[0].ew;
    return first ? engine_writer_revision(first) : 0;
}

int64_t livewriter_last_commit(const livewriter *w) { return w->last_commit; }
