/* fieldbook.h -- the one schema (schema.h) a process writing an index
 * keeps, shared under a lock by all its writers (a full build's parts,
 * a sharded index's front and shards, leded's live writer, --watch), so
 * that a field has the same number in every database it writes; and the
 * resolution of an article's fields against it: their field numbers (a
 * new name appended), the values that fit their field's kind, and the
 * warnings, each said once a run.  Touches no index: the engine's writer
 * reads and writes "lede.schema" (src/engine/fields.cc). */
#ifndef LEDE_FIELDBOOK_H
#define LEDE_FIELDBOOK_H

#include <stdint.h>
#include "article.h"
#include "schema.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* New fields one article may add: only its first this many keys (in its
 * JSON's order) may add one.  A record with hundreds of keys of its own
 * (a map of ids, say) would take the schema's SCHEMA_MAX_FIELDS in a few
 * articles; its later keys stay in the stored article only unless they
 * are fields already. */
#define FIELDBOOK_NEW_PER_ARTICLE 32

typedef struct fieldbook fieldbook;

fieldbook *fieldbook_new(void);
void fieldbook_free(fieldbook *b);

/* Merges a database's "lede.schema" text (what names it, for the
 * message) into the book: LEDE_ERR when they disagree on a field. */
int fieldbook_merge_text(fieldbook *b, const char *text, size_t len, const char *what,
                         char *err);
/* --schema declarations (schema_declare): LEDE_ERR naming a field whose
 * kind the index already has otherwise. */
int fieldbook_declare(fieldbook *b, const char *decl, char *err);
/* A copy of the schema; and its "lede.schema" text. */
void fieldbook_schema(fieldbook *b, schema *out);
void fieldbook_format(fieldbook *b, sbuf *out);
/* How many fields the book has (only ever grows). */
size_t fieldbook_count(fieldbook *b);

/* Sets each field of f's index (its number, the field added when new)
 * and kind (the schema's); a field that is none (a problem), or whose
 * values do not fit its kind, keeps index -1 and gets a warning, once a
 * run for each key; so does a new key after the article's first
 * FIELDBOOK_NEW_PER_ARTICLE, or past a full schema (SCHEMA_MAX_FIELDS),
 * each of these two warned about once a run whatever the key.  A keyword field takes every value (a number as its
 * text); a number field one JSON number; a date field one ISO 8601 date
 * string or a number of Unix seconds. */
void fieldbook_resolve(fieldbook *b, article_fields *f);
/* Appends the warnings given since the last call, one a line, to out;
 * returns how many. */
unsigned fieldbook_take_warnings(fieldbook *b, sbuf *out);

#ifdef __cplusplus
}
#endif

#endif
