/* deadline.cc -- where a running search stops: its deadline and its
 * cancel flag (search_opts), checked between the phases of a search
 * (check_stop: parsing, wildcard expansion, the match, ties, the retry
 * as OR, spelling, each hit's snippet), and Xapian's own time limit, which
 * ends the counting of a match (check_at_least) at the deadline.  Xapian
 * 1.4 has no way to end a match itself ("There's not currently a way to
 * force the match to end after a certain time", enquire.h), and a
 * MatchDecider checking the clock did not help: on an OR of 4,000 phrases
 * the time goes into building and re-weighing the tree of posting lists,
 * not between candidates (the worker stayed busy 1.9-3.3 s past the
 * deadline with one, and the query ran 1.6x slower).  What one match
 * costs is bounded by the cost limits instead (cost.cc).  Owns no state;
 * touches no reader. */
#include "internal.hh"

namespace {

/* A search that stops throws this; guard.cc makes it a code. */
[[noreturn]] void stop(int code, const char *phase) {
    throw QueryStopped(code, phase);
}

}  // namespace

QueryStopped::QueryStopped(int c, const char *p) : code(c), phase(p) {}

const char *QueryStopped::what() const noexcept {
    return code == LEDE_ETIMEOUT ? "the query passed its time limit" : "the query was cancelled";
}

void check_stop(const search_opts *o, const char *phase) {
    if (o->deadline > 0 && lede_now() >= o->deadline) stop(LEDE_ETIMEOUT, phase);
    if (o->cancelled && o->cancelled(o->cancelled_arg)) stop(LEDE_ECANCELLED, phase);
}

Xapian::MSet checked_mset(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                          Xapian::doccount first, Xapian::doccount max,
                          Xapian::doccount check) {
    check_stop(o, "the match");
    /* Xapian's limit ends only the counting past the page (check_at_least),
     * and costs a POSIX timer (three system calls) a match: only a count
     * (COUNT, exact=1) gets one, not the usual page of the best hits.  Not
     * over remote shards either, where Xapian says it "may have bugs"
     * (enquire.h): there the checks between phases and --remote-timeout
     * bound a match. */
    double left = o->deadline > 0 ? o->deadline - lede_now() : 0;
    bool counts = check > first + max && check > TOTAL_EXACT_UP_TO; /* more than every page checks */
    if (!r->remote) enq.set_time_limit(counts && left > 0 ? left : 0);
    Xapian::MSet m = enq.get_mset(first, max, check);
    check_stop(o, "the match");
    return m;
}
