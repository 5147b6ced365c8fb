/* facet_columns.cc -- value slots a reader keeps in memory for the
 * facets of its local matches (reader_facet_column, counted by
 * facet_spy.cc): a slot's value of every document as a code into a table
 * of its distinct values, read in one pass over the slot the first time
 * a facet needs it, and again once the database has moved (another
 * revision, or other databases opened).  Counting a candidate's value is
 * then an array read, where reading it through Xapian reads the value
 * stream's blocks again in every search (on Reuters, three facets took
 * about 40 block reads a search and four fifths of their cost went to
 * the value reads; bench/results/query.md).
 * Kept only for an index of one local database (Xapian hands a match spy
 * the docid within a sub-database, not which one), of at most
 * COLUMN_MAX_DOCS documents, and for a slot of at most
 * COLUMN_MAX_DISTINCT distinct values (a number or a date in seconds for
 * each article is not: its values are read as before).  Memory: 4 bytes
 * a document and a slot, and the distinct values, a reader (each worker
 * has its own).  Touches only r->facet_columns. */
#include "internal.hh"
#include "query_run.hh"

namespace {

const Xapian::docid COLUMN_MAX_DOCS = 1u << 24;  /* 64 MB of codes a slot */
const size_t COLUMN_MAX_DISTINCT = 1u << 16;

/* slot of db, or NULL when it is too large to keep. */
std::shared_ptr<const FacetColumn> read_column(const Xapian::Database &db, Xapian::valueno slot) {
    Xapian::docid last = db.get_lastdocid();
    if (last > COLUMN_MAX_DOCS) return nullptr;
    auto column = std::make_shared<FacetColumn>();
    column->codes.assign((size_t)last + 1, 0);
    std::unordered_map<std::string, uint32_t> code_of;
    for (Xapian::ValueIterator it = db.valuestream_begin(slot); it != db.valuestream_end(slot); ++it) {
        Xapian::docid did = it.get_docid();
        std::string value = *it;
        if (value.empty() || did > last) continue;
        auto at = code_of.emplace(std::move(value), (uint32_t)column->values.size() + 1);
        if (at.second) {
            if (column->values.size() == COLUMN_MAX_DISTINCT) return nullptr;
            column->values.push_back(at.first->first);
        }
        column->codes[did] = at.first->second;
    }
    return column;
}

}  // namespace

std::shared_ptr<const FacetColumn> reader_facet_column(engine_reader *r, Xapian::valueno slot) {
    if (r->remote || r->part_dbs.size() != 1) return nullptr;
    Xapian::rev revision;
    try {
        revision = r->db.get_revision();
    } catch (const Xapian::LogicError &) { /* a stub lede does not walk, of several */
        return nullptr;
    }
    FacetColumns &held = r->facet_columns;
    if (!held.valid || held.opens != r->opens || held.revision != revision) {
        held.slots.clear();
        held.valid = true;
        held.opens = r->opens;
        held.revision = revision;
    }
    auto at = held.slots.find(slot);
    if (at != held.slots.end()) return at->second;
    return held.slots[slot] = read_column(r->db, slot);
}
