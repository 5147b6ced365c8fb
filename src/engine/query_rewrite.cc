/* query_rewrite.cc -- what the engine makes of a parsed query before
 * running it: the default field's three terms of a word ranked as one
 * (fields_as_one), stop words out of phrases and NEAR with the pair terms
 * of adjacent ones in (without_stopwords: the index's text as it holds
 * it), and exact phrases of the index's pair words through their pair
 * terms (pairs_for).  fields_as_one and pairs_for keep the matches of the query
 * they are given.  Touches no database; the shape of queries it cannot see through
 * Xapian's accessors it asks of query_description.cc. */
#include "internal.hh"

namespace {

std::string field_word(const Xapian::Query &q) {
    if (q.get_type() != Xapian::Query::LEAF_TERM) return std::string();
    return term_word(*q.get_terms_begin());
}

/* q with fn applied to each subquery of a boolean operator (AND, OR, NOT
 * and the like); any other query as it is. */
template <class F>
Xapian::Query each_subquery(const Xapian::Query &q, F fn) {
    Xapian::Query::op op = q.get_type();
    switch (op) {
    case Xapian::Query::OP_OR: case Xapian::Query::OP_AND: case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_AND_MAYBE: case Xapian::Query::OP_XOR: case Xapian::Query::OP_FILTER: {
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < q.get_num_subqueries(); i++) sub.push_back(fn(q.get_subquery(i)));
        return Xapian::Query(op, sub.begin(), sub.end());
    }
    default:
        return q;
    }
}

/* The word's three field terms (q's subqueries from..to) as one term. */
Xapian::Query one_field(const engine_reader *r, const Xapian::Query &q, size_t from, size_t to) {
    std::vector<Xapian::Query> sub;
    for (size_t i = from; i < to; i++) {
        Xapian::Query s = q.get_subquery(i);
        if (r->fields_in_body && *s.get_terms_begin() == field_word(s)) return s;
        sub.push_back(s);
    }
    return Xapian::Query(Xapian::Query::OP_SYNONYM, sub.begin(), sub.end());
}

/* Whether q's subqueries at..at+2 are the body, headline and standfirst
 * terms QueryParser makes of one word of the default field: in that
 * order, at one query position (a word typed with title:, lede: and
 * body: has a position for each). */
bool field_triple(const Xapian::Query &q, size_t at) {
    if (at + 3 > q.get_num_subqueries()) return false;
    std::string w = field_word(q.get_subquery(at));
    if (w.empty()) return false;
    const std::string want[] = {w, PREFIX_TITLE + w, PREFIX_STANDFIRST + w};
    Xapian::termpos pos = 0;
    for (size_t i = 0; i < 3; i++) {
        Xapian::Query s = q.get_subquery(at + i);
        if (s.get_type() != Xapian::Query::LEAF_TERM || *s.get_terms_begin() != want[i]) return false;
        if (i == 0) pos = read_description(s).position;
        else if (read_description(s).position != pos) return false;
    }
    return true;
}

bool is_stop_leaf(const engine_reader *r, const Xapian::Query &q) {
    return q.get_type() == Xapian::Query::LEAF_TERM &&
           is_stop_word(r, unprefixed(*q.get_terms_begin()));
}

/* The stop word of a stop leaf, without its prefix and STOP_MARK. */
std::string stop_word_of(const Xapian::Query &leaf) {
    std::string w = unprefixed(*leaf.get_terms_begin());
    return !w.empty() && w[0] == STOP_MARK ? w.substr(1) : w;
}

/* The pair terms (add_stop_pairs) of the stop words adjacent in an exact
 * phrase q, ANDed without weight; an empty query when it has none or the
 * index has no such terms. */
Xapian::Query stop_pairs_of(const engine_reader *r, const Xapian::Query &q) {
    size_t n = q.get_num_subqueries();
    if (!r->stop_pairs || q.get_type() != Xapian::Query::OP_PHRASE || read_description(q).window != n)
        return Xapian::Query();
    std::vector<Xapian::Query> pairs;
    for (size_t i = 0; i + 1 < n; i++) {
        Xapian::Query a = q.get_subquery(i), b = q.get_subquery(i + 1);
        if (!is_stop_leaf(r, a) || !is_stop_leaf(r, b)) continue;
        const std::string &term = *a.get_terms_begin();
        pairs.emplace_back(pair_term(term.substr(0, prefix_length(term)), stop_word_of(a), stop_word_of(b)));
    }
    if (pairs.empty()) return Xapian::Query();
    Xapian::Query all(Xapian::Query::OP_AND, pairs.begin(), pairs.end());
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, all, 0);
}

/* A phrase or NEAR without its stop words, and with the pair terms of
 * its adjacent stop words where the index has them; false when nothing
 * is left. */
bool phrase_without_stopwords(const engine_reader *r, const Xapian::Query &q,
                              Xapian::Query &out) {
    size_t n = q.get_num_subqueries();
    std::vector<Xapian::Query> sub;
    for (size_t i = 0; i < n; i++)
        if (!is_stop_leaf(r, q.get_subquery(i))) sub.push_back(q.get_subquery(i));
    Xapian::Query pairs = stop_pairs_of(r, q);
    if (sub.empty() && pairs.empty()) return false;
    if (sub.empty()) out = pairs;
    else if (sub.size() == n) out = q;
    else if (sub.size() == 1) out = sub[0];
    else {
        Xapian::termcount window = read_description(q).window, dropped = (Xapian::termcount)(n - sub.size());
        window = window > dropped + sub.size() ? window - dropped : (Xapian::termcount)sub.size();
        out = Xapian::Query(q.get_type(), sub.begin(), sub.end(), window);
    }
    if (!sub.empty() && !pairs.empty()) out = Xapian::Query(Xapian::Query::OP_AND, pairs, out);
    return true;
}

}  // namespace

/* The headline, standfirst and body as one field for ranking: QueryParser
 * turns a word of the default field into an OR of its three prefixed terms,
 * each weighted with its own statistics, so a word's rarity in headlines
 * outweighed its use in the text.  Ranked as one term whose frequency is
 * the sum of theirs (headline words x3 and standfirst words x2): in a
 * format 2 index the unprefixed term is that sum already (engine.h), so
 * it stands alone, one posting list to read; a format 1 index gets an
 * OP_SYNONYM of the three, which merges them for every query.  Matches are
 * unchanged. */
Xapian::Query fields_as_one(const engine_reader *r, const Xapian::Query &q) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_OR && n > 1) {
        /* A word's triple is the whole OR, or, since Xapian folds an OR
         * that is the first operand of an OR into it ("crane OR storm" is
         * (crane OR Scrane OR XLcrane OR (storm OR ...)), and mode=any's
         * first word likewise), among its operands. */
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < n; i++) {
            if (field_triple(q, i)) {
                sub.push_back(one_field(r, q, i, i + 3));
                i += 2;
            } else {
                sub.push_back(fields_as_one(r, q.get_subquery(i)));
            }
        }
        return sub.size() == 1 ? sub[0] : Xapian::Query(op, sub.begin(), sub.end());
    }
    return each_subquery(q, [r](const Xapian::Query &s) { return fields_as_one(r, s); });
}

/* Phrases and NEAR without the stop words, which the index leaves out,
 * positions included: "bank of england" looks for bank next to england,
 * as the index holds the text, and NEAR's window shrinks by the words it
 * no longer counts.  Where the index has stop-word pair terms
 * ("lede.stop_pairs"), an exact phrase also needs the pair of each two
 * stop words adjacent in it: "to be or not to be" is "not" in an article
 * holding "to be" and "be or" (each somewhere: the pairs are not placed
 * against the other words), and "the who" the articles holding it.  QueryParser drops stop words elsewhere by itself.
 * Returns false when nothing is left of q (a phrase of stop words only):
 * its parent leaves it out instead of letting it empty an AND, and with
 * the first operand of AND_NOT, AND_MAYBE or FILTER the parent goes too. */
bool without_stopwords(const engine_reader *r, const Xapian::Query &q, Xapian::Query &out) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    out = q;
    if (r->stop_words.empty() || n == 0) return true;
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR)
        return phrase_without_stopwords(r, q, out);
    bool first_rules = op == Xapian::Query::OP_AND_NOT || op == Xapian::Query::OP_AND_MAYBE ||
                       op == Xapian::Query::OP_FILTER;
    if (!first_rules && op != Xapian::Query::OP_OR && op != Xapian::Query::OP_AND &&
        op != Xapian::Query::OP_XOR && op != Xapian::Query::OP_SYNONYM)
        return true;
    std::vector<Xapian::Query> sub;
    for (size_t i = 0; i < n; i++) {
        Xapian::Query s;
        if (without_stopwords(r, q.get_subquery(i), s)) sub.push_back(s);
        else if (i == 0 && first_rules) return false;
    }
    if (sub.empty()) return false;
    out = sub.size() == 1 ? sub[0] : Xapian::Query(op, sub.begin(), sub.end());
    return true;
}

/* An exact phrase of words that pair (the index's pair rule, pairs.hh),
 * through the pair terms that index them (add_pairs): Xapian checks a
 * phrase by reading the positions of its words in every article that has
 * them all, and such words are in many articles (a two-word phrase of
 * them took 45 ms at 500,000 articles, none of which held it).  The pairs are ANDed in without
 * weight, so scores stay those of the words; a two-word phrase needs no
 * position check at all, a longer one is checked only where every pair
 * is present.  Other queries are returned as they are. */
Xapian::Query pairs_for(const engine_reader *r, const Xapian::Query &q) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_PHRASE && n >= 2 && read_description(q).window == n) {
        std::vector<std::string> terms;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query s = q.get_subquery(i);
            if (s.get_type() != Xapian::Query::LEAF_TERM) return q;
            terms.push_back(*s.get_terms_begin());
        }
        std::string prefix = terms[0].substr(0, prefix_length(terms[0]));
        std::vector<Xapian::Query> pairs;
        for (size_t i = 0; i + 1 < n; i++) {
            const std::string &next = terms[i + 1];
            if (next.substr(0, prefix_length(next)) != prefix) return q; /* fields differ */
            std::string a = unprefixed(terms[i]), b = unprefixed(next);
            if (r->pairs.pairs(a, b)) pairs.emplace_back(pair_term(prefix, a, b));
        }
        if (pairs.empty()) return q;
        Xapian::Query filter(Xapian::Query::OP_AND, pairs.begin(), pairs.end());
        filter = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, filter, 0);
        if (n == 2 && pairs.size() == 1) {
            std::vector<Xapian::Query> all{filter, q.get_subquery(0), q.get_subquery(1)};
            return Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end());
        }
        return Xapian::Query(Xapian::Query::OP_AND, filter, q);
    }
    return each_subquery(q, [r](const Xapian::Query &s) { return pairs_for(r, s); });
}
