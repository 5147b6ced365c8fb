/* search.cc -- engine_search: parse, rewrite and run a ranked query
 * (run_query), with the retry of an AND that found nothing as OR, and the
 * order of equal scores worked out without Xapian's value sort where it
 * can be (TIE_SLACK) or with it on few matches (a tie run longer than
 * the slack: tied_page; remote shards: remote_page), within the query's
 * cost limits (cost.cc) and its deadline (deadline.cc).  Hands the page
 * to results.cc and the spelling to spelling.cc; the weighting is
 * ranking.hh's. */
#include "internal.hh"
#include "tiers.hh"
#include "query_run.hh"
#include "ranking.hh"
#include "tie_run.hh"
#include "split.hh"
#include "../qsyntax.h"

/* Ranking of a format 1 or 2 index: BM25 (BM25_K1, BM25_B) with no floor
 * on the length normalisation; format 3's is ImpactWeight and formats 4
 * and 5's tf_weight (ranking.hh). */
void set_weighting(const engine_reader *r, Xapian::Enquire &enq) {
    if (r->format == 3 && r->remote)
        throw Xapian::UnimplementedError(
            "a format 3 index ranks with lede's own weighting, which a remote "
            "shard's xapian-tcpsrv cannot run: rebuild it with lede-index (format 5)");
    if (scaled_tf(r->format)) enq.set_weighting_scheme(tf_weight());
    else if (r->format == 3) enq.set_weighting_scheme(ImpactWeight());
    else enq.set_weighting_scheme(Xapian::BM25Weight(BM25_K1, 0, 1, BM25_B, 0));
}

/* The date sort's weight floor (remote_page, tied_page, split.cc): a hair
 * below the page's lowest score, so that a last bit of rounding between
 * two matches cannot leave out a match that scores as much. */
double floor_below(double weight) {
    return weight > 0 ? weight * (1 - 1e-9) : 0;
}

template <typename Tops>
Xapian::doccount complete_prefix(const Tops &top, Xapian::doccount want, Xapian::doccount fetched) {
    Xapian::doccount n = (Xapian::doccount)top.size();
    if (n <= want) return n;
    double cut = top[want - 1].get_weight();
    for (Xapian::doccount i = want; i < n; i++)
        if (top[i].get_weight() < cut) return i;
    return n < fetched ? n : 0;
}
template Xapian::doccount complete_prefix(const Xapian::MSet &, Xapian::doccount, Xapian::doccount);
template Xapian::doccount complete_prefix(const std::vector<Xapian::MSetIterator> &, Xapian::doccount,
                                          Xapian::doccount);

namespace {

/* Ranked by BM25, newer dates first among equal scores.  Xapian's
 * relevance-then-value sort reads the date of every candidate it
 * considers (about 12% of a query at 500,000 articles); instead the top
 * offset+limit+TIE_SLACK+1 are taken by score alone.  When the scores
 * fall below the one at the page's end within those (or every match is
 * there), no tie crosses the cut unseen, and the page is ordered here,
 * reading dates only where scores tie.  Otherwise (a tie run longer than
 * the slack) Xapian's sort gives the same order, over the matches that
 * score as much as the page's end only (tied_page).  Without
 * the slack, one query in eight of the Reuters mix ran twice (a run of
 * two equal scores at the cut was enough); with it, 4 in 2,474 do, and
 * the mix takes 8% fewer instructions (callgrind, bench/libsearch). */
const Xapian::doccount TIE_SLACK = 10;

/* The most matches page_by_score's TieSpy keeps (tie_run.cc), and so the
 * longest tie run tied_page sorts from them; past it (a page's end tied
 * with most of a common word's articles) a match under a cutoff sorts. */
const size_t TIE_RUN_MAX = 50000;

/* tied_page: a tie run of at most this many times offset+limit matches
 * is sorted whole by a second match (sorted_tie_run): at 500,000
 * articles, where runs are short, ordering every run from its dates read
 * 3% more blocks than rematching it. */
const size_t TIE_RUN_WHOLE = 4;

/* tier_page's floor: queries whose scoring words' postings add up to
 * fewer run whole (a tier run and a count would cost more). */
const Xapian::doccount TIER_MIN_POSTINGS = 20000;

/* A match spy on an Enquire while it lives (none when spy is NULL): the
 * only one, taken off again even when the match throws. */
struct SpyOn {
    Xapian::Enquire &enq;
    bool on;
    SpyOn(Xapian::Enquire &enq, Xapian::MatchSpy *spy) : enq(enq), on(spy != nullptr) {
        if (on) enq.add_matchspy(spy);
    }
    ~SpyOn() {
        if (on) enq.clear_matchspies();
    }
};

/* The tie run spy gathered into page, for tied_page, when it is whole:
 * Xapian 1.4 stops a match of weightless terms once it has checked
 * enough, so the spy saw every match only when the page's end scores
 * above 0 ("from a", a pair of stop words, does not). */
void keep_tie_run(const TieSpy &spy, Xapian::doccount want, Page &page) {
    double lowest = page.mset[want - 1].get_weight();
    if (lowest <= 0 || spy.overflowed) return;
    page.tie_run = spy.at_least(floor_below(lowest));
    page.ties_gathered = page.tie_run.size() <= TIE_RUN_MAX;
}

/* The page of a relevance-ordered query from the top matches by score
 * alone, ties ordered here (see TIE_SLACK); false when a tie run may go
 * on past what was fetched, and Xapian's sort must order the page.
 * With gather_ties (enq has no other spy), a TieSpy (tie_run.cc) keeps
 * in page the matches that score as much as the page's end, for
 * tied_page. */
bool page_by_score(engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                   Xapian::doccount check, Page &page, bool gather_ties) {
    Xapian::doccount want = o->offset + o->limit;
    enq.set_sort_by_relevance();
    Xapian::doccount fetch = want + TIE_SLACK + 1;
    /* LEDE_TIES_REMATCH (a test and benchmark hook, read once): every
     * tie run sorted by a match under a cutoff, as before tie_run.cc */
    static const bool rematch = getenv("LEDE_TIES_REMATCH") != nullptr;
    std::unique_ptr<TieSpy> spy;
    if (gather_ties && !rematch && r->db.size() == 1) spy.reset(new TieSpy(want, TIE_RUN_MAX));
    {
        SpyOn on(enq, spy.get());
        page.mset = checked_mset(r, enq, o, 0, fetch, check);
    }
    Xapian::doccount complete = complete_prefix(page.mset, want, fetch);
    if (complete == 0 && !page.mset.empty()) {
        if (spy) keep_tie_run(*spy, want, page);
        return false;
    }
    order_ties(r, page, complete);
    check_stop(o, "ordering ties");
    if (page.items.size() > want) page.items.erase(page.items.begin() + want, page.items.end());
    page.items.erase(page.items.begin(),
                     page.items.begin() + (o->offset < page.items.size() ? o->offset : page.items.size()));
    return true;
}

/* Xapian's order of a relevance-ordered page: by score, then the date
 * (the head slot's, which leads with it, in a shard). */
void sort_by_score_then_date(const engine_reader *r, Xapian::Enquire &enq, Page &page) {
    page.heads_in_keys = r->heads;
    enq.set_sort_by_relevance_then_value(r->heads ? ENGINE_SLOT_HEAD : ENGINE_SLOT_DATE, true);
}

/* The page of a relevance-ordered query as Xapian sorts it, in one match
 * over every candidate (for a collapse, whose counts a weight cutoff
 * would cut: see tied_page). */
void sorted_page(engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                 Xapian::doccount check, Page &page) {
    sort_by_score_then_date(r, enq, page);
    page.mset = checked_mset(r, enq, o, o->offset, o->limit, check);
    for (Xapian::MSetIterator it = page.mset.begin(); it != page.mset.end(); ++it)
        page.items.push_back(it);
}

/* The items of the page (offset, limit) that Xapian's date sort gives
 * among the matches scoring at least floor_below(lowest), lowest being
 * the page's lowest score as a match by relevance alone found it: the
 * same items as the sort of every match, since none scoring less can be
 * on the page.  Under the cutoff the matcher reads the sort keys of the
 * page and its ties only; the spies are taken off first (what they
 * counted in the first match stands; they would count these again). */
void sorted_above(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, double lowest,
                  Page &page) {
    Xapian::doccount want = o->offset + o->limit;
    enq.clear_matchspies();
    enq.set_cutoff(0, floor_below(lowest));
    sort_by_score_then_date(r, enq, page);
    Xapian::MSet shown = checked_mset(r, enq, o, o->offset, o->limit, want);
    enq.set_cutoff(0, 0);
    for (Xapian::MSetIterator it = shown.begin(); it != shown.end(); ++it) page.items.push_back(it);
}

/* sorted_above's page from the tie run page_by_score gathered
 * (tie_run.cc), every match that can sort onto the page: their first
 * offset+limit in the date sort's order are taken from the scores the
 * first match gave them and their dates (first_by_score_then_value,
 * which reads no posting), and the same sort over those alone (a FILTER
 * of their ids) gives the page's items.  Sorting the whole run by a
 * second match read every query term's postings again at each of its
 * ids (12% of the mix's CPU at 2,000,000 articles, most of it blocks
 * read for ids far apart).  No weight cutoff: under one, Xapian 1.4
 * passes the floor down to a phrase's postlist, which then walks every
 * candidate between two of the ids to find one scoring as much ("cts
 * prior pay": 23 ms for 76 ids, 5 ms without).  Taken only when that
 * match gives each of them the score the first match gave it, in the
 * order worked out here: false otherwise, page.items untouched.  A run
 * of at most TIE_RUN_WHOLE pages is sorted whole by that match, as its
 * dates would cost about as much as its postings. */
bool sorted_tie_run(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, Page &page) {
    const std::vector<std::pair<Xapian::docid, double>> &run = page.tie_run;
    std::vector<Xapian::docid> order, ids; /* order: none when the whole run is sorted */
    if (run.size() > TIE_RUN_WHOLE * (o->offset + o->limit))
        order = first_by_score_then_value(r->db, r->heads ? ENGINE_SLOT_HEAD : ENGINE_SLOT_DATE, run,
                                          o->offset + o->limit);
    if (order.empty())
        for (const auto &m : run) ids.push_back(m.first);
    else
        ids = order;
    std::sort(ids.begin(), ids.end());
    DocidSource only(ids);
    Xapian::Query q = enq.get_query();
    Xapian::MSet all;
    try {
        enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(&only)));
        sort_by_score_then_date(r, enq, page);
        all = checked_mset(r, enq, o, 0, (Xapian::doccount)ids.size(), (Xapian::doccount)ids.size());
    } catch (...) {
        enq.set_query(q);
        throw;
    }
    enq.set_query(q);
    bool same = all.size() == ids.size();
    for (Xapian::doccount i = 0; same && i < all.size(); i++) {
        auto at = std::lower_bound(run.begin(), run.end(), std::make_pair(*all[i], -1.0));
        same = (order.empty() || *all[i] == order[i]) && at != run.end() && at->first == *all[i] &&
               at->second == all[i].get_weight();
    }
    if (!same) return false;
    for (Xapian::doccount i = o->offset; i < all.size() && i < o->offset + o->limit; i++)
        page.items.push_back(all[i]);
    page.ties_by_date = !order.empty();
    return true;
}

/* The page when page_by_score found a tie run going on past its fetch
 * (page.mset, its totals and what the spies counted are that match's).
 * Sorted in one match instead, Xapian 1.4's matcher would read the date
 * of every candidate until it had checked `check` (1,000) and of every
 * later one scoring as much as its page so far: at 2,000,000 articles
 * `title:display` read a value-table leaf for each of its 356 matches to
 * order 46 ties (bench/results/scale.md).  Never with a collapse: under a
 * cutoff Xapian counts fewer matches collapsed into a hit.  lowest: the
 * page's lowest score, as the match by score alone found it. */
void tied_page(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, double lowest, Page &page) {
    bool gathered = page.ties_gathered && sorted_tie_run(r, enq, o, page);
    page.ties_gathered = gathered; /* else sorted by a match under a cutoff */
    page.tie_run.clear();
    page.tie_run.shrink_to_fit();
    if (!gathered) sorted_above(r, enq, o, lowest, page);
}

/* The page of a relevance-ordered query over remote shards, in two
 * matches.  Sorted by relevance then the head slot (date first), the hits
 * come back with their heads (results.cc), but Xapian 1.4's matcher reads
 * the sort key of every candidate until it has checked `check` (1,000)
 * before it raises its weight floor: about 1,000 head reads a query on
 * each server.  So the first match counts by relevance alone, reading no
 * value (its totals are the search's), and gives the page's lowest score;
 * the second sorts on the heads with that score as its weight cutoff
 * (Enquire::set_cutoff, which the remote protocol carries), so each
 * server reads the heads of the matches that score as high only: the
 * page and the ties at its ends, in the same order as one sorted match.
 * In process on a shard of Reuters, the mix took 0.5 s of CPU against
 * 0.95 s for the one match (34 preads a query against 115; bench/inproc
 * INPROC_TWO_MATCHES); it costs two round trips more a shard. */
void remote_page(engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                 Xapian::doccount check, Page &page) {
    Xapian::doccount want = o->offset + o->limit;
    enq.set_sort_by_relevance();
    page.mset = checked_mset(r, enq, o, 0, want, check);
    if (page.mset.size() <= o->offset) return; /* nothing on this page */
    sorted_above(r, enq, o, page.mset[page.mset.size() - 1].get_weight(), page);
}

/* The totals of q (enq's query) after a tier run gave page: exact up to
 * TOTAL_EXACT_UP_TO matches, as a page's are.  When the tier run alone
 * matched that many, q matches more and Xapian's estimate from the terms'
 * frequencies will do (no match is run); otherwise q is counted up to that
 * many, unweighted: weighted, Xapian 1.4 counts an AND of common words to
 * its end even with no page to fill (11,582 matches, 2.7 ms at 500,000
 * articles, against 1,000 and 0.23 ms). */
void count_tiered(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, Page &page) {
    Xapian::doccount seen = page.mset.get_matches_lower_bound();
    enq.set_weighting_scheme(Xapian::BoolWeight());
    enq.set_sort_by_relevance(); /* a sort by value would read every match's */
    Xapian::MSet m = checked_mset(r, enq, o, 0, 0, seen >= TOTAL_EXACT_UP_TO ? 0 : TOTAL_EXACT_UP_TO);
    set_weighting(r, enq);
    page.tiered = true;
    page.counted_min = std::max(m.get_matches_lower_bound(), seen);
    page.counted_max = std::max(m.get_matches_upper_bound(), page.counted_min);
    page.counted_estimate = std::min(std::max(m.get_matches_estimated(), page.counted_min),
                                     page.counted_max);
}

/* The first match of a tier run: the page's worth by score, in page;
 * false when a tie run may go on past it and the page must be sorted
 * yet.  Over remote shards by score alone, as remote_page's first match
 * (no tie spy, whose dates would each be a round trip). */
bool tier_match(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, Page &page) {
    if (!r->remote) return page_by_score(r, enq, o, 0, page, true);
    enq.set_sort_by_relevance();
    page.mset = checked_mset(r, enq, o, 0, o->offset + o->limit, 0);
    return false;
}

/* One tier run: the page of filtered (a plan of q, enq's query left at
 * q) when its lowest score beats bound, its ties and count the whole
 * match's; false (page untouched) otherwise. */
bool tier_run(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q, const search_opts *o,
              const Xapian::Query &filtered, double bound, Page &page) {
    Xapian::doccount want = o->offset + o->limit;
    Page from_tiers;
    enq.set_query(filtered);
    bool ordered = tier_match(r, enq, o, from_tiers);
    const Xapian::MSet &m = from_tiers.mset;
    if (m.size() < want || !(m[want - 1].get_weight() > bound * (1 + 1e-9))) {
        enq.set_query(q);
        return false;
    }
    if (r->remote) sorted_above(r, enq, o, m[want - 1].get_weight(), from_tiers);
    else if (!ordered) tied_page(r, enq, o, m[want - 1].get_weight(), from_tiers); /* a tie run past the fetch */
    enq.set_query(q);
    count_tiered(r, enq, o, from_tiers);
    page = std::move(from_tiers);
    return true;
}

/* tiers.cc's run: a relevance-ordered page of q from the articles
 * holding a tier term of its words (or field_first.cc's: from the best
 * matches of its headline and standfirst branches), when its lowest
 * score beats all the others can score; false (page untouched) otherwise.
 * One tier word on a format 5 index tries its XT wdfs first
 * (wdf_tier_plan, tier_wdf.cc; 0.53-0.60x the CPU of the boolean tier
 * run at 500,000 articles), and one of several tier leaves (an AND, a
 * bare PHRASE or NEAR -- not the parser's phrase, an OR of the fields --
 * the left of a NOT) its leaves' XT wdfs, a few cuts at most
 * (WdfMultiPlan, tier_wdf_multi.cc).  A field OR tries the narrow tier level first (narrow_tier_plan), then
 * the others, unless field_first.cc's plan is for it and its headline
 * and standfirst branches could fill the page (field_first_likely):
 * then that plan first and the narrow level after it (at 500,000
 * articles `"year shr"` ran 1.6 -> 2.4 ms of CPU when a narrow run that
 * failed its bound came before the field-first run that passed; at
 * 2,000,000 the narrow run passed and still cost 9.2 ms to the
 * field-first one's 5.8: bench/results/scale.md).  Only for a query
 * whose words' postings add up to TIER_MIN_POSTINGS: below that the
 * whole match costs less than a tier run and a count.  LEDE_TIERS_OFF in
 * the environment (a test and benchmark hook, read once) leaves every
 * query to the whole match; LEDE_TIERS_ALWAYS tries a tier run whatever
 * the postings (for tests on small collections); LEDE_TIERS_NO_NARROW
 * leaves the narrow level out (a benchmark and test hook). */
bool tier_page(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q,
               const search_opts *o, Page &page) {
    static const bool off = getenv("LEDE_TIERS_OFF") != nullptr;
    static const bool always = getenv("LEDE_TIERS_ALWAYS") != nullptr;
    static const bool no_narrow = getenv("LEDE_TIERS_NO_NARROW") != nullptr;
    Xapian::Query filtered;
    double bound = 0;
    Xapian::doccount want = o->offset + o->limit, least = always ? 0 : TIER_MIN_POSTINGS;
    enq.set_query(q);
    if (off) return false;
    auto narrow_run = [&] {
        if (no_narrow || !narrow_tier_plan(r, q, least, filtered, bound)) return false;
        r->narrow_runs++;
        return tier_run(r, enq, q, o, filtered, bound, page);
    };
    if (wdf_tier_plan(r, q, o, want, least, filtered, bound)) {
        r->wdf_runs++;
        if (tier_run(r, enq, q, o, filtered, bound, page)) return true;
    }
    for (WdfMultiPlan multi(r, q, o, want, least); multi.next(filtered, bound);) {
        r->wdf_multi_runs++;
        if (tier_run(r, enq, q, o, filtered, bound, page)) return true;
    }
    bool narrow_last = !no_narrow && field_first_likely(r, q, want, least);
    if (!narrow_last && narrow_run()) return true;
    if ((tier_plan(r, q, least, filtered, bound) || field_first_plan(r, enq, q, o, want, least, filtered, bound)) &&
        tier_run(r, enq, q, o, filtered, bound, page))
        return true;
    if (narrow_last && narrow_run()) return true;
    enq.set_query(q);
    return false;
}

/* run_query's page in relevance order (newer first on ties), with enq
 * as run_query set it up (query, weighting, collapse, and facets armed
 * unless they are counted apart, as over remote shards); parsed: the
 * query before run_query read its wildcards and put in its pairs. */
void relevance_page(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &run,
                    const Xapian::Query &parsed, const search_opts *o, Xapian::doccount check,
                    FacetCounts &facets, Page &page) {
    bool apart = r->remote;
    bool collapsing = o->collapse && *o->collapse;
    /* A tier run ranks the best matches only: not for an exact count,
     * facets or a collapse, which need every match seen. */
    if (!o->exact && facets.slots.empty() && !collapsing && tier_page(r, enq, run, o, page))
        return;
    /* Remote shards sort by date where scores tie themselves: reading
     * dates here would cost a round trip for each tied candidate
     * (remote_page).  A collapse keeps the one match below: under a
     * cutoff Xapian would count fewer matches collapsed into a hit. */
    if (r->remote && !collapsing) {
        remote_page(r, enq, o, check, page);
        facets.count_apart(r, enq, o, check);
        return;
    }
    /* An expensive match without facets or collapse: over two cores
     * (split.cc), the halves' tops merged by score then id, their ties
     * ordered here as page_by_score orders them. */
    if (!r->remote && !collapsing && facets.slots.empty()) {
        double lowest = 0;
        Split s = split_page(r, enq, run, parsed, o, o->offset + o->limit + TIE_SLACK + 1, check, lowest, page);
        if (s == Split::TIED) {
            page.ties_gathered = page.ties_gathered && page.tie_run.size() <= TIE_RUN_MAX;
            tied_page(r, enq, o, lowest, page);
        }
        if (s != Split::NONE) return;
    }
    /* A match spy counting collapse keys (collapse.cc) would count twice
     * if page_by_score ran a second match: Xapian sorts. */
    if (!r->remote && !page.collapse_counts &&
        page_by_score(r, enq, o, check, page, facets.slots.empty()))
        return;
    if (!r->remote && !collapsing) { /* a tie run past page_by_score's fetch */
        tied_page(r, enq, o, page.mset[o->offset + o->limit - 1].get_weight(), page);
        return;
    }
    if (!apart) facets.arm(enq); /* the match below counts again */
    /* arm() with facets cleared every spy, the collapse counter's too */
    if (!apart && !facets.slots.empty() && page.collapse_counts)
        enq.add_matchspy(page.collapse_counts.get());
    sorted_page(r, enq, o, check, page);
    if (apart) facets.count_apart(r, enq, o, check);
}

}  // namespace

Xapian::Query query_to_run(engine_reader *r, const Xapian::Query &q, const search_opts *o, bool again) {
    Xapian::Query paired = r->pairs.empty() ? q : pairs_for(r, q);
    return again ? with_wildcards_again(r, paired) : with_wildcards_read(r, paired, o);
}

Page run_query(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q,
               const search_opts *o, FacetCounts &facets) {
    Xapian::Query run = query_to_run(r, q, o);
    enq.set_query(run);
    set_weighting(r, enq);
    Xapian::doccount want = o->offset + o->limit;
    /* Both paths below look at as many candidates, so that a query's
     * total and its exactness do not depend on which one ran. */
    Xapian::doccount check = o->exact ? r->db.get_doccount()
                                      : std::max(want + TIE_SLACK + 1, TOTAL_EXACT_UP_TO);
    check = facets.check_at_least(r, o, check);
    /* Over remote shards, Xapian 1.4 counts the shards' hits that sort
     * below the page once more in the front's spies when the sort reads a
     * value (its matcher skips its remote check there), and a page from
     * remote shards always sorts so: their facets take a match of their
     * own (facets.cc). */
    bool apart = r->remote && want > 0;
    if (!apart) facets.arm(enq);
    Page page;
    set_collapse(r, enq, o, page);
    if (want == 0) { /* a count: no order to keep */
        page.mset = checked_mset(r, enq, o, 0, 0, check);
        return page;
    }
    bool by_field = o->sort_field && *o->sort_field;
    if (!by_field && !o->sort_date) {
        relevance_page(r, enq, run, q, o, check, facets, page);
        return page;
    }
    if (by_field) set_field_sort(r, enq, o);
    else enq.set_sort_by_value_then_relevance(ENGINE_SLOT_DATE, !o->sort_ascending);
    page.mset = checked_mset(r, enq, o, o->offset, o->limit, check);
    for (Xapian::MSetIterator it = page.mset.begin(); it != page.mset.end(); ++it)
        page.items.push_back(it);
    if (apart) facets.count_apart(r, enq, o, check);
    return page;
}

void fill_totals(const Page &page, const FacetCounts &facets, const search_opts *o,
                 search_results *out) {
    const Xapian::MSet &mset = page.mset;
    bool counted = page.tiered || page.split;
    out->total_min = counted ? page.counted_min : mset.get_matches_lower_bound();
    out->total_max = counted ? page.counted_max : mset.get_matches_upper_bound();
    uint64_t estimate = counted ? page.counted_estimate : mset.get_matches_estimated();
    out->exact = out->total_min == out->total_max;
    /* the estimate kept within the bounds, whatever Xapian's rounding */
    out->total = out->exact ? out->total_min
                            : std::min<uint64_t>(std::max<uint64_t>(estimate, out->total_min),
                                                 out->total_max);
    facets.fill(mset, out);
    check_stop(o, "facets");
    if (collapsed_total(page, &out->total)) {
        out->exact = 1;
        out->total_min = out->total_max = out->total;
    }
}

namespace {

/* True when the query ANDs words that mode=any would OR: only then can
 * the retry find more (a phrase that matched nothing would be run again
 * as it was, at the full cost of a search). */
bool ands_words(const Xapian::Query &q) {
    switch (q.get_type()) {
    case Xapian::Query::OP_AND:
        return q.get_num_subqueries() > 1;
    case Xapian::Query::OP_FILTER: case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_AND_MAYBE:
        return q.get_num_subqueries() > 0 && ands_words(q.get_subquery(0));
    default:
        return false;
    }
}

/* LEDE_ELIMIT (message in err) when q's estimated cost is over o's
 * limits (cost.cc): what one match may cost is bounded by them, since
 * Xapian cannot stop a match at the deadline (deadline.cc). */
int within_cost(const engine_reader *r, const Xapian::Query &q, const search_opts *o, char *err) {
    if (!o->max_cost) return LEDE_OK;
    return over_limit(estimate_cost(r, q, o->max_cost), *o->max_cost, err);
}

}  // namespace

int start_query(engine_reader *r, const Xapian::Query &q, const search_opts *o, QueryRun &run,
                char *err) {
    if (int rc = within_cost(r, q, o, err)) return rc;
    if (o->facets)
        if (int rc = plan_facets(r, o->facets, run.facets, err)) return rc;
    run.page = run_query(r, run.enq, q, o, run.facets);
    return LEDE_OK;
}

namespace {

int search_once(engine_reader *r, const search_opts *o,
                search_results *out, char *err) {
    setup_search(r);
    r->qp.set_max_expansion(o->max_wildcard ? o->max_wildcard : 1000,
                            Xapian::Query::WILDCARD_LIMIT_ERROR,
                            Xapian::QueryParser::FLAG_WILDCARD);
    if (int rc = prescreen(o->query, o->max_cost, err)) return rc;
    check_stop(o, "parsing");
    bool stops_only = false;
    Xapian::Query q = parse(r, o->query, o->any, 0, &stops_only);
    check_stop(o, "parsing");
    QueryRun run(r);
    if (int rc = start_query(r, q, o, run, err)) return rc;
    Xapian::Query ran = q;
    bool none = run.page.split ? run.page.counted_max == 0 : run.page.mset.get_matches_upper_bound() == 0;
    if (none && !o->any && ands_words(q)) {
        check_stop(o, "the retry as OR");
        Xapian::Query q_any = parse(r, o->query, true, 0);
        if (int rc = within_cost(r, q_any, o, err)) return rc;
        Page p2 = run_query(r, run.enq, q_any, o, run.facets);
        if ((p2.split ? p2.counted_max : p2.mset.get_matches_upper_bound()) > 0) {
            run.page = std::move(p2);
            ran = q_any;
            out->retried_any = 1;
        }
    }
    fill_totals(run.page, run.facets, o, out);
    out->tiered = run.page.tiered;
    if (stops_only && out->total == 0) out->hint = SEARCH_HINT_STOPWORDS;
    offer_correction(r, o, q, run.page.mset, out);
    fill_hits(r, run.page, ran, o, out);
    return LEDE_OK;
}

}  // namespace

extern "C" {

int engine_search(engine_reader *r, const search_opts *o,
                  search_results *out, char *err) {
    memset(out, 0, sizeof *out);
    if (qsyntax_check(o->query, err) != LEDE_OK) return LEDE_ESYNTAX;
    SearchRunning running; /* split.cc: whether a core is idle */
    int rc = with_retry(r, err, "search", [&] {
        search_results_free(out);
        return search_once(r, o, out, err);
    });
    if (rc != LEDE_OK) search_results_free(out);
    return rc;
}

}  // extern "C"
