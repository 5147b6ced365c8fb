/* facet_spy.cc -- FacetSpy: what a local match counts for a search's
 * facets (facets.cc), one Xapian::MatchSpy for every value slot they
 * read.  Each candidate's value of each slot is counted as stored, the
 * empty value not at all: the same counts as one
 * Xapian::ValueCountMatchSpy a slot (the spies a remote shard runs, since
 * xapian-tcpsrv knows no other), for less: Xapian's spy inserts into a
 * std::map of strings, a walk of string compares a candidate and slot;
 * this one counts by the slot's codes where the reader holds the slot in
 * memory (facet_columns.cc: no value read at all), else the day slot's
 * "YYYYMMDD" by its number and any other value in a hash table, the last
 * value's counter kept at hand (matches come in index order, which often
 * follows the date).  counts() gives a
 * slot's counts back as the strings Xapian's spy would have kept.
 * LEDE_XAPIAN_FACETS set in the environment counts with Xapian's spies
 * locally too, to compare the two (a test hook, read once a process).
 * Reads the candidates' values only; touches no reader. */
#include "internal.hh"
#include "query_run.hh"

#include <cstdio>
#include <cstdlib>

bool facets_by_xapian() {
    static const bool set = getenv("LEDE_XAPIAN_FACETS") != nullptr;
    return set;
}

FacetSpy::FacetSpy(const std::vector<Xapian::valueno> &slots,
                   const std::vector<std::shared_ptr<const FacetColumn>> &columns) {
    for (size_t i = 0; i < slots.size(); i++) {
        SlotCount c;
        c.slot = slots[i];
        c.day = slots[i] == ENGINE_SLOT_DAY;
        if (i < columns.size() && columns[i]) {
            c.column = columns[i];
            c.by_code.assign(c.column->values.size() + 1, 0);
        }
        counters.push_back(std::move(c));
    }
}

namespace {

/* The number a day slot's "YYYYMMDD" stands for, or -1 when the value is
 * not eight digits (counted then as a string, as it is). */
long day_number(const std::string &v) {
    if (v.size() != 8) return -1;
    long n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n;
}

}  // namespace

void FacetSpy::SlotCount::add(std::string &&v) {
    long day = this->day ? day_number(v) : -1;
    if (day >= 0) {
        if (!last_day || day != last_day_number) {
            last_day = &days[(uint32_t)day];
            last_day_number = day;
        }
        ++*last_day;
        return;
    }
    if (!last_value || last_value->first != v) last_value = &*values.emplace(std::move(v), 0).first;
    ++last_value->second;
}

void FacetSpy::operator()(const Xapian::Document &doc, double) {
    ++total;
    Xapian::docid did = 0;
    for (SlotCount &c : counters) {
        if (c.column) {
            if (!did) did = doc.get_docid();
            if (did < c.column->codes.size()) {
                ++c.by_code[c.column->codes[did]]; /* code 0, no value: not counted */
                continue;
            }
        }
        std::string v = doc.get_value(c.slot);
        if (!v.empty()) c.add(std::move(v));
    }
}

ValueCounts FacetSpy::counts(size_t i) const {
    const SlotCount &c = counters[i];
    ValueCounts out(c.values.begin(), c.values.end());
    for (size_t code = 1; code < c.by_code.size(); code++)
        if (c.by_code[code]) out.emplace_back(c.column->values[code - 1], c.by_code[code]);
    for (const auto &d : c.days) {
        char buf[16];
        snprintf(buf, sizeof buf, "%08lu", (unsigned long)d.first);
        out.emplace_back(buf, d.second);
    }
    return out;
}

ValueCounts xapian_counts(const Xapian::ValueCountMatchSpy &spy) {
    ValueCounts out;
    for (Xapian::TermIterator it = spy.values_begin(); it != spy.values_end(); ++it)
        out.emplace_back(*it, it.get_termfreq());
    return out;
}
