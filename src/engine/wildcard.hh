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
 * In a tier run (tiers.cc: the query FILTERed by a prefix word's tier
 * term XTXW<prefix>) a source made for it (WildcardSource::TIER_RUN) of
 * few lists skips them to the ids the filter asks instead: the same sums.
 * Reads term lists and postings only: writes nothing, holds no reader. */
#ifndef LEDE_WILDCARD_HH
#define LEDE_WILDCARD_HH

#include "ranking.hh"

#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

/* What a wildcard expands to over the whole index (every shard), worked
 * out once a query and shared by the per-shard clones (and by split.cc's
 * two halves, on two threads: nothing changes it once made): the words,
 * their article counts, and the weight factor of their union. */
struct WildcardExpansion {
    std::vector<std::string> patterns;    /* what it expands ("comp", "Scomp") */
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
    /* The tier of a wildcard whose prefix word has one (wildcards.cc,
     * tiers.cc): its boolean term XTXW<prefix>, and the most an article
     * without it weighs; "" when it has none. */
    std::string tier;
    double tier_bound = 0;
    /* Its place in the reader's tiered_wildcards (wildcards.cc). */
    size_t serial = 0;
    /* The words' postings, as a word's frequency counts in a tier plan. */
    uint64_t postings() const {
        uint64_t sum = 0;
        for (Xapian::doccount n : freqs) sum += n;
        return sum;
    }
};

/* What tier_plan (tiers.cc) reads of a WildcardSource with a tier: the
 * description of its Query (Xapian 1.4 gives no other way back to a
 * query's posting source) carries the expansion's serial, by which the
 * plan finds the expansion (its tier, bound and words) in the reader's
 * tiered_wildcards. */
inline std::string describe_tier(const WildcardExpansion &e) {
    return e.tier.empty() ? std::string() : "; tier serial " + std::to_string(e.serial);
}

/* Reads describe_tier's serial from a query's description; false when
 * there is none. */
inline bool read_tier(const std::string &description, size_t &serial) {
    const char *at = strstr(description.c_str(), "; tier serial ");
    unsigned long long n;
    if (!at || sscanf(at, "; tier serial %llu", &n) != 1) return false;
    serial = (size_t)n;
    return true;
}

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
    /* The most lists a tier run's source skips posting by posting
     * (TIER_RUN): a prefix word's three fields and a little more. */
    static const size_t SPARSE_LISTS = 4;

    /* How a source reads.  WINDOWS: a window of sums at a time, for a
     * whole match.  TIER_RUN: for a tier run (tiers.cc's tier_plan makes
     * the tier run's sources so), whose FILTER by the tier term drives
     * the match: a source of few lists (SPARSE_LISTS, a prefix word's
     * terms) reads them only at the ids asked (Xapian skips inside a
     * chunk without a call a posting), where filling windows read every
     * posting (at 500,000 articles a tier run of comp* read all of
     * XWcomp's 241,399 postings for its 18,457 tier articles). */
    enum Reading { WINDOWS, TIER_RUN };

    /* The source skips articles weighing less than the matcher's min_wt,
     * which is right only where its weight counts as it is: not on the
     * right of AND_NOT or FILTER, nor under a scale factor or XOR (see
     * with_wildcard_sources in wildcards.cc). */
    explicit WildcardSource(std::shared_ptr<const WildcardExpansion> e, Reading how = WINDOWS)
        : exp(std::move(e)), reading(how) {}

    WildcardSource *clone() const override { return new WildcardSource(exp, reading); }

    void init(const Xapian::Database &db) override {
        its.clear();
        offs.clear();
        started = finished = sparse = false;
        pos = 0;
        base = span = cur = 0;
        cur_wdf = 0;
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
        sparse = reading == TIER_RUN && !exp->lists.empty() && its.size() <= SPARSE_LISTS;
    }

    Xapian::doccount get_termfreq_min() const override { return freq_min; }
    Xapian::doccount get_termfreq_est() const override { return freq_est; }
    Xapian::doccount get_termfreq_max() const override { return freq_max; }

    void next(double min_wt) override {
        if (sparse) {
            if (started) advance();
            else start_sparse();
            settle_sparse(min_wt);
            return;
        }
        if (!started) {
            started = true;
            fill(1, WINDOW);
        } else {
            ++pos;
        }
        settle(min_wt);
    }

    void skip_to(Xapian::docid did, double min_wt) override {
        if (sparse) {
            /* min_wt is a hint, left here: the tier run's filter drives,
             * and reading on for a weight would read every posting */
            if (!started) start_sparse();
            if (!finished && did > cur) {
                for (Xapian::PostingIterator &it : its)
                    if (it != Xapian::PostingIterator() && *it < did) it.skip_to(did);
                head();
            }
            return;
        }
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
    Xapian::docid get_docid() const override { return sparse ? cur : base + offs[pos]; }
    double get_weight() const override { return sparse ? exp->weight(cur_wdf) : weight_at(offs[pos]); }

    std::string get_description() const override {
        return "WildcardSource(" + std::to_string(exp->terms.size()) + " words" + describe_tier(*exp) +
               (reading == TIER_RUN ? ", for a tier run)" : ")");
    }

  private:
    std::shared_ptr<const WildcardExpansion> exp;
    Reading reading;
    std::vector<Xapian::PostingIterator> its;  /* each at its next unread posting */
    std::vector<Xapian::termcount> acc;        /* summed wdf, by docid - base */
    std::vector<uint64_t> seen;                /* bit off: acc[off] holds a match */
    std::vector<Xapian::docid> offs;           /* the window's matches, ascending */
    size_t pos = 0;
    Xapian::docid base = 0, span = 0;          /* the window: base to base + span - 1 */
    bool started = false, finished = false;
    Xapian::doccount freq_min = 0, freq_est = 0, freq_max = 0;
    /* A tier run's source of few lists (TIER_RUN): it skips its lists
     * to the ids the matcher asks, posting by posting, instead of
     * filling windows. */
    bool sparse = false;
    Xapian::docid cur = 0;           /* sparse: the match it stands on */
    Xapian::termcount cur_wdf = 0;   /* and its sum */

    /* sparse: the first posting of the lists. */
    void start_sparse() {
        started = true;
        if (its.empty()) finished = true;
        else head();
    }

    /* sparse: cur and its sum from the lists' heads. */
    void head() {
        const Xapian::PostingIterator end;
        cur = 0;
        cur_wdf = 0;
        for (Xapian::PostingIterator &it : its)
            if (it != end && (cur == 0 || *it < cur)) cur = *it;
        if (cur == 0) {
            finished = true;
            return;
        }
        for (Xapian::PostingIterator &it : its)
            if (it != end && *it == cur) cur_wdf += it.get_wdf();
    }

    /* sparse: past cur. */
    void advance() {
        const Xapian::PostingIterator end;
        for (Xapian::PostingIterator &it : its)
            if (it != end && *it == cur) ++it;
        head();
    }

    /* sparse: settle's loop, posting by posting. */
    void settle_sparse(double min_wt) {
        min_wt *= 1 - 1e-12;
        while (!finished && exp->weight(cur_wdf) < min_wt) advance();
    }

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
