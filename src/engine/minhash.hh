/* minhash.hh -- the near-duplicate signature's minima (minhash.cc), kept
 * apart from duplicates.cc so that its ways (one at a time, AVX2, AVX-512)
 * can be tested against one another (tests/unit/test_minhash.cc).
 * Pure arithmetic: no Xapian, no allocation. */
#ifndef LEDE_ENGINE_MINHASH_HH
#define LEDE_ENGINE_MINHASH_HH

#include <stddef.h>
#include <stdint.h>

namespace dup {

/* The hash functions of a signature: minima a signature. */
const unsigned MINHASH_FUNCTIONS = 64;

/* How the minima are computed: every way gives the same minima. */
enum MinhashWay { MINHASH_SCALAR, MINHASH_AVX2, MINHASH_AVX512 };

/* The fastest way this CPU has, or MINHASH_SCALAR when the environment
 * sets LEDE_MINHASH_SCALAR (tests: the ways give one index); read once. */
MinhashWay minhash_best_way();
/* Whether this CPU (and this build) can run way. */
bool minhash_way_runs(MinhashWay way);

/* mins[k] = min(mins[k], lede_hash_final(h ^ minhash_seed(k))) over the
 * n shingle hashes h, for k < MINHASH_FUNCTIONS; by the best way, or by
 * the one given (which must run: minhash_way_runs). */
void minhash(const uint64_t *hashes, size_t n, uint64_t *mins);
void minhash_by(MinhashWay way, const uint64_t *hashes, size_t n, uint64_t *mins);

}  // namespace dup

#endif
