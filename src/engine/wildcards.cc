/* wildcards.cc -- the wildcards (word*) of a query about to run: on a
 * format 3 or 4 index each is read through a WildcardSource (wildcard.hh)
 * where its weight counts as it is; where a database is remote, each is
 * the synonym of the words it expands to over the whole index, a query
 * Xapian's remote protocol carries and every shard weighs alike; every
 * wildcard's words come out of one budget for the query (--max-wildcard).
 * Reads the database's term list; of the reader's state, owns only the
 * words a remote reader keeps of the patterns it expanded
 * (pattern_words), which it forgets whenever the reader moves, and the
 * running query's expansions (query_wildcards, tiered_wildcards), which
 * a second reading of the same query takes again (with_wildcards_again). */
#include "internal.hh"
#include "prefix_terms.hh"
#include "wildcard.hh"

#include <cstdlib>
#include <set>

namespace {

/* LEDE_XAPIAN_WILDCARDS set: wildcards merged by Xapian, not by
 * WildcardSource (with_wildcard_sources), to compare the two.  A test
 * hook, read once a process. */
bool xapian_merges_wildcards() {
    static const bool set = getenv("LEDE_XAPIAN_WILDCARDS") != nullptr;
    return set;
}

/* LEDE_WORD_WILDCARDS set: WildcardSource reads the words' posting lists
 * even where a prefix term stands for them, to compare the two.  A test
 * hook, read once a process. */
bool words_not_prefix_terms() {
    static const bool set = getenv("LEDE_WORD_WILDCARDS") != nullptr;
    return set;
}

/* Words a remote reader keeps of the patterns it expanded, at most (some
 * 50 bytes each; "comp*" on Reuters is about 125 words in its three
 * fields). */
const size_t PATTERN_WORDS_KEPT = 20000;

/* The words pattern ("comp", "Scomp") expands to in r's index, with the
 * articles holding each: more than max of them only when there are more.
 * From a remote shard the list is a round trip to every server, which
 * sends a message for each word (Xapian 1.4 reads the whole list at
 * once), so a remote reader keeps the complete lists it read until it
 * moves (forget_pattern_words); its servers answer from the revision it
 * opened until then, so a kept list is the one they would send.  filled
 * holds a list that is not kept. */
const PatternWords &pattern_words(engine_reader *r, const std::string &pattern, Xapian::termcount max,
                                  PatternWords &filled) {
    auto kept = r->pattern_words.find(pattern);
    if (kept != r->pattern_words.end()) return kept->second;
    filled = PatternWords();
    for (Xapian::TermIterator t = r->db.allterms_begin(pattern);
         t != r->db.allterms_end(pattern) && filled.terms.size() <= max; ++t) {
        filled.terms.push_back(*t);
        filled.freqs.push_back(t.get_termfreq());
    }
    size_t n = filled.terms.size();
    if (!r->remote || n > max || n > PATTERN_WORDS_KEPT) return filled;
    if (r->pattern_words_held + n > PATTERN_WORDS_KEPT) forget_pattern_words(r);
    r->pattern_words_held += n;
    return r->pattern_words.emplace(pattern, std::move(filled)).first->second;
}

/* e's tier (WildcardExpansion) when its patterns stand for one prefix
 * word's prefix terms, each field once (comp*: comp, Scomp, XLcomp), and
 * r's "lede.tiers" has a threshold T for that word: an article without
 * XTXW<prefix> sums less than T over the three fields (tiers.cc), so less
 * over some of them, and a WildcardSource weighs it at most e.weight(T -
 * 1), whether it reads the prefix terms or the words.  None over remote
 * shards, where the words' synonym stands for the wildcard and Xapian
 * weighs it. */
void set_tier(engine_reader *r, const std::vector<std::string> &patterns, WildcardExpansion &e) {
    if (r->remote || !has_tiers(r->format) || patterns.empty() || e.terms.empty()) return;
    std::string key;
    std::set<std::string> fields;
    for (const std::string &p : patterns) {
        if (prefix_term_for(r, p).empty()) return;
        size_t n = prefix_length(p);
        std::string k = PREFIX_PREFIX + p.substr(n);
        if ((!key.empty() && k != key) || !fields.insert(p.substr(0, n)).second) return;
        key = k;
    }
    auto t = r->tiers.find(key);
    if (t == r->tiers.end()) return;
    e.tier = PREFIX_TIER + key;
    e.tier_bound = e.weight(t->second - 1);
}

/* The words the patterns (prefix included: "comp", "Scomp"; shown as the
 * user wrote them) expand to in r's index, taken from budget
 * (spend_wildcard_words).  More than max for one pattern throws
 * WildcardError, as Xapian's own expansion limit does. */
std::shared_ptr<WildcardExpansion> expand_wildcards(engine_reader *r, const std::vector<std::string> &patterns,
                                                    const std::vector<std::string> &shown,
                                                    Xapian::termcount &budget, Xapian::termcount max) {
    auto e = std::make_shared<WildcardExpansion>();
    e->patterns = patterns;
    Xapian::termcount most = 0;
    PatternWords filled;
    bool by_terms = false; /* some pattern read from its prefix term */
    for (size_t i = 0; i < patterns.size(); i++) {
        const PatternWords &words = pattern_words(r, patterns[i], max, filled);
        if (words.terms.size() > max)
            throw Xapian::WildcardError("Wildcard " + shown[i] + "* expands to more than " +
                                        std::to_string(max) + " terms");
        e->terms.insert(e->terms.end(), words.terms.begin(), words.terms.end());
        e->freqs.insert(e->freqs.end(), words.freqs.begin(), words.freqs.end());
        most = std::max(most, (Xapian::termcount)words.terms.size());
        std::string list = r->remote || words_not_prefix_terms() ? "" : prefix_term_for(r, patterns[i]);
        if (!list.empty() && !words.terms.empty()) {
            by_terms = true;
            e->lists.push_back(list);
        } else {
            e->lists.insert(e->lists.end(), words.terms.begin(), words.terms.end());
        }
    }
    if (!by_terms) e->lists.clear();
    if (!patterns.empty()) spend_wildcard_words(budget, most, max, shown[0]);
    e->one_shard = r->db.size() == 1;
    double N = r->db.get_doccount();
    double idf = ImpactWeight::idf(union_size(e->freqs, N), N);
    if (scaled_tf(r->format)) {
        e->k1 = TF_K1;
        e->scale = idf * (TF_K1 + 1);
    } else {
        e->scale = idf * (BM25_K1 + 1) / IMPACT_MAX;
    }
    set_tier(r, patterns, *e);
    if (!e->tier.empty()) {
        e->serial = r->tiered_wildcards.size();
        r->tiered_wildcards.push_back(e);
    }
    return e;
}

/* The words patterns show the user: "comp" for "Scomp". */
std::vector<std::string> shown_words(const std::vector<std::string> &patterns) {
    std::vector<std::string> shown;
    for (const std::string &p : patterns) {
        std::string w = term_word(p);
        shown.push_back(w.empty() ? p : w);
    }
    return shown;
}

/* The patterns of q if it is a wildcard, or the synonym of wildcards
 * QueryParser makes of word* in the default field; else none. */
std::vector<std::string> wildcard_group(const Xapian::Query &q) {
    std::vector<std::string> patterns;
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_WILDCARD) {
        patterns.push_back(read_description(q).pattern);
    } else if (op == Xapian::Query::OP_SYNONYM) {
        for (size_t i = 0; i < q.get_num_subqueries(); i++) {
            Xapian::Query w = q.get_subquery(i);
            if (w.get_type() != Xapian::Query::OP_WILDCARD) return {};
            patterns.push_back(read_description(w).pattern);
        }
    }
    for (const std::string &p : patterns)
        if (p.empty()) return {}; /* unreadable */
    return patterns;
}

/* How a query's wildcards are read: each expanded here, its words taken
 * from the query's budget and the expansion kept in the reader's
 * query_wildcards in the order read; or (given) taken in that order from
 * the expansions a reading of the same query made. */
struct Reading {
    Xapian::termcount budget, max;
    const search_opts *o;
    const std::vector<std::shared_ptr<const WildcardExpansion>> *given = nullptr;
    size_t next = 0;  /* given: the next one to take */
};

/* The expansion of a wildcard's patterns, as how reads it; throws
 * InvalidArgumentError when the given ones are not this query's. */
std::shared_ptr<const WildcardExpansion> expansion_of(engine_reader *r, const std::vector<std::string> &patterns,
                                                      Reading &how) {
    if (how.given) {
        if (how.next >= how.given->size() || (*how.given)[how.next]->patterns != patterns)
            throw Xapian::InvalidArgumentError("lede: a wildcard read again is not the one read first");
        return (*how.given)[how.next++];
    }
    check_stop(how.o, "wildcard expansion");
    std::shared_ptr<const WildcardExpansion> e =
        expand_wildcards(r, patterns, shown_words(patterns), how.budget, how.max);
    r->query_wildcards.push_back(e);
    return e;
}

/* Takes the words every wildcard in q expands to from budget (see
 * spend_wildcard_words), for a query Xapian expands itself. */
void spend_on_wildcards(engine_reader *r, const Xapian::Query &q, Reading &how) {
    std::vector<std::string> group = wildcard_group(q);
    if (!group.empty()) {
        expansion_of(r, group, how);
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        spend_on_wildcards(r, q.get_subquery(i), how);
}

/* The synonym of a wildcard's words, as a remote shard receives it: each
 * shard left to expand word* itself would weigh it by the words it holds
 * alone, where the synonym of every shard's words has one weight. */
Xapian::Query words_synonym(const std::vector<std::string> &terms) {
    return Xapian::Query(Xapian::Query::OP_SYNONYM, terms.begin(), terms.end());
}

/* The wildcards of q, on a format 3 or 4 index, read through WildcardSource
 * (wildcard.hh) instead of Xapian's merge: a WILDCARD, or the SYNONYM of
 * the three QueryParser makes of word* in the default field.  Replaced
 * where their weight counts as it is (under AND, OR, AND_MAYBE, and the
 * left of AND_NOT and FILTER), where the source may skip what the matcher
 * says it no longer needs; elsewhere (an excluded or filtering wildcard,
 * XOR, where skipping would change what matches) Xapian merges them as
 * before.  On a remote database the synonym of the words stands for the
 * wildcard instead of the source (words_synonym), the same matches and
 * weights; an excluded, filtering or XOR'd wildcard is left for each
 * shard to expand, which matches the same articles (its weight does not
 * count, or differs by its idf alone under XOR).  Every wildcard is
 * expanded as how reads it. */
Xapian::Query with_wildcard_sources(engine_reader *r, const Xapian::Query &q, Reading &how) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    std::vector<std::string> patterns = wildcard_group(q);
    if (!patterns.empty()) {
        std::shared_ptr<const WildcardExpansion> words = expansion_of(r, patterns, how);
        if (words->terms.empty()) return Xapian::Query::MatchNothing; /* as Xapian has it */
        if (r->remote) return words_synonym(words->terms);
        return Xapian::Query((new WildcardSource(words))->release());
    }
    switch (op) {
    case Xapian::Query::OP_AND: case Xapian::Query::OP_OR: case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_FILTER: {
        bool all = op != Xapian::Query::OP_AND_NOT && op != Xapian::Query::OP_FILTER;
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query s = q.get_subquery(i);
            if (all || i == 0) s = with_wildcard_sources(r, s, how);
            else spend_on_wildcards(r, s, how);
            sub.push_back(s);
        }
        return Xapian::Query(op, sub.begin(), sub.end());
    }
    default:
        spend_on_wildcards(r, q, how);
        return q;
    }
}

}  // namespace

namespace {

/* q with its wildcards read as how reads them: through sources where
 * with_wildcard_sources puts them, else left for Xapian to expand. */
Xapian::Query read_wildcards(engine_reader *r, const Xapian::Query &q, Reading &how) {
    if ((baked_tf(r->format) || r->remote) && !xapian_merges_wildcards())
        return with_wildcard_sources(r, q, how);
    spend_on_wildcards(r, q, how);
    return q;
}

}  // namespace

Xapian::Query with_wildcards_read(engine_reader *r, const Xapian::Query &q,
                                  const search_opts *o) {
    Xapian::termcount max = o->max_wildcard ? o->max_wildcard : 1000;
    Reading how{max, max, o};
    r->tiered_wildcards.clear();
    r->query_wildcards.clear();
    return read_wildcards(r, q, how);
}

Xapian::Query with_wildcards_again(engine_reader *r, const Xapian::Query &q) {
    Reading how{0, 0, nullptr, &r->query_wildcards};
    return read_wildcards(r, q, how);
}

void forget_pattern_words(engine_reader *r) {
    r->pattern_words.clear();
    r->pattern_words_held = 0;
}
