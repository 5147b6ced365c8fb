/* stem_cache.hh -- the bulk tokeniser's word cache (tokenise.hh): for
 * each word seen, its stem or that it gives no term, its term's id in the
 * run buffer for each of four prefixes, and its spelling count; one
 * 64-byte bucket a word, found in place by linear probing, the word's
 * bytes in the bucket (up to INLINE of them).  A lookup is then one cache
 * line, where a StringTable's (flat_index.hh) was two: its slot, then its
 * entry, each a miss on a table of 65,536 words (6.4% of a Reuters build
 * in perf).  From 2 MB the buckets are on huge pages (where the kernel
 * gives them), and the tokeniser asks for a word's bucket a few words
 * ahead (prefetch): together the lookup fell to about 1.5% of a build.
 * Stems, and words longer than INLINE, live in one arena.
 *
 * Owns only the layout: what a stem or an id is, when the cache starts
 * again and where spelling counts go are the tokeniser's. */
#ifndef LEDE_ENGINE_STEM_CACHE_HH
#define LEDE_ENGINE_STEM_CACHE_HH

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <sys/mman.h>

namespace tok {

class StemCache {
  public:
    static constexpr int PREFIXES = 4;
    static constexpr uint32_t NO_ID = 0xffffffff;
    static constexpr size_t INLINE = 27;
    static constexpr size_t HUGE_PAGE = size_t(2) << 20;

    struct alignas(64) Entry {
        uint32_t tag;      /* the top half of the word's hash */
        uint32_t stem_at;  /* its stem: arena bytes [stem_at, stem_at + stem_len) */
        uint32_t gen;      /* the run buffer generation id[] are of */
        uint32_t id[PREFIXES];
        uint32_t spelled;  /* counted as a spelling word, not yet handed on */
        uint16_t stem_len;
        uint8_t len;       /* the word's bytes; 0: an empty bucket */
        bool none;         /* the word gives no term */
        bool spells;       /* the word is a spelling word */
        char key[INLINE];  /* the word; longer, its arena offset */
    };
    static_assert(sizeof(Entry) == 64, "a bucket is one cache line");

    /* word's entry (word: 1 to 255 bytes), a new one (added true, zero
     * but for its key) the first time; valid until the next get or
     * clear. */
    Entry &get(const std::string &word, bool &added) { return get(word, hash(word), added); }
    /* The same, h being hash(word). */
    Entry &get(const std::string &word, size_t h, bool &added) {
        if ((count + 1) * 2 > size_of_buckets) grow();
        size_t mask = size_of_buckets - 1;
        uint32_t tag = (uint32_t)((uint64_t)h >> 32);
        for (size_t i = h & mask;; i = (i + 1) & mask) {
            Entry &e = buckets.get()[i];
            if (!e.len) {
                added = true;
                count++;
                e.tag = tag;
                e.len = (uint8_t)word.size();
                if (word.size() <= INLINE) memcpy(e.key, word.data(), word.size());
                else put_long_key(e, word);
                return e;
            }
            if (e.tag == tag && e.len == word.size() && !memcmp(key_of(e), word.data(), word.size())) {
                added = false;
                return e;
            }
        }
    }

    static size_t hash(const std::string &word) { return hash_of(word.data(), word.size()); }
    /* Asks the CPU for the bucket where a word of hash h is looked for
     * first: the tokeniser's lookup of a word then finds it in the cache
     * while it reads the next word (the one miss a lookup was). */
    void prefetch(size_t h) const {
        if (size_of_buckets) __builtin_prefetch(buckets.get() + (h & (size_of_buckets - 1)));
    }

    void set_stem(Entry &e, const std::string &stem) {
        e.stem_at = (uint32_t)arena.size();
        e.stem_len = (uint16_t)stem.size();
        arena += stem;
    }
    /* e's stem appended to out. */
    void append_stem(const Entry &e, std::string &out) const { out.append(arena, e.stem_at, e.stem_len); }

    size_t size() const { return count; }

    /* f(word, entry) for each entry. */
    template <typename F>
    void each(F f) {
        for (Entry *e = buckets.get(), *end = e + size_of_buckets; e < end; e++)
            if (e->len) f(std::string(key_of(*e), e->len), *e);
    }

    /* Every entry forgotten and the memory freed. */
    void release() {
        buckets.reset();
        size_of_buckets = 0;
        std::string().swap(arena);
        count = 0;
    }

  private:
    struct Free {
        void operator()(Entry *p) const { free(p); }
    };
    std::unique_ptr<Entry, Free> buckets;
    size_t size_of_buckets = 0;
    std::string arena;
    size_t count = 0;

    static size_t hash_of(const char *p, size_t n) { return std::hash<std::string_view>()(std::string_view(p, n)); }

    const char *key_of(const Entry &e) const {
        if (e.len <= INLINE) return e.key;
        uint32_t at;
        memcpy(&at, e.key, sizeof at);
        return arena.data() + at;
    }
    void put_long_key(Entry &e, const std::string &word) {
        uint32_t at = (uint32_t)arena.size();
        arena += word;
        memcpy(e.key, &at, sizeof at);
    }
    /* n empty buckets; from 2 MB up, on huge pages where the kernel
     * gives them (THP "madvise"): a word's bucket is then rarely a TLB
     * miss as well as a cache miss. */
    static Entry *allocate(size_t n) {
        size_t bytes = n * sizeof(Entry);
        size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : alignof(Entry);
        void *p = aligned_alloc(align, bytes); /* bytes: a power of two, at least align */
        if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        if (align == HUGE_PAGE) madvise(p, bytes, MADV_HUGEPAGE); /* advice: its failure is harmless */
#endif
        memset(p, 0, bytes);
        return static_cast<Entry *>(p);
    }
    /* Twice the buckets (1,024 at first), every entry placed again. */
    void grow() {
        size_t n = std::max<size_t>(1024, size_of_buckets * 2), mask = n - 1;
        std::unique_ptr<Entry, Free> old(allocate(n));
        old.swap(buckets);
        std::swap(n, size_of_buckets);
        for (const Entry *e = old.get(), *end = e + n; e < end; e++) {
            if (!e->len) continue;
            size_t i = hash_of(key_of(*e), e->len) & mask;
            while (buckets.get()[i].len) i = (i + 1) & mask;
            buckets.get()[i] = *e;
        }
    }
};

}  // namespace tok

#endif
