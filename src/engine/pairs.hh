/* pairs.hh -- which two adjacent words of a field get a pair term
 * (formats 3 and 4; "lede.pair_words", docs/FORMATS.md): the rule every
 * writer (document.cc's add_pairs, the API and bulk paths alike) and
 * every reader (query_rewrite.cc's pairs_for) takes from the index's
 * settings, so that a reader looks for exactly the pair terms the
 * writers made.  pairs.cc defines it; internal.hh includes this for the
 * writer and reader structs. */
#ifndef LEDE_ENGINE_PAIRS_HH
#define LEDE_ENGINE_PAIRS_HH

#include "../settings.h"
#include "flat_index.hh"

#include <cstdint>
#include <string>
#include <unordered_set>

class PairRule {
  public:
    /* No pair terms at all. */
    PairRule() = default;
    /* Every two of these words: "lede.pair_words" as a plain word list,
     * and an index made before it (its common words). */
    static PairRule every_two(const std::unordered_set<std::string> &words);
    /* "lede.pair_words" by shares, "min=P word=S word=S ..." (S a word's
     * share of the sampled articles, P a floor on the product of two
     * shares, both in parts per million): a and b pair when both are
     * common words, or when S(a) x S(b) >= P x 10^6 -- when an exact
     * phrase of them without a pair term would read the positions of
     * more than about P per million of the articles. */
    static PairRule by_shares(const std::string &list,
                              const std::unordered_set<std::string> &common);
    bool empty() const { return flat.empty(); }
    /* What the rule knows of a word it may pair. */
    struct Word {
        uint32_t ppm;  /* its share, parts per million */
        bool common;   /* pairs with every other common word */
    };
    /* word's entry, or nullptr when it pairs with no word (a writer
     * notes the positions of those it finds, once a term). */
    const Word *find(std::string_view word) const { return flat.find(word); }
    /* Whether "a b" at adjacent positions of a field has a pair term. */
    bool pairs(const std::string &a, const std::string &b) const;
    /* The same of two words find() gave. */
    bool pairs(const Word &a, const Word &b) const {
        return (a.common && b.common) || (uint64_t)a.ppm * b.ppm >= min_product;
    }

  private:
    /* The words it may pair: a term of every article is asked (find). */
    WordMap<Word> flat;
    uint64_t min_product = 0;  /* ppm x ppm */
};

/* Whether a "lede.pair_words" value is written by shares (PairRule::by_shares). */
bool pair_list_by_shares(const std::string &list);
/* Formats 3 and 4's pair rule, from "lede.pair_words" and "lede.common":
 * by shares, or every two of the listed words, or (an index made before
 * "lede.pair_words") every two common words. */
PairRule pair_rule_of(const settings &s);

#endif
