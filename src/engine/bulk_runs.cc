/* bulk_runs.cc -- the posting runs of the bulk inverter (bulk.hh): their
 * buffered files, their encoding, the spill of a sorted run and the k-way
 * merge of all runs (the spilled ones and the last, read in memory; of one
 * inverter or of several, each part's docids after the last part's) into
 * phase 2 of a sink (the files and varints they are read and written
 * with are bulk_files.cc's).  Touches no database.
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
#include <atomic>
#include <cerrno>
#include <cstring>
#include <queue>

namespace bulk {

/* ---- the run in memory ---------------------------------------------------- */

/* What a new term costs besides its bytes (in the run's text blocks):
 * its entry (a view of its bytes and TermPostings, 56 bytes, in
 * chunks of 512: at most one chunk, 28 KiB, not yet filled), its slots (8 bytes each, 2 to 4 a
 * term, the old array and the new one while they grow) and its pointer
 * in in_order()'s vector (8 bytes, and 16 for its sort key while it
 * sorts), which the spill and the merge of the last run hold beside the
 * run at its fullest: millions of terms in a run of a large build.  Kept
 * from when the entry was 80 bytes and a term past 15 bytes a heap
 * string of its own (an over-count now by some 8 bytes a term: runs
 * spill where they did). */
const size_t TERM_OVERHEAD = 128;

/* The heap bytes a string holds: none while its bytes fit inside it
 * (15), else its capacity and the terminator in malloc's 16-byte units
 * with their 8-byte header (what mallinfo counts). */
size_t heap_bytes(const std::string &s) {
    return s.capacity() > 15 ? (s.capacity() + 1 + 8 + 15) & ~(size_t)15 : 0;
}

namespace {

/* The run's text is kept in blocks of this size. */
const size_t TEXT_BLOCK = (size_t)1 << 16;

/* Generations are numbered from 1 across all buffers (0 is "no ids"). */
uint32_t next_generation() {
    static std::atomic<uint32_t> last(0);
    uint32_t g;
    while ((g = ++last) == 0) {
    }
    return g;
}

}  // namespace

RunBuffer::RunBuffer() : gen(next_generation()) {}

/* A copy of term's bytes at the end of the run's text. */
std::string_view RunBuffer::keep(std::string_view term) {
    if (term.empty()) return std::string_view();
    if (term.size() > text_left) {
        size_t size = std::max(TEXT_BLOCK, term.size());
        text.emplace_back(new char[size]);
        text_at = text.back().get();
        text_left = size;
    }
    std::string_view kept(text_at, term.size());
    memcpy(text_at, term.data(), term.size());
    text_at += term.size();
    text_left -= term.size();
    return kept;
}

uint32_t RunBuffer::id_of(std::string_view term, size_t h) {
    index.make_room(terms.size(), [&](size_t k) { return hash_of(terms[k].term); });
    size_t i = index.find(h, [&](size_t k) { return terms[k].term == term; });
    if (index.taken(i)) return (uint32_t)index.entry_at(i);
    terms.push_back(keep(term));
    index.put(i, h, terms.size() - 1);
    used += TERM_OVERHEAD + term.size();
    return (uint32_t)(terms.size() - 1);
}

/* Each step's loads independent of each other, so that the processor
 * overlaps their misses: the slots, then the entries they likely name,
 * then those entries' bytes, then the lookups (the same as id_of's). */
void RunBuffer::ids_of(const std::string *t, size_t n, uint32_t *ids) {
    const size_t BATCH = 16;
    size_t h[BATCH];
    for (size_t base = 0; base < n; base += BATCH) {
        size_t m = std::min(BATCH, n - base);
        for (size_t i = 0; i < m; i++) {
            h[i] = hash_of(t[base + i]);
            if (!terms.empty()) index.prefetch(h[i]);
        }
        for (size_t i = 0; !terms.empty() && i < m; i++) {
            size_t k = index.likely_entry(h[i]);
            if (k < terms.size()) __builtin_prefetch(&terms[k]);
        }
        for (size_t i = 0; !terms.empty() && i < m; i++) {
            size_t k = index.likely_entry(h[i]);
            if (k < terms.size()) __builtin_prefetch(terms[k].term.data());
        }
        for (size_t i = 0; i < m; i++) ids[base + i] = id_of(t[base + i], h[i]);
    }
}

namespace {

/* Up to the bytes out can hold without growing: bytes appended, the
 * capacity first grown as one byte at a time would have grown it
 * (doubling), so that heap_bytes, the run's accounting and its spills,
 * are what they were when each varint byte was its own append. */
void append_grown(std::string &out, const unsigned char *b, size_t n) {
    size_t need = out.size() + n, cap = out.capacity();
    if (need > cap) {
        while (cap < need) cap *= 2;
        out.reserve(cap);
    }
    out.append((const char *)b, n);
}

/* v as a varint at p; returns the end. */
unsigned char *encode_varint(unsigned char *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (unsigned char)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

}  // namespace

void RunBuffer::add(uint32_t id, const Posting &p) {
    add(id, p.did, p.version, p.wdf, p.positions.data(), p.positions.size());
}

/* Encoded a block at a time into a buffer on the stack and appended in
 * one call: a std::string append a byte was most of the inverter's time. */
void RunBuffer::add(uint32_t id, Xapian::docid did, uint32_t version, Xapian::termcount wdf,
                    const Xapian::termpos *pos, size_t npos) {
    const size_t BLOCK = 64, MAX_VARINT = 10;
    TermPostings &tp = terms[id].postings;
    size_t before = heap_bytes(tp.bytes);
    if (did <= tp.last && !tp.bytes.empty()) tp.unsorted = true;
    tp.last = std::max(tp.last, did);
    unsigned char buf[(BLOCK + 4) * MAX_VARINT], *at = buf;
    at = encode_varint(at, did);
    at = encode_varint(at, version);
    at = encode_varint(at, wdf);
    at = encode_varint(at, npos);
    Xapian::termpos prev = 0;
    for (size_t i = 0; i < npos; i++) {
        if (at - buf > (ptrdiff_t)(BLOCK * MAX_VARINT)) {
            append_grown(tp.bytes, buf, (size_t)(at - buf));
            at = buf;
        }
        at = encode_varint(at, pos[i] - prev);
        prev = pos[i];
    }
    append_grown(tp.bytes, buf, (size_t)(at - buf));
    used += heap_bytes(tp.bytes) - before;
}

namespace {

/* One posting of a TermPostings: where it starts, and its sort key. */
struct Located {
    Xapian::docid did;
    uint32_t version;
    const unsigned char *at;
};

/* The postings of bytes (in-memory form), in (docid, version) order:
 * sorted when they came out of order (replacements). */
std::vector<Located> locate(const std::string &bytes, bool unsorted) {
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
    return all;
}

/* Writes the postings of bytes (in-memory form) to out in run-file form. */
void write_postings(OutFile &out, const std::string &bytes, bool unsorted) {
    std::vector<Located> all = locate(bytes, unsorted);
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

size_t shared_prefix(std::string_view a, std::string_view b) {
    size_t n = 0, m = std::min(a.size(), b.size());
    while (n < m && a[n] == b[n]) n++;
    return n;
}

}  // namespace

/* Sorted on each term's leading_bytes, the whole terms only on a tie
 * (the same order): the keys, 16 bytes a term for the sort's time, are
 * within TERM_OVERHEAD's over-count. */
std::vector<const RunBuffer::Entry *> RunBuffer::in_order() const {
    struct Keyed {
        uint64_t lead;
        const Entry *entry;
    };
    std::vector<Keyed> keyed;
    keyed.reserve(terms.size());
    terms.each([&](const Entry &e) { keyed.push_back(Keyed{leading_bytes(e.term), &e}); });
    std::sort(keyed.begin(), keyed.end(), [](const Keyed &a, const Keyed &b) {
        if (a.lead != b.lead) return a.lead < b.lead;
        return a.entry->term < b.entry->term;
    });
    std::vector<const Entry *> order;
    order.reserve(keyed.size());
    for (const Keyed &k : keyed) order.push_back(k.entry);
    return order;
}

void RunBuffer::spill(const std::string &path) {
    OutFile out(path);
    std::string_view prev;
    for (const Entry *e : in_order()) {
        std::string_view t = e->term;
        size_t shared = shared_prefix(prev, t);
        out.varint(shared);
        out.varint(t.size() - shared);
        out.bytes(t.data() + shared, t.size() - shared);
        write_postings(out, e->postings.bytes, e->postings.unsorted);
        prev = t;
    }
    out.close();
    release();
}

void RunBuffer::release() {
    terms.release();
    index = FlatIndex();
    std::vector<std::unique_ptr<char[]>>().swap(text);
    text_at = nullptr;
    text_left = 0;
    used = 0;
    gen = next_generation();
}

void memory_postings(const std::vector<RunSet> &sets, std::string_view prefix,
                     const std::function<void(Xapian::docid, const std::string &)> &fn) {
    std::string term;
    for (const RunSet &set : sets) {
        set.memory->entries().each([&](const RunBuffer::Entry &e) {
            if (e.term.compare(0, prefix.size(), prefix) != 0) return;
            term.assign(e.term);
            const unsigned char *p = (const unsigned char *)e.postings.bytes.data();
            const unsigned char *end = p + e.postings.bytes.size();
            while (p < end) {
                Xapian::docid did = (Xapian::docid)get_varint(p);
                uint32_t version = (uint32_t)get_varint(p);
                get_varint(p); /* wdf */
                for (uint64_t n = get_varint(p); n; n--) get_varint(p);
                auto v = set.current->find(did);
                if (version == (v == set.current->end() ? 0 : v->second)) fn(did + set.offset, term);
            }
        });
    }
}

/* ---- the merge ------------------------------------------------------------ */

namespace {

/* A run being read: its current term and the posting at its head (its
 * docid as the run has it; docid() is the database's). */
class RunReader {
  public:
    explicit RunReader(const RunSet &set) : current(*set.current), offset(set.offset) {}
    size_t rank = 0; /* its place among the readers: sets in order, each's files, then its memory */
    virtual ~RunReader() {}
    std::string term;
    Posting head;
    const Versions &current;
    const Xapian::docid offset;
    Xapian::docid docid() const { return head.did + offset; }
    /* Whether head is its document's current version. */
    bool head_current() const {
        auto v = current.find(head.did);
        return head.version == (v == current.end() ? 0 : v->second);
    }
    /* Moves to the next term; false when none is left. */
    virtual bool next_term() = 0;
    /* Reads the next posting of term into head; false when none is left. */
    virtual bool next_posting() = 0;
};

/* A run spilled to a file. */
class FileRun : public RunReader {
  public:
    FileRun(const RunSet &set, const std::string &path, size_t buffer) : RunReader(set), in(path, buffer) {}
    bool next_term() override {
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
    bool next_posting() override {
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
    uint64_t left = 0;   /* postings of term not yet read into head */
    Xapian::docid prev = 0;
};

/* The run still in memory (the last of a build), read in place, in the
 * order sorted ahead (RunSet::order) or its own.  Its entries and their
 * bytes are cold (the sort read only pointers and leading bytes): each
 * entry is asked of the cache AHEAD terms before it is read, its term's
 * and postings' bytes AHEAD/2 before, where the term's copy was two
 * thirds of a Reuters merge's reading. */
class MemoryRun : public RunReader {
  public:
    explicit MemoryRun(const RunSet &set)
        : RunReader(set), own(set.order ? std::vector<const RunBuffer::Entry *>() : set.memory->in_order()),
          order(set.order ? *set.order : own) {}
    bool next_term() override {
        if (at == order.size()) return false;
        if (at + AHEAD < order.size()) __builtin_prefetch(order[at + AHEAD]);
        if (at + AHEAD / 2 < order.size()) {
            const RunBuffer::Entry *f = order[at + AHEAD / 2];
            __builtin_prefetch(f->term.data());
            __builtin_prefetch(f->postings.bytes.data());
        }
        const RunBuffer::Entry *e = order[at++];
        term.assign(e->term);
        const std::string &bytes = e->postings.bytes;
        p = (const unsigned char *)bytes.data();
        end = p + bytes.size();
        sorted.clear();
        next = 0;
        if (e->postings.unsorted) sorted = locate(bytes, true);
        return true;
    }
    bool next_posting() override {
        if (!sorted.empty()) {
            if (next == sorted.size()) return false;
            p = sorted[next++].at;
        } else if (p == end) {
            return false;
        }
        head.did = (Xapian::docid)get_varint(p);
        head.version = (uint32_t)get_varint(p);
        head.wdf = (Xapian::termcount)get_varint(p);
        head.positions.resize((size_t)get_varint(p));
        Xapian::termpos pos = 0;
        for (Xapian::termpos &q : head.positions) q = pos += (Xapian::termpos)get_varint(p);
        return true;
    }
  private:
    static const size_t AHEAD = 16;
    const std::vector<const RunBuffer::Entry *> own;
    const std::vector<const RunBuffer::Entry *> &order;
    size_t at = 0, next = 0;
    const unsigned char *p = nullptr, *end = nullptr;
    std::vector<Located> sorted;  /* a term's postings out of order, sorted */
};

struct ByTerm {
    bool operator()(const RunReader *a, const RunReader *b) const { return a->term > b->term; }
};

struct ByPosting {
    bool operator()(const RunReader *a, const RunReader *b) const {
        if (a->docid() != b->docid()) return a->docid() > b->docid();
        return a->head.version > b->head.version;
    }
};

/* Phase 2 for one term: the postings of the readers holding it, merged by
 * (docid, version), each kept only if it is its document's current
 * version.  A term left with no posting is not written.  ordered: no
 * document was replaced, so every posting is current and each reader's
 * docids are all below the next reader's (a set's documents come in
 * docid order and fill its runs one after the other; each set's docids
 * follow the last set's): the readers are read one after the other. */
void merge_term(const std::string &term, std::vector<RunReader *> &holders, bool ordered, Sink &sink) {
    bool begun = false;
    auto post = [&](const RunReader *r) {
        if (!ordered && !r->head_current()) return;
        if (!begun) sink.begin_term(term);
        begun = true;
        sink.add_posting(r->docid(), r->head.wdf, r->head.positions.data(), r->head.positions.size());
    };
    if (holders.size() == 1 || ordered) { /* no heap */
        std::sort(holders.begin(), holders.end(),
                  [](const RunReader *a, const RunReader *b) { return a->rank < b->rank; });
        for (RunReader *r : holders)
            while (r->next_posting()) post(r);
    } else {
        std::priority_queue<RunReader *, std::vector<RunReader *>, ByPosting> heap;
        for (RunReader *r : holders)
            if (r->next_posting()) heap.push(r);
        while (!heap.empty()) {
            RunReader *r = heap.top();
            heap.pop();
            post(r);
            if (r->next_posting()) heap.push(r);
        }
    }
    if (begun) sink.end_term();
}

}  // namespace

void merge_runs(const std::vector<RunSet> &sets, size_t budget, Sink &sink,
                const std::function<void(uint64_t)> &progress) {
    size_t held = 0, files = 0;
    for (const RunSet &set : sets) {
        held += set.memory->bytes();
        files += set.files->size();
    }
    size_t buffer = files && budget > held ? (budget - held) / files : 0;
    buffer = std::max<size_t>(4096, std::min<size_t>(buffer, 1 << 20));
    std::vector<std::unique_ptr<RunReader>> readers;
    bool ordered = true;
    for (const RunSet &set : sets) {
        for (const std::string &path : *set.files) readers.emplace_back(new FileRun(set, path, buffer));
        if (!set.memory->empty()) readers.emplace_back(new MemoryRun(set));
        ordered = ordered && set.current->empty();
    }
    for (size_t i = 0; i < readers.size(); i++) readers[i]->rank = i;
    std::priority_queue<RunReader *, std::vector<RunReader *>, ByTerm> heap;
    for (auto &r : readers)
        if (r->next_term()) heap.push(r.get());
    uint64_t done = 0;
    std::vector<RunReader *> holders;
    while (!heap.empty()) {
        std::string term = heap.top()->term;
        holders.clear();
        while (!heap.empty() && heap.top()->term == term) {
            holders.push_back(heap.top());
            heap.pop();
        }
        merge_term(term, holders, ordered, sink);
        for (RunReader *r : holders)
            if (r->next_term()) heap.push(r);
        if (++done % 65536 == 0) progress(done);
    }
    progress(done);
}

}  // namespace bulk
