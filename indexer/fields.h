/* fields.h -- a run's metadata fields (issue 17; src/schema.h): the one
 * schema every writer of the run shares (src/fieldbook.h), started from
 * the index's own, the --schema declarations added to it, and the
 * warnings about fields (once a run for each key) said on stderr.  Must
 * not read sources or route articles. */
#ifndef LEDE_INDEXER_FIELDS_H
#define LEDE_INDEXER_FIELDS_H

#include "run.h"

/* Makes b->book (once a run): the schema of the whole index as it is
 * (none when it is not made yet), then the --schema declarations (their
 * new fields set b->schema_added: the writers must commit them);
 * LEDE_ERR naming a declared field whose kind the index has otherwise. */
int fields_start(build *b, char *err);
/* Makes writer w keep its fields in b->book (fields_start first). */
int fields_share(build *b, engine_writer *w, char *err);
/* Notes a's fields in b->book, on the thread that reads the sources, so
 * that fields are numbered and their kinds inferred in source order
 * whatever writer thread stores the article first.  Keeps them parsed in
 * a->fields for that writer (the engine's add_fields resolves them again
 * instead of parsing the meta JSON and counting the words a second time). */
int fields_note(build *b, article *a, char *err);
/* The declarations of a run that wrote no article: into the index's
 * live database, or a sharded index's front and every shard (b->sh,
 * created), committed. */
int fields_write_declared(build *b, char *err);
/* Says the field warnings given since the last call. */
void fields_warn(build *b);

#endif
