/* wildcard.hh -- prefix queries (word*) on a format 3 or 4 index, for C++ only.
 * QueryParser turns word* into an OP_SYNONYM of every indexed word that
 * starts so, and Xapian merges their posting lists through a binary tree
 * of OR postlists: about 75 ns a posting, so that a short prefix ("comp*",
 * a hundred words, 12,000 postings on Reuters) took 0.9 ms, and the tenth
 * of the query mix that are prefixes took a fifth of its time and half of
 * its variance.  WildcardSource is a Xapian PostingSource that stands for
 * that synonym: it adds up the impacts of the words' postings a window of
 * document ids at a time, in an array indexed by docid - window start, so
 * that each posting costs one read and one add, and hands the matcher only
 * the articles whose weight it still needs (min_wt).  The weight is the
 * synonym's, with the idf of the union of the words, whose size is
 * estimated from theirs as of independent events (as Xapian estimates an
 * OR): ImpactWeight (ranking.hh) of the summed impacts on format 3,
 * tf_weight's BM25 of the summed frequencies on format 4, which is what
 * Xapian's own OP_SYNONYM of the words scores on a remote shard.  Matches are the same;
 * memory is one window (WINDOW entries) per query, whatever the index.
 * A skip far past the window (a FILTER of few ids, as search.cc's
 * tied_page sorts a tie run with) reads a narrow window there instead
 * (NARROW), so that a second match over a few ids does not read the words'
 * postings again between them.
 * On an index with prefix terms (prefix_terms.cc) a pattern that has one
 * is read from that term's posting list instead of its words': each
 * posting's wdf there is the sum of the article's wdfs of the words, so
 * the sums, matches and weights are the same; the words' frequencies
 * still make the idf and the estimates.
 * Reads term lists and postings only: writes nothing, holds no reader. */
#ifndef LEDE_WILDCARD_HH
#define LEDE_WILDCARD_HH

#include "ranking.hh"

#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

/* What a wildcard expands to over the whole index (every shard), worked
 * out once a query and shared by the per-shard clones: the words, their
 * article counts, and the weight factor of their union. */
struct WildcardExpansion {
    std::vector<std::string> terms;
    std::vector<Xapian::doccount> freqs;  /* over the whole index */
    bool one_shard = false;               /* freqs are the shard's too */
    /* The posting lists to read, when some pattern has a prefix term:
     * those terms, and the words of the patterns without one; empty:
     * the words. */
    std::vector<std::string> lists;
    /* The weight of a summed wdf W: scale x W / (k1 + W) on format 4
     * (k1 = TF_K1), scale x saturate(W) on format 3 (k1 = 0). */
    double scale = 0;
    double k1 = 0;
    double weight(double wdf) const {
        return k1 > 0 ? scale * wdf / (k1 + wdf) : scale * ImpactWeight::saturate(wdf);
    }
    double max_weight() const { return k1 > 0 ? scale : scale * 2 * IMPACT_MAX; }
};

/* How many of N articles hold at least one of some words, each in freqs
 * articles, taken as independent events (as Xapian estimates an OR). */
inline double union_size(const std::vector<Xapian::doccount> &freqs, double N) {
    if (N <= 0) return 0;
    double none_of = 1;
    for (Xapian::doccount n : freqs) none_of *= 1 - n / N;
    return N * (1 - none_of);
}

/* Takes words from a query's wildcard budget (--max-wildcard for all its
 * wildcards together: each word is a posting list or three to open, and
 * a query repeating "co*" a thousand times had leded at 5 GB), or throws
 * WildcardError.  A word* of the default field counts its words once,
 * not once for each field it is looked for in; one that matches no word
 * counts one (its lookup), so that a line of 10,000 of them is refused
 * too. */
inline void spend_wildcard_words(Xapian::termcount &budget, Xapian::termcount words,
                                 Xapian::termcount max, const std::string &shown) {
    words = std::max(words, Xapian::termcount(1)); /* one that matches nothing costs a lookup */
    if (words > budget)
        throw Xapian::WildcardError("the query's wildcards expand to more than " +
                                    std::to_string(max) + " terms together (at " + shown + "*)");
    budget -= words;
}

class WildcardSource : public Xapian::PostingSource {
  public:
    /* Document ids a window spans: 32 KiB of sums, 1 KiB of flags. */
    static const Xapian::docid WINDOW = 8192;
    /* Document ids a window spans when the matcher skips to an id a
     * WINDOW or more past the window's end: it is likely to skip as far
     * again, so a full window would mostly be read for nothing. */
    static const Xapian::docid NARROW = 64;

    /* The source skips articles weighing less than the matcher's min_wt,
     * which is right only where its weight counts as it is: not on the
     * right of AND_NOT or FILTER, nor under a scale factor or XOR (see
     * with_wildcard_sources in wildcards.cc). */
    explicit WildcardSource(std::shared_ptr<const WildcardExpansion> e) : exp(std::move(e)) {}

    WildcardSource *clone() const override { return new WildcardSource(exp); }

    void init(const Xapian::Database &db) override {
        its.clear();
        offs.clear();
        started = finished = false;
        pos = 0;
        base = span = 0;
        Xapian::doccount N = db.get_doccount();
        std::vector<Xapian::doccount> freqs; /* this database's */
        for (size_t i = 0; i < exp->terms.size(); i++) {
            Xapian::doccount n = exp->one_shard ? exp->freqs[i] : db.get_termfreq(exp->terms[i]);
            if (n == 0) continue;
            if (exp->lists.empty()) its.push_back(db.postlist_begin(exp->terms[i]));
            freqs.push_back(n);
        }
        if (!freqs.empty())
            for (const std::string &list : exp->lists) its.push_back(db.postlist_begin(list));
        /* The window, only for a database that has some of the words. */
        acc.assign(freqs.empty() ? 0 : WINDOW, 0);
        seen.assign(freqs.empty() ? 0 : WINDOW / 64, 0);
        uint64_t sum = 0; /* up to 3,000 words of up to N articles each */
        for (Xapian::doccount n : freqs) sum += n;
        freq_min = freqs.empty() ? 0 : *std::max_element(freqs.begin(), freqs.end());
        freq_max = (Xapian::doccount)std::min(sum, (uint64_t)N);
        double est = union_size(freqs, N) + 0.5;
        freq_est = std::max(freq_min, std::min(freq_max, (Xapian::doccount)est));
        set_maxweight(exp->max_weight());
    }

    Xapian::doccount get_termfreq_min() const override { return freq_min; }
    Xapian::doccount get_termfreq_est() const override { return freq_est; }
    Xapian::doccount get_termfreq_max() const override { return freq_max; }

    void next(double min_wt) override {
        if (!started) {
            started = true;
            fill(1, WINDOW);
        } else {
            ++pos;
        }
        settle(min_wt);
    }

    void skip_to(Xapian::docid did, double min_wt) override {
        uint64_t end = started ? (uint64_t)base + span : 1; /* past the window */
        if (!started || (uint64_t)did >= end) {
            started = true;
            fill(did, (uint64_t)did >= end + WINDOW && !wide_only() ? NARROW : WINDOW);
        } else {
            Xapian::docid off = did > base ? did - base : 0;
            pos = std::lower_bound(offs.begin() + pos, offs.end(), off) - offs.begin();
        }
        settle(min_wt);
    }

    bool at_end() const override { return finished; }
    Xapian::docid get_docid() const override { return base + offs[pos]; }
    double get_weight() const override { return weight_at(offs[pos]); }

    std::string get_description() const override {
        return "WildcardSource(" + std::to_string(exp->terms.size()) + " words)";
    }

  private:
    std::shared_ptr<const WildcardExpansion> exp;
    std::vector<Xapian::PostingIterator> its;  /* each at its next unread posting */
    std::vector<Xapian::termcount> acc;        /* summed wdf, by docid - base */
    std::vector<uint64_t> seen;                /* bit off: acc[off] holds a match */
    std::vector<Xapian::docid> offs;           /* the window's matches, ascending */
    size_t pos = 0;
    Xapian::docid base = 0, span = 0;          /* the window: base to base + span - 1 */
    bool started = false, finished = false;
    Xapian::doccount freq_min = 0, freq_est = 0, freq_max = 0;

    /* LEDE_WILDCARD_WIDE set: every window WINDOW wide, as before NARROW
     * (a benchmark hook, read once a process). */
    static bool wide_only() {
        static const bool set = getenv("LEDE_WILDCARD_WIDE") != nullptr;
        return set;
    }

    double weight_at(Xapian::docid off) const {
        return exp->weight(acc[off]);
    }

    /* Moves pos to the first match from here on weighing min_wt or more,
     * filling windows as they run out.  The matcher works min_wt out by
     * subtraction, which may round it a step above a weight that ties:
     * kept. */
    void settle(double min_wt) {
        min_wt *= 1 - 1e-12;
        for (;;) {
            for (; pos < offs.size(); ++pos)
                if (weight_at(offs[pos]) >= min_wt) return;
            if (finished) return;
            uint64_t next = (uint64_t)base + span;
            if (next > Xapian::docid(-1)) {
                finished = true;
                return;
            }
            fill((Xapian::docid)next, WINDOW);
        }
    }

    /* Starts a window of width (WINDOW or NARROW) document ids at the
     * first posting at or after from, and sums into it every posting of
     * every word that falls inside it. */
    void fill(Xapian::docid from, Xapian::docid width) {
        for (Xapian::docid off : offs) acc[off] = 0;
        std::fill(seen.begin(), seen.begin() + (span + 63) / 64, 0);
        offs.clear();
        pos = 0;
        Xapian::docid lo = 0;
        const Xapian::PostingIterator end;
        for (Xapian::PostingIterator &it : its) {
            if (it != end && *it < from) it.skip_to(from);
            if (it != end && (lo == 0 || *it < lo)) lo = *it;
        }
        if (lo == 0) {
            finished = true;
            return;
        }
        base = lo;
        span = width;
        uint64_t hi = (uint64_t)lo + span;
        for (Xapian::PostingIterator &it : its) {
            for (; it != end; ++it) {
                Xapian::docid did = *it; /* each a call into Xapian: once a posting */
                if (did >= hi) break;
                Xapian::docid off = did - lo;
                seen[off / 64] |= uint64_t(1) << (off % 64);
                acc[off] += it.get_wdf();
            }
        }
        for (Xapian::docid word = 0; word < (span + 63) / 64; word++)
            for (uint64_t bits = seen[word]; bits; bits &= bits - 1)
                offs.push_back(word * 64 + (Xapian::docid)__builtin_ctzll(bits));
    }
};

#endif
