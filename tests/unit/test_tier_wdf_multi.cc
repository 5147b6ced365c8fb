/* test_tier_wdf_multi.cc -- format 5's plan of several tier leaves
 * (src/engine/tier_wdf_multi.cc): for an AND of two and of three tier
 * words, a phrase of them, `a NOT b` and a repeated word, every article
 * of the query outside a plan's filter scores at most the plan's bound,
 * and some first plans pass (their filtered page's want-th above it);
 * the engine's ranked pages of such queries (limits 1-20, offsets 0 and
 * 3) equal the whole match's in ids, scores, order, ties and totals, the
 * plan having run (not for a phrase, which the parser makes an OR of the
 * fields: the narrow and field-first plans' query, tiers.hh); a format 4
 * index never takes it and answers the same. */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"

#include <set>
#include <string>

namespace {

const char *const TIERS = "alpha=150 beta=100 gamma=100";
const unsigned ARTICLES = 120;
const char *const FILLER[] = {"river", "stone", "cloud", "maple", "copper", "harbour", "lantern",
                              "meadow", "signal", "timber", "violet", "window"};

/* Article i: "alpha beta" adjacent or not, alpha 0-3 times, beta 0-2,
 * gamma 0-2, 10-16 filler words: few distinct wdfs, so scores tie
 * across any cut. */
std::string body_of(unsigned i) {
    std::string body;
    if (i % 5 == 0) body += "alpha beta ";
    for (unsigned k = 0; k < i % 4; k++) body += "alpha ";
    for (unsigned k = 0; k < 10 + i % 7; k++) body += std::string(FILLER[(i + k) % 12]) + " ";
    for (unsigned k = 0; k < (i / 4) % 3; k++) body += "beta ";
    for (unsigned k = 0; k < (i / 3) % 3; k++) body += "gamma ";
    return body;
}

int write_index(const char *dir, const char *format, char *err) {
    engine_writer *w = nullptr;
    int rc = unit_format_open(dir, format, 0, "alpha beta gamma", TIERS, NULL, &w, err);
    if (rc != LEDE_OK) return rc;
    for (unsigned i = 0; rc == LEDE_OK && i < ARTICLES; i++) {
        std::string id = "a" + std::to_string(i), body = body_of(i);
        rc = unit_put(w, id.c_str(), "Notes", body.c_str(), err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

Xapian::Query leaf(const char *term) {
    return Xapian::Query(term);
}

/* The queries of the plan, built as the parser's would weigh them. */
std::vector<std::pair<const char *, Xapian::Query>> plan_queries() {
    using Q = Xapian::Query;
    std::vector<Q> three{leaf("alpha"), leaf("beta"), leaf("gamma")};
    return {{"alpha AND beta", Q(Q::OP_AND, leaf("alpha"), leaf("beta"))},
            {"alpha AND beta AND gamma", Q(Q::OP_AND, three.begin(), three.end())},
            {"\"alpha beta\"", Q(Q::OP_PHRASE, leaf("alpha"), leaf("beta"))},
            {"alpha NOT beta", Q(Q::OP_AND_NOT, leaf("alpha"), leaf("beta"))},
            {"alpha AND alpha", Q(Q::OP_AND, leaf("alpha"), leaf("alpha"))}};
}

/* Every plan WdfMultiPlan gives of q at every want: every article of q
 * outside its filter scores at most its bound; how many plans passed
 * (their want-th filtered score above the bound). */
unsigned check_plans(engine_reader *r, const char *what, const Xapian::Query &q) {
    Xapian::Enquire enq(r->db);
    enq.set_weighting_scheme(tf_weight());
    enq.set_query(q);
    Xapian::MSet all = enq.get_mset(0, r->db.get_doccount());
    unsigned plans = 0, unsound = 0, passed = 0;
    for (Xapian::doccount want = 1; want <= 20; want++) {
        WdfMultiPlan plan(r, q, nullptr, want, 0);
        Xapian::Query filtered;
        double bound;
        while (plan.next(filtered, bound)) {
            plans++;
            enq.set_query(filtered);
            Xapian::MSet in = enq.get_mset(0, r->db.get_doccount());
            std::set<Xapian::docid> held(in.begin(), in.end());
            for (Xapian::MSetIterator it = all.begin(); it != all.end(); ++it)
                unsound += !held.count(*it) && it.get_weight() > bound * (1 + 1e-12);
            passed += in.size() >= want && in[want - 1].get_weight() > bound;
        }
    }
    CHECK(plans > 0 && unsound == 0, "%s: %u plans, %u articles outside a filter above its bound", what, plans,
          unsound);
    return passed;
}

/* query's ranked pages of every size (offsets 0 and 3) on a fresh reader
 * against the whole match's; planned: whether the plan ran for some. */
void check_pages(const char *what, const char *dir, const char *query, bool planned) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) {
        CHECK(false, "%s: reader opens: %s", what, err);
        return;
    }
    PageSweep s = sweep_pages(r, query, true);
    unsigned differ = s.differ, pages = s.pages, tiered = s.tiered;
    CHECK(differ == 0, "%s, %s: %u pages (%u from a tier run), %u unlike the whole match's", what, query, pages,
          tiered, differ);
    CHECK(planned ? r->wdf_multi_runs > 0 : r->wdf_multi_runs == 0, "%s, %s: %u runs of the several-leaf plan",
          what, query, r->wdf_multi_runs);
    engine_reader_close(r);
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-tierwdfm-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string f5 = std::string(root) + "/f5", f4 = std::string(root) + "/f4";
    char err[LEDE_ERRLEN] = "";
    CHECK(write_index(f5.c_str(), "5", err) == LEDE_OK, "format 5: %s", err);
    CHECK(write_index(f4.c_str(), "4", err) == LEDE_OK, "format 4: %s", err);
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* read once, at the first search */

    engine_reader *r5 = open_loaded(f5.c_str(), "alpha"), *r4 = open_loaded(f4.c_str(), "alpha");
    if (r5 && r4) {
        unsigned passed = 0;
        for (const auto &q : plan_queries()) {
            unsigned one = check_plans(r5, q.first, q.second);
            CHECK(one > 0, "%s: a plan passed its bound at some page size", q.first);
            passed += one;
            Xapian::Query filtered;
            double bound;
            CHECK(!WdfMultiPlan(r4, q.second, nullptr, 5, 0).next(filtered, bound), "%s: no plan on format 4",
                  q.first);
        }
        CHECK(passed > 20, "%u plans passed their bound", passed);
        Xapian::Query filtered;
        double bound;
        CHECK(!WdfMultiPlan(r5, leaf("alpha"), nullptr, 5, 0).next(filtered, bound) &&
                  !WdfMultiPlan(r5, Xapian::Query(Xapian::Query::OP_AND, leaf("alpha"), leaf("river")), nullptr, 5, 0)
                       .next(filtered, bound) &&
                  !WdfMultiPlan(r5, Xapian::Query(Xapian::Query::OP_AND, leaf("alpha"), leaf("beta")), nullptr, 5,
                                1000000)
                       .next(filtered, bound),
              "no plan of one word, of a word without a tier, or below the postings floor");
    }
    if (r5) engine_reader_close(r5);
    if (r4) engine_reader_close(r4);

    for (const char *q : {"alpha beta", "alpha beta gamma", "\"alpha beta\"", "alpha NOT beta", "alpha alpha"}) {
        check_pages("format 5", f5.c_str(), q, q[0] != '"');
        check_pages("format 4", f4.c_str(), q, false);
    }
    unit_scratch_remove(root);
    return unit_exit();
}
