/* glass/writer.hh -- the bulk writer's door: writes one new Xapian 1.4 glass
 * database (as Debian's libxapian30 reads it) in a single ordered pass, with
 * no Xapian WritableDatabase.  Owns the glass on-disk format (the B-tree
 * tables, their keys and tags, the version file); knows nothing of lede's
 * articles, settings or terms, and touches no existing database.
 *
 * Contract between the glass writer (this directory) and the bulk inverter
 * that feeds it (src/engine/bulk*): the calls come in three phases, and
 * every order stated below is the caller's duty -- the writer checks it and
 * throws glass::Error on a breach instead of writing a bad table.
 *
 *   1. documents, docid strictly ascending (gaps allowed):
 *        add_document(did, data, terms, values)
 *      set_metadata() any time before the first begin_term();
 *      add_spelling() any time before finish() or end_spelling().
 *   2. terms, strictly ascending by their bytes (std::string's operator<):
 *        begin_term(term); add_posting(did, wdf, positions...)...; end_term();
 *      within one term docids strictly ascending; every (term, did) posted
 *      here must be in that document's phase-1 terms with the same wdf, and
 *      every term of phase 1 must be posted (the writer counts both).
 *   3. finish(): writes the version file last, so a reader sees either no
 *      database or the whole one; fsyncs every file unless Options::no_sync.
 *
 * A writer destroyed before finish() removes every file it wrote.  The
 * format is specified in the header comments of this directory's .cc files
 * (written from Xapian's documentation and source; no code copied). */
#ifndef LEDE_GLASS_WRITER_HH
#define LEDE_GLASS_WRITER_HH

#include <xapian.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace glass {

/* Every failure: bad order, I/O error (with the path and strerror). */
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    unsigned block_size = 8192; /* 2048..65536, a power of two */
    bool no_sync = false;       /* skip fsync: a part nobody reads yet */
};

/* A document's terms, ascending by term, each with its wdf (0 allowed: a
 * boolean term).  Its length is the sum of the wdfs, as Xapian's. */
typedef std::vector<std::pair<std::string, Xapian::termcount>> TermWdfs;
/* A document's values, ascending by slot, none empty. */
typedef std::vector<std::pair<Xapian::valueno, std::string>> SlotValues;

class DatabaseWriter {
  public:
    /* Creates dir (which must not exist) and the tables in it. */
    DatabaseWriter(const std::string &dir, const Options &options);
    ~DatabaseWriter();
    DatabaseWriter(const DatabaseWriter &) = delete;
    DatabaseWriter &operator=(const DatabaseWriter &) = delete;

    void add_document(Xapian::docid did, const std::string &data,
                      const TermWdfs &terms, const SlotValues &values);
    void set_metadata(const std::string &key, const std::string &value);
    /* Adds freq to word's spelling frequency (words in any order). */
    void add_spelling(const std::string &word, Xapian::termcount freq);
    /* Optional: no add_spelling() after it.  The spelling table is
     * written from the words given so far on a thread of its own (and
     * fsynced there) while the caller goes on with phase 1 or 2; finish()
     * waits for it.  Without it finish() writes the table itself. */
    void end_spelling();

    void begin_term(const std::string &term);
    void add_posting(Xapian::docid did, Xapian::termcount wdf,
                     const Xapian::termpos *positions, size_t npositions);
    void end_term();

    void finish();

    /* Bytes written so far, all tables (for progress and write
     * amplification figures). */
    unsigned long long bytes_written() const;

  private:
    struct State;
    std::unique_ptr<State> s;
};

}  // namespace glass

#endif
