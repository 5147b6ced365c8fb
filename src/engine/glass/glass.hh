/* glass/glass.hh -- private declarations shared by the glass writer's files
 * (the .cc files of src/engine/glass): the integer and string encodings Xapian's glass
 * backend reads (encode.cc), the B-tree table writer (table.cc), the
 * version file (version.cc), the chunk builders and their spill file
 * (chunks.cc), the spelling table (spelling.cc) and the table written by
 * a thread of its own (worker.cc).  Nothing here is seen
 * outside this directory; writer.hh is the door. */
#ifndef LEDE_GLASS_GLASS_HH
#define LEDE_GLASS_GLASS_HH

#include "writer.hh"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace glass {

/* ---- encodings (encode.cc) ---- */
void pack_uint(std::string &s, unsigned long long v);
void pack_uint_last(std::string &s, unsigned long long v);
void pack_uint_sortable(std::string &s, unsigned long long v);
void pack_string(std::string &s, const std::string &v);
void pack_string_sortable(std::string &s, const std::string &v, bool last);
void pack_bool(std::string &s, bool v);
void put_be16(uint8_t *p, unsigned v);
void put_be32(uint8_t *p, uint32_t v);
/* The position list tag of sorted, distinct positions (at least one). */
void encode_positions(std::string &s, const Xapian::termpos *pos, size_t n);
/* Table keys. */
std::string docid_key(Xapian::docid did);
std::string postlist_first_key(const std::string &term);
std::string postlist_chunk_key(const std::string &term, Xapian::docid first);
std::string position_key(const std::string &term, Xapian::docid did);
/* Raw deflate of tag (libdeflate's level 1..9) as Xapian's reader inflates it;
 * false when it does not make the tag smaller. */
bool deflate_tag(const std::string &tag, int level, std::string &out);
/* Throws Error("what: path: strerror(errno)"). */
[[noreturn]] void fail_errno(const std::string &what, const std::string &path);

/* ---- one B-tree table (table.cc) ---- */
enum TableId { POSTLIST, DOCDATA, TERMLIST, POSITION, SPELLING, SYNONYM, TABLES };

/* What the version file says of one table. */
struct RootInfo {
    uint32_t root = 0;
    unsigned level = 0;
    unsigned long long entries = 0;
    bool fake_root = true;
    uint32_t blocks = 0; /* the freelist's first unused block */
};

class TableWriter {
  public:
    /* compress_level: 0 never deflates tags, 1..9 deflates those it
     * shrinks at that libdeflate level (deflate_tag). */
    TableWriter(const std::string &path, unsigned block_size, int compress_level);
    ~TableWriter();
    TableWriter(const TableWriter &) = delete;
    TableWriter &operator=(const TableWriter &) = delete;
    /* Keys strictly ascending (bytewise), 1..255 bytes. */
    void add(const std::string &key, const std::string &tag);
    RootInfo finish(bool sync);
    unsigned long long bytes_written() const { return bytes; }
    const std::string &path() const { return file; }

  private:
    struct Level;
    void add_item(const std::string &key, unsigned component, bool last,
                  bool compressed, const char *data, size_t len);
    void push_branch(unsigned level, const std::string &key, unsigned component,
                     uint32_t child);
    uint32_t write_block(Level &lv);
    uint32_t append_block(Level &lv);
    void flush_output();
    std::string file;
    int fd = -1;
    unsigned block_size;
    int compress_level;
    size_t max_item;
    std::vector<Level *> levels;
    std::string last_key;
    bool any = false;
    unsigned long long entries = 0, bytes = 0;
    uint32_t next_block = 0;
    std::string out;
};

/* ---- a table written by a thread of its own (worker.cc) ---- */
/* Takes a table's keys and tags in ascending order as TableWriter does
 * and writes them on its own thread, in that order; add_positions() takes
 * a posting's positions unencoded (encode_positions() runs on the
 * thread).  The table is the worker's; finish() waits for every item
 * written, then finishes it. */
class TableWorker {
  public:
    explicit TableWorker(std::unique_ptr<TableWriter> table);
    ~TableWorker();
    TableWorker(const TableWorker &) = delete;
    TableWorker &operator=(const TableWorker &) = delete;

    void add(const std::string &key, const std::string &tag);
    void add_positions(const std::string &key, const Xapian::termpos *positions, size_t n);
    RootInfo finish(bool sync);
    /* Once finished (its thread no longer writes the count). */
    unsigned long long bytes_written() const { return table->bytes_written(); }

  private:
    void hand_over();
    void write(const std::string &batch);
    void run();
    std::unique_ptr<TableWriter> table;
    std::string filling; /* the writer's thread's alone */
    std::string key, tag; /* the worker thread's alone */
    std::vector<Xapian::termpos> positions;
    std::mutex mu; /* guards what follows */
    std::condition_variable changed;
    std::deque<std::string> queue;
    std::vector<std::string> spare;
    std::exception_ptr failure;
    bool idle = false, stopping = false;
    std::thread thread; /* last: started once the rest is made */
};

/* ---- the version file (version.cc) ---- */
struct Stats {
    unsigned long long doccount = 0, last_docid = 0, doclen_lbound = 0,
        wdf_ubound = 0, doclen_ubound = 0, total_doclen = 0,
        spelling_wordfreq_ubound = 0;
};
void write_version_file(const std::string &dir, const RootInfo roots[TABLES],
                        unsigned block_size, const Stats &stats, bool sync);

/* ---- chunked lists (chunks.cc) ---- */
class SpillFile;

/* A postlist being built in docid order, its chunks kept encoded: the
 * first PARK_AFTER bytes of them in memory, the rest parked in the spill
 * file as each closes. */
class PostingChunks {
  public:
    explicit PostingChunks(SpillFile &spill) : spill(spill) {}
    void add(Xapian::docid did, Xapian::termcount wdf);
    bool empty() const { return chunks.empty() && !started; }
    /* Writes the list under term's keys with its first chunk's termfreq
     * and collfreq, then clears it. */
    void write(TableWriter &table, const std::string &term, Xapian::doccount termfreq,
               unsigned long long collfreq);
    size_t encoded_size() const { return held; }

  private:
    struct Chunk {
        Xapian::docid first = 0, last = 0;
        std::string body;        /* empty once parked */
        unsigned long long at = 0;  /* where parked (len 0: not parked) */
        size_t len = 0;
    };
    void close_chunk();
    SpillFile &spill;
    std::vector<Chunk> chunks;
    Chunk cur;
    bool started = false;
    size_t held = 0;  /* bytes of body in memory */
};

/* Chunks parked in an unlinked temporary file until the postlist table
 * reaches their keys. */
class SpillFile {
  public:
    explicit SpillFile(const std::string &dir);
    ~SpillFile();
    struct Ref { unsigned long long offset; size_t len; };
    Ref put(const std::string &bytes);
    std::string get(const Ref &ref) const;

  private:
    int fd = -1;
    std::string path;
    unsigned long long end = 0;
};

/* The value slots' chunks and statistics, and the doclen list's chunks,
 * all spilled as they fill. */
class ValueStreams {
  public:
    explicit ValueStreams(SpillFile &spill) : spill(spill) {}
    void add(Xapian::docid did, Xapian::valueno slot, const std::string &value);
    /* Writes the value statistics and chunks, ascending by key. */
    void write(TableWriter &postlist);

  private:
    struct Slot {
        unsigned long long freq = 0;
        std::string lower, upper, cur;
        Xapian::docid cur_first = 0, prev = 0;
        std::vector<std::pair<Xapian::docid, SpillFile::Ref>> chunks;
    };
    void close_chunk(Slot &s);
    SpillFile &spill;
    std::map<Xapian::valueno, Slot> slots;
};

class DoclenStream {
  public:
    explicit DoclenStream(SpillFile &spill) : spill(spill) {}
    void add(Xapian::docid did, Xapian::termcount length);
    void write(TableWriter &postlist);

  private:
    void close_chunk();
    SpillFile &spill;
    struct Parked { Xapian::docid first, last; SpillFile::Ref ref; };
    std::vector<Parked> chunks;
    std::string cur;
    Xapian::docid first = 0, prev = 0;
};

/* ---- spelling (spelling.cc) ---- */
/* Writes the word frequencies ("W" keys) and the fragment keys ("B", "H",
 * "M", "T") of words; returns the largest frequency. */
Xapian::termcount write_spelling(TableWriter &table,
                                 const std::map<std::string, Xapian::termcount> &words);

}  // namespace glass

#endif
