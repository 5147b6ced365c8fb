/* facet_columns.cc -- value slots a reader keeps in memory for the
 * facets of its local matches (reader_facet_column, counted by
 * facet_spy.cc): a slot's value of every document as a 2-byte code into
 * a table of its distinct values, read in one pass over the slot the
 * first time a facet needs it.  Counting a candidate's value is then an
 * array read, where reading it through Xapian reads the value stream's
 * blocks again in every search (on Reuters, three facets took about 40
 * block reads a search and four fifths of their cost went to the value
 * reads; bench/results/query.md).
 * When the database moves to a later revision the columns are brought up
 * to it, not read again: documents added since are read by docid (past
 * the last one read), and those replaced in place are those the writer's
 * change log names (changes.cc); deleted ones are never candidates.
 * A compaction of the one database (COMPACT, lede-index --compact, the
 * live writer's) is followed the same way: its copy keeps the docids and
 * names the database and revision it copied, whose log, carried in it,
 * and the copy's own tell what moved since the columns were read
 * (changes.cc, reader_changes_across).  Read again whole only when the
 * logs do not cover the move (another writer, more replaced than a log
 * keeps, a bulk merge, a compaction of several databases, which
 * renumbers them) or the database is another one altogether.
 * Kept only for an index of one local database (Xapian hands a match spy
 * the docid within a sub-database, not which one), for a slot of at most
 * COLUMN_MAX_DISTINCT distinct values (a number or a date in seconds for
 * each article is not), and within the reader's budget
 * (engine_reader_opts.facet_memory): a slot that is not is read as before
 * and counted in FacetColumns::refused (either reason).  Memory: 2 bytes a document and a
 * slot, and the distinct values, a reader (each worker has its own;
 * docs/QUERY.md, Facets).  Touches only r->facet_columns. */
#include "internal.hh"
#include "changes.hh"
#include "query_run.hh"

namespace {

const size_t COLUMN_MAX_DISTINCT = 65535; /* codes 1..65535 in a uint16_t */

/* Bytes held for a value's entry in values and code_of (a guess at the
 * allocator's share). */
size_t value_bytes(const std::string &v) {
    return 2 * (sizeof(std::string) + v.size()) + 32;
}

/* v's code in c, added if new; 0 when c has too many distinct values. */
uint16_t code_for(FacetColumn &c, std::string &&v) {
    auto at = c.code_of.find(v);
    if (at != c.code_of.end()) return at->second;
    if (c.values.size() == COLUMN_MAX_DISTINCT) return 0;
    uint16_t code = (uint16_t)(c.values.size() + 1);
    c.value_bytes += value_bytes(v);
    c.values.push_back(v);
    c.code_of.emplace(std::move(v), code);
    return code;
}

/* Reads slot's values of documents from..last into c; false when it has
 * too many distinct values to keep. */
bool read_values(const Xapian::Database &db, Xapian::valueno slot, Xapian::docid from,
                 FacetColumn &c) {
    Xapian::ValueIterator it = db.valuestream_begin(slot);
    if (from > 1) it.skip_to(from);
    for (; it != db.valuestream_end(slot); ++it) {
        Xapian::docid did = it.get_docid();
        if (did >= c.codes.size()) break;
        std::string value = *it;
        if (value.empty()) continue;
        if (!(c.codes[did] = code_for(c, std::move(value)))) return false;
    }
    return true;
}

size_t codes_bytes(Xapian::docid last) {
    return ((size_t)last + 1) * sizeof(uint16_t);
}

/* Whether held has room for more bytes. */
bool room_for(const FacetColumns &held, size_t more) {
    return held.bytes + more <= held.budget;
}

void drop_all(FacetColumns &held) {
    held.slots.clear();
    held.bytes = 0;
}

/* slot of db read whole, or NULL when it is not to be kept. */
std::shared_ptr<FacetColumn> read_column(FacetColumns &held, const Xapian::Database &db,
                                         Xapian::valueno slot) {
    if (!room_for(held, codes_bytes(held.last))) {
        held.refused++;
        return nullptr;
    }
    auto c = std::make_shared<FacetColumn>();
    c->codes.assign((size_t)held.last + 1, 0);
    if (!read_values(db, slot, 1, *c)) { /* too many distinct values */
        held.refused++;
        return nullptr;
    }
    if (!room_for(held, c->bytes())) {
        held.refused++;
        return nullptr;
    }
    held.bytes += c->bytes();
    held.full_reads++;
    return c;
}

/* The documents replaced in dids: each one's value of every held slot
 * read again (a deleted one's code cleared).  False when a slot ran out
 * of codes. */
bool read_replaced(FacetColumns &held, const Xapian::Database &db,
                   const std::vector<Xapian::docid> &dids) {
    for (Xapian::docid did : dids) {
        Xapian::Document doc;
        bool gone = false;
        try {
            doc = db.get_document(did);
        } catch (const Xapian::DocNotFoundError &) {
            gone = true;
        }
        for (auto &s : held.slots) {
            FacetColumn *c = s.second.get();
            if (!c || did >= c->codes.size()) continue;
            std::string v = gone ? std::string() : doc.get_value(s.first);
            bool has = !v.empty();
            c->codes[did] = has ? code_for(*c, std::move(v)) : 0;
            if (has && !c->codes[did]) return false;
        }
    }
    return true;
}

/* Every held column brought from held.last to last: documents added
 * read by docid, those replaced (dids) again.  False when that could
 * not be done (then nothing is held). */
bool bring_up(FacetColumns &held, const Xapian::Database &db, Xapian::docid last,
              const std::vector<Xapian::docid> &dids) {
    Xapian::docid from = held.last + 1;
    for (auto &s : held.slots) {
        if (!s.second) continue;
        if (s.second.use_count() > 1) s.second = std::make_shared<FacetColumn>(*s.second);
        size_t before = s.second->bytes();
        if (last > held.last) s.second->codes.resize((size_t)last + 1, 0);
        if (last > held.last && !read_values(db, s.first, from, *s.second)) return false;
        held.bytes += s.second->bytes() - before;
    }
    held.last = last;
    if (!read_replaced(held, db, dids)) return false;
    held.updates++;
    return room_for(held, 0);
}

/* db's UUID, empty when it has none. */
std::string uuid_of(const Xapian::Database &db) {
    try {
        return db.get_uuid();
    } catch (const Xapian::Error &) {
        return std::string();
    }
}

/* Into dids, the documents replaced between what held stands for and db
 * (uuid) at revision, last its last docid: the same database later, or
 * a compaction's copy of it (changes.cc).  False when that is not told. */
bool moved_on(const FacetColumns &held, const Xapian::Database &db, const std::string &uuid,
              Xapian::rev revision, Xapian::docid last, std::vector<Xapian::docid> &dids) {
    if (!held.valid || held.uuid.empty() || last < held.last) return false;
    if (uuid != held.uuid) return reader_changes_across(db, held.uuid, held.revision, revision, dids);
    if (revision == held.revision) return true; /* opened again as it was */
    return revision > held.revision && reader_changes(db, held.revision, revision, dids);
}

/* held made to stand for db at revision: kept, brought up, or emptied. */
void follow(FacetColumns &held, const Xapian::Database &db, uint64_t opens, Xapian::rev revision) {
    if (held.valid && held.opens == opens && held.revision == revision) return;
    Xapian::docid last = db.get_lastdocid();
    std::string uuid = uuid_of(db);
    std::vector<Xapian::docid> dids;
    if (!moved_on(held, db, uuid, revision, last, dids) || !bring_up(held, db, last, dids)) {
        drop_all(held);
        held.last = last;
    }
    held.valid = true;
    held.opens = opens;
    held.revision = revision;
    held.uuid = std::move(uuid);
}

}  // namespace

size_t FacetColumn::bytes() const {
    return codes.capacity() * sizeof codes[0] + value_bytes;
}

std::shared_ptr<const FacetColumn> reader_facet_column(engine_reader *r, Xapian::valueno slot) {
    if (r->remote || r->part_dbs.size() != 1) return nullptr;
    Xapian::rev revision;
    try {
        revision = r->db.get_revision();
    } catch (const Xapian::LogicError &) { /* a stub lede does not walk, of several */
        return nullptr;
    }
    FacetColumns &held = r->facet_columns;
    follow(held, r->db, r->opens, revision);
    auto at = held.slots.find(slot);
    if (at != held.slots.end()) return at->second;
    return held.slots[slot] = read_column(held, r->db, slot);
}
