/* test_pairs.cc -- src/engine/pairs.hh's PairRule read through its flat
 * table: which words it knows, with what share, and which two of them
 * pair, for a plain list ("every two") and for a list by shares (a floor
 * on the product of two shares, common words pairing among themselves).
 * Every writer and reader takes its pair terms from this rule, so a word
 * found with the wrong share is a phrase answered from the wrong terms. */
#include "pairs.hh"
#include "unit.h"

#include <string>

namespace {

void check_every_two() {
    PairRule none;
    CHECK(none.empty() && !none.find("said"), "no rule: no words, none found");
    PairRule r = PairRule::every_two({"mln", "dlr", "said"});
    CHECK(!r.empty(), "every two: the rule has words");
    CHECK(r.pairs("mln", "dlr") && r.pairs("dlr", "mln") && r.pairs("said", "said"),
          "every two: each two listed words pair, either way round and a word with itself");
    CHECK(!r.pairs("mln", "pct") && !r.pairs("pct", "mln"), "a word not listed pairs with none");
    CHECK(!r.find("ml") && !r.find("mlns") && !r.find("") && !r.find("averylongwordnotlisted"),
          "find: a prefix, a longer word, the empty word and one longer than any listed: absent");
    const PairRule::Word *w = r.find(std::string_view("said, he", 4));
    CHECK(w && w->common, "find takes a view of part of a longer text");
}

void check_by_shares() {
    /* floor 3000 ppm: a pairs with b when ppm(a) x ppm(b) >= 3000 x 10^6 */
    PairRule r = PairRule::by_shares("min=3000 said=740000 mln=440000 against=76000 "
                                     "annual=40000 cts=390000 tiny=5000 mln=300000 bad =7 noeq",
                                     {"said", "the"});
    const PairRule::Word *mln = r.find("mln"), *said = r.find("said"), *the = r.find("the");
    CHECK(mln && mln->ppm == 300000 && !mln->common, "a word listed twice keeps its last share (%u)",
          mln ? mln->ppm : 0);
    CHECK(said && said->ppm == 740000 && said->common, "a listed common word: its share, and common");
    CHECK(the && the->ppm == 0 && the->common, "a common word not listed: share 0, common");
    CHECK(!r.find("noeq") && !r.find("bad") && !r.find("bad "), "tokens without a share are not words");
    CHECK(r.pairs("said", "the"), "two common words pair whatever their shares");
    CHECK(r.pairs("against", "mln"), "76000 x 300000 ppm is above the floor: they pair");
    CHECK(r.pairs("annual", "cts"), "40000 x 390000 ppm (1.56e10) reaches the floor (3e9)");
    CHECK(!r.pairs("tiny", "annual"), "5000 x 40000 ppm (2e8) is below the floor: no pair");
    CHECK(r.pairs("tiny", "said") == (5000ull * 740000 >= 3000ull * 1000000),
          "a rare word with a common one pairs by the product alone");
    CHECK(!r.pairs("the", "tiny"), "a common word's share of 0 pairs it only with common words");
    PairRule floor_only = PairRule::by_shares("min=3000", {});
    CHECK(floor_only.empty(), "a floor and no words: an empty rule");
}

}  // namespace

int main() {
    check_every_two();
    check_by_shares();
    return unit_exit();
}
