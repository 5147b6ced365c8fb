/* test_facet_columns.c -- a reader's facet columns (src/engine/
 * facet_columns.cc) following a writer's commits through its change log
 * (src/engine/changes.cc): after each commit the reader's topics counts
 * equal those worked out here, and engine_reader_facet_memory says
 * whether it read the column whole or only what changed -- added,
 * replaced, deleted articles in part; a reader two commits behind in
 * part; more replacements than the log keeps whole; and a reader whose
 * facet_memory is too small holds nothing and counts the same.
 * Compactions (engine_compact of one database, the stub switched as
 * livewriter.c does): followed in part, with a replace, a delete and an
 * add before it the reader had not seen and writes to the copy after it;
 * the last article deleted before one, its docid not used again. */
#define _GNU_SOURCE
#include "unit.h"
#include "unit_index.h"

#include <stdlib.h>
#include <sys/stat.h>

#define ARTICLES 4300 /* more replaced at once than the log keeps (4,096) */
#define TOPICS 7

static int topic_of[ARTICLES + 1]; /* -1: deleted; TOPICS: "fresh" */

static int put_topic(engine_writer *w, int i, int topic, char *err) {
    char id[32], meta[64];
    snprintf(id, sizeof id, "a%d", i);
    if (topic == TOPICS) snprintf(meta, sizeof meta, "{\"topics\":[\"fresh\"]}");
    else snprintf(meta, sizeof meta, "{\"topics\":[\"t%d\"]}", topic);
    article a;
    article_init(&a);
    a.id = lede_strdup(id);
    a.title = lede_strdup("Harbour note");
    char body[96]; /* words of its own: no two articles near-duplicates */
    snprintf(body, sizeof body, "The harbour w%dx, w%dy; %s", i, i * 7, topic == TOPICS ? "again" : "once");
    a.body = lede_strdup(body);
    a.meta = lede_strdup(meta);
    topic_of[i] = topic;
    return unit_put_article(w, &a, NULL, err);
}

/* The reader's topics counts against topic_of; its column figures in m. */
static int counts_right(engine_reader *r, engine_facet_memory *m, const char *when) {
    char err[LEDE_ERRLEN];
    int changed;
    if (engine_reader_refresh(r, &changed, err) != LEDE_OK) return 0;
    search_opts o = {.query = "harbour", .limit = 0, .exact = 1, .facets = "topics:20"};
    search_results res;
    if (engine_search(r, &o, &res, err) != LEDE_OK) {
        printf("# %s\n", err);
        return 0;
    }
    uint64_t want[TOPICS + 1] = {0}, got[TOPICS + 1] = {0};
    for (int i = 1; i <= ARTICLES; i++)
        if (topic_of[i] >= 0) want[topic_of[i]]++;
    int ok = res.nfacets == 1;
    for (unsigned k = 0; ok && k < res.facets[0].nvalues; k++) {
        const search_facet_value *v = &res.facets[0].values[k];
        int t = !strcmp(v->value, "fresh") ? TOPICS : v->value[0] == 't' ? atoi(v->value + 1) : -1;
        if (t < 0 || t > TOPICS) ok = 0;
        else got[t] = v->count;
    }
    for (int t = 0; ok && t <= TOPICS; t++) ok = got[t] == want[t];
    search_results_free(&res);
    engine_reader_facet_memory(r, m);
    CHECK(ok, "%s: the topics counts are right", when);
    return ok;
}

static int commit(engine_writer *w) {
    char err[LEDE_ERRLEN];
    int rc = engine_writer_commit(w, err);
    CHECK(rc == LEDE_OK, "commit (%s)", rc == LEDE_OK ? "" : err);
    return rc == LEDE_OK;
}

static void follow_commits(const char *dir, engine_writer *w) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    CHECK(engine_reader_open(dir, &r, err) == LEDE_OK, "reader opens");
    engine_facet_memory m;
    counts_right(r, &m, "first search");
    CHECK(m.full_reads == 1 && m.updates == 0 && m.slots == 1 && m.bytes >= 2 * ARTICLES,
          "the topics column read whole once, 2 bytes an article (%llu bytes)", (unsigned long long)m.bytes);
    put_topic(w, 3, TOPICS, err);
    put_topic(w, 10, 2, err); /* t3 becomes t2 */
    if (commit(w)) counts_right(r, &m, "after two replaces");
    CHECK(m.full_reads == 1 && m.updates == 1, "two replaces followed in part");
    int found = 0;
    engine_writer_delete_id(w, "a4", &found, err);
    topic_of[4] = -1;
    if (commit(w)) counts_right(r, &m, "after a delete");
    CHECK(found && m.full_reads == 1 && m.updates == 2, "a delete followed in part");
    put_topic(w, 5, TOPICS, err); /* two commits the reader does not see one by one */
    if (commit(w)) put_topic(w, 6, TOPICS, err);
    if (commit(w)) counts_right(r, &m, "two commits behind");
    CHECK(m.full_reads == 1 && m.updates == 3, "two commits at once followed in part");
    for (int i = 1; i <= ARTICLES; i++)
        if (topic_of[i] >= 0 && topic_of[i] != TOPICS) put_topic(w, i, (topic_of[i] + 1) % TOPICS, err);
    if (commit(w)) counts_right(r, &m, "after more replaces than the log keeps");
    CHECK(m.full_reads == 2, "more replaced than the log keeps: read whole again");
    engine_reader_close(r);

    engine_reader_opts tight = {.facet_memory = 1};
    CHECK(engine_reader_open_with(dir, &tight, &r, err) == LEDE_OK, "a reader with 1 byte for columns");
    counts_right(r, &m, "past facet_memory");
    CHECK(m.bytes == 0 && m.slots == 0 && m.refused == 1 && m.full_reads == 0,
          "past facet_memory: nothing held, the slot refused");
    engine_reader_close(r);
}

/* A writer on db for put_topic (created if need be), grouping nothing. */
static engine_writer *topics_writer(const char *db) {
    engine_writer *w = unit_writer_open(db, 0, 0);
    if (w) engine_writer_group_live(w, 0);
    return w;
}

/* ix's stub made to list db alone, replaced whole (indexdir.h). */
static int switch_stub(const char *ix, const char *db) {
    char tmp[400], path[400];
    snprintf(tmp, sizeof tmp, "%s/XAPIANDB.tmp", ix);
    snprintf(path, sizeof path, "%s/XAPIANDB", ix);
    FILE *f = fopen(tmp, "w");
    int ok = f && fprintf(f, "auto %s\n", db) > 0;
    if (f && fclose(f) != 0) ok = 0;
    ok = ok && rename(tmp, path) == 0;
    CHECK(ok, "stub lists %s", db);
    return ok;
}

/* ix/from compacted into ix/to, the stub switched to it. */
static int compact(const char *ix, const char *from, const char *to) {
    char err[LEDE_ERRLEN], src[400], dst[400];
    snprintf(src, sizeof src, "%s/%s", ix, from);
    snprintf(dst, sizeof dst, "%s/%s", ix, to);
    const char *srcs[] = {src};
    int rc = engine_compact(srcs, 1, dst, err);
    CHECK(rc == LEDE_OK, "%s compacted into %s (%s)", from, to, rc == LEDE_OK ? "" : err);
    return rc == LEDE_OK;
}

#define SMALL 200

static void follow_compactions(const char *ix) {
    char err[LEDE_ERRLEN], db[400];
    for (int i = 0; i <= ARTICLES; i++) topic_of[i] = -1;
    snprintf(db, sizeof db, "%s/db.1", ix);
    engine_writer *w = topics_writer(db);
    for (int i = 1; w && i <= SMALL; i++) put_topic(w, i, i % TOPICS, err);
    if (!w || !commit(w) || !switch_stub(ix, "db.1")) return;
    engine_reader *r;
    CHECK(engine_reader_open(ix, &r, err) == LEDE_OK, "reader on the index opens");
    engine_facet_memory m;
    counts_right(r, &m, "before a compaction");
    CHECK(m.full_reads == 1 && m.updates == 0, "read whole once");
    /* Unseen by the reader: a replace, the last article deleted, an add. */
    put_topic(w, 7, TOPICS, err);
    int found = 0;
    engine_writer_delete_id(w, "a200", &found, err);
    topic_of[SMALL] = -1;
    put_topic(w, SMALL + 1, 3, err);
    commit(w);
    CHECK(found && engine_writer_close(w, err) == LEDE_OK, "deleted; writer closes");
    if (!compact(ix, "db.1", "db.2")) return;
    snprintf(db, sizeof db, "%s/db.2", ix); /* the copy's writer, as finish_compacted */
    w = topics_writer(db);
    if (w) put_topic(w, 9, TOPICS, err);
    if (w) put_topic(w, SMALL + 2, 5, err);
    if (!w || !commit(w) || !switch_stub(ix, "db.2")) return;
    counts_right(r, &m, "after a compaction");
    CHECK(m.full_reads == 1 && m.updates == 1, "a compaction followed in part");
    /* The last article deleted just before a compaction: the next added
     * must not take its docid (the reader would keep its code). */
    engine_writer_delete_id(w, "a202", &found, err);
    topic_of[SMALL + 2] = -1;
    commit(w);
    CHECK(engine_writer_close(w, err) == LEDE_OK, "writer closes");
    if (!compact(ix, "db.2", "db.3") || !switch_stub(ix, "db.3")) return;
    counts_right(r, &m, "right after another compaction");
    CHECK(m.full_reads == 1 && m.updates == 2, "a compaction with no commit after it followed");
    snprintf(db, sizeof db, "%s/db.3", ix);
    w = topics_writer(db);
    if (w) put_topic(w, SMALL + 3, 6, err);
    if (w && commit(w)) counts_right(r, &m, "an article added after the compaction");
    CHECK(m.full_reads == 1 && m.updates == 3, "an add after it followed in part");
    CHECK(w && engine_writer_close(w, err) == LEDE_OK, "writer closes");
    engine_reader_close(r);
}

int main(void) {
    char err[LEDE_ERRLEN];
    char tmpl[] = "/tmp/lede-facet-columns-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    char dir[300];
    snprintf(dir, sizeof dir, "%s/db", root);
    engine_writer *w = topics_writer(dir); /* no grouping: not what is tested here */
    int rc = w ? LEDE_OK : LEDE_ERR;
    for (int i = 1; rc == LEDE_OK && i <= ARTICLES; i++) rc = put_topic(w, i, i % TOPICS, err);
    if (rc == LEDE_OK) rc = engine_writer_commit(w, err);
    CHECK(rc == LEDE_OK, "%d articles indexed (%s)", ARTICLES, rc == LEDE_OK ? "" : err);
    if (rc == LEDE_OK) follow_commits(dir, w);
    CHECK(engine_writer_close(w, err) == LEDE_OK, "writer closes");
    snprintf(dir, sizeof dir, "%s/ix", root);
    CHECK(mkdir(dir, 0755) == 0, "index directory");
    follow_compactions(dir);
    unit_scratch_remove(root);
    return unit_exit();
}
