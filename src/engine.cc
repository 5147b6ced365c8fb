/* engine.cc -- the Xapian side of engine.h.  Everything that touches a
 * Xapian type lives here; every entry point catches every exception and
 * turns it into a LEDE_* code plus message.  Term layout and metadata keys
 * are specified in engine.h. */
#include "engine.h"
#include "date.h"
#include "dirwatch.h"
#include "docstore.h"
#include "engine/impact.hh"
#include "qsyntax.h"
#include "engine/wildcard.hh"

#include <xapian.h>

#include <sys/stat.h>

#include <algorithm>
#include <bitset>
#include <cctype>
#include <cmath>
#include <cstring>
#include <ctime>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace {

const char *const PREFIX_TITLE = "S";
const char *const PREFIX_STANDFIRST = "XL";
const char *const PREFIX_AUTHOR = "A";
const char *const PREFIX_FILE = "XF";
const char *const META_COMMIT_TIME = "lede.commit_time";
const char *const META_STOPWORDS = "lede.stopwords";
const char *const META_FORMAT = "lede.format";
const char *const META_PIVOT = "lede.pivot";
const char *const META_COMMON = "lede.common";
const char *const PREFIX_PAIR = "XP";

/* The index format a database holds: its "lede.format", or the current
 * one when it has none (a database made through this API alone). */
std::string format_of(const Xapian::Database &db) {
    std::string f = db.get_metadata(META_FORMAT);
    return f.empty() ? ENGINE_FORMAT : f;
}

/* English function words left out of the index (see engine.h): the ones
 * that occur in nearly every article, so they cost a large share of the
 * positions and postings and tell one article from another least. */
const char ENGLISH_STOPWORDS[] =
    "a an and are as at be been but by for from had has have he her his i "
    "if in into is it its of on or she so that the their them there these "
    "they this to was we were which who will with would you";

/* What a reader's stemmer makes of a stop word: the word behind this byte,
 * a term the index never holds, so that a stop word QueryParser keeps in a
 * phrase is known as one (its stem would not do: "being" stems to "be"). */
const char STOP_MARK = '\x01';

typedef std::unordered_set<std::string> word_set;

/* A space-separated word list (metadata "lede.stopwords") as a set. */
word_set words_of(const std::string &list) {
    word_set out;
    std::istringstream in(list);
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

/* Snowball stems a word letter by letter, and indexing or making a snippet
 * stems every word of a text (a third of the instructions of a search with
 * snippets, in callgrind).  Text repeats its words, so a cache answers most
 * of them.  One per writer or reader, which belong to one thread each; it
 * starts again when full, so it stays under about ten megabytes. */
class CachedStem : public Xapian::StemImplementation {
  public:
    CachedStem(const std::string &language, const word_set &stopwords)
        : real(language), stops(stopwords) {}

    std::string operator()(const std::string &word) override {
        auto it = cache.find(word);
        if (it != cache.end()) return it->second;
        if (cache.size() >= CACHE_MAX) cache.clear();
        std::string stem = stops.count(word) ? STOP_MARK + word : real(word);
        cache.emplace(word, stem);
        return stem;
    }

    std::string get_description() const override {
        return "cached " + real.get_description();
    }

  private:
    static const size_t CACHE_MAX = 100000;
    Xapian::Stem real;
    word_set stops;
    std::unordered_map<std::string, std::string> cache;
};

/* For snippets: MSet::snippet stems every word of a hit's text to find the
 * query's words among them, a fifth of a search with snippets.  The words
 * it passes are lower case and begin with a word character, and the
 * English stem of such a word begins with the same byte (Snowball's
 * changes stop short of the first letter; a leading y is marked and put
 * back), so a word whose first byte begins none of the query's stems
 * cannot be one of them, and goes back unstemmed.  Stop words (marked
 * \x01 by CachedStem) are never highlighted, so never in firsts. */
class SnippetStem : public Xapian::StemImplementation {
  public:
    SnippetStem(const Xapian::Stem &real, const std::bitset<256> &firsts)
        : real(real), firsts(firsts) {}

    std::string operator()(const std::string &word) override {
        if (word.empty() || !firsts[(unsigned char)word[0]]) return word;
        return real(word);
    }

    std::string get_description() const override {
        return "snippet " + real.get_description();
    }

  private:
    Xapian::Stem real;
    std::bitset<256> firsts;
};

/* The stemmer for an index language ("" or "none": no stemming); a
 * reader's marks the stop words. */
Xapian::Stem make_stemmer(const std::string &language, const word_set &stopwords = word_set()) {
    if (language.empty() || language == "none") return Xapian::Stem();
    return Xapian::Stem(new CachedStem(language, stopwords));
}

/* A Stopper Xapian can own. */
Xapian::Stopper *make_stopper(const word_set &words) {
    Xapian::SimpleStopper *st = new Xapian::SimpleStopper;
    for (const std::string &w : words) st->add(w);
    return st;
}
const size_t MAX_TERM = 240;

int fail(char *err, const char *what, const std::string &msg) {
    return lede_seterr(err, "%s: %s", what, msg.c_str());
}

/* A figure for display, 0 when Xapian cannot give it. */
template <typename F>
uint64_t or_zero(F body) {
    try {
        return body();
    } catch (...) {
        return 0;
    }
}

/* Runs body, mapping exceptions to codes. */
template <typename F>
int guarded(char *err, const char *what, F body) {
    try {
        return body();
    } catch (const Xapian::DatabaseLockError &e) {
        return lede_seterr_code(err, LEDE_ELOCKED, "%s: index is locked by "
                                "another writer", what);
    } catch (const Xapian::Error &e) {
        return fail(err, what, e.get_type() + std::string(": ") + e.get_msg());
    } catch (const std::exception &e) {
        return fail(err, what, e.what());
    } catch (...) {
        return fail(err, what, "unknown error");
    }
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

}  // namespace

struct engine_writer {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
    Xapian::Stem stem;
    bool spelling = false;
    bool fields_in_body = true;  /* format 2 (engine.h); false on a format 1 index */
    bool impacts = true;         /* format 3: postings hold impacts */
    double pivot = ENGINE_DEFAULT_PIVOT;
    /* Format 3's common words (metadata "lede.common"): adjacent pairs of
     * them get a pair term (add_pairs). */
    std::unordered_set<std::string> common;
    /* Spelling words seen since the last commit, with their counts. */
    std::unordered_map<std::string, Xapian::termcount> words;
    /* engine_writer_measure's sample: articles, and the articles each
     * word of the body term is in. */
    uint64_t sampled = 0;
    std::unordered_map<std::string, uint64_t> sample_df;
};

namespace {

/* Words for the spelling dictionary: lower-cased runs of word characters,
 * 2 to 40 bytes, without digits (numbers make poor suggestions and would
 * fill the table). */
void collect_words(engine_writer *w, const char *text) {
    std::string word;
    bool digit = false;
    auto flush = [&] {
        if (word.size() >= 2 && word.size() <= 40 && !digit) w->words[word]++;
        word.clear();
        digit = false;
    };
    for (Xapian::Utf8Iterator it(text), end; it != end; ++it) {
        unsigned ch = *it;
        if (!Xapian::Unicode::is_wordchar(ch)) {
            flush();
            continue;
        }
        if (Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER)
            digit = true;
        Xapian::Unicode::append_utf8(word, Xapian::Unicode::tolower(ch));
    }
    flush();
}

/* Hands the collected words to Xapian, which writes them at commit. */
void flush_words(engine_writer *w) {
    for (const auto &kv : w->words) w->db.add_spelling(kv.first, kv.second);
    w->words.clear();
}

/* The pivot length of a format 3 index (metadata "lede.pivot"); an index
 * without one gets ENGINE_DEFAULT_PIVOT, stored with its next commit so
 * that it never changes once postings depend on it. */
double stored_pivot(engine_writer *w) {
    std::string v = w->db.get_metadata(META_PIVOT);
    double pivot = v.empty() ? 0 : strtod(v.c_str(), nullptr);
    if (pivot >= 1 && std::isfinite(pivot)) return pivot;
    char buf[32];
    snprintf(buf, sizeof buf, "%g", (double)ENGINE_DEFAULT_PIVOT);
    w->db.set_metadata(META_PIVOT, buf);
    return ENGINE_DEFAULT_PIVOT;
}

/* The terms of an article's text, as make_document indexes them. */
void index_text(engine_writer *w, const article *a, Xapian::Document &doc) {
    w->tg.set_document(doc);
    if (a->title) w->tg.index_text(a->title, 3, PREFIX_TITLE);
    if (a->standfirst) w->tg.index_text(a->standfirst, 2, PREFIX_STANDFIRST);
    if (w->fields_in_body) {
        if (a->title) w->tg.index_text_without_positions(a->title, 3);
        if (a->standfirst) w->tg.index_text_without_positions(a->standfirst, 2);
    }
    if (a->body) w->tg.index_text(a->body);
    if (a->author) w->tg.index_text(a->author, 1, PREFIX_AUTHOR);
}

/* The length of a document: the sum of its terms' wdf, before impacts. */
Xapian::termcount text_length(const Xapian::Document &doc) {
    Xapian::termcount len = 0;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        len += t.get_wdf();
    return len;
}

/* A format 3 posting's impact: BM25's term-frequency part for wdf in a
 * document of length len, (k1 + 1) wdf / (K + wdf) with
 * K = k1 ((1 - b) + b len / pivot), scaled from [0, k1 + 1) to
 * [1, IMPACT_MAX] and rounded. */
Xapian::termcount impact_of(Xapian::termcount wdf, double len, double pivot) {
    double k = BM25_K1 * ((1 - BM25_B) + BM25_B * len / pivot);
    double impact = std::round(IMPACT_MAX * wdf / (k + wdf));
    return impact < 1 ? 1 : (Xapian::termcount)impact;
}

/* A field's prefix: the leading capitals of a term ("" for the body). */
size_t prefix_length(const std::string &t) {
    size_t i = 0;
    while (i < t.size() && t[i] >= 'A' && t[i] <= 'Z') i++;
    return i;
}

/* A term's word without its field prefix, whatever the field. */
std::string unprefixed(const std::string &t) {
    return t.substr(prefix_length(t));
}

/* The pair term of two adjacent words of one field (engine.h). */
std::string pair_term(const std::string &prefix, const std::string &a, const std::string &b) {
    return PREFIX_PAIR + prefix + ":" + a + " " + b;
}

/* Adds a pair term for each two common words at adjacent positions of the
 * same field: what an exact phrase of them would match, found without
 * reading positions (pairs_for). */
void add_pairs(const std::unordered_set<std::string> &common, Xapian::Document &doc) {
    if (common.empty()) return;
    std::unordered_map<std::string, std::vector<std::pair<Xapian::termpos, std::string>>> fields;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        size_t plen = prefix_length(term);
        std::string word = term.substr(plen);
        if (!common.count(word)) continue;
        auto &at = fields[term.substr(0, plen)];
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at.emplace_back(*p, word);
    }
    for (auto &f : fields) {
        auto &at = f.second;
        std::sort(at.begin(), at.end());
        for (size_t i = 0; i + 1 < at.size(); i++)
            if (at[i + 1].first == at[i].first + 1)
                doc.add_boolean_term(pair_term(f.first, at[i].second, at[i + 1].second));
    }
}

/* Replaces each term's wdf in doc with its impact; positions stay. */
void to_impacts(Xapian::Document &doc, double pivot) {
    struct posting {
        std::string term;
        Xapian::termcount wdf;
        std::vector<Xapian::termpos> positions;
    };
    std::vector<posting> terms;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        terms.push_back({*t, t.get_wdf(), {}});
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            terms.back().positions.push_back(*p);
    }
    double len = 0;
    for (const posting &t : terms) len += t.wdf;
    doc.clear_terms();
    for (const posting &t : terms) {
        doc.add_term(t.term, impact_of(t.wdf, len, pivot));
        for (Xapian::termpos pos : t.positions) doc.add_posting(t.term, pos, 0);
    }
}

}  // namespace

/* A reader, and what it needs to answer queries: built on first use from
 * the index's own metadata (language, compression dictionary). */
struct engine_reader {
    Xapian::Database db;
    std::string path;
    struct stat stub;          /* identity of the stub file when opened */
    bool have_stub = false;
    /* Identity of each open database's version file (iamglass), taken
     * before the last (re)open: a commit replaces that file, so while
     * they stay the same there is nothing newer to open.  Empty when
     * unknown (a remote database, say): then every refresh reopens. */
    std::vector<std::pair<std::string, struct stat>> versions;
    bool search_ready = false;
    Xapian::Stem stem;
    Xapian::QueryParser qp;
    /* The index's stop words, left out of phrases and NEAR: the stemmer
     * marks them (STOP_MARK); without stemming they are the terms. */
    std::unordered_set<std::string> stop_words;
    bool stemming = false;
    bool stems_keep_first = false; /* English: see SnippetStem */
    bool fields_in_body = false;  /* format 2: see fields_as_one */
    bool impacts = false;         /* format 3: ranked by ImpactWeight */
    /* LEDE_XAPIAN_WILDCARDS set: wildcards merged by Xapian, not by
     * WildcardSource (with_wildcard_sources), to compare the two. */
    bool xapian_wildcards = getenv("LEDE_XAPIAN_WILDCARDS") != nullptr;
    std::unordered_set<std::string> common;  /* format 3: see pairs_for */
    docstore *ds = nullptr;
    /* Change detection (see refresh): the directories watched, and
     * whether a quiet watch may be trusted to mean "nothing new". */
    dirwatch *watch = nullptr;
    std::vector<std::string> watched;
    bool watching = false;
    bool watch_failed = false;  /* inotify cannot serve this index: look every time */
    /* An empty database for the highlighting MSet (see highlight_mset). */
    Xapian::WritableDatabase none{"", Xapian::DB_BACKEND_INMEMORY};
    ~engine_reader() {
        docstore_free(ds);
        dirwatch_free(watch);
    }
};

extern "C" {

void engine_id_term(const char *id, sbuf *out) {
    std::string t = id_term(id);
    sbuf_reset(out);
    sbuf_append(out, t.data(), t.size());
}

int engine_language_ok(const char *lang) {
    if (!strcmp(lang, "none")) return 1;
    try {
        Xapian::Stem s(lang);
        return 1;
    } catch (...) {
        return 0;
    }
}

int engine_writer_open(const char *dbpath, int create, int fast,
                       engine_writer **out, char *err) {
    return guarded(err, dbpath ? dbpath : "(in memory)", [&] {
        int flags = create ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN;
        if (fast) flags |= Xapian::DB_NO_SYNC;
        engine_writer *w = new engine_writer;
        try {
            w->db = dbpath ? Xapian::WritableDatabase(dbpath, flags)
                           : Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
        } catch (...) {
            delete w;
            throw;
        }
        w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        *out = w;
        return LEDE_OK;
    });
}

int engine_writer_close(engine_writer *w, char *err) {
    if (!w) return LEDE_OK;
    int rc = guarded(err, "close", [&] {
        flush_words(w);
        w->db.commit();
        w->db.close();
        return LEDE_OK;
    });
    delete w;
    return rc;
}

const char *engine_default_stopwords(const char *language) {
    if (!strcmp(language, "english") || !strcmp(language, "en")) return ENGLISH_STOPWORDS;
    return "";
}

int engine_writer_configure(engine_writer *w, const char *language,
                            const char *stopwords, int spelling, char *err) {
    return guarded(err, "configure", [&] {
        if (strcmp(language, "none")) {
            w->stem = make_stemmer(language);
            w->tg.set_stemmer(w->stem);
            w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        }
        if (stopwords && *stopwords) {
            /* Left out altogether, positions included: the words around
             * a stop word are adjacent in the index. */
            w->tg.set_stopper(make_stopper(words_of(stopwords))->release());
            w->tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
        }
        w->spelling = spelling;
        std::string format = format_of(w->db);
        w->fields_in_body = format != "1";
        w->impacts = format == "3";
        if (w->impacts) {
            w->pivot = stored_pivot(w);
            w->common = words_of(w->db.get_metadata(META_COMMON));
        }
        return LEDE_OK;
    });
}

static Xapian::Document make_document(engine_writer *w, const article *a,
                                      const std::string &qterm,
                                      const char *filekey, uint64_t fp,
                                      const void *data, size_t len) {
    Xapian::Document doc;
    index_text(w, a, doc);
    if (w->impacts) {
        to_impacts(doc, w->pivot);
        add_pairs(w->common, doc);
    }
    if (w->spelling) {
        if (a->title) collect_words(w, a->title);
        if (a->standfirst) collect_words(w, a->standfirst);
        if (a->body) collect_words(w, a->body);
    }
    doc.add_boolean_term(qterm);
    if (filekey) doc.add_boolean_term(std::string(PREFIX_FILE) + filekey);
    if (a->has_date)
        doc.add_value(ENGINE_SLOT_DATE, Xapian::sortable_serialise((double)a->date));
    doc.add_value(ENGINE_SLOT_HASH, fingerprint_bytes(fp));
    doc.set_data(std::string((const char *)data, len));
    return doc;
}

int engine_writer_put(engine_writer *w, const article *a, const char *filekey,
                      uint64_t fp, const void *data, size_t len, int *outcome,
                      char *err) {
    return guarded(err, "put", [&] {
        std::string qterm = id_term(a->id);
        Xapian::PostingIterator p = w->db.postlist_begin(qterm);
        bool exists = p != w->db.postlist_end(qterm);
        if (exists) {
            Xapian::Document old = w->db.get_document(*p);
            if (old.get_value(ENGINE_SLOT_HASH) == fingerprint_bytes(fp)) {
                *outcome = ENGINE_UNCHANGED;
                return LEDE_OK;
            }
        }
        Xapian::Document doc = make_document(w, a, qterm, filekey, fp, data, len);
        if (exists) {
            w->db.replace_document(qterm, doc);
            *outcome = ENGINE_REPLACED;
        } else {
            w->db.add_document(doc);
            *outcome = ENGINE_ADDED;
        }
        return LEDE_OK;
    });
}

int engine_writer_measure(engine_writer *w, const article *a,
                          uint64_t *length, char *err) {
    return guarded(err, "measure", [&] {
        Xapian::Document doc;
        index_text(w, a, doc);
        *length = text_length(doc);
        w->sampled++;
        for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
            if (prefix_length(*t) == 0) w->sample_df[*t]++;
        return LEDE_OK;
    });
}

int engine_writer_common_words(engine_writer *w, double share, unsigned max,
                               sbuf *out, char *err) {
    return guarded(err, "common words", [&] {
        std::vector<std::pair<uint64_t, std::string>> by_df;
        for (const auto &kv : w->sample_df)
            if ((double)kv.second >= share * (double)w->sampled && kv.first.find(' ') == std::string::npos)
                by_df.emplace_back(kv.second, kv.first);
        std::sort(by_df.begin(), by_df.end(), [](const auto &a, const auto &b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        if (by_df.size() > max) by_df.resize(max);
        std::sort(by_df.begin(), by_df.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        sbuf_reset(out);
        for (size_t i = 0; i < by_df.size(); i++) {
            if (i) sbuf_putc(out, ' ');
            sbuf_append(out, by_df[i].second.data(), by_df[i].second.size());
        }
        return LEDE_OK;
    });
}

/* The Q term of a document, from its termlist. */
static std::string doc_qterm(Xapian::WritableDatabase &db, Xapian::docid did) {
    Xapian::TermIterator t = db.termlist_begin(did);
    t.skip_to("Q");
    if (t != db.termlist_end(did) && (*t)[0] == 'Q') return *t;
    return std::string();
}

int engine_writer_delete_file(engine_writer *w, const char *filekey,
                              engine_keep_fn keep, void *ctx,
                              uint64_t *deleted, char *err) {
    *deleted = 0;
    return guarded(err, "delete", [&] {
        std::string term = std::string(PREFIX_FILE) + filekey;
        Xapian::docid next = 1;
        for (;;) { /* in chunks, never deleting under a live iterator */
            std::vector<Xapian::docid> doomed;
            Xapian::PostingIterator p = w->db.postlist_begin(term);
            p.skip_to(next);
            size_t seen = 0;
            for (; p != w->db.postlist_end(term) && seen < 4096; ++p, ++seen) {
                next = *p + 1;
                std::string q = doc_qterm(w->db, *p);
                if (!keep || !keep(q.data(), q.size(), ctx)) doomed.push_back(*p);
            }
            for (Xapian::docid did : doomed) w->db.delete_document(did);
            *deleted += doomed.size();
            if (seen < 4096) break;
        }
        return LEDE_OK;
    });
}

int engine_writer_delete_id(engine_writer *w, const char *id, int *found,
                            char *err) {
    *found = 0;
    return guarded(err, "delete", [&] {
        std::string qterm = id_term(id);
        if (w->db.postlist_begin(qterm) == w->db.postlist_end(qterm)) return LEDE_OK;
        w->db.delete_document(qterm);
        *found = 1;
        return LEDE_OK;
    });
}

int engine_writer_commit(engine_writer *w, char *err) {
    return guarded(err, "commit", [&] {
        flush_words(w);
        w->db.set_metadata(META_COMMIT_TIME, std::to_string((long long)time(nullptr)));
        w->db.commit();
        return LEDE_OK;
    });
}

uint64_t engine_writer_doccount(engine_writer *w) {
    return or_zero([&] { return w->db.get_doccount(); });
}

uint64_t engine_writer_revision(engine_writer *w) {
    return or_zero([&] { return w->db.get_revision(); });
}

static int meta_get(const Xapian::Database &db, const char *key, sbuf *out) {
    std::string v = db.get_metadata(key);
    if (v.empty()) return LEDE_ENOTFOUND;
    sbuf_reset(out);
    sbuf_append(out, v.data(), v.size());
    return LEDE_OK;
}

int engine_writer_meta_set(engine_writer *w, const char *key, const char *val,
                           size_t len, char *err) {
    return guarded(err, "metadata", [&] {
        w->db.set_metadata(key, val ? std::string(val, len) : std::string());
        return LEDE_OK;
    });
}

int engine_writer_meta_get(engine_writer *w, const char *key, sbuf *out,
                           char *err) {
    return guarded(err, "metadata", [&] { return meta_get(w->db, key, out); });
}

int engine_writer_meta_scan(engine_writer *w, const char *prefix,
                            engine_meta_fn fn, void *ctx, char *err) {
    return guarded(err, "metadata", [&] {
        /* Collect keys first: the callback may change metadata. */
        std::vector<std::string> keys;
        for (Xapian::TermIterator k = w->db.metadata_keys_begin(prefix);
             k != w->db.metadata_keys_end(prefix); ++k)
            keys.push_back(*k);
        for (const std::string &k : keys) {
            std::string v = w->db.get_metadata(k);
            int rc = fn(k.c_str(), v.data(), v.size(), ctx);
            if (rc) return rc;
        }
        return LEDE_OK;
    });
}

static bool stat_stub(const std::string &path, struct stat *st) {
    return stat((path + "/XAPIANDB").c_str(), st) == 0;
}

static void note_versions(engine_reader *r);

int engine_reader_open(const char *path, engine_reader **out, char *err) {
    return guarded(err, path, [&] {
        engine_reader *r = new engine_reader;
        try {
            r->path = path;
            r->have_stub = stat_stub(r->path, &r->stub);
            note_versions(r);
            r->db = Xapian::Database(path);
        } catch (...) {
            delete r;
            throw;
        }
        *out = r;
        return LEDE_OK;
    });
}

void engine_reader_close(engine_reader *r) {
    delete r;
}

uint64_t engine_reader_doccount(engine_reader *r) {
    return or_zero([&] { return r->db.get_doccount(); });
}

int engine_reader_meta_get(engine_reader *r, const char *key, sbuf *out,
                           char *err) {
    return guarded(err, "metadata", [&] { return meta_get(r->db, key, out); });
}

int engine_reader_get(engine_reader *r, const char *id, sbuf *data,
                      char *err) {
    return guarded(err, "get", [&] {
        std::string q = id_term(id);
        Xapian::PostingIterator p = r->db.postlist_begin(q);
        if (p == r->db.postlist_end(q))
            return lede_seterr_code(err, LEDE_ENOTFOUND, "no article '%s'", id);
        std::string d = r->db.get_document(*p).get_data();
        sbuf_reset(data);
        sbuf_append(data, d.data(), d.size());
        return LEDE_OK;
    });
}

int engine_reader_scan(engine_reader *r, engine_doc_fn fn, void *ctx,
                       char *err) {
    return guarded(err, "scan", [&] {
        for (Xapian::PostingIterator p = r->db.postlist_begin("");
             p != r->db.postlist_end(""); ++p) {
            std::string d = r->db.get_document(*p).get_data();
            int rc = fn(d.data(), d.size(), ctx);
            if (rc) return rc;
        }
        return LEDE_OK;
    });
}

}  // extern "C": the search code below uses templates

static bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_size == b.st_size;
}

/* The local glass databases the stub lists ("auto DIR" or "glass DIR"
 * lines), or the path itself when it is a database; false for anything
 * else (a remote database). */
static bool local_databases(const engine_reader *r, std::vector<std::string> &dirs) {
    if (!r->have_stub) {
        dirs.push_back(r->path);
        return true;
    }
    FILE *f = fopen((r->path + "/XAPIANDB").c_str(), "r");
    if (!f) return false;
    char line[4096];
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        char type[16], dir[4000];
        if (line[0] == '#' || sscanf(line, "%15s %3999s", type, dir) < 1) continue;
        ok = (!strcmp(type, "auto") || !strcmp(type, "glass")) && sscanf(line, "%15s %3999s", type, dir) == 2;
        if (ok) dirs.push_back(dir[0] == '/' ? std::string(dir) : r->path + "/" + dir);
    }
    fclose(f);
    return ok;
}

static void note_versions(engine_reader *r) {
    std::vector<std::string> dirs;
    r->versions.clear();
    if (!local_databases(r, dirs)) return;
    for (const std::string &d : dirs) {
        struct stat st;
        if (stat((d + "/iamglass").c_str(), &st) != 0) {
            r->versions.clear();
            return;
        }
        r->versions.emplace_back(d + "/iamglass", st);
    }
}

static bool versions_unchanged(const engine_reader *r) {
    if (r->versions.empty()) return false;
    for (const auto &v : r->versions) {
        struct stat st;
        if (stat(v.first.c_str(), &st) != 0 || !same_file(st, v.second)) return false;
    }
    return true;
}

/* Reopens from scratch if the stub now lists other databases; else moves
 * to the latest revision, unless no version file changed (one stat per
 * database instead of Xapian reading each version file).  force: reopen
 * even so (the writer moved on under a search). */
static bool look_again(engine_reader *r, bool force) {
    struct stat st;
    bool have = stat_stub(r->path, &st);
    if (have != r->have_stub || (have && !same_file(st, r->stub))) {
        r->stub = st;
        r->have_stub = have;
        note_versions(r);
        r->db = Xapian::Database(r->path);
        r->search_ready = false;
        return true;
    }
    if (!force && versions_unchanged(r)) return false;
    note_versions(r);
    return r->db.reopen();
}

/* Where a writer's change shows: the index's directory (its stub) and
 * each local database's (its version file). */
static std::vector<std::string> change_dirs(const engine_reader *r) {
    std::vector<std::string> dirs{r->path};
    for (const auto &v : r->versions) dirs.push_back(v.first.substr(0, v.first.rfind('/')));
    return dirs;
}

/* True when every directory is watched; a directory that cannot be now
 * (it was deleted just now, say) is tried again at the next refresh, and
 * directories inotify cannot serve (dirwatch.h) never are. */
static bool watch_dirs(engine_reader *r) {
    r->watched = change_dirs(r);
    std::vector<const char *> paths;
    for (const std::string &d : r->watched) paths.push_back(d.c_str());
    char err[LEDE_ERRLEN];
    int rc = dirwatch_set(&r->watch, paths.data(), (int)paths.size(), err);
    r->watch_failed = rc == LEDE_ELIMIT;
    return rc == LEDE_OK;
}

/* Before every query.  While the directories that would show a change
 * are watched and quiet, nothing was committed: one read of the watch
 * (dirwatch.h) instead of a stat per database.  Otherwise the files are
 * looked at; what changes while they are, the watch reports next time.  A
 * watch that is not set up (or broke) is set up before looking, and when
 * the databases are no longer those watched, the next call watches the
 * new ones and looks again. */
static bool refresh(engine_reader *r, bool force = false) {
    int news = r->watching ? dirwatch_changed(r->watch) : DIRWATCH_BROKEN;
    if (news == DIRWATCH_QUIET && !force) return false;
    bool watched = news != DIRWATCH_BROKEN ||
                   (!r->watch_failed && !r->versions.empty() && watch_dirs(r));
    r->watching = false; /* until the look below has succeeded */
    bool changed = look_again(r, force);
    r->watching = watched && change_dirs(r) == r->watched;
    return changed;
}

int engine_reader_refresh(engine_reader *r, int *changed, char *err) {
    return guarded(err, "reopen", [&] {
        *changed = refresh(r);
        return LEDE_OK;
    });
}

uint64_t engine_reader_revision(engine_reader *r) {
    return or_zero([&] { return r->db.get_revision(); });
}

namespace {

/* date:BEGIN..END over value slot 0.  Each end may be YYYY, YYYY-MM,
 * YYYY-MM-DD or a full ISO 8601 time; a partial date covers its whole
 * year, month or day.  Either end may be empty. */
class DateRange : public Xapian::RangeProcessor {
  public:
    DateRange() : Xapian::RangeProcessor(ENGINE_SLOT_DATE, "date:") {}

    Xapian::Query operator()(const std::string &b, const std::string &e) override {
        if (b.empty() && e.empty())
            throw Xapian::QueryParserError("date range with no dates");
        double lo = 0, hi = 0;
        if (!b.empty()) lo = bound(b, false);
        if (!e.empty()) hi = bound(e, true);
        if (b.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, ENGINE_SLOT_DATE,
                                 Xapian::sortable_serialise(hi));
        if (e.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, ENGINE_SLOT_DATE,
                                 Xapian::sortable_serialise(lo));
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, ENGINE_SLOT_DATE,
                             Xapian::sortable_serialise(lo),
                             Xapian::sortable_serialise(hi));
    }

  private:
    static double bound(const std::string &s, bool end) {
        int y = 0, m = 0, d = 0;
        char tail;
        int64_t t;
        if (sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ||
            sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 ||
            sscanf(s.c_str(), "%4d%c", &y, &tail) == 1) {
            if (m < 0 || m > 12 || d < 0 || d > 31 || y < 1)
                throw Xapian::QueryParserError("bad date '" + s + "' in date range");
            int em = m ? m : 12, sm = m ? m : 1;
            if (!end) return (double)date_days_from_civil(y, (unsigned)sm, d ? (unsigned)d : 1) * 86400;
            /* End of the day, month or year: the start of the next one, minus a second. */
            int64_t next = d ? date_days_from_civil(y, (unsigned)em, (unsigned)d) + 1
                             : (em == 12 ? date_days_from_civil(y + 1, 1, 1)
                                         : date_days_from_civil(y, (unsigned)em + 1, 1));
            return (double)(next * 86400 - 1);
        }
        if (date_parse(s.c_str(), &t) == LEDE_OK) return (double)t;
        throw Xapian::QueryParserError("bad date '" + s + "' in date range");
    }
};

void setup_search(engine_reader *r) {
    if (r->search_ready) return;
    std::string lang = r->db.get_metadata("lede.language");
    std::string dict = r->db.get_metadata("lede.dict");
    r->stop_words = words_of(r->db.get_metadata(META_STOPWORDS));
    r->stem = make_stemmer(lang, r->stop_words);
    r->stemming = !(lang.empty() || lang == "none");
    r->stems_keep_first = lang == "english" || lang == "en";
    Xapian::QueryParser qp;
    qp.set_database(r->db);
    qp.set_stemmer(r->stem);
    qp.set_stemming_strategy(lang == "none" ? Xapian::QueryParser::STEM_NONE
                                            : Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Xapian::Query::OP_AND);
    for (const char *prefix : {"", PREFIX_TITLE, PREFIX_STANDFIRST})
        qp.add_prefix("", prefix);
    qp.add_prefix("title", PREFIX_TITLE);
    qp.add_prefix("headline", PREFIX_TITLE);
    qp.add_prefix("lede", PREFIX_STANDFIRST);
    qp.add_prefix("standfirst", PREFIX_STANDFIRST);
    qp.add_prefix("body", "");
    qp.add_prefix("author", PREFIX_AUTHOR);
    qp.add_boolean_prefix("id", "Q");
    qp.add_rangeprocessor((new DateRange)->release()); /* Xapian owns it */
    std::string format = format_of(r->db);
    r->fields_in_body = format != "1";
    r->impacts = format == "3";
    r->common = r->impacts ? words_of(r->db.get_metadata(META_COMMON)) : word_set();
    if (!r->stop_words.empty()) qp.set_stopper(make_stopper(r->stop_words)->release());
    r->qp = qp;
    docstore_free(r->ds);
    r->ds = docstore_new(dict.data(), dict.size());
    r->search_ready = true;
}

const unsigned QP_FLAGS = Xapian::QueryParser::FLAG_PHRASE |
                          Xapian::QueryParser::FLAG_BOOLEAN |
                          Xapian::QueryParser::FLAG_LOVEHATE |
                          Xapian::QueryParser::FLAG_WILDCARD |
                          Xapian::QueryParser::FLAG_PURE_NOT;

/* Ranking of a format 1 or 2 index: BM25 (BM25_K1, BM25_B) with no floor
 * on the length normalisation; format 3's is ImpactWeight (impact.hh). */
Xapian::BM25Weight bm25() {
    return Xapian::BM25Weight(BM25_K1, 0, 1, BM25_B, 0);
}

/* mode=any: words joined by a hyphen ("large-deflection") count as
 * separate words, as in the natural-language questions the mode is for,
 * instead of the phrase QueryParser would make of them.  Quoted phrases
 * and field:value words (id:, date:, title:) are left alone, and so is a
 * hyphen that does not sit between two word characters (-word is NOT). */
std::string split_hyphens(const char *query) {
    auto word = [](unsigned char c) { return isalnum(c) || c >= 0x80; };
    std::string s(query);
    bool quoted = false, field = false;
    for (size_t i = 0; i < s.size(); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') quoted = !quoted;
        else if (c == ' ' || c == '\t' || c == '(') field = false;
        else if (c == ':') field = true;
        else if (c == '-' && !quoted && !field && i > 0 && i + 1 < s.size() &&
                 word((unsigned char)s[i - 1]) && word((unsigned char)s[i + 1]))
            s[i] = ' ';
    }
    return s;
}

/* The word of a term (or of a leaf query) without its field prefix, or ""
 * when it is not a term of the headline, standfirst or body. */
std::string term_word(const std::string &t) {
    for (const char *p : {PREFIX_STANDFIRST, PREFIX_TITLE})
        if (t.compare(0, strlen(p), p) == 0) return t.substr(strlen(p));
    if (!t.empty() && t[0] >= 'A' && t[0] <= 'Z') return std::string();
    return t;
}

std::string field_word(const Xapian::Query &q) {
    if (q.get_type() != Xapian::Query::LEAF_TERM) return std::string();
    return term_word(*q.get_terms_begin());
}

/* q with fn applied to each subquery of a boolean operator (AND, OR, NOT
 * and the like); any other query as it is. */
template <class F>
Xapian::Query each_subquery(const Xapian::Query &q, F fn) {
    Xapian::Query::op op = q.get_type();
    switch (op) {
    case Xapian::Query::OP_OR: case Xapian::Query::OP_AND: case Xapian::Query::OP_AND_NOT:
    case Xapian::Query::OP_AND_MAYBE: case Xapian::Query::OP_XOR: case Xapian::Query::OP_FILTER: {
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < q.get_num_subqueries(); i++) sub.push_back(fn(q.get_subquery(i)));
        return Xapian::Query(op, sub.begin(), sub.end());
    }
    default:
        return q;
    }
}

/* The headline, standfirst and body as one field for ranking: QueryParser
 * turns a word of the default field into an OR of its three prefixed terms,
 * each weighted with its own statistics, so a word's rarity in headlines
 * outweighed its use in the text.  Ranked as one term whose frequency is
 * the sum of theirs (headline words x3 and standfirst words x2): in a
 * format 2 index the unprefixed term is that sum already (engine.h), so
 * it stands alone, one posting list to read; a format 1 index gets an
 * OP_SYNONYM of the three, which merges them for every query.  Matches are
 * unchanged. */
Xapian::Query fields_as_one(const engine_reader *r, const Xapian::Query &q);

/* The word's three field terms (q's subqueries from..to) as one term. */
Xapian::Query one_field(const engine_reader *r, const Xapian::Query &q, size_t from, size_t to) {
    std::vector<Xapian::Query> sub;
    for (size_t i = from; i < to; i++) {
        Xapian::Query s = q.get_subquery(i);
        if (r->fields_in_body && *s.get_terms_begin() == field_word(s)) return s;
        sub.push_back(s);
    }
    return Xapian::Query(Xapian::Query::OP_SYNONYM, sub.begin(), sub.end());
}

/* The query position of a leaf term, which Xapian 1.4 shows only in its
 * description ("Query(crane@1)"); 0 when it has none. */
Xapian::termpos leaf_position(const Xapian::Query &leaf) {
    std::string d = leaf.get_description();
    size_t at = d.rfind('@');
    return at == std::string::npos ? 0 : (Xapian::termpos)strtoul(d.c_str() + at + 1, nullptr, 10);
}

/* Whether q's subqueries at..at+2 are the body, headline and standfirst
 * terms QueryParser makes of one word of the default field: in that
 * order, at one query position (a word typed with title:, lede: and
 * body: has a position for each). */
bool field_triple(const Xapian::Query &q, size_t at) {
    if (at + 3 > q.get_num_subqueries()) return false;
    std::string w = field_word(q.get_subquery(at));
    if (w.empty()) return false;
    const std::string want[] = {w, PREFIX_TITLE + w, PREFIX_STANDFIRST + w};
    Xapian::termpos pos = 0;
    for (size_t i = 0; i < 3; i++) {
        Xapian::Query s = q.get_subquery(at + i);
        if (s.get_type() != Xapian::Query::LEAF_TERM || *s.get_terms_begin() != want[i]) return false;
        if (i == 0) pos = leaf_position(s);
        else if (leaf_position(s) != pos) return false;
    }
    return true;
}

Xapian::Query fields_as_one(const engine_reader *r, const Xapian::Query &q) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_OR && n > 1) {
        /* A word's triple is the whole OR, or, since Xapian folds an OR
         * that is the first operand of an OR into it ("crane OR storm" is
         * (crane OR Scrane OR XLcrane OR (storm OR ...)), and mode=any's
         * first word likewise), among its operands. */
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < n; i++) {
            if (field_triple(q, i)) {
                sub.push_back(one_field(r, q, i, i + 3));
                i += 2;
            } else {
                sub.push_back(fields_as_one(r, q.get_subquery(i)));
            }
        }
        return sub.size() == 1 ? sub[0] : Xapian::Query(op, sub.begin(), sub.end());
    }
    return each_subquery(q, [r](const Xapian::Query &s) { return fields_as_one(r, s); });
}

/* The window of a NEAR or PHRASE query, which Xapian 1.4 shows only in
 * its description ("(a@1 NEAR 11 b@2)"); 0 when it cannot be read. */
Xapian::termcount window_of(const Xapian::Query &q) {
    std::string d = q.get_description();
    const char *op = q.get_type() == Xapian::Query::OP_NEAR ? " NEAR " : " PHRASE ";
    size_t at = d.find(op);
    return at == std::string::npos ? 0 : (Xapian::termcount)strtoul(d.c_str() + at + strlen(op), nullptr, 10);
}

bool is_stop_word(const engine_reader *r, const std::string &word) {
    if (r->stop_words.empty() || word.empty()) return false;
    return r->stemming ? word[0] == STOP_MARK : r->stop_words.count(word) > 0;
}

bool is_stop_leaf(const engine_reader *r, const Xapian::Query &q) {
    return q.get_type() == Xapian::Query::LEAF_TERM &&
           is_stop_word(r, unprefixed(*q.get_terms_begin()));
}

/* A phrase or NEAR without its stop words; false when none is left. */
bool phrase_without_stopwords(const engine_reader *r, const Xapian::Query &q,
                              Xapian::Query &out) {
    size_t n = q.get_num_subqueries();
    std::vector<Xapian::Query> sub;
    for (size_t i = 0; i < n; i++)
        if (!is_stop_leaf(r, q.get_subquery(i))) sub.push_back(q.get_subquery(i));
    if (sub.empty()) return false;
    if (sub.size() == n) out = q;
    else if (sub.size() == 1) out = sub[0];
    else {
        Xapian::termcount window = window_of(q), dropped = (Xapian::termcount)(n - sub.size());
        window = window > dropped + sub.size() ? window - dropped : (Xapian::termcount)sub.size();
        out = Xapian::Query(q.get_type(), sub.begin(), sub.end(), window);
    }
    return true;
}

/* Phrases and NEAR without the stop words, which the index leaves out,
 * positions included: "bank of england" looks for bank next to england,
 * as the index holds the text, and NEAR's window shrinks by the words it
 * no longer counts.  QueryParser drops stop words elsewhere by itself.
 * Returns false when nothing is left of q (a phrase of stop words only):
 * its parent leaves it out instead of letting it empty an AND, and with
 * the first operand of AND_NOT, AND_MAYBE or FILTER the parent goes too. */
bool without_stopwords(const engine_reader *r, const Xapian::Query &q, Xapian::Query &out) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    out = q;
    if (r->stop_words.empty() || n == 0) return true;
    if (op == Xapian::Query::OP_PHRASE || op == Xapian::Query::OP_NEAR)
        return phrase_without_stopwords(r, q, out);
    bool first_rules = op == Xapian::Query::OP_AND_NOT || op == Xapian::Query::OP_AND_MAYBE ||
                       op == Xapian::Query::OP_FILTER;
    if (!first_rules && op != Xapian::Query::OP_OR && op != Xapian::Query::OP_AND &&
        op != Xapian::Query::OP_XOR && op != Xapian::Query::OP_SYNONYM)
        return true;
    std::vector<Xapian::Query> sub;
    for (size_t i = 0; i < n; i++) {
        Xapian::Query s;
        if (without_stopwords(r, q.get_subquery(i), s)) sub.push_back(s);
        else if (i == 0 && first_rules) return false;
    }
    if (sub.empty()) return false;
    out = sub.size() == 1 ? sub[0] : Xapian::Query(op, sub.begin(), sub.end());
    return true;
}

Xapian::Query parse(engine_reader *r, const char *query, bool any,
                    unsigned extra) {
    r->qp.set_default_op(any ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
    std::string text = any ? split_hyphens(query) : std::string(query);
    Xapian::Query q;
    if (!without_stopwords(r, r->qp.parse_query(text, QP_FLAGS | extra), q))
        return Xapian::Query::MatchNothing;
    return fields_as_one(r, q);
}

char *dup_string(const std::string &s) {
    return lede_strndup(s.data(), s.size());
}

/* An MSet whose query holds the matched words as "Z"+stem, the form
 * MSet::snippet() recognises whatever the case or inflection in the text:
 * the index stores stems without Z (wildcards need that), so the real
 * MSet's own terms would only mark words that are their own stem. */
/* A wildcard's pattern (prefix included), which Xapian 1.4 shows only in
 * its description ("Query(WILDCARD OR Squill)"); "" when unreadable. */
std::string wildcard_pattern(const Xapian::Query &q) {
    std::string d = q.get_description();
    size_t at = d.find("WILDCARD ");
    if (at == std::string::npos) return std::string();
    size_t start = d.find(' ', at + 9), end = d.rfind(')');
    if (start == std::string::npos || end == std::string::npos || end <= start) return std::string();
    return d.substr(start + 1, end - start - 1);
}

/* The terms a query looks for, not those it excludes, and the patterns of
 * its wildcards. */
void query_terms(const Xapian::Query &q, std::set<std::string> &out,
                 std::set<std::string> &patterns) {
    size_t n = q.get_num_subqueries();
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
        out.insert(*q.get_terms_begin());
        return;
    case Xapian::Query::OP_WILDCARD:
        patterns.insert(wildcard_pattern(q));
        return;
    case Xapian::Query::OP_AND_NOT:
        n = n ? 1 : 0;
        /* fall through */
    default:
        for (size_t i = 0; i < n; i++) query_terms(q.get_subquery(i), out, patterns);
    }
}

/* Words a wildcard's highlighting may take, and all the query's. */
const unsigned HIGHLIGHT_EXPANSIONS = 200, HIGHLIGHT_EXPANSIONS_ALL = 1000;

/* Marks from the query's own terms: reading each hit's term list to find
 * which of them it matched cost 7% of a search with snippets, and a term a
 * hit lacks is simply not in its text.  A wildcard is expanded over the
 * index's body terms (which hold every word), each word (comp* in three
 * fields, or twice in a query) once, up to a bound for each and one for
 * them all: a query of a thousand wildcards that match no headline passes
 * --max-wildcard, and would otherwise walk the whole vocabulary. */
Xapian::MSet highlight_mset(engine_reader *r, const Xapian::Query &q, std::bitset<256> &firsts) {
    std::set<std::string> terms, patterns, words, stems;
    query_terms(q, terms, patterns);
    for (const std::string &p : patterns) stems.insert(term_word(p));
    stems.erase(""); /* a pattern of another field (author:) */
    unsigned all = 0;
    for (const std::string &stem : stems) {
        unsigned n = 0;
        for (Xapian::TermIterator t = r->db.allterms_begin(stem);
             t != r->db.allterms_end(stem) && n < HIGHLIGHT_EXPANSIONS && all < HIGHLIGHT_EXPANSIONS_ALL;
             ++t, ++n, ++all)
            terms.insert(*t);
    }
    for (const std::string &term : terms) {
        if (term.empty() || term[0] == 'Q' || term.compare(0, 2, PREFIX_FILE) == 0) continue;
        std::string word = unprefixed(term);
        if (!word.empty() && !is_stop_word(r, word)) {
            words.insert("Z" + word);
            firsts.set((unsigned char)word[0]);
        }
    }
    Xapian::Enquire marks(r->none);
    marks.set_query(Xapian::Query(Xapian::Query::OP_OR, words.begin(), words.end()));
    return marks.get_mset(0, 0);
}

void fill_hit(engine_reader *r, const Xapian::MSet &marks, const Xapian::Stem &stem,
              const Xapian::MSetIterator &it, const std::string &data,
              unsigned rank, const engine_search_opts *o, engine_hit *h) {
    h->rank = rank;
    h->score = it.get_weight();
    article a;
    article_init(&a);
    char err[LEDE_ERRLEN];
    /* A result list without snippets needs only the uncompressed head. */
    int rc = o->snippet_len ? docstore_decode(r->ds, data.data(), data.size(), &a, err)
                            : docstore_decode_head(data.data(), data.size(), &a, err);
    if (rc != LEDE_OK) {
        h->id = lede_strdup("?");
        h->title = lede_strdup(err);
        return;
    }
    h->id = a.id ? a.id : lede_strdup("");
    h->title = a.title ? a.title : lede_strdup("");
    a.id = a.title = nullptr;
    h->date = a.date;
    h->has_date = a.has_date;
    if (o->snippet_len) {
        std::string text = std::string(a.standfirst ? a.standfirst : "") + "\n" +
                           (a.body ? a.body : "");
        h->snippet = dup_string(marks.snippet(
            text, o->snippet_len, stem,
            Xapian::MSet::SNIPPET_EXHAUSTIVE,
            o->hl_open ? o->hl_open : "", o->hl_close ? o->hl_close : "", "..."));
    }
    article_free(&a);
}

/* One page of results: an MSet, the order of its items to show, and the
 * stored data of those read so far (a hit's, or a tied item's: its date
 * is in the head of its data). */
struct Page {
    Xapian::MSet mset;
    std::vector<Xapian::MSetIterator> items;
    std::unordered_map<Xapian::docid, std::string> data;
};

/* Reads the stored data of the items not read yet, in docid order:
 * neighbouring lookups share the upper blocks of Xapian's docdata B-tree,
 * which its cursor keeps, where ranked order reads one of them again for
 * about every second hit (a pread of a whole block each).  The documents
 * are known to exist (they matched), so Xapian need not check that first
 * (DOC_ASSUME_VALID: one B-tree lookup less each). */
void fetch_data(engine_reader *r, Page &page, std::vector<Xapian::docid> dids) {
    std::sort(dids.begin(), dids.end());
    for (Xapian::docid did : dids)
        if (!page.data.count(did))
            page.data.emplace(did, r->db.get_document(did, Xapian::DOC_ASSUME_VALID).get_data());
}

/* An item's date as a sort key: undated before every date. */
std::pair<bool, int64_t> date_key(const std::string &data) {
    article a;
    article_init(&a);
    char err[LEDE_ERRLEN];
    std::pair<bool, int64_t> key(false, 0);
    if (docstore_decode_head(data.data(), data.size(), &a, err) == LEDE_OK && a.has_date)
        key = std::make_pair(true, (int64_t)a.date);
    article_free(&a);
    return key;
}

/* Orders the page's first `keep` items by score, then newer date, then as
 * Xapian had them (document id).  Dates are needed only where scores tie;
 * they come from the stored data, which the hits shown need anyway (the
 * date value slot would cost a lookup more each: 8% of the mix's time). */
void order_ties(engine_reader *r, Page &page, Xapian::doccount keep) {
    std::vector<Xapian::MSetIterator> &items = page.items;
    bool ties = false;
    Xapian::MSetIterator it = page.mset.begin();
    double prev = -1;
    for (Xapian::doccount i = 0; i < keep; ++i, ++it) {
        ties = ties || it.get_weight() == prev;
        prev = it.get_weight();
        items.push_back(it);
    }
    if (!ties) return;
    std::vector<bool> tied(keep);
    std::vector<Xapian::docid> need;
    for (Xapian::doccount i = 0; i < keep; i++) {
        tied[i] = (i > 0 && items[i].get_weight() == items[i - 1].get_weight()) ||
                  (i + 1 < keep && items[i].get_weight() == items[i + 1].get_weight());
        if (tied[i]) need.push_back(*items[i]);
    }
    fetch_data(r, page, need);
    std::vector<std::pair<bool, int64_t>> date(keep);
    for (Xapian::doccount i = 0; i < keep; i++)
        if (tied[i]) date[i] = date_key(page.data[*items[i]]);
    std::vector<Xapian::doccount> idx(keep);
    for (Xapian::doccount i = 0; i < keep; i++) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](Xapian::doccount a, Xapian::doccount b) {
        double wa = items[a].get_weight(), wb = items[b].get_weight();
        return wa != wb ? wa > wb : date[a] > date[b];
    });
    std::vector<Xapian::MSetIterator> sorted;
    for (Xapian::doccount i : idx) sorted.push_back(items[i]);
    items.swap(sorted);
}

/* An exact phrase of common words, through the pair terms that index
 * them (add_pairs): Xapian checks a phrase by reading the positions of
 * its words in every article that has them all, and common words are in
 * most articles (a two-word phrase of them took 45 ms at 500,000
 * articles, none of which held it).  The pairs are ANDed in without
 * weight, so scores stay those of the words; a two-word phrase needs no
 * position check at all, a longer one is checked only where every pair
 * is present.  Other queries are returned as they are. */
Xapian::Query pairs_for(const engine_reader *r, const Xapian::Query &q) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_PHRASE && n >= 2 && window_of(q) == n) {
        std::vector<std::string> terms;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query s = q.get_subquery(i);
            if (s.get_type() != Xapian::Query::LEAF_TERM) return q;
            terms.push_back(*s.get_terms_begin());
        }
        std::string prefix = terms[0].substr(0, prefix_length(terms[0]));
        std::vector<Xapian::Query> pairs;
        for (size_t i = 0; i + 1 < n; i++) {
            const std::string &next = terms[i + 1];
            if (next.substr(0, prefix_length(next)) != prefix) return q; /* fields differ */
            std::string a = unprefixed(terms[i]), b = unprefixed(next);
            if (r->common.count(a) && r->common.count(b)) pairs.emplace_back(pair_term(prefix, a, b));
        }
        if (pairs.empty()) return q;
        Xapian::Query filter(Xapian::Query::OP_AND, pairs.begin(), pairs.end());
        filter = Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, filter, 0);
        if (n == 2 && pairs.size() == 1) {
            std::vector<Xapian::Query> all{filter, q.get_subquery(0), q.get_subquery(1)};
            return Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end());
        }
        return Xapian::Query(Xapian::Query::OP_AND, filter, q);
    }
    return each_subquery(q, [r](const Xapian::Query &s) { return pairs_for(r, s); });
}

/* The words patterns show the user: "comp" for "Scomp". */
std::vector<std::string> shown_words(const std::vector<std::string> &patterns) {
    std::vector<std::string> shown;
    for (const std::string &p : patterns) {
        std::string w = term_word(p);
        shown.push_back(w.empty() ? p : w);
    }
    return shown;
}

/* The patterns of q if it is a wildcard, or the synonym of wildcards
 * QueryParser makes of word* in the default field; else none. */
std::vector<std::string> wildcard_group(const Xapian::Query &q) {
    std::vector<std::string> patterns;
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::OP_WILDCARD) {
        patterns.push_back(wildcard_pattern(q));
    } else if (op == Xapian::Query::OP_SYNONYM) {
        for (size_t i = 0; i < q.get_num_subqueries(); i++) {
            Xapian::Query w = q.get_subquery(i);
            if (w.get_type() != Xapian::Query::OP_WILDCARD) return {};
            patterns.push_back(wildcard_pattern(w));
        }
    }
    for (const std::string &p : patterns)
        if (p.empty()) return {}; /* unreadable */
    return patterns;
}

/* Takes the words every wildcard in q expands to from budget (see
 * spend_wildcard_words), for a query Xapian expands itself. */
void spend_on_wildcards(const engine_reader *r, const Xapian::Query &q,
                        Xapian::termcount &budget, Xapian::termcount max) {
    std::vector<std::string> group = wildcard_group(q);
    if (!group.empty()) {
        expand_wildcards(r->db, group, shown_words(group), budget, max);
        return;
    }
    for (size_t i = 0; i < q.get_num_subqueries(); i++)
        spend_on_wildcards(r, q.get_subquery(i), budget, max);
}

/* The wildcards of q, on a format 3 index, read through WildcardSource
 * (wildcard.hh) instead of Xapian's merge: a WILDCARD, or the SYNONYM of
 * the three QueryParser makes of word* in the default field.  Replaced
 * where their weight counts as it is (under AND, OR, AND_MAYBE, and the
 * left of AND_NOT and FILTER), where the source may skip what the matcher
 * says it no longer needs; elsewhere (an excluded or filtering wildcard,
 * XOR, where skipping would change what matches) Xapian merges them as
 * before.  Every wildcard's words come out of budget. */
Xapian::Query with_wildcard_sources(const engine_reader *r, const Xapian::Query &q,
                                    Xapian::termcount &budget, Xapian::termcount max) {
    Xapian::Query::op op = q.get_type();
    size_t n = q.get_num_subqueries();
    std::vector<std::string> patterns = wildcard_group(q);
    if (!patterns.empty()) {
        auto words = expand_wildcards(r->db, patterns, shown_words(patterns), budget, max);
        if (words->terms.empty()) return Xapian::Query::MatchNothing; /* as Xapian has it */
        return Xapian::Query((new WildcardSource(words))->release());
    }
    switch (op) {
    case Xapian::Query::OP_AND: case Xapian::Query::OP_OR: case Xapian::Query::OP_AND_MAYBE:
    case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_FILTER: {
        bool all = op != Xapian::Query::OP_AND_NOT && op != Xapian::Query::OP_FILTER;
        std::vector<Xapian::Query> sub;
        for (size_t i = 0; i < n; i++) {
            Xapian::Query s = q.get_subquery(i);
            if (all || i == 0) s = with_wildcard_sources(r, s, budget, max);
            else spend_on_wildcards(r, s, budget, max);
            sub.push_back(s);
        }
        return Xapian::Query(op, sub.begin(), sub.end());
    }
    default:
        spend_on_wildcards(r, q, budget, max);
        return q;
    }
}

/* Ranked by BM25, newer dates first among equal scores.  Xapian's
 * relevance-then-value sort reads the date of every candidate it
 * considers (about 12% of a query at 500,000 articles); instead the top
 * offset+limit+TIE_SLACK+1 are taken by score alone.  When the scores
 * fall below the one at the page's end within those (or every match is
 * there), no tie crosses the cut unseen, and the page is ordered here,
 * reading dates only where scores tie.  Otherwise (a tie run longer than
 * the slack) Xapian's sort runs, which gives the same order.  Without
 * the slack, one query in eight of the Reuters mix ran twice (a run of
 * two equal scores at the cut was enough); with it, 4 in 2,474 do, and
 * the mix takes 8% fewer instructions (callgrind, bench/libsearch). */
const Xapian::doccount TIE_SLACK = 10;

/* The number of leading items of mset that surely hold every match
 * scoring at least as high as item want-1, or 0 when a tie run may go on
 * beyond what mset holds. */
Xapian::doccount complete_prefix(const Xapian::MSet &mset, Xapian::doccount want,
                                 Xapian::doccount fetched) {
    Xapian::doccount n = mset.size();
    if (n <= want) return n;
    double cut = mset[want - 1].get_weight();
    for (Xapian::doccount i = want; i < n; i++)
        if (mset[i].get_weight() < cut) return i;
    return n < fetched ? n : 0;
}

Page run_query(engine_reader *r, Xapian::Enquire &enq, const Xapian::Query &q,
               const engine_search_opts *o) {
    Xapian::Query run = r->common.empty() ? q : pairs_for(r, q);
    Xapian::termcount max = o->max_wildcard ? o->max_wildcard : 1000, budget = max;
    if (r->impacts && !r->xapian_wildcards) run = with_wildcard_sources(r, run, budget, max);
    else spend_on_wildcards(r, run, budget, max);
    enq.set_query(run);
    if (r->impacts) enq.set_weighting_scheme(ImpactWeight());
    else enq.set_weighting_scheme(bm25());
    Xapian::doccount want = o->offset + o->limit;
    /* Both paths below look at as many candidates, so that a query's
     * total and its exactness do not depend on which one ran. */
    Xapian::doccount check = o->exact ? r->db.get_doccount() : want == 0 ? 0 : want + TIE_SLACK + 1;
    Page page;
    if (want == 0) { /* a count: no order to keep */
        page.mset = enq.get_mset(0, 0, check);
        return page;
    }
    if (!o->sort_date) {
        enq.set_sort_by_relevance();
        Xapian::doccount fetch = want + TIE_SLACK + 1;
        page.mset = enq.get_mset(0, fetch, check);
        Xapian::doccount complete = complete_prefix(page.mset, want, fetch);
        if (complete > 0 || page.mset.empty()) {
            order_ties(r, page, complete);
            if (page.items.size() > want) page.items.erase(page.items.begin() + want, page.items.end());
            page.items.erase(page.items.begin(),
                             page.items.begin() + (o->offset < page.items.size() ? o->offset : page.items.size()));
            return page;
        }
        enq.set_sort_by_relevance_then_value(ENGINE_SLOT_DATE, true);
    } else {
        enq.set_sort_by_value_then_relevance(ENGINE_SLOT_DATE, true);
    }
    page.mset = enq.get_mset(o->offset, o->limit, check);
    for (Xapian::MSetIterator it = page.mset.begin(); it != page.mset.end(); ++it)
        page.items.push_back(it);
    return page;
}

const Xapian::doccount RARE_WORD = 2;

/* Articles holding word (as the query parser would stem it) in its
 * headline, standfirst or body, each counted once a field. */
Xapian::doccount word_freq(engine_reader *r, const std::string &word) {
    std::string stem = r->stem(word);
    if (is_stop_word(r, stem)) return RARE_WORD + 1; /* absent by design */
    Xapian::doccount n = 0;
    for (const char *prefix : {"", PREFIX_TITLE, PREFIX_STANDFIRST})
        n += r->db.get_termfreq(prefix + stem);
    return n;
}

bool is_operator(const std::string &token) {
    for (const char *op : {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"})
        if (token == op) return true;
    return false;
}

bool is_field_name(const std::string &token) {
    for (const char *f : {"title", "headline", "lede", "standfirst", "body", "author", "id", "date"})
        if (token == f) return true;
    return false;
}

/* Byte length of the run of word characters (Unicode letters, digits,
 * marks, connectors: Xapian's) at q[at], 0 if there is none. */
size_t word_length(const std::string &q, size_t at) {
    Xapian::Utf8Iterator it(q.data() + at, q.size() - at);
    while (it != Xapian::Utf8Iterator() && Xapian::Unicode::is_wordchar(*it)) ++it;
    return it == Xapian::Utf8Iterator() ? q.size() - at : (size_t)(it.raw() - (q.data() + at));
}

/* The query with each rare word of the default field (in at most
 * RARE_WORD articles) replaced by Xapian's spelling suggestion for it, or
 * "" when none has one.  Common words are left alone: Xapian's own
 * correction (QueryParser's FLAG_SPELLING_CORRECTION) looks up every word,
 * which costs 50 to 400 µs a word here (it compares the word with each
 * dictionary word that shares a trigram) and proposes a neighbour for
 * words the index knows well ("seek" -> "see", "increased" -> "increase").
 * Values of fields (title:word, date:..., id:...), boolean operators,
 * wildcards (word*) and words with digits are not corrected. */
std::string correct(engine_reader *r, const char *query) {
    std::string q(query), out;
    bool changed = false;
    size_t i = 0;
    while (i < q.size()) {
        size_t n = word_length(q, i);
        if (n == 0) { /* one character that is not part of a word */
            size_t k = i + 1;
            while (k < q.size() && ((unsigned char)q[k] & 0xC0) == 0x80) k++;
            out.append(q, i, k - i);
            i = k;
            continue;
        }
        std::string token = q.substr(i, n);
        size_t j = i + n;
        std::string word = Xapian::Unicode::tolower(token);
        if (j + 1 < q.size() && q[j] == ':' && q[j + 1] != ' ' && is_field_name(word)) {
            bool quoted = q[j + 1] == '"'; /* field:value, copied whole */
            size_t end = quoted ? q.find('"', j + 2) : q.find_first_of(" \t)", j);
            end = end == std::string::npos ? q.size() : end + (quoted ? 1 : 0);
            out.append(q, i, end - i);
            i = end;
            continue;
        }
        bool digits = std::any_of(word.begin(), word.end(), [](unsigned char c) { return isdigit(c); });
        bool wildcard = j < q.size() && q[j] == '*';
        std::string better;
        if (!is_operator(token) && !digits && !wildcard && word.size() >= 2 &&
            word_freq(r, word) <= RARE_WORD)
            better = r->db.get_spelling_suggestion(word);
        out += better.empty() ? token : better;
        changed = changed || !better.empty();
        i = j;
    }
    return changed ? out : std::string();
}

/* True when some word of the query is missing from the index or nearly
 * so (in at most RARE_WORD articles, headline, standfirst and body
 * together): only then can a spelling correction help, and looking for one
 * costs more than the query itself. */

bool has_rare_word(engine_reader *r, const Xapian::Query &q) {
    std::unordered_map<std::string, Xapian::doccount> freq;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        std::string word = term_word(*t);
        if (is_stop_word(r, word)) continue; /* absent by design */
        if (!word.empty()) freq[word] += r->db.get_termfreq(*t); /* not id:, author:... */
    }
    for (const auto &kv : freq)
        if (kv.second <= RARE_WORD) return true;
    return false;
}

/* True when the query ANDs words that mode=any would OR: only then can
 * the retry find more (a phrase that matched nothing would be run again
 * as it was, at the full cost of a search). */
bool ands_words(const Xapian::Query &q) {
    switch (q.get_type()) {
    case Xapian::Query::OP_AND:
        return q.get_num_subqueries() > 1;
    case Xapian::Query::OP_FILTER: case Xapian::Query::OP_AND_NOT: case Xapian::Query::OP_AND_MAYBE:
        return q.get_num_subqueries() > 0 && ands_words(q.get_subquery(0));
    default:
        return false;
    }
}

int search_once(engine_reader *r, const engine_search_opts *o,
                engine_results *out) {
    setup_search(r);
    r->qp.set_max_expansion(o->max_wildcard ? o->max_wildcard : 1000,
                            Xapian::Query::WILDCARD_LIMIT_ERROR,
                            Xapian::QueryParser::FLAG_WILDCARD);
    Xapian::Query q = parse(r, o->query, o->any, 0);
    Xapian::Enquire enq(r->db);
    Page page = run_query(r, enq, q, o);
    const Xapian::MSet &mset = page.mset;
    Xapian::Query ran = q;
    if (mset.get_matches_upper_bound() == 0 && !o->any && ands_words(q)) {
        Xapian::Query q_any = parse(r, o->query, true, 0);
        Page p2 = run_query(r, enq, q_any, o);
        if (p2.mset.get_matches_upper_bound() > 0) {
            page = std::move(p2);
            ran = q_any;
            out->retried_any = 1;
        }
    }
    out->total = mset.get_matches_estimated();
    out->exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
    if (out->exact) out->total = mset.get_matches_lower_bound();
    if ((out->total < 5 || out->retried_any) && has_rare_word(r, q)) {
        /* Offered only when it finds more: Xapian proposes corrections for
         * words missing from one of the default field's prefixes, too. */
        std::string corrected = correct(r, o->query);
        if (!corrected.empty()) {
            Xapian::Enquire check(r->db);
            check.set_query(parse(r, corrected.c_str(), o->any, 0));
            Xapian::doccount have = out->retried_any ? 0 : (Xapian::doccount)out->total;
            Xapian::MSet m = check.get_mset(0, 0, have + 1);
            if (m.get_matches_lower_bound() > have)
                out->did_you_mean = dup_string(corrected);
        }
    }
    out->hits = (engine_hit *)lede_calloc(page.items.size() ? page.items.size() : 1, sizeof(engine_hit));
    std::bitset<256> firsts;
    Xapian::MSet marks = o->snippet_len ? highlight_mset(r, ran, firsts) : Xapian::MSet();
    Xapian::Stem stem = o->snippet_len && r->stems_keep_first ? Xapian::Stem(new SnippetStem(r->stem, firsts))
                                                              : r->stem;
    std::vector<Xapian::docid> dids;
    for (const Xapian::MSetIterator &it : page.items) dids.push_back(*it);
    fetch_data(r, page, dids);
    out->nhits = (unsigned)page.items.size(); /* before: a throw frees what was filled */
    for (size_t i = 0; i < page.items.size(); i++)
        fill_hit(r, marks, stem, page.items[i], page.data[*page.items[i]],
                 o->offset + (unsigned)i + 1, o, &out->hits[i]);
    return LEDE_OK;
}

}  // namespace

void engine_results_free(engine_results *res) {
    for (unsigned i = 0; i < res->nhits; i++) {
        free(res->hits[i].id);
        free(res->hits[i].title);
        free(res->hits[i].snippet);
    }
    free(res->hits);
    free(res->did_you_mean);
    memset(res, 0, sizeof *res);
}

/* Runs fn, reopening and retrying when the writer moved on under us. */
template <typename F>
static int with_retry(engine_reader *r, char *err, const char *what, F fn) {
    for (int attempt = 0;; attempt++) {
        try {
            return fn();
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == 3) return lede_seterr(err, "%s: index changing too fast", what);
            try {
                refresh(r, true);
            } catch (...) {
                /* the next attempt reports what is wrong */
            }
        } catch (const Xapian::QueryParserError &e) {
            return lede_seterr_code(err, LEDE_ESYNTAX, "%s", e.get_msg().c_str());
        } catch (const Xapian::WildcardError &e) {
            return lede_seterr_code(err, LEDE_ELIMIT, "wildcard expands to too many words (%s)",
                                    e.get_msg().c_str());
        } catch (const Xapian::Error &e) {
            return fail(err, what, e.get_type() + std::string(": ") + e.get_msg());
        } catch (const std::exception &e) {
            return fail(err, what, e.what());
        } catch (...) {
            return fail(err, what, "unknown error");
        }
    }
}

int engine_search(engine_reader *r, const engine_search_opts *o,
                  engine_results *out, char *err) {
    memset(out, 0, sizeof *out);
    if (qsyntax_check(o->query, err) != LEDE_OK) return LEDE_ESYNTAX;
    int rc = with_retry(r, err, "search", [&] {
        engine_results_free(out);
        return search_once(r, o, out);
    });
    if (rc != LEDE_OK) engine_results_free(out);
    return rc;
}

int engine_suggest(engine_reader *r, const char *query, sbuf *out, char *err) {
    return with_retry(r, err, "suggest", [&] {
        setup_search(r);
        std::string c = correct(r, query);
        sbuf_reset(out);
        sbuf_append(out, c.data(), c.size());
        return LEDE_OK;
    });
}

extern "C" {

int engine_compact(const char *const *srcs, int n, const char *dst,
                   char *err) {
    return guarded(err, "compact", [&] {
        Xapian::Database all;
        for (int i = 0; i < n; i++) all.add_database(Xapian::Database(srcs[i]));
        all.compact(dst, Xapian::DBCOMPACT_MULTIPASS);
        return LEDE_OK;
    });
}

int engine_check(const char *dbpath, char *err) {
    return guarded(err, dbpath, [&] {
        size_t errors = Xapian::Database::check(dbpath, 0, nullptr);
        if (errors)
            return lede_seterr(err, "%s: %zu consistency errors", dbpath, errors);
        return LEDE_OK;
    });
}

}  // extern "C"
