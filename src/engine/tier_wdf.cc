/* tier_wdf.cc -- format 5's one-word tier plan (issue 22).  In a format 5
 * index every XT<word> posting carries the word's (scaled) wdf in that
 * article (tiers.cc's add_tier_terms), so the XT list alone says which
 * articles score best for the word: a ranked query of one tier word reads
 * that list, takes the wdf of its want-th greatest posting as the cut,
 * and runs the query FILTERed to the articles at or above the cut (ties
 * at the cut kept whole).  Any other article has the word's wdf below the
 * cut (below its threshold when it holds no XT<word>, every XT posting
 * being at or above it), so it scores at most the word at cut - 1; the
 * filtered page's lowest score is at least the word at cut, above that,
 * and search.cc's tier_run then gives the whole match's page.  At 500,000
 * articles this took one-word tier runs to 0.53-0.60x of format 4's CPU
 * with the same answers and scores (bench/results/scale.md).
 *
 * Local and over one database only: the filter is a DocidSource, which
 * holds one database's ids (over several, each sub-database would need
 * its own), and a remote list would be a round trip to read whole.  A
 * format 4 index (boolean XT) never takes it; a posting below the word's
 * threshold (a wdf-0 XT that no format 5 writer makes) refuses the plan,
 * and the other plans run as before. */
#include "internal.hh"
#include "tiers.hh"
#include "query_path.hh"
#include "tie_run.hh"

#include <algorithm>
#include <functional>

namespace {

/* XT lists are read this many postings between looks at the deadline
 * and cancel flag (check_stop: a look reads the clock). */
const size_t READ_CHECK_EVERY = 4096;

}  // namespace

bool wdf_plans_may(const engine_reader *r) {
    return tier_wdfs(r->format) && !r->remote && r->db.size() == 1 && !r->tiers.empty();
}

bool read_tier_wdfs(const engine_reader *r, const std::string &word, const search_opts *o,
                    std::vector<WdfPosting> &out) {
    Xapian::termcount threshold = r->tiers.at(word);
    std::string xt = PREFIX_TIER + word;
    out.reserve(r->db.get_termfreq(xt));
    for (Xapian::PostingIterator p = r->db.postlist_begin(xt); p != r->db.postlist_end(xt); ++p) {
        if (o && out.size() % READ_CHECK_EVERY == 0) check_stop(o, "the tier lists");
        Xapian::termcount wdf = p.get_wdf();
        if (wdf < threshold) return false;
        out.emplace_back(wdf, *p);
    }
    return true;
}

namespace {

/* q's word when q is a single leaf of a tier word that the plan may
 * read on r (format 5, local, one database); else "". */
std::string one_tier_word(const engine_reader *r, const Xapian::Query &q) {
    if (!wdf_plans_may(r) || q.get_type() != Xapian::Query::LEAF_TERM) return "";
    std::string term = *q.get_terms_begin();
    return prefix_length(term) == 0 && r->tiers.count(term) ? term : "";
}

/* The want-th greatest wdf of postings (want at least 1, at most their
 * number). */
Xapian::termcount cut_of(const std::vector<WdfPosting> &postings, Xapian::doccount want) {
    std::vector<Xapian::termcount> wdfs;
    wdfs.reserve(postings.size());
    for (const WdfPosting &p : postings) wdfs.push_back(p.first);
    auto at = wdfs.begin() + (want - 1);
    std::nth_element(wdfs.begin(), at, wdfs.end(), std::greater<Xapian::termcount>());
    return *at;
}

}  // namespace

bool wdf_tier_plan(engine_reader *r, const Xapian::Query &q, const search_opts *o, Xapian::doccount want,
                   Xapian::doccount min_postings, Xapian::Query &filtered, double &bound) {
    std::string word = one_tier_word(r, q);
    if (word.empty() || want == 0 || tier_freq(r, word) < min_postings) return false;
    std::vector<WdfPosting> postings;
    if (!read_tier_wdfs(r, word, o, postings) || postings.size() < want) return false;
    Xapian::termcount cut = cut_of(postings, want);
    std::vector<Xapian::docid> ids; /* ascending, as the list gave them */
    for (const WdfPosting &p : postings)
        if (p.first >= cut) ids.push_back(p.second);
    filtered = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query((new DocidSource(std::move(ids)))->release()));
    bound = leaf_bound(r, word, read_description(q).wqf, cut - 1);
    return true;
}
