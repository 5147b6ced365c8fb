/* query_run.hh -- a ranked query's run inside the engine: the facets it
 * counts (facet_columns.cc, facet_spy.cc, facets.cc), its collapse
 * (collapse.cc) and the run that search.cc and similar.cc share
 * (search.cc).  Declarations only; nothing
 * outside the engine includes it. */
#ifndef LEDE_ENGINE_QUERY_RUN_HH
#define LEDE_ENGINE_QUERY_RUN_HH

#include "internal.hh"

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

/* facet_columns.cc */
/* slot of r's database in memory (read now if it is not yet; brought up
 * to the database's revision if it moved), or NULL when it is not kept:
 * over more than one database, too many distinct values, or past r's
 * budget (see facet_columns.cc). */
std::shared_ptr<const FacetColumn> reader_facet_column(engine_reader *r, Xapian::valueno slot);

/* facet_spy.cc */
/* A value slot's values as stored, each with the candidates that had it. */
typedef std::vector<std::pair<std::string, Xapian::doccount>> ValueCounts;
/* The counter of a local match's facets: every slot's values of every
 * candidate, counted as Xapian::ValueCountMatchSpy counts them. */
class FacetSpy : public Xapian::MatchSpy {
  public:
    /* columns[i]: slots[i] in memory, or NULL (its values are read) */
    FacetSpy(const std::vector<Xapian::valueno> &slots,
             const std::vector<std::shared_ptr<const FacetColumn>> &columns);
    void operator()(const Xapian::Document &doc, double wt) override;
    /* The counts of the i-th slot of those given, in no order. */
    ValueCounts counts(size_t i) const;
    Xapian::doccount total = 0;  /* candidates counted */
  private:
    struct SlotCount {
        Xapian::valueno slot = 0;
        bool day = false;  /* ENGINE_SLOT_DAY: "YYYYMMDD" counted by number */
        std::shared_ptr<const FacetColumn> column;
        std::vector<Xapian::doccount> by_code;  /* column's codes counted */
        std::unordered_map<std::string, Xapian::doccount> values;
        std::unordered_map<uint32_t, Xapian::doccount> days;
        std::pair<const std::string, Xapian::doccount> *last_value = nullptr;
        Xapian::doccount *last_day = nullptr;
        long last_day_number = -1;
        void add(std::string &&v);
    };
    std::vector<SlotCount> counters;
};
/* What Xapian's spy counted, as FacetSpy::counts gives it. */
ValueCounts xapian_counts(const Xapian::ValueCountMatchSpy &spy);
/* LEDE_XAPIAN_FACETS is set: local matches count facets with Xapian's
 * spies too (a test hook comparing the two). */
bool facets_by_xapian();

/* facets.cc */
/* One facet a search asked for, resolved against the index's fields. */
struct FacetAsked {
    std::string name;                 /* the field's name, or year, month, day */
    const char *kind = "keyword";     /* "keyword", "number", "date" */
    facet_grain grain = FACET_GRAIN_NONE;  /* a date's buckets */
    Xapian::valueno slot = 0;         /* the value slot it counts */
    bool day_slot = false;            /* slot is ENGINE_SLOT_DAY ("YYYYMMDD") */
    unsigned top = 0;                 /* values shown at most */
    bool fold = false;                /* keyword values grouped as the index folds them */
    size_t spy = 0;                   /* its slot's place in FacetCounts::slots */
};
/* The counters of a search's facets: over a local database one FacetSpy
 * for every value slot they read; where a database is remote, one
 * Xapian::ValueCountMatchSpy a slot (a spy that travels to remote shards
 * and back). */
struct FacetCounts {
    std::vector<FacetAsked> asked;
    std::vector<Xapian::valueno> slots;  /* the slots counted, in spy order */
    bool by_xapian = false;              /* Xapian's spies (remote), not FacetSpy */
    std::vector<std::unique_ptr<Xapian::ValueCountMatchSpy>> spies;
    std::unique_ptr<FacetSpy> spy;
    std::vector<std::shared_ptr<const FacetColumn>> columns;  /* each slot's, or NULL */
    Xapian::doccount checked = 0;  /* the check_at_least of the match counted */
    bool apart = false;            /* counted by count_apart, its MSet: */
    Xapian::MSet counted;
    /* Sets fresh spies on enq: the counts of an earlier match are dropped. */
    void arm(Xapian::Enquire &enq);
    /* The check_at_least a match needs for exact counts up to
     * o->facets_exact matches (every match with o->exact, or when the
     * search wants no hits: such a match looks at every match anyway),
     * given the one the page needs. */
    Xapian::doccount check_at_least(const engine_reader *r, const search_opts *o,
                                    Xapian::doccount check);
    /* Counts the facets in a match of their own on enq's query, by
     * relevance, without hits (remote shards; see run_query). */
    void count_apart(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                     Xapian::doccount check);
    /* out's facets from the spies, after the match that gave mset. */
    void fill(const Xapian::MSet &mset, search_results *out) const;
};
/* Reads the facets= text into fc (nothing asked: nothing added).
 * LEDE_OK, or LEDE_ESYNTAX naming what is wrong (an unknown field names
 * the index's fields). */
int plan_facets(engine_reader *r, const char *text, FacetCounts &fc, char *err);

/* search.cc */
/* Runs q on enq as engine_search does (wildcards, pairs, weighting, the
 * page's order, o's collapse and facets), the page o asks for. */
Page run_query(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q,
               const search_opts *o, FacetCounts &facets);
/* A ranked query's run, for engine_search and engine_similar: its facets'
 * counters, the Enquire that points to them (a member after them, so
 * destroyed first) and the page. */
struct QueryRun {
    FacetCounts facets;
    Xapian::Enquire enq;
    Page page;
    explicit QueryRun(const engine_reader *r) : enq(r->db) {}
};
/* q checked against o's cost limits, o's facets planned, then run into
 * run.page (run_query).  LEDE_OK, or LEDE_ELIMIT / LEDE_ESYNTAX with err. */
int start_query(engine_reader *r, const Xapian::Query &q, const search_opts *o, QueryRun &run,
                char *err);
/* out's total, exactness and bounds, and its facets, from the page a
 * run_query gave (a collapse's exact count when it has one). */
void fill_totals(const Page &page, const FacetCounts &facets, const search_opts *o,
                 search_results *out);

/* collapse.cc */
/* Sets enq's collapse key for o->collapse (if any), counting the matches
 * of each key in page when o->exact; throws QueryParserError for a name
 * that is neither dup nor a field. */
void set_collapse(engine_reader *r, Xapian::Enquire &enq, const search_opts *o, Page &page);
/* The slot of a metadata field a collapse names (QueryParserError naming
 * the known ones when none). */
Xapian::valueno field_collapse_slot(engine_reader *r, const char *name);
/* The number of collapsed results, when page counted every key (an
 * exact search with a collapse): false when it did not. */
bool collapsed_total(const Page &page, uint64_t *total);
/* How many matches were collapsed into the hit at it (0: none). */
unsigned collapsed_into(Page &page, const Xapian::MSetIterator &it);

#endif
