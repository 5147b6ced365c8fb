/* ranking.hh -- how an index of each format is ranked (engine.h), for
 * C++ only: BM25's parameters; format 4's scaled term frequencies and the
 * stock Xapian BM25Weight that ranks them; format 3's impacts and
 * ImpactWeight, the custom weighting that scores a posting by idf x
 * impact.  The engine writes postings by these (document.cc) and ranks
 * with them (search.cc, wildcard.hh); the C++ benchmarks that query an
 * index straight through Xapian (bench/inproc.cc) use them too, so that
 * they weigh an index as lede does.  Nothing here crosses into C. */
#ifndef LEDE_RANKING_HH
#define LEDE_RANKING_HH

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <string>

/* BM25's parameters (k1, b), the literature's rather than Xapian's
 * defaults (k1 = 1, b = 0.5, min_normlen = 0.5); measured by
 * `make bench-relevance` (bench/results/relevance.md).  A format 3 index
 * bakes them into its postings (impact_of in document.cc). */
const double BM25_K1 = 1.2, BM25_B = 0.75;
/* A format 3 posting's impact runs from 1 to IMPACT_MAX. */
const double IMPACT_MAX = 255;

/* Format 4: a posting's wdf is its raw wdf divided by the document's
 * length normalisation, times TF_SCALE, rounded (tf_of in document.cc):
 *   wdf = max(1, round(TF_SCALE x raw / (1 - b + b x len / pivot))).
 * Xapian's own BM25Weight with b = 0 and k1 scaled as the wdf is, 
 *   (k1 TF_SCALE + 1) wdf / (k1 TF_SCALE + wdf)
 *     = (k1 TF_SCALE + 1) x / (k1 + x),  x = raw / norm,
 * is then BM25's term-frequency part, (k1 + 1) x / (k1 + x), times the
 * constant (k1 TF_SCALE + 1) / (k1 + 1) (TF_SCORE_FACTOR, divided out of
 * the scores shown).  With b = 0 it reads no document length, and being a
 * weighting every xapian-tcpsrv knows, it ranks a remote shard as a local
 * one (docs/SCALE.md).  TF_SCALE trades precision for postings size: at
 * 64 a rounding step is 1/64 of one occurrence in a document of pivot
 * length, the wdf of most postings stays under 128 (one byte), and a
 * term's score moves by half a step at most: 0.4% of it for one
 * occurrence in a document of pivot length, more in longer documents
 * (2% for one occurrence in a document four times as long). */
const double TF_SCALE = 64;
const double TF_K1 = BM25_K1 * TF_SCALE;
const double TF_SCORE_FACTOR = (TF_K1 + 1) / (BM25_K1 + 1);

/* The weighting of a format 4 index: k3 = 1, as ImpactWeight's wqf factor. */
inline Xapian::BM25Weight tf_weight() {
    return Xapian::BM25Weight(TF_K1, 0, 1, 0, 0);
}

/* BM25's length normalisation of a document of raw length len. */
inline double length_norm(double len, double pivot) {
    return (1 - BM25_B) + BM25_B * len / pivot;
}

/* Ranking of a format 3 index: the same BM25, its term-frequency part read
 * from the posting (impact_of) instead of worked out from wdf and the
 * document's length.  A term scores idf x impact x (k1 + 1) / IMPACT_MAX,
 * with idf and the query-frequency factor as Xapian's BM25Weight has them
 * (k3 = 1), so scores stay on BM25's scale.  Needing no document length,
 * it reads no length table (bench/results/peers.md).  Registered nowhere
 * else: a remote shard's server would need it too. */
class ImpactWeight : public Xapian::Weight {
    double scale = 0;

  public:
    ImpactWeight() {
        need_stat(TERMFREQ);
        need_stat(COLLECTION_SIZE);
        need_stat(WDF);
        need_stat(WDF_MAX);
        need_stat(WQF);
    }
    std::string name() const override { return "lede.impact"; }
    ImpactWeight *clone() const override { return new ImpactWeight; }
    std::string serialise() const override { return std::string(); }
    ImpactWeight *unserialise(const std::string &) const override { return new ImpactWeight; }

    /* BM25's idf of a term in n of N articles, as BM25Weight has it. */
    static double idf(double n, double N) {
        double odds = (N - n + 0.5) / (n + 0.5);
        if (odds < 2) odds = odds * 0.5 + 1; /* as BM25Weight: idf > 0 */
        return std::log(odds);
    }
    void init(double factor) override {
        double wqf = get_wqf();
        scale = factor * idf(get_termfreq(), get_collection_size()) *
                (2 * wqf / (1 + wqf)) * (BM25_K1 + 1) / IMPACT_MAX;
    }
    /* A posting's wdf is an impact, at most IMPACT_MAX, except where
     * Xapian adds several up (OP_SYNONYM: a wildcard's words in one
     * article).  Past IMPACT_MAX the sum saturates, as BM25 does, towards
     * 2 x IMPACT_MAX: that bounds every score, where Xapian's own wdf
     * bound for a term is near its collection frequency (millions), which
     * left an OR nothing to prune (a phrase over the three fields took 15
     * times as long at 500,000 articles).  A hard cap at IMPACT_MAX would
     * bound leaves twice as tightly but made long runs of equal scores in
     * wildcard queries, each broken by date at a cost (prefix p99 x2.4). */
    static double saturate(double wdf) {
        return wdf <= IMPACT_MAX ? wdf : 2 * IMPACT_MAX - IMPACT_MAX * IMPACT_MAX / wdf;
    }
    double get_sumpart(Xapian::termcount wdf, Xapian::termcount, Xapian::termcount) const override {
        return scale * saturate(wdf);
    }
    double get_maxpart() const override {
        return scale * saturate(get_wdf_upper_bound());
    }
    double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
    double get_maxextra() const override { return 0; }
};

#endif
