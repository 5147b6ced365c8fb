/* glass/writer.cc -- DatabaseWriter (writer.hh): takes the three phases of
 * calls, checks their order, and routes each fact to its table: documents
 * to docdata and termlist at once, their lengths and values to the spill
 * file, metadata and spelling to memory, each term's postings to its
 * postlist chunks and positions to the position table; then the version
 * file.  The docdata and termlist tables (phase 1) and the position
 * table (phase 2) are written by TableWorkers (worker.cc), each on a
 * thread of its own, in the order given: the same bytes, two cores; the
 * spelling table, once the caller says its words are all given
 * (end_spelling), on a thread of its own too, beside phase 2.  Owns the
 * database directory's life (created here, removed if unfinished); the
 * tables' layouts are the other files' of this directory.
 *
 * Files of a database: postlist.glass, docdata.glass, termlist.glass,
 * position.glass, spelling.glass, synonym.glass (empty, a fake root), and
 * iamglass (version.cc).  docdata key uint_sortable(docid), tag the data
 * as given (documents with empty data have no entry); never deflated here:
 * lede's document data is zlib already.  termlist key uint_sortable(docid)
 * for every document, tag empty when it has no terms, else: uint length
 * (sum of wdfs), uint number of terms, the first term as (byte length, its
 * bytes, uint wdf), then each next term as either (one byte (wdf + 1) *
 * (previous term's length + 1) + shared prefix length, when that is below
 * 256 and wdf < 127; one byte suffix length; the suffix) or (one byte
 * shared prefix length, one byte suffix length, the suffix, uint wdf);
 * deflated (libdeflate, level 1) when that shrinks it.  Beside it, key
 * uint_sortable(docid) 0x00 for a document with values: uint first slot,
 * then uint (slot gap - 1) for each next slot.  position table: key
 * position_key(term, docid) (encode.cc), tag the encoded positions.
 *
 * Memory bound: a term's encoded postlist up to 256 KiB, the rest parked
 * in the spill file (chunks.cc), one open chunk per
 * value slot, 24 bytes per spilled chunk, a bit per docid up to the last
 * (the check that postings name added documents), metadata and the
 * spelling words (spelling.cc), and each worker's queue (512 KiB:
 * worker.cc).  Doclens and values are spilled. */
#include "glass.hh"

#include <algorithm>
#include <cerrno>

#include <sys/stat.h>
#include <unistd.h>

namespace glass {

namespace {
const char *const TABLE_NAMES[TABLES] = {"postlist", "docdata", "termlist",
                                         "position", "spelling", "synonym"};
const int TABLE_COMPRESSION[TABLES] = {0, 0, 1, 0, 6, 0};
const size_t MAX_TERM = 245;
enum Phase { DOCUMENTS, TERMS, IN_TERM, FINISHED, BROKEN };
}  // namespace

struct DatabaseWriter::State {
    State(const std::string &dir, const Options &options)
        : dir(dir), options(options), spill(dir), values(spill), doclens(spill), chunks(spill) {}
    std::string dir;
    Options options;
    std::unique_ptr<TableWriter> tables[TABLES]; /* null: a worker's, or finished */
    /* The tables written on threads of their own (worker.cc): docdata and
     * termlist in phase 1, position in phase 2. */
    std::unique_ptr<TableWorker> workers[TABLES];
    RootInfo roots[TABLES];
    unsigned long long finished_bytes = 0;
    SpillFile spill;
    ValueStreams values;
    DoclenStream doclens;
    Stats stats;
    Phase phase = DOCUMENTS;
    std::vector<bool> present;
    std::map<std::string, std::string> metadata;
    std::map<std::string, Xapian::termcount> spelling;
    /* end_spelling's thread: it alone touches the spelling map, its table
     * (moved out of tables[]) and what follows until joined. */
    bool spelling_ended = false;
    std::unique_ptr<TableWriter> spelling_table;
    Xapian::termcount spelling_ubound = 0;
    std::exception_ptr spelling_failure;
    std::thread spelling_thread;
    std::string term;
    PostingChunks chunks;
    Xapian::doccount termfreq = 0;
    unsigned long long collfreq = 0;
    Xapian::docid term_last = 0;
    unsigned long long doc_postings = 0, doc_wdfs = 0, term_postings = 0, term_wdfs = 0;

    /* The checks run for every term and posting: a constant message costs
     * nothing until it is thrown; a message built from figures is built
     * only then (fail, behind the caller's own test). */
    void expect(bool ok, const char *message) {
        if (!ok) fail(message);
    }
    [[noreturn]] void fail(const std::string &message) { throw Error("glass: " + message); }
    void start_terms();
    void start_worker(TableId t) { workers[t].reset(new TableWorker(std::move(tables[t]))); }
    void finish_worker(TableId t) {
        roots[t] = workers[t]->finish(!options.no_sync);
        finished_bytes += workers[t]->bytes_written();
        workers[t].reset();
    }
    void stop_workers() {
        for (auto &wk : workers) wk.reset();
        if (spelling_thread.joinable()) spelling_thread.join();
    }
    void write_spelling_table();
    void join_spelling();
};

namespace {

void check_dir_absent(const std::string &dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0) throw Error("glass: " + dir + " already exists");
    if (::mkdir(dir.c_str(), 0777) != 0) fail_errno("cannot create directory", dir);
}

std::string termlist_tag(const TermWdfs &terms, unsigned long long length) {
    std::string tag;
    if (terms.empty()) return tag;
    pack_uint(tag, length);
    pack_uint(tag, terms.size());
    const std::string *prev = nullptr;
    for (auto &t : terms) {
        const std::string &term = t.first;
        Xapian::termcount wdf = t.second;
        if (!prev) {
            tag += char(term.size());
            tag += term;
            pack_uint(tag, wdf);
            prev = &term;
            continue;
        }
        size_t reuse = 0, n = std::min(prev->size(), term.size());
        while (reuse < n && (*prev)[reuse] == term[reuse]) ++reuse;
        size_t packed = wdf < 127 ? (wdf + 1) * (prev->size() + 1) + reuse : 0;
        bool fused = packed && packed < 256;
        tag += char(fused ? packed : reuse);
        tag += char(term.size() - reuse);
        tag.append(term, reuse, std::string::npos);
        if (!fused) pack_uint(tag, wdf);
        prev = &term;
    }
    return tag;
}

}  // namespace

DatabaseWriter::DatabaseWriter(const std::string &dir, const Options &options) {
    unsigned bs = options.block_size;
    if (bs < 2048 || bs > 65536 || (bs & (bs - 1)))
        throw Error("glass: block size " + std::to_string(bs) + " (2048..65536, a power of two)");
    check_dir_absent(dir);
    try {
        s.reset(new State(dir, options));
        for (int t = 0; t < TABLES; ++t)
            s->tables[t].reset(new TableWriter(dir + "/" + TABLE_NAMES[t] + ".glass", bs,
                                               TABLE_COMPRESSION[t]));
        s->start_worker(DOCDATA);
        s->start_worker(TERMLIST);
    } catch (...) {
        for (int t = 0; t < TABLES; ++t)
            ::unlink((dir + "/" + TABLE_NAMES[t] + ".glass").c_str());
        s.reset();
        ::rmdir(dir.c_str());
        throw;
    }
}

DatabaseWriter::~DatabaseWriter() {
    if (!s || s->phase == FINISHED) return;
    std::string dir = s->dir;
    s->stop_workers(); /* their threads stopped before their tables close */
    for (int t = 0; t < TABLES; ++t) s->tables[t].reset();
    s.reset();
    for (int t = 0; t < TABLES; ++t) ::unlink((dir + "/" + TABLE_NAMES[t] + ".glass").c_str());
    ::unlink((dir + "/v.tmp").c_str());
    ::unlink((dir + "/iamglass").c_str());
    ::rmdir(dir.c_str());
}

void DatabaseWriter::add_document(Xapian::docid did, const std::string &data,
                                  const TermWdfs &terms, const SlotValues &values) {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS, "add_document after begin_term or finish");
    if (did <= w.stats.last_docid)
        w.fail("add_document: docid " + std::to_string(did) + " not above the last (" +
               std::to_string(w.stats.last_docid) + ")");
    unsigned long long length = 0;
    for (size_t i = 0; i < terms.size(); ++i) {
        if (terms[i].first.empty() || terms[i].first.size() > MAX_TERM)
            w.fail("add_document: a term of " + std::to_string(terms[i].first.size()) +
                   " bytes (1.." + std::to_string(MAX_TERM) + ")");
        if (i > 0 && !(terms[i - 1].first < terms[i].first))
            w.fail("add_document: terms not strictly ascending in document " + std::to_string(did));
        length += terms[i].second;
    }
    w.expect(length <= 0xffffffffull, "add_document: document length overflows");
    for (size_t i = 0; i < values.size(); ++i) {
        w.expect(!values[i].second.empty(), "add_document: an empty value");
        w.expect(i == 0 || values[i - 1].first < values[i].first,
                 "add_document: value slots not strictly ascending");
        w.expect(values[i].first != Xapian::BAD_VALUENO, "add_document: bad value slot");
    }
    w.phase = BROKEN; /* until the tables took it all */
    if (!data.empty()) w.workers[DOCDATA]->add(docid_key(did), data);
    w.workers[TERMLIST]->add(docid_key(did), termlist_tag(terms, length));
    if (!values.empty()) {
        std::string slots;
        Xapian::valueno prev = Xapian::valueno(-1);
        for (auto &v : values) {
            pack_uint(slots, Xapian::valueno(v.first - prev - 1));
            prev = v.first;
            w.values.add(did, v.first, v.second);
        }
        w.workers[TERMLIST]->add(docid_key(did) + '\0', slots);
    }
    w.doclens.add(did, Xapian::termcount(length));
    if (w.present.size() <= did) w.present.resize(std::max<size_t>(did + 1, w.present.size() * 2));
    w.present[did] = true;
    Stats &st = w.stats;
    ++st.doccount;
    st.last_docid = did;
    if (length && (st.doclen_lbound == 0 || length < st.doclen_lbound)) st.doclen_lbound = length;
    st.doclen_ubound = std::max(st.doclen_ubound, length);
    st.total_doclen += length;
    w.doc_postings += terms.size();
    w.doc_wdfs += length;
    w.phase = DOCUMENTS;
}

void DatabaseWriter::set_metadata(const std::string &key, const std::string &value) {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS, "set_metadata after begin_term or finish");
    if (key.empty() || key.size() > 253)
        w.fail("set_metadata: a key of " + std::to_string(key.size()) + " bytes (1..253)");
    if (value.empty()) w.metadata.erase(key);
    else w.metadata[key] = value;
}

void DatabaseWriter::add_spelling(const std::string &word, Xapian::termcount freq) {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS || w.phase == TERMS || w.phase == IN_TERM,
             "add_spelling after finish");
    w.expect(!w.spelling_ended, "add_spelling after end_spelling");
    w.expect(word.size() <= 254, "add_spelling: a word over 254 bytes");
    w.spelling[word] += freq;
}

/* On end_spelling's thread: the spelling table written and finished,
 * its words freed; a failure kept for join_spelling. */
void DatabaseWriter::State::write_spelling_table() {
    try {
        spelling_ubound = write_spelling(*spelling_table, spelling);
        std::map<std::string, Xapian::termcount>().swap(spelling);
        roots[SPELLING] = spelling_table->finish(!options.no_sync);
    } catch (...) {
        spelling_failure = std::current_exception();
    }
}

void DatabaseWriter::State::join_spelling() {
    spelling_thread.join();
    if (spelling_failure) std::rethrow_exception(spelling_failure);
    stats.spelling_wordfreq_ubound = spelling_ubound;
    finished_bytes += spelling_table->bytes_written();
    spelling_table.reset();
}

void DatabaseWriter::end_spelling() {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS || w.phase == TERMS || w.phase == IN_TERM,
             "end_spelling after finish");
    w.expect(!w.spelling_ended, "end_spelling twice");
    w.spelling_ended = true;
    w.spelling_table = std::move(w.tables[SPELLING]);
    w.spelling_thread = std::thread([&w] { w.write_spelling_table(); });
}

/* The postlist table's keys before the terms': metadata, values, doclens. */
void DatabaseWriter::State::start_terms() {
    phase = BROKEN;
    finish_worker(DOCDATA);
    finish_worker(TERMLIST);
    start_worker(POSITION);
    for (auto &m : metadata) tables[POSTLIST]->add(std::string("\0\xc0", 2) + m.first, m.second);
    metadata.clear();
    values.write(*tables[POSTLIST]);
    doclens.write(*tables[POSTLIST]);
    phase = TERMS;
}

void DatabaseWriter::begin_term(const std::string &term) {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS || w.phase == TERMS,
             w.phase == IN_TERM ? "begin_term before end_term" : "begin_term after finish");
    if (term.empty() || term.size() > MAX_TERM)
        w.fail("begin_term: a term of " + std::to_string(term.size()) + " bytes");
    w.expect(w.term.empty() || w.term < term, "begin_term: terms not strictly ascending");
    /* Its keys double zero bytes and add up to 6 bytes of docid. */
    w.expect(term.size() + size_t(std::count(term.begin(), term.end(), '\0')) + 6 <= 255,
             "begin_term: a term whose keys would pass 255 bytes (too many zero bytes)");
    if (w.phase == DOCUMENTS) w.start_terms();
    w.term = term;
    w.termfreq = 0;
    w.collfreq = 0;
    w.term_last = 0;
    w.phase = IN_TERM;
}

void DatabaseWriter::add_posting(Xapian::docid did, Xapian::termcount wdf,
                                 const Xapian::termpos *positions, size_t npositions) {
    State &w = *s;
    w.expect(w.phase == IN_TERM, "add_posting outside begin_term/end_term");
    w.expect(did > w.term_last, "add_posting: docids not ascending in a term");
    if (did >= w.present.size() || !w.present[did])
        w.fail("add_posting: document " + std::to_string(did) + " was not added");
    for (size_t i = 1; i < npositions; ++i)
        w.expect(positions[i - 1] < positions[i], "add_posting: positions not strictly ascending");
    w.phase = BROKEN;
    w.chunks.add(did, wdf);
    if (npositions) w.workers[POSITION]->add_positions(position_key(w.term, did), positions, npositions);
    w.term_last = did;
    ++w.termfreq;
    w.collfreq += wdf;
    w.stats.wdf_ubound = std::max<unsigned long long>(w.stats.wdf_ubound, wdf);
    ++w.term_postings;
    w.term_wdfs += wdf;
    w.phase = IN_TERM;
}

void DatabaseWriter::end_term() {
    State &w = *s;
    w.expect(w.phase == IN_TERM, "end_term without begin_term");
    w.expect(w.termfreq > 0, "end_term: term with no postings");
    w.phase = BROKEN;
    w.chunks.write(*w.tables[POSTLIST], w.term, w.termfreq, w.collfreq);
    w.phase = TERMS;
}

void DatabaseWriter::finish() {
    State &w = *s;
    w.expect(w.phase == DOCUMENTS || w.phase == TERMS,
             w.phase == IN_TERM ? "finish before end_term" : "finish twice or after an error");
    if (w.phase == DOCUMENTS) w.start_terms();
    if (w.term_postings != w.doc_postings || w.term_wdfs != w.doc_wdfs)
        w.fail("finish: the terms posted " + std::to_string(w.term_postings) + " postings (wdf " +
               std::to_string(w.term_wdfs) + ") but the documents hold " +
               std::to_string(w.doc_postings) + " (wdf " + std::to_string(w.doc_wdfs) + ")");
    w.phase = BROKEN;
    if (w.spelling_ended) {
        w.join_spelling();
    } else {
        w.stats.spelling_wordfreq_ubound = write_spelling(*w.tables[SPELLING], w.spelling);
        w.spelling.clear();
    }
    w.finish_worker(POSITION);
    for (int t = 0; t < TABLES; ++t)
        if (w.tables[t]) w.roots[t] = w.tables[t]->finish(!w.options.no_sync);
    write_version_file(w.dir, w.roots, w.options.block_size, w.stats, !w.options.no_sync);
    w.phase = FINISHED;
}

unsigned long long DatabaseWriter::bytes_written() const {
    unsigned long long total = s->finished_bytes; /* not yet a worker's table's */
    for (int t = 0; t < TABLES; ++t)
        if (s->tables[t]) total += s->tables[t]->bytes_written();
    return total;
}

}  // namespace glass
