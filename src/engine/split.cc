/* split.cc -- an expensive relevance-ordered match split over two cores
 * (issue 22): the query FILTERed by a weightless source of each half of
 * the document ids (and each of its phrases too), the lower half matched
 * on the caller's thread with r->db, the upper half with the reader's
 * second handle of the same revision (SplitHandle) on a pool thread
 * promised before the halves are built (split_pool.cc); by cost, with no
 * thread free the match runs whole, and only the modes tests force run
 * the upper half on the caller after the first (but for a half its thread
 * has not started by the time the lower one is done, on a machine whose
 * cores other work holds: the caller takes it back, the same CPU without
 * the wait).  The two tops merged by
 * score then document id (Xapian's own order), so the page is the whole
 * match's whatever the load.  Owns the split's mode (engine_set_split,
 * LEDE_SPLIT), each reader's second handle (opened here, moved by
 * split_reader_moved) and the split's cost floor; reads r->db only on the
 * caller's thread, and nothing of the reader on a pool thread but what
 * the half's own Enquire holds.  search.cc decides which queries may be
 * split (relevance order, no facets, no collapse, local) and orders the
 * ties of the page (results.cc). */
#include "split.hh"

#include "query_run.hh"
#include "tie_run.hh"
#include "wildcard.hh"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>

/* The second handle of a reader: the same local databases as r->db, in
 * the same order, opened apart (a Xapian::Database is not thread-safe),
 * as of the reader's open number `opens`. */
struct SplitHandle {
    Xapian::Database db;
    std::vector<Xapian::Database> parts;
    uint64_t opens = 0;
};

namespace {

/* The postings (articles of each term, a wildcard's words summed) under
 * which a query runs whole: the halves cost 1.3x the whole's CPU between
 * them (bench/results/scale.md, "2M again", probe 2), which a small
 * query must not pay. */
const uint64_t SPLIT_MIN_POSTINGS = 300000;

/* The most matches each half's TieSpy keeps (search.cc's TIE_RUN_MAX). */
const size_t SPY_MOST = 50000;

/* The floor as tests set it (split_set_floor). */
std::atomic<uint64_t> min_postings{SPLIT_MIN_POSTINGS};

/* The mode LEDE_SPLIT forces ("off", "cost" or "auto", "always",
 * "serial"; anything else: off), read once; -1 when it is not set. */
int env_mode() {
    static const int m = [] {
        const char *e = getenv("LEDE_SPLIT");
        if (!e) return -1;
        if (!strcmp(e, "cost") || !strcmp(e, "auto")) return (int)SplitMode::BY_COST;
        if (!strcmp(e, "always")) return (int)SplitMode::ALWAYS;
        if (!strcmp(e, "serial")) return (int)SplitMode::SERIAL;
        return (int)SplitMode::OFF;
    }();
    return m;
}

SplitMode of_engine(engine_split m) {
    return m == ENGINE_SPLIT_AUTO ? SplitMode::BY_COST : SplitMode::OFF;
}

std::atomic<int> &mode_flag() {
    static std::atomic<int> mode(env_mode() >= 0 ? env_mode() : (int)of_engine(ENGINE_SPLIT_DEFAULT));
    return mode;
}

SplitMode split_mode() {
    return (SplitMode)mode_flag().load(std::memory_order_relaxed);
}

/* The documents from lo to hi, weighing nothing.  Its frequency is the
 * database's size: ANDed with a query (FILTER) it sorts last among the
 * AND's posting lists, so it never drives the match and the others keep
 * their order, and with it the sum of the weights, to the last bit. */
class DocidRange : public Xapian::PostingSource {
  public:
    DocidRange(Xapian::docid lo, Xapian::docid hi) : lo(lo), hi(hi) {}
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return size; }
    Xapian::doccount get_termfreq_max() const override { return size; }
    void init(const Xapian::Database &db) override {
        size = db.get_doccount();
        cur = 0;
    }
    void next(double) override { cur = cur ? cur + 1 : lo; }
    void skip_to(Xapian::docid did, double) override { cur = std::max({cur, did, lo}); }
    bool at_end() const override { return cur > hi; }
    Xapian::docid get_docid() const override { return cur; }
    Xapian::PostingSource *clone() const override { return new DocidRange(lo, hi); }

  private:
    Xapian::docid lo, hi, cur = 0;
    Xapian::doccount size = 0;
};

Xapian::Query range_filter(const Xapian::Query &q, Xapian::docid lo, Xapian::docid hi) {
    return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query((new DocidRange(lo, hi))->release()));
}

/* q with each phrase and NEAR under it FILTERed by the range too.  Xapian
 * 1.4 checks a phrase's positions inside its next(), which goes on until
 * a match: under an OR (the default field's three fields: "annual cts" is
 * an OR of three phrases) it ran past the half's end, or from the first
 * id up to the upper half's start, before the range was asked, so a
 * phrase matching few articles cost each half what the whole cost (2-3x
 * split, bench/results/scale.md).  The range beside its words bounds the
 * AND the phrase's positions are checked in; it weighs nothing, so the
 * matches and weights are the same. */
Xapian::Query positions_in_range(const Xapian::Query &q, Xapian::docid lo, Xapian::docid hi) {
    Xapian::Query::op op = q.get_type();
    switch (op) {
    case Xapian::Query::OP_PHRASE: case Xapian::Query::OP_NEAR:
        return range_filter(q, lo, hi);
    case Xapian::Query::OP_OR: case Xapian::Query::OP_AND: case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_AND_MAYBE: case Xapian::Query::OP_XOR: case Xapian::Query::OP_FILTER: {
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < q.get_num_subqueries(); i++)
            sub.push_back(positions_in_range(q.get_subquery(i), lo, hi));
        return Xapian::Query(op, sub.begin(), sub.end());
    }
    default:
        return q;
    }
}

/* The postings q's terms hold, added to sum until it is over floor. */
void add_postings(const engine_reader *r, const Xapian::Query &q, uint64_t floor, uint64_t &sum) {
    if (sum > floor) return;
    if (q.get_type() == Xapian::Query::LEAF_TERM) {
        sum += r->db.get_termfreq(*q.get_terms_begin());
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++) add_postings(r, q.get_subquery(i), floor, sum);
}

/* Whether the query run reads more postings than the split's floor: its
 * terms', pair terms standing for their phrases, and its wildcards'
 * words, as its reading expanded them (r->query_wildcards: every
 * wildcard, a source's or one Xapian expands). */
bool worth_splitting(const engine_reader *r, const Xapian::Query &run) {
    uint64_t sum = 0, floor = min_postings.load(std::memory_order_relaxed);
    add_postings(r, run, floor, sum);
    for (size_t i = 0; i < r->query_wildcards.size() && sum <= floor; i++)
        sum += r->query_wildcards[i]->postings();
    return sum > floor;
}

/* The reader's second handle at r->db's revision (every part's), opened
 * or moved here; NULL when it cannot be (remote or unknown layout, or a
 * writer committed between the reader's move and this one's). */
SplitHandle *handle_at_revision(engine_reader *r) {
    if (r->remote || !r->layout_known || r->parts.empty() || r->parts.size() != r->part_dbs.size())
        return nullptr;
    try {
        if (!r->split_db || r->split_db->opens != r->opens) {
            auto h = std::make_shared<SplitHandle>();
            for (const Part &p : r->parts) {
                h->parts.push_back(Xapian::Database(p.local));
                h->db.add_database(h->parts.back());
            }
            h->opens = r->opens;
            r->split_db = h;
        }
        SplitHandle *h = r->split_db.get();
        for (int pass = 0; pass < 2; pass++) {
            bool same = true;
            for (size_t i = 0; same && i < h->parts.size(); i++)
                same = h->parts[i].get_revision() == r->part_dbs[i].get_revision();
            if (same) return h;
            if (pass == 0) h->db.reopen();
        }
    } catch (const Xapian::Error &) {
        r->split_db.reset();
    }
    return nullptr;
}

/* A half to run: its own Enquire (built on the caller's thread, on the
 * second handle, before the half is posted), its result or its error. */
struct HalfJob : PoolJob {
    const engine_reader *r;
    Xapian::Enquire enq;
    search_opts o;  /* the caller's deadline; its cancel callback is the caller's to call */
    Xapian::doccount fetch, check;
    Xapian::MSet mset;
    std::unique_ptr<TieSpy> spy;  /* its tie run, when gathered */
    std::exception_ptr error;
    HalfJob(const engine_reader *r, const Xapian::Database &db, const search_opts *opts, Xapian::doccount fetch,
            Xapian::doccount check)
        : r(r), enq(db), o(*opts), fetch(fetch), check(check) {
        o.cancelled = nullptr;
    }
    void run() noexcept override {
        try {
            mset = checked_mset(r, enq, &o, 0, fetch, check);
        } catch (...) {
            error = std::current_exception();
        }
    }
};

/* The upper half finished: run on the caller (run_it) when not posted,
 * else as pool_finish finishes it (taken back and run on the caller only
 * if its promised thread has not started it by then). */
void finish(HalfJob &job, bool posted, bool run_it) {
    if (posted) pool_finish(job, run_it);
    else if (run_it) job.run();
}

}  // namespace

/* parsed as run_query runs it, made anew into own from parsed's serialised
 * form: Xapian counts the references to a query's nodes without atomics
 * and its matcher takes and drops them, so the two halves' queries may
 * share none (a shared one crashed test_split under load).  Its
 * wildcards are the expansions run_query read (query_to_run again): their
 * WildcardSources are own's, the expansions they read shared, which
 * nothing changes and std::shared_ptr counts atomically.  False (the
 * match runs whole) when parsed cannot be copied so: a posting source
 * (holds_posting_source, checked first), whatever else Xapian cannot
 * serialise or read back, or wildcards that are not the ones run_query read
 * (with_wildcards_again's InvalidArgumentError).  A search stopped at
 * its deadline still throws: none of these is caught. */
namespace {

/* Whether q holds a posting source: Xapian 1.4 would refuse to serialise
 * lede's own (no name) and, reading back a named one its registry lacks,
 * throws after allocating nodes it never frees (seen under LeakSanitizer
 * in tests/unit/test_split), so such a query is not copied at all. */
bool holds_posting_source(const Xapian::Query &q) {
    if (q.get_type() == Xapian::Query::LEAF_POSTING_SOURCE) return true;
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        if (holds_posting_source(q.get_subquery(i))) return true;
    return false;
}

}  // namespace

bool query_apart(engine_reader *r, const Xapian::Query &parsed, const search_opts *o, Xapian::Query &own) {
    if (holds_posting_source(parsed)) return false;
    Xapian::Query copy;
    try {
        copy = Xapian::Query::unserialise(parsed.serialise());
    } catch (const Xapian::Error &) {
        return false;
    }
    try {
        own = query_to_run(r, copy, o, true);
    } catch (const Xapian::InvalidArgumentError &) {
        return false;
    }
    return true;
}

namespace {

/* The first fetch matches of the two halves' tops, by score, then
 * document id (the lower half's ids are all below the upper's). */
std::vector<Xapian::MSetIterator> merged(const Xapian::MSet &low, const Xapian::MSet &high,
                                         Xapian::doccount fetch) {
    std::vector<Xapian::MSetIterator> out;
    Xapian::MSetIterator a = low.begin(), b = high.begin();
    while (out.size() < fetch && (a != low.end() || b != high.end())) {
        bool from_low = b == high.end() || (a != low.end() && a.get_weight() >= b.get_weight());
        out.push_back(from_low ? a++ : b++);
    }
    return out;
}

/* The tie run of a page whose lowest score is lowest, from both halves'
 * spies (by document id: the lower half's ids come first), for tied_page. */
void gather_ties(const TieSpy *low, const TieSpy *high, double lowest, Page &page) {
    if (!low || !high || lowest <= 0 || low->overflowed || high->overflowed) return;
    page.tie_run = low->at_least(floor_below(lowest));
    std::vector<std::pair<Xapian::docid, double>> up = high->at_least(floor_below(lowest));
    page.tie_run.insert(page.tie_run.end(), up.begin(), up.end());
    page.ties_gathered = true;
}

/* The totals of the halves summed, within the database's size. */
void sum_totals(const engine_reader *r, const Xapian::MSet &a, const Xapian::MSet &b, Page &page) {
    page.split = true;
    page.counted_min = a.get_matches_lower_bound() + b.get_matches_lower_bound();
    page.counted_max = std::max(page.counted_min, std::min(a.get_matches_upper_bound() + b.get_matches_upper_bound(),
                                                           r->db.get_doccount()));
    page.counted_estimate = std::min(std::max(a.get_matches_estimated() + b.get_matches_estimated(),
                                              page.counted_min),
                                     page.counted_max);
}

/* The totals within the whole query's bounds, which Xapian gives from
 * its posting lists without a match (no match spy set, check_at_least
 * 0): each half's range filter loses a bound a term knows, so a single
 * word in more articles than a half counts had an estimate (Reuters'
 * "said": 20,000 between 2,089 and 21,577) where the whole match gives
 * its exact count (15,465). */
void within_whole(Xapian::Enquire &enq, Page &page) {
    if (page.counted_min == page.counted_max) return; /* exact already: no lists to open again */
    Xapian::MSet whole = enq.get_mset(0, 0, Xapian::doccount(0));
    page.counted_min = std::max(page.counted_min, whole.get_matches_lower_bound());
    page.counted_max = std::max(page.counted_min, std::min(page.counted_max, whole.get_matches_upper_bound()));
    page.counted_estimate = std::min(std::max(page.counted_estimate, page.counted_min), page.counted_max);
}

}  // namespace

Xapian::Query in_range(const Xapian::Query &q, Xapian::docid lo, Xapian::docid hi) {
    return range_filter(positions_in_range(q, lo, hi), lo, hi);
}

void split_set_mode(SplitMode m) {
    mode_flag().store((int)m);
}

void split_set_floor(uint64_t postings) {
    min_postings.store(postings);
}

extern "C" void engine_set_split(engine_split mode) {
    if (env_mode() < 0) mode_flag().store((int)of_engine(mode));
}

extern "C" int engine_split_halves(void) {
    return pool_halves_running();
}

Split split_page(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &run,
                 const Xapian::Query &parsed, const search_opts *o, Xapian::doccount fetch,
                 Xapian::doccount check, double &lowest, Page &page) {
    SplitMode mode = split_mode();
    if (mode == SplitMode::OFF || r->remote) return Split::NONE;
    if (mode == SplitMode::BY_COST && !worth_splitting(r, run)) return Split::NONE;
    /* The upper half's thread, promised before anything is built.  By
     * cost, with none free (the other searches have the cores) the match
     * runs whole: its two halves one after the other would cost 1.35x its
     * CPU for the same page. */
    PoolSeat seat;
    if (mode != SplitMode::SERIAL && !seat.take() && mode == SplitMode::BY_COST) return Split::NONE;
    Xapian::docid last = r->db.get_lastdocid();
    SplitHandle *h = last >= 2 ? handle_at_revision(r) : nullptr;
    if (!h) return Split::NONE;
    Xapian::Query own; /* the upper half's: no node shared with run */
    if (!query_apart(r, parsed, o, own)) return Split::NONE;
    /* LEDE_TIES_REMATCH: as page_by_score, no tie run gathered */
    static const bool rematch = getenv("LEDE_TIES_REMATCH") != nullptr;
    bool gather = !rematch && r->db.size() == 1;
    Xapian::docid mid = last / 2;
    HalfJob high(r, h->db, o, fetch, check);
    high.enq.set_query(in_range(own, mid + 1, last));
    set_weighting(r, high.enq);
    high.enq.set_sort_by_relevance();
    TieSpy low_spy(o->offset + o->limit, SPY_MOST);
    if (gather) {
        high.spy.reset(new TieSpy(o->offset + o->limit, SPY_MOST));
        high.enq.add_matchspy(high.spy.get());
        enq.add_matchspy(&low_spy);
    }
    Xapian::MSet low; /* before the post: once posted, nothing may throw outside the try */
    bool posted = seat.taken();
    if (posted) seat.post(&high); /* its thread free: it starts at once */
    try {
        enq.set_query(in_range(run, 1, mid));
        low = checked_mset(r, enq, o, 0, fetch, check);
    } catch (...) {
        finish(high, posted, false);
        enq.clear_matchspies();
        enq.set_query(run);
        throw;
    }
    enq.clear_matchspies();
    enq.set_query(run);
    finish(high, posted, true);
    if (high.error) std::rethrow_exception(high.error);
    check_stop(o, "the match");
    std::vector<Xapian::MSetIterator> top = merged(low, high.mset, fetch);
    Xapian::doccount want = o->offset + o->limit;
    Xapian::doccount complete = complete_prefix(top, want, fetch);
    page.mset = low; /* the match's term statistics (spelling.cc) are either half's */
    sum_totals(r, low, high.mset, page);
    within_whole(enq, page);
    if (complete == 0 && !top.empty()) { /* a tie run past the fetch */
        lowest = top[want - 1].get_weight();
        gather_ties(gather ? &low_spy : nullptr, high.spy.get(), lowest, page);
        return Split::TIED;
    }
    top.resize(complete);
    page.items = std::move(top);
    order_tied_items(r, page);
    check_stop(o, "ordering ties");
    if (page.items.size() > want) page.items.erase(page.items.begin() + want, page.items.end());
    page.items.erase(page.items.begin(),
                     page.items.begin() + std::min<size_t>(o->offset, page.items.size()));
    return Split::PAGE;
}

void split_reader_moved(engine_reader *r) {
    if (!r->split_db) return;
    if (r->split_db->opens != r->opens) {
        r->split_db.reset(); /* other databases: opened again at the next split */
        return;
    }
    try {
        r->split_db->db.reopen();
    } catch (const Xapian::Error &) {
        r->split_db.reset();
    }
}
