/* test_split.cc -- a relevance-ordered match split into two halves of
 * the document ids (src/engine/split.cc) gives the unsplit search's page:
 * the same ids, order and scores, the same exact totals (and, when the
 * unsplit count is exact, the same count), for AND, OR, NOT, phrases and
 * NEAR (each bounded by its half's range too), wildcards and single
 * words, at several offsets, where scores tie at the page's end (within
 * the fetch, and past it: then sorted from the tie run both halves' spies
 * gathered), after the reader moved to a new revision, and with the
 * second half run on the caller (serial) as on a pool thread; the second
 * half's wildcards read from the first reading's expansions, in its
 * order, not expanded again; each half's query matching its range of
 * ids alone, the two the whole match; a query holding a posting source
 * Xapian cannot copy run whole, not failed.  Forced with split_set_mode
 * (the LEDE_SPLIT hook), since a small index is under the cost floor.
 * By cost (leded --split auto), with the floor lowered (split_set_floor):
 * split while a pool thread is free, whole (not two halves on the
 * caller) while every one is held by another job, the same answers both
 * ways, and every seat back in the pool after a search stopped at any of
 * its checks; set so through engine.h's engine_set_split too. */
#include "internal.hh"
#include "query_run.hh"
#include "split.hh"
#include "unit.h"
#include "unit_index.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace {

const unsigned ARTICLES = 600;
const int64_t DAY = 86400, START = 1577836800; /* 2020-01-01 */

std::string repeat(const char *word, unsigned n) {
    std::string s;
    for (unsigned k = 0; k < n; k++) s += std::string(word) + " ";
    return s;
}

/* Article i (from first): words in patterns of i, so that scores tie in
 * groups whose dates are shuffled against their ids. */
std::string body_of(unsigned i) {
    std::string b = repeat("river", 1 + i % 3);
    if (i % 2 == 0) b += repeat("stone", 1 + i % 4);
    if (i % 3 == 0) b += repeat("cloud", 1 + i % 2);
    if (i % 5 == 0) b += repeat("maple", 1 + (i / 5) % 3);
    if (i % 7 == 0) b += "copper kettle ";
    if (i % 7 == 1) b += "copper old kettle ";
    if (i % 11 == 0) b += "harbour ";
    if (i % 13 == 0) b += "harvest harvest ";
    if (i % 17 == 0) b += "hare ";
    return b + "lantern meadow signal timber";
}

int add_articles(const char *dir, unsigned first, unsigned n, char *err) {
    engine_writer *w;
    if (engine_writer_open(dir, 1, 1, &w, err) != LEDE_OK) return LEDE_ERR;
    int rc = LEDE_OK;
    if (first == 0) {
        const char *meta[][2] = {{"lede.format", "4"}, {"lede.pivot", "20"}, {"lede.language", "english"}};
        for (auto &m : meta)
            if (rc == LEDE_OK) rc = engine_writer_meta_set(w, m[0], m[1], strlen(m[1]), err);
        if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    }
    for (unsigned i = first; rc == LEDE_OK && i < first + n; i++) {
        article a;
        article_init(&a);
        std::string id = "s" + std::to_string(i), body = body_of(i);
        a.id = lede_strdup(id.c_str());
        a.title = lede_strdup("Notes");
        a.body = lede_strdup(body.c_str());
        a.date = START + (int64_t)((i * 37) % 500) * DAY;
        a.has_date = i % 9 != 4;
        rc = unit_put_article(w, &a, NULL, err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    return rc;
}

/* What a search answers, as compared. */
struct Answer {
    int rc = LEDE_ERR;
    std::vector<std::string> ids;
    std::vector<double> scores;
    uint64_t total = 0, lo = 0, hi = 0;
    int exact = 0;
};

Answer ask(engine_reader *r, SplitMode mode, const char *query, unsigned offset, unsigned limit, bool exact) {
    split_set_mode(mode);
    search_opts o = {};
    o.query = query;
    o.offset = offset;
    o.limit = limit;
    o.exact = exact;
    search_results res;
    char err[LEDE_ERRLEN];
    Answer a;
    a.rc = engine_search(r, &o, &res, err);
    if (a.rc != LEDE_OK) return a;
    for (unsigned i = 0; i < res.nhits; i++) {
        a.ids.push_back(res.hits[i].id);
        a.scores.push_back(res.hits[i].score);
    }
    a.total = res.total, a.lo = res.total_min, a.hi = res.total_max, a.exact = res.exact;
    search_results_free(&res);
    return a;
}

/* split as off answers: hits the same; totals the same when off's are
 * exact (and exact too), else split's estimate within its bounds and
 * these around the true count's bounds off gave. */
bool same(const Answer &off, const Answer &split) {
    if (off.rc != LEDE_OK || split.rc != LEDE_OK || off.ids != split.ids || off.scores != split.scores)
        return false;
    if (off.exact) return split.exact && split.total == off.total;
    return split.lo <= split.total && split.total <= split.hi && split.lo <= off.hi && split.hi >= off.lo;
}

const char *const QUERIES[] = {"stone cloud",    "stone OR maple",  "river NOT cloud", "\"copper kettle\"",
                               "har*",           "maple",           "cloud",           "river",
                               "stone AND har*", "maple OR kettle", "cloud maple",  "nowhere words",
                               "river NOT har*", "har* OR map*",    "har* stone -cl*",
                               "\"copper old kettle\" OR maple", "copper NEAR kettle", "\"old kettle\" -river"};

/* Every query at offsets and limits, forced split (pool, then serial)
 * against unsplit; exact: with exact counts. */
void check_all(engine_reader *r, const char *when, bool exact) {
    unsigned bad = 0, asked = 0;
    std::string first_bad;
    for (const char *q : QUERIES)
        for (unsigned offset : {0u, 3u, 10u, 25u})
            for (unsigned limit : {1u, 5u, 10u}) {
                Answer off = ask(r, SplitMode::OFF, q, offset, limit, exact);
                Answer pooled = ask(r, SplitMode::ALWAYS, q, offset, limit, exact);
                Answer serial = ask(r, SplitMode::SERIAL, q, offset, limit, exact);
                asked++;
                if (same(off, pooled) && same(off, serial) && pooled.total == serial.total &&
                    pooled.exact == serial.exact)
                    continue;
                if (!bad++)
                    first_bad = std::string(q) + " at " + std::to_string(offset) + "+" + std::to_string(limit) +
                                ": totals " + std::to_string(off.total) + " / " + std::to_string(pooled.total) +
                                " / " + std::to_string(serial.total);
            }
    CHECK(bad == 0, "%s%s: the split pages (pooled and serial) are the unsplit ones (%u of %u differ; %s)", when,
          exact ? ", exact counts" : "", bad, asked, first_bad.c_str());
}

/* The split really ran (a page from two halves) for queries whose page
 * end does not tie past the fetch, and a tie run past it ran whole. */
void check_taken(engine_reader *r) {
    split_set_mode(SplitMode::ALWAYS);
    std::string whole;
    for (const char *q : {"cloud maple", "\"copper kettle\"", "har*", "stone OR maple"}) {
        QueryRun run(r);
        search_opts o = {};
        o.limit = 10;
        char err[LEDE_ERRLEN] = "";
        CHECK(start_query(r, parse(r, q, false, 0), &o, run, err) == LEDE_OK, "%s runs: %s", q, err);
        if (!run.page.split) whole += std::string(" ") + q;
    }
    CHECK(whole.empty(), "the forced split ran for the queries whose page end ties within the fetch (not:%s)",
          whole.c_str());
    QueryRun run(r);
    search_opts o = {};
    o.limit = 10;
    char err[LEDE_ERRLEN] = "";
    CHECK(start_query(r, parse(r, "river", false, 0), &o, run, err) == LEDE_OK && run.page.split &&
              run.page.ties_gathered,
          "river (about 200 articles tied at the page's end, past the fetch): split, its page sorted from "
          "the tie run the halves' spies gathered");
}

/* A query read again (with_wildcards_again, as split.cc's second half
 * reads it) takes the first reading's expansions, in its order, whether
 * a source reads them or Xapian (an excluded one): the same query, no
 * expansion added; a query whose wildcards are not those is refused. */
void check_read_again(engine_reader *r) {
    search_opts o = {};
    setup_search(r);
    Xapian::Query parsed = parse(r, "har* OR map* -cl*", false, 0);
    Xapian::Query first = with_wildcards_read(r, parsed, &o);
    size_t read = r->query_wildcards.size();
    Xapian::Query again = with_wildcards_again(r, Xapian::Query::unserialise(parsed.serialise()));
    CHECK(read == 3 && r->query_wildcards.size() == read && again.get_description() == first.get_description(),
          "read again: the same query from the 3 expansions read first (%zu, now %zu): %s",
          read, r->query_wildcards.size(), again.get_description().c_str());
    bool refused = false;
    try {
        with_wildcards_again(r, parse(r, "map* OR har*", false, 0));
    } catch (const Xapian::InvalidArgumentError &) {
        refused = true;
    }
    CHECK(refused, "a query whose wildcards are not the first reading's is refused when read again");
}

/* Every pool thread free now held until this goes, as a daemon's other
 * searches' halves hold them: each runs a job that waits for the release
 * (counting for no core, so that only the pool's seats say no). */
class PoolHold {
  public:
    PoolHold() {
        for (;;) {
            PoolSeat seat;
            if (!seat.take(true)) break;
            jobs.emplace_back(new Waiter(this));
            seat.post(jobs.back().get());
        }
    }
    ~PoolHold() {
        {
            std::lock_guard<std::mutex> g(m);
            released = true;
        }
        cv.notify_all();
        for (auto &j : jobs) pool_finish(*j, false);
    }
    size_t held() const { return jobs.size(); }

  private:
    struct Waiter : PoolJob {
        PoolHold *hold;
        explicit Waiter(PoolHold *h) : hold(h) { keeps_core_busy = false; }
        void run() noexcept override {
            std::unique_lock<std::mutex> g(hold->m);
            hold->cv.wait(g, [this] { return hold->released; });
        }
    };
    std::mutex m;
    std::condition_variable cv;
    bool released = false;
    std::vector<std::unique_ptr<Waiter>> jobs;
};

/* A half running on a pool thread is counted by engine_split_halves
 * (leded's busy polling counts it as a busy core) while it runs, and no
 * longer once it is done. */
void check_halves_counted() {
    struct Counted : PoolJob {
        std::mutex m2;
        std::condition_variable cv2;
        bool started = false, release = false;
        void run() noexcept override {
            std::unique_lock<std::mutex> g(m2);
            started = true;
            cv2.notify_all();
            cv2.wait(g, [this] { return release; });
        }
    } job;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) return; /* no pool threads */
    int before = engine_split_halves(), during = -1;
    PoolSeat seat;
    if (!seat.take(true)) {
        CHECK(false, "a pool thread free for the counted half");
        return;
    }
    seat.post(&job);
    {
        std::unique_lock<std::mutex> g(job.m2);
        job.cv2.wait(g, [&] { return job.started; });
        during = engine_split_halves();
        job.release = true;
    }
    job.cv2.notify_all();
    pool_finish(job, false);
    int after = engine_split_halves();
    CHECK(before == 0 && during == 1 && after == 0,
          "halves running counted: %d before, %d while one runs, %d after", before, during, after);
}

const char *const TAKEN[] = {"cloud maple", "\"copper kettle\"", "har*", "stone OR maple", "river"};

/* The queries of TAKEN run as two halves in the mode now (start_query:
 * no search counted running), as a string of "1" (split) and "0". */
std::string splits(engine_reader *r) {
    std::string out;
    for (const char *q : TAKEN) {
        QueryRun run(r);
        search_opts o = {};
        o.limit = 10;
        char err[LEDE_ERRLEN] = "";
        int rc = start_query(r, parse(r, q, false, 0), &o, run, err);
        out += rc != LEDE_OK ? "e" : run.page.split ? "1" : "0";
    }
    return out;
}

/* Every query at three pages, by cost, as unsplit: how many differ. */
unsigned differ_by_cost(engine_reader *r) {
    unsigned bad = 0;
    for (const char *q : QUERIES)
        for (unsigned offset : {0u, 10u})
            for (bool exact : {false, true}) {
                Answer off = ask(r, SplitMode::OFF, q, offset, 10, exact);
                Answer cost = ask(r, SplitMode::BY_COST, q, offset, 10, exact);
                bad += !same(off, cost) || off.total != cost.total || off.exact != cost.exact;
            }
    return bad;
}

/* A cancel callback saying yes at its arg's countdown's end. */
int cancel_at(void *arg) {
    return --*(int *)arg == 0;
}

/* A search by cost stopped at each of its checks in turn, the last run
 * through: every one answers (cancelled, or whole), and leaves every
 * pool thread free again (no seat kept by an error path). */
void check_stops(engine_reader *r, int threads) {
    split_set_mode(SplitMode::BY_COST);
    int stops = 0, leaks = 0, bad = 0, rc = LEDE_ECANCELLED;
    for (int k = 1; rc == LEDE_ECANCELLED && k < 200; k++) {
        int countdown = k;
        search_opts o = {};
        o.query = "stone OR maple";
        o.limit = 10;
        o.cancelled = cancel_at;
        o.cancelled_arg = &countdown;
        search_results res;
        char err[LEDE_ERRLEN];
        rc = engine_search(r, &o, &res, err);
        if (rc == LEDE_OK) search_results_free(&res);
        stops += rc == LEDE_ECANCELLED;
        bad += rc != LEDE_ECANCELLED && rc != LEDE_OK;
        leaks += pool_free_threads() != threads;
    }
    CHECK(rc == LEDE_OK && stops >= 3 && bad == 0 && leaks == 0,
          "by cost, stopped at each of its %d checks then run through (rc %d): every pool thread free after "
          "each (%d times not), no other error (%d)", stops, rc, leaks, bad);
}

/* By cost (the daemon's --split auto), the floor lowered to split the
 * small index's queries: split while a thread is free; whole while every
 * thread is held, unless forced (always: the halves one after the other
 * on the caller); the same answers each way; the seats back after. */
void check_by_cost(engine_reader *r) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores > 1 ? (int)cores - 1 : 0;
    split_set_floor(0);
    split_set_mode(SplitMode::BY_COST);
    std::string free_now = splits(r);
    if (threads > 0)
        CHECK(pool_free_threads() == threads && free_now == "11111",
              "by cost, %d pool threads free: every query split (%s)", threads, free_now.c_str());
    else
        CHECK(free_now == "00000", "one core, no pool thread: by cost, every query whole (%s)", free_now.c_str());
    unsigned bad = differ_by_cost(r);
    CHECK(bad == 0, "by cost, the pool free: the unsplit answers (%u pages differ)", bad);
    {
        PoolHold hold;
        CHECK((int)hold.held() == threads && pool_free_threads() == 0, "held: %zu of %d pool threads, %d free",
              hold.held(), threads, pool_free_threads());
        std::string whole = splits(r);
        CHECK(whole == "00000", "by cost, every pool thread held: every query whole, not split (%s)",
              whole.c_str());
        bad = differ_by_cost(r);
        CHECK(bad == 0, "by cost, every pool thread held: the unsplit answers (%u pages differ)", bad);
        split_set_mode(SplitMode::ALWAYS);
        std::string forced = splits(r);
        CHECK(forced == "11111", "always, every pool thread held: still split, the upper half on the caller (%s)",
              forced.c_str());
        split_set_mode(SplitMode::BY_COST);
    }
    std::string again = splits(r);
    CHECK(pool_free_threads() == threads && again == free_now,
          "the hold gone: %d pool threads free again, split by cost as before (%s)", pool_free_threads(),
          again.c_str());
    check_stops(r, threads);
    engine_set_split(ENGINE_SPLIT_OFF); /* the daemon's door: LEDE_SPLIT is not set here */
    std::string off = splits(r);
    engine_set_split(ENGINE_SPLIT_AUTO);
    std::string on = splits(r);
    if (getenv("LEDE_SPLIT")) /* the test hook set: it overrides the call */
        CHECK(off == free_now && on == free_now, "LEDE_SPLIT set: engine_set_split changes nothing (%s, %s)",
              off.c_str(), on.c_str());
    else
        CHECK(off == "00000" && on == free_now, "engine_set_split: off runs whole (%s), auto by cost (%s)",
              off.c_str(), on.c_str());
    split_set_floor(300000);
}

/* The documents of a database, weighing nothing: a posting source of
 * the given name (empty: none, as lede's own sources have) that
 * serialises when named, but that no registry knows. */
class AllDocs : public Xapian::PostingSource {
  public:
    explicit AllDocs(std::string n) : nm(std::move(n)) {}
    Xapian::doccount get_termfreq_min() const override { return 0; }
    Xapian::doccount get_termfreq_est() const override { return last; }
    Xapian::doccount get_termfreq_max() const override { return last; }
    void init(const Xapian::Database &db) override { last = db.get_lastdocid(), cur = 0; }
    void next(double) override { cur++; }
    void skip_to(Xapian::docid did, double) override { cur = std::max(cur, did); }
    bool at_end() const override { return cur > last; }
    Xapian::docid get_docid() const override { return cur; }
    Xapian::PostingSource *clone() const override { return new AllDocs(nm); }
    std::string name() const override { return nm; }
    std::string serialise() const override { return nm.empty() ? Xapian::PostingSource::serialise() : ""; }

  private:
    std::string nm;
    Xapian::docid last = 0, cur = 0;
};

/* A query holding a posting source Xapian cannot copy (unnamed:
 * serialise() throws UnimplementedError; named but in no registry:
 * unserialise throws SerialisationError) runs whole when a split is
 * forced: the same page as unsplit, no error. */
void check_uncopyable(engine_reader *r) {
    for (const char *name : {"", "test.unregistered"}) {
        std::string shown = *name ? name : "(unnamed)";
        Xapian::Query q(Xapian::Query::OP_FILTER, parse(r, "stone cloud", false, 0),
                        Xapian::Query((new AllDocs(name))->release()));
        std::vector<Xapian::docid> pages[2];
        bool split[2] = {true, true}, ok[2] = {false, false};
        std::string error;
        for (int forced = 0; forced < 2; forced++) {
            split_set_mode(forced ? SplitMode::ALWAYS : SplitMode::OFF);
            QueryRun run(r);
            search_opts o = {};
            o.limit = 10;
            char err[LEDE_ERRLEN] = "";
            try {
                ok[forced] = start_query(r, q, &o, run, err) == LEDE_OK;
            } catch (const Xapian::Error &e) {
                error = e.get_type() + std::string(": ") + e.get_msg();
            }
            split[forced] = run.page.split;
            for (const Xapian::MSetIterator &it : run.page.items) pages[forced].push_back(*it);
            if (run.page.items.empty())
                for (Xapian::MSetIterator it = run.page.mset.begin(); it != run.page.mset.end(); ++it)
                    pages[forced].push_back(*it);
        }
        CHECK(ok[0] && ok[1] && error.empty() && !split[1],
              "a query holding a posting source %s runs whole when split is forced (%s)", shown.c_str(),
              error.c_str());
        CHECK(!pages[0].empty() && pages[0] == pages[1], "%s: the forced run's page is the unsplit one (%zu, %zu)",
              shown.c_str(), pages[0].size(), pages[1].size());
        setup_search(r);
        search_opts o = {};
        Xapian::Query own;
        query_to_run(r, q, &o);
        bool apart = true;
        error.clear();
        try {
            apart = query_apart(r, q, &o, own);
        } catch (const Xapian::Error &e) {
            error = e.get_type() + std::string(": ") + e.get_msg();
        }
        CHECK(!apart && error.empty(), "%s: query_apart says it cannot be made apart (%s)", shown.c_str(),
              error.c_str());
    }
}

/* Each half's query (in_range) matches only the documents of its range,
 * phrases and NEAR (bounded apart), wildcards and NOT included, with the
 * weights of the whole match; the two halves' matches together are the
 * whole's. */
void check_ranges(engine_reader *r) {
    setup_search(r);
    Xapian::docid last = r->db.get_lastdocid(), mid = last / 2;
    unsigned outside = 0, differ = 0, queries = 0;
    std::string first_bad;
    for (const char *text : QUERIES) {
        search_opts o = {};
        Xapian::Query run = query_to_run(r, parse(r, text, false, 0), &o);
        auto matches = [&](const Xapian::Query &q) {
            Xapian::Enquire enq(r->db);
            enq.set_query(q);
            set_weighting(r, enq);
            std::map<Xapian::docid, double> got;
            Xapian::MSet m = enq.get_mset(0, r->db.get_doccount());
            for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) got[*it] = it.get_weight();
            return got;
        };
        std::map<Xapian::docid, double> whole = matches(run), low = matches(in_range(run, 1, mid)),
                                         high = matches(in_range(run, mid + 1, last)), both = low;
        queries++;
        for (const auto &m : low) outside += m.first > mid;
        for (const auto &m : high) outside += m.first <= mid;
        both.insert(high.begin(), high.end());
        if (both != whole && !differ++) first_bad = text;
    }
    CHECK(outside == 0, "each half matches the documents of its own range alone (%u outside, %u queries)",
          outside, queries);
    CHECK(differ == 0, "the halves' matches together are the whole match's, with its weights (%u differ%s%s)",
          differ, differ ? ", first: " : "", first_bad.c_str());
}

}  // namespace

/* A word in every article of an index larger than a half counts
 * (TOTAL_EXACT_UP_TO): its count is exact unsplit (the term's frequency)
 * and was an estimate split (each half's range filter loses the bound);
 * now the split's totals keep the whole query's bounds. */
void check_common_word(const char *root) {
    std::string dir = std::string(root) + "/common";
    char err[LEDE_ERRLEN] = "";
    engine_writer *w;
    int rc = engine_writer_open(dir.c_str(), 1, 1, &w, err);
    const char *meta[][2] = {{"lede.format", "4"}, {"lede.pivot", "20"}, {"lede.language", "english"}};
    for (auto &m : meta)
        if (rc == LEDE_OK) rc = engine_writer_meta_set(w, m[0], m[1], strlen(m[1]), err);
    if (rc == LEDE_OK) rc = engine_writer_configure(w, "english", NULL, 0, err);
    for (unsigned i = 0; rc == LEDE_OK && i < 3000; i++) {
        std::string id = "c" + std::to_string(i), body = "harbour " + body_of(i);
        rc = unit_put(w, id.c_str(), "Notes", body.c_str(), err);
    }
    if (engine_writer_close(w, rc == LEDE_OK ? err : NULL) != LEDE_OK) rc = LEDE_ERR;
    engine_reader *r;
    if (rc == LEDE_OK) rc = engine_reader_open(dir.c_str(), &r, err);
    CHECK(rc == LEDE_OK, "an index of 3,000 articles with a common word: %s", err);
    if (rc != LEDE_OK) return;
    Answer off = ask(r, SplitMode::OFF, "harbour", 0, 10, false);
    Answer split = ask(r, SplitMode::ALWAYS, "harbour", 0, 10, false);
    CHECK(off.exact && off.total == 3000 && same(off, split),
          "a word in all 3,000 articles: split, its count is exact as unsplit (%llu exact=%d, split %llu exact=%d "
          "between %llu and %llu)", (unsigned long long)off.total, off.exact, (unsigned long long)split.total,
          split.exact, (unsigned long long)split.lo, (unsigned long long)split.hi);
    engine_reader_close(r);
}

int main(void) {
    char tmpl[] = "/tmp/lede-split-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    CHECK(add_articles(dir.c_str(), 0, ARTICLES, err) == LEDE_OK, "index: %s", err);
    engine_reader *r;
    if (engine_reader_open(dir.c_str(), &r, err) == LEDE_OK) {
        check_all(r, "first revision", false);
        check_all(r, "first revision", true);
        check_taken(r);
        check_halves_counted();
        check_read_again(r);
        check_by_cost(r);
        check_uncopyable(r);
        check_ranges(r);
        Answer before = ask(r, SplitMode::ALWAYS, "stone cloud", 0, 10, true);
        CHECK(add_articles(dir.c_str(), ARTICLES, 120, err) == LEDE_OK, "more articles: %s", err);
        int changed = 0;
        CHECK(engine_reader_refresh(r, &changed, err) == LEDE_OK && changed, "the reader moved: %s", err);
        Answer after = ask(r, SplitMode::ALWAYS, "stone cloud", 0, 10, true);
        CHECK(after.rc == LEDE_OK && after.total > before.total,
              "the split after the move counts the new articles (%llu, before %llu)",
              (unsigned long long)after.total, (unsigned long long)before.total);
        check_all(r, "after the reader moved", true);
        check_all(r, "after the reader moved", false);
        engine_reader_close(r);
    } else {
        CHECK(false, "reader opens: %s", err);
    }
    check_common_word(root);
    split_set_mode(SplitMode::BY_COST);
    unit_scratch_remove(root);
    return unit_exit();
}
