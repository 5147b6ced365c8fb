/* fields.c -- a run's metadata fields (see fields.h): one fieldbook for
 * all its writers, started from the index's schema and the --schema
 * declarations, each article's fields noted in source order, the field
 * warnings. */
#define _GNU_SOURCE
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema of the whole index (every database: a sharded index's front
 * and shards) into b->book; an index not made yet has none. */
static int merge_index_schema(build *b, char *err) {
    engine_reader *r;
    if (engine_reader_open(b->o->index, &r, NULL) != LEDE_OK) return LEDE_OK;
    schema s;
    schema_init(&s);
    sbuf text;
    sbuf_init(&text);
    int rc = engine_reader_schema(r, &s, err);
    if (rc == LEDE_OK) {
        schema_format(&s, &text);
        rc = fieldbook_merge_text(b->book, text.data ? text.data : "", text.len, b->o->index, err);
    }
    sbuf_free(&text);
    schema_free(&s);
    engine_reader_close(r);
    return rc;
}

int fields_start(build *b, char *err) {
    if (b->book) return LEDE_OK;
    b->book = fieldbook_new();
    if (merge_index_schema(b, err) != LEDE_OK) return LEDE_ERR;
    if (!b->o->schema) return LEDE_OK;
    size_t before = fieldbook_count(b->book);
    if (fieldbook_declare(b->book, b->o->schema, err) != LEDE_OK) {
        char why[LEDE_ERRLEN];
        snprintf(why, sizeof why, "%s", err);
        return lede_seterr(err, "--schema: %s", why);
    }
    b->schema_added = fieldbook_count(b->book) > before;
    return LEDE_OK;
}

int fields_share(build *b, engine_writer *w, char *err) {
    if (fields_start(b, err) != LEDE_OK) return LEDE_ERR;
    return engine_writer_share_fields(w, b->book, err);
}

int fields_note(build *b, article *a, char *err) {
    if (fields_start(b, err) != LEDE_OK) return LEDE_ERR;
    if (!a->fields) {
        a->fields = lede_calloc(1, sizeof *a->fields);
        article_fields_of(a, a->fields);
    }
    fieldbook_resolve(b->book, a->fields);
    fields_warn(b);
    return LEDE_OK;
}

/* b->book's schema committed into the database at path (freed). */
static int write_schema_to(build *b, char *path, char *err) {
    engine_writer *w;
    int rc = engine_writer_open(path, 0, 0, &w, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    rc = engine_writer_share_fields(w, b->book, err);
    if (rc == LEDE_OK) rc = engine_writer_commit(w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

int fields_write_declared(build *b, char *err) {
    if (fields_start(b, err) != LEDE_OK) return LEDE_ERR;
    if (!b->schema_added) return LEDE_OK;
    if (!b->nshards) return write_schema_to(b, indexdir_join(&b->ix, b->ix.live[0]), err);
    /* a sharded index: every database, as a build's writers would have */
    int rc = write_schema_to(b, shards_db_path(&b->sh.front), err);
    for (unsigned k = 0; rc == LEDE_OK && k < b->sh.n; k++)
        rc = write_schema_to(b, shards_db_path(&b->sh.shard[k]), err);
    return rc;
}

void fields_warn(build *b) {
    if (!b->book) return;
    sbuf lines;
    sbuf_init(&lines);
    if (fieldbook_take_warnings(b->book, &lines)) {
        char *save = NULL;
        for (char *line = strtok_r(lines.data, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save))
            WARN(b, "%s", line);
    }
    sbuf_free(&lines);
}
