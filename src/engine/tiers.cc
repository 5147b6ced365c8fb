/* tiers.cc -- formats 4 and 5's tier terms, written and read.  A full build
 * picks its tier words (the words in 1% of its sample: indexer/sample.c) and for each a
 * threshold T from its sample (engine_writer_tiers): about TIER share of
 * the word's postings have a scaled wdf of at least T ("lede.tiers",
 * "stem=T ...").  Every article whose wdf of a tier word reaches its
 * threshold also holds the term XT<stem> (add_tier_terms), in every
 * writer (full, bulk, live), so the tier terms always say exactly which
 * articles they are: boolean in format 4, with the word's wdf in format 5
 * (whose one-word plan reads it: tier_wdf.cc).
 *
 * Why: Xapian 1.4 cannot skip by weight inside an AND, so a query of
 * common words ranks every article that holds them all (at 500,000
 * articles, `stock NOT increase` scored 93,455 to show 10).  An article
 * holding no tier term of a query's scoring words has each of their wdfs
 * below its threshold, so it scores at most tier_plan's bound (BM25 with
 * b = 0 rises with wdf alone: ranking.hh).  search.cc runs the query
 * first over the articles holding one of those tier terms (a FILTER, which
 * weighs nothing and which the remote protocol carries); when the page's
 * lowest score there is above the bound, no other article can reach the
 * page, so the page is the one the whole query gives (same articles,
 * scores, order and ties); otherwise the whole query runs as before.
 * Over remote shards the same (the filter and BM25 are the protocol's);
 * the words' frequencies a plan reads are kept by a remote reader until
 * it moves (tier_freq).
 * With prefix terms (prefix_terms.cc), each prefix word P has a threshold
 * too ("XW<P>=T" in "lede.tiers", engine_writer_prefix_tiers: the sum of
 * its XW<field><P> wdfs about TIER share of the sampled articles holding
 * one reach), and every writer adds XTXW<P> where that sum reaches it
 * (prefix_tier_terms); a wildcard of P read by a WildcardSource counts in
 * a plan as a tier word does, its bound the weight of a sum of T - 1
 * (wildcards.cc's set_tier; issue 22: comp* scored all its 241,399
 * matches at 500,000 articles).
 * The narrow level ("word=T,N": about 1% of the sampled postings reach N)
 * adds XTN<word> where the wdf reaches N; narrow_tier_plan plans a paired
 * phrase's OR of its fields on it (the body words' XTN terms, the
 * headline and standfirst branches whole when rare), which search.cc
 * tries before the others (after field_first.cc's when that one is
 * likely: field_first_likely): the 10% level's filter held 29% of
 * `"company said"`'s matches at 2,000,000 articles, too many to pay
 * (bench/results/scale.md).  Touches no database; search.cc runs what
 * tier_plan and narrow_tier_plan make. */
#include "internal.hh"
#include "tiers.hh"
#include "prefix_terms.hh"
#include "tokenise.hh"
#include "ranking.hh"
#include "wildcard.hh"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

TierMap tiers_of(const settings &s) {
    TierMap out;
    std::istringstream in(std::string(s.tiers.data ? s.tiers.data : "", s.tiers.len));
    for (std::string item; in >> item;) {
        size_t eq = item.rfind('=');
        if (eq == std::string::npos || eq == 0) continue;
        char *end;
        unsigned long t = strtoul(item.c_str() + eq + 1, &end, 10);
        if (t == 0) continue;
        std::string word = item.substr(0, eq);
        out[word] = (Xapian::termcount)t;
        /* "word=T,N": the narrow level's threshold, kept under its term's
         * name (a reader from before it reads T and stops at the comma) */
        unsigned long n = *end == ',' ? strtoul(end + 1, nullptr, 10) : 0;
        if (n > t && prefix_length(word) == 0) out[PREFIX_TIER_NARROW + word] = (Xapian::termcount)n;
    }
    return out;
}

TierWords tier_words_of(const settings &s) {
    TierWords out;
    for (const auto &kv : tiers_of(s)) out.add(kv.first, kv.second);
    return out;
}

namespace {

/* A document's tier terms, each with the wdf it gets (0: boolean). */
using TierTerms = std::vector<std::pair<std::string, Xapian::termcount>>;

/* Adds to hi the tier terms of term at wdf: XT<term> when it reaches the
 * word's threshold (with wdf when weigh: format 5), and XTN<term> when it
 * reaches the narrow level's too (never below the first: only those are
 * asked; always boolean). */
void tier_terms_of(const TierWords &tiers, bool weigh, const std::string &term, Xapian::termcount wdf,
                   TierTerms &hi) {
    const Xapian::termcount *at = tiers.find(term);
    if (!at || wdf < *at) return;
    hi.emplace_back(PREFIX_TIER + term, weigh ? wdf : 0);
    std::string narrow = PREFIX_TIER_NARROW + term;
    const Xapian::termcount *n = tiers.find(narrow);
    if (n && wdf >= *n) hi.emplace_back(std::move(narrow), 0);
}

/* The same, with the thresholds known (narrow 0: none). */
void tier_terms_at(bool weigh, const std::string &term, Xapian::termcount wdf, Xapian::termcount at,
                   Xapian::termcount narrow, TierTerms &hi) {
    if (wdf < at) return;
    hi.emplace_back(PREFIX_TIER + term, weigh ? wdf : 0);
    if (narrow && wdf >= narrow) hi.emplace_back(PREFIX_TIER_NARROW + term, 0);
}

}  // namespace

void add_tier_terms(const TierWords &tiers, bool weigh, Xapian::Document &doc) {
    if (tiers.empty()) return;
    TierTerms hi;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        if (prefix_length(term) == 0) tier_terms_of(tiers, weigh, term, t.get_wdf(), hi);
    }
    for (const auto &h : hi) {
        if (h.second) doc.add_term(h.first, h.second);
        else doc.add_boolean_term(h.first);
    }
}

bool TierVerdicts::find(const TierWords &tiers, uint32_t g, uint32_t id, const std::string &term,
                        Xapian::termcount &at, Xapian::termcount &narrow) {
    if (g != gen) {
        by_id.clear();
        gen = g;
    }
    if (id >= by_id.size()) by_id.resize((size_t)id + 1);
    Verdict &v = by_id[id];
    if (!v.at) {
        const Xapian::termcount *t = tiers.find(term);
        if (!t) {
            v.at = NONE;
        } else {
            const Xapian::termcount *n = tiers.find(PREFIX_TIER_NARROW + term);
            at = *t;
            narrow = n ? *n : 0;
            if (*t != NONE) v = Verdict{*t, narrow};
            return true;
        }
    }
    if (v.at == NONE) return false;
    at = v.at;
    narrow = v.narrow;
    return true;
}

void add_tier_terms(const TierWords &tiers, bool weigh, tok::TermTable &table, TierVerdicts *verdicts) {
    if (tiers.empty()) return;
    TierTerms hi;
    uint32_t gen = table.generation();
    if (!gen) verdicts = nullptr; /* ids of the table's own, gone with it */
    Xapian::termcount at, narrow;
    std::vector<uint32_t> word_of; /* with verdicts: the id of the word each of hi is of */
    if (verdicts)
        for (const bulk::FlatTerm &t : table.terms()) verdicts->prefetch(gen, t.id);
    for (const bulk::FlatTerm &t : table.terms()) {
        if (prefix_length(t.term) != 0) continue;
        if (!verdicts) {
            tier_terms_of(tiers, weigh, t.term, t.wdf, hi);
        } else if (verdicts->find(tiers, gen, t.id, t.term, at, narrow)) {
            tier_terms_at(weigh, t.term, t.wdf, at, narrow, hi);
            word_of.resize(hi.size(), t.id);
        }
    }
    std::vector<std::string> booleans;
    for (size_t i = 0; i < hi.size(); i++) {
        auto &h = hi[i];
        if (!h.second) {
            booleans.push_back(std::move(h.first));
        } else if (!verdicts) {
            table.add_term(h.first, h.second);
        } else { /* XT<word> weighed: its id kept with the word's verdict */
            uint32_t &xt = verdicts->tier_term_id(word_of[i]);
            if (xt == TierVerdicts::NO_ID) xt = table.dictionary().id_of(h.first);
            table.get(xt, [&](std::string &term) { term = h.first; }).wdf += h.second;
        }
    }
    table.add_booleans(booleans);
}

namespace {

/* sums' totals by prefix word over the three text fields: XW<prefix>
 * (the key of its threshold in "lede.tiers") with the sum of its
 * XW<field><prefix> terms' wdfs. */
PrefixSums prefix_totals(const PrefixSums &sums) {
    PrefixSums totals;
    size_t skip = strlen(PREFIX_PREFIX);
    for (const auto &s : sums) {
        std::string_view pattern = std::string_view(s.first).substr(skip);
        std::string key = PREFIX_PREFIX + std::string(pattern.substr(prefix_length(pattern)));
        auto at = std::find_if(totals.begin(), totals.end(), [&](const auto &t) { return t.first == key; });
        if (at == totals.end()) totals.emplace_back(std::move(key), s.second);
        else at->second += s.second;
    }
    return totals;
}

}  // namespace

std::vector<std::string> prefix_tier_terms(const TierWords &tiers, const PrefixSums &sums) {
    std::vector<std::string> out;
    if (tiers.empty() || sums.empty()) return out;
    for (const auto &t : prefix_totals(sums)) {
        const Xapian::termcount *at = tiers.find(t.first);
        if (at && t.second >= *at) out.push_back(PREFIX_TIER + t.first);
    }
    return out;
}

namespace {

/* The narrow plan puts a field OR's headline and standfirst branches into
 * its filter whole when their rarest term is in at most this share of
 * the articles (as the 10% level's trial did: bench/results/scale.md,
 * "Candidate 1"); a more common one refuses the plan. */
const double NARROW_FIELD_SHARE = 0.01;

/* The threshold of a word from its sampled postings' baked wdfs: one
 * above the wdf that share of them exceed, so that at most that share
 * reach it; 0 when the sample holds none. */
Xapian::termcount threshold_of(std::vector<Xapian::termcount> &baked, double share) {
    if (baked.empty()) return 0;
    std::sort(baked.begin(), baked.end(), std::greater<Xapian::termcount>());
    size_t at = std::min(baked.size() - 1, (size_t)(share * (double)baked.size()));
    return baked[at] + 1;
}

/* A query's tier plan as collect builds it. */
struct Plan {
    engine_reader *r = nullptr;
    /* the narrow level's (XTN<word>; no wildcard, no position read) */
    bool narrow = false;
    /* each scoring leaf's term and wqf, repeats kept: Xapian weighs each
     * leaf apart, with its own wqf (QueryTerm::postlist), so "revs revs"
     * scores rev twice at wqf 1, not twice at wqf 2 */
    TierLeaves leaves;
    /* each scoring wildcard with a tier (a prefix term's: wildcards.cc) */
    std::vector<std::shared_ptr<const WildcardExpansion>> wildcards;
};

/* The expansion of q, a WildcardSource's leaf, when it has a tier (the
 * serial its description carries: describe_tier); else null. */
std::shared_ptr<const WildcardExpansion> tiered_wildcard(engine_reader *r, const Xapian::Query &q) {
    size_t serial;
    if (!read_tier(q.get_description(), serial) || serial >= r->tiered_wildcards.size()) return nullptr;
    return r->tiered_wildcards[serial];
}

/* Adds q's scoring leaves to p; true when every match of q outside the
 * tier terms of p's leaves scores at most what those leaves can below
 * their thresholds.  The right side of a FILTER or AND_NOT and a weight
 * scaled by 0 weigh nothing; a wildcard read by a WildcardSource with a
 * tier (its prefix word's, wildcards.cc) weighs at most that tier's
 * bound.  Not so for a part whose weight is not bounded here (a synonym,
 * another wildcard, a weight scaled by other than 0, a word without a
 * tier), nor for OR and its kind: Xapian already stops
 * scoring an OR's side that cannot reach the page, and at 500,000
 * articles a tier run made the OR queries of the mix slower (+24% CPU;
 * bench/results/scale.md), as it did the phrases, which the parser makes
 * an OR of the three fields.  At 2,000,000 articles neither widening paid
 * (scale.md, 2026-12-06 tiers notes): a word without a tier bounded by its
 * highest wdf in the index let 106 AND queries of the mix plan and none
 * pass (+26% CPU on them), and OR planned passed 6 of 77 (+38%); a
 * wildcard's summed wdf bounded so never came near its tier run's page
 * (hence the prefix terms' own tiers). */
bool collect(const Xapian::Query &q, Plan &p) {
    size_t n = q.get_num_subqueries();
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM: {
        std::string term = *q.get_terms_begin();
        if (!p.r->tiers.count(p.narrow ? PREFIX_TIER_NARROW + term : term)) return false;
        p.leaves.emplace_back(term, read_description(q).wqf);
        return true;
    }
    case Xapian::Query::LEAF_POSTING_SOURCE: { /* a WildcardSource: see its tier */
        if (p.narrow) return false;
        auto e = tiered_wildcard(p.r, q);
        if (!e) return false;
        p.wildcards.push_back(std::move(e));
        return true;
    }
    case Xapian::Query::OP_PHRASE: case Xapian::Query::OP_NEAR:
        if (p.narrow) return false;
        /* fall through */
    case Xapian::Query::OP_AND:
        for (size_t i = 0; i < n; i++)
            if (!collect(q.get_subquery(i), p)) return false;
        return true;
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_FILTER:
        return n > 0 && collect(q.get_subquery(0), p);
    case Xapian::Query::OP_VALUE_RANGE: case Xapian::Query::OP_VALUE_GE:
    case Xapian::Query::OP_VALUE_LE:
        return true; /* no weight */
    case Xapian::Query::OP_SCALE_WEIGHT: /* weightless (pairs_for's pair terms), or unbounded here */
        return read_description(q).scale == 0;
    default:
        return false;
    }
}

}  // namespace

/* Over remote shards each ask is a round trip to every server, so a
 * remote reader keeps what it asked until it moves (forget_tier_freqs):
 * its servers answer from the revision it opened until then.  Only the
 * tier words of a plan and the empty term are asked, so it keeps at most
 * as many. */
Xapian::doccount tier_freq(engine_reader *r, const std::string &term) {
    auto ask = [&] { return term.empty() ? r->db.get_doccount() : r->db.get_termfreq(term); };
    if (!r->remote) return ask();
    auto kept = r->tier_freqs.find(term);
    if (kept != r->tier_freqs.end()) return kept->second;
    return r->tier_freqs.emplace(term, ask()).first->second;
}

/* tf_weight() is Xapian's BM25Weight with b = 0 and k3 = 1, and the idf
 * ImpactWeight::idf repeats. */
double leaf_bound(engine_reader *r, const std::string &term, double wqf, double wdf) {
    double idf = ImpactWeight::idf(tier_freq(r, term), tier_freq(r, ""));
    return idf * (TF_K1 + 1) * (2 * wqf / (1 + wqf)) * wdf / (TF_K1 + wdf);
}

namespace {

/* q with each WildcardSource that has a tier made anew to read as in a
 * tier run (WildcardSource::TIER_RUN: skipping to the filter's ids);
 * changed set when there was one.  In a query collect plans, such
 * sources stand under AND and on the left of AND_NOT and FILTER only
 * (with_wildcard_sources puts them nowhere else), so only those are
 * rebuilt, and only when a source below them was made anew; the rest is
 * q's own. */
Xapian::Query for_tier_run(engine_reader *r, const Xapian::Query &q, bool &changed) {
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::LEAF_POSTING_SOURCE) {
        auto e = tiered_wildcard(r, q);
        if (!e) return q;
        changed = true;
        return Xapian::Query((new WildcardSource(std::move(e), WildcardSource::TIER_RUN))->release());
    }
    if (op != Xapian::Query::OP_AND && op != Xapian::Query::OP_AND_NOT && op != Xapian::Query::OP_FILTER)
        return q;
    std::vector<Xapian::Query> sub;
    bool below = false;
    for (size_t i = 0; i < q.get_num_subqueries(); i++) sub.push_back(for_tier_run(r, q.get_subquery(i), below));
    changed = changed || below;
    return below ? Xapian::Query(op, sub.begin(), sub.end()) : q;
}

}  // namespace

namespace {

/* p's plan of q: the bound and q FILTERed by the tier terms of p's
 * leaves (of its level) and wildcards, or by any of whole (queries every
 * article of which is then in the filter); false below min_postings. */
bool plan_of(const Plan &p, const Xapian::Query &q, Xapian::doccount min_postings,
             const std::vector<Xapian::Query> &whole, Xapian::Query &filtered, double &bound) {
    engine_reader *r = p.r;
    std::string level = p.narrow ? PREFIX_TIER_NARROW : "";
    std::set<std::string> words, terms;
    for (const auto &leaf : p.leaves) words.insert(leaf.first);
    uint64_t postings = 0;
    for (const std::string &t : words) postings += tier_freq(r, t);
    for (const auto &w : p.wildcards) postings += w->postings();
    if (postings < min_postings) return false;
    bound = 0;
    for (const auto &leaf : p.leaves)
        bound += leaf_bound(r, leaf.first, leaf.second, r->tiers.at(level + leaf.first) - 1);
    for (const auto &w : p.wildcards) bound += w->tier_bound;
    for (const std::string &t : words) terms.insert(p.narrow ? PREFIX_TIER_NARROW + t : PREFIX_TIER + t);
    for (const auto &w : p.wildcards) terms.insert(w->tier);
    std::vector<Xapian::Query> hi(whole);
    for (const std::string &t : terms) hi.emplace_back(t);
    bool made = false;
    filtered = Xapian::Query(Xapian::Query::OP_FILTER, for_tier_run(r, q, made),
                             Xapian::Query(Xapian::Query::OP_OR, hi.begin(), hi.end()));
    return true;
}

}  // namespace

bool tier_plan(engine_reader *r, const Xapian::Query &q, Xapian::doccount min_postings,
               Xapian::Query &filtered, double &bound) {
    if (r->tiers.empty() || !has_tiers(r->format)) return false;
    Plan p;
    p.r = r;
    if (!collect(q, p) || (p.leaves.empty() && p.wildcards.empty())) return false;
    return plan_of(p, q, min_postings, {}, filtered, bound);
}

bool tier_leaves(engine_reader *r, const Xapian::Query &q, TierLeaves &leaves) {
    if (r->tiers.empty() || !has_tiers(r->format)) return false;
    Plan p;
    p.r = r;
    if (!collect(q, p) || p.leaves.empty() || !p.wildcards.empty()) return false;
    leaves = std::move(p.leaves);
    return true;
}

bool narrow_tier_plan(engine_reader *r, const Xapian::Query &q, Xapian::doccount min_postings,
                      Xapian::Query &filtered, double &bound) {
    if (!r->narrow_tiers || !has_tiers(r->format) || q.get_type() != Xapian::Query::OP_OR) return false;
    Plan p;
    p.r = r;
    p.narrow = true;
    std::vector<Xapian::Query> whole;
    Xapian::doccount most = (Xapian::doccount)(NARROW_FIELD_SHARE * tier_freq(r, ""));
    for (size_t i = 0; i < q.get_num_subqueries(); i++) {
        Xapian::Query b = q.get_subquery(i);
        Xapian::doccount least = r->db.get_doccount();
        if (prefixed_only(r, b, least)) {
            if (least > most) return false;
            whole.push_back(b);
        } else if (!collect(b, p)) {
            return false;
        }
    }
    if (whole.empty() || p.leaves.empty()) return false;
    return plan_of(p, q, min_postings, whole, filtered, bound);
}

namespace {

/* The prefix sums of an article of the sample as the writers make them
 * (prefix_terms.cc), its wdfs baked at pivot. */
PrefixSums sampled_sums(engine_writer *w, const PrefixSet &prefixes, const article *a, double pivot) {
    Xapian::Document raw, baked;
    index_text(w, a, raw);
    double len = text_length(raw);
    for (Xapian::TermIterator t = raw.termlist_begin(); t != raw.termlist_end(); ++t)
        baked.add_term(*t, tf_of(t.get_wdf(), len, pivot));
    add_prefix_terms(prefixes, TierWords(), baked);
    PrefixSums sums;
    for (Xapian::TermIterator t = baked.termlist_begin(); t != baked.termlist_end(); ++t)
        if ((*t).compare(0, strlen(PREFIX_PREFIX), PREFIX_PREFIX) == 0) sums.emplace_back(*t, t.get_wdf());
    return sums;
}

}  // namespace

void forget_tier_freqs(engine_reader *r) {
    r->tier_freqs.clear();
}

extern "C" {

int engine_writer_tiers(engine_writer *w, const char *words, size_t len, double pivot,
                        double share, double narrow, sbuf *out, char *err) {
    return guarded(err, "tier words", [&] {
        std::istringstream in(std::string(words ? words : "", len));
        sbuf_reset(out);
        for (std::string word; in >> word;) {
            auto it = w->sample_wdf.find(word);
            if (it == w->sample_wdf.end()) continue;
            std::vector<Xapian::termcount> baked;
            for (const auto &p : it->second) baked.push_back(tf_of(p.first, p.second, pivot));
            Xapian::termcount t = threshold_of(baked, share);
            if (t == 0) continue;
            std::string item = word + "=" + std::to_string(t);
            Xapian::termcount n = narrow > 0 ? threshold_of(baked, narrow) : 0;
            if (n > t) item += "," + std::to_string(n);
            if (out->len) sbuf_putc(out, ' ');
            sbuf_append(out, item.data(), item.size());
        }
        return LEDE_OK;
    });
}

int engine_writer_prefix_tiers(engine_writer *w, const char *prefixes, size_t len, double pivot,
                               double share, const article *const *articles, size_t n, sbuf *out,
                               char *err) {
    return guarded(err, "prefix tiers", [&] {
        PrefixSet set = prefixes_of(std::string(prefixes ? prefixes : "", len));
        std::map<std::string, std::vector<Xapian::termcount>> totals; /* by XW<prefix> */
        for (size_t i = 0; i < n && !set.empty(); i++)
            for (const auto &t : prefix_totals(sampled_sums(w, set, articles[i], pivot)))
                totals[t.first].push_back(t.second);
        for (auto &kv : totals) {
            Xapian::termcount t = threshold_of(kv.second, share);
            if (t == 0) continue;
            std::string item = kv.first + "=" + std::to_string(t);
            if (out->len) sbuf_putc(out, ' ');
            sbuf_append(out, item.data(), item.size());
        }
        return LEDE_OK;
    });
}

}  // extern "C"
