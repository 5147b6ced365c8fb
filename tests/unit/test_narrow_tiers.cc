/* test_narrow_tiers.cc -- format 4's narrow tier level (src/engine/tiers.cc:
 * "word=T,N" in lede.tiers, the term XTN<word>, narrow_tier_plan): the
 * term is in exactly the articles whose wdf reaches N; every article of a
 * paired phrase outside the narrow plan's filter scores at most its bound,
 * and an article at exactly N scores above it (so a threshold one off in
 * the writer or in the bound fails here); a ranked page of the phrase
 * comes from the plan with the whole match's hits, order, scores and
 * count; the plan is refused for a common headline term, a phrase that
 * reads positions and a word without the level; engine_writer_tiers
 * writes the level and tiers_of reads it (and a list without it); a
 * page the headline can fill is tried on field_first.cc's plan before
 * the narrow level. */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"
#include "query_path.hh"
#include "split.hh"
#include "tier_body.hh"

#include <algorithm>

#include <set>
#include <string>
#include <vector>

namespace {

/* Article i's body: "alpha beta" i % 5 times among 12 to 18 filler words;
 * one in HEADS has the phrase in its headline (in at most 1% of them). */
const unsigned ARTICLES = 500, HEADS = 250;

std::string body_of(unsigned i) {
    std::string body;
    for (unsigned k = 0; k < i % 5; k++) body += "alpha beta ";
    body += unit_filler(i, 12);
    if (i % 10 == 3) body += "gamma delta";
    return body;
}

std::string title_of(unsigned i) {
    if (i % HEADS == 7) return "alpha beta news";
    return i % 3 ? "gamma notes" : "Notes"; /* gamma in a third of the headlines */
}

int make_index(const char *dir, const std::string &tiers, char *err) {
    engine_writer *w;
    int rc = unit_format4_open(dir, "alpha beta gamma delta", tiers.c_str(), NULL, &w, err);
    if (rc != LEDE_OK) return rc;
    for (unsigned i = 0; rc == LEDE_OK && i < ARTICLES; i++) {
        std::string id = "n" + std::to_string(i);
        rc = unit_put(w, id.c_str(), title_of(i).c_str(), body_of(i).c_str(), err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* The narrow threshold: the baked wdf of alpha an article with the
 * phrase three times has (a value some articles hold exactly), read from
 * an index built without tiers (the same texts bake alike; docid i + 1
 * is article i). */
Xapian::termcount narrow_from(const char *dir) {
    Xapian::Database db(dir);
    std::vector<Xapian::termcount> three;
    for (Xapian::PostingIterator p = db.postlist_begin("alpha"); p != db.postlist_end("alpha"); ++p) {
        unsigned i = *p - 1; /* one writer, ids in order */
        if (i % 5 == 3) three.push_back(p.get_wdf());
    }
    std::sort(three.begin(), three.end());
    return three.empty() ? 0 : three[three.size() / 2];
}

/* XTN<word> in exactly the articles whose wdf reaches n, XT<word> where it reaches t. */
void check_terms(const char *dir, Xapian::termcount t, Xapian::termcount n) {
    Xapian::Database db(dir);
    unsigned wrong = 0, narrow = 0, at = 0;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p)
        for (const char *word : {"alpha", "beta"}) {
            Xapian::termcount wdf = wdf_in(db, *p, word);
            bool nt = holds(db, *p, std::string(PREFIX_TIER_NARROW) + word);
            bool hi = holds(db, *p, std::string(PREFIX_TIER) + word);
            wrong += nt != (wdf >= n) || hi != (wdf >= t);
            narrow += nt;
            at += wdf == n;
        }
    CHECK(wrong == 0, "XTN and XT terms are in exactly the articles whose wdf reaches N and T (%u wrong)", wrong);
    CHECK(narrow > 10 && at > 10, "%u narrow postings, %u of them at exactly N", narrow, at);
}

/* The parsed (and paired) phrase as a search runs it. */
Xapian::Query phrase_of(engine_reader *r, const char *text) {
    setup_search(r);
    search_opts o = {};
    o.limit = 5;
    return query_to_run(r, parse(r, text, false, 0), &o);
}

/* Every article of the phrase outside the narrow plan's filter scores at
 * most the bound, and every one inside whose body wdf of alpha and beta is
 * exactly N (the least a narrow article holds) scores above it. */
void check_bound(const char *dir, Xapian::termcount n) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    CHECK(r->tiers.count(std::string(PREFIX_TIER_NARROW) + "alpha") &&
              r->tiers.at(std::string(PREFIX_TIER_NARROW) + "alpha") == n,
          "the reader reads alpha's narrow threshold (%u)", n);
    Xapian::Query q = phrase_of(r, "\"alpha beta\""), filtered;
    double bound = -1;
    CHECK(narrow_tier_plan(r, q, 0, filtered, bound) && bound > 0, "\"alpha beta\": a narrow plan");
    Xapian::Enquire enq(r->db);
    enq.set_weighting_scheme(tf_weight());
    std::set<Xapian::docid> in;
    Xapian::MSet all = plan_sides(enq, r->db, filtered, q, in);
    double most = 0, least_at_n = 1e300;
    unsigned others = 0, at_n = 0;
    for (Xapian::MSetIterator it = all.begin(); it != all.end(); ++it) {
        bool body_at_n = wdf_in(r->db, *it, "alpha") == n && wdf_in(r->db, *it, "beta") == n;
        if (!in.count(*it)) {
            others++;
            most = std::max(most, it.get_weight());
        } else if (body_at_n) {
            at_n++;
            least_at_n = std::min(least_at_n, it.get_weight());
        }
    }
    CHECK(others > 0 && most <= bound * (1 + 1e-12),
          "the %u matches outside the filter (%zu inside) score at most the bound (%.6f <= %.6f)", others,
          in.size(), most, bound);
    CHECK(at_n > 0 && least_at_n > bound * (1 + 1e-12),
          "the %u articles at exactly N inside score above the bound (%.6f > %.6f)", at_n, least_at_n, bound);
    engine_reader_close(r);
}

/* What the plan refuses. */
void check_refused(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    Xapian::Query filtered;
    double bound;
    CHECK(!narrow_tier_plan(r, phrase_of(r, "\"gamma alpha\""), 0, filtered, bound),
          "no narrow plan when a headline term is in more than 1%% of the articles (Sgamma)");
    CHECK(!narrow_tier_plan(r, phrase_of(r, "\"beta delta\""), 0, filtered, bound),
          "no narrow plan for a paired body word without the level (delta)");
    CHECK(!narrow_tier_plan(r, phrase_of(r, "\"beta alpha beta\""), 0, filtered, bound),
          "no narrow plan for a phrase that reads positions");
    CHECK(!narrow_tier_plan(r, phrase_of(r, "alpha beta"), 0, filtered, bound),
          "no narrow plan for an AND (not a field OR)");
    CHECK(!narrow_tier_plan(r, phrase_of(r, "\"alpha beta\""), 1000000, filtered, bound),
          "no narrow plan below the postings floor");
    engine_reader_close(r);
}

/* Pages of the phrase at several offsets: from the narrow plan (the only
 * plan of this OR: no headline page for field_first_plan) with the whole
 * match's hits, order, scores and count. */
void check_pages(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    check_offsets(r, "\"alpha beta\"", {0u, 2u, 5u, 9u}, true, "ranked from the narrow tier");
    engine_reader_close(r);
}

void sample_body(unsigned i, article *a) { a->body = lede_strdup(body_of(i).c_str()); }

/* The order of the plans (search.cc's tier_page): a page of one, which
 * the headline's two phrase articles can fill, is field_first.cc's
 * (field_first_likely) and tries no narrow run; a page of five, which
 * they cannot, tries the narrow level first.  Both the whole match's
 * hits.  Fails when the narrow level is always tried first (at 500,000
 * articles a narrow run that failed its bound cost `"year shr"` 1.5x). */
void check_order(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    Xapian::Query q = phrase_of(r, "\"alpha beta\"");
    CHECK(field_first_likely(r, q, 1, 0) && !field_first_likely(r, q, 5, 0),
          "\"alpha beta\": the field-first plan likely for a page of 1, not of 5");
    for (unsigned limit : {1u, 5u}) {
        search_opts o = {};
        o.query = "\"alpha beta\"";
        o.limit = limit;
        unsigned before = r->narrow_runs;
        TwoPages p(r, o);
        unsigned tried = r->narrow_runs - before;
        CHECK(p.ok && p.first.tiered && same_hits(p.first, p.second, limit),
              "a page of %u: tiered, the whole match's %u hits", limit, limit);
        CHECK(tried == (limit == 1 ? 0u : 1u), "a page of %u: %u narrow runs tried", limit, tried);
    }
    engine_reader_close(r);
}

/* engine_writer_tiers with a narrow share writes "word=T,N" (N above T,
 * reached by at most that share of the sample); tiers_of reads it, and
 * a list without it or with N not above T gives no narrow level. */
void check_written() {
    double pivot;
    settings s;
    settings_init(&s);
    engine_writer *m = unit_tier_sample(ARTICLES, sample_body, "alpha", 0.5, 0.1, &s, &pivot);
    if (!m) {
        settings_free(&s);
        return;
    }
    std::string written(s.tiers.data ? s.tiers.data : "", s.tiers.len);
    TierMap tiers = tiers_of(s);
    std::string key = std::string(PREFIX_TIER_NARROW) + "alpha";
    unsigned reach = 0;
    const auto &seen = m->sample_wdf["alpha"];
    for (const auto &p : seen) reach += tiers.count(key) && tf_of(p.first, p.second, pivot) >= tiers[key];
    CHECK(tiers.count("alpha") && tiers.count(key) && tiers[key] > tiers["alpha"] && reach > 0 &&
              reach <= 0.1 * seen.size(),
          "\"%s\": %u of alpha's %zu sampled postings reach N (at most a tenth, not none)", written.c_str(),
          reach, seen.size());
    sbuf_reset(&s.tiers);
    const char *old = "alpha=3 beta=4,4 gamma=2,9";
    sbuf_append(&s.tiers, old, strlen(old));
    tiers = tiers_of(s);
    CHECK(tiers.size() == 4 && tiers["alpha"] == 3 && tiers["beta"] == 4 && tiers["gamma"] == 2 &&
              tiers[std::string(PREFIX_TIER_NARROW) + "gamma"] == 9,
          "\"%s\": three words, one narrow level (%zu entries)", old, tiers.size());
    settings_free(&s);
    engine_writer_close(m, NULL);
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-narrow-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string plain = std::string(root) + "/plain", dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(make_index(plain.c_str(), "", err) == LEDE_OK, "index without tiers: %s", err);
    Xapian::termcount n = narrow_from(plain.c_str()), t = n > 2 ? n / 2 : 1;
    std::string tiers = "alpha=" + std::to_string(t) + "," + std::to_string(n) + " beta=" + std::to_string(t) +
                        "," + std::to_string(n) + " gamma=" + std::to_string(t);
    CHECK(n > 2 && make_index(dir.c_str(), tiers, err) == LEDE_OK, "index with \"%s\": %s", tiers.c_str(), err);
    check_terms(dir.c_str(), t, n);
    check_bound(dir.c_str(), n);
    check_refused(dir.c_str());
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* no postings floor: read once, at the first search */
    check_pages(dir.c_str());
    check_order(dir.c_str());
    check_written();
    unit_scratch_remove(root);
    return unit_exit();
}
