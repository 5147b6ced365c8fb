/* cost.cc -- what a parsed query would cost before it runs, and the
 * refusal of one over the limits (search_cost, search.h): its term
 * leaves, its phrases and NEARs, the postings its terms hold and the
 * position lists its phrases may read, from the index's term frequencies
 * (cheap: one lookup a term, and none at all while terms times articles
 * stays under the limits), and before that a look at its text that
 * refuses one far over them without parsing it (parsing a line of 4,000
 * phrases takes QueryParser 70-280 ms).  Wildcards are not counted here:
 * each takes at least one word of --max-wildcard's budget (wildcards.cc),
 * which bounds them.  Runs no match; reads term frequencies only. */
#include "internal.hh"
#include "../qsyntax.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>

namespace {

/* The leaves of a query, and the terms of each phrase or NEAR. */
struct Shape {
    std::vector<std::string> terms;
    std::vector<std::vector<std::string>> phrases;
};

void leaf_terms(const Xapian::Query &q, std::vector<std::string> &out) {
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        out.push_back(*q.get_terms_begin());
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++) leaf_terms(q.get_subquery(i), out);
}

void read_shape(const Xapian::Query &q, Shape &s) {
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::LEAF_TERM) {
        s.terms.push_back(*q.get_terms_begin());
        return;
    }
    if (op == Xapian::Query::OP_WILDCARD) return; /* see the header */
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR) {
        s.phrases.emplace_back();
        leaf_terms(q, s.phrases.back());
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++) read_shape(q.get_subquery(i), s);
}

/* Term frequencies, each looked up once. */
class Frequencies {
  public:
    explicit Frequencies(const Xapian::Database &db) : db_(db) {}
    uint64_t of(const std::string &term) {
        auto it = seen_.find(term);
        if (it != seen_.end()) return it->second;
        uint64_t f = db_.get_termfreq(term);
        seen_.emplace(term, f);
        return f;
    }

  private:
    const Xapian::Database &db_;
    std::unordered_map<std::string, uint64_t> seen_;
};

uint64_t phrase_positions(const std::vector<std::string> &terms, Frequencies &freq) {
    if (terms.empty()) return 0;
    uint64_t rarest = UINT64_MAX;
    for (const std::string &t : terms) rarest = std::min(rarest, freq.of(t));
    return rarest * terms.size();
}

/* True when the figure must be looked up: there is no limit to compare
 * it with (engine_query_cost), or its bound (every term in every article)
 * is over the limit. */
bool worth_reading(uint64_t bound, const search_cost *limits, uint64_t limit) {
    return !limits || (limit && bound > limit);
}

struct LimitName {
    const char *name, *what;
};

const LimitName NAMES[] = {{"max-query-terms", "terms"},
                           {"max-query-phrases", "phrases and NEARs"},
                           {"max-query-postings", "postings to read (estimated)"},
                           {"max-query-positions", "phrase positions to check (estimated)"}};

bool is_operator_word(const char *w, size_t n) {
    for (const char *op : {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"})
        if (strlen(op) == n && memcmp(op, w, n) == 0) return true;
    return false;
}

/* The words of a query's text (runs of letters, digits and UTF-8 bytes;
 * AND, OR and the like left out) and its quoted phrases. */
void count_text(const char *q, uint64_t &words, uint64_t &quotes) {
    words = quotes = 0;
    auto wordbyte = [](unsigned char c) { return isalnum(c) || c >= 0x80; };
    for (const char *p = q; *p;) {
        if (!wordbyte((unsigned char)*p)) {
            quotes += *p++ == '"';
            continue;
        }
        const char *start = p;
        while (*p && wordbyte((unsigned char)*p)) p++;
        words += !is_operator_word(start, (size_t)(p - start));
    }
    quotes /= 2;
}

}  // namespace

int prescreen(const char *query, const search_cost *max, char *err) {
    if (!max || (!max->terms && !max->phrases)) return LEDE_OK;
    uint64_t words, phrases;
    count_text(query, words, phrases);
    if (max->terms && words > 2 * max->terms)
        return lede_seterr_code(err, LEDE_ELIMIT, "%s %" PRIu64 ": the query has %" PRIu64
                                " words (refused unparsed: over twice the limit)",
                                NAMES[0].name, max->terms, words);
    if (max->phrases && phrases > 2 * max->phrases)
        return lede_seterr_code(err, LEDE_ELIMIT, "%s %" PRIu64 ": the query has %" PRIu64
                                " quoted phrases (refused unparsed: over twice the limit)",
                                NAMES[1].name, max->phrases, phrases);
    return LEDE_OK;
}

search_cost estimate_cost(const engine_reader *r, const Xapian::Query &q, const search_cost *limits) {
    Shape s;
    read_shape(q, s);
    search_cost c{};
    c.terms = s.terms.size();
    c.phrases = s.phrases.size();
    uint64_t docs = r->db.get_doccount(), in_phrases = 0;
    for (const auto &p : s.phrases) in_phrases += p.size();
    c.postings = c.terms * docs;
    c.positions = in_phrases * docs;
    Frequencies freq(r->db);
    if (worth_reading(c.postings, limits, limits ? limits->postings : 0)) {
        c.postings = 0;
        for (const std::string &t : s.terms) c.postings += freq.of(t);
    }
    if (worth_reading(c.positions, limits, limits ? limits->positions : 0)) {
        c.positions = 0;
        for (const auto &p : s.phrases) c.positions += phrase_positions(p, freq);
    }
    return c;
}

int over_limit(const search_cost &c, const search_cost &max, char *err) {
    const uint64_t have[] = {c.terms, c.phrases, c.postings, c.positions};
    const uint64_t limit[] = {max.terms, max.phrases, max.postings, max.positions};
    for (size_t i = 0; i < 4; i++)
        if (limit[i] && have[i] > limit[i])
            return lede_seterr_code(err, LEDE_ELIMIT, "%s %" PRIu64 ": the query has %" PRIu64 " %s",
                                    NAMES[i].name, limit[i], have[i], NAMES[i].what);
    return LEDE_OK;
}

extern "C" {

int engine_query_cost(engine_reader *r, const search_opts *o, search_cost *out, char *err) {
    memset(out, 0, sizeof *out);
    if (qsyntax_check(o->query, err) != LEDE_OK) return LEDE_ESYNTAX;
    return with_retry(r, err, "cost", [&] {
        setup_search(r);
        *out = estimate_cost(r, parse(r, o->query, o->any, 0), nullptr);
        return LEDE_OK;
    });
}

}  // extern "C"
