/* test_stem_cache.cc -- src/engine/stem_cache.hh against std::map: words
 * short and long (past the bucket's INLINE bytes, kept in the arena),
 * added past several doublings of the buckets (onto huge pages), must each
 * keep one entry with its stem, ids and spelling count; each() must visit
 * every word once; release() must forget them all.  The bulk tokeniser's
 * word -> stem and term ids rest on it (tokenise.cc). */
#include "stem_cache.hh"
#include "unit.h"

#include <map>
#include <string>

namespace {

/* Word i: short for most, longer than INLINE for every seventh. */
std::string word_of(unsigned i) {
    std::string w = "w" + std::to_string(i * 2654435761u % 1000003u);
    if (i % 7 == 0) w += std::string(tok::StemCache::INLINE + i % 30, 'x');
    return w;
}

std::string stem_of(const std::string &word) { return word.size() % 3 ? word.substr(0, word.size() - 1) : ""; }

void check_words() {
    tok::StemCache cache;
    std::map<std::string, unsigned> want; /* word -> its spelling count */
    unsigned adds = 0;
    for (unsigned i = 0; i < 150000; i++) {
        std::string w = word_of(i % 50000);
        bool added;
        tok::StemCache::Entry &e = cache.get(w, added);
        if (added) {
            adds++;
            cache.set_stem(e, stem_of(w));
            e.id[1] = i % 50000;
        }
        e.spelled++;
        want[w]++;
    }
    CHECK(cache.size() == want.size() && adds == want.size(), "one entry a distinct word (%zu, want %zu)",
          cache.size(), want.size());
    bool same = true;
    for (unsigned i = 0; i < 50000; i++) {
        bool added;
        std::string w = word_of(i);
        tok::StemCache::Entry &e = cache.get(w, added);
        std::string stem;
        cache.append_stem(e, stem);
        same = same && !added && stem == stem_of(w) && e.id[1] == i && e.spelled == want[w];
    }
    CHECK(same, "every word, short or long, is found with its stem, ids and count after growing");
    size_t seen = 0;
    bool counts = true;
    cache.each([&](const std::string &w, tok::StemCache::Entry &e) {
        seen++;
        counts = counts && want.count(w) && want[w] == e.spelled;
    });
    CHECK(seen == want.size() && counts, "each() visits every word once with its entry (%zu)", seen);
    cache.release();
    bool added;
    CHECK(cache.size() == 0, "release forgets every word");
    tok::StemCache::Entry &e = cache.get(word_of(7), added);
    CHECK(added && e.spelled == 0 && e.stem_len == 0, "a released cache takes a word again as new");
}

}  // namespace

int main() {
    check_words();
    return unit_exit();
}
