/* language.cc -- the index language: stemmers (with a cache, stop
 * words marked for readers, words folded for a folding index's), stop
 * word lists, the pair words' list, and the two entry points that
 * answer about languages (engine_language_ok, engine_default_stopwords).
 * Makes objects for writers and readers but holds neither and reads no
 * database. */
#include "internal.hh"

#include <algorithm>
#include <sstream>

namespace {

/* English function words left out of the index (see engine.h): the ones
 * that occur in nearly every article, so they cost a large share of the
 * positions and postings and tell one article from another least. */
const char ENGLISH_STOPWORDS[] =
    "a an and are as at be been but by for from had has have he her his i "
    "if in into is it its of on or she so that the their them there these "
    "they this to was we were which who will with would you";

/* Snowball stems a word letter by letter, and indexing or making a snippet
 * stems every word of a text (a third of the instructions of a search with
 * snippets, in callgrind).  Text repeats its words, so a cache answers most
 * of them.  One per writer or reader, which belong to one thread each; it
 * starts again when full, so it stays under about ten megabytes. */
class CachedStem : public Xapian::StemImplementation {
  public:
    CachedStem(const std::string &language, const word_set &stopwords, bool fold)
        : real(language), stops(stopwords), fold(fold) {}

    std::string operator()(const std::string &word) override {
        index.make_room(entries.size(), [&](size_t k) { return hash_of(entries[k].first); });
        size_t h = hash_of(word);
        auto same = [&](size_t k) { return entries[k].first == word; };
        size_t i = index.find(h, same);
        if (index.taken(i)) return entries[index.entry_at(i)].second;
        if (entries.size() >= CACHE_MAX) {
            entries.clear();
            index.clear();
            i = index.find(h, same);
        }
        std::string plain = fold ? fold_text(word) : word;
        std::string stem = stops.count(plain) ? STOP_MARK + plain : real(plain);
        entries.emplace_back(word, stem);
        index.put(i, h, entries.size() - 1);
        return stem;
    }

    std::string get_description() const override {
        return "cached " + real.get_description();
    }

  private:
    static const size_t CACHE_MAX = 100000;
    Xapian::Stem real;
    word_set stops;
    bool fold;  /* words folded first (the text of a folding index was) */
    /* The cache: words and their stems in the order they came, found
     * through a FlatIndex (std::unordered_map's lookup was 8% of a full
     * build's CPU in perf). */
    std::vector<std::pair<std::string, std::string>> entries;
    FlatIndex index;

    static size_t hash_of(const std::string &word) { return std::hash<std::string>()(word); }
};

}  // namespace

word_set words_of(const std::string &list) {
    word_set out;
    std::istringstream in(list);
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

Xapian::Stem make_stemmer(const std::string &language, const word_set &stopwords, bool fold) {
    bool none = language.empty() || language == "none";
    if (none && !fold) return Xapian::Stem();
    return Xapian::Stem(new CachedStem(none ? "none" : language, stopwords, fold));
}

namespace {

/* Xapian's SimpleStopper with a hash set: the TermGenerator asks it about
 * every word it reads, and SimpleStopper's std::set walked some six string
 * comparisons down its tree for each.  The same words, the same answers. */
class SetStopper : public Xapian::Stopper {
  public:
    explicit SetStopper(const word_set &words) : words(words) {}
    bool operator()(const std::string &term) const override { return words.count(term) > 0; }
    std::string get_description() const override {
        return "SetStopper(" + std::to_string(words.size()) + " words)";
    }

  private:
    word_set words;
};

}  // namespace

Xapian::Stopper *make_stopper(const word_set &words) {
    return new SetStopper(words);
}

extern "C" {

int engine_language_ok(const char *lang) {
    if (!strcmp(lang, "none")) return 1;
    try {
        Xapian::Stem s(lang);
        return 1;
    } catch (...) {
        return 0;
    }
}

const char *engine_default_stopwords(const char *language) {
    if (!strcmp(language, "english") || !strcmp(language, "en")) return ENGLISH_STOPWORDS;
    return "";
}

}  // extern "C"
