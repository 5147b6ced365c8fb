/* bulk_docs.cc -- the bulk inverter's document spool (bulk.hh): each
 * document as it comes, written to DIR.runs/docs, and phase 1 read back
 * from it in docid order once the build knows which documents were
 * replaced; while the build goes on, one record's head or id term read
 * back by one reader kept open (a replaced id's data and note, an id
 * term's collision check).  Touches no database.
 *
 * A record:
 *   docid, version                       varints
 *   data: length varint, then the bytes
 *   note: length varint, then the bytes (FlatDocument's: the owner's)
 *   terms: count varint, then each ascending: shared-prefix length,
 *     suffix length, suffix bytes, wdf (varints but the bytes)
 *   values: count varint, then each ascending by slot: slot, length,
 *     bytes
 * Records follow one another in the order documents were added: docids
 * ascending, but for replacements, which come later with a version above
 * 0 and take their original's place when replayed. */
#include "bulk.hh"

#include <algorithm>

namespace bulk {

namespace {

struct Record {
    Xapian::docid did = 0;
    uint32_t version = 0;
    std::string data, note;
    TermWdfs terms;
    SlotValues values;
};

/* A record's head: its docid, version, data and note. */
void read_head(InFile &in, Record &r) {
    r.did = (Xapian::docid)in.varint();
    r.version = (uint32_t)in.varint();
    in.bytes(r.data, (size_t)in.varint());
    in.bytes(r.note, (size_t)in.varint());
}

void read_record(InFile &in, Record &r) {
    read_head(in, r);
    r.terms.resize((size_t)in.varint());
    /* Each term made in place from the one before (the record's strings
     * keep their room from one record to the next: no allocation a term). */
    for (size_t i = 0; i < r.terms.size(); i++) {
        std::string &term = r.terms[i].first;
        size_t shared = (size_t)in.varint();
        if (i) term.assign(r.terms[i - 1].first, 0, shared);
        else term.clear();
        in.append(term, (size_t)in.varint());
        r.terms[i].second = (Xapian::termcount)in.varint();
    }
    r.values.resize((size_t)in.varint());
    for (auto &v : r.values) {
        v.first = (Xapian::valueno)in.varint();
        in.bytes(v.second, (size_t)in.varint());
    }
}

}  // namespace

DocSpool::DocSpool(const std::string &path) : path(path), out(path) {}

long DocSpool::add(Xapian::docid did, uint32_t version, const std::string &data,
                   const std::string &note, const TermWdfs &terms, const SlotValues &values) {
    long at = out.offset();
    std::string rec;
    put_varint(rec, did);
    put_varint(rec, version);
    put_varint(rec, data.size());
    out.bytes(rec);
    out.bytes(data);
    rec.clear();
    put_varint(rec, note.size());
    rec += note;
    put_varint(rec, terms.size());
    const std::string *prev = nullptr;
    for (const auto &t : terms) {
        size_t shared = 0;
        if (prev)
            while (shared < prev->size() && shared < t.first.size() && (*prev)[shared] == t.first[shared])
                shared++;
        put_varint(rec, shared);
        put_varint(rec, t.first.size() - shared);
        rec.append(t.first, shared, std::string::npos);
        put_varint(rec, t.second);
        prev = &t.first;
    }
    put_varint(rec, values.size());
    for (const auto &v : values) {
        put_varint(rec, v.first);
        put_varint(rec, v.second.size());
        rec += v.second;
    }
    out.bytes(rec);
    return at;
}

DocSpool::~DocSpool() = default;

InFile &DocSpool::read_at(long offset) {
    out.flush();
    if (!reader) reader.reset(new InFile(path, READ_BUFFER));
    reader->seek(offset);
    return *reader;
}

std::string DocSpool::qterm_at(long offset) {
    InFile &in = read_at(offset);
    in.varint(); /* docid */
    in.varint(); /* version */
    in.skip((size_t)in.varint()); /* data */
    in.skip((size_t)in.varint()); /* note */
    /* the terms ascending, each made from the one before: the id term is
     * the one of prefix Q, and none is after a term past it */
    std::string term;
    for (size_t i = 0, n = (size_t)in.varint(); i < n; i++) {
        term.resize((size_t)in.varint());
        in.append(term, (size_t)in.varint());
        in.varint(); /* its wdf */
        unsigned char first = term.empty() ? 0 : (unsigned char)term[0];
        if (first >= 'Q') return first == 'Q' ? term : std::string();
    }
    return std::string();
}

void DocSpool::stored_at(long offset, std::string &data, std::string &note) {
    InFile &in = read_at(offset);
    in.varint(); /* docid */
    in.varint(); /* version */
    in.bytes(data, (size_t)in.varint());
    in.bytes(note, (size_t)in.varint());
}

void DocSpool::replay(const Versions &current, const std::unordered_map<Xapian::docid, long> &latest,
                      Xapian::docid offset, Sink &sink) {
    out.close();
    InFile in(path, 1 << 20), again(path, 65536);
    Record r, newer;
    while (!in.at_end()) {
        read_record(in, r);
        auto v = current.find(r.did);
        if (v == current.end()) {
            sink.add_document(r.did + offset, r.data, r.terms, r.values);
        } else if (r.version == 0) { /* the original's place: its last version */
            again.seek(latest.at(r.did));
            read_record(again, newer);
            sink.add_document(newer.did + offset, newer.data, newer.terms, newer.values);
        }
    }
}

}  // namespace bulk
