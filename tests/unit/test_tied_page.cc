/* test_tied_page.cc -- a relevance page whose last score is shared by
 * more matches than page_by_score fetches (TIE_SLACK past the page):
 * src/engine/search.cc then sorts by score and date only the matches
 * that score as much as the page's end (tied_page: those the first
 * match gathered, src/engine/tie_run.cc, or else a match under a weight
 * cutoff).  Every page cut inside the run of equal scores, of words, of
 * a phrase whose words many non-matching articles hold, of a word whose
 * tied articles share dates or have none, and of a weightless term (Xapian stops that match early, so no tie run may be
 * taken from it), must be the slice that one sorted match of every
 * candidate gives (same ids, order and scores), with that match's exact
 * totals, and facets counted once over every match.  The tied articles
 * are indexed in an order unlike their dates', so a page taken in
 * document id order fails. */
#include "internal.hh"
#include "query_run.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"

#include <string>
#include <vector>

namespace {

/* Groups of articles, from the highest score for "pier OR dock OR quay"
 * to the lowest (format 4 scores the wdf alone, so each group ties):
 * both rare words; dock (rarer than pier); pier alone, the run of
 * equal scores; quay (commoner); and articles matching none. */
const unsigned TOP = 3, DOCK = 5, TIED = 30, QUAY = 40, OTHER = 1100;
const unsigned MATCHES = TOP + DOCK + TIED + QUAY;
const int64_t DAY = 86400, START = 1577836800; /* 2020-01-01 */

int put(engine_writer *w, unsigned n, const char *words, unsigned day, char *err, bool dated = true) {
    article a;
    article_init(&a);
    std::string id = "t" + std::to_string(n), body = std::string(words) + " river stone cloud maple";
    a.id = lede_strdup(id.c_str());
    a.title = lede_strdup("Notes");
    a.body = lede_strdup(body.c_str());
    a.date = START + (int64_t)day * DAY;
    a.has_date = dated;
    return unit_put_article(w, &a, NULL, err);
}

/* The tied group's days are a shuffle of 0-29 (step 11 modulo 30), one a
 * month apart so the month facet spreads them; the others' come after. */
int make_index(const char *dir, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    const char *meta[][2] = {{"lede.format", "4"}, {"lede.pivot", "20"}, {"lede.language", "english"}};
    for (auto &m : meta)
        if (rc == LEDE_OK) rc = engine_writer_meta_set(w, m[0], m[1], strlen(m[1]), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    unsigned n = 0;
    for (unsigned i = 0; rc == LEDE_OK && i < TIED; i++) rc = put(w, n++, "pier", (i * 11 % TIED) * 31, err);
    for (unsigned i = 0; rc == LEDE_OK && i < TOP; i++) rc = put(w, n++, "pier dock", 1000 + i, err);
    for (unsigned i = 0; rc == LEDE_OK && i < DOCK; i++) rc = put(w, n++, "dock", 1100 + i, err);
    for (unsigned i = 0; rc == LEDE_OK && i < QUAY; i++) rc = put(w, n++, "quay", 1200 + i, err);
    for (unsigned i = 0; rc == LEDE_OK && i < OTHER; i++) rc = put(w, n++, "harbour", 1300 + i, err);
    /* the phrase "sail wharf": a run of equal scores among articles
     * holding both words apart, and three scoring above it */
    for (unsigned i = 0; rc == LEDE_OK && i < TIED; i++) {
        rc = put(w, n++, "wharf river sail", 2600 + i, err);
        if (rc == LEDE_OK) rc = put(w, n++, "sail wharf", (i * 7 % TIED) * 31, err);
    }
    for (unsigned i = 0; rc == LEDE_OK && i < TOP; i++) rc = put(w, n++, "sail wharf sail wharf", 2700 + i, err);
    /* keel: a run of equal scores whose dates come in pairs (document
     * id breaks those ties), a sixth of them undated (last among them) */
    for (unsigned i = 0; rc == LEDE_OK && i < TIED; i++)
        rc = put(w, n++, "keel", (i / 2 * 7 % 15) * 31, err, i % 6 != 5);
    for (unsigned i = 0; rc == LEDE_OK && i < TOP; i++) rc = put(w, n++, "keel keel", 2800 + i, err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

Xapian::Query the_query() {
    std::vector<Xapian::Query> words = {Xapian::Query("pier"), Xapian::Query("dock"), Xapian::Query("quay")};
    return Xapian::Query(Xapian::Query::OP_OR, words.begin(), words.end());
}

/* The phrase's matches: TIED tie, TOP above them; the articles holding
 * the words apart are candidates that do not match. */
Xapian::Query the_phrase() {
    std::vector<Xapian::Query> words = {Xapian::Query("sail", 1, 1), Xapian::Query("wharf", 1, 2)};
    return Xapian::Query(Xapian::Query::OP_PHRASE, words.begin(), words.end(), 2);
}

/* Every harbour article scores 0: Xapian stops such a match once it has
 * checked enough (1,000 of the 1,100), and the newest are the last. */
Xapian::Query weightless() {
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query("harbour"), 0);
}

/* One match sorted by score then date over every candidate, on the
 * Enquire run_query set up (its query and weighting). */
Xapian::MSet sorted_match(Xapian::Enquire &enq, unsigned offset, unsigned limit) {
    enq.clear_matchspies();
    enq.set_cutoff(0, 0);
    enq.set_sort_by_relevance_then_value(ENGINE_SLOT_DATE, true);
    return enq.get_mset(offset, limit, 1000);
}

/* The run of equal scores really goes on more than TIE_SLACK (10) past
 * the end of a page of 10. */
void check_setup(engine_reader *r) {
    Xapian::Enquire enq(r->db);
    search_opts o = {};
    o.limit = MATCHES;
    FacetCounts none;
    run_query(r, enq, the_query(), &o, none);
    Xapian::MSet all = sorted_match(enq, 0, MATCHES);
    unsigned ties = 0;
    for (unsigned i = 10; i < all.size(); i++) ties += all[i].get_weight() == all[9].get_weight();
    CHECK(all.size() == MATCHES && ties > 11 && all[7].get_weight() > all[8].get_weight(),
          "%u matches; the 10th score is shared by %u more (over TIE_SLACK + 1)", all.size(), ties);
}

/* Page (offset, limit) of q from run_query against the one sorted match;
 * gathered counts the pages sorted from the tie run the first match
 * gathered (tie_run.cc). */
bool same_page(engine_reader *r, const Xapian::Query &q, unsigned offset, unsigned limit, std::string &why,
               unsigned &gathered, unsigned &by_date) {
    Xapian::Enquire enq(r->db);
    search_opts o = {};
    o.offset = offset;
    o.limit = limit;
    FacetCounts none;
    Page page = run_query(r, enq, q, &o, none);
    gathered += page.ties_gathered;
    by_date += page.ties_by_date;
    Xapian::MSet want = sorted_match(enq, offset, limit);
    bool same = page.items.size() == want.size() &&
                page.mset.get_matches_lower_bound() == want.get_matches_lower_bound() &&
                page.mset.get_matches_upper_bound() == want.get_matches_upper_bound() &&
                page.mset.get_matches_estimated() == want.get_matches_estimated();
    for (unsigned i = 0; same && i < want.size(); i++)
        same = *page.items[i] == *want[i] && page.items[i].get_weight() == want[i].get_weight();
    if (!same)
        why = "offset " + std::to_string(offset) + " limit " + std::to_string(limit) + ": " +
              std::to_string(page.items.size()) + " items, total " +
              std::to_string(page.mset.get_matches_estimated()) + " against " + std::to_string(want.size()) +
              ", " + std::to_string(want.get_matches_estimated());
    return same;
}

/* Every page of q cut inside its run of equal scores; gathered: how
 * many must be sorted from the tie run the first match gathered (at
 * least, or, with none, exactly). */
void check_pages(engine_reader *r, const char *what, const Xapian::Query &q, unsigned gathered_at_least) {
    unsigned bad = 0, pages = 0, gathered = 0, by_date = 0;
    std::string why;
    for (unsigned offset : {0u, 1u, 5u, 8u, 9u, 12u, 20u, 30u, 37u})
        for (unsigned limit : {1u, 2u, 3u, 7u, 10u}) {
            pages++;
            if (!same_page(r, q, offset, limit, why, gathered, by_date)) bad++;
        }
    CHECK(bad == 0, "%s: every page cut inside the run of equal scores is the sorted match's slice, "
                    "its exact totals too (%u of %u differ; %s)",
          what, bad, pages, why.c_str());
    CHECK(gathered_at_least ? gathered >= gathered_at_least : gathered == 0,
          "%s: %u pages sorted from the tie run gathered in the first match (%s %u)", what, gathered,
          gathered_at_least ? "at least" : "must be", gathered_at_least);
    /* a run over TIE_RUN_WHOLE times the page's end: pages ending at the
     * 4th to 8th match (pier: the 9th only) */
    CHECK(gathered_at_least ? by_date >= 1 : by_date == 0,
          "%s: %u pages ordered from the dates of a tie run (score, date, id) and matched again alone",
          what, by_date);
}

/* Through engine_search, with the month histogram: a page of 10 (a tie
 * run past its fetch) and of 100 (every match fetched) count the same
 * months, each match once. */
void check_facets(engine_reader *r) {
    search_opts o = {};
    o.query = "pier OR dock OR quay";
    o.facets = "month";
    o.limit = 10;
    search_opts all = o;
    all.limit = 100;
    TwoPages p(r, o, all);
    const search_results &tied = p.first, &whole = p.second;
    bool ok = p.ok && tied.nfacets == 1 && whole.nfacets == 1;
    uint64_t sum = 0;
    for (unsigned i = 0; ok && i < tied.facets[0].nvalues; i++) sum += tied.facets[0].values[i].count;
    CHECK(ok && tied.exact && tied.total == MATCHES && whole.total == MATCHES,
          "the search's total is every match's, exact (%llu)", (unsigned long long)tied.total);
    ok = ok && tied.facets[0].nvalues == whole.facets[0].nvalues && !tied.facets[0].estimated;
    for (unsigned i = 0; ok && i < tied.facets[0].nvalues; i++)
        ok = !strcmp(tied.facets[0].values[i].value, whole.facets[0].values[i].value) &&
             tied.facets[0].values[i].count == whole.facets[0].values[i].count;
    CHECK(ok && sum == MATCHES,
          "the month facet counts each of the %u matches once (%llu), as a page of 100 does", MATCHES,
          (unsigned long long)sum);
    CHECK(p.ok && tied.nhits == 10 && same_hits(tied, whole, 10),
          "the page of 10 is the first 10 hits of the page of 100, with their scores");
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-tied-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(make_index(dir.c_str(), err) == LEDE_OK, "index of tied scores: %s", err);
    if (engine_reader *r = open_loaded(dir.c_str(), "river")) {
        check_setup(r);
        check_pages(r, "pier OR dock OR quay", the_query(), 10);
        check_pages(r, "\"sail wharf\"", the_phrase(), 10);
        check_pages(r, "harbour, weightless", weightless(), 0);
        check_pages(r, "keel, dates shared or missing", Xapian::Query("keel"), 10);
        check_facets(r);
        engine_reader_close(r);
    }
    unit_scratch_remove(root);
    return unit_exit();
}
