/* minhash.cc -- the near-duplicate signature's minima (minhash.hh): for
 * each of 64 hash functions, the least hash of an article's shingles.
 * Three ways to one answer: one hash at a time, and where the CPU has
 * them, AVX2 (4 lanes of 64 bits) and AVX-512 (8 lanes), chosen once at
 * run time.  Owns only the arithmetic: the shingles and what the minima
 * become (a signature, its bands) are duplicates.cc's.
 *
 * Cost: 64 murmur finalisations a shingle were 7% of a full build's CPU
 * (issue 20, one at a time).  The AVX2 way on this 2-core EPYC
 * (2026-12-06, a throwaway benchmark of 200-shingle articles): 2.2-2.5x
 * faster than the scalar loop.  AVX2 has no 64-bit multiply or unsigned
 * 64-bit compare: the compiler makes the multiply of three vpmuludq (the
 * low halves' product and the two cross products shifted up) and the
 * minimum a sign-flipped vpcmpgtq and a blend; written with GCC's vector
 * types, as the AVX-512 way is, the compiler's code was as fast as the
 * same steps written with intrinsics. */
#include "minhash.hh"

#include "../util.h"

#include <stdlib.h>

namespace dup {

namespace {

uint64_t minhash_seed(unsigned i) {
    return (uint64_t)(i + 1) * UINT64_C(0x9E3779B97F4A7C15);
}

void minhash_scalar(const uint64_t *hashes, size_t n, uint64_t *mins) {
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < MINHASH_FUNCTIONS; k++) {
            uint64_t v = lede_hash_final(hashes[i] ^ minhash_seed(k));
            if (v < mins[k]) mins[k] = v;
        }
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define LEDE_MINHASH_WIDE 1

/* lede_hash_final lane-wise, then the lane-wise unsigned minimum, V a
 * vector of LANES uint64_t: inlined into each target's function below,
 * so that it is compiled for that target. */
template <typename V, unsigned LANES>
__attribute__((always_inline)) inline void minhash_lanes(const uint64_t *hashes, size_t n, uint64_t *mins) {
    for (unsigned j = 0; j < MINHASH_FUNCTIONS; j += LANES) {
        V seed, min;
        for (unsigned l = 0; l < LANES; l++) {
            seed[l] = minhash_seed(j + l);
            min[l] = mins[j + l];
        }
        for (size_t i = 0; i < n; i++) {
            V v = seed ^ hashes[i];
            v ^= v >> 33;
            v *= 0xff51afd7ed558ccdULL;
            v ^= v >> 33;
            v *= 0xc4ceb9fe1a85ec53ULL;
            v ^= v >> 33;
            min = v < min ? v : min;
        }
        for (unsigned l = 0; l < LANES; l++) mins[j + l] = min[l];
    }
}

typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef uint64_t u64x8 __attribute__((vector_size(64)));

__attribute__((target("avx2")))
void minhash_avx2(const uint64_t *hashes, size_t n, uint64_t *mins) {
    minhash_lanes<u64x4, 4>(hashes, n, mins);
}

__attribute__((target("avx512f,avx512dq")))
void minhash_avx512(const uint64_t *hashes, size_t n, uint64_t *mins) {
    minhash_lanes<u64x8, 8>(hashes, n, mins);
}
#endif

MinhashWay find_best_way() {
    if (getenv("LEDE_MINHASH_SCALAR")) return MINHASH_SCALAR;
    if (minhash_way_runs(MINHASH_AVX512)) return MINHASH_AVX512;
    if (minhash_way_runs(MINHASH_AVX2)) return MINHASH_AVX2;
    return MINHASH_SCALAR;
}

}  // namespace

bool minhash_way_runs(MinhashWay way) {
    switch (way) {
    case MINHASH_SCALAR:
        return true;
#ifdef LEDE_MINHASH_WIDE
    case MINHASH_AVX2:
        return __builtin_cpu_supports("avx2");
    case MINHASH_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#endif
    default:
        return false;
    }
}

MinhashWay minhash_best_way() {
    static const MinhashWay best = find_best_way();
    return best;
}

void minhash_by(MinhashWay way, const uint64_t *hashes, size_t n, uint64_t *mins) {
    switch (way) {
#ifdef LEDE_MINHASH_WIDE
    case MINHASH_AVX2:
        return minhash_avx2(hashes, n, mins);
    case MINHASH_AVX512:
        return minhash_avx512(hashes, n, mins);
#endif
    default:
        return minhash_scalar(hashes, n, mins);
    }
}

void minhash(const uint64_t *hashes, size_t n, uint64_t *mins) {
    minhash_by(minhash_best_way(), hashes, n, mins);
}

}  // namespace dup
