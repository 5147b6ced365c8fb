// inproc.cc -- the in-process baseline of `make bench-query` and `make
// bench-peers`: the same queries, single-threaded, straight through
// Xapian's API on the same index, with a QueryParser set up as lede's
// (English stems, STEM_ALL, AND, the headline/standfirst/body fields,
// wildcards) and, like a search engine answering, the top 10 with their
// stored data.  No lede code but the weighting a format 3, 4 or 5 index
// needs (src/engine/ranking.hh: its postings hold impacts or scaled
// frequencies, which BM25 with lengths would misread); an older index gets
// Xapian's default BM25.  Timing and figures by
// bench/drive.c.
// usage: inproc INDEX QUERYFILE SECONDS
// (INPROC_ONCE=1 stops after two passes over the queries, for callgrind;
// INPROC_RELEVANCE_ONLY=1 leaves out the newer-date tie-break, for
// reference: then equal scores come in document id order; for the cost of
// going remote (INDEX a stub naming a xapian-tcpsrv, bench/remote_cost.sh):
// INPROC_NO_DATA=1 reads no stored data, INPROC_SORT_SLOT=N breaks ties on
// value slot N instead of 0, INPROC_CHECK=N asks the match to check at
// least N candidates, as lede's engine does with 1000; INPROC_TWO_MATCHES=1
// runs the relevance-then-value match as lede's remote fronts do (search.cc
// remote_page): a match by relevance alone checking INPROC_CHECK, then the
// sorted one with the 10th score as its weight cutoff.)
// Prints the figures of drive.h, the overall line last.
#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "drive.h"
#include "../src/engine/ranking.hh"

namespace {

/* Stems as Snowball does, except that a stop word comes out as itself
 * behind a \x01 byte, so that the ones QueryParser keeps in a phrase can be
 * told from words that merely share their stem ("being", stem "be"). */
class MarkingStem : public Xapian::StemImplementation {
  public:
    explicit MarkingStem(const std::unordered_set<std::string> &s) : stops(s), real("english") {}
    std::string operator()(const std::string &w) override {
        return stops.count(w) ? "\x01" + w : real(w);
    }
    std::string get_description() const override { return "marking english"; }

  private:
    std::unordered_set<std::string> stops;
    Xapian::Stem real;
};

/* An index built with stop words (metadata "lede.stopwords") holds no
 * term or position for them: a Xapian user gives QueryParser the same
 * stopper and drops them from phrases, as leded does, so that both sides
 * of the benchmark run the same queries. */
struct Handle {
    Xapian::Database db;
    Xapian::QueryParser qp;
    std::unordered_set<std::string> stops;
    bool relevance_only = getenv("INPROC_RELEVANCE_ONLY") != nullptr;
    bool no_data = getenv("INPROC_NO_DATA") != nullptr;
    Xapian::valueno sort_slot = getenv("INPROC_SORT_SLOT") ? atoi(getenv("INPROC_SORT_SLOT")) : 0;
    Xapian::doccount check = getenv("INPROC_CHECK") ? atoi(getenv("INPROC_CHECK")) : 0;
    bool two_matches = getenv("INPROC_TWO_MATCHES") != nullptr;
    int format = 0;

    void use_stopwords(const std::string &list) {
        Xapian::SimpleStopper *st = new Xapian::SimpleStopper;
        std::istringstream in(list);
        for (std::string w; in >> w;) {
            st->add(w);
            stops.insert(w);
        }
        qp.set_stopper(st->release());
        qp.set_stemmer(Xapian::Stem(new MarkingStem(stops)));
    }

    bool is_stop(const Xapian::Query &q) const {
        if (q.get_type() != Xapian::Query::LEAF_TERM) return false;
        std::string t = *q.get_terms_begin();
        size_t i = 0;
        while (i < t.size() && t[i] >= 'A' && t[i] <= 'Z') i++;
        return i < t.size() && t[i] == '\x01';
    }

    Xapian::Query strip(const Xapian::Query &q) const {
        size_t n = q.get_num_subqueries();
        Xapian::Query::op op = q.get_type();
        if (stops.empty() || n == 0 ||
            (op != Xapian::Query::OP_PHRASE && op != Xapian::Query::OP_OR &&
             op != Xapian::Query::OP_AND && op != Xapian::Query::OP_AND_NOT))
            return q;
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query s = q.get_subquery(i);
            if (q.get_type() != Xapian::Query::OP_PHRASE) sub.push_back(strip(s));
            else if (!is_stop(s)) sub.push_back(s);
        }
        if (sub.empty()) return Xapian::Query::MatchNothing;
        if (q.get_type() == Xapian::Query::OP_PHRASE && sub.size() == 1) return sub[0];
        return Xapian::Query(q.get_type(), sub.begin(), sub.end());
    }

    explicit Handle(const char *path) : db(path) {
        qp.set_database(db);
        qp.set_stemmer(Xapian::Stem("english"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
        qp.set_default_op(Xapian::Query::OP_AND);
        for (const char *p : {"", "S", "XL"}) qp.add_prefix("", p);
        qp.add_prefix("title", "S");
        qp.set_max_expansion(1000, Xapian::Query::WILDCARD_LIMIT_ERROR,
                             Xapian::QueryParser::FLAG_WILDCARD);
        std::string list = db.get_metadata("lede.stopwords");
        if (!list.empty()) use_stopwords(list);
        std::string stored = db.get_metadata("lede.format");
        format = stored.empty() ? 5 : atoi(stored.c_str()); /* absent: current (src/engine.h) */
    }
};

void *inproc_open(void *ctx) {
    try {
        return new Handle(static_cast<const char *>(ctx));
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "inproc: %s\n", e.get_description().c_str());
        return nullptr;
    }
}

int inproc_query(void *conn, const char *q) {
    Handle *h = static_cast<Handle *>(conn);
    const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                           Xapian::QueryParser::FLAG_PURE_NOT;
    try {
        Xapian::Enquire enq(h->db);
        enq.set_query(h->strip(h->qp.parse_query(q, flags)));
        if (h->format == 3) enq.set_weighting_scheme(ImpactWeight());
        if (h->format >= 4) enq.set_weighting_scheme(tf_weight()); /* 4 and 5 weigh alike */
        if (h->relevance_only || h->two_matches) enq.set_sort_by_relevance();
        else enq.set_sort_by_relevance_then_value(h->sort_slot, true);
        Xapian::MSet m = enq.get_mset(0, 10, h->check);
        if (h->two_matches && !m.empty()) {
            double floor = m[m.size() - 1].get_weight();
            enq.set_cutoff(0, floor > 0 ? floor * (1 - 1e-9) : 0);
            enq.set_sort_by_relevance_then_value(h->sort_slot, true);
            m = enq.get_mset(0, 10, 10);
        }
        size_t bytes = 0;
        for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it)
            bytes += h->no_data ? it.get_sort_key().size() : it.get_document().get_data().size();
        return bytes == (size_t)-1;
    } catch (const Xapian::Error &) {
        return 1;
    }
}

void inproc_close(void *conn) { delete static_cast<Handle *>(conn); }

}  // namespace

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: inproc INDEX QUERYFILE SECONDS\n");
        return 2;
    }
    unsigned long max = getenv("INPROC_ONCE") ? DRIVE_TWO_PASSES : 0;
    drive_engine e = {inproc_open, inproc_query, inproc_close, argv[1]};
    int rc = drive_run(&e, argv[2], 1, atof(argv[3]), max);
    return rc == 2 ? 2 : 0;
}
