/* test_tier_wdf.cc -- format 5's weighed tier terms (src/engine/tiers.cc's
 * add_tier_terms, src/engine/tier_wdf.cc): every writer of a format 5
 * index (Xapian's API, the bulk writer, a later run adding to either)
 * gives XT<word> the word's (scaled) wdf, XTN<word> staying boolean; a
 * format 4 index keeps boolean XT in every writer; the one-word plan reads
 * format 5's XT list alone and its page equals the whole match's (ids,
 * scores, order, ties across the cut, totals) at every page size; a
 * format 4 index never takes it and answers the same; a bulk writer
 * refuses engine_writer_configure after its first put (its tier
 * verdicts are kept by term id for the tier words it began with). */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"
#include "tier_body.hh"

#include <algorithm>
#include <string>

namespace {

/* alpha's tier and narrow level, beta's tier (scaled wdfs, pivot 20) */
const char *const TIERS = "alpha=150,180 beta=100";
const Xapian::termcount ALPHA_T = 150, ALPHA_N = 180, BETA_T = 100;
const unsigned ARTICLES = 60;

/* Article i: alpha 0-3 times, beta 0-2 times, 10-16 filler words: few
 * distinct wdfs, so scores tie across any cut. */
std::string body_of(unsigned i) { return unit_tier_body(i, "beta", nullptr); }

/* Articles from to upto - 1 written to dir: a new index of format (bulk
 * when bulk), or (format null) added by a writer opened on the index
 * there, as an incremental run or a live writer opens it. */
int write_articles(const char *dir, const char *format, bool bulk, unsigned from, unsigned upto, char *err) {
    engine_writer *w = nullptr;
    int rc = format ? unit_format_open(dir, format, bulk ? 16u << 20 : 0, "alpha beta", TIERS, NULL, &w, err)
                    : engine_writer_open(dir, 1, 1, &w, err);
    if (rc != LEDE_OK) return rc;
    if (!format) rc = engine_writer_configure(w, "english", NULL, 0, err);
    for (unsigned i = from; rc == LEDE_OK && i < upto; i++) {
        std::string id = "a" + std::to_string(i), body = body_of(i);
        rc = unit_put(w, id.c_str(), "Notes", body.c_str(), err);
        if (bulk && rc == LEDE_OK && i == from) { /* its tier verdicts, kept by term id, are of these tier words */
            char why[LEDE_ERRLEN] = "";
            CHECK(engine_writer_configure(w, "english", NULL, 0, why) == LEDE_ERR &&
                      strstr(why, "before its first put"),
                  "a bulk writer that took a put refuses to be configured again (its tier words): %s", why);
        }
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* Every article's XT<word> is there exactly when the word's wdf reaches
 * its threshold, with that wdf when weighed (else 0), and XTN<alpha>
 * boolean where alpha reaches the narrow level. */
void check_xt_wdfs(const char *what, const char *dir, bool weighed) {
    Xapian::Database db(dir);
    unsigned wrong = 0, tier = 0, narrow = 0;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p)
        for (auto word : {std::make_pair("alpha", ALPHA_T), std::make_pair("beta", BETA_T)}) {
            Xapian::termcount wdf = wdf_in(db, *p, word.first);
            bool has;
            Xapian::termcount xt = wdf_in(db, *p, std::string(PREFIX_TIER) + word.first, &has);
            wrong += has != (wdf >= word.second) || (has && xt != (weighed ? wdf : 0));
            tier += has;
            if (std::string(word.first) != "alpha") continue;
            Xapian::termcount xtn = wdf_in(db, *p, std::string(PREFIX_TIER_NARROW) + "alpha", &has);
            wrong += has != (wdf >= ALPHA_N) || xtn != 0;
            narrow += has;
        }
    CHECK(wrong == 0 && tier > 10 && narrow > 0,
          "%s: XT<word> %s in the %u articles reaching the threshold, XTN boolean in %u (%u wrong)", what,
          weighed ? "with the word's wdf" : "boolean", tier, narrow, wrong);
}

/* The plan's filter holds every article of alpha's XT list at or above
 * its want-th wdf, at least want of them; every other article scores at
 * most the bound and the filtered page's want-th above it.  How many the
 * filter holds (more than want: ties at the cut kept). */
Xapian::doccount check_plan(engine_reader *r, Xapian::doccount want) {
    Xapian::Query alpha("alpha"), filtered;
    double bound = 0;
    if (!wdf_tier_plan(r, alpha, nullptr, want, 0, filtered, bound)) {
        CHECK(false, "alpha, %u wanted: a one-word plan", want);
        return 0;
    }
    Xapian::Enquire enq(r->db);
    enq.set_weighting_scheme(tf_weight());
    enq.set_query(filtered);
    Xapian::MSet in = enq.get_mset(0, r->db.get_doccount());
    enq.set_query(alpha);
    Xapian::MSet all = enq.get_mset(0, r->db.get_doccount());
    double most = 0;
    for (Xapian::MSetIterator it = all.begin(); it != all.end(); ++it)
        if (in.end() == std::find_if(in.begin(), in.end(), [&](Xapian::docid d) { return d == *it; }))
            most = std::max(most, it.get_weight());
    CHECK(in.size() >= want && in.size() < all.size() && in[want - 1].get_weight() > bound && most <= bound,
          "alpha, %u wanted: %u filtered of %u, the want-th %.4f above the bound %.4f, the rest at most %.4f",
          want, in.size(), all.size(), in.size() >= want ? in[want - 1].get_weight() : 0.0, bound, most);
    return in.size();
}

/* One query's ranked pages of every size (offset 0 and 3) on a fresh
 * reader against the whole match's: the same hits, order, scores and
 * count; weighed: each page whose want its XT list holds from the
 * one-word plan (its runs counted), none on format 4. */
void check_pages(const char *what, const char *dir, const char *query, bool weighed) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) {
        CHECK(false, "%s: reader opens: %s", what, err);
        return;
    }
    Xapian::doccount listed = r->db.get_termfreq(std::string(PREFIX_TIER) + query);
    PageSweep s = sweep_pages(r, query, false, listed);
    unsigned differ = s.differ, pages = s.pages, tiered = s.tiered, plannable = s.fitting;
    CHECK(differ == 0 && tiered >= plannable, "%s, %s: %u pages, %u from a tier run, %u unlike the whole match's",
          what, query, pages, tiered, differ);
    CHECK(plannable > 5 && r->wdf_runs == (weighed ? plannable : 0), "%s, %s: %u one-word runs (%u pages its XT list fills)",
          what, query, r->wdf_runs, plannable);
    if (weighed && !strcmp(query, "alpha")) {
        unsigned tied = 0;
        for (Xapian::doccount want : {1u, 4u, 9u}) tied += check_plan(r, want) > want;
        CHECK(tied > 0, "%s: a cut with ties across it (%u of 3 wants)", what, tied);
    }
    Xapian::Query filtered;
    double bound;
    CHECK(!wdf_tier_plan(r, Xapian::Query(Xapian::Query::OP_AND, Xapian::Query("alpha"), Xapian::Query("beta")), nullptr, 5,
                         0, filtered, bound) &&
              !wdf_tier_plan(r, Xapian::Query("river"), nullptr, 5, 0, filtered, bound) &&
              !wdf_tier_plan(r, Xapian::Query("alpha"), nullptr, 5, 1000000, filtered, bound),
          "%s: no one-word plan of two words, of a word without a tier, or below the postings floor", what);
    engine_reader_close(r);
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-tierwdf-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string api5 = std::string(root) + "/api5", bulk5 = std::string(root) + "/bulk5",
                api4 = std::string(root) + "/api4";
    char err[LEDE_ERRLEN] = "";
    CHECK(write_articles(api5.c_str(), "5", false, 0, ARTICLES, err) == LEDE_OK, "format 5 by the API: %s", err);
    CHECK(write_articles(bulk5.c_str(), "5", true, 0, ARTICLES / 2, err) == LEDE_OK &&
              write_articles(bulk5.c_str(), nullptr, false, ARTICLES / 2, ARTICLES, err) == LEDE_OK,
          "format 5 in bulk, then added to: %s", err);
    CHECK(write_articles(api4.c_str(), "4", false, 0, ARTICLES / 2, err) == LEDE_OK &&
              write_articles(api4.c_str(), nullptr, false, ARTICLES / 2, ARTICLES, err) == LEDE_OK,
          "format 4, then added to: %s", err);
    check_xt_wdfs("format 5, API", api5.c_str(), true);
    check_xt_wdfs("format 5, bulk then API", bulk5.c_str(), true);
    check_xt_wdfs("format 4", api4.c_str(), false);
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* read once, at the first search */
    for (const char *q : {"alpha", "beta"}) {
        check_pages("format 5", api5.c_str(), q, true);
        check_pages("format 5 (bulk)", bulk5.c_str(), q, true);
        check_pages("format 4", api4.c_str(), q, false);
    }
    unit_scratch_remove(root);
    return unit_exit();
}
