/* fields.c -- a run's metadata fields (see fields.h): one fieldbook for
 * all its writers, the --schema declarations, the field warnings. */
#define _GNU_SOURCE
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fields_start(build *b, char *err) {
    if (b->book) return LEDE_OK;
    b->book = fieldbook_new();
    if (!b->lookup) return LEDE_OK;
    schema s;
    schema_init(&s);
    sbuf text;
    sbuf_init(&text);
    int rc = engine_reader_schema(b->lookup, &s, err);
    if (rc == LEDE_OK) {
        schema_format(&s, &text);
        rc = fieldbook_merge_text(b->book, text.data ? text.data : "", text.len, b->o->index, err);
    }
    sbuf_free(&text);
    schema_free(&s);
    return rc;
}

int fields_share(build *b, engine_writer *w, char *err) {
    if (fields_start(b, err) != LEDE_OK) return LEDE_ERR;
    return engine_writer_share_fields(w, b->book, err);
}

int fields_declare(build *b, char *err) {
    if (!b->o->schema || b->schema_declared) return 0;
    if (fields_start(b, err) != LEDE_OK) return -1;
    size_t before = fieldbook_count(b->book);
    if (fieldbook_declare(b->book, b->o->schema, err) != LEDE_OK) {
        char why[LEDE_ERRLEN];
        snprintf(why, sizeof why, "%s", err);
        lede_seterr(err, "--schema: %s", why);
        return -1;
    }
    b->schema_declared = 1;
    return fieldbook_count(b->book) > before;
}

int fields_write_declared(build *b, char *err) {
    int added = fields_declare(b, err);
    if (added <= 0 || b->nshards) return added < 0 ? LEDE_ERR : LEDE_OK;
    char *path = indexdir_join(&b->ix, b->ix.live[0]);
    engine_writer *w;
    int rc = engine_writer_open(path, 0, 0, &w, err);
    free(path);
    if (rc != LEDE_OK) return rc;
    rc = engine_writer_share_fields(w, b->book, err);
    if (rc == LEDE_OK) rc = engine_writer_commit(w, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
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
