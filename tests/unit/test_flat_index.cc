/* test_flat_index.cc -- src/engine/flat_index.hh against std::map: a
 * StringTable counting many keys (past several doublings of its slots,
 * with keys whose hashes collide in the low bits) must give every key's
 * count, in order of arrival; swap and release must leave each side
 * whole.  A WordSet must hold exactly its words (past a doubling of its
 * slots), none longer, none empty, asked by its bytes or by a hash made
 * as they are read (contains_hashed).  The build's run buffer, stem cache,
 * spelling words and stop words rest on it. */
#include "flat_index.hh"
#include "unit.h"

#include <map>
#include <string>
#include <unordered_set>
#include <vector>

namespace {

std::string key_of(unsigned i) { return "k" + std::to_string(i * 2654435761u % 100003u); }

void check_counts() {
    StringTable<unsigned> table;
    std::map<std::string, unsigned> want;
    std::vector<std::string> arrival;
    unsigned adds = 0;
    for (unsigned i = 0; i < 60000; i++) {
        std::string k = key_of(i % 9000);
        bool added;
        table.get(k, added) += 1 + i % 3;
        if (added) arrival.push_back(k), adds++;
        want[k] += 1 + i % 3;
    }
    CHECK(table.size() == want.size() && adds == want.size(), "one entry a distinct key (%zu, want %zu)",
          table.size(), want.size());
    bool same = true, ordered = true;
    size_t at = 0;
    for (const auto &kv : table) {
        same = same && want.count(kv.first) && want[kv.first] == kv.second;
        ordered = ordered && arrival[at++] == kv.first;
    }
    CHECK(same, "every key's count is the sum of its adds");
    CHECK(ordered, "entries come in the order their keys first arrived");
}

void check_swap_and_release() {
    StringTable<unsigned> a, b;
    bool added;
    a.get("alpha", added) = 1;
    b.get("beta", added) = 2;
    b.get("gamma", added) = 3;
    a.swap(b);
    CHECK(a.size() == 2 && b.size() == 1, "swap exchanges the entries");
    CHECK(a.get("gamma", added) == 3 && !added, "a swapped table finds its keys");
    CHECK(b.get("alpha", added) == 1 && !added, "and so does the other side");
    a.release();
    CHECK(a.size() == 0, "release forgets every entry");
    CHECK(a.get("gamma", added) == 0 && added, "a released table takes a key again as new");
}

void check_bare_index() {
    std::vector<std::string> keys;
    FlatIndex index;
    std::hash<std::string> hash;
    int wrong = 0;
    for (unsigned i = 0; i < 5000; i++) {
        std::string k = "w" + std::to_string(i);
        index.make_room(keys.size(), [&](size_t j) { return hash(keys[j]); });
        size_t slot = index.find(hash(k), [&](size_t j) { return keys[j] == k; });
        if (index.taken(slot)) wrong++;
        keys.push_back(k);
        index.put(slot, hash(k), keys.size() - 1);
    }
    for (size_t i = 0; i < keys.size(); i++) {
        size_t slot = index.find(hash(keys[i]), [&](size_t j) { return keys[j] == keys[i]; });
        if (!index.taken(slot) || index.entry_at(slot) != i) wrong++;
    }
    CHECK(wrong == 0, "a bare FlatIndex finds each of 5,000 entries by its number (%d wrong)", wrong);
    size_t slot = index.find(hash(std::string("absent")), [&](size_t j) { return keys[j] == "absent"; });
    CHECK(!index.taken(slot), "an absent key finds an empty slot");
    index.clear();
    slot = index.find(hash(keys[0]), [&](size_t j) { return keys[j] == keys[0]; });
    CHECK(!index.taken(slot), "clear forgets every entry");
}

/* contains_hashed of a word hashed byte by byte as a caller reading it
 * does: contains' answer for every word of set and for others, and the
 * word made only when a slot's tag matched (never for most others). */
void check_hashed(const std::unordered_set<std::string> &set, const WordSet &words) {
    unsigned same = 0, made = 0, asked = 0;
    auto ask = [&](const std::string &w) {
        uint64_t h = WordSet::hash_start();
        for (unsigned char c : w) h = WordSet::hash_add(h, c);
        bool built = false;
        bool in = words.contains_hashed(w.size(), WordSet::hash_end(h), [&]() -> const std::string & {
            built = true;
            return w;
        });
        same += in == words.contains(w);
        made += built && !set.count(w);
        asked++;
    };
    for (const std::string &w : set) {
        ask(w);
        ask(w + "q");
        ask("q" + w);
    }
    ask("");
    CHECK(same == asked, "contains_hashed answers as contains (%u of %u)", same, asked);
    CHECK(made < asked / 100, "and makes few words it does not hold (%u of %u)", made, asked);
}

/* A WordSet of 700 words (past FIRST_SLOTS / 2): each found, and each
 * with a letter more, a letter less or another last letter not. */
void check_word_set() {
    std::unordered_set<std::string> set;
    for (unsigned i = 0; i < 700; i++) set.insert("w" + std::to_string(i * 7919u % 100003u));
    WordSet words(set);
    unsigned found = 0, wrong = 0;
    for (const std::string &w : set) {
        found += words.contains(w);
        for (std::string other : {w + "x", w.substr(0, w.size() - 1), w.substr(0, w.size() - 1) + "z"})
            wrong += !set.count(other) && words.contains(other);
    }
    CHECK(found == set.size(), "a WordSet holds its %zu words (%u found)", set.size(), found);
    CHECK(wrong == 0, "and no other (%u found)", wrong);
    CHECK(!words.contains("") && !words.contains(std::string(40, 'w')), "neither empty nor long words");
    CHECK(!WordSet().contains("w0"), "an empty WordSet holds nothing");
    check_hashed(set, words);
}

}  // namespace

int main() {
    check_counts();
    check_swap_and_release();
    check_bare_index();
    check_word_set();
    return unit_exit();
}
