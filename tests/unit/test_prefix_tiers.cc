/* test_prefix_tiers.cc -- the tiers of format 4's prefix terms
 * (src/engine/tiers.cc, prefix_terms.cc, wildcards.cc): XTXW<prefix> is
 * in exactly the articles whose prefix terms of that word sum, over the
 * three text fields, to its threshold; a wildcard of the word takes the
 * tier plan, alone or ANDed with a tier word, read there by a source
 * made for the tier run (the query's own left as it was), and its bound
 * is at least what any article outside the filter scores (and, for word*
 * over the three fields, below what any inside scores); a wildcard
 * without a tier, or whose expansion the reader no longer holds, gets no
 * plan; a search ranked from the tiers gives the whole match's
 * hits and scores; engine_writer_prefix_tiers picks a threshold that at
 * most the given share reaches; the description of a wildcard's source
 * carries the serial by which tier_plan finds its tier. */
#include "internal.hh"
#include "tiers.hh"
#include "ranking.hh"
#include "query_path.hh"
#include "wildcard.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"
#include "tier_body.hh"

#include <set>
#include <string>
#include <vector>

namespace {

const Xapian::termcount THRESHOLD = 250; /* XWalp's, in the index below */
const unsigned ARTICLES = 80;

/* Article i: alpha 0-3 times, alpine 0-2, alps 0-1, filler words, and
 * every fifth an "alpine" headline, so that the sums vary and some reach
 * the threshold only with their headline. */
std::string body_of(unsigned i) { return unit_tier_body(i, "alpine", "alps"); }

std::string title_of(unsigned i) {
    return i % 5 == 0 ? "Alpine notes" : "Notes";
}

int make_index(const char *dir, char *err) {
    engine_writer *w;
    std::string tiers = "alpha=150 XWalp=" + std::to_string(THRESHOLD);
    int rc = unit_format4_open(dir, "alpha", tiers.c_str(), "alp", &w, err);
    if (rc != LEDE_OK) return rc;
    for (unsigned i = 0; rc == LEDE_OK && i < ARTICLES; i++) {
        std::string id = "a" + std::to_string(i);
        rc = unit_put(w, id.c_str(), title_of(i).c_str(), body_of(i).c_str(), err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* alp's sum over the three fields in article did. */
Xapian::termcount alp_sum(Xapian::Database &db, Xapian::docid did) {
    return wdf_in(db, did, "XWalp") + wdf_in(db, did, "XWSalp") + wdf_in(db, did, "XWXLalp");
}

void check_terms(const char *dir) {
    Xapian::Database db(dir);
    unsigned wrong = 0, hi = 0, lo = 0, by_title = 0;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
        Xapian::termcount sum = alp_sum(db, *p);
        if (!sum) continue;
        bool tier;
        wdf_in(db, *p, "XTXWalp", &tier);
        wrong += tier != (sum >= THRESHOLD);
        (tier ? hi : lo)++;
        by_title += tier && wdf_in(db, *p, "XWalp") < THRESHOLD;
    }
    CHECK(wrong == 0, "XTXWalp is in exactly the articles whose alp sums reach the threshold (%u wrong)", wrong);
    CHECK(hi > 5 && lo > 5 && by_title > 0,
          "both sides are there (%u tier articles, %u others; %u reach it only with their headline)", hi, lo,
          by_title);
}

Xapian::Query wildcard(const char *pattern) {
    return Xapian::Query(Xapian::Query::OP_WILDCARD, pattern, 0, Xapian::Query::WILDCARD_LIMIT_ERROR,
                         Xapian::Query::OP_SYNONYM);
}

/* alp* as QueryParser makes it of the default field. */
Xapian::Query alp_star() {
    std::vector<Xapian::Query> fields = {wildcard("alp"), wildcard("Salp"), wildcard("XLalp")};
    return Xapian::Query(Xapian::Query::OP_SYNONYM, fields.begin(), fields.end());
}

/* The scores of q's matches, by article. */
std::map<Xapian::docid, double> scores(engine_reader *r, const Xapian::Query &q) {
    Xapian::Enquire enq(r->db);
    enq.set_weighting_scheme(tf_weight());
    enq.set_query(q);
    std::map<Xapian::docid, double> out;
    Xapian::MSet m = enq.get_mset(0, r->db.get_doccount());
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) out[*it] = it.get_weight();
    return out;
}

/* q read as a search reads it (its wildcards by WildcardSource) has a tier
 * plan whose bound every match outside the filter stays within; tight:
 * and every match inside scores above it. */
void check_bound(engine_reader *r, const char *what, const Xapian::Query &q, bool tight) {
    search_opts o = {};
    Xapian::Query run = with_wildcards_read(r, q, &o), filtered;
    double bound = -1;
    CHECK(tier_plan(r, run, 0, filtered, bound) && bound > 0, "%s: a tier plan", what);
    CHECK(filtered.get_description().find(", for a tier run)") != std::string::npos &&
              run.get_description().find(", for a tier run)") == std::string::npos,
          "%s: the plan's wildcard is a source made for the tier run; the query's own is not", what);
    auto inside = scores(r, filtered), all = scores(r, run);
    double most = 0, least = 1e300;
    unsigned others = 0;
    for (const auto &m : all) {
        if (inside.count(m.first)) {
            least = std::min(least, m.second);
            continue;
        }
        others++;
        most = std::max(most, m.second);
    }
    CHECK(others > 0 && !inside.empty() && most <= bound * (1 + 1e-12),
          "%s: the %u matches outside the filter (%zu inside) score at most the bound (%.6f <= %.6f)", what,
          others, inside.size(), most, bound);
    if (tight)
        CHECK(least > bound, "%s: every match inside scores above the bound (%.6f > %.6f)", what, least, bound);
}

void check_plans(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    CHECK(r->tiers.count("XWalp") && r->tiers.at("XWalp") == THRESHOLD, "the reader reads XWalp's tier");
    Xapian::Query alpha("alpha"), river("river");
    check_bound(r, "alp*", alp_star(), true);
    check_bound(r, "alp* in the body alone", wildcard("alp"), false);
    check_bound(r, "alp* alpha", Xapian::Query(Xapian::Query::OP_AND, alp_star(), alpha), false);
    check_bound(r, "alp* NOT alpha", Xapian::Query(Xapian::Query::OP_AND_NOT, alp_star(), alpha), true);
    Xapian::Query filtered;
    double ignored;
    search_opts none = {};
    auto plan = [&](const Xapian::Query &q) { return tier_plan(r, with_wildcards_read(r, q, &none), 0, filtered, ignored); };
    CHECK(!plan(wildcard("al")), "no plan for a wildcard that is not a prefix word");
    CHECK(!plan(wildcard("alph")), "nor for a longer one");
    CHECK(!plan(Xapian::Query(Xapian::Query::OP_SYNONYM, wildcard("alp"), wildcard("alp"))),
          "nor for a field read twice (its sum could pass the threshold)");
    CHECK(!plan(Xapian::Query(Xapian::Query::OP_AND, alp_star(), river)), "nor ANDed with a word without a tier");
    CHECK(!plan(Xapian::Query(Xapian::Query::OP_OR, alp_star(), alpha)), "nor in an OR");
    Xapian::Query read = with_wildcards_read(r, alp_star(), &none);
    r->tiered_wildcards.clear(); /* as the next query's reading leaves them */
    CHECK(!tier_plan(r, read, 0, filtered, ignored), "nor for a source whose serial the reader no longer holds");
    engine_reader_close(r);
}

/* engine_writer_prefix_tiers over the index's articles at its pivot: a
 * threshold that some and at most a quarter of those holding alp reach. */
void check_threshold(const char *dir) {
    char err[LEDE_ERRLEN];
    engine_writer *m;
    CHECK(engine_writer_open(NULL, 1, 1, &m, err) == LEDE_OK, "scratch writer");
    engine_writer_configure(m, "english", NULL, 0, err);
    std::vector<article> held(ARTICLES);
    std::vector<const article *> at;
    for (unsigned i = 0; i < ARTICLES; i++) {
        article_init(&held[i]);
        held[i].id = lede_strdup("s");
        held[i].title = lede_strdup(title_of(i).c_str());
        held[i].body = lede_strdup(body_of(i).c_str());
        at.push_back(&held[i]);
    }
    sbuf out;
    sbuf_init(&out);
    CHECK(engine_writer_prefix_tiers(m, "alp zzz", 7, 20, 0.25, at.data(), at.size(), &out, err) == LEDE_OK,
          "prefix tier thresholds: %s", err);
    settings s;
    settings_init(&s);
    sbuf_append(&s.tiers, out.data, out.len);
    TierMap tiers = tiers_of(s);
    CHECK(tiers.size() == 1 && tiers.count("XWalp"), "one threshold, alp's (zzz starts no word): %.*s",
          (int)out.len, out.data);
    Xapian::Database db(dir);
    unsigned holding = 0, reach = 0;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
        Xapian::termcount sum = alp_sum(db, *p);
        holding += sum > 0;
        reach += sum > 0 && sum >= tiers["XWalp"];
    }
    CHECK(reach > 0 && reach <= 0.25 * holding, "%u of the %u articles holding alp reach it (at most a quarter)",
          reach, holding);
    for (article &a : held) article_free(&a);
    settings_free(&s);
    sbuf_free(&out);
    engine_writer_close(m, NULL);
}

/* What tier_plan reads of a WildcardSource's description: the serial
 * of its expansion in the reader's tiered_wildcards, whatever it reads
 * as. */
void check_description() {
    WildcardExpansion e;
    e.terms = {"alp", "alpha"};
    e.freqs = {3, 40};
    e.tier = "XTXWalp";
    e.tier_bound = 1.0 / 3.0;
    e.serial = 12345678901ULL;
    size_t serial = 0;
    auto shared = std::make_shared<WildcardExpansion>(e);
    std::string d = Xapian::Query((new WildcardSource(shared))->release()).get_description();
    CHECK(read_tier(d, serial) && serial == e.serial, "the serial reads back from %s", d.c_str());
    serial = 0;
    d = Xapian::Query((new WildcardSource(shared, WildcardSource::TIER_RUN))->release()).get_description();
    CHECK(read_tier(d, serial) && serial == e.serial && d.find(", for a tier run)") != std::string::npos,
          "and from a tier run's source, which says so: %s", d.c_str());
    CHECK(e.postings() == 43, "the words' postings (%llu) are their frequencies' sum",
          (unsigned long long)e.postings());
    e.tier.clear();
    d = WildcardSource(std::make_shared<WildcardExpansion>(e)).get_description();
    CHECK(!read_tier(d, serial), "none from a source without a tier (%s)", d.c_str());
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-ptiers-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(make_index(dir.c_str(), err) == LEDE_OK, "index with prefix tiers: %s", err);
    check_terms(dir.c_str());
    check_plans(dir.c_str());
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* read once, at the first search */
    for (const char *q : {"alp*", "alp* alpha"})
        check_same_page(dir.c_str(), q, true);
    check_threshold(dir.c_str());
    check_description();
    unit_scratch_remove(root);
    return unit_exit();
}
