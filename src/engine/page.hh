/* page.hh -- a ranked query's page as the engine's query path builds it
 * (search.cc, split.cc, tie_run.cc, collapse.cc, results.cc): the Page
 * of matches, the order of its items and what was counted beside it,
 * and complete_prefix, which both search.cc's match by score and
 * split.cc's merged halves ask of their tops.  Declarations only;
 * included at the end of internal.hh (before query_path.hh, whose
 * declarations take a Page), and only src/engine/ includes it. */
#ifndef LEDE_ENGINE_PAGE_HH
#define LEDE_ENGINE_PAGE_HH

#include <xapian.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

/* One page of results: an MSet, the order of its items to show, and the
 * stored data of those read so far (a hit's, or a tied item's: its date
 * is in the head of its data). */
struct Page {
    Xapian::MSet mset;
    bool heads_in_keys = false;  /* sorted on ENGINE_SLOT_HEAD */
    std::vector<Xapian::MSetIterator> items;
    std::unordered_map<Xapian::docid, std::string> data;
    /* collapse.cc: every match's collapse key counted (an exact search),
     * and those counts by key once read */
    std::shared_ptr<Xapian::ValueCountMatchSpy> collapse_counts;
    std::unordered_map<std::string, Xapian::doccount> collapse_sizes;
    /* A page from a tier run (search.cc): mset matched only the articles
     * holding a tier term, and the query's totals are these. */
    bool tiered = false;
    bool split = false;  /* or from two halves of the ids (split.cc): the same */
    Xapian::doccount counted_min = 0, counted_max = 0, counted_estimate = 0;
    /* search.cc: a tie run past page_by_score's fetch gathered in its
     * match (every match scoring about as much as the page's end, by
     * document id, with its score), for tied_page, which leaves
     * ties_gathered true when it sorted the page from them */
    bool ties_gathered = false;
    bool ties_by_date = false; /* and ordered them from their dates (a long run) */
    std::vector<std::pair<Xapian::docid, double>> tie_run;
};

/* search.cc: the number of leading matches of top (an MSet, or the
 * merged tops of split.cc's halves: anything whose size() counts its
 * matches and whose [i].get_weight() is a match's score, by score down)
 * that surely hold every match scoring at least as high as match
 * want-1, or 0 when a tie run may go on beyond them (top holds all the
 * `fetched` matches asked for, every one after want-1 scoring as much).
 * Defined there, for those two kinds of top. */
template <typename Tops>
Xapian::doccount complete_prefix(const Tops &top, Xapian::doccount want, Xapian::doccount fetched);

#endif
