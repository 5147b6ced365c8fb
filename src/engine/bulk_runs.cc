/* bulk_runs.cc -- the posting runs of the bulk inverter (bulk.hh): their
 * buffered files, their encoding, the spill of a sorted run and the k-way
 * merge of all runs into phase 2 of a sink.  Touches no database.
 *
 * A run file is a sequence of terms in ascending byte order:
 *   shared  varint  bytes this term shares with the previous term's start
 *   suffix  varint length, then the bytes
 *   count   varint  postings, then each, ascending by (docid, version):
 *     docid - previous docid of this term (the first: docid)  varint
 *     version, wdf, number of positions                        varints
 *     positions, each minus the previous (the first: itself)   varints
 * and nothing else: the file ends after its last term. */
#include "bulk.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

namespace bulk {

IoError::IoError(const std::string &path, int e, const std::string &why)
    : std::runtime_error(path + ": " + (why.empty() ? std::string(strerror(e)) : why)), path(path), errnum(e) {}

void put_varint(std::string &out, uint64_t v) {
    while (v >= 0x80) {
        out += (char)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += (char)v;
}

uint64_t get_varint(const unsigned char *&p) {
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        unsigned char c = *p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
}

/* ---- files ----------------------------------------------------------------- */

InFile::InFile(const std::string &path, size_t buffer) : path(path), buf(buffer) {
    f = fopen(path.c_str(), "rb");
    if (!f) throw IoError(path, errno);
    setvbuf(f, buf.data(), _IOFBF, buf.size());
}

InFile::~InFile() {
    if (f) fclose(f);
}

int InFile::byte() {
    int c = getc_unlocked(f);
    if (c == EOF) {
        if (ferror(f)) throw IoError(path, errno);
        throw IoError(path, EIO, "truncated");
    }
    return c;
}

bool InFile::at_end() {
    int c = getc_unlocked(f);
    if (c == EOF) {
        if (ferror(f)) throw IoError(path, errno);
        return true;
    }
    ungetc(c, f);
    return false;
}

uint64_t InFile::varint() {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        int c = byte();
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
    throw IoError(path, EIO, "bad varint");
}

void InFile::bytes(std::string &out, size_t n) {
    out.resize(n);
    if (n && fread(&out[0], 1, n, f) != n) {
        if (ferror(f)) throw IoError(path, errno);
        throw IoError(path, EIO, "truncated");
    }
}

void InFile::seek(long offset) {
    if (fseek(f, offset, SEEK_SET) != 0) throw IoError(path, errno);
}

OutFile::OutFile(const std::string &path) : path(path) {
    f = fopen(path.c_str(), "wb");
    if (!f) throw IoError(path, errno);
}

OutFile::~OutFile() {
    if (f) fclose(f);
}

void OutFile::bytes(const char *p, size_t n) {
    if (n && fwrite(p, 1, n, f) != n) throw IoError(path, errno);
    written += (long)n;
}

void OutFile::bytes(const std::string &s) { bytes(s.data(), s.size()); }

void OutFile::varint(uint64_t v) {
    std::string b;
    put_varint(b, v);
    bytes(b);
}

void OutFile::flush() {
    if (fflush(f) != 0) throw IoError(path, errno);
}

void OutFile::close() {
    FILE *g = f;
    f = nullptr;
    if (fclose(g) != 0) throw IoError(path, errno);
}

/* ---- the run in memory ---------------------------------------------------- */

/* A hash node, its string and TermPostings: what a new term costs. */
const size_t TERM_OVERHEAD = 96;

void RunBuffer::add(const std::string &term, const Posting &p) {
    auto it = terms.find(term);
    if (it == terms.end()) {
        it = terms.emplace(term, TermPostings()).first;
        used += TERM_OVERHEAD + term.size();
    }
    TermPostings &tp = it->second;
    size_t before = tp.bytes.capacity();
    if (p.did <= tp.last && !tp.bytes.empty()) tp.unsorted = true;
    tp.last = std::max(tp.last, p.did);
    put_varint(tp.bytes, p.did);
    put_varint(tp.bytes, p.version);
    put_varint(tp.bytes, p.wdf);
    put_varint(tp.bytes, p.positions.size());
    Xapian::termpos prev = 0;
    for (Xapian::termpos pos : p.positions) {
        put_varint(tp.bytes, pos - prev);
        prev = pos;
    }
    used += tp.bytes.capacity() - before;
}

namespace {

/* One posting of a TermPostings: where it starts, and its sort key. */
struct Located {
    Xapian::docid did;
    uint32_t version;
    const unsigned char *at;
};

/* Writes the postings of bytes (in-memory form) to out in run-file form,
 * sorting them first when they came out of order (replacements). */
void write_postings(OutFile &out, const std::string &bytes, bool unsorted) {
    std::vector<Located> all;
    const unsigned char *p = (const unsigned char *)bytes.data(), *end = p + bytes.size();
    while (p < end) {
        Located l;
        l.at = p;
        l.did = (Xapian::docid)get_varint(p);
        l.version = (uint32_t)get_varint(p);
        get_varint(p);  /* wdf */
        uint64_t n = get_varint(p);
        for (uint64_t i = 0; i < n; i++) get_varint(p);
        all.push_back(l);
    }
    if (unsorted)
        std::stable_sort(all.begin(), all.end(), [](const Located &a, const Located &b) {
            return a.did != b.did ? a.did < b.did : a.version < b.version;
        });
    out.varint(all.size());
    std::string enc;
    Xapian::docid prev = 0;
    for (const Located &l : all) {
        const unsigned char *q = l.at;
        get_varint(q);
        enc.clear();
        put_varint(enc, l.did - prev);
        prev = l.did;
        const unsigned char *rest = q;
        get_varint(q);  /* version */
        get_varint(q);  /* wdf */
        uint64_t n = get_varint(q);
        for (uint64_t i = 0; i < n; i++) get_varint(q);
        out.bytes(enc);
        out.bytes((const char *)rest, (size_t)(q - rest));
    }
}

size_t shared_prefix(const std::string &a, const std::string &b) {
    size_t n = 0, m = std::min(a.size(), b.size());
    while (n < m && a[n] == b[n]) n++;
    return n;
}

}  // namespace

void RunBuffer::spill(const std::string &path) {
    std::vector<const std::string *> order;
    order.reserve(terms.size());
    for (const auto &kv : terms) order.push_back(&kv.first);
    std::sort(order.begin(), order.end(), [](const std::string *a, const std::string *b) { return *a < *b; });
    OutFile out(path);
    std::string prev;
    for (const std::string *t : order) {
        size_t shared = shared_prefix(prev, *t);
        out.varint(shared);
        out.varint(t->size() - shared);
        out.bytes(t->data() + shared, t->size() - shared);
        const TermPostings &tp = terms.at(*t);
        write_postings(out, tp.bytes, tp.unsorted);
        prev = *t;
    }
    out.close();
    terms.clear();
    used = 0;
}

/* ---- the merge ------------------------------------------------------------ */

namespace {

/* A run file being read: its current term and the posting at its head. */
class RunReader {
  public:
    RunReader(const std::string &path, size_t buffer) : in(path, buffer) {}
    std::string term;
    Posting head;
    uint64_t left = 0;   /* postings of term not yet read into head */
    bool next_term() {
        if (in.at_end()) return false;
        size_t shared = (size_t)in.varint();
        std::string suffix;
        in.bytes(suffix, (size_t)in.varint());
        term.resize(shared);
        term += suffix;
        left = in.varint();
        prev = 0;
        return true;
    }
    /* Reads the next posting of term into head; false when none is left. */
    bool next_posting() {
        if (!left) return false;
        left--;
        head.did = prev += (Xapian::docid)in.varint();
        head.version = (uint32_t)in.varint();
        head.wdf = (Xapian::termcount)in.varint();
        head.positions.resize((size_t)in.varint());
        Xapian::termpos pos = 0;
        for (Xapian::termpos &p : head.positions) p = pos += (Xapian::termpos)in.varint();
        return true;
    }
  private:
    InFile in;
    Xapian::docid prev = 0;
};

struct ByTerm {
    bool operator()(const RunReader *a, const RunReader *b) const { return a->term > b->term; }
};

struct ByPosting {
    bool operator()(const RunReader *a, const RunReader *b) const {
        if (a->head.did != b->head.did) return a->head.did > b->head.did;
        return a->head.version > b->head.version;
    }
};

/* Phase 2 for one term: the postings of the readers holding it, merged by
 * (docid, version), each kept only if it is its document's current
 * version.  A term left with no posting is not written. */
void merge_term(const std::string &term, std::vector<RunReader *> &holders, const Versions &current,
                Sink &sink) {
    std::priority_queue<RunReader *, std::vector<RunReader *>, ByPosting> heap;
    for (RunReader *r : holders)
        if (r->next_posting()) heap.push(r);
    bool begun = false;
    while (!heap.empty()) {
        RunReader *r = heap.top();
        heap.pop();
        auto v = current.find(r->head.did);
        uint32_t now = v == current.end() ? 0 : v->second;
        if (r->head.version == now) {
            if (!begun) sink.begin_term(term);
            begun = true;
            sink.add_posting(r->head.did, r->head.wdf, r->head.positions.data(), r->head.positions.size());
        }
        if (r->next_posting()) heap.push(r);
    }
    if (begun) sink.end_term();
}

}  // namespace

void merge_runs(const std::vector<std::string> &runs, const Versions &current, size_t budget,
                Sink &sink, const std::function<void(uint64_t)> &progress) {
    size_t buffer = runs.empty() ? 0 : budget / runs.size();
    buffer = std::max<size_t>(4096, std::min<size_t>(buffer, 1 << 20));
    std::vector<std::unique_ptr<RunReader>> readers;
    std::priority_queue<RunReader *, std::vector<RunReader *>, ByTerm> heap;
    for (const std::string &path : runs) {
        readers.emplace_back(new RunReader(path, buffer));
        if (readers.back()->next_term()) heap.push(readers.back().get());
    }
    uint64_t done = 0;
    std::vector<RunReader *> holders;
    while (!heap.empty()) {
        std::string term = heap.top()->term;
        holders.clear();
        while (!heap.empty() && heap.top()->term == term) {
            holders.push_back(heap.top());
            heap.pop();
        }
        merge_term(term, holders, current, sink);
        for (RunReader *r : holders)
            if (r->next_term()) heap.push(r);
        if (++done % 65536 == 0) progress(done);
    }
    progress(done);
}

}  // namespace bulk
