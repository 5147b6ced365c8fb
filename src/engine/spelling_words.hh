/* spelling_words.hh -- the spelling words a document gave the spelling
 * table, read back from it and its stored article: what a replace or a
 * delete takes back (writer.cc; bulk_writer.cc from its spool), what
 * a re-clean's remade document changes (reclean.cc), and the words a
 * shard's writer holds for its front (engine_words).  Declarations only;
 * nothing outside the engine includes it. */
#ifndef LEDE_ENGINE_SPELLING_WORDS_HH
#define LEDE_ENGINE_SPELLING_WORDS_HH

#include "internal.hh"

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

/* Spelling words with their counts (not "Words": duplicates.cc has a
 * type of that name, a document's folded words). */
typedef std::unordered_map<std::string, Xapian::termcount> SpellingCounts;

/* A text's body terms as the writer makes them, in order, each with its
 * position less the first one's (stop words leave no gap). */
typedef std::vector<std::pair<Xapian::termpos, std::string>> TermRun;
TermRun term_run(engine_writer *w, const std::string &text);

/* The spelling words text gives (as folded, collect_words' rule), counted
 * into words. */
void words_of(const engine_writer *w, const std::string &text, SpellingCounts &words);

/* The spelling words the body's segments (its lines and the spans' pieces)
 * that old indexed gave it, into words: old's body terms, in position
 * order, are those segments' terms one after the other. */
void indexed_segment_words(engine_writer *w, const char *body, const boiler_span *spans, size_t n,
                           const Xapian::Document &old, SpellingCounts &words);

/* What the writer keeps to take words back: the index's decoder
 * (lede.dict, read when first needed) and the words to take back at the
 * next flush. */
struct SpellingBack {
    docstore *ds = nullptr;
    bool loaded = false;
    SpellingCounts gone;
    size_t gone_bytes = 0; /* word_bytes of each word of gone */
    SpellingBack() = default;
    SpellingBack(const SpellingBack &) = delete;
    SpellingBack &operator=(const SpellingBack &) = delete;
    ~SpellingBack() { docstore_free(ds); }
};

/* The words document did of w's database gave the spelling table (none
 * when w keeps no spelling data, or when its stored article cannot be
 * read: its words stay); note_taken_back notes them
 * to be taken back at the next flush_words, once the document is gone. */
SpellingCounts given_words(engine_writer *w, Xapian::docid did);
void note_taken_back(engine_writer *w, const SpellingCounts &words);
/* The words a bulk writer's stored article data gave when it was put
 * (bulk_writer.cc): its title's, standfirst's, and its body's less the
 * boilerplate spans cut (cut; NULL: those the writer's table would cut
 * now); none when the data cannot be decoded or w keeps no spelling
 * data. */
SpellingCounts stored_words(engine_writer *w, const std::string &data, const std::vector<boiler_span> *cut);
/* How many of word's are noted to be taken back, and the memory the
 * noted words take (a bulk writer counts it in its budget); forgets
 * them (a bulk writer's, once taken out of its words). */
Xapian::termcount taken_back(const engine_writer *w, const std::string &word);
size_t taken_back_bytes(const engine_writer *w);
/* What noting words (note_taken_back) would add to taken_back_bytes. */
size_t noting_bytes(const engine_writer *w, const SpellingCounts &words);
void forget_taken_back(engine_writer *w);
/* Forgets the decoder: the index's "lede.dict" is being set. */
void forget_decoder(engine_writer *w);
/* Takes the noted words out of the spelling table (after flush_words
 * added the new ones: a word added and taken back in one batch ends as it
 * was). */
void remove_taken_back(engine_writer *w);
/* Moves w's noted words into gone (engine_writer_take_words). */
void take_taken_back(engine_writer *w, SpellingCounts &gone);

/* Spelling words taken out of a shard's writer until its commit succeeds
 * (engine.h): those it collected, and those it was to take back; one
 * entry a word each, so that joining them sums counts. */
struct engine_words {
    SpellingCounts added;
    SpellingCounts gone;
};

#endif
