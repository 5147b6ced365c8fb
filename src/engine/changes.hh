/* changes.hh -- the change log a writer commits with each revision
 * (changes.cc: the documents replaced in place, so that a reader can
 * bring its facet columns up to date without reading them whole), and
 * the record a compaction leaves of it.  What writer.cc, bulk_writer.cc,
 * duplicates.cc, reclean.cc and admin.cc tell it and facet_columns.cc
 * reads.  Declarations only; nothing outside the engine
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
/* A document was added or deleted, or metadata set: the next close
 * commits a revision, which must carry the log. */
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
/* After a compaction of src into dst: dst's record of it (same_ids: dst
 * keeps src's docids; else none) and its log emptied, in one commit. */
void changes_carry(const Xapian::Database &src, const std::string &dst, bool same_ids);
/* As reader_changes, where db is a compaction's copy of the database
 * uuid, which a reader saw at revision from: false when db's record and
 * logs do not tell all that moved from there to db's revision to. */
bool reader_changes_across(const Xapian::Database &db, const std::string &uuid, Xapian::rev from,
                           Xapian::rev to, std::vector<Xapian::docid> &dids);
/* key is the log's or the record's (a bulk merge leaves them out: its
 * commits are unlogged, its docids renumbered). */
bool changes_key(const std::string &key);

#endif
