/* tie_run.hh -- what tie_run.cc gives search.cc: the matches of a
 * relevance page's last score gathered during the match that found the
 * page (TieSpy), and a posting source of those matches only, to confine
 * the date sort of a tie run to them (DocidSource).  Declarations only;
 * nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_TIE_RUN_HH
#define LEDE_ENGINE_TIE_RUN_HH

#include "internal.hh"

#include <functional>
#include <queue>
#include <utility>
#include <vector>

/* Keeps every candidate of a match by relevance that scores at least the
 * want-th best score seen so far: the matcher hands a spy each candidate
 * that scores at least its weight floor, which never passes the page's
 * last score, so at the end the spy holds every match scoring at least
 * the want-th best, the page's tie run included. */
class TieSpy : public Xapian::MatchSpy {
  public:
    /* Gives up (overflowed) past most matches kept. */
    TieSpy(Xapian::doccount want, size_t most) : want(want), most(most) {}
    void operator()(const Xapian::Document &doc, double wt) override;
    /* The matches kept that scored at least floor, by document id. */
    std::vector<std::pair<Xapian::docid, double>> at_least(double floor) const;
    bool overflowed = false;

  private:
    Xapian::doccount want;
    size_t most;
    /* the want best scores seen, the lowest on top */
    std::priority_queue<double, std::vector<double>, std::greater<double>> best;
    std::vector<std::pair<Xapian::docid, double>> kept;
    size_t prune_at = 1024;
    void prune();
};

/* The first want matches of run (by document id, with the scores the
 * match gave them) in the order Xapian's sort by relevance then the value
 * of slot, descending, gives them: score down, the value down (bytewise;
 * none lowest), document id up.  Reads the slot's value of each, a value
 * stream walked in id order: no posting of the query. */
std::vector<Xapian::docid> first_by_score_then_value(const Xapian::Database &db, Xapian::valueno slot,
                                                     const std::vector<std::pair<Xapian::docid, double>> &run,
                                                     size_t want);

/* The documents of a sorted list of ids, weighing nothing: ANDed into a
 * query (a FILTER), the matcher visits those documents only.  One
 * database's ids (not over several: each would need its own). */
class DocidSource : public Xapian::PostingSource {
  public:
    explicit DocidSource(std::vector<Xapian::docid> ids) : ids(std::move(ids)) {}
    Xapian::doccount get_termfreq_min() const override { return (Xapian::doccount)ids.size(); }
    Xapian::doccount get_termfreq_est() const override { return (Xapian::doccount)ids.size(); }
    Xapian::doccount get_termfreq_max() const override { return (Xapian::doccount)ids.size(); }
    void init(const Xapian::Database &) override { started = false, at = 0; }
    void next(double) override;
    void skip_to(Xapian::docid did, double) override;
    bool at_end() const override { return started && at >= ids.size(); }
    Xapian::docid get_docid() const override { return ids[at]; }
    Xapian::PostingSource *clone() const override { return new DocidSource(ids); }

  private:
    std::vector<Xapian::docid> ids;
    size_t at = 0;
    bool started = false;
};

#endif
