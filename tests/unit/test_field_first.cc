/* test_field_first.cc -- field_first.cc's plan of a phrase whose page is
 * headline matches: its headline branch ranked alone, then the whole
 * phrase over those articles, taken when the page's lowest score beats
 * all the others can score.  Every page (cut inside a run of equal
 * scores too) must be the one the whole match gives: same ids, order and
 * scores, the whole match's count within the page's bounds; a phrase
 * of words without a pair term is matched whole with the same answers,
 * and so is one whose pair term is in bodies and in fewer headlines than
 * a page (the plan refused); a cancelled search, or one past its
 * deadline, stops in the plan's own match. */
#include "internal.hh"
#include "unit.h"
#include "unit_index.h"
#include "same_page.hh"
#include "split.hh"
#include "tiers.hh"

#include <string>

namespace {

const int64_t DAY = 86400, START = 1577836800; /* 2020-01-01 */
/* Headline matches of "alpha beta": TOP with it twice, one in every 20
 * of the BODY articles alike (headline, body, length: one score, the
 * run pages are cut in), then LOWER with longer bodies.  BODY articles
 * have it in the body only, as most of a common phrase's do; "gamma
 * delta" is in FEW headlines and many bodies.  "kappa lambda", a pair
 * of common words too, is in the bodies of KAPPA articles and in
 * KAPPA_HEADS headlines, fewer than a page; "omega sigma" in their
 * bodies alone. */
const unsigned TOP = 3, LOWER = 20, BODY = 400, FEW = 3, KAPPA = 40, KAPPA_HEADS = 2;

int put(engine_writer *w, unsigned n, const std::string &title, const std::string &body, char *err) {
    article a;
    article_init(&a);
    std::string id = "f" + std::to_string(n);
    a.id = lede_strdup(id.c_str());
    a.title = lede_strdup(title.c_str());
    a.body = lede_strdup(body.c_str());
    a.date = START + (int64_t)((n * 7919) % 1000) * DAY; /* dates unlike the ids' order */
    a.has_date = 1;
    return unit_put_article(w, &a, NULL, err);
}

std::string filler(unsigned n, unsigned words) {
    const char *const w[] = {"river", "stone", "cloud", "maple", "copper", "harbour", "lantern", "meadow"};
    std::string out;
    for (unsigned k = 0; k < words; k++) out += std::string(w[(n + k) % 8]) + " ";
    return out;
}

int make_index(const char *dir, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    const char *meta[][2] = {{"lede.format", "4"}, {"lede.pivot", "20"}, {"lede.language", "english"},
                             {"lede.common", "alpha beta kappa lambda omega sigma"}}; /* pair terms: XP:alpha beta, ... */
    for (auto &m : meta)
        if (rc == LEDE_OK) rc = engine_writer_meta_set(w, m[0], m[1], strlen(m[1]), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    unsigned n = 0;
    for (unsigned i = 0; rc == LEDE_OK && i < TOP; i++, n++)
        rc = put(w, n, "alpha beta and alpha beta", "alpha beta " + filler(i, 10 + i), err);
    for (unsigned i = 0; rc == LEDE_OK && i < BODY; i++, n++) {
        rc = put(w, n, "Notes " + filler(i, 2), "alpha beta gamma delta " + filler(i, 8 + i % 9), err);
        if (rc == LEDE_OK && i % 20 == 0) /* the tied run spread among the rest */
            rc = put(w, ++n, "alpha beta report", "alpha beta " + filler(0, 12), err);
    }
    for (unsigned i = 0; rc == LEDE_OK && i < LOWER; i++, n++)
        rc = put(w, n, "alpha beta report", "alpha beta " + filler(i, 30 + i), err);
    for (unsigned i = 0; rc == LEDE_OK && i < FEW; i++, n++)
        rc = put(w, n, "gamma delta", "gamma delta " + filler(i, 10), err);
    for (unsigned i = 0; rc == LEDE_OK && i < KAPPA; i++, n++)
        rc = put(w, n, i < KAPPA_HEADS ? "kappa lambda" : "Memo " + filler(i, 2),
                 "omega sigma " + filler(i, 3 + i % 5) + "kappa lambda " + filler(i + 1, 4), err);
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* Pages of query at several offsets, ranked and whole (exact=1, never
 * planned): the same hits, order and scores; planned says whether the
 * ranked pages must come from the plan (a tier run). */
void check_pages(const char *dir, const char *query, bool planned) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    check_offsets(r, query, {0u, 3u, 5u, 10u, 15u}, planned, "ranked from the headline matches");
    engine_reader_close(r);
}

/* A search cancelled (or past its deadline) stops in the plan's match
 * of the headline branches (checked_mset), as in every other match; not
 * cancelled, the same call plans. */
void check_stops(const char *dir) {
    engine_reader *r = open_loaded(dir, "river");
    if (!r) return;
    setup_search(r);
    search_opts o = {};
    o.limit = 5;
    Xapian::Query q = query_to_run(r, parse(r, "\"alpha beta\"", false, 0), &o);
    auto plan = [&](const search_opts *opts) {
        Xapian::Enquire enq(r->db);
        set_weighting(r, enq);
        Xapian::Query filtered;
        double bound = 0;
        try {
            return field_first_plan(r, enq, q, opts, 5, 0, filtered, bound) ? LEDE_OK : LEDE_ERR;
        } catch (const QueryStopped &e) {
            return e.code;
        }
    };
    CHECK(plan(&o) == LEDE_OK, "\"alpha beta\": field_first_plan plans when the search goes on");
    search_opts cancelled = o;
    cancelled.cancelled = [](void *) { return 1; };
    CHECK(plan(&cancelled) == LEDE_ECANCELLED, "a cancelled search stops in field_first_plan's match");
    search_opts late = o;
    late.deadline = lede_now() - 1;
    CHECK(plan(&late) == LEDE_ETIMEOUT, "a search past its deadline stops in field_first_plan's match");
    engine_reader_close(r);
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-field-first-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(make_index(dir.c_str(), err) == LEDE_OK, "index: %s", err);
    setenv("LEDE_TIERS_ALWAYS", "1", 1); /* no postings floor: read once, at the first search */
    check_pages(dir.c_str(), "\"alpha beta\"", true);
    check_pages(dir.c_str(), "\"gamma delta\"", false); /* no pair term (and few headline matches) */
    check_pages(dir.c_str(), "\"beta gamma\"", false);  /* no pair term, no headline match */
    /* a pair term in bodies, in fewer headlines than a page: refused */
    check_pages(dir.c_str(), "\"kappa lambda\"", false);
    check_pages(dir.c_str(), "\"omega sigma\"", false); /* a pair term in bodies alone: refused */
    check_stops(dir.c_str());
    unit_scratch_remove(root);
    return unit_exit();
}
