/* boilerplate.hh -- the engine's side of learned boilerplate (src/boiler.h
 * owns the table): what document.cc, writer.cc, results.cc and reclean.cc
 * ask of boilerplate.cc, and reclean.cc of document.cc.  Declarations
 * only; nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_BOILERPLATE_HH
#define LEDE_ENGINE_BOILERPLATE_HH

#include "internal.hh"

#include <string>

/* boilerplate.cc: the body and author a's terms are made of (without its
 * boilerplate lines; its own author, else its trailing bio's subject), as
 * folded; unchanged when w shares no table. */
std::string boiler_indexed_body(engine_writer *w, const article *a);
std::string boiler_indexed_author(engine_writer *w, const article *a);
/* The source a counts under (boiler_source_of). */
std::string source_of(const article *a);
/* Writes w's table into the database's "lede.boilerplate". */
void writer_boiler_store(engine_writer *w);
/* a's body without its boilerplate lines, as r's index knows them (for
 * its snippet); unchanged when it has none. */
void reader_clean_body(engine_reader *r, article &a);
/* document.cc: the spelling words of text (as folded) counted into
 * w->words; reclean.cc takes back those of lines a compaction leaves
 * out of articles made before. */
void collect_words(engine_writer *w, const char *text);

#endif
