/* document.cc -- making a Xapian document of an article (the index
 * format in engine.h): its id term, the terms of its fields, formats 3
 * and 4's baked term frequencies, pair terms and tier terms, the pair terms of
 * adjacent stop words, its values and stored data, and the words it
 * gives the spelling dictionary.  Writes nothing to a database itself:
 * writer.cc stores what this makes.  The bulk path (bulk_writer.cc) gets
 * the same as a flat table (make_flat_document), its text read by lede's
 * own tokeniser (tokenise.cc) in place of the TermGenerator. */
#include "internal.hh"
#include "prefix_terms.hh"
#include "tiers.hh"
#include "boilerplate.hh"
#include "ranking.hh"
#include "chars.hh"
#include "tokenise.hh"
#include "bulk_writer.hh"
#include "spelling_words.hh"
#include "../date.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <string_view>

/* Words for the spelling dictionary: lower-cased runs of word characters,
 * 2 to 40 bytes, without digits (numbers make poor suggestions and would
 * fill the table); the rule is tok::spelling_words', which the bulk path
 * runs over the text it has decoded already. */
void collect_words(engine_writer *w, const char *text) {
    tok::Decoded d;
    tok::decode(text, d);
    tok::spelling_words(d, [&](const std::string &word) { count_word(w, word, 1); });
}

namespace {

/* A format 3 posting's impact: BM25's term-frequency part for wdf in a
 * document of length len, (k1 + 1) wdf / (K + wdf) with
 * K = k1 ((1 - b) + b len / pivot), scaled from [0, k1 + 1) to
 * [1, IMPACT_MAX] and rounded. */
Xapian::termcount impact_of(Xapian::termcount wdf, double len, double pivot) {
    double k = BM25_K1 * length_norm(len, pivot);
    double impact = std::round(IMPACT_MAX * wdf / (k + wdf));
    return impact < 1 ? 1 : (Xapian::termcount)impact;
}

/* An article's pair terms, the one walk of both paths' add_pairs: the
 * positions of each term whose word the rule may pair (note), sorted by
 * field, then a pair term for each two adjacent positions of one field
 * whose words the rule pairs (terms): what an exact phrase of them would
 * match, found without reading positions (pairs_for).  A term's word is
 * looked up in the rule once, and its positions refer to it (a view of
 * the term, which must outlive terms(), and its rule entry): a copy of
 * the word a position and two lookups a pair were most of its time. */
class PairFinder {
  public:
    explicit PairFinder(const PairRule &rule) : rule(rule) {}
    template <class It> void note(std::string_view term, It pos, It end) {
        size_t plen = prefix_length(term);
        const PairRule::Word *word = rule.find(term.substr(plen));
        if (!word) return;
        std::vector<At> &at = field(term.substr(0, plen));
        for (; pos != end; ++pos) at.push_back(At{*pos, term.substr(plen), word});
    }
    std::vector<std::string> terms() {
        std::vector<std::string> out;
        for (Field &f : fields) {
            std::sort(f.at.begin(), f.at.end(), [](const At &a, const At &b) {
                return a.pos != b.pos ? a.pos < b.pos : a.word < b.word;
            });
            for (size_t i = 0; i + 1 < f.at.size(); i++) {
                const At &a = f.at[i], &b = f.at[i + 1];
                if (b.pos == a.pos + 1 && rule.pairs(*a.rule, *b.rule))
                    out.push_back(pair_term(f.prefix, std::string(a.word), std::string(b.word)));
            }
        }
        return out;
    }

  private:
    struct At {
        Xapian::termpos pos;
        std::string_view word;
        const PairRule::Word *rule;
    };
    struct Field {
        std::string prefix;
        std::vector<At> at;
    };
    const PairRule &rule;
    std::vector<Field> fields; /* a handful: title, standfirst, body, author */
    std::vector<At> &field(std::string_view prefix) {
        for (Field &f : fields)
            if (f.prefix == prefix) return f.at;
        fields.push_back(Field{std::string(prefix), {}});
        return fields.back().at;
    }
};

/* Adds doc's pair terms (PairFinder). */
void add_pairs(const PairRule &rule, Xapian::Document &doc) {
    if (rule.empty()) return;
    PairFinder finder(rule);
    std::deque<std::string> kept; /* the terms the finder refers to; a deque never moves them */
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        kept.push_back(*t);
        finder.note(kept.back(), t.positionlist_begin(), t.positionlist_end());
    }
    for (const std::string &p : finder.terms()) doc.add_boolean_term(p);
}

/* Replaces each term's raw wdf in doc with what the format keeps (an
 * impact, a scaled frequency); positions stay.  A baked wdf is nearly
 * always the larger (format 4 scales by TF_SCALE), and raising a term's
 * wdf is one lookup: rebuilding every term, position by position (as
 * this did), was a second pass of the TermGenerator's map work.  A lowered
 * term's positions are read in the walk itself: a document's term list
 * skips forward one term at a time, so looking each up again made a long
 * article's lowered terms quadratic (a 400 KB PUT took minutes). */
void bake_tf(Xapian::Document &doc, int format, double pivot) {
    double len = 0;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) len += t.get_wdf();
    struct lowered {
        std::string term;
        Xapian::termcount wdf;
        std::vector<Xapian::termpos> positions;
    };
    std::vector<std::pair<std::string, Xapian::termcount>> raised;
    std::vector<lowered> lower;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        Xapian::termcount wdf = t.get_wdf();
        Xapian::termcount baked = format == 3 ? impact_of(wdf, len, pivot) : tf_of(wdf, len, pivot);
        if (baked > wdf) raised.emplace_back(*t, baked - wdf);
        else if (baked < wdf) /* the term again, positions and all, once the walk is over */
            lower.push_back({*t, baked, {t.positionlist_begin(), t.positionlist_end()}});
    }
    for (const auto &t : raised) doc.add_term(t.first, t.second);
    for (const lowered &t : lower) {
        doc.remove_term(t.term);
        doc.add_term(t.term, t.wdf);
        for (Xapian::termpos pos : t.positions) doc.add_posting(t.term, pos, 0);
    }
}

}  // namespace

Xapian::termcount tf_of(Xapian::termcount wdf, double len, double pivot) {
    double tf = std::round(TF_SCALE * wdf / length_norm(len, pivot));
    return tf < 1 ? 1 : tf > 4e9 ? 4000000000u : (Xapian::termcount)tf;
}

std::string id_term(const char *id) {
    std::string t = "Q";
    t += id;
    if (t.size() <= MAX_TERM) return t;
    char hex[17];
    lede_hex64(lede_hash(id, strlen(id)), hex);
    return std::string("Q#") + hex;
}

std::string fingerprint_bytes(uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; i--) {
        s[i] = (char)(v & 0xff);
        v >>= 8;
    }
    return s;
}

/* Hands the collected words to Xapian, which writes them at commit, and
 * then takes back those of the documents replaced or deleted. */
void flush_words(engine_writer *w) {
    for (const auto &kv : w->words) w->db.add_spelling(kv.first, kv.second);
    clear_words(w);
    remove_taken_back(w);
}

/* A std::map node (the glass writer's: 32 bytes of tree links, the string
 * and the count, 80 with malloc's header) and a few bytes of slack; an
 * entry of w->words is 40 bytes with 16 to 32 of slots, and its vector
 * may hold up to twice its entries while it grows.  A word of more than
 * 15 bytes has its bytes on the heap too. */
size_t word_bytes(const std::string &word) {
    return 96 + (word.size() > 15 ? (word.size() + 24) & ~(size_t)15 : 0);
}

void count_word(engine_writer *w, const std::string &word, Xapian::termcount n) {
    bool added;
    w->words.get(word, added) += n;
    if (added) w->words_bytes += word_bytes(word);
}

void clear_words(engine_writer *w) {
    w->words.release();
    w->words_bytes = 0;
}

namespace {

/* An article's texts as its terms are made of them: folded in a folding
 * index (fold.cc), once for the terms and the spelling words. */
struct IndexedText {
    std::string title, standfirst, body, author;
    bool has_title, has_standfirst, has_body, has_author;
    IndexedText(const engine_writer *w, const article *a)
        : title(of(w, a->title)), standfirst(of(w, a->standfirst)),
          body(boiler_indexed_body(const_cast<engine_writer *>(w), a)),
          author(boiler_indexed_author(const_cast<engine_writer *>(w), a)), has_title(a->title),
          has_standfirst(a->standfirst), has_body(a->body), has_author(!author.empty()) {}

  private:
    static std::string of(const engine_writer *w, const char *text) {
        if (!text) return std::string();
        return w->fold ? fold_text(text) : std::string(text);
    }
};

void index_texts(engine_writer *w, const IndexedText &t, Xapian::Document &doc) {
    w->tg.set_document(doc);
    if (t.has_title) w->tg.index_text(t.title, 3, PREFIX_TITLE);
    if (t.has_standfirst) w->tg.index_text(t.standfirst, 2, PREFIX_STANDFIRST);
    if (w->fields_in_body) {
        if (t.has_title) w->tg.index_text_without_positions(t.title, 3);
        if (t.has_standfirst) w->tg.index_text_without_positions(t.standfirst, 2);
    }
    if (t.has_body) w->tg.index_text(t.body);
    if (t.has_author) w->tg.index_text(t.author, 1, PREFIX_AUTHOR);
}

/* Whether ch joins two word characters into one word as Xapian's
 * TermGenerator does: an apostrophe ("don't"). */
bool inner_apostrophe(unsigned ch) {
    return ch == '\'' || ch == 0x2019;
}

/* A pair term for each two stop words at adjacent positions of text (a
 * field with prefix): the TermGenerator leaves stop words out, positions
 * and all, so a phrase of them is found by these (engine.h).  Words are
 * runs of word characters lower-cased, as the TermGenerator reads them;
 * anything else between two words only separates them. */
void add_stop_pairs(const engine_writer *w, const std::string &text, const char *prefix,
                    Xapian::Document &doc) {
    std::string word, last;
    bool last_stop = false;
    auto flush = [&] {
        if (word.empty()) return;
        bool stop = w->stop_set.contains(word);
        if (stop && last_stop) doc.add_boolean_term(pair_term(prefix, last, word));
        last_stop = stop;
        last.swap(word);
        word.clear();
    };
    for (const char *p = text.data(), *end = p + text.size(); p < end;) {
        unsigned ch = chars::next(p, end);
        if (chars::is_wordchar(ch)) {
            chars::append(word, chars::tolower(ch));
            continue;
        }
        const char *after = p;
        if (inner_apostrophe(ch) && !word.empty() && after < end && chars::is_wordchar(chars::next(after, end))) {
            word += '\'';
            continue;
        }
        flush();
    }
    flush();
}

void add_all_stop_pairs(const engine_writer *w, const IndexedText &t, Xapian::Document &doc) {
    if (t.has_title) add_stop_pairs(w, t.title, PREFIX_TITLE, doc);
    if (t.has_standfirst) add_stop_pairs(w, t.standfirst, PREFIX_STANDFIRST, doc);
    if (t.has_body) add_stop_pairs(w, t.body, "", doc);
    if (t.has_author) add_stop_pairs(w, t.author, PREFIX_AUTHOR, doc);
}

}  // namespace

void index_text(engine_writer *w, const article *a, Xapian::Document &doc) {
    index_texts(w, IndexedText(w, a), doc);
}

Xapian::termcount text_length(const Xapian::Document &doc) {
    Xapian::termcount len = 0;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        len += t.get_wdf();
    return len;
}

/* The ENGINE_SLOT_DAY value of a date (engine.h), "" for a year that is
 * not four digits. */
static std::string day_value(int64_t date) {
    char iso[32];
    date_format(date, iso);
    if (strlen(iso) < 10 || iso[4] != '-' || iso[7] != '-') return std::string();
    std::string day = std::string(iso, 4) + std::string(iso + 5, 2) + std::string(iso + 8, 2);
    for (char c : day)
        if (c < '0' || c > '9') return std::string();
    return day;
}

/* The ENGINE_SLOT_HEAD value of an article stored as data (engine.h). */
static std::string head_value(const article *a, const void *data, size_t len) {
    uint64_t key = a->has_date ? (uint64_t)(int64_t)a->date + (UINT64_C(1) << 63) : 0;
    std::string v(8, '\0');
    for (int i = 7; i >= 0; i--, key >>= 8) v[i] = (char)(key & 0xff);
    return v + std::string((const char *)data, docstore_head_size(data, len));
}

/* What an article's document holds besides the terms of its text: its
 * id and file terms, values, field terms, signature and data. */
static void add_rest(engine_writer *w, const article *a, const std::string &qterm,
                     const char *filekey, uint64_t fp, const void *data, size_t len,
                     DocTarget &doc) {
    doc.add_boolean_term(qterm);
    if (filekey) doc.add_boolean_term(std::string(PREFIX_FILE) + filekey);
    if (a->has_date) {
        doc.add_value(ENGINE_SLOT_DATE, Xapian::sortable_serialise((double)a->date));
        std::string day = day_value(a->date);
        if (!day.empty()) doc.add_value(ENGINE_SLOT_DAY, day);
    }
    doc.add_value(ENGINE_SLOT_HASH, fingerprint_bytes(fp));
    if (w->heads) doc.add_value(ENGINE_SLOT_HEAD, head_value(a, data, len));
    add_fields(w, a, doc);
    add_signature(doc, dup_signature(a));
}

Xapian::Document make_document(engine_writer *w, const article *a, const std::string &qterm,
                               const char *filekey, uint64_t fp, const void *data, size_t len) {
    Xapian::Document doc;
    IndexedText text(w, a);
    index_texts(w, text, doc);
    if (baked_tf(w->format)) {
        bake_tf(doc, w->format, w->pivot);
        add_pairs(w->pairs, doc);
        add_tier_terms(w->tiers, w->weigh_tiers, doc);
        add_prefix_terms(w->prefixes, w->tiers, doc);
    }
    if (w->stop_pairs) add_all_stop_pairs(w, text, doc);
    if (w->spelling) { /* folded as the terms are: a correction's words are searched */
        if (text.has_title) collect_words(w, text.title.c_str());
        if (text.has_standfirst) collect_words(w, text.standfirst.c_str());
        if (text.has_body) collect_words(w, text.body.c_str());
    }
    XapianTarget target(doc);
    add_rest(w, a, qterm, filekey, fp, data, len, target);
    doc.set_data(std::string((const char *)data, len));
    return doc;
}

/* ---- the bulk path's document, made without a Xapian::Document -------- */

namespace {

/* add_rest's terms, for a table (add_booleans), and its values by slot
 * (no Xapian::Document made for them). */
struct FlatTarget : DocTarget {
    std::vector<std::string> booleans;
    std::map<Xapian::valueno, std::string> values;
    void add_boolean_term(const std::string &term) override { booleans.push_back(term); }
    void add_value(Xapian::valueno slot, const std::string &value) override {
        if (value.empty()) values.erase(slot);
        else values[slot] = value;
    }
};

/* An article's texts decoded once, for its terms, stop pairs and
 * spelling words alike. */
struct DecodedText {
    tok::Decoded title, standfirst, body, author;
    explicit DecodedText(const IndexedText &t) {
        if (t.has_title) tok::decode(t.title, title);
        if (t.has_standfirst) tok::decode(t.standfirst, standfirst);
        if (t.has_body) tok::decode(t.body, body);
        if (t.has_author) tok::decode(t.author, author);
    }
};

void collect_words(engine_writer *w, const tok::Decoded &text) {
    tok::spelling_words(text, [&](const std::string &word) { count_word(w, word, 1); });
}

/* One index_text call of index_texts, by the tokeniser, or by the
 * TermGenerator itself for a text it refuses (CJK), carrying on from the
 * tokeniser's position; with spelling, the text's spelling words counted
 * too (by the tokeniser as it reads them, or by collect_words). */
void index_field(engine_writer *w, tok::Tokeniser &tk, const std::string &raw,
                 const tok::Decoded &d, Xapian::termcount wdf, const std::string &prefix,
                 bool positions, bool spelling, tok::TermTable &out) {
    if (tk.index(d, wdf, prefix, positions, out, spelling)) return;
    if (spelling) collect_words(w, d);
    Xapian::Document scratch;
    w->tg.set_document(scratch);
    w->tg.set_termpos(tk.pos);
    if (positions) w->tg.index_text(raw, wdf, prefix);
    else w->tg.index_text_without_positions(raw, wdf, prefix);
    tk.pos = w->tg.get_termpos();
    out.add_document(scratch);
}

/* index_texts into a table: the same calls in the same order; and with
 * sp, the spelling words of the title, standfirst and body
 * (make_document's, folded as the terms are) counted as they are read. */
void index_texts(engine_writer *w, tok::Tokeniser &tk, const IndexedText &t, const DecodedText &d,
                 bool sp, tok::TermTable &out) {
    tk.pos = 0;
    if (t.has_title) index_field(w, tk, t.title, d.title, 3, PREFIX_TITLE, true, sp, out);
    if (t.has_standfirst)
        index_field(w, tk, t.standfirst, d.standfirst, 2, PREFIX_STANDFIRST, true, sp, out);
    if (w->fields_in_body) {
        if (t.has_title) index_field(w, tk, t.title, d.title, 3, "", false, false, out);
        if (t.has_standfirst) index_field(w, tk, t.standfirst, d.standfirst, 2, "", false, false, out);
    }
    if (t.has_body) index_field(w, tk, t.body, d.body, 1, "", true, sp, out);
    if (t.has_author) index_field(w, tk, t.author, d.author, 1, PREFIX_AUTHOR, true, false, out);
}

/* bake_tf of a table: every wdf replaced by what the format keeps. */
void bake_tf(tok::TermTable &table, int format, double pivot) {
    double len = 0;
    for (const bulk::FlatTerm &t : table.terms()) len += t.wdf;
    for (bulk::FlatTerm &t : table.terms())
        t.wdf = format == 3 ? impact_of(t.wdf, len, pivot) : tf_of(t.wdf, len, pivot);
}

/* add_pairs of a table. */
void add_pairs(const PairRule &rule, tok::TermTable &table) {
    if (rule.empty()) return;
    PairFinder finder(rule);
    for (const bulk::FlatTerm &t : table.terms()) {
        auto at = table.positions_of(t);
        finder.note(t.term, at.first, at.second);
    }
    table.add_booleans(finder.terms());
}

/* The bulk add_stop_pairs' words are the API path's (add_stop_pairs
 * above): runs of word characters lower-cased, an apostrophe (' or
 * U+2019) between two word characters kept as '.  plain_word: the bytes
 * of such a word, c[b, e), a joining apostrophe being the only other
 * character it holds. */
void plain_word(const unsigned *c, size_t b, size_t e, std::string &word) {
    word.clear();
    for (size_t i = b; i < e; i++) chars::append(word, chars::is_wordchar(c[i]) ? chars::tolower(c[i]) : '\'');
}

/* ch's UTF-8 bytes hashed into h (WordSet::hash_add); returns their count. */
size_t hash_char(uint64_t &h, unsigned ch) {
    if (ch < 128) {
        h = WordSet::hash_add(h, (unsigned char)ch);
        return 1;
    }
    char buf[4];
    unsigned k = Xapian::Unicode::nonascii_to_utf8(ch, buf);
    for (unsigned j = 0; j < k; j++) h = WordSet::hash_add(h, (unsigned char)buf[j]);
    return k;
}

/* The plain word starting at c[i] (a word character), hashed as the stop
 * set hashes words; returns where it ends, its length in bytes in len. */
size_t hash_plain_word(const unsigned *c, size_t n, size_t i, uint64_t &h, size_t &len) {
    h = WordSet::hash_start();
    len = 0;
    while (true) {
        len += hash_char(h, chars::tolower(c[i]));
        if (++i == n) return i;
        if (chars::is_wordchar(c[i])) continue;
        bool apostrophe = c[i] == '\'' || c[i] == 0x2019;
        if (!apostrophe || i + 1 == n || !chars::is_wordchar(c[i + 1])) return i;
        len += hash_char(h, '\'');
        i++;
    }
}

/* add_stop_pairs of a decoded field: its pair terms added to pairs.  Each
 * word is hashed as it is read and made into a
 * string only when the stop set has an entry of its hash's tag (a stop
 * word, nearly always): making, hashing and looking up every word was
 * most of this walk's 3.7% of a Reuters build (issue 20). */
void add_stop_pairs(const engine_writer *w, const tok::Decoded &text, const char *prefix,
                    std::vector<std::string> &pairs) {
    std::string word, last;
    bool last_stop = false;
    const unsigned *c = text.chars.data();
    for (size_t i = 0, n = text.chars.size(); i < n;) {
        if (!chars::is_wordchar(c[i])) {
            i++;
            continue;
        }
        uint64_t h;
        size_t len, b = i;
        i = hash_plain_word(c, n, i, h, len);
        bool made = false;
        auto made_word = [&]() -> const std::string & {
            if (!made) plain_word(c, b, i, word);
            made = true;
            return word;
        };
        bool stop = w->stop_set.contains_hashed(len, WordSet::hash_end(h), made_word);
        if (stop && last_stop) pairs.push_back(pair_term(prefix, last, word));
        last_stop = stop;
        if (stop) last.swap(word); /* read only when it was a stop word; made, as it matched */
    }
}

void add_all_stop_pairs(const engine_writer *w, const IndexedText &t, const DecodedText &d,
                        tok::TermTable &table) {
    std::vector<std::string> pairs;
    if (t.has_title) add_stop_pairs(w, d.title, PREFIX_TITLE, pairs);
    if (t.has_standfirst) add_stop_pairs(w, d.standfirst, PREFIX_STANDFIRST, pairs);
    if (t.has_body) add_stop_pairs(w, d.body, "", pairs);
    if (t.has_author) add_stop_pairs(w, d.author, PREFIX_AUTHOR, pairs);
    table.add_booleans(pairs);
}

}  // namespace

/* The tokeniser's stemmer is Xapian's own, uncached: the tokeniser
 * caches each word's stem itself, and the writer's cached stemmer (the
 * same stems: make_stemmer with no stop words, not folding) would hold a
 * second copy of the vocabulary (+9 MB of peak RSS on Reuters).  Its
 * spelling words go to w's (count_word) when it passes them on. */
std::unique_ptr<tok::Tokeniser> make_tokeniser(engine_writer *w) {
    Xapian::Stem plain = w->stem.is_none() ? Xapian::Stem() : Xapian::Stem(w->language);
    return std::unique_ptr<tok::Tokeniser>(
        new tok::Tokeniser(w->stem.is_none() ? nullptr : &plain, &w->stops,
                           [w](const std::string &word, Xapian::termcount n) { count_word(w, word, n); }));
}

bulk::FlatDocument make_flat_document(engine_writer *w, tok::Tokeniser &tk, bulk::RunBuffer *dict,
                                      TierVerdicts *verdicts, const article *a, const std::string &qterm,
                                      const char *filekey, uint64_t fp, const void *data, size_t len) {
    IndexedText text(w, a);
    DecodedText decoded(text);
    tok::TermTable table(dict);
    index_texts(w, tk, text, decoded, w->spelling, table);
    if (baked_tf(w->format)) {
        bake_tf(table, w->format, w->pivot);
        add_pairs(w->pairs, table);
        add_tier_terms(w->tiers, w->weigh_tiers, table, verdicts);
        add_prefix_terms(w->prefixes, w->tiers, table);
    }
    if (w->stop_pairs) add_all_stop_pairs(w, text, decoded, table);
    FlatTarget rest;
    add_rest(w, a, qterm, filekey, fp, data, len, rest);
    table.add_booleans(rest.booleans);
    bulk::FlatDocument doc = table.take_sorted();
    doc.generation = table.generation();
    doc.values.assign(rest.values.begin(), rest.values.end());
    doc.data.assign((const char *)data, len);
    return doc;
}

void index_flat_text(engine_writer *w, tok::Tokeniser &tk, const article *a, tok::TermTable &table) {
    IndexedText text(w, a);
    index_texts(w, tk, text, DecodedText(text), false, table);
}

extern "C" {

void engine_id_term(const char *id, sbuf *out) {
    std::string t = id_term(id);
    sbuf_reset(out);
    sbuf_append(out, t.data(), t.size());
}

}  // extern "C"
