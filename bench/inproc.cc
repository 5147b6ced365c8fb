// inproc.cc -- the in-process baseline of `make bench-query`: the same
// queries, single-threaded, straight through Xapian's API on the same
// index, with a QueryParser set up as lede's (English stems, STEM_ALL, AND,
// the headline/standfirst/body fields, wildcards) and, like a search
// engine answering, the top 10 with their stored data.  No lede code.
// usage: inproc INDEX QUERYFILE SECONDS
// (INPROC_ONCE=1 stops after two passes over the queries, for callgrind.)
// Prints "qps=Q p50_us=A p99_us=B p999_us=C requests=N errors=E".
#include <xapian.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

static double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: inproc INDEX QUERYFILE SECONDS\n");
        return 2;
    }
    Xapian::Database db(argv[1]);
    std::vector<std::string> queries;
    std::ifstream in(argv[2]);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) queries.push_back(l);
    double seconds = atof(argv[3]);
    Xapian::QueryParser qp;
    qp.set_database(db);
    qp.set_stemmer(Xapian::Stem("english"));
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Xapian::Query::OP_AND);
    for (const char *p : {"", "S", "XL"}) qp.add_prefix("", p);
    qp.add_prefix("title", "S");
    qp.set_max_expansion(1000, Xapian::Query::WILDCARD_LIMIT_ERROR, Xapian::QueryParser::FLAG_WILDCARD);
    unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD |
                     Xapian::QueryParser::FLAG_PURE_NOT;
    std::vector<double> lat;
    long errors = 0;
    double t0 = now(), stop = t0 + seconds;
    size_t i = 0;
    size_t maxq = getenv("INPROC_ONCE") ? queries.size() * 2 : (size_t)-1;
    while (now() < stop && i < maxq) {
        const std::string &q = queries[i++ % queries.size()];
        double s = now();
        try {
            Xapian::Enquire enq(db);
            enq.set_query(qp.parse_query(q, flags));
            enq.set_sort_by_relevance_then_value(0, true);
            Xapian::MSet m = enq.get_mset(0, 10);
            size_t bytes = 0;
            for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it)
                bytes += it.get_document().get_data().size();
            if (bytes == (size_t)-1) errors++;
        } catch (const Xapian::Error &) {
            errors++;
        }
        lat.push_back(now() - s);
    }
    double elapsed = now() - t0;
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) { return lat.empty() ? 0 : lat[(size_t)(q * (lat.size() - 1))] * 1e6; };
    printf("qps=%.0f p50_us=%.0f p99_us=%.0f p999_us=%.0f requests=%zu errors=%ld\n",
           lat.size() / elapsed, pct(0.5), pct(0.99), pct(0.999), lat.size(), errors);
    return 0;
}
