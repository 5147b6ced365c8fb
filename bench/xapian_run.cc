// xapian_run.cc -- the relevance benchmark's plain Xapian reference: the
// queries of a collection run in-process against an index built by
// plain_index (headline and body as one free-text field, English stemmer,
// STEM_SOME), parsed by a QueryParser with the same stemmer and OR as the
// default operator, ranked by BM25Weight with Xapian's defaults (k1 = 1,
// k2 = 0, k3 = 1, b = 0.5, min_normlen = 0.5), top 1000.  No lede code.
// Writes a run (QUERY_ID TAB DOC_ID TAB RANK TAB SCORE, see eval.h).
//
// usage: xapian_run DBPATH QUERIES RUN
#include <xapian.h>

#include <cstdio>
#include <fstream>
#include <string>

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: xapian_run DBPATH QUERIES RUN\n");
        return 2;
    }
    std::ifstream queries(argv[2]);
    FILE *run = fopen(argv[3], "w");
    if (!queries || !run) {
        fprintf(stderr, "xapian_run: cannot open %s\n", queries ? argv[3] : argv[2]);
        return 2;
    }
    long nq = 0, hits = 0, errors = 0;
    try {
        Xapian::Database db(argv[1]);
        Xapian::QueryParser qp;
        qp.set_database(db);
        qp.set_stemmer(Xapian::Stem("english"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        qp.set_default_op(Xapian::Query::OP_OR);
        Xapian::Enquire enq(db);
        enq.set_weighting_scheme(Xapian::BM25Weight());
        std::string line;
        while (std::getline(queries, line)) {
            size_t tab = line.find('\t');
            if (tab == std::string::npos) continue;
            std::string qid = line.substr(0, tab);
            nq++;
            try {
                enq.set_query(qp.parse_query(line.substr(tab + 1)));
            } catch (const Xapian::QueryParserError &e) {
                fprintf(stderr, "xapian_run: query %s: %s\n", qid.c_str(), e.get_msg().c_str());
                errors++;
                continue;
            }
            Xapian::MSet m = enq.get_mset(0, 1000);
            for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
                Xapian::TermIterator t = db.termlist_begin(*it);
                t.skip_to("Q");
                std::string id = t != db.termlist_end(*it) ? (*t).substr(1) : "?";
                fprintf(run, "%s\t%s\t%u\t%.6f\n", qid.c_str(), id.c_str(), it.get_rank() + 1,
                        it.get_weight());
                hits++;
            }
        }
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "xapian_run: %s\n", e.get_description().c_str());
        return 1;
    }
    printf("queries=%ld errors=%ld hits=%ld\n", nq, errors, hits);
    return fclose(run) == 0 ? 0 : 1;
}
