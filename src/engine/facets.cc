/* facets.cc -- a search's facets (search_opts.facets, src/facets.h): the
 * facets= text resolved against the index's fields (plan_facets), the
 * counters of the value slots they read set on the match of the page
 * (FacetCounts::arm, from search.cc: a FacetSpy, facet_spy.cc, or where
 * a database is remote one Xapian::ValueCountMatchSpy a slot), and what
 * they counted turned into each facet's values (FacetCounts::fill):
 *   keyword  a slot holds a document's values joined by SCHEMA_VALUE_SEP
 *            (schema.h): each joined combination's count is split and
 *            added up per case-folded value, shown in its commonest
 *            written form; the commonest values first
 *   number   sortable_unserialise'd, shown as numbers; commonest first
 *   date     a date field's Unix seconds, or the day slot's "YYYYMMDD"
 *            (ENGINE_SLOT_DAY, the year/month/day histograms), in buckets
 *            of a year, month or day, in date order
 * Exact or estimated: the match checks at least search_opts.facets_exact
 * candidates (FACETS_EXACT_DEFAULT; every one with exact=1), so a query with fewer matches is
 * counted whole; one with more is counted over the candidates checked,
 * its counts scaled to the estimated matches and flagged.  Over remote shards
 * the spies are Xapian's own, so the shards count their part and the
 * front merges them.  Touches no document and no database itself. */
#include "internal.hh"
#include "query_run.hh"
#include "../date.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <unordered_map>

namespace {

typedef std::vector<std::pair<std::string, uint64_t>> Values;

uint64_t scaled(uint64_t count, double scale) {
    return scale == 1.0 ? count : (uint64_t)std::llround((double)count * scale);
}

/* The commonest first, then by key; at most top of them. */
template <typename K>
std::vector<std::pair<K, uint64_t>> commonest(const std::map<K, uint64_t> &counts, unsigned top) {
    std::vector<std::pair<K, uint64_t>> v(counts.begin(), counts.end());
    auto order = [](const std::pair<K, uint64_t> &a, const std::pair<K, uint64_t> &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    };
    size_t keep = std::min<size_t>(top, v.size());
    std::partial_sort(v.begin(), v.begin() + keep, v.end(), order);
    v.resize(keep);
    return v;
}

/* A keyword slot's joined values split and added up per value as
 * written: each written value is then folded once, not once for each
 * combination it is in. */
std::unordered_map<std::string_view, uint64_t> written_values(const ValueCounts &counted) {
    std::unordered_map<std::string_view, uint64_t> written;
    for (const auto &c : counted) {
        std::string_view joined = c.first;
        size_t from = 0;
        while (from <= joined.size()) {
            size_t sep = joined.find(SCHEMA_VALUE_SEP, from);
            if (sep == std::string_view::npos) sep = joined.size();
            if (sep > from) written[joined.substr(from, sep - from)] += c.second;
            from = sep + 1;
        }
    }
    return written;
}

/* A keyword slot's joined values, added up per case-folded value, each
 * shown in its commonest written form. */
Values keyword_values(const ValueCounts &counted, unsigned top, bool fold, uint64_t &distinct) {
    std::map<std::string, uint64_t> per_value;
    std::map<std::string, std::map<std::string, uint64_t>> forms;
    for (const auto &w : written_values(counted)) {
        std::string written(w.first);
        std::string folded = fold_value(written, fold);
        per_value[folded] += w.second;
        forms[folded][written] += w.second;
    }
    distinct = per_value.size();
    Values out;
    for (const auto &v : commonest(per_value, top))
        out.emplace_back(commonest(forms[v.first], 1)[0].first, v.second);
    return out;
}

std::string number_text(double v) {
    char buf[64];
    if (v == std::floor(v) && std::fabs(v) < 1e15) snprintf(buf, sizeof buf, "%.0f", v);
    else snprintf(buf, sizeof buf, "%.15g", v);
    return buf;
}

Values number_values(const ValueCounts &counted, unsigned top, uint64_t &distinct) {
    std::map<double, uint64_t> counts;
    for (const auto &c : counted) counts[Xapian::sortable_unserialise(c.first)] += c.second;
    distinct = counts.size();
    Values out;
    for (const auto &v : commonest(counts, top)) out.emplace_back(number_text(v.first), v.second);
    return out;
}

/* The ISO 8601 form of a date's bucket: "2024", "2024-03", "2024-03-11";
 * "" when the value is no date. */
std::string bucket_of(const std::string &value, bool day_slot, facet_grain grain) {
    char iso[32];
    if (day_slot) { /* "YYYYMMDD" into "YYYY-MM-DD" */
        if (value.size() != 8) return std::string();
        memcpy(iso, value.data(), 4);
        iso[4] = '-';
        memcpy(iso + 5, value.data() + 4, 2);
        iso[7] = '-';
        memcpy(iso + 8, value.data() + 6, 2);
    } else {
        double seconds = Xapian::sortable_unserialise(value);
        if (!(seconds >= -62135596800.0 && seconds <= 253402300799.0)) return std::string(); /* years 1-9999 */
        date_format((int64_t)seconds, iso);
        if (strlen(iso) < 10 || iso[4] != '-') return std::string();
    }
    return std::string(iso, grain == FACET_GRAIN_YEAR ? 4 : grain == FACET_GRAIN_MONTH ? 7 : 10);
}

/* A date's buckets in date order: the latest top of them. */
Values date_values(const ValueCounts &counted, const FacetAsked &a, uint64_t &distinct) {
    std::map<std::string, uint64_t> counts;
    for (const auto &c : counted) {
        std::string bucket = bucket_of(c.first, a.day_slot, a.grain);
        if (!bucket.empty()) counts[bucket] += c.second;
    }
    distinct = counts.size();
    Values out(counts.begin(), counts.end());
    if (out.size() > a.top) out.erase(out.begin(), out.end() - a.top);
    return out;
}

void fill_one(const FacetAsked &a, const ValueCounts &counted, double scale, search_facet &f) {
    uint64_t distinct = 0;
    Values v = a.kind[0] == 'k'   ? keyword_values(counted, a.top, a.fold, distinct)
               : a.kind[0] == 'n' ? number_values(counted, a.top, distinct)
                                  : date_values(counted, a, distinct);
    f.name = dup_string(a.name);
    f.kind = a.kind;
    f.distinct = distinct;
    f.nvalues = (unsigned)v.size();
    f.values = (search_facet_value *)lede_calloc(v.size() ? v.size() : 1, sizeof *f.values);
    for (size_t i = 0; i < v.size(); i++) {
        f.values[i].value = dup_string(v[i].first);
        f.values[i].count = scaled(v[i].second, scale);
    }
}

/* The index's field names, for the messages. */
std::string field_list(const schema &s) {
    sbuf names;
    sbuf_init(&names);
    schema_list_names(&s, &names);
    std::string out(names.data ? names.data : "", names.len);
    sbuf_free(&names);
    return out;
}

/* a, a field's facet, resolved against r's fields into f. */
int resolve_field(const engine_reader *r, const facet_ask &a, FacetAsked &f, char *err) {
    if (!strcasecmp(a.name, "date"))
        return lede_seterr_code(err, LEDE_ESYNTAX, "facet 'date': the article's date is counted by "
                                "year, month or day (facets=year, facets=month:24)");
    if (schema_own_name(a.name, strlen(a.name), SCHEMA_OWN_TEXT)) /* text, not values */
        return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%s': an article's text field has no "
                                "values to count; facets count metadata fields (%s) and the "
                                "date (year, month, day)", a.name, field_list(r->fields).c_str());
    size_t i;
    if (schema_resolve(&r->fields, a.name, strlen(a.name), &i, err) != LEDE_OK)
        return LEDE_ESYNTAX;
    const schema_field &field = r->fields.fields[i];
    f.name = field.name;
    f.kind = schema_kind_name(field.kind);
    f.grain = a.grain;
    if (field.kind != FIELD_DATE && a.grain != FACET_GRAIN_NONE)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%s:%s': only a date field is counted by "
                                "year, month or day ('%s' is a %s field)", a.name,
                                facets_grain_name(a.grain), field.name, f.kind);
    if (field.kind == FIELD_DATE && f.grain == FACET_GRAIN_NONE) f.grain = FACET_GRAIN_YEAR;
    f.slot = schema_slot(i);
    return LEDE_OK;
}

}  // namespace

int plan_facets(engine_reader *r, const char *text, FacetCounts &fc, char *err) {
    facet_ask asks[FACETS_MAX];
    unsigned n = 0;
    if (facets_parse(text, asks, &n, err) != LEDE_OK) return LEDE_ESYNTAX;
    fc.by_xapian = r->remote || facets_by_xapian();
    for (unsigned k = 0; k < n; k++) {
        const facet_ask &a = asks[k];
        FacetAsked f;
        f.fold = r->fold;
        if (a.histogram) {
            f.name = facets_grain_name(a.grain);
            f.kind = "date";
            f.grain = a.grain;
            f.day_slot = true;
            f.slot = ENGINE_SLOT_DAY;
        } else if (int rc = resolve_field(r, a, f, err)) {
            return rc;
        }
        f.top = facets_top(&a, f.kind[0] == 'd');
        for (const FacetAsked &g : fc.asked)
            if (g.name == f.name && g.grain == f.grain && g.day_slot == f.day_slot)
                return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%s' is asked for twice",
                                        f.name.c_str());
        auto at = std::find(fc.slots.begin(), fc.slots.end(), f.slot);
        f.spy = (size_t)(at - fc.slots.begin());
        if (at == fc.slots.end()) {
            fc.slots.push_back(f.slot);
            if (!fc.by_xapian) fc.columns.push_back(reader_facet_column(r, f.slot));
        }
        fc.asked.push_back(f);
    }
    return LEDE_OK;
}

void FacetCounts::arm(Xapian::Enquire &enq) {
    if (slots.empty()) return;
    enq.clear_matchspies();
    spies.clear();
    if (!by_xapian) {
        spy.reset(new FacetSpy(slots, columns));
        enq.add_matchspy(spy.get());
        return;
    }
    for (Xapian::valueno slot : slots) {
        spies.emplace_back(new Xapian::ValueCountMatchSpy(slot));
        enq.add_matchspy(spies.back().get());
    }
}

Xapian::doccount FacetCounts::check_at_least(const engine_reader *r, const search_opts *o,
                                             Xapian::doccount check) {
    if (asked.empty()) return check;
    Xapian::doccount all = r->db.get_doccount();
    Xapian::doccount up_to = o->facets_exact ? o->facets_exact : FACETS_EXACT_DEFAULT;
    bool every = o->exact || o->offset + o->limit == 0;
    checked = std::max(check, every ? all : std::min(all, up_to));
    return checked;
}

void FacetCounts::count_apart(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                              Xapian::doccount check) {
    if (asked.empty()) return;
    enq.set_sort_by_relevance();
    arm(enq);
    counted = checked_mset(r, enq, o, 0, 0, check);
    enq.clear_matchspies();
    apart = true;
}

void FacetCounts::fill(const Xapian::MSet &page, search_results *out) const {
    if (asked.empty() || (spies.empty() && !spy)) return;
    const Xapian::MSet &mset = apart ? counted : page;
    /* Every spy saw the same candidates.  Fewer seen than the match had
     * to check: it ran out of matches, so it saw them all.  Estimated
     * counts are scaled to the search's total (Xapian's final estimate:
     * its "uncollapsed" figures are taken before it refines them). */
    uint64_t seen = by_xapian ? spies[0]->get_total() : spy->total;
    uint64_t lower = mset.get_matches_lower_bound();
    uint64_t upper = mset.get_matches_upper_bound();
    uint64_t estimated = std::max<uint64_t>(mset.get_matches_estimated(), seen);
    bool exact = (lower == upper && seen == lower) || seen < checked;
    double scale = exact || seen == 0 ? 1.0 : (double)estimated / (double)seen;
    out->facets = (search_facet *)lede_calloc(asked.size(), sizeof *out->facets);
    out->nfacets = (unsigned)asked.size();
    std::vector<ValueCounts> per_slot;
    for (size_t s = 0; s < slots.size(); s++)
        per_slot.push_back(by_xapian ? xapian_counts(*spies[s]) : spy->counts(s));
    for (size_t i = 0; i < asked.size(); i++) {
        fill_one(asked[i], per_slot[asked[i].spy], scale, out->facets[i]);
        out->facets[i].estimated = !exact;
        out->facets[i].seen = seen;
    }
}
