/* field_first.cc -- the field-first plan of a ranked OR over the fields
 * (a phrase of the default field is the parser's OR of its body,
 * headline and standfirst phrases): rank the branches of the prefixed
 * fields alone, then the whole query over their best articles only.
 *
 * Why: `"mln dlrs"` at 2,000,000 articles matches 536,357 articles in
 * the body and 27,127 in headlines; its page is headline matches (490
 * against at most 58 from the body's common words), and Xapian's OR,
 * pruned to the headline branch once the page fills, still reads the
 * body's two posting lists (1.1 and 1.0 million postings) to weigh every
 * headline match: 30 ms.  An article outside the first M headline
 * matches by their headline score (at most t_M) scores at most t_M plus
 * the body branch's greatest weight, and one holding no headline match
 * the body's greatest alone; when the page's lowest score over those M
 * articles is above that bound, no other article reaches the page, and
 * the page is the whole query's (same articles, scores, order, ties).
 * Taken only for a body branch that its pair terms (query_rewrite.cc's
 * pairs_for) match without positions, a phrase of two words, in at least
 * the tier runs' floor of articles: the count after the plan (to 1,000
 * matches, search.cc's count_tiered) then stops early and reads no
 * position.  A phrase that reads positions, or of fewer matches, is
 * counted at about the whole match's cost, and at 2M such phrases of the
 * mix ran 1.2-1.7x slower planned (bench/results/scale.md); and
 * only when its headline matches are few or many (FIELD_FIRST_FEW,
 * FIELD_FIRST_MANY).
 * search.cc's tier_page runs the plan as a tier run (tiers.cc): the
 * filtered query, the bound, the count.  Reads term statistics and runs
 * one match of the prefixed branches (checked_mset: a search past its
 * deadline or cancelled stops there); writes nothing.  Local databases
 * of one shard only (DocidSource holds one database's ids); format 4
 * only (its weighting's greatest per term is known: ranking.hh). */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "tie_run.hh"

#include <algorithm>

namespace {

/* How many of the prefixed branches' best articles the plan ranks the
 * whole query over (at least 4 pages' worth). */
const Xapian::doccount FIELD_FIRST_FETCH = 1000;

/* The prefixed branches' rarest terms must be in at most FEW articles
 * (the whole match weighs the body until its OR has a page of them, the
 * plan those few only) or at least MANY (the plan weighs the body of
 * FIELD_FIRST_FETCH of them, the whole match of all): in between, at 2M,
 * `"dlrs a share"` (2,646) and `"a one pct"` (994) ran 1.2x and 1.5x
 * slower planned, and 87 to 329, or 27,127, 0.6x to 0.75x (7 phrases of
 * the mix; bench/results/scale.md). */
const Xapian::doccount FIELD_FIRST_FEW = FIELD_FIRST_FETCH / 2, FIELD_FIRST_MANY = 8 * FIELD_FIRST_FETCH;

/* The body's rarest pair term must be in at least this many times the
 * articles of the prefixed branches (their rarest term's each): below
 * that, weighing the body is no large part of the whole match. */
const Xapian::doccount FIELD_FIRST_RATIO = 8;

/* The most a leaf of term (of wqf wqf) can add to any article's score:
 * BM25 with b = 0 (tf_weight) as the wdf grows without end. */
double leaf_limit(engine_reader *r, const std::string &term, double wqf) {
    double idf = ImpactWeight::idf(r->db.get_termfreq(term), r->db.get_doccount());
    return idf * (TF_K1 + 1) * (2 * wqf / (1 + wqf));
}

/* What body_limit reads of the body branches. */
struct Body {
    double limit = 0;           /* the most they can score */
    Xapian::doccount pairs = 0; /* their rarest pair term's articles (0: none) */
    bool positions = false;     /* a phrase or NEAR reads positions */
};

/* The rarest of the terms under a weightless part that are pair terms. */
void rarest_pair(engine_reader *r, const Xapian::Query &q, Body &b) {
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        std::string term = *q.get_terms_begin();
        if (term.compare(0, strlen(PREFIX_PAIR), PREFIX_PAIR) != 0) return;
        Xapian::doccount n = r->db.get_termfreq(term);
        if (b.pairs == 0 || n < b.pairs) b.pairs = n;
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++) rarest_pair(r, q.get_subquery(i), b);
}

/* Adds to b the most q can score and its pair terms; false for a part
 * whose weight is not a plain sum of its terms' (a posting source, a
 * synonym, a weight scaled by other than 0). */
bool body_limit(engine_reader *r, const Xapian::Query &q, Body &b) {
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
        b.limit += leaf_limit(r, *q.get_terms_begin(), read_description(q).wqf);
        return true;
    case Xapian::Query::OP_SCALE_WEIGHT:
        if (read_description(q).scale != 0) return false;
        rarest_pair(r, q, b);
        return true;
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_FILTER:
        return q.get_num_subqueries() > 0 && body_limit(r, q.get_subquery(0), b);
    case Xapian::Query::OP_PHRASE: case Xapian::Query::OP_NEAR:
        b.positions = true;
        /* fall through */
    case Xapian::Query::OP_AND: case Xapian::Query::OP_OR: case Xapian::Query::OP_AND_MAYBE:
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            if (!body_limit(r, q.get_subquery(i), b)) return false;
        return true;
    default:
        return false;
    }
}

}  // namespace

bool prefixed_only(engine_reader *r, const Xapian::Query &q, Xapian::doccount &least) {
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        std::string term = *q.get_terms_begin();
        if (prefix_length(term) == 0) return false;
        least = std::min(least, r->db.get_termfreq(term));
        return true;
    }
    size_t n = q.get_num_subqueries();
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!prefixed_only(r, q.get_subquery(i), least)) return false;
    return true;
}

namespace {

/* What field_first_plan reads of q before it runs a match: its prefixed
 * branches (first, their rarest terms' articles summed in fields) and
 * its body; false when the plan is not for q. */
bool field_first_shape(engine_reader *r, const Xapian::Query &q, Xapian::doccount want,
                       Xapian::doccount min_postings, Body &body, std::vector<Xapian::Query> &first,
                       uint64_t &fields) {
    if (!has_tiers(r->format) || r->remote || r->db.size() != 1 || q.get_type() != Xapian::Query::OP_OR ||
        want == 0 || want * 4 > FIELD_FIRST_FETCH)
        return false;
    fields = 0;
    for (size_t i = 0; i < q.get_num_subqueries(); i++) {
        Xapian::Query b = q.get_subquery(i);
        Xapian::doccount least = r->db.get_doccount();
        if (prefixed_only(r, b, least)) {
            first.push_back(b);
            fields += least;
        } else if (!body_limit(r, b, body)) {
            return false;
        }
    }
    return !first.empty() && body.pairs != 0 && !body.positions && body.pairs >= min_postings &&
           body.pairs >= fields * FIELD_FIRST_RATIO && (fields <= FIELD_FIRST_FEW || fields >= FIELD_FIRST_MANY);
}

}  // namespace

bool field_first_likely(engine_reader *r, const Xapian::Query &q, Xapian::doccount want,
                        Xapian::doccount min_postings) {
    Body body;
    std::vector<Xapian::Query> first;
    uint64_t fields = 0;
    /* the few side only: its plan ranks every headline match (beyond is
     * 0, the bound the body's greatest), which a page of them usually
     * beats; on the many side the M-th headline score often ties the
     * page's, and at 2M `"cts vs"` (10,088 headline articles) failed
     * that plan before its narrow run passed: 25.6 -> 36.6 ms of CPU */
    return field_first_shape(r, q, want, min_postings, body, first, fields) && fields >= want &&
           fields <= FIELD_FIRST_FEW;
}

bool field_first_plan(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q, const search_opts *o,
                      Xapian::doccount want, Xapian::doccount min_postings,
                      Xapian::Query &filtered, double &bound) {
    Body body;
    std::vector<Xapian::Query> first;
    uint64_t fields = 0;
    if (!field_first_shape(r, q, want, min_postings, body, first, fields)) return false;
    enq.set_query(Xapian::Query(Xapian::Query::OP_OR, first.begin(), first.end()));
    enq.set_sort_by_relevance();
    Xapian::MSet m = checked_mset(r, enq, o, 0, FIELD_FIRST_FETCH, 0); /* o's deadline and cancel, as every match */
    if (m.size() < want) return false;
    /* the M-th's headline score, or 0 when every such match is in m */
    double beyond = m.size() < FIELD_FIRST_FETCH ? 0 : m[m.size() - 1].get_weight();
    /* the page's lowest score is at most its want-th headline score plus
     * the body's greatest: when that is not above beyond plus the same,
     * the plan cannot pass */
    if (!(m[want - 1].get_weight() > beyond)) return false;
    std::vector<Xapian::docid> ids;
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) ids.push_back(*it);
    std::sort(ids.begin(), ids.end());
    filtered = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query((new DocidSource(std::move(ids)))->release()));
    bound = beyond + body.limit;
    return true;
}
