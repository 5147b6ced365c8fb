/* test_minhash.cc -- src/engine/minhash.hh: every way this CPU runs (AVX2
 * on this machine and CI's, AVX-512 where there is one) must give the
 * scalar loop's minima, bit for bit, whatever the number of shingles (none,
 * one, fewer than a vector's lanes, many) and the minima it starts from;
 * a way the CPU lacks is skipped, and said so.  The near-duplicate
 * signature rests on it (duplicates.cc): another minimum would be another
 * index.  tests/sh/test_index_bulk.sh compares whole builds the same way
 * (LEDE_MINHASH_SCALAR). */
#include "minhash.hh"
#include "unit.h"

#include <stdint.h>

#include <vector>

namespace {

/* A splitmix64 stream: hashes with every bit set somewhere, and the
 * top bit in half of them (where a signed compare would go wrong). */
uint64_t next_random(uint64_t &state) {
    uint64_t z = (state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

const char *way_name(dup::MinhashWay way) {
    return way == dup::MINHASH_AVX2 ? "AVX2" : way == dup::MINHASH_AVX512 ? "AVX-512" : "scalar";
}

/* way's minima against the scalar loop's, for shingle counts 0 .. 300,
 * from UINT64_MAX and, every third count, from minima already low. */
void check_way(dup::MinhashWay way) {
    if (!dup::minhash_way_runs(way)) {
        printf("# %s: this CPU does not run it; skipped\n", way_name(way));
        return;
    }
    uint64_t state = 42;
    unsigned differ = 0, cases = 0;
    for (size_t n = 0; n <= 300; n++) {
        std::vector<uint64_t> hashes(n);
        for (uint64_t &h : hashes) h = next_random(state);
        uint64_t want[dup::MINHASH_FUNCTIONS], got[dup::MINHASH_FUNCTIONS];
        for (unsigned k = 0; k < dup::MINHASH_FUNCTIONS; k++)
            want[k] = n % 3 ? UINT64_MAX : next_random(state) >> (k % 4);
        memcpy(got, want, sizeof got);
        dup::minhash_by(dup::MINHASH_SCALAR, hashes.data(), n, want);
        dup::minhash_by(way, hashes.data(), n, got);
        differ += memcmp(got, want, sizeof got) != 0;
        cases++;
    }
    CHECK(differ == 0, "%s: the scalar minima in %u of %u cases", way_name(way), cases - differ, cases);
}

/* The scalar loop itself: one shingle's minima are its 64 hashes, unequal. */
void check_scalar() {
    uint64_t h = 12345, mins[dup::MINHASH_FUNCTIONS];
    for (uint64_t &m : mins) m = UINT64_MAX;
    dup::minhash_by(dup::MINHASH_SCALAR, &h, 1, mins);
    unsigned distinct = 0;
    for (unsigned i = 0; i < dup::MINHASH_FUNCTIONS; i++) {
        bool seen = false;
        for (unsigned j = 0; j < i; j++) seen |= mins[j] == mins[i];
        distinct += !seen && mins[i] != UINT64_MAX;
    }
    CHECK(distinct == dup::MINHASH_FUNCTIONS, "one shingle: 64 distinct minima (%u)", distinct);
}

}  // namespace

int main() {
    check_scalar();
    check_way(dup::MINHASH_AVX2);
    check_way(dup::MINHASH_AVX512);
    CHECK(dup::minhash_way_runs(dup::minhash_best_way()), "the best way (%s) runs here",
          way_name(dup::minhash_best_way()));
    return unit_exit();
}
