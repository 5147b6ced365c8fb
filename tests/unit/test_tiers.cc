/* test_tiers.cc -- format 4's tier terms (src/engine/tiers.cc): a tier
 * term is in exactly the articles whose wdf of its word reaches the
 * word's threshold; tier_plan's bound is at least what any other article
 * of the query outside its filter scores (and below what a tier article
 * of one word scores); queries it cannot bound get no plan; a search ranked from the tiers
 * gives the hits of the whole match; engine_writer_tiers picks
 * thresholds that at most the given share of the sample reaches; a
 * remote reader keeps the frequencies a plan reads until it moves. */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"
#include "tier_body.hh"

#include <cstdio>
#include <set>
#include <string>

#include <sys/stat.h>
#include <vector>

namespace {

const char *const TIERS = "alpha=150 beta=100";
const unsigned ARTICLES = 60;

/* Article i: alpha 0-3 times, beta 0-2 times, and 10-16 filler words,
 * so that wdfs and lengths vary. */
std::string body_of(unsigned i) { return unit_tier_body(i, "beta", nullptr); }

int make_index(const char *dir, char *err) {
    engine_writer *w;
    int rc = unit_format4_open(dir, "alpha beta", TIERS, NULL, &w, err);
    if (rc != LEDE_OK) return rc;
    for (unsigned i = 0; rc == LEDE_OK && i < ARTICLES; i++) {
        std::string id = "a" + std::to_string(i), body = body_of(i);
        rc = unit_put(w, id.c_str(), "Notes", body.c_str(), err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

void check_terms(const char *dir) {
    Xapian::Database db(dir);
    unsigned wrong = 0, hi = 0, lo = 0;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p)
        for (auto word : {std::make_pair("alpha", 150u), std::make_pair("beta", 100u)}) {
            Xapian::termcount wdf = wdf_in(db, *p, word.first);
            if (!wdf) continue;
            bool tier = holds(db, *p, std::string(PREFIX_TIER) + word.first);
            wrong += tier != (wdf >= word.second);
            (tier ? hi : lo)++;
        }
    CHECK(wrong == 0, "a tier term is in exactly the articles whose wdf reaches its threshold (%u wrong)",
          wrong);
    CHECK(hi > 5 && lo > 5, "both sides of the thresholds are there (%u tier postings, %u others)", hi, lo);
}

/* Every article of q outside the plan's filter (the tier terms of its
 * words) scores at most the plan's bound. */
void check_bound(engine_reader *r, const char *what, const Xapian::Query &q) {
    Xapian::Query filtered;
    double bound = -1;
    CHECK(tier_plan(r, q, 0, filtered, bound) && bound > 0, "%s: a tier plan", what);
    Xapian::Enquire enq(r->db);
    enq.set_weighting_scheme(tf_weight());
    std::set<Xapian::docid> in;
    Xapian::MSet all = plan_sides(enq, r->db, filtered, q, in);
    double most = 0;
    unsigned others = 0;
    for (Xapian::MSetIterator it = all.begin(); it != all.end(); ++it) {
        if (in.count(*it)) continue;
        others++;
        most = std::max(most, it.get_weight());
    }
    CHECK(others > 0 && !in.empty() && most <= bound * (1 + 1e-12),
          "%s: the %u matches outside the filter (%zu inside) score at most the bound (%.6f <= %.6f)",
          what, others, in.size(), most, bound);
}

void check_bounds(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    CHECK(r->tiers.size() == 2 && r->tiers.at("alpha") == 150 && r->tiers.at("beta") == 100,
          "the reader reads lede.tiers (%zu words)", r->tiers.size());
    Xapian::Query a("alpha"), b("beta");
    Xapian::Query river("river");
    check_bound(r, "alpha", a);
    check_bound(r, "alpha beta", Xapian::Query(Xapian::Query::OP_AND, a, b));
    check_bound(r, "alpha NOT beta", Xapian::Query(Xapian::Query::OP_AND_NOT, a, b));
    check_bound(r, "alpha alpha", Xapian::Query(Xapian::Query::OP_AND, a, a));
    Xapian::Query a2("alpha", 2, 1); /* wqf 2, as no parsed query has it */
    check_bound(r, "alpha of wqf 2", a2);
    check_bound(r, "alpha of wqf 2 and beta", Xapian::Query(Xapian::Query::OP_AND, a2, b));

    /* tight: an article with alpha in its tier scores above the bound of "alpha" */
    Xapian::Query filtered;
    double bound = 0;
    tier_plan(r, a, 0, filtered, bound);
    Xapian::Enquire enq(r->db);
    enq.set_query(filtered);
    enq.set_weighting_scheme(tf_weight());
    Xapian::MSet tiered = enq.get_mset(0, 100);
    double least = tiered.empty() ? 0 : tiered[tiered.size() - 1].get_weight();
    CHECK(!tiered.empty() && least > bound, "every tier article of alpha scores above the bound (%.6f > %.6f)",
          least, bound);
    /* and of "alpha alpha": Xapian weighs each leaf at its own wqf (1),
     * so twice alpha's bound, not twice a bound at wqf 2 (which no tier
     * article of alpha could beat, and the plan was never taken) */
    double twice = 0;
    tier_plan(r, Xapian::Query(Xapian::Query::OP_AND, a, a), 0, filtered, twice);
    enq.set_query(filtered);
    tiered = enq.get_mset(0, 100);
    least = tiered.empty() ? 0 : tiered[tiered.size() - 1].get_weight();
    CHECK(!tiered.empty() && least > twice && fabs(twice - 2 * bound) <= 1e-9 * bound,
          "alpha alpha: its bound is twice alpha's (%.6f, %.6f), below every tier article's score (%.6f)",
          twice, bound, least);

    double ignored;
    CHECK(!tier_plan(r, Xapian::Query(Xapian::Query::OP_AND, a, river), 0, filtered, ignored),
          "no plan when an ANDed word has no tier");
    CHECK(!tier_plan(r, Xapian::Query(Xapian::Query::OP_OR, a, b), 0, filtered, ignored),
          "no plan for an OR (Xapian prunes those itself)");
    CHECK(!tier_plan(r, Xapian::Query(Xapian::Query::OP_SYNONYM, a, b), 0, filtered, ignored),
          "no plan for a synonym (its weight is not a sum of its words')");
    CHECK(!tier_plan(r, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, a, 2.0), 0, filtered, ignored),
          "no plan for a scaled weight");
    CHECK(tier_plan(r, Xapian::Query(Xapian::Query::OP_AND_NOT, a, river), 0, filtered, ignored),
          "a word that only excludes needs no tier");
    CHECK(!tier_plan(r, a, 1000000, filtered, ignored), "no plan below the postings floor");
    engine_reader_close(r);
}

/* A leaf's wqf as tier_plan reads it from the description (Xapian 1.4
 * has no accessor): "rev#3@2" is 3, a leaf of wqf 1 shows none; a term
 * that ends in '#' and digits may read more (a looser bound), never less. */
void check_wqf_read() {
    CHECK(read_description(Xapian::Query("rev", 3, 2)).wqf == 3, "wqf 3 at a position is read");
    CHECK(read_description(Xapian::Query("rev", 2, 0)).wqf == 2, "wqf 2 at no position is read");
    CHECK(read_description(Xapian::Query("rev", 1, 2)).wqf == 1, "wqf 1 shows none");
    CHECK(read_description(Xapian::Query("c#", 1, 1)).wqf == 1, "a term ending in '#' is wqf 1");
    CHECK(read_description(Xapian::Query("c#", 4, 1)).wqf == 4, "and read when it has a wqf");
    CHECK(read_description(Xapian::Query("c#2", 1, 1)).wqf == 2 &&
              read_description(Xapian::Query("c#2", 5, 1)).wqf == 5,
          "a term ending in '#' and digits reads them (more than its wqf 1: a looser bound) or its wqf");
}

void sample_body(unsigned i, article *a) { a->body = lede_strdup(body_of(i).c_str()); }

void check_thresholds() {
    double pivot;
    settings s;
    settings_init(&s);
    engine_writer *m = unit_tier_sample(ARTICLES, sample_body, "alpha beta", 0.25, 0, &s, &pivot);
    TierMap tiers = tiers_of(s);
    for (const char *word : {"alpha", "beta"}) {
        if (!m) break;
        const auto &seen = m->sample_wdf[word];
        unsigned reach = 0;
        for (const auto &p : seen) reach += tf_of(p.first, p.second, pivot) >= tiers[word];
        CHECK(tiers.count(word) && reach > 0 && reach <= 0.25 * seen.size(),
              "%s: %u of its %zu sampled postings reach its threshold (at most a quarter, not none)", word,
              reach, seen.size());
    }
    settings_free(&s);
    engine_writer_close(m, NULL);
}

/* A remote reader (here over xapian-progsrv, the remote protocol on a
 * pipe) keeps the tier words' frequencies a plan asked, each a round trip
 * to every server, and forgets them when it moves to a new revision: the
 * next plan's bound is then the new index's. */
void check_remote_freqs(const char *dir, const char *root) {
    std::string front = std::string(root) + "/front";
    CHECK(mkdir(front.c_str(), 0755) == 0, "a front directory");
    FILE *stub = fopen((front + "/XAPIANDB").c_str(), "w");
    CHECK(stub && fprintf(stub, "remote :xapian-progsrv %s\n", dir) > 0 && fclose(stub) == 0, "its stub");
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(front.c_str(), &r, err) != LEDE_OK) {
        CHECK(false, "a reader opens over xapian-progsrv: %s", err);
        return;
    }
    search_opts o = {};
    o.query = "river";
    search_results res;
    CHECK(engine_search(r, &o, &res, err) == LEDE_OK, "a remote search: %s", err);
    search_results_free(&res);
    Xapian::Query alpha("alpha"), filtered;
    double bound = 0, old_bound;
    CHECK(r->remote && tier_plan(r, alpha, 0, filtered, bound), "a remote reader plans a tier run");
    old_bound = bound;
    Xapian::doccount before = r->db.get_termfreq("alpha");
    CHECK(r->tier_freqs.count("alpha") && r->tier_freqs["alpha"] == before &&
              r->tier_freqs[""] == r->db.get_doccount(),
          "it keeps alpha's frequency (%u) and the article count", before);
    engine_writer *w;
    CHECK(engine_writer_open(dir, 1, 1, &w, err) == LEDE_OK &&
              unit_put(w, "late", "Notes", "alpha alpha alpha river", err) == LEDE_OK &&
              engine_writer_close(w, err) == LEDE_OK,
          "a commit adds an article holding alpha: %s", err);
    CHECK(refresh(r, true) && r->tier_freqs.empty(), "moving to that commit forgets them");
    CHECK(tier_plan(r, alpha, 0, filtered, bound) && r->tier_freqs["alpha"] == before + 1 && bound != old_bound,
          "the next plan reads the new frequency (%u) and bound (%.6f, was %.6f)", r->tier_freqs["alpha"], bound,
          old_bound);
    engine_reader_close(r);
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-tiers-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(make_index(dir.c_str(), err) == LEDE_OK, "index with tiers: %s", err);
    check_terms(dir.c_str());
    check_bounds(dir.c_str());
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* read once, at the first search */
    for (const char *q : {"alpha", "alpha beta", "alpha NOT beta", "beta", "alpha alpha", "alpha beta alpha"})
        check_same_page(dir.c_str(), q, true);
    check_same_page(dir.c_str(), "\"alpha beta\"", false); /* an OR of the fields */
    check_thresholds();
    check_wqf_read();
    check_remote_freqs(dir.c_str(), root);
    unit_scratch_remove(root);
    return unit_exit();
}
