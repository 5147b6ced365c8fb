/* split.hh -- one expensive relevance-ordered match split into two
 * docid-range halves, the second run on another core when one is idle
 * (split.cc): the split's mode and floor, the page from the halves, the
 * reader's second database handle that the other core reads; and, from
 * split_pool.hh, the engine's pool of half runners and the count of
 * searches running that tells whether a core is idle.  Declarations
 * only; nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_SPLIT_HH
#define LEDE_ENGINE_SPLIT_HH

#include "internal.hh"
#include "split_pool.hh"

/* Whether queries are split: never, by their cost when a pool thread is
 * free for the upper half at once (else whole: engine_set_split's
 * ENGINE_SPLIT_AUTO), always (any cost; with no thread free the upper
 * half on the caller after the lower), or always with the upper half on
 * the caller (no pool).  The last two are for tests.  Starts from
 * LEDE_SPLIT in the environment ("off", "cost" or "auto", "always",
 * "serial"; anything else: never), read once, which engine_set_split
 * does not override; else from ENGINE_SPLIT_DEFAULT (engine.h).
 * split_set_mode (tests) sets it whatever LEDE_SPLIT says.  Off in the
 * engine by default, on in leded (--split auto): at 2,000,000 articles
 * it took leded's p99 at 1 connection to 0.84x for 1.35x the split
 * queries' CPU, and 8 connections' QPS to 0.93-0.99x (bench/results/
 * scale.md, the notes on the split). */
enum class SplitMode { BY_COST, ALWAYS, OFF, SERIAL };
void split_set_mode(SplitMode m);

/* Tests: the postings over which a query is worth splitting by cost
 * (300,000 unless set), so that a small index's queries are. */
void split_set_floor(uint64_t postings);

/* What split_page did: nothing (NONE: page untouched, enq's query run
 * again), the page (PAGE), or all but the order of a tie run at the
 * page's end going on past what the halves fetched (TIED: page holds the
 * halves' totals and the tie run their spies gathered, as page_by_score
 * leaves it for search.cc's tied_page, with the page's lowest score). */
enum class Split { NONE, PAGE, TIED };

/* The page of run (the query run_query made, enq set up with it and its
 * weighting, sorted by relevance; no spy, no collapse) from two matches
 * over the two halves of the document ids, merged; fetch: the matches a
 * whole match would take (the page and its tie slack).  NONE when the
 * query is not split: over remote shards, cheaper than the split's
 * floor, or no second handle at r->db's revision.  The page's ids, order,
 * scores and exact totals are the whole match's; its estimate is the
 * halves' summed, kept within their summed bounds. */
Split split_page(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &run,
                 const Xapian::Query &parsed, const search_opts *o, Xapian::doccount fetch,
                 Xapian::doccount check, double &lowest, Page &page);

/* q over the documents from lo to hi alone: FILTERed by a weightless
 * source of those ids, and each phrase and NEAR under it too (so that
 * its positions are read inside the range alone); the same weights. */
Xapian::Query in_range(const Xapian::Query &q, Xapian::docid lo, Xapian::docid hi);

/* Whether parsed (the query before run_query's reading, run_query having
 * read it on r) can be made apart into own, a copy sharing no node with
 * it, as the upper half runs it; false when it cannot be (its posting
 * sources do not serialise or unserialise, its wildcards are not the
 * ones read): the match then runs whole. */
bool query_apart(engine_reader *r, const Xapian::Query &parsed, const search_opts *o, Xapian::Query &own);

/* search.cc: the date sort's weight floor (a hair below weight). */
double floor_below(double weight);

/* r moved to other databases or revisions (refresh.cc): its second handle
 * follows it, or is dropped to be opened again at the next split. */
void split_reader_moved(engine_reader *r);

/* search.cc: the ranking of r's format set on enq. */
void set_weighting(const engine_reader *r, Xapian::Enquire &enq);
/* search.cc: the parsed query q as run_query runs it (its pairs put in,
 * its wildcards read); again: q is a copy of the query run_query ran
 * last, whose wildcards are taken as that run read them
 * (with_wildcards_again), not expanded anew. */
Xapian::Query query_to_run(engine_reader *r, const Xapian::Query &q, const search_opts *o, bool again = false);

#endif
