/* prefix_terms.hh -- what prefix_terms.cc gives the rest of the engine:
 * reading "lede.prefixes", the prefix terms a document gets (both writer
 * paths), the sample they are chosen from, and the term a wildcard reads
 * instead of its words (wildcards.cc).  Declarations only; nothing
 * outside the engine includes it. */
#ifndef LEDE_ENGINE_PREFIX_TERMS_HH
#define LEDE_ENGINE_PREFIX_TERMS_HH

#include "internal.hh"

/* Word prefixes chosen from a sample are this many bytes long. */
const size_t PREFIX_MIN_LEN = 3, PREFIX_MAX_LEN = 5;

/* The prefix words of "lede.prefixes" (none in an index made before it). */
PrefixSet prefixes_of(const settings &s);
/* The same, of space-separated words. */
PrefixSet prefixes_of(const std::string &words);
/* Adds XW<field><prefix> to doc, its wdf the sum of the (baked) wdfs of
 * doc's words of that field starting with that prefix, for each prefix
 * word some word of a text field starts with; and the boolean term
 * XTXW<prefix> when the sum over the three fields reaches the threshold
 * tiers has for XW<prefix> (prefix_tier_terms, tiers.cc). */
void add_prefix_terms(const PrefixSet &prefixes, const TierWords &tiers, Xapian::Document &doc);
/* The same for the bulk path's flat table (tokenise.hh). */
namespace tok { class TermTable; }
void add_prefix_terms(const PrefixSet &prefixes, const TierWords &tiers, tok::TermTable &table);
/* Counts the byte prefixes of an article's body words (its unprefixed
 * terms, each once) into w's sample (engine_writer_measure). */
void sample_prefixes(engine_writer *w, const std::vector<std::string_view> &words);
/* The prefix term that stands for pattern ("comp", "Scomp": a wildcard
 * of a text field) in r's index, or "" when it has none. */
std::string prefix_term_for(const engine_reader *r, const std::string &pattern);

#endif
