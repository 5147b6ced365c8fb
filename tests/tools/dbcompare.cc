/* tests/tools/dbcompare.cc -- compares two Xapian databases through
 * Xapian's public API only, term by term (issue 20's equivalence check):
 * statistics, every term's frequencies, postlist with wdf and positions,
 * every document's length, termlist, values and data, metadata, spelling
 * words and their frequencies, spelling suggestions for misspellings of
 * the first 300 words (the metadata lede.replaced and lede.compacted, a
 * log of commits and a compaction's record of its source, left out).
 * Prints the first differences (at most --max, default 20) and exits 1
 * when there is any, 0 when the databases are equal, 2 on an error.
 * Owns nothing else; writes nothing.
 *
 * With --by-id it compares two lede indexes whose documents need not have
 * the same docids (built with other thread counts or writers): their
 * articles paired by id term, each one's length, termlist with wdf and
 * values; the metadata lede.boilerplate as a set of lines; the spelling
 * words and their frequencies (issue 21: what is learned and left out is
 * a function of the input alone).
 *
 * With --replaced, A is a database Xapian's API wrote (articles replaced
 * within the build) and B one the bulk writer wrote: Xapian never narrows
 * a bound when it replaces a document (a slot's value bounds keep the old
 * version's value until the slot empties; the doclength upper bound keeps
 * its length), and the bulk writer writes exact ones.  So there A's value
 * bounds and doclength upper bound may differ from B's only where B's are
 * exact (the least and greatest B holds) and A's looser: shown as
 * "looser:" lines, not counted as differences.
 *
 * Usage: dbcompare [--max N] [--replaced] [--by-id [--skip-slot N]...] DB_A DB_B
 * (either may be a lede index's stub or any path Xapian::Database opens). */
#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace {

struct Report {
    unsigned long differences = 0;
    unsigned long max_shown = 20;
    void diff(const std::string &what) {
        if (differences++ < max_shown) std::printf("differ: %s\n", what.c_str());
    }
    bool full() const { return differences >= max_shown; }
};

bool replaced = false; /* --replaced */

std::string show(const std::string &s) {
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7f && c != '\\') out += char(c);
        else { char buf[8]; std::snprintf(buf, sizeof buf, "\\x%02x", c); out += buf; }
    }
    return out.size() > 80 ? out.substr(0, 80) + "..." : out;
}

template <class T>
void same(Report &r, const std::string &what, const T &a, const T &b) {
    if (a == b) return;
    std::ostringstream o;
    o << what << ": " << a << " vs " << b;
    r.diff(o.str());
}

void compare_stats(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    same(r, "doccount", a.get_doccount(), b.get_doccount());
    same(r, "lastdocid", a.get_lastdocid(), b.get_lastdocid());
    same(r, "total length", a.get_total_length(), b.get_total_length());
    same(r, "avlength", a.get_avlength(), b.get_avlength());
    same(r, "doclength lower bound", a.get_doclength_lower_bound(), b.get_doclength_lower_bound());
    if (!replaced)
        same(r, "doclength upper bound", a.get_doclength_upper_bound(), b.get_doclength_upper_bound());
    same(r, "has positions", a.has_positions(), b.has_positions());
}

/* --replaced: B's bound what (lower: a lower bound) and A's the same,
 * or B's exact (the value B holds) and A's looser.  (Both may be looser
 * alike: a compaction's re-clean replaces documents in both builds.) */
template <class T>
void bound(Report &r, const std::string &what, bool lower, const T &a, const T &b, const T &exact,
           const std::string &as_a, const std::string &as_b) {
    if (a == b) return;
    if (b != exact || (lower ? b < a : a < b))
        r.diff(what + ": " + as_a + " vs " + as_b + " (not the second's exact bound and a looser one)");
    else
        std::printf("looser: %s: %s vs %s\n", what.c_str(), as_a.c_str(), as_b.c_str());
}

void compare_doclength_bound(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    Xapian::termcount longest = 0;
    for (Xapian::PostingIterator p = b.postlist_begin(""); p != b.postlist_end(""); ++p)
        longest = std::max(longest, p.get_doclength());
    Xapian::termcount x = a.get_doclength_upper_bound(), y = b.get_doclength_upper_bound();
    bound(r, "doclength upper bound", false, x, y, longest, std::to_string(x), std::to_string(y));
}

std::string positions(const Xapian::PositionIterator &begin, const Xapian::PositionIterator &end) {
    std::string out;
    for (Xapian::PositionIterator p = begin; p != end; ++p) out += " " + std::to_string(*p);
    return out;
}

void compare_postlist(Report &r, const Xapian::Database &a, const Xapian::Database &b,
                      const std::string &term) {
    std::string t = "term '" + show(term) + "'";
    same(r, t + " termfreq", a.get_termfreq(term), b.get_termfreq(term));
    same(r, t + " collfreq", a.get_collection_freq(term), b.get_collection_freq(term));
    same(r, t + " wdf upper bound", a.get_wdf_upper_bound(term), b.get_wdf_upper_bound(term));
    Xapian::PostingIterator p = a.postlist_begin(term), q = b.postlist_begin(term);
    for (; p != a.postlist_end(term) && q != b.postlist_end(term); ++p, ++q) {
        if (*p != *q) { same(r, t + " posting docid", *p, *q); return; }
        std::string d = t + " doc " + std::to_string(*p);
        same(r, d + " wdf", p.get_wdf(), q.get_wdf());
        same(r, d + " doclength", p.get_doclength(), q.get_doclength());
        same(r, d + " positions", positions(p.positionlist_begin(), p.positionlist_end()),
             positions(q.positionlist_begin(), q.positionlist_end()));
        if (r.full()) return;
    }
    same(r, t + " postlist ends", p == a.postlist_end(term), q == b.postlist_end(term));
}

void compare_terms(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    Xapian::TermIterator i = a.allterms_begin(), j = b.allterms_begin();
    for (; i != a.allterms_end() && j != b.allterms_end() && !r.full(); ++i, ++j) {
        if (*i != *j) { r.diff("allterms: '" + show(*i) + "' vs '" + show(*j) + "'"); return; }
        compare_postlist(r, a, b, *i);
    }
    if (!r.full()) same(r, "allterms ends", i == a.allterms_end(), j == b.allterms_end());
}

std::string termlist(const Xapian::Database &db, Xapian::docid did) {
    std::string out;
    for (Xapian::TermIterator t = db.termlist_begin(did); t != db.termlist_end(did); ++t)
        out += " " + show(*t) + ":" + std::to_string(t.get_wdf());
    return out;
}

/* Every value slot either database's documents use, for the slot stats;
 * and those --skip-slot leaves out of a --by-id comparison (a sharded
 * index's shards keep a head value a whole index has not). */
std::set<Xapian::valueno> slots_seen, skipped_slots;

std::string values(const Xapian::Document &doc) {
    std::string out;
    for (Xapian::ValueIterator v = doc.values_begin(); v != doc.values_end(); ++v) {
        if (skipped_slots.count(v.get_valueno())) continue;
        slots_seen.insert(v.get_valueno());
        out += " " + std::to_string(v.get_valueno()) + "=" + show(*v);
    }
    return out;
}

void compare_documents(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    Xapian::PostingIterator p = a.postlist_begin(""), q = b.postlist_begin("");
    for (; p != a.postlist_end("") && q != b.postlist_end("") && !r.full(); ++p, ++q) {
        if (*p != *q) { same(r, "document ids", *p, *q); return; }
        std::string d = "doc " + std::to_string(*p);
        same(r, d + " length", a.get_doclength(*p), b.get_doclength(*q));
        same(r, d + " unique terms", a.get_unique_terms(*p), b.get_unique_terms(*q));
        same(r, d + " termlist", termlist(a, *p), termlist(b, *q));
        Xapian::Document x = a.get_document(*p), y = b.get_document(*q);
        same(r, d + " values", values(x), values(y));
        if (x.get_data() != y.get_data()) r.diff(d + " data differs");
    }
    if (!r.full()) same(r, "documents end", p == a.postlist_end(""), q == b.postlist_end(""));
}

/* --replaced: a slot's bounds, A's the same as B's, or B's exact and A's looser. */
void compare_value_bounds(Report &r, const std::string &s, Xapian::valueno slot,
                          const Xapian::Database &a, const Xapian::Database &b) {
    std::string least, greatest;
    for (Xapian::ValueIterator v = b.valuestream_begin(slot); v != b.valuestream_end(slot); ++v) {
        if (least.empty() || *v < least) least = *v;
        if (*v > greatest) greatest = *v;
    }
    std::string x = a.get_value_lower_bound(slot), y = b.get_value_lower_bound(slot);
    bound(r, s + " lower bound", true, x, y, least, show(x), show(y));
    x = a.get_value_upper_bound(slot), y = b.get_value_upper_bound(slot);
    bound(r, s + " upper bound", false, x, y, greatest, show(x), show(y));
}

void compare_values(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    for (Xapian::valueno slot : slots_seen) {
        if (r.full()) return;
        std::string s = "value slot " + std::to_string(slot);
        same(r, s + " freq", a.get_value_freq(slot), b.get_value_freq(slot));
        if (replaced) {
            compare_value_bounds(r, s, slot, a, b);
            continue;
        }
        same(r, s + " lower bound", show(a.get_value_lower_bound(slot)),
             show(b.get_value_lower_bound(slot)));
        same(r, s + " upper bound", show(a.get_value_upper_bound(slot)),
             show(b.get_value_upper_bound(slot)));
    }
}

/* The change log and the record a compaction of one database leaves of
 * its source (src/engine/changes.cc: the source's UUID and revisions)
 * tell which commits wrote a database, not what it holds: a bulk build
 * has neither, and two compactions' records name different sources. */
bool log_key(const std::string &key) {
    return key == "lede.replaced" || key == "lede.compacted";
}

void past_log(Xapian::TermIterator &i, const Xapian::Database &db) {
    while (i != db.metadata_keys_end() && log_key(*i)) ++i;
}

void compare_metadata(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    Xapian::TermIterator i = a.metadata_keys_begin(), j = b.metadata_keys_begin();
    for (;; ++i, ++j) {
        past_log(i, a);
        past_log(j, b);
        if (i == a.metadata_keys_end() || j == b.metadata_keys_end() || r.full()) break;
        if (*i != *j) { r.diff("metadata key '" + show(*i) + "' vs '" + show(*j) + "'"); return; }
        if (a.get_metadata(*i) != b.get_metadata(*j))
            r.diff("metadata '" + show(*i) + "' value differs");
    }
    if (!r.full()) same(r, "metadata ends", i == a.metadata_keys_end(), j == b.metadata_keys_end());
}

void compare_spelling(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    Xapian::TermIterator i = a.spellings_begin(), j = b.spellings_begin();
    for (; i != a.spellings_end() && j != b.spellings_end() && !r.full(); ++i, ++j) {
        if (*i != *j) { r.diff("spelling '" + show(*i) + "' vs '" + show(*j) + "'"); return; }
        same(r, "spelling '" + show(*i) + "' freq", i.get_termfreq(), j.get_termfreq());
    }
    if (!r.full()) same(r, "spellings end", i == a.spellings_end(), j == b.spellings_end());
}

/* Spelling correction reads the fragment keys, not the word list: compare
 * the suggestions for misspellings of the first words (a dropped last
 * byte, the first two swapped, a middle byte replaced). */
unsigned long suggestions_found = 0;

void compare_suggestions(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    unsigned n = 0;
    for (Xapian::TermIterator i = a.spellings_begin(); i != a.spellings_end() && n < 300; ++i, ++n) {
        std::string w = *i;
        if (w.size() < 3) continue;
        std::string variants[3] = {w.substr(0, w.size() - 1), w, w};
        std::swap(variants[1][0], variants[1][1]);
        variants[2][w.size() / 2] = 'x';
        for (const std::string &v : variants) {
            std::string x = a.get_spelling_suggestion(v), y = b.get_spelling_suggestion(v);
            if (!x.empty()) ++suggestions_found;
            if (x != y) r.diff("spelling suggestion for '" + show(v) + "': '" + show(x) + "' vs '" + show(y) + "'");
            if (r.full()) return;
        }
    }
}

/* ---- --by-id ---------------------------------------------------------- */

std::map<std::string, Xapian::docid> ids_of(const Xapian::Database &db) {
    std::map<std::string, Xapian::docid> ids;
    for (Xapian::TermIterator t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t)
        ids[*t] = *db.postlist_begin(*t);
    return ids;
}

void compare_by_id(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    same(r, "doccount", a.get_doccount(), b.get_doccount());
    same(r, "total length", a.get_total_length(), b.get_total_length());
    std::map<std::string, Xapian::docid> x = ids_of(a), y = ids_of(b);
    for (const auto &kv : x) {
        if (r.full()) return;
        auto other = y.find(kv.first);
        std::string d = "article '" + show(kv.first.substr(1)) + "'";
        if (other == y.end()) { r.diff(d + " missing from the second"); continue; }
        same(r, d + " length", a.get_doclength(kv.second), b.get_doclength(other->second));
        same(r, d + " termlist", termlist(a, kv.second), termlist(b, other->second));
        same(r, d + " values", values(a.get_document(kv.second)), values(b.get_document(other->second)));
    }
}

std::vector<std::string> sorted_lines(const std::string &text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
}

void compare_boilerplate(Report &r, const Xapian::Database &a, const Xapian::Database &b) {
    std::vector<std::string> x = sorted_lines(a.get_metadata("lede.boilerplate")),
                             y = sorted_lines(b.get_metadata("lede.boilerplate"));
    same(r, "lede.boilerplate lines", x.size(), y.size());
    for (size_t i = 0; i < x.size() && i < y.size() && !r.full(); i++)
        if (x[i] != y[i]) r.diff("lede.boilerplate: '" + show(x[i]) + "' vs '" + show(y[i]) + "'");
}

}  // namespace

int main(int argc, char **argv) {
    Report r;
    int arg = 1;
    bool by_id = false;
    for (; arg < argc && std::strncmp(argv[arg], "--", 2) == 0; arg++) {
        if (std::strcmp(argv[arg], "--by-id") == 0) by_id = true;
        else if (std::strcmp(argv[arg], "--replaced") == 0) replaced = true;
        else if (std::strcmp(argv[arg], "--max") == 0 && arg + 1 < argc) r.max_shown = std::strtoul(argv[++arg], nullptr, 10);
        else if (std::strcmp(argv[arg], "--skip-slot") == 0 && arg + 1 < argc) skipped_slots.insert(std::strtoul(argv[++arg], nullptr, 10));
        else break;
    }
    if (argc - arg != 2) {
        std::fprintf(stderr, "usage: dbcompare [--max N] [--replaced] [--by-id [--skip-slot N]...] DB_A DB_B\n");
        return 2;
    }
    try {
        Xapian::Database a(argv[arg]), b(argv[arg + 1]);
        if (by_id) {
            compare_by_id(r, a, b);
            compare_boilerplate(r, a, b);
            compare_spelling(r, a, b);
        } else {
            compare_stats(r, a, b);
            if (replaced) compare_doclength_bound(r, a, b);
            compare_terms(r, a, b);
            compare_documents(r, a, b);
            compare_values(r, a, b);
            compare_metadata(r, a, b);
            compare_spelling(r, a, b);
            compare_suggestions(r, a, b);
        }
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "dbcompare: %s\n", e.get_description().c_str());
        return 2;
    }
    if (r.differences == 0) {
        std::printf("equal (%lu spelling suggestions found)\n", suggestions_found);
        return 0;
    }
    std::printf("%lu difference%s\n", r.differences, r.differences == 1 ? "" : "s");
    return 1;
}
