/* same_page.hh -- what the unit tests of ranked pages share (test_tiers,
 * test_narrow_tiers, test_prefix_tiers, test_tied_page, test_field_first,
 * test_tier_wdf, test_tier_wdf_multi):
 * an article's wdf of a term as the database holds it, a tier plan's
 * filter and query matched in full, a reader opened with the index's
 * settings loaded, one query searched twice on it (as asked, and as the
 * whole match: exact=1, which never takes a tier run, or another page),
 * whether two pages hold the same hits in the same order with the
 * same scores, and the loops over page sizes and offsets that compare
 * a query's ranked pages with the whole match's.  Test code only: it
 * reads an index through engine_* and writes none.  Include after unit.h (CHECK) and internal.hh. */
#ifndef LEDE_SAME_PAGE_HH
#define LEDE_SAME_PAGE_HH

#include <cstring>
#include <initializer_list>
#include <set>
#include <string>

/* An article's wdf of term, 0 when it has none; whether it has it. */
static inline Xapian::termcount wdf_in(Xapian::Database &db, Xapian::docid did, const std::string &term,
                                       bool *has = nullptr) {
    Xapian::TermIterator t = db.termlist_begin(did);
    t.skip_to(term);
    bool there = t != db.termlist_end(did) && *t == term;
    if (has) *has = there;
    return there ? t.get_wdf() : 0;
}

static inline bool holds(Xapian::Database &db, Xapian::docid did, const std::string &term) {
    bool has;
    wdf_in(db, did, term, &has);
    return has;
}

/* A reader of dir after a first search (of query, any) has loaded the
 * index's settings (its tier words and prefixes: read at the first
 * search); null, a failed check, when it does not open. */
static inline engine_reader *open_loaded(const char *dir, const char *query) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) {
        CHECK(false, "reader of %s opens: %s", dir, err);
        return nullptr;
    }
    search_opts o = {};
    o.query = query;
    search_results res = {};
    CHECK(engine_search(r, &o, &res, err) == LEDE_OK, "a first search loads the settings: %s", err);
    search_results_free(&res);
    return r;
}

/* One query searched twice on a reader: as first asks, then as second
 * asks (by default first with exact=1: the whole match); ok when both
 * answered.  Frees both pages when it goes. */
struct TwoPages {
    search_results first = {}, second = {};
    bool ok = false;

    TwoPages(engine_reader *r, const search_opts &a, const search_opts &b) {
        char err[LEDE_ERRLEN];
        int rc1 = engine_search(r, &a, &first, err);
        int rc2 = engine_search(r, &b, &second, err);
        ok = rc1 == LEDE_OK && rc2 == LEDE_OK;
    }
    TwoPages(engine_reader *r, const search_opts &a) : TwoPages(r, a, exact(a)) {}
    ~TwoPages() {
        search_results_free(&first);
        search_results_free(&second);
    }
    TwoPages(const TwoPages &) = delete;
    TwoPages &operator=(const TwoPages &) = delete;

    static search_opts exact(search_opts o) {
        o.exact = 1;
        return o;
    }
};

/* Whether pages a and b both have at least n hits (n > 0) and their
 * first n are the same articles in the same order with the same scores. */
static inline bool same_hits(const search_results &a, const search_results &b, unsigned n) {
    bool same = n > 0 && a.nhits >= n && b.nhits >= n;
    for (unsigned i = 0; same && i < n; i++)
        same = !strcmp(a.hits[i].id, b.hits[i].id) && a.hits[i].score == b.hits[i].score;
    return same;
}

/* A tier plan's two sides, matched in full by enq (its weighting scheme
 * set) on db: the articles its filter matches, into in, and the whole
 * match of its query q, returned. */
static inline Xapian::MSet plan_sides(Xapian::Enquire &enq, Xapian::Database &db, const Xapian::Query &filter,
                                      const Xapian::Query &q, std::set<Xapian::docid> &in) {
    enq.set_query(filter);
    Xapian::MSet inside = enq.get_mset(0, db.get_doccount());
    for (Xapian::MSetIterator it = inside.begin(); it != inside.end(); ++it) in.insert(*it);
    enq.set_query(q);
    return enq.get_mset(0, db.get_doccount());
}

/* A ranked page of query (5 hits) on a fresh reader of dir against the
 * whole match's: tiers, whether the page must come from a tier run (the
 * whole match never does); the same hits, order and scores; the whole
 * match's count within the tier run's bounds. */
static inline void check_same_page(const char *dir, const char *query, bool tiers) {
    char err[LEDE_ERRLEN];
    engine_reader *r;
    if (engine_reader_open(dir, &r, err) != LEDE_OK) {
        CHECK(false, "%s: reader opens: %s", query, err);
        return;
    }
    search_opts o = {};
    o.query = query;
    o.limit = 5;
    {
        TwoPages p(r, o);
        const search_results &ranked = p.first, &whole = p.second;
        CHECK(p.ok && ranked.tiered == tiers && !whole.tiered, "%s: %s (the exact count was not)", query,
              tiers ? "ranked from the tiers" : "not ranked from the tiers");
        CHECK(p.ok && ranked.nhits == whole.nhits && same_hits(ranked, whole, whole.nhits),
              "%s: the same %u hits, order and scores as the whole match", query, ranked.nhits);
        CHECK(p.ok && ranked.total_min <= whole.total && whole.total <= ranked.total_max,
              "%s: the whole match's count (%llu) lies within the ranked page's bounds", query,
              (unsigned long long)whole.total);
    }
    engine_reader_close(r);
}

/* Every ranked page of query on r, limits 1 to 20 at offsets 0 and 3
 * (test_tier_wdf, test_tier_wdf_multi), against the whole match's: how
 * many pages, how many came from a tier run, how many differ from the
 * whole match in hits, order, scores or count (bounds: in total_min and
 * total_max too), and how many end within the first fit articles
 * (offset + limit <= fit: pages a list of fit postings can fill). */
struct PageSweep {
    unsigned pages = 0, tiered = 0, differ = 0, fitting = 0;
};
static inline PageSweep sweep_pages(engine_reader *r, const char *query, bool bounds, Xapian::doccount fit = 0) {
    PageSweep s;
    for (unsigned offset : {0u, 3u})
        for (unsigned limit = 1; limit <= 20; limit++) {
            search_opts o = {};
            o.query = query;
            o.limit = limit;
            o.offset = offset;
            TwoPages p(r, o);
            const search_results &ranked = p.first, &whole = p.second;
            s.differ += !p.ok || ranked.nhits != whole.nhits || !same_hits(ranked, whole, whole.nhits) ||
                        ranked.total != whole.total ||
                        (bounds && (ranked.total_min != whole.total_min || ranked.total_max != whole.total_max));
            s.tiered += ranked.tiered;
            s.fitting += offset + limit <= fit;
            s.pages++;
        }
    return s;
}

/* Pages of five of query on r at each of offsets (test_field_first,
 * test_narrow_tiers), ranked against the whole match (exact=1, never
 * planned): from a tier run when planned, not otherwise (the whole
 * match never); five hits, the whole match's in order and scores; the
 * whole match's count within the ranked page's bounds.  how names the
 * plan in the first check's message. */
static inline void check_offsets(engine_reader *r, const char *query, std::initializer_list<unsigned> offsets,
                                 bool planned, const char *how) {
    for (unsigned offset : offsets) {
        search_opts o = {};
        o.query = query;
        o.offset = offset;
        o.limit = 5;
        TwoPages p(r, o);
        const search_results &ranked = p.first, &whole = p.second;
        CHECK(p.ok && ranked.tiered == planned && !whole.tiered, "%s at %u: %s", query, offset,
              planned ? how : "matched whole");
        CHECK(p.ok && whole.nhits == 5 && ranked.nhits == whole.nhits && same_hits(ranked, whole, whole.nhits),
              "%s at %u: the same %u hits, order and scores as the whole match", query, offset, ranked.nhits);
        CHECK(p.ok && ranked.total_min <= whole.total && whole.total <= ranked.total_max,
              "%s at %u: the whole match's count (%llu) within the page's bounds", query, offset,
              (unsigned long long)whole.total);
    }
}

#endif
