/* bulk.hh -- the bulk path of a full build (issue 20): the inverter that
 * turns the flat documents make_flat_document() makes (or a
 * Xapian::Document) into the three ordered phases
 * of a glass::DatabaseWriter (glass/writer.hh), and the sinks that take
 * those phases.  Shared by bulk_runs.cc (posting runs: encoding, spill,
 * k-way merge), bulk_files.cc (varints and the buffered files), bulk_docs.cc (the document spool and phase 1), bulk.cc
 * (the Inverter) and bulk_sinks.cc (the sinks); bulk_writer.cc puts an
 * engine_writer in bulk mode on top.  Knows nothing of lede's settings.
 *
 * Memory (the budget given to the Inverter is the writer's share of what
 * engine_bulk_budget leaves of lede-index --memory: the budget less what
 * does not grow with the collection, the program and its libraries, the
 * boilerplate table, the glass writer's buffers, each writer's stemmer
 * cache and reading queue, 24 MB and 13 MB a writer, but at least half
 * of it): everything that grows with the collection is counted in it,
 * and the run in memory gets what the rest leaves:
 *   per article: one id-table entry (engine_writer's, bulk_writer.cc:
 *     64 bytes: 64-bit id hash -> docid, fingerprint, spool offset);
 *   per article replaced within the build: its current version and its
 *     latest record (about 96 bytes);
 *   per spelling word: its count (engine_writer's words, word_bytes());
 *   per run while it is filled: every posting encoded (docid, version,
 *     wdf, positions as varints: typically 3 bytes plus one a position)
 *     and each distinct term once (128 bytes plus its bytes); past
 *     what the budget leaves (at least a quarter of it, MIN_RUN_SHARE)
 *     the run is sorted and spilled to a file;
 *   per run while merging: one read buffer (what the last runs, merged
 *     from memory, leave of the budget / runs; 4 KiB to 1 MiB) and the
 *     posting at its head (its positions).
 * The last runs are released before the spelling words go to the sink,
 * which holds them (a map, then at its finish their fragments, at most
 * 32 MiB: glass/spelling.cc) once the runs are gone -- unless no run was
 * spilled and what the runs leave of the budget holds twice the words'
 * bytes (bulk_writer.cc's spelling_beside_terms): then they go before
 * the merge, and the glass writer writes them on a thread of its own
 * beside it.  So the budget is
 * exceeded only when the id table, replacements and spelling words alone
 * pass three quarters of it (then the runs still get their quarter).
 * What the writer threads free stays in their malloc arenas (glibc gives
 * back only an arena's top), and the merge allocates in another thread:
 * bulk_writer.cc gives it back (malloc_trim) when the stemmers' caches
 * are dropped before the merge and when the runs are released before the
 * spelling pass, or RSS would hold both.  After the merge the re-clean of
 * learned boilerplate (reclean.cc) holds a bit per docid, and the
 * near-duplicate grouping (duplicates.cc) keeps within the same budget.
 * Documents themselves are never held: each is spooled to a file as it
 * comes (phase 1 must wait for the replacements of repeated ids, which
 * keep their docid as Xapian's replace_document does).
 *
 * Files: runs and spool live in DIR.runs/ beside the database DIR (the
 * same file system; "part.*" names are debris to indexdir_cleanup when a
 * build dies), removed when the Inverter is destroyed. */
#ifndef LEDE_ENGINE_BULK_HH
#define LEDE_ENGINE_BULK_HH

#include <xapian.h>

#include "flat_index.hh"

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace bulk {

/* A term's first 8 bytes, big-endian, zero-padded: two terms whose
 * leading bytes differ are in the order of these; equal ones (one may be
 * the other's prefix, or padded with what is a zero byte in the other)
 * must be compared whole.  The sorts of terms (TermTable::take_sorted,
 * RunBuffer::in_order) compare these first: a memcmp on bytes scattered
 * over the run's text was their cost. */
inline uint64_t leading_bytes(std::string_view t) {
    uint64_t v = 0;
    size_t n = t.size() < 8 ? t.size() : 8;
    for (size_t i = 0; i < n; i++) v |= (uint64_t)(unsigned char)t[i] << (56 - 8 * i);
    return v;
}

typedef std::vector<std::pair<std::string, Xapian::termcount>> TermWdfs;
typedef std::vector<std::pair<Xapian::valueno, std::string>> SlotValues;

/* A document as the bulk path makes it without a Xapian::Document
 * (make_flat_document, document.cc): its terms ascending by byte, each
 * once with its wdf and its positions ascending; its values ascending by
 * slot; its data.  The positions of all its terms are one array, a
 * term's a run of it: a vector a term was a malloc and a free for each
 * distinct term of each article (3% of a Reuters build in perf). */
struct FlatTerm {
    std::string term;
    Xapian::termcount wdf = 0;
    uint32_t id = 0;  /* its number in the run buffer of the document's generation */
    uint32_t first = 0, count = 0;  /* its positions: [first, first + count) of the document's */
};
struct FlatDocument {
    std::vector<FlatTerm> terms;
    std::vector<Xapian::termpos> positions;
    const Xapian::termpos *begin(const FlatTerm &t) const { return positions.data() + t.first; }
    const Xapian::termpos *end(const FlatTerm &t) const { return begin(t) + t.count; }
    SlotValues values;
    std::string data;
    /* What the owner keeps with the data in the spool (bulk_writer.cc: the
     * body's boilerplate spans), read back by Inverter::stored_at. */
    std::string note;
    /* The RunBuffer::generation() its terms' ids are of; 0 for none
     * (the inverter then finds each term by its bytes). */
    uint32_t generation = 0;
};

/* A failed read or write of a run or spool file (bulk_files.cc): errnum
 * for its LEDE code. */
struct IoError : std::runtime_error {
    std::string path;
    int errnum;
    IoError(const std::string &path, int e, const std::string &why = std::string());
};

/* The three phases of glass::DatabaseWriter (glass/writer.hh, whose
 * contract binds every sink). */
class Sink {
  public:
    virtual ~Sink() {}
    virtual void add_document(Xapian::docid did, const std::string &data, const TermWdfs &terms,
                              const SlotValues &values) = 0;
    virtual void set_metadata(const std::string &key, const std::string &value) = 0;
    virtual void add_spelling(const std::string &word, Xapian::termcount freq) = 0;
    /* No add_spelling() after it: the sink may write its spelling words
     * now, beside what comes next. */
    virtual void end_spelling() = 0;
    virtual void begin_term(const std::string &term) = 0;
    virtual void add_posting(Xapian::docid did, Xapian::termcount wdf,
                             const Xapian::termpos *positions, size_t npositions) = 0;
    virtual void end_term() = 0;
    virtual void finish() = 0;
};

/* The sink that writes the database dir (which must not exist): glass's
 * writer, or with LEDE_BULK_SINK=replay (a test hook) the replay sink. */
std::unique_ptr<Sink> make_sink(const std::string &dir, bool no_sync);

/* ---- varints and files (bulk_files.cc) -------------------------------- */
void put_varint(std::string &out, uint64_t v);
uint64_t get_varint(const unsigned char *&p);

/* A file read through a buffer, or written through one; errors throw
 * IoError naming the path. */
class InFile {
  public:
    InFile(const std::string &path, size_t buffer);
    ~InFile();
    bool at_end();
    uint64_t varint();
    void bytes(std::string &out, size_t n);
    void append(std::string &out, size_t n); /* n bytes more at out's end */
    void seek(long offset);
    void skip(size_t n); /* n bytes on, unread */
  private:
    std::string path;
    FILE *f = nullptr;
    std::vector<char> buf;
    int byte();
};

class OutFile {
  public:
    explicit OutFile(const std::string &path);
    ~OutFile();
    void varint(uint64_t v);
    void bytes(const std::string &s);
    void bytes(const char *p, size_t n);
    long offset() const { return written; }
    void flush();
    void close();
  private:
    std::string path;
    FILE *f = nullptr;
    long written = 0;
};

/* ---- posting runs (bulk_runs.cc) --------------------------------------- */
struct Posting {
    Xapian::docid did = 0;
    uint32_t version = 0;  /* 0, then 1, 2... for each replacement of did */
    Xapian::termcount wdf = 0;
    std::vector<Xapian::termpos> positions;
};

/* The postings of one run, in memory until spilled sorted to a file; the
 * last run of a build is merged from memory, never spilled.  Also the
 * writer's dictionary of terms while the run is filled: each term has a
 * number (its id) from its first posting until the run is spilled or
 * released, so the tokeniser (tokenise.hh) finds a word's term once and
 * every table after it keys by the id (one string lookup a token, not
 * three).  An id is valid only with the generation() it was given in;
 * a spill or release starts a new one, numbered apart from every other
 * buffer's (a stale id is never taken for a live one). */
class RunBuffer {
  public:
    struct TermPostings {
        std::string bytes;  /* did, version, wdf, npos, position deltas */
        Xapian::docid last = 0;
        bool unsorted = false;
    };
    /* A term (its bytes in the buffer's text) and its postings. */
    struct Entry {
        std::string_view term;
        TermPostings postings;
    };
    /* The entries, where they were put (never moved: the spill and the
     * merge hold pointers to them, in_order()'s), in chunks of a power of two:
     * an index is a shift and a mask, where std::deque's (nine 56-byte
     * entries to a block) was a division and three loads, 1.5% of a
     * Reuters build's samples (issue 20). */
    class Entries {
      public:
        static const size_t SHIFT = 9, CHUNK = (size_t)1 << SHIFT;
        Entry &operator[](size_t k) { return chunks[k >> SHIFT][k & (CHUNK - 1)]; }
        const Entry &operator[](size_t k) const { return chunks[k >> SHIFT][k & (CHUNK - 1)]; }
        size_t size() const { return count; }
        bool empty() const { return count == 0; }
        Entry &push_back(std::string_view term) {
            if ((count & (CHUNK - 1)) == 0) chunks.push_back(std::make_unique<Entry[]>(CHUNK)); /* no leak if the list cannot grow */
            Entry &e = (*this)[count++];
            e.term = term;
            return e;
        }
        template <typename Fn>
        void each(Fn fn) const {
            for (size_t k = 0; k < count; k++) fn((*this)[k]);
        }
        void release() {
            std::vector<std::unique_ptr<Entry[]>>().swap(chunks);
            count = 0;
        }
      private:
        std::vector<std::unique_ptr<Entry[]>> chunks;
        size_t count = 0;
    };
    RunBuffer();
    /* The id of term in this generation, the term added (and counted in
     * bytes()) the first time. */
    uint32_t id_of(std::string_view term) { return id_of(term, hash_of(term)); }
    /* ids[i] = id_of(terms[i]) for each of the n terms in turn, their
     * lookups' cache misses (a slot, an entry, its bytes: most of
     * id_of's time for an article's boolean terms, 4% of a Reuters
     * build's samples) asked for a batch at a time before the lookups. */
    void ids_of(const std::string *terms, size_t n, uint32_t *ids);
    std::string_view term_of(uint32_t id) const { return terms[id].term; }
    /* Asks the cache for id's entry, then for the end of its postings
     * (the entry read: ask for it first, a few terms ahead), where add()
     * will append: Inverter::add's misses, taken ahead of the adds. */
    void prefetch_entry(uint32_t id) const { __builtin_prefetch(&terms[id], 1); }
    void prefetch_postings(uint32_t id) const {
        const std::string &b = terms[id].postings.bytes;
        __builtin_prefetch(b.data() + b.size(), 1);
    }
    uint32_t generation() const { return gen; }
    void add(uint32_t id, const Posting &p);
    /* The same of a posting given by parts, its positions a view. */
    void add(uint32_t id, Xapian::docid did, uint32_t version, Xapian::termcount wdf,
             const Xapian::termpos *positions, size_t npositions);
    void add(std::string_view term, const Posting &p) { add(id_of(term), p); }
    size_t bytes() const { return used; }
    bool empty() const { return terms.empty(); }
    void spill(const std::string &path);  /* then empty */
    void release();                       /* empty, its memory freed */
    /* The terms in ascending byte order (valid until the next add). */
    std::vector<const Entry *> in_order() const;
    /* The terms in the order they came. */
    const Entries &entries() const { return terms; }
  private:
    /* The terms where they were put, found through a FlatIndex: one
     * lookup per posting. */
    Entries terms;
    FlatIndex index;
    /* The terms' bytes, end to end in blocks of TEXT_BLOCK (or one of
     * its own for a longer term), never moved until the run is spilled or
     * released: a block a few thousand terms, where a term string of its
     * own (past 15 bytes) was one more small block in the writer thread's
     * heap between an article's short-lived ones (issue 20: 28 MB more
     * peak RSS at 200k articles once the terms were added while the
     * article was tokenised). */
    std::vector<std::unique_ptr<char[]>> text;
    char *text_at = nullptr;
    size_t text_left = 0;
    std::string_view keep(std::string_view term);
    static size_t hash_of(std::string_view term) { return std::hash<std::string_view>()(term); }
    uint32_t id_of(std::string_view term, size_t h);
    size_t used = 0;
    uint32_t gen;
};

/* Which (docid, version) is current: articles replaced within the build. */
typedef std::unordered_map<Xapian::docid, uint32_t> Versions;

/* One inverter's runs, as the merge reads them: its run files, its run
 * left in memory, its current versions, and the offset its docids take in
 * the database written (a part's place after the parts before it). */
struct RunSet {
    const std::vector<std::string> *files;
    const RunBuffer *memory;
    const Versions *current;
    Xapian::docid offset;
    /* memory's in_order(), sorted ahead (RunSorts); null: the merge sorts it. */
    const std::vector<const RunBuffer::Entry *> *order = nullptr;
};

/* The memory runs' term orders (RunBuffer::in_order), each sorted on a
 * thread of its own from construction while the caller goes on with what
 * only reads the runs (the merge's group keys, phase 1's spool replay):
 * the sorts off phase 2's serial start, where the merging thread did
 * them one after the other.  wait() joins them (rethrowing a sort's
 * failure) and points each set's order at its own; the destructor joins
 * them too (an error before the merge).  No run may change, nor the
 * sets' vector, until wait(); the orders live as long as this. */
class RunSorts {
  public:
    explicit RunSorts(const std::vector<RunSet> &sets);
    ~RunSorts();
    RunSorts(const RunSorts &) = delete;
    RunSorts &operator=(const RunSorts &) = delete;
    void wait(std::vector<RunSet> &sets);
  private:
    struct Sort;
    std::vector<std::unique_ptr<Sort>> sorts; /* one a set */
    void join();
};

/* Merges the runs of every set into phase 2 of sink, each posting's docid
 * moved up by its set's offset, dropping postings of replaced versions;
 * the run files' read buffers share what of budget the memory runs leave;
 * calls progress(terms done) now and then. */
void merge_runs(const std::vector<RunSet> &sets, size_t budget, Sink &sink,
                const std::function<void(uint64_t)> &progress);

/* fn(docid, term) for each posting of a current version of the terms
 * beginning with prefix in the sets' runs held in memory (not the
 * spilled ones), each docid moved up by its set's offset; in no order. */
void memory_postings(const std::vector<RunSet> &sets, std::string_view prefix,
                     const std::function<void(Xapian::docid, const std::string &)> &fn);

/* ---- the document spool (bulk_docs.cc) ---------------------------------- */
class DocSpool {
  public:
    explicit DocSpool(const std::string &path);
    ~DocSpool();
    /* Returns the record's offset. */
    long add(Xapian::docid did, uint32_t version, const std::string &data, const std::string &note,
             const TermWdfs &terms, const SlotValues &values);
    /* The id term (prefix "Q") of the record at offset (collision checks):
     * its terms read up to it, its values not. */
    std::string qterm_at(long offset);
    /* The data and note of the record at offset: its head alone. */
    void stored_at(long offset, std::string &data, std::string &note);
    /* Phase 1: every current version, docid ascending (a replacement takes
     * its original's place), each docid moved up by offset. */
    void replay(const Versions &current, const std::unordered_map<Xapian::docid, long> &latest,
                Xapian::docid offset, Sink &sink);
  private:
    std::string path;
    OutFile out;
    /* The reader of records already written, kept from one read to the
     * next (a replacement's take-back reads one record of a build's
     * replaced id, a collision check one of each id seen again): opened
     * at the first, its buffer reused; the spool only grows, so what its
     * buffer holds stays true. */
    std::unique_ptr<InFile> reader;
    static const size_t READ_BUFFER = 16384;
    InFile &read_at(long offset); /* out flushed, reader at offset */
};

/* ---- the inverter (bulk.cc) --------------------------------------------- */
class Inverter {
  public:
    Inverter(const std::string &dir, size_t budget);
    ~Inverter();  /* removes its runs and spool */
    /* A new document, or (replaces) a new version of did. Returns the
     * spool offset of its record. */
    long add(Xapian::docid did, const Xapian::Document &doc, bool replaces);
    /* The same of a flat document (its terms and positions are taken). */
    long add(Xapian::docid did, FlatDocument &doc, bool replaces);
    std::string qterm_at(long offset) { return spool.qterm_at(offset); }
    /* The data and note (FlatDocument's) of the document at offset. */
    void stored_at(long offset, std::string &data, std::string &note) {
        spool.stored_at(offset, data, note);
    }
    /* The owner's share of the budget (its id table and spelling words),
     * updated before each add. */
    void set_reserved(size_t bytes) { reserved = bytes; }
    /* Phase 1 into sink (its documents, docids moved up by offset); then,
     * after every inverter's documents and the caller's metadata and
     * spelling, merge_runs() of their runs() and sink.finish(). */
    void documents(Sink &sink, Xapian::docid offset);
    RunSet runs_at(Xapian::docid offset) const { return RunSet{&runs, &buffer, &current, offset}; }
    size_t runs_merged() const { return runs.size() + (buffer.empty() ? 0 : 1); }
    size_t memory_budget() const { return budget; }
    /* What the budget holds besides the runs: the owner's share and the
     * replacements'. */
    size_t held() const { return reserved + replaced_bytes; }
    /* The run buffer, the dictionary of term ids make_flat_document
     * keys its table by. */
    RunBuffer &dictionary() { return buffer; }
    /* Frees the run left in memory, once merged. */
    void release_runs() { buffer.release(); }
    /* A directory for the owner's scratch files, removed with the runs. */
    const std::string &scratch() const { return runs_dir; }
  private:
    std::string dir, runs_dir;
    size_t budget, reserved = 0;
    size_t replaced_bytes = 0;  /* current and latest's entries */
    DocSpool spool;
    RunBuffer buffer;
    std::vector<std::string> runs;
    Versions current;
    std::unordered_map<Xapian::docid, long> latest;
    void spill();
    uint32_t version_of(Xapian::docid did, bool replaces);
    long finish_add(Xapian::docid did, uint32_t version, const std::string &data,
                    const std::string &note, const TermWdfs &terms, const SlotValues &values,
                    bool replaces);
};

}  // namespace bulk

#endif
