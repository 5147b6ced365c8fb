/* tier_wdf_multi.cc -- format 5's plan of a ranked query of several tier
 * leaves (issue 22): an AND, bare PHRASE or NEAR of tier words (not the
 * parser's phrase, an OR of the three fields, which tier_leaves refuses,
 * as tiers.cc's collect does), the left side
 * of AND_NOT or FILTER, with weightless parts beside them (what tiers.cc's
 * tier_leaves reads).  The boolean tier run (tiers.cc) filters such a
 * query by an OR of its words' XT terms, about 1 article in 10 of each
 * word's, and Xapian then decodes every leaf's whole posting list (glass
 * skips within a chunk by decoding each entry): at 2,000,000 articles
 * that was most of a typical query's 2-3 ms (bench/results/scale.md).
 *
 * In a format 5 index each XT<word> posting carries the word's wdf, and
 * ranking is BM25 with b = 0, so a leaf weighs leaf_bound(its wdf) and a
 * query the sum of its scoring leaves.  The plan reads each distinct
 * word's XT list and merges them by id: an article in one list or more
 * scores at most the sum over its leaves of the leaf at the wdf its list
 * gives, or at its threshold - 1 where its word's list lacks it (`most`);
 * an article in none at most the sum at the thresholds - 1 (`floor`, the
 * boolean plan's bound).  A cut picks the articles whose `most` reaches
 * it (ties kept whole): the query FILTERed to them, with the greatest
 * `most` left out (or the floor) as the bound, is a tier run whose page,
 * when its lowest score beats the bound, is the whole match's (no
 * article scores above its `most`).  The cut is the want-th greatest
 * `most` of the articles every list holds (for a plain AND of leaves
 * their exact scores: those articles match, so the page's lowest reaches
 * the cut and the run passes); under a phrase, NEAR, AND_NOT or a
 * weightless part such an article may not match, so the 2 * want-th.  A
 * failed run retries lower (4x and 16x as many) while the lists hold as
 * many articles in common; then search.cc's other plans run as before.
 * A cut among articles some list lacks is not tried: their `most` counts
 * a word at its threshold - 1, far above what they score, and such runs
 * failed.  Two common words' XT lists seldom share a page's worth, so
 * they are not read when their articles in common would be fewer than
 * a page were the words independent (few_known).  At 500,000 articles
 * this took the mix's `not` class to 0.72x of its CPU and `and` to 0.97x
 * (0.81x where a run was tried; the lists read for nothing cost the 34
 * others 1.28x: bench/results/scale.md).  A filter of more than
 * FILTER_MOST articles is not tried: its run would decode as much as the
 * boolean one.  Local, one database, format 5 only (wdf_plans_may), as
 * tier_wdf.cc's one-word plan. */
#include "internal.hh"
#include "tiers.hh"
#include "query_path.hh"
#include "ranking.hh"
#include "tie_run.hh"

#include <algorithm>
#include <functional>
#include <map>

namespace {

/* The most articles a filter may hold (a filter of more costs a run
 * about what the boolean tier run costs: bench/results/scale.md). */
const size_t FILTER_MOST = 5000;
/* The most XT postings a plan reads (about 28 MB held at once: too_long). */
const uint64_t READ_MOST = 1000000;
/* Runs tried at most, each cut's rank CUT_STEP times the last's. */
const unsigned RUNS_MOST = 3;
const Xapian::doccount CUT_STEP = 4;

/* Whether q is an AND of leaves (or one leaf): an article holding every
 * leaf matches it, scoring the sum of the leaves. */
bool plain_and(const Xapian::Query &q) {
    if (q.get_type() == Xapian::Query::LEAF_TERM) return true;
    if (q.get_type() != Xapian::Query::OP_AND) return false;
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        if (!plain_and(q.get_subquery(i))) return false;
    return true;
}

/* A leaf as the plan weighs it: its word's list, the scale of its
 * weight (leaf_bound = scale * wdf / (TF_K1 + wdf)) and its weight at
 * its threshold - 1. */
struct Leaf {
    size_t list;
    double scale, low;
};

/* The most of an article: floor plus, for each leaf whose list holds it,
 * the leaf at that wdf above the leaf at its threshold - 1. */
double most_of(const std::vector<Leaf> &leaves, const std::vector<Xapian::termcount> &wdfs, double floor) {
    double most = floor;
    for (const Leaf &l : leaves)
        if (wdfs[l.list]) most += l.scale * wdfs[l.list] / (TF_K1 + wdfs[l.list]) - l.low;
    return most;
}

/* The lists merged by id into candidates, each with its most. */
void merge(const std::vector<std::vector<WdfPosting>> &lists, const std::vector<Leaf> &leaves, double floor,
           std::vector<WdfMultiPlan::Candidate> &out) {
    std::vector<size_t> at(lists.size(), 0);
    std::vector<Xapian::termcount> wdfs(lists.size());
    size_t total = 0;
    for (const auto &l : lists) total += l.size();
    out.reserve(total);
    for (;;) {
        Xapian::docid id = 0;
        for (size_t i = 0; i < lists.size(); i++)
            if (at[i] < lists[i].size() && (id == 0 || lists[i][at[i]].second < id)) id = lists[i][at[i]].second;
        if (id == 0) return;
        bool known = true;
        for (size_t i = 0; i < lists.size(); i++) {
            bool here = at[i] < lists[i].size() && lists[i][at[i]].second == id;
            wdfs[i] = here ? lists[i][at[i]++].first : 0;
            known = known && here;
        }
        out.push_back({most_of(leaves, wdfs, floor), id, known});
    }
}

/* Whether the articles in every list of words (each word's XT) are
 * likely fewer than want: their number were the words independent.  The
 * cut is then left to articles some list lacks, whose most counts those
 * words at their thresholds - 1, far above what they score (at 500,000
 * articles, a plan of two words cut so passed too seldom to pay for the
 * lists: bench/results/scale.md), and the lists are not read. */
bool few_known(engine_reader *r, const std::map<std::string, size_t> &words, Xapian::doccount want) {
    if (words.size() < 2) return false;
    double expected = 1, articles = tier_freq(r, "");
    for (const auto &w : words) expected *= r->db.get_termfreq(PREFIX_TIER + w.first) / articles;
    return expected * articles < want;
}

/* Whether words' XT lists hold more than READ_MOST postings together:
 * read whole, at 12 bytes a posting read and 16 a candidate, they would
 * hold more memory a query than a worker should (at 10,000,000 articles
 * two of the commonest words' lists). */
bool too_long(engine_reader *r, const std::map<std::string, size_t> &words) {
    uint64_t postings = 0;
    for (const auto &w : words) postings += tier_freq(r, PREFIX_TIER + w.first);
    return postings > READ_MOST;
}

/* The rank-th greatest of values (rank at least 1, at most their
 * number), which it reorders. */
double greatest(std::vector<double> &values, size_t rank) {
    auto nth = values.begin() + (rank - 1);
    std::nth_element(values.begin(), nth, values.end(), std::greater<double>());
    return *nth;
}

}  // namespace

WdfMultiPlan::WdfMultiPlan(engine_reader *r, const Xapian::Query &query, const search_opts *o,
                           Xapian::doccount w, Xapian::doccount min_postings)
    : q(query), want(w) {
    static const bool off = getenv("LEDE_WDF_MULTI_OFF") != nullptr;
    if (off || want == 0 || !wdf_plans_may(r) || q.get_type() == Xapian::Query::LEAF_TERM) return;
    build(r, o, min_postings);
}

void WdfMultiPlan::build(engine_reader *r, const search_opts *o, Xapian::doccount min_postings) {
    TierLeaves found;
    if (!tier_leaves(r, q, found)) return;
    std::map<std::string, size_t> words; /* word -> its list */
    for (const auto &f : found) {
        if (prefix_length(f.first) != 0) return;
        words.emplace(f.first, words.size());
    }
    uint64_t postings = 0;
    for (const auto &w : words) postings += tier_freq(r, w.first);
    if (postings < min_postings) return;
    std::vector<Leaf> leaves;
    for (const auto &f : found) {
        Xapian::termcount t = r->tiers.at(f.first);
        double low = leaf_bound(r, f.first, f.second, t - 1);
        leaves.push_back({words.at(f.first), leaf_bound(r, f.first, f.second, 1) * (TF_K1 + 1), low});
        floor += low;
    }
    first = plain_and(q) ? want : 2 * want;
    if (few_known(r, words, first) || too_long(r, words)) return;
    std::vector<std::vector<WdfPosting>> lists(words.size());
    for (const auto &w : words)
        if (!read_tier_wdfs(r, w.first, o, lists[w.second])) return;
    merge(lists, leaves, floor, candidates);
    for (const Candidate &c : candidates)
        if (c.known) known.push_back(c.most);
    done = candidates.size() < want;
}

bool WdfMultiPlan::next(Xapian::Query &filtered, double &bound) {
    if (done) return false;
    std::vector<Xapian::docid> ids;
    while (!done && tried < RUNS_MOST) {
        Xapian::doccount rank = first;
        for (unsigned i = 0; i < tried; i++) rank *= CUT_STEP;
        tried++;
        /* the cut: the rank-th greatest most of the known; of one word,
         * every candidate when fewer are known (all are) */
        if (rank > known.size() && known.size() < candidates.size()) break;
        double cut = rank <= known.size() ? greatest(known, rank) : -1;
        bound = floor;
        ids.clear();
        for (const Candidate &c : candidates) {
            if (c.most >= cut) ids.push_back(c.id);
            else bound = std::max(bound, c.most);
        }
        done = ids.size() == candidates.size() || ids.size() > FILTER_MOST;
        if (ids.size() > FILTER_MOST || ids.size() <= last) continue; /* too many, or no more than the last run's */
        last = ids.size();
        filtered = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query((new DocidSource(std::move(ids)))->release()));
        return true;
    }
    done = true;
    return false;
}
