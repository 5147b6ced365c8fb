/* glass/spelling.cc -- the spelling table: the words Xapian's
 * get_spelling_suggestion() may offer, with their frequencies, and the
 * fragment lists it searches.  Owns this table's keys and tags; the B-tree
 * is table.cc's.
 *
 * Keys (words of one byte are not stored; a word with frequency 0 neither):
 *   'W' word          tag: uint_last(frequency)
 *   'H' w[0] w[1]     the words starting with these two bytes
 *   'T' w[n-2] w[n-1] the words ending with them
 *   'B' w[0] w[n-1]   the words of 2, 3 or 4 bytes with these ends
 *   'M' w[i..i+2]     the words of 3 bytes or more holding these three
 *                     bytes at some offset i (listed once per word)
 * A fragment's tag lists its words in ascending byte order, prefix-coded:
 * the first as (length ^ 96) then its bytes; each next as (bytes shared
 * with the previous word ^ 96), (bytes that differ ^ 96), those bytes.
 *
 * Memory: 8 bytes per (fragment, word) pair (about n + 1 pairs for a word of
 * n bytes), sorted in one vector, beside the caller's map of words. */
#include "glass.hh"

#include <algorithm>

namespace glass {

namespace {

const unsigned char XOR = 96;

/* A fragment's 4 key bytes in the top half (the 4th byte 0 unless 'M'),
 * the word's index in the bottom half: sorting orders by key then word. */
uint64_t pair_of(char kind, const char *bytes, unsigned n, uint32_t word) {
    unsigned char k[4] = {(unsigned char)kind, 0, 0, 0};
    for (unsigned i = 0; i < n; ++i) k[1 + i] = (unsigned char)bytes[i];
    uint32_t frag = uint32_t(k[0]) << 24 | uint32_t(k[1]) << 16 | uint32_t(k[2]) << 8 | k[3];
    return uint64_t(frag) << 32 | word;
}

void fragments_of(const std::string &w, uint32_t index, std::vector<uint64_t> &pairs) {
    size_t n = w.size();
    pairs.push_back(pair_of('H', w.data(), 2, index));
    pairs.push_back(pair_of('T', w.data() + n - 2, 2, index));
    if (n <= 4) {
        char ends[2] = {w[0], w[n - 1]};
        pairs.push_back(pair_of('B', ends, 2, index));
    }
    for (size_t i = 0; n > 2 && i + 3 <= n; ++i)
        pairs.push_back(pair_of('M', w.data() + i, 3, index));
}

std::string fragment_key(uint32_t frag) {
    std::string k;
    k += char(frag >> 24);
    k += char(frag >> 16);
    k += char(frag >> 8);
    if ((frag >> 24) == 'M') k += char(frag);
    return k;
}

void append_prefixed(std::string &tag, const std::string &prev, const std::string &word) {
    if (tag.empty()) {
        tag += char(word.size() ^ XOR);
        tag += word;
        return;
    }
    size_t i = 0, n = std::min(prev.size(), word.size());
    while (i < n && prev[i] == word[i]) ++i;
    tag += char(i ^ XOR);
    tag += char((word.size() - i) ^ XOR);
    tag.append(word, i, std::string::npos);
}

}  // namespace

Xapian::termcount write_spelling(TableWriter &table,
                                 const std::map<std::string, Xapian::termcount> &words) {
    std::vector<const std::string *> stored;
    std::vector<uint64_t> pairs;
    for (auto &w : words) {
        if (w.first.size() < 2 || w.second == 0) continue;
        if (w.first.size() > 254) throw Error("glass: spelling word over 254 bytes");
        fragments_of(w.first, uint32_t(stored.size()), pairs);
        stored.push_back(&w.first);
    }
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    for (size_t i = 0; i < pairs.size();) {
        uint32_t frag = uint32_t(pairs[i] >> 32);
        std::string tag;
        const std::string *prev = nullptr;
        for (; i < pairs.size() && uint32_t(pairs[i] >> 32) == frag; ++i) {
            const std::string *w = stored[uint32_t(pairs[i])];
            append_prefixed(tag, prev ? *prev : std::string(), *w);
            prev = w;
        }
        table.add(fragment_key(frag), tag);
    }
    Xapian::termcount top = 0;
    for (auto &w : words) {
        if (w.first.size() < 2 || w.second == 0) continue;
        std::string tag;
        pack_uint_last(tag, w.second);
        table.add("W" + w.first, tag);
        top = std::max(top, w.second);
    }
    return top;
}

}  // namespace glass
