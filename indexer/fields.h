/* fields.h -- a run's metadata fields (issue 17; src/schema.h): the one
 * schema every writer of the run shares (src/fieldbook.h), started from
 * the index's own, the --schema declarations added to it, and the
 * warnings about fields (once a run for each key) said on stderr.  Must
 * not read sources or route articles. */
#ifndef LEDE_INDEXER_FIELDS_H
#define LEDE_INDEXER_FIELDS_H

#include "run.h"

/* Makes b->book (once a run) from the schema of what b->lookup reads,
 * when it is open. */
int fields_start(build *b, char *err);
/* Makes writer w keep its fields in b->book (fields_start first). */
int fields_share(build *b, engine_writer *w, char *err);
/* Adds the --schema declarations to b->book once all the index's
 * databases are merged into it: 1 when that added fields (the writers
 * must commit), 0 when not, LEDE_ERR (as -1) on a conflicting kind. */
int fields_declare(build *b, char *err);
/* The declarations of a run that wrote no article: into the index's
 * live database, committed. */
int fields_write_declared(build *b, char *err);
/* Says the field warnings given since the last call. */
void fields_warn(build *b);

#endif
