/* tokenise.cc -- the bulk path's tokeniser (tokenise.hh): Xapian 1.4's
 * TermGenerator word rules, read from xapian-core's
 * queryparser/termgenerator_internal.cc (1.4.22) and written again over
 * a decoded text, with lede's settings only (STEM_ALL or STEM_NONE,
 * STOP_ALL, no spelling flag); and the TermTable the terms go to.
 *
 * The rules, as the TermGenerator has them:
 *   - a word starts at a word character (Xapian::Unicode::is_wordchar)
 *     and is lower-cased (Xapian::Unicode::tolower);
 *   - ASCII capitals joined by '.' (U.S.A., with or without the last '.')
 *     make one term of two or more letters, unless a word character
 *     follows at once;
 *   - one character between two word characters joins them: ',' '.' ';'
 *     and a few others between two digits (1,000.5), an apostrophe
 *     (U+2019 and U+201B written as '), '&', U+00B7, U+05F4 and U+2027
 *     elsewhere; zero-width characters (U+200B-200D, U+2060, U+FEFF)
 *     join and leave no trace;
 *   - up to three '+' or '#' after a word are kept ("c++", "c#") unless a
 *     word character follows them ("fish+chips" is two words);
 *   - a term of more than 64 bytes is dropped, and so is a stop word,
 *     neither taking a position;
 *   - STEM_ALL gives the stem alone (an empty stem drops the term),
 *     positioned; STEM_NONE gives the word.
 * CJK text (n-grams with FLAG_CJK_NGRAM) is left to the TermGenerator.
 *
 * One string lookup a token: the word's entry in the stem cache holds its
 * term's id in the writer's run buffer (bulk.hh) for each prefix, and the
 * table, the run buffer and the spelling count all go by it. */
#include "tokenise.hh"

#include <algorithm>
#include <limits>

namespace tok {

namespace {

const size_t MAX_WORD_LENGTH = 64; /* the TermGenerator's default */
const unsigned IGNORE = std::numeric_limits<unsigned>::max();

/* Xapian's CJK::codepoint_is_cjk (cjk-tokenizer.cc). */
bool is_cjk(unsigned p) {
    if (p < 0x2E80) return false;
    return (p <= 0x2EFF) || (p >= 0x3000 && p <= 0x9FFF) || (p >= 0xA700 && p <= 0xA71F) ||
           (p >= 0xAC00 && p <= 0xD7AF) || (p >= 0xF900 && p <= 0xFAFF) ||
           (p >= 0xFE30 && p <= 0xFE4F) || (p >= 0xFF00 && p <= 0xFFEF) ||
           (p >= 0x20000 && p <= 0x2A6DF) || (p >= 0x2F800 && p <= 0x2FA1F);
}

/* ch lower-cased if a word character, else 0. */
unsigned word_char(unsigned ch) {
    return chars::is_wordchar(ch) ? chars::tolower(ch) : 0;
}

bool ascii_upper(unsigned ch) { return ch >= 'A' && ch <= 'Z'; }

bool invisible(unsigned ch) {
    return ch >= 0x200b && (ch <= 0x200d || ch == 0x2060 || ch == 0xfeff);
}

/* What joins two word characters outside numbers: itself, or ' for the
 * typographic apostrophes, IGNORE for an invisible one, 0 for none. */
unsigned infix(unsigned ch) {
    if (ch == '\'' || ch == '&' || ch == 0xb7 || ch == 0x5f4 || ch == 0x2027) return ch;
    if (ch == 0x2019 || ch == 0x201b) return '\'';
    return invisible(ch) ? IGNORE : 0;
}

/* What joins two digits. */
unsigned infix_digit(unsigned ch) {
    switch (ch) {
    case ',': case '.': case ';': case 0x037e: case 0x0589: case 0x060d:
    case 0x07f8: case 0x2044: case 0xfe10: case 0xfe13: case 0xfe14:
        return ch;
    }
    return invisible(ch) ? IGNORE : 0;
}

bool suffix(unsigned ch) { return ch == '+' || ch == '#'; }

/* An acronym at c[i] (an ASCII capital): its end, with its letters in
 * term, or 0 (term empty) when it is not one. */
size_t acronym(const unsigned *c, size_t n, size_t i, std::string &term) {
    size_t p = i;
    do {
        chars::append(term, chars::tolower(c[p++]));
    } while (p != n && c[p] == '.' && ++p != n && ascii_upper(c[p]));
    if (term.size() > 1 && (p == n || !chars::is_wordchar(c[p]))) return p;
    term.clear();
    return 0;
}

/* The word starting at c[i] (ch its lower-cased first character) into
 * term; returns where the next search starts.  simple: whether term is
 * one run of word characters, nothing joined to it or after it. */
size_t read_word(const unsigned *c, size_t n, size_t i, unsigned ch, std::string &term, bool &simple) {
    simple = true;
    while (true) {
        unsigned prev;
        do {
            chars::append(term, ch);
            prev = ch;
            if (++i == n) return i;
            ch = word_char(c[i]);
        } while (ch);
        size_t next = i + 1;
        if (next == n) break;
        unsigned next_ch = word_char(c[next]);
        if (!next_ch) break;
        unsigned join = chars::is_digit(prev) && chars::is_digit(c[next]) ? infix_digit(c[i]) : infix(c[i]);
        if (!join) break;
        if (join != IGNORE) chars::append(term, join);
        simple = false;
        ch = next_ch;
        i = next;
    }
    size_t len = term.size();
    for (unsigned count = 0; suffix(c[i]);) {
        if (++count > 3) {
            term.resize(len);
            return i;
        }
        chars::append(term, c[i]);
        if (++i == n) {
            simple = false;
            return i;
        }
    }
    if (chars::is_wordchar(c[i])) term.resize(len);
    if (term.size() != len) simple = false;
    return i;
}

/* Whether a word (lower-cased, UTF-8) is a spelling word of its own
 * (spelling_words): 2 to 40 bytes, no digit. */
bool spells(const std::string &word) {
    if (word.size() < 2 || word.size() > 40) return false;
    for (const char *p = word.data(), *end = p + word.size(); p < end;)
        if (chars::is_digit(chars::next(p, end))) return false;
    return true;
}

size_t hash_id(uint32_t id) { return (size_t)(id * UINT64_C(0x9e3779b97f4a7c15)); }

struct SortKey {
    uint64_t lead;  /* leading_bytes of the term */
    uint32_t k;     /* its entry */
};

}  // namespace

bulk::FlatTerm &TermTable::entry_of(uint32_t id, bool &added) {
    index.make_room(entries.size(), [&](size_t k) { return hash_id(entries[k].id); });
    size_t h = hash_id(id);
    size_t i = index.find(h, [&](size_t k) { return entries[k].id == id; });
    added = !index.taken(i);
    if (!added) return entries[index.entry_at(i)];
    if (entries.empty()) { /* an article's, mostly */
        entries.reserve(256);
        log.reserve(1024);
    }
    entries.emplace_back();
    entries.back().id = id;
    index.put(i, h, entries.size() - 1);
    return entries.back();
}

void TermTable::add_booleans(const std::vector<std::string> &terms) {
    ids.resize(terms.size());
    dict->ids_of(terms.data(), terms.size(), ids.data());
    for (size_t i = 0; i < terms.size(); i++) get(ids[i], [&](std::string &t) { t = terms[i]; });
}

void TermTable::add_document(const Xapian::Document &doc) {
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        bulk::FlatTerm &e = get(*t);
        e.wdf += t.get_wdf();
        uint32_t k = (uint32_t)(&e - entries.data());
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            log.emplace_back(k, *p);
        grouped = false;
    }
}

/* The log into positions, each entry's a run [first, first + count),
 * sorted and unique (a position given twice is one, as in a
 * Xapian::Document). */
void TermTable::group() {
    for (bulk::FlatTerm &t : entries) t.count = 0;
    for (const auto &e : log) entries[e.first].count++;
    uint32_t at = 0;
    for (bulk::FlatTerm &t : entries) {
        t.first = at;
        at += t.count;
        t.count = 0;
    }
    positions.resize(log.size());
    for (const auto &e : log) {
        bulk::FlatTerm &t = entries[e.first];
        positions[t.first + t.count++] = e.second;
    }
    for (bulk::FlatTerm &t : entries) {
        Xapian::termpos *b = positions.data() + t.first, *e = b + t.count;
        if (std::is_sorted(b, e) && std::adjacent_find(b, e) == e) continue;
        std::sort(b, e);
        t.count = (uint32_t)(std::unique(b, e) - b);
    }
    grouped = true;
}

bulk::FlatDocument TermTable::take_sorted() {
    if (!grouped) group();
    /* Sorted by number, then moved once: sorting the terms themselves
     * moved strings at every swap (3% of a build).  Each number carries
     * its term's first bytes as an integer that orders as they do, so
     * most comparisons are one integer's, not a string's (its memcmp, on
     * the term's bytes wherever they are, was 2% of a build). */
    std::vector<SortKey> order(entries.size());
    for (uint32_t k = 0; k < order.size(); k++) order[k] = SortKey{bulk::leading_bytes(entries[k].term), k};
    std::sort(order.begin(), order.end(), [&](const SortKey &a, const SortKey &b) {
        if (a.lead != b.lead) return a.lead < b.lead;
        return entries[a.k].term < entries[b.k].term;
    });
    bulk::FlatDocument doc;
    doc.terms.reserve(entries.size());
    for (const SortKey &o : order) doc.terms.push_back(std::move(entries[o.k]));
    doc.positions.swap(positions);
    entries.clear();
    index.clear();
    log.clear();
    return doc;
}

void decode(const std::string &text, Decoded &out) {
    out.chars.clear();
    out.cjk = false;
    out.chars.reserve(text.size());
    for (const char *p = text.data(), *end = p + text.size(); p < end;) {
        unsigned ch = chars::next(p, end);
        if (ch >= 0x2E80 && is_cjk(ch)) out.cjk = true;
        out.chars.push_back(ch);
    }
}

Tokeniser::Stemmed &Tokeniser::stemmed(const std::string &term, size_t hash) {
    if (cache.size() >= CACHE_MAX) {
        flush_spelling();
        cache.release();
    }
    bool added;
    Stemmed &s = cache.get(term, hash, added);
    if (added) {
        if (stops && stops->count(term)) s.none = true;
        else if (stem) cache.set_stem(s, (*stem)(term));
        else cache.set_stem(s, term);
        if (!s.none && !s.stem_len) s.none = true; /* the TermGenerator drops an empty stem */
        s.spells = spells(term);
    }
    return s;
}

void Tokeniser::flush_spelling() {
    if (!sink) return;
    cache.each([&](const std::string &word, Stemmed &e) {
        if (!e.spelled) return;
        sink(word, e.spelled);
        e.spelled = 0;
    });
}

int Tokeniser::prefix_slot(const std::string &prefix) {
    for (size_t k = 0; k < prefixes.size(); k++)
        if (prefixes[k] == prefix) return (int)k;
    if ((int)prefixes.size() == PREFIXES) return -1;
    prefixes.push_back(prefix);
    return (int)prefixes.size() - 1;
}

void Tokeniser::add(const std::string &term, size_t hash, Xapian::termcount wdf_inc,
                    const std::string &prefix, int slot, bool positions, bool spell, TermTable &out) {
    if (term.size() > MAX_WORD_LENGTH) return;
    Stemmed &s = stemmed(term, hash);
    if (spell && s.spells) s.spelled++;
    if (s.none) return;
    bulk::RunBuffer &dict = out.dictionary();
    if (s.gen != dict.generation()) { /* ids of another run or table: forgotten */
        s.gen = dict.generation();
        std::fill(s.id, s.id + PREFIXES, NO_ID);
    }
    uint32_t id = slot >= 0 ? s.id[slot] : NO_ID;
    if (id == NO_ID) {
        key = prefix;
        cache.append_stem(s, key);
        id = dict.id_of(key);
        if (slot >= 0) s.id[slot] = id;
    }
    /* The term's bytes from the stem's, at hand in this cache line and
     * the arena, not from the run buffer (id's term is prefix + stem). */
    auto make = [&](std::string &t) {
        t.reserve(prefix.size() + s.stem_len);
        t = prefix;
        cache.append_stem(s, t);
    };
    if (positions) out.add_posting(id, make, ++pos, wdf_inc);
    else out.get(id, make).wdf += wdf_inc;
}

/* A word's spelling words: when it is one run of word characters, the
 * word itself, counted in its cache entry (add); else those of its runs
 * (an acronym's are single letters: none), handed on at once.  A word is
 * added once the LOOKAHEAD after it are read, its cache bucket asked for
 * meanwhile (StemCache::prefetch: a miss, most of a lookup's time, and
 * reading one word was too short to hide it). */
bool Tokeniser::index(const Decoded &text, Xapian::termcount wdf_inc, const std::string &prefix,
                      bool positions, TermTable &out, bool spelling) {
    if (text.cjk) return false;
    spelling = spelling && sink;
    const unsigned *c = text.chars.data();
    size_t n = text.chars.size(), i = 0, read = 0, added = 0;
    int slot = prefix_slot(prefix);
    auto add_next = [&] {
        Pending &p = pending[added++ % LOOKAHEAD];
        add(p.word, p.hash, wdf_inc, prefix, slot, positions, p.spell, out);
    };
    while (true) {
        unsigned ch = 0;
        while (i < n && !(ch = word_char(c[i]))) i++;
        if (i == n) break;
        if (read - added == LOOKAHEAD) add_next();
        Pending &p = pending[read++ % LOOKAHEAD];
        p.word.clear();
        size_t start = i, end = ascii_upper(c[i]) ? acronym(c, n, i, p.word) : 0;
        bool simple = false;
        i = end ? end : read_word(c, n, i, ch, p.word, simple);
        if (spelling && !simple && !end)
            spelling_words(c + start, i - start, [&](const std::string &w) { sink(w, 1); });
        p.hash = StemCache::hash(p.word);
        p.spell = spelling && simple;
        cache.prefetch(p.hash);
    }
    while (added < read) add_next();
    return true;
}

}  // namespace tok
