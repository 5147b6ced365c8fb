/* changes.hh -- the change log a writer commits with each revision
 * (changes.cc: the documents replaced in place, so that a reader can
 * bring its facet columns up to date without reading them whole).  What
 * writer.cc, bulk_writer.cc, duplicates.cc and reclean.cc tell it and
 * facet_columns.cc reads.  Declarations only; nothing outside the engine
 * includes it. */
#ifndef LEDE_ENGINE_CHANGES_HH
#define LEDE_ENGINE_CHANGES_HH

#include "internal.hh"

#include <string>
#include <vector>

/* Notes the revision w opened, where its log goes on from. */
void writer_changes_open(engine_writer *w);
/* did was replaced in place (its values may have changed). */
void writer_note_replaced(engine_writer *w, Xapian::docid did);
/* A document was added or deleted. */
void writer_note_changed(engine_writer *w);
/* Before w's commit: the log with this commit's line, to commit with it;
 * unless always, only when a document changed (a close that commits
 * nothing else keeps the revision as it was). */
void writer_changes_store(engine_writer *w, bool always);
/* After w's commit succeeded. */
void writer_changes_committed(engine_writer *w);
/* Into dids, every document of db replaced in place in revisions
 * (from, to], to being db's own revision: false when db's log does not
 * tell (then everything may have moved). */
bool reader_changes(const Xapian::Database &db, Xapian::rev from, Xapian::rev to,
                    std::vector<Xapian::docid> &dids);
/* key is the log's (a bulk merge leaves it out: its commits are unlogged). */
bool changes_key(const std::string &key);

#endif
