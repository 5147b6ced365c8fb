/* tokenise.hh -- the bulk path's own tokeniser (issue 20): the terms,
 * wdfs and positions Xapian 1.4's TermGenerator makes of a text with
 * lede's settings (engine_writer_configure: STEM_ALL with a stemmer or
 * STEM_NONE, STOP_ALL with lede's stop words, FLAG_CJK_NGRAM when
 * folding), written into a flat TermTable instead of a Xapian::Document,
 * and the spelling words, read over the same decoded characters (as
 * is the bulk path's walk for stop-word pairs, document.cc).
 *
 * Exactness is the contract: tests/unit/test_tokenise.cc compares it
 * term by term with the TermGenerator.  A text holding any CJK character
 * (Xapian's CJK ranges) is refused (index() returns false) and the caller
 * gives it to the TermGenerator itself: n-grams are rare in lede's
 * collections and not worth a second copy of Xapian's rules.
 *
 * Terms are numbered by the writer's run buffer (bulk::RunBuffer, its
 * dictionary while a run is filled): the stem cache keeps each word's
 * term ids, so a token costs one string lookup, and the spelling words
 * are counted in the same cache entries.
 *
 * The writer side's API path (writer.cc, reclean.cc) keeps the
 * TermGenerator; this serves make_flat_document, and the sample every
 * full build measures (engine_writer_measure, through index_flat_text). */
#ifndef LEDE_ENGINE_TOKENISE_HH
#define LEDE_ENGINE_TOKENISE_HH

#include <xapian.h>

#include "bulk.hh"
#include "chars.hh"
#include "flat_index.hh"
#include "stem_cache.hh"

#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace tok {

/* A document's terms in the order first seen, each with its wdf and
 * positions: what Xapian::Document's add_posting, add_term and
 * add_boolean_term make of the same calls.  Its terms are numbered by a
 * dictionary (the writer's run buffer, bulk.hh; without one, a buffer of
 * its own) and found by number: a term given as bytes is looked up there
 * once, one given by id (the tokeniser's) not at all.  Positions are
 * logged as they come (term, position) and grouped term by term into one
 * array when they are first read (positions_of, take_sorted): no vector
 * of its own for each term. */
class TermTable {
  public:
    explicit TermTable(bulk::RunBuffer *dict = nullptr)
        : own(dict ? nullptr : new bulk::RunBuffer), dict(dict ? dict : own.get()) {}
    /* A term given by its bytes (a boolean term's, mostly): its bytes
     * copied from term, not read back from the run buffer's entry. */
    bulk::FlatTerm &get(const std::string &term) {
        return get(dict->id_of(term), [&](std::string &t) { t = term; });
    }
    bulk::FlatTerm &get(uint32_t id) {
        return get(id, [&](std::string &term) { term = dict->term_of(id); });
    }
    /* The same, id's bytes written by make(std::string &) when the term
     * is new to the table: a caller holding them (the tokeniser's stem
     * cache) spares the read of the run buffer's entry and text, two
     * cache misses a term an article (issue 20). */
    template <typename Make>
    bulk::FlatTerm &get(uint32_t id, Make make) {
        bool added;
        bulk::FlatTerm &t = entry_of(id, added);
        if (added) make(t.term);
        return t;
    }
    template <typename Term>
    void add_posting(const Term &term, Xapian::termpos pos, Xapian::termcount wdf) {
        note_posting(get(term), pos, wdf);
    }
    template <typename Make>
    void add_posting(uint32_t id, Make make, Xapian::termpos pos, Xapian::termcount wdf) {
        note_posting(get(id, make), pos, wdf);
    }
    template <typename Term>
    void add_term(const Term &term, Xapian::termcount wdf) { get(term).wdf += wdf; }
    void add_boolean(const std::string &term) { get(term); }
    /* The same of each of terms, looked up together
     * (bulk::RunBuffer::ids_of): an article's pair, tier and stop pair
     * terms, its signature's and id's. */
    void add_booleans(const std::vector<std::string> &terms);
    /* Every term of doc, added as its postings would be. */
    void add_document(const Xapian::Document &doc);
    /* The terms; their positions through positions_of. */
    std::vector<bulk::FlatTerm> &terms() { return entries; }
    /* t's positions (t one of terms()), ascending and unique: valid until
     * the next add_posting. */
    std::pair<const Xapian::termpos *, const Xapian::termpos *> positions_of(const bulk::FlatTerm &t) {
        if (!grouped) group();
        return {positions.data() + t.first, positions.data() + t.first + t.count};
    }
    bulk::RunBuffer &dictionary() { return *dict; }
    /* The generation the ids are of (FlatDocument::generation): 0 with a
     * dictionary of its own, gone with the table. */
    uint32_t generation() const { return own ? 0 : dict->generation(); }
    /* A document of the terms in ascending byte order, positions
     * ascending and unique (its values and data left empty); the table is
     * left empty. */
    bulk::FlatDocument take_sorted();

  private:
    std::unique_ptr<bulk::RunBuffer> own;
    bulk::RunBuffer *dict;
    std::vector<bulk::FlatTerm> entries;
    FlatIndex index; /* by id */
    std::vector<std::pair<uint32_t, Xapian::termpos>> log; /* (entry, position), as added */
    std::vector<Xapian::termpos> positions;                /* the log grouped by entry */
    std::vector<uint32_t> ids;                             /* add_booleans' */
    bool grouped = true;
    void group();
    /* id's entry, added (its term left empty) when new. */
    bulk::FlatTerm &entry_of(uint32_t id, bool &added);
    void note_posting(bulk::FlatTerm &t, Xapian::termpos pos, Xapian::termcount wdf) {
        t.wdf += wdf;
        log.emplace_back((uint32_t)(&t - entries.data()), pos);
        grouped = false;
    }
};

/* A text as Xapian::Utf8Iterator reads it, a character at a time. */
struct Decoded {
    std::vector<unsigned> chars;
    bool cjk = false;  /* any character in Xapian's CJK ranges */
};
void decode(const std::string &text, Decoded &out);

class Tokeniser {
  public:
    /* Where the spelling words counted go (word, how many times): now
     * and then, and at flush_spelling(). */
    typedef std::function<void(const std::string &, Xapian::termcount)> SpellingSink;
    /* stem: nullptr for STEM_NONE (it is copied: a Xapian::Stem is a
     * handle); stops: nullptr or empty for no stopper.  Both must outlive
     * the tokeniser, which may serve one document after another (pos set
     * to 0 for each). */
    Tokeniser(const Xapian::Stem *stem, const std::unordered_set<std::string> *stops,
              SpellingSink spelling = SpellingSink())
        : stemmer(stem ? *stem : Xapian::Stem()), stem(stem ? &stemmer : nullptr),
          stops(stops && !stops->empty() ? stops : nullptr), sink(std::move(spelling)) {}
    /* TermGenerator::index_text (positions) or
     * index_text_without_positions of text into out; false, and nothing
     * added, for a text with CJK characters.  With spelling, also counts
     * the text's spelling words (spelling_words) for the sink: a word
     * that is the whole of a tokeniser's word through its cache entry,
     * with no lookup of its own. */
    bool index(const Decoded &text, Xapian::termcount wdf_inc, const std::string &prefix,
               bool positions, TermTable &out, bool spelling = false);
    /* Hands every spelling word counted and not yet handed to the sink:
     * the owner's to call before it reads what the sink holds (the
     * tokeniser's end does not). */
    void flush_spelling();
    /* The TermGenerator's term position (set_document makes it 0). */
    Xapian::termpos pos = 0;

  private:
    Xapian::Stem stemmer;
    const Xapian::Stem *stem;
    const std::unordered_set<std::string> *stops;
    std::string key;
    /* Words read and not yet added (index). */
    static const size_t LOOKAHEAD = 4;
    struct Pending {
        std::string word;
        size_t hash = 0;
        bool spell = false;
    };
    Pending pending[LOOKAHEAD];
    /* What each word seen gives, the stop word list and the stemmer asked
     * once (the stemmer's own cache still cost a virtual call, a lookup
     * and a copy a word, and the stop list a lookup): its stem, or that
     * it gives no term; and with each of the first PREFIXES prefixes
     * (lede's: title, standfirst, body, author), its term's id in the
     * dictionary's generation gen (NO_ID: not known yet), so that a word
     * is one lookup here and none in the tables after.  Starts again when
     * full. */
    static constexpr int PREFIXES = StemCache::PREFIXES;
    static constexpr uint32_t NO_ID = StemCache::NO_ID;
    typedef StemCache::Entry Stemmed;
    StemCache cache;
    static const size_t CACHE_MAX = 65536; /* 8 MB of buckets and the stems */
    std::vector<std::string> prefixes; /* those with a slot in Stemmed */
    SpellingSink sink;
    Stemmed &stemmed(const std::string &term, size_t hash);
    int prefix_slot(const std::string &prefix);
    void add(const std::string &term, size_t hash, Xapian::termcount wdf_inc, const std::string &prefix,
             int slot, bool positions, bool spell, TermTable &out);
};

/* Calls f(word) for each spelling word of the characters c[0, n) as
 * collect_words (document.cc) reads them: lower-cased runs of word
 * characters, 2 to 40 bytes, without digits. */
template <typename F>
void spelling_words(const unsigned *c, size_t n, F f) {
    std::string word;
    bool digit = false;
    auto flush = [&] {
        if (word.size() >= 2 && word.size() <= 40 && !digit) f(word);
        word.clear();
        digit = false;
    };
    for (size_t i = 0; i < n; i++) {
        unsigned ch = c[i];
        if (!chars::is_wordchar(ch)) {
            flush();
            continue;
        }
        if (chars::is_digit(ch)) digit = true;
        chars::append(word, chars::tolower(ch));
    }
    flush();
}

template <typename F>
void spelling_words(const Decoded &text, F f) {
    spelling_words(text.chars.data(), text.chars.size(), f);
}

}  // namespace tok

#endif
