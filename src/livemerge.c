/* livemerge.c -- rewriting an index's databases as one (livewriter.h's
 * functions shared with the indexer): a compaction's merge of what the
 * stub lists (livewriter_merge_live, livewriter_rewrite), a full build's
 * bulk merge (livewriter_merge_bulk) and the finish of their copies (its
 * boilerplate re-cleaned, near-duplicates grouped, revision base set,
 * repacked when the finish left much of it free), and an index's first
 * empty database (livewriter_create_empty).  Reaches Xapian only through
 * engine.h; holds no writer open between calls, prints nothing. */
#include "livewriter.h"
#include "docstore.h"
#include "engine.h"
#include "settings.h"

#include <stdlib.h>
#include <string.h>

/* The documents made before a line of theirs was learned as boilerplate
 * made again (engine_writer_reclean_boiler), with the index's settings
 * and fields; book (freed by the caller once w is closed) holds them. */
static int reclean_boilerplate(engine_writer *w, fieldbook *book, char *err) {
    settings s;
    settings_init(&s);
    int rc = settings_load_writer(&s, w, err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, s.language, s.stopwords, 0, err);
    if (rc == LEDE_OK) rc = engine_writer_share_fields(w, book, err);
    docstore *ds = docstore_new(s.dict.data, s.dict.len);
    uint64_t redone;
    if (rc == LEDE_OK) rc = engine_writer_reclean_boiler(w, ds, &redone, err);
    docstore_free(ds);
    settings_free(&s);
    return rc;
}

/* A finish that rewrote much of its copy is repacked: the re-clean's
 * documents touch a leaf of each of their terms' postings (all of a
 * document's terms change, as their wdfs follow its length), the
 * grouping's keys add a slot to documents all over the termlist, and
 * Xapian's copy-on-write leaves each block it touched free (on BBC's
 * 2,225 articles: 6 re-cleaned and the groups freed a fifth of the
 * index).  Repacked when the copy grew by more than a REPACK_SHARE-th. */
#define REPACK_SHARE 20

/* A compact copy is grouped into near-duplicates afresh (unless the bulk
 * merge that wrote it wrote every group key: grouped), and has no
 * dead space: its change count starts again.  Its
 * Xapian revision starts low again too: its revision base makes the
 * revision it reports one more than before (from), so that clients
 * watching it never see it go down.  Two commits: the second's revision,
 * Xapian's after the first plus one, is known before it; or, when the
 * copy is to be repacked (*repack set: it grew from built bytes by more
 * than a REPACK_SHARE-th; built 0: never), the repacked copy's, 1.
 * memory: what grouping the near-duplicates may take (0: its default). */
static int finish_compacted(const char *dbpath, uint64_t from, size_t memory, uint64_t built,
                            int grouped, int *repack, char *err) {
    *repack = 0;
    engine_writer *w;
    if (engine_writer_open(dbpath, 0, 0, &w, err) != LEDE_OK) return LEDE_ERR;
    fieldbook *book = fieldbook_new();
    int rc = reclean_boilerplate(w, book, err);
    /* Near-duplicates grouped afresh: a full build's parts could not see
     * each other's articles, and live grouping never merges groups.  The
     * re-clean keeps the keys it finds, so a merge's are still whole. */
    engine_dup_stats dups;
    if (rc == LEDE_OK && !grouped) rc = engine_group_duplicates(&w, 1, memory, &dups, err);
    if (rc == LEDE_OK) rc = settings_erase_writer(SETTINGS_CHANGES | SETTINGS_REVISION_BASE, w, err);
    if (rc == LEDE_OK) rc = engine_writer_commit(w, err);
    uint64_t now = engine_writer_revision(w); /* Xapian's alone: no base */
    uint64_t grown = indexdir_path_bytes(dbpath);
    *repack = rc == LEDE_OK && built > 0 && grown > built && (grown - built) * REPACK_SHARE > grown;
    settings s = {.revision_base = *repack ? from : from >= now ? from - now : 0};
    if (rc == LEDE_OK) rc = settings_store_writer(&s, SETTINGS_REVISION_BASE, w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK && rc == LEDE_OK)
        rc = LEDE_ERR;
    fieldbook_free(book);
    return rc;
}

/* The finished copy *name (path *dst) replaced by a compact copy of it,
 * when there is room for one; else, or when the copy fails, left as it
 * is (sound, only larger, its revision a few more than meant).  The copy
 * goes under a new name: a crash leaves both to indexdir_cleanup. */
static void repack(indexdir *ix, char **name, char **dst) {
    if (indexdir_free_bytes(ix) < indexdir_path_bytes(*dst)) return;
    char *name2 = indexdir_new_name(ix, "db", 0), *dst2 = indexdir_join(ix, name2);
    char err[LEDE_ERRLEN];
    if (engine_repack(*dst, dst2, err) == LEDE_OK) {
        lede_crash_point("bulk-repacked");
        char *t = *name;
        *name = name2;
        name2 = t;
        t = *dst;
        *dst = dst2;
        dst2 = t;
    }
    indexdir_remove_db(ix, name2);
    free(name2);
    free(dst2);
}

/* Finishes the copy *name (path *dst) that the bulk merge wrote, repacked
 * if the finish left much of it free.  Only the bulk merge's: a
 * compaction's copy holds a record for readers (changes.cc) that names
 * its Xapian revision, and a repacked copy's is another. */
static int finish_bulk(indexdir *ix, char **name, char **dst, uint64_t from, size_t memory,
                       int grouped, char *err) {
    int again;
    int rc = finish_compacted(*dst, from, memory, indexdir_path_bytes(*dst), grouped, &again, err);
    if (rc == LEDE_OK && again) repack(ix, name, dst);
    return rc;
}

int livewriter_merge_live(indexdir *ix, char *err) {
    int rc = livewriter_rewrite(ix, err);
    if (rc == LEDE_OK) indexdir_cleanup(ix);
    return rc;
}

/* A compaction that cannot fit is refused before it starts: its copy
 * takes up to the size of the databases it reads (a fresh build's parts
 * shrink to about 60%, an already compact database not at all), so with
 * less than a quarter of that free it would fail for certain, after
 * filling the disk; and Xapian 1.4's compact() leaks a table (432 bytes
 * and 32 KB of buffers, seen with 1.4.22) each time it fails so. */
static int room_to_compact(indexdir *ix, char *err) {
    uint64_t size = indexdir_size(ix), room = indexdir_free_bytes(ix);
    if (room >= size / 4) return LEDE_OK;
    return lede_seterr_code(err, LEDE_EDISKFULL, "%s: disk full: %.1f MB free, too little to "
                            "compact %.1f MB of databases", ix->path, (double)room / 1e6,
                            (double)size / 1e6);
}

int livewriter_rewrite(indexdir *ix, char *err) {
    if (room_to_compact(ix, err) != LEDE_OK) return LEDE_EDISKFULL;
    /* Shards first: where a file record is in both, compaction keeps the
     * first, and a shard's is the newer. */
    const char **paths = lede_calloc((size_t)ix->nlive, sizeof(char *));
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < ix->nlive; i++)
            if ((strncmp(ix->live[i], "db.", 3) == 0) == pass)
                paths[n++] = indexdir_join(ix, ix->live[i]);
    uint64_t revision = 0;
    for (int i = 0; i < n; i++) {
        uint64_t r = engine_revision_of(paths[i]);
        if (r > revision) revision = r;
    }
    char *name = indexdir_new_name(ix, "db", 0);
    char *dst = indexdir_join(ix, name);
    int rc = engine_compact(paths, n, dst, err);
    int again; /* a compaction's copy is never repacked: see finish_bulk */
    if (rc == LEDE_OK) rc = finish_compacted(dst, revision, 0, 0, 0, &again, err);
    lede_crash_point("after-merge");
    if (rc == LEDE_OK) rc = indexdir_switch(ix, &name, 1, err);
    /* A copy that failed (a full disk) is removed now, not at the next run:
     * its space is wanted. */
    if (rc != LEDE_OK) indexdir_cleanup(ix);
    for (int i = 0; i < n; i++) free((char *)paths[i]);
    free(paths);
    free(name);
    free(dst);
    return rc;
}

int livewriter_merge_bulk(indexdir *ix, engine_writer *const *parts, int n, size_t memory,
                          engine_phase_fn fn, void *ctx, char *err) {
    const char **mains = lede_calloc((size_t)ix->nlive + 1, sizeof(char *));
    uint64_t revision = 0;
    for (int i = 0; i < ix->nlive; i++) {
        mains[i] = indexdir_join(ix, ix->live[i]);
        uint64_t r = engine_revision_of(mains[i]);
        if (r > revision) revision = r;
    }
    char *name = indexdir_new_name(ix, "db", 0);
    char *dst = indexdir_join(ix, name);
    int grouped;
    int rc = engine_bulk_merge(parts, n, mains, ix->nlive, dst, fn, ctx, &grouped, err);
    if (rc == LEDE_OK) rc = finish_bulk(ix, &name, &dst, revision, memory, grouped, err);
    lede_crash_point("after-merge");
    if (rc == LEDE_OK) rc = indexdir_switch(ix, &name, 1, err);
    indexdir_cleanup(ix); /* the old databases, or a copy that failed */
    for (int i = 0; i < ix->nlive; i++) free((char *)mains[i]);
    free(mains);
    free(name);
    free(dst);
    return rc;
}

int livewriter_create_empty(indexdir *ix, const char *language, int stopwords,
                            char *err) {
    char *name = indexdir_new_name(ix, "db", 0);
    char *path = indexdir_join(ix, name);
    settings s;
    settings_init(&s);
    settings_set_string(&s.format, ENGINE_FORMAT);
    settings_set_string(&s.language, language ? language : SETTINGS_DEFAULT_LANGUAGE);
    settings_set_string(&s.stopwords, stopwords ? engine_default_stopwords(s.language) : "");
    settings_set_string(&s.fold, ENGINE_FOLD);
    settings_set_string(&s.stop_pairs, *s.stopwords ? "1" : "");
    engine_writer *w;
    int rc = engine_writer_open(path, 1, 0, &w, err);
    if (rc == LEDE_OK) {
        rc = settings_store_writer(&s, SETTINGS_FORMAT | SETTINGS_LANGUAGE | SETTINGS_STOPWORDS |
                                   SETTINGS_FOLD | SETTINGS_STOP_PAIRS, w, err);
        if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    }
    settings_free(&s);
    if (rc == LEDE_OK) rc = indexdir_switch(ix, &name, 1, err);
    free(name);
    free(path);
    return rc;
}
