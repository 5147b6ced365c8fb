/* collapse.cc -- collapse=dup|FIELD (search.h): which value slot a
 * search collapses on, and how many matches each hit stands for.  Xapian
 * collapses (Enquire::set_collapse_key, carried by its remote protocol):
 * one hit per key, the best ranked, and never joins articles whose key is
 * empty -- which is why only grouped articles hold a near-duplicate key
 * (duplicates.cc).  Changes no score and no order but for the hits it
 * leaves out.
 *
 * A hit's count of collapsed matches: when the search counts exactly
 * (exact=1, COUNT), a ValueCountMatchSpy on the slot sees every match
 * before Xapian collapses them (its check_at_least then covers them all,
 * so no match is skipped), and the count is the key's matches less one;
 * otherwise Xapian's own count, a lower bound (it passes over matches it
 * can prove would not make the page).  The spy gives the exact collapsed
 * total too (the matches without a key, and one for each key): Xapian's
 * own bounds with a collapse and a sort by value over several local
 * databases were not exact even when every match was seen (40 for 18). */
#include "internal.hh"
#include "query_run.hh"

namespace {

/* The slot of o->collapse: "dup" or a metadata field's. */
Xapian::valueno collapse_slot(engine_reader *r, const char *name) {
    if (!strcmp(name, "dup")) return ENGINE_SLOT_DUP;
    return field_collapse_slot(r, name);
}

}  // namespace

/* A metadata field's slot (schema.h), the name resolved as a query's
 * field name is (schema_resolve: "topic" finds "topics"). */
Xapian::valueno field_collapse_slot(engine_reader *r, const char *name) {
    size_t index;
    char err[LEDE_ERRLEN];
    if (schema_resolve(&r->fields, name, strlen(name), &index, err) != LEDE_OK)
        throw Xapian::QueryParserError(std::string("collapse=") + name + ": " + err +
                                       " (or dup: near-duplicates)");
    return schema_slot(index);
}

void set_collapse(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, Page &page) {
    if (!o->collapse || !*o->collapse) return;
    Xapian::valueno slot = collapse_slot(r, o->collapse);
    enq.set_collapse_key(slot);
    if (!o->exact || o->offset + o->limit == 0) return;  /* a count shows no hit */
    page.collapse_counts = std::make_shared<Xapian::ValueCountMatchSpy>(slot);
    enq.add_matchspy(page.collapse_counts.get());
}

bool collapsed_total(const Page &page, uint64_t *total) {
    if (!page.collapse_counts) return false;
    const Xapian::ValueCountMatchSpy &spy = *page.collapse_counts;
    uint64_t keyed = 0, keys = 0;
    for (Xapian::TermIterator v = spy.values_begin(); v != spy.values_end(); ++v) {
        keyed += v.get_termfreq();
        keys++;
    }
    *total = spy.get_total() - keyed + keys;
    return true;
}

unsigned collapsed_into(Page &page, const Xapian::MSetIterator &it) {
    if (!page.collapse_counts) return it.get_collapse_count();
    std::string key = it.get_collapse_key();
    if (key.empty()) return 0;
    if (page.collapse_sizes.empty())
        for (Xapian::TermIterator v = page.collapse_counts->values_begin();
             v != page.collapse_counts->values_end(); ++v)
            page.collapse_sizes[*v] = v.get_termfreq();
    auto found = page.collapse_sizes.find(key);
    return found == page.collapse_sizes.end() || found->second == 0 ? 0 : found->second - 1;
}
