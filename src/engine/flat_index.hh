/* flat_index.hh -- an open-addressing index from keys to the numbers of
 * entries kept by its owner in a vector (or chunks) of their own: the
 * builder's hot tables (the run buffer's terms, the stem cache, the
 * spelling words), where std::unordered_map's lookup (a division, a
 * bucket, a node: each a likely cache miss) cost several percent of a
 * full build's CPU in perf.  Holds no keys and no entries: the owner
 * hashes its key and tells, through `same`, whether entry k is the key
 * looked for.
 *
 * StringTable, below, is the whole map for string keys whose entries
 * may move (a vector); RunBuffer keeps its own chunks (its entries must
 * stay put) beside a bare FlatIndex; WordSet a fixed set of short words
 * (the stop words, asked of every word of an article's text).
 *
 * Slots: a power-of-two array of 64-bit words, at most half full; a
 * slot holds the top 32 bits of its key's hash (a tag, so that most
 * mismatches are told without touching the entry) and the entry's
 * number + 1; 0 is empty.  Linear probing from hash & mask.  Entries
 * are never removed one by one: clear() forgets them all. */
#ifndef LEDE_ENGINE_FLAT_INDEX_HH
#define LEDE_ENGINE_FLAT_INDEX_HH

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

class FlatIndex {
  public:
    static constexpr size_t FIRST_SLOTS = 1024; /* constexpr: inline, so std::max may take its address */

    /* The slot where the key of hash h is, or the empty one it would
     * take; same(k) says whether entry k holds the key.  Call
     * make_room(count) first when the key may be added. */
    template <typename Same>
    size_t find(size_t h, Same same) const {
        size_t mask = slots.size() - 1;
        uint32_t tag = tag_of(h);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            uint64_t s = slots[i];
            if (!s || ((uint32_t)(s >> 32) == tag && same((size_t)(uint32_t)s - 1))) return i;
        }
    }

    /* Asks the cache for the slot where a lookup of hash h starts. */
    void prefetch(size_t h) const { __builtin_prefetch(&slots[h & (slots.size() - 1)]); }
    /* The entry in the slot where a lookup of hash h starts when its tag
     * is h's (most likely the key's), else SIZE_MAX: a hint, for asking
     * the cache for the entry before the lookup compares it. */
    size_t likely_entry(size_t h) const {
        uint64_t s = slots[h & (slots.size() - 1)];
        return s && (uint32_t)(s >> 32) == tag_of(h) ? (size_t)(uint32_t)s - 1 : SIZE_MAX;
    }

    bool taken(size_t slot) const { return slots[slot] != 0; }
    size_t entry_at(size_t slot) const { return (size_t)(uint32_t)slots[slot] - 1; }

    /* Entry number k (of hash h) placed in the empty slot find() gave. */
    void put(size_t slot, size_t h, size_t k) { slots[slot] = (uint64_t)tag_of(h) << 32 | (k + 1); }

    /* Whether one more entry than count would overflow half the slots;
     * if so, twice the slots (FIRST_SLOTS at first) with each of the
     * count entries placed again by its hash, hash_of(k).  Any slot
     * found before is then stale: find again. */
    template <typename HashOf>
    bool make_room(size_t count, HashOf hash_of) {
        if ((count + 1) * 2 <= slots.size()) return false;
        slots.assign(std::max(FIRST_SLOTS, slots.size() * 2), 0);
        for (size_t k = 0; k < count; k++) {
            size_t h = hash_of(k);
            put(find(h, [](size_t) { return false; }), h, k);
        }
        return true;
    }

    /* Every entry forgotten, the slots kept. */
    void clear() { std::fill(slots.begin(), slots.end(), 0); }

    /* Bytes held by the slots. */
    size_t bytes() const { return slots.capacity() * sizeof(uint64_t); }

  private:
    static uint32_t tag_of(size_t h) { return (uint32_t)((uint64_t)h >> 32); }
    std::vector<uint64_t> slots;
};

/* Strings with a value each, in the order they were first seen, found
 * through a FlatIndex: a map for a hot path that only adds, reads in
 * order of arrival and forgets everything at once. */
template <typename V>
class StringTable {
  public:
    typedef std::pair<std::string, V> Entry;

    /* The value of key, a new V() (added true) the first time. */
    V &get(const std::string &key, bool &added) {
        index.make_room(entries.size(), [&](size_t k) { return hash_of(entries[k].first); });
        size_t h = hash_of(key);
        size_t i = index.find(h, [&](size_t k) { return entries[k].first == key; });
        added = !index.taken(i);
        if (added) {
            entries.emplace_back(key, V());
            index.put(i, h, entries.size() - 1);
        }
        return entries[index.entry_at(i)].second;
    }

    typename std::vector<Entry>::const_iterator begin() const { return entries.begin(); }
    typename std::vector<Entry>::const_iterator end() const { return entries.end(); }
    /* The values may change in place; the keys must not. */
    typename std::vector<Entry>::iterator begin() { return entries.begin(); }
    typename std::vector<Entry>::iterator end() { return entries.end(); }
    size_t size() const { return entries.size(); }

    void swap(StringTable &other) {
        entries.swap(other.entries);
        std::swap(index, other.index);
    }

    /* Every entry forgotten and its memory freed. */
    void release() {
        std::vector<Entry>().swap(entries);
        index = FlatIndex();
    }

  private:
    static size_t hash_of(const std::string &key) { return std::hash<std::string>()(key); }
    std::vector<Entry> entries;
    FlatIndex index;
};

/* Fixed words with a value each, asked about word after word: the stop
 * words (WordSet), the pair rule's words (pairs.hh) and a writer's tier
 * words (TierWords, tiers.cc), asked of every word or term of an
 * article, where std::unordered_set's and _map's find and their
 * std::hash were about 1.5%, 1% and 3.5% of a bulk build's samples
 * (issue 20; a stop word's lookup is 2.6-4x faster here, on Reuters'
 * words, bench/results/index.md).  A word longer than the longest is told
 * at once; the others by an FNV-1a of its bytes and a FlatIndex.  Words
 * are added once each (the caller's to see to) and never removed. */
template <typename V>
class WordMap {
  public:
    void add(const std::string &word, const V &value) {
        index.make_room(entries.size(), [&](size_t k) { return hash_of(entries[k].first); });
        size_t h = hash_of(word);
        index.put(index.find(h, [](size_t) { return false; }), h, entries.size());
        entries.emplace_back(word, value);
        longest = std::max(longest, word.size());
    }
    /* word's value replaced, or word added with it. */
    void set(const std::string &word, const V &value) {
        size_t k = entry_of(word);
        if (k == NONE) add(word, value);
        else entries[k].second = value;
    }
    /* word's value, or nullptr. */
    const V *find(std::string_view word) const {
        size_t k = entry_of(word);
        return k == NONE ? nullptr : &entries[k].second;
    }
    bool empty() const { return entries.empty(); }

    /* The hash find uses (FNV-1a), for a caller that hashes a word as it
     * reads it, byte by byte: hash_start, hash_add each byte, hash_end. */
    static uint64_t hash_start() { return 0xcbf29ce484222325ULL; }
    static uint64_t hash_add(uint64_t h, unsigned char c) { return (h ^ c) * 0x100000001b3ULL; }
    static size_t hash_end(uint64_t h) { return (size_t)(h ^ (h >> 32)); }
    /* find of a word given by its length in bytes and its hash (hash_end):
     * its bytes asked of word() (a const std::string &) only when a slot
     * holds an entry of its hash's tag, so a word the map does not hold
     * is mostly told without being made. */
    template <typename Word>
    const V *find_hashed(size_t len, size_t h, Word word) const {
        if (len > longest || entries.empty()) return nullptr;
        size_t i = index.find(h, [&](size_t k) { return entries[k].first == word(); });
        return index.taken(i) ? &entries[index.entry_at(i)].second : nullptr;
    }

  private:
    static const size_t NONE = SIZE_MAX;
    /* word's place in entries, or NONE. */
    size_t entry_of(std::string_view word) const {
        if (word.size() > longest || entries.empty()) return NONE;
        size_t i = index.find(hash_of(word), [&](size_t k) { return entries[k].first == word; });
        return index.taken(i) ? index.entry_at(i) : NONE;
    }
    static size_t hash_of(std::string_view word) {
        uint64_t h = hash_start();
        for (unsigned char c : word) h = hash_add(h, c);
        return hash_end(h);
    }
    std::vector<std::pair<std::string, V>> entries;
    FlatIndex index;
    size_t longest = 0;
};

/* A fixed set of words (the stop words). */
class WordSet {
  public:
    WordSet() = default;
    explicit WordSet(const std::unordered_set<std::string> &set) {
        for (const std::string &w : set) words.add(w, true);
    }
    bool contains(std::string_view word) const { return words.find(word) != nullptr; }
    /* contains of a word hashed as it was read (WordMap::find_hashed). */
    template <typename Word>
    bool contains_hashed(size_t len, size_t h, Word word) const {
        return words.find_hashed(len, h, word) != nullptr;
    }
    static uint64_t hash_start() { return WordMap<bool>::hash_start(); }
    static uint64_t hash_add(uint64_t h, unsigned char c) { return WordMap<bool>::hash_add(h, c); }
    static size_t hash_end(uint64_t h) { return WordMap<bool>::hash_end(h); }

  private:
    WordMap<bool> words;
};

#endif
