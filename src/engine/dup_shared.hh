/* dup_shared.hh -- what the near-duplicate signatures and live groups
 * (duplicates.cc) share with the grouping pass over a whole index
 * (dup_grouping.cc): the signature's shape and the threshold, a signature
 * read back from its term, an article's id term and a group's key.
 * Private to the engine; what counts as a near-duplicate, and what a
 * group is, is duplicates.cc's header comment. */
#ifndef LEDE_ENGINE_DUP_SHARED_HH
#define LEDE_ENGINE_DUP_SHARED_HH

#include "internal.hh"
#include "minhash.hh"

#include <string>

namespace dup {

const unsigned DUP_HASHES = dup::MINHASH_FUNCTIONS, DUP_BANDS = 16, DUP_ROWS = 4;
/* The threshold, as equal minima of the 64: 45/64 = 0.70 (README: what
 * it groups on Reuters). */
const unsigned DUP_MIN_EQUAL = 45;
/* The signature is a boolean term, not a value: Xapian 1.4 aborts the
 * process (std::terminate) when a commit runs out of disk while it writes
 * a value stream it had to grow (a destructor of its value updater writes
 * and throws during the unwinding), which the 64-byte signature of every
 * live article made likely (tests/py/test_faults.py, a full disk). */
const char *const PREFIX_SIGNATURE = DUP_SIGNATURE_PREFIX;

/* Whether sig is a whole signature (an article of no words has none). */
bool valid_signature(const std::string &sig);
/* The signature a signature term holds ("" if none). */
std::string signature_from_term(const std::string &term);
/* A document's id term ("" if none). */
std::string qterm_of(const Xapian::Document &doc);
/* The key of the group whose leader has this id term. */
std::string group_key(const std::string &leader_qterm);

}  // namespace dup

#endif
