/* pairs.cc -- the pair rule (pairs.hh): which adjacent words get a pair
 * term, read from "lede.pair_words" and "lede.common".  Integer shares
 * and an integer floor, so that every writer and reader, whatever its
 * build, takes the same pairs from the same metadata. */
#include "internal.hh"

#include <cstdlib>
#include <sstream>

namespace {

const char *const SHARES_MARK = "min=";

std::string list_of(const sbuf &b) {
    return std::string(b.data ? b.data : "", b.len);
}

}  // namespace

PairRule PairRule::every_two(const word_set &words) {
    PairRule r;
    for (const std::string &w : words) r.flat.set(w, Word{0, true});
    return r;
}

PairRule PairRule::by_shares(const std::string &list, const word_set &common) {
    PairRule r;
    std::istringstream in(list);
    std::string token;
    if (in >> token && token.compare(0, strlen(SHARES_MARK), SHARES_MARK) == 0)
        r.min_product = strtoull(token.c_str() + strlen(SHARES_MARK), nullptr, 10) * 1000000ull;
    while (in >> token) {
        size_t eq = token.rfind('=');
        if (eq == std::string::npos || eq == 0) continue;
        unsigned long ppm = strtoul(token.c_str() + eq + 1, nullptr, 10);
        std::string word = token.substr(0, eq);
        r.flat.set(word, Word{(uint32_t)(ppm > 1000000 ? 1000000 : ppm), common.count(word) > 0});
    }
    for (const std::string &w : common)
        if (!r.flat.find(w)) r.flat.add(w, Word{0, true});
    return r;
}

bool PairRule::pairs(const std::string &a, const std::string &b) const {
    const Word *x = find(a), *y = x ? find(b) : nullptr;
    return y && pairs(*x, *y);
}

bool pair_list_by_shares(const std::string &list) {
    return list.compare(0, strlen(SHARES_MARK), SHARES_MARK) == 0;
}

PairRule pair_rule_of(const settings &s) {
    word_set common = words_of(list_of(s.common));
    std::string list = list_of(s.pair_words);
    if (list.empty()) return PairRule::every_two(common);
    if (pair_list_by_shares(list)) return PairRule::by_shares(list, common);
    return PairRule::every_two(words_of(list));
}
