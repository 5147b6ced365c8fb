/* bulk_writer.hh -- what writer.cc asks of a bulk writer (engine.h's
 * engine_writer_open_bulk): its side of writer.cc's entry points, in
 * bulk_writer.cc; and what bulk_writer.cc asks of admin.cc.  Declarations
 * only; nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_BULK_WRITER_HH
#define LEDE_ENGINE_BULK_WRITER_HH

#include "internal.hh"
#include "bulk.hh"

#include <memory>
#include <string>

/* bulk_writer.cc: a bulk writer's side of writer.cc's entry points. */
int bulk_writer_put(engine_writer *w, const article *a, const char *filekey, uint64_t fp,
                    const void *data, size_t len, int *outcome, char *err);
/* document.cc: make_document's document as the bulk inverter takes it,
 * its text read by tk, a tokeniser of w's settings (make_tokeniser, once
 * w is configured; it keeps its cache of words from one document to the
 * next, and counts w's spelling words in it until its flush_spelling()),
 * its terms numbered by dict (the inverter's run buffer, whose next add
 * takes them by id; nullptr: ids of the document's own), its tier terms'
 * thresholds kept by id in verdicts (tiers.hh; nullptr: none kept). */
namespace tok { class Tokeniser; }
class TierVerdicts;
std::unique_ptr<tok::Tokeniser> make_tokeniser(engine_writer *w);
bulk::FlatDocument make_flat_document(engine_writer *w, tok::Tokeniser &tk, bulk::RunBuffer *dict,
                                      TierVerdicts *verdicts, const article *a, const std::string &qterm,
                                      const char *filekey, uint64_t fp, const void *data, size_t len);
/* index_text's terms of a's text (make_flat_document's first step, no
 * spelling words counted), read by tk into table: engine_writer_measure's
 * sample, whose TermGenerator was 1.7% of a Reuters build, serial before
 * the writer threads start (issue 20). */
namespace tok { class TermTable; }
void index_flat_text(engine_writer *w, tok::Tokeniser &tk, const article *a, tok::TermTable &table);
int bulk_writer_close(engine_writer *w, char *err);  /* writes the database, frees w */
uint64_t bulk_writer_doccount(engine_writer *w);
/* Whether w took a put (its tokeniser and tier verdicts made: after
 * that, engine_writer_configure is refused). */
bool bulk_writer_put_any(const engine_writer *w);
/* The spelling words its tokeniser holds, counted in w->words. */
void bulk_writer_flush_spelling(engine_writer *w);
void bulk_writer_free(engine_writer *w);

/* admin.cc: the value a compaction keeps of a metadata key that n of its
 * databases hold (values in their order): the first's, but for the
 * schema and the boilerplate table, merged. */
std::string compact_metadata(const std::string &key, size_t n, const std::string values[]);

#endif
