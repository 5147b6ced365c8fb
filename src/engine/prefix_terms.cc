/* prefix_terms.cc -- format 4's prefix terms, written and read (issue 22).
 * A prefix query word* is the synonym of every word starting so, which
 * WildcardSource (wildcard.hh) scores by the sum of an article's wdfs of
 * those words: reading every posting of every word (comp*, 1.1M matches
 * of 2M articles, read some hundred posting lists).  With --prefix-min a
 * full build chooses prefix words from its sample (engine_writer_prefixes:
 * the byte prefixes of PREFIX_MIN_LEN to PREFIX_MAX_LEN of its body words
 * whose words' postings outnumber the articles holding one of them by
 * enough, "lede.prefixes", space-separated), and every writer (full, bulk,
 * live) gives each article, for each prefix word P and text field F
 * (body, headline, standfirst) that has a word starting with P, the term
 * XW<F><P> with the sum of those words' baked wdfs as its wdf
 * (add_prefix_terms).  Its posting list is then exactly what
 * WildcardSource adds up for the pattern <F><P>: the same articles and
 * sums, so the same weights (the idf still from the words' frequencies),
 * read from one list.  The sum adds to the document's length (Xapian's
 * sum of wdfs), which format 4 does not score with (b = 0).  Touches no
 * database. */
#include "internal.hh"
#include "prefix_terms.hh"
#include "tiers.hh"
#include "tokenise.hh"

#include <algorithm>
#include <set>

namespace {

/* The field prefixes whose words get prefix terms: those a query's
 * default field searches. */
const char *const TEXT_FIELDS[] = {"", PREFIX_TITLE, PREFIX_STANDFIRST};

/* The text field prefix of term, or nullptr when term is of another. */
const char *text_field(std::string_view term) {
    size_t n = prefix_length(term);
    for (const char *f : TEXT_FIELDS)
        if (strlen(f) == n && term.compare(0, n, f) == 0) return f;
    return nullptr;
}

void add_to(PrefixSums &sums, std::string_view pattern, Xapian::termcount wdf) {
    for (size_t k = sums.size(); k-- > 0;)
        if (sums[k].first == pattern) {
            sums[k].second += wdf;
            return;
        }
    sums.emplace_back(std::string(pattern), wdf);
}

/* Adds each term's wdf to the prefix terms it counts in; term(i), wdf(i)
 * for i below n.  Returns the terms (XW<pattern>) with their sums. */
template <typename TermAt, typename WdfAt>
PrefixSums prefix_sums(const PrefixSet &prefixes, size_t n, TermAt term, WdfAt wdf) {
    PrefixSums sums;
    for (size_t i = 0; i < n; i++) {
        std::string_view t = term(i);
        const char *f = text_field(t);
        if (!f) continue;
        size_t flen = strlen(f);
        for (size_t len : prefixes.lengths) {
            if (t.size() < flen + len) break;
            if (prefixes.lookup.contains(t.substr(flen, len))) add_to(sums, t.substr(0, flen + len), wdf(i));
        }
    }
    for (auto &s : sums) s.first.insert(0, PREFIX_PREFIX);
    return sums;
}

/* Whether a word's first len bytes end where a UTF-8 character does. */
bool ends_a_character(std::string_view word, size_t len) {
    return len == word.size() || ((unsigned char)word[len] & 0xC0) != 0x80;
}

}  // namespace

PrefixSet prefixes_of(const settings &s) {
    return prefixes_of(std::string(s.prefixes.data ? s.prefixes.data : "", s.prefixes.len));
}

PrefixSet prefixes_of(const std::string &list) {
    PrefixSet out;
    word_set words = words_of(list);
    std::set<size_t> lengths;
    for (const std::string &word : words) lengths.insert(word.size());
    out.lengths.assign(lengths.begin(), lengths.end());
    out.lookup = WordSet(words);
    return out;
}

void add_prefix_terms(const PrefixSet &prefixes, const TierWords &tiers, Xapian::Document &doc) {
    if (prefixes.empty()) return;
    std::vector<std::string> terms;
    std::vector<Xapian::termcount> wdfs;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        terms.push_back(*t);
        wdfs.push_back(t.get_wdf());
    }
    auto sums = prefix_sums(prefixes, terms.size(), [&](size_t i) -> const std::string & { return terms[i]; },
                            [&](size_t i) { return wdfs[i]; });
    for (const auto &kv : sums) doc.add_term(kv.first, kv.second);
    for (const std::string &t : prefix_tier_terms(tiers, sums)) doc.add_boolean_term(t);
}

void add_prefix_terms(const PrefixSet &prefixes, const TierWords &tiers, tok::TermTable &table) {
    if (prefixes.empty()) return;
    const std::vector<bulk::FlatTerm> &terms = table.terms();
    auto sums = prefix_sums(prefixes, terms.size(), [&](size_t i) -> const std::string & { return terms[i].term; },
                            [&](size_t i) { return terms[i].wdf; });
    for (const auto &kv : sums) table.add_term(kv.first, kv.second);
    for (const std::string &t : prefix_tier_terms(tiers, sums)) table.add_boolean(t);
}

void sample_prefixes(engine_writer *w, const std::vector<std::string_view> &words) {
    std::vector<std::string_view> held;
    for (std::string_view word : words)
        for (size_t len = PREFIX_MIN_LEN; len <= PREFIX_MAX_LEN && len <= word.size(); len++)
            if (ends_a_character(word, len)) held.push_back(word.substr(0, len));
    std::sort(held.begin(), held.end());
    held.erase(std::unique(held.begin(), held.end()), held.end());
    for (std::string_view p : held) w->sample_prefix_df[std::string(p)]++;
}

std::string prefix_term_for(const engine_reader *r, const std::string &pattern) {
    if (r->prefixes.empty()) return std::string();
    const char *f = text_field(pattern);
    if (!f || !r->prefixes.lookup.contains(std::string_view(pattern).substr(strlen(f)))) return std::string();
    return PREFIX_PREFIX + pattern;
}

extern "C" {

int engine_writer_prefixes(engine_writer *w, unsigned min, unsigned max, sbuf *out, char *err) {
    return guarded(err, "prefix words", [&] {
        std::vector<std::string> words; /* the sample's body words, ascending */
        for (const auto &kv : w->sample_wdf) words.push_back(kv.first);
        std::sort(words.begin(), words.end());
        std::vector<std::pair<double, std::string>> chosen; /* (saving, prefix) */
        double least = (double)min * 1e-6 * (double)w->sampled;
        for (const auto &kv : w->sample_prefix_df) {
            const std::string &p = kv.first;
            auto it = std::lower_bound(words.begin(), words.end(), p);
            uint64_t postings = 0, n = 0;
            for (; it != words.end() && it->compare(0, p.size(), p) == 0; ++it, n++)
                postings += w->sample_wdf.at(*it).size();
            /* the postings a wildcard of p reads beyond its matches */
            double saving = (double)postings - (double)kv.second;
            if (n >= 2 && saving > 0 && saving >= least) chosen.emplace_back(saving, p);
        }
        std::sort(chosen.begin(), chosen.end(), [](const auto &a, const auto &b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        if (chosen.size() > max) chosen.resize(max);
        std::sort(chosen.begin(), chosen.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        put_words(chosen, out);
        return LEDE_OK;
    });
}

}  // extern "C"
