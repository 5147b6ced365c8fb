/* test_tokenise.cc -- the bulk path's tokeniser (src/engine/tokenise.cc)
 * against Xapian's TermGenerator, which it must equal exactly: term by
 * term, wdf and positions, across lede's settings (a stemmer or none, stop
 * words or none, folding on or off).  Two levels:
 *   - the tokeniser alone, on fixed cases of every rule and on random
 *     texts of odd Unicode, beside a TermGenerator set as
 *     engine_writer_configure sets it (and the spelling words it counts
 *     as it reads, beside tok::spelling_words');
 *   - whole documents: make_flat_document (the bulk path) against
 *     make_document (the API path) for the same articles, with format 4's
 *     baked wdfs, pair, tier and stop-pair terms and the spelling words,
 *     on the random texts and, where the shared collections are present
 *     ($LEDE_SHARED, else ../shared beside the checkout), on the Reuters
 *     and BBC articles (every one with the first setting, every third
 *     with two others, each its own third: 1.67 passes where three made
 *     this make test's second-longest test); with pair words listed and
 *     by shares (src/engine/pairs.hh), whose rule is checked here too; and with
 *     prefix words, each prefix term's wdf the sum of the wdfs of its
 *     field's words starting so (src/engine/prefix_terms.cc), and the tier
 *     term XTXW<prefix> exactly where the fields' sums reach the prefix
 *     word's threshold (src/engine/tiers.cc); the run buffer whose ids
 *     the documents' terms carry is released every 97 articles (a new
 *     generation, as a writer's spill starts), the tier verdicts kept by
 *     id (TierVerdicts) forgotten then. */
#include "internal.hh"
#include "bulk_writer.hh"
#include "tiers.hh"
#include "tokenise.hh"
#include "unit.h"

#include <dirent.h>
#include <unistd.h>
#include <zlib.h>

#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

typedef std::map<std::string, std::pair<Xapian::termcount, std::vector<Xapian::termpos>>> Terms;

Terms terms_of(const Xapian::Document &doc) {
    Terms out;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        out[*t] = {t.get_wdf(), {t.positionlist_begin(), t.positionlist_end()}};
    return out;
}

Terms terms_of(const bulk::FlatDocument &doc) {
    Terms out;
    for (const bulk::FlatTerm &t : doc.terms) out[t.term] = {t.wdf, {doc.begin(t), doc.end(t)}};
    return out;
}

/* The first difference of two term lists, "" for none. */
std::string diff(const Terms &want, const Terms &got) {
    for (const auto &w : want) {
        auto g = got.find(w.first);
        if (g == got.end()) return "missing " + w.first;
        if (g->second.first != w.second.first)
            return w.first + " wdf " + std::to_string(g->second.first) + " want " + std::to_string(w.second.first);
        if (g->second.second != w.second.second) return w.first + " positions differ";
    }
    for (const auto &g : got)
        if (!want.count(g.first)) return "extra " + g.first;
    return std::string();
}

/* Fragments random texts are made of: every rule's edge. */
const char *const FRAGMENTS[] = {
    "a", "B", "word", "Running", "runs", "the", "and", "of", "The", "U.S.A.", "U.S", "P.T.O", "A.b",
    "C++", "c#", "c+++", "c++++", "+", "#", "fish+chips", "'", "\xe2\x80\x99", "\xe2\x80\x9b", "&",
    "AT&T", "\xc2\xb7", "\xd7\xb4", "\xe2\x80\xa7", "1,000", "3.14", "2;3", ".", ",", ";", "\xcd\xbe",
    "\xe2\x81\x84", "\xe2\x80\x8b", "\xe2\x80\x8c", "\xe2\x81\xa0", "\xef\xbb\xbf", "\xc3\xa9", "\xc3\x89",
    "\xc3\x9f", "\xc7\x85", "\xc4\xb0", "\xce\xa9", "\xef\xac\x81", "\xd9\xa3", "\xcc\x81", " ", "  ", "\n",
    "-", "_", "x1", "42", "don't", "O'Neil", "rock'n'roll", "naïve", "Ærø", "ǲwon", "\xff", "\xc3",
    "\xe2\x82", "\xf0\x9f\x98\x80", "\xe1\xbd\x88", "Straße", "ΣΊΣΥΦΟΣ", "Москва", "i.e.", "e.g",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",  /* 65 bytes */
    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",   /* 64 */
    "\xe2\x80\x8b" "abc", "1\xe2\x80\x8b" "2", "9.", ".5", "a\xc2\xad" "b", "new", "york", "oil",
};

std::string random_text(std::mt19937 &rng, size_t pieces) {
    std::uniform_int_distribution<size_t> pick(0, sizeof FRAGMENTS / sizeof *FRAGMENTS - 1);
    std::uniform_int_distribution<int> glue(0, 3);
    std::string s;
    for (size_t i = 0; i < pieces; i++) {
        s += FRAGMENTS[pick(rng)];
        if (glue(rng) == 0) s += ' ';
    }
    return s;
}

/* The texts of a field set as one TermGenerator document. */
struct Setting {
    const char *language;  /* "none" or a stemmer's */
    bool stops, fold;
};

const Setting SETTINGS[] = {
    {"english", true, true}, {"english", false, true}, {"none", true, true},
    {"none", false, false},  {"english", true, false}, {"none", true, false},
};

std::string describe(const Setting &s) {
    return std::string(s.language) + (s.stops ? " stops" : " no-stops") + (s.fold ? " fold" : " no-fold");
}

/* The tokeniser beside a TermGenerator on texts, the calls index_texts
 * makes (positions with a prefix, without positions, the body). */
void check_tokeniser(const Setting &set, const std::vector<std::string> &texts) {
    Xapian::TermGenerator tg;
    Xapian::Stem stem;
    word_set stops;
    if (set.fold) tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
    if (strcmp(set.language, "none")) {
        stem = make_stemmer(set.language);
        tg.set_stemmer(stem);
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
    }
    if (set.stops) {
        stops = words_of(engine_default_stopwords("english"));
        if (set.fold) stops = folded_words(stops);
        tg.set_stopper(make_stopper(stops)->release());
        tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
    }
    std::map<std::string, Xapian::termcount> spelled; /* what the tokeniser counts */
    tok::Tokeniser tk(stem.is_none() ? nullptr : &stem, &stops,
                      [&](const std::string &w, Xapian::termcount n) { spelled[w] += n; });
    /* its word cache kept throughout */
    size_t compared = 0, refused = 0;
    std::string first;
    for (const std::string &raw : texts) {
        std::string text = set.fold ? fold_text(raw) : raw;
        Xapian::Document doc;
        tg.set_document(doc);
        tg.index_text(text, 3, "S");
        tg.index_text_without_positions(text, 2);
        tg.index_text(text);
        tok::Decoded d;
        tok::decode(text, d);
        tok::TermTable table;
        tk.pos = 0;
        if (!tk.index(d, 3, "S", true, table)) {
            refused++;
            continue;
        }
        tk.index(d, 2, "", false, table);
        tk.index(d, 1, "", true, table, true); /* with its spelling words */
        tk.flush_spelling();
        std::map<std::string, Xapian::termcount> want_spelled;
        tok::spelling_words(d, [&](const std::string &w) { want_spelled[w]++; });
        compared++;
        std::string why = diff(terms_of(doc), terms_of(table.take_sorted()));
        if (why.empty() && tk.pos != tg.get_termpos()) why = "last position differs";
        if (why.empty() && spelled != want_spelled) why = "spelling words differ";
        spelled.clear();
        if (!why.empty() && first.empty()) first = why + " in \"" + text + "\"";
    }
    CHECK(first.empty(), "tokeniser equals the TermGenerator, spelling words spelling_words' (%s): "
          "%zu texts, %zu CJK left to it%s%s",
          describe(set).c_str(), compared, refused, first.empty() ? "" : ": ", first.c_str());
}

/* "lede.pair_words" as a list (every two pair) and by shares (pairs.hh:
 * york and new pair, their product at the floor; new and oil, york and
 * oil do not; oil and word, far below it, do: both are "lede.common"). */
const char *const PAIRS_LISTED = "new york oil price u.s said word";
const char *const PAIRS_BY_SHARES = "min=1000 new=500000 oil=400 york=2000 word=400 u.s=900000";
const char *const COMMON_OF_SHARES = "oil word";
/* "lede.prefixes": prefix words of the fragments' words and of Reuters'. */
const char *const PREFIX_WORDS = "comp mark run shar wor xxx yyyy";

/* "lede.tiers"' thresholds of prefix words (their sums over the fields). */
const char *const PREFIX_TIERS = "XWcomp=150 XWshar=100 XWwor=120";

/* A writer of an in-memory index with format 4, its pair and tier words
 * and stop pairs, configured as set; common: "lede.common" (or none). */
engine_writer *open_writer(const Setting &set, const char *pair_words, const char *common) {
    char err[512] = "";
    engine_writer *w = nullptr;
    if (engine_writer_open(nullptr, 1, 1, &w, err) != LEDE_OK) return nullptr;
    w->db.set_metadata(settings_key(SETTINGS_FORMAT), "4");
    w->db.set_metadata(settings_key(SETTINGS_FOLD), set.fold ? ENGINE_FOLD : "");
    w->db.set_metadata(settings_key(SETTINGS_STOP_PAIRS), "1");
    w->db.set_metadata(settings_key(SETTINGS_PIVOT), "120");
    w->db.set_metadata(settings_key(SETTINGS_PAIR_WORDS), pair_words);
    if (common) w->db.set_metadata(settings_key(SETTINGS_COMMON), common);
    w->db.set_metadata(settings_key(SETTINGS_TIERS), std::string("oil=3000,3001 said=2000,2001 word=100,101 run=1500,1501 ") + PREFIX_TIERS);
    w->db.set_metadata(settings_key(SETTINGS_PREFIXES), PREFIX_WORDS);
    const char *stops = set.stops ? engine_default_stopwords("english") : "";
    if (engine_writer_configure(w, set.language, stops, 1, err) != LEDE_OK) {
        engine_writer_abandon(w);
        return nullptr;
    }
    return w;
}

std::map<std::string, Xapian::termcount> take_words(engine_writer *w) {
    std::map<std::string, Xapian::termcount> out;
    for (const auto &kv : w->words) out[kv.first] = kv.second;
    clear_words(w);
    return out;
}

/* The first prefix term of doc whose wdf is not the sum of the wdfs of
 * the terms starting with its pattern (what a wildcard of the pattern
 * reads), or whose pattern is not a text field's prefix word; "" for
 * none.  Counts the prefix terms into made. */
std::string wrong_prefix_term(const Terms &doc, size_t &made) {
    for (const auto &t : doc) {
        if (t.first.compare(0, 2, PREFIX_PREFIX) != 0) continue;
        made++;
        std::string pattern = t.first.substr(2);
        Xapian::termcount sum = 0;
        for (auto u = doc.lower_bound(pattern); u != doc.end() && u->first.compare(0, pattern.size(), pattern) == 0; ++u)
            sum += u->second.first;
        if (sum != t.second.first || !t.second.second.empty())
            return t.first + " wdf " + std::to_string(t.second.first) + ", its words' " + std::to_string(sum);
        std::string word = pattern.substr(pattern.compare(0, 2, PREFIX_STANDFIRST) == 0 ? 2
                                          : pattern.compare(0, 1, PREFIX_TITLE) == 0 ? 1 : 0);
        if (std::string(" ") .append(PREFIX_WORDS).append(" ").find(" " + word + " ") == std::string::npos)
            return t.first + ": not a prefix word's";
    }
    return "";
}

/* The first prefix word of PREFIX_TIERS whose tier term XTXW<prefix> doc
 * holds and its XW<field><prefix> terms' sum does not reach, or the
 * other way round; "" for none.  Counts the articles of a tier into hi,
 * the others holding the prefix into lo. */
std::string wrong_prefix_tier(const Terms &doc, size_t &hi, size_t &lo) {
    std::istringstream in(PREFIX_TIERS);
    for (std::string item; in >> item;) {
        std::string key = item.substr(0, item.find('='));
        Xapian::termcount at = (Xapian::termcount)std::stoul(item.substr(item.find('=') + 1)), sum = 0;
        std::string word = key.substr(2);
        for (const std::string &f : {std::string(), std::string(PREFIX_TITLE), std::string(PREFIX_STANDFIRST)}) {
            auto t = doc.find(PREFIX_PREFIX + f + word);
            if (t != doc.end()) sum += t->second.first;
        }
        bool tier = doc.count(PREFIX_TIER + key) > 0;
        if (sum) (tier ? hi : lo)++;
        if (tier != (sum >= at)) return key + " sums " + std::to_string(sum) + (tier ? ", tier term" : ", none");
    }
    return "";
}

/* make_flat_document against make_document for each article. */
struct DocCheck {
    std::unique_ptr<tok::Tokeniser> tk;
    bulk::RunBuffer dict; /* one dictionary for all, as a writer's run has */
    TierVerdicts verdicts; /* and its tier verdicts, kept by term id from one article to the next */
    /* The dictionary released (a new generation, its ids given again to
     * other terms, as a writer's spill does) every RELEASE_EVERY articles:
     * verdicts kept by the old ids must be forgotten (TierVerdicts::find). */
    static const size_t RELEASE_EVERY = 97;
    size_t generations = 1;
    size_t docs = 0;
    std::string first;
    std::map<std::string, size_t> pairs; /* pair terms made, by their words */
    size_t prefix_terms = 0, tier_hi = 0, tier_lo = 0;
    size_t tier_terms = 0, narrow_terms = 0; /* XT and XTN terms made */
    void check(engine_writer *w, const article *a) {
        std::string q = id_term(a->id);
        clear_words(w);
        Xapian::Document want = make_document(w, a, q, "file", 7, "data", 4);
        auto want_words = take_words(w);
        if (!tk) tk = make_tokeniser(w);
        if (docs && docs % RELEASE_EVERY == 0) {
            dict.release();
            generations++;
        }
        bulk::FlatDocument got = make_flat_document(w, *tk, &dict, &verdicts, a, q, "file", 7, "data", 4);
        tk->flush_spelling(); /* the words it counted in its cache */
        auto got_words = take_words(w);
        docs++;
        for (const bulk::FlatTerm &t : got.terms)
        {
            if (t.term.compare(0, strlen(PREFIX_PAIR), PREFIX_PAIR) == 0) pairs[t.term.substr(t.term.find(':') + 1)]++;
            if (t.term.compare(0, strlen(PREFIX_TIER_NARROW), PREFIX_TIER_NARROW) == 0) narrow_terms++;
            else if (t.term.compare(0, strlen(PREFIX_TIER), PREFIX_TIER) == 0 && !isupper((unsigned char)t.term[2]))
                tier_terms++; /* a word's, not a prefix word's (XTXW) */
        }
        if (!first.empty()) return;
        std::string why = diff(terms_of(want), terms_of(got));
        if (why.empty()) why = wrong_prefix_term(terms_of(got), prefix_terms);
        if (why.empty()) why = wrong_prefix_tier(terms_of(got), tier_hi, tier_lo);
        bulk::SlotValues values;
        for (Xapian::ValueIterator v = want.values_begin(); v != want.values_end(); ++v)
            values.emplace_back(v.get_valueno(), *v);
        if (why.empty() && values != got.values) why = "values differ";
        if (why.empty() && want.get_data() != got.data) why = "data differs";
        if (why.empty() && want_words != got_words) why = "spelling words differ";
        if (!why.empty()) first = why + " in article " + a->id;
    }
};

void random_articles(engine_writer *w, DocCheck &dc, unsigned seed, int n) {
    std::mt19937 rng(seed);
    for (int i = 0; i < n; i++) {
        article a;
        article_init(&a);
        a.id = lede_strdup(("r" + std::to_string(i)).c_str());
        std::string title = random_text(rng, 6);
        if (i % 7 == 0) title += " \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e Word \xef\xbc\xa1"; /* CJK: the TermGenerator's */
        a.title = lede_strdup(title.c_str());
        a.standfirst = lede_strdup(random_text(rng, 12).c_str());
        a.body = lede_strdup(random_text(rng, 80).c_str());
        if (i % 2) a.author = lede_strdup(random_text(rng, 3).c_str());
        dc.check(w, &a);
        article_free(&a);
    }
}

/* Where the shared collections are: $LEDE_SHARED, else ../shared beside
 * the checkout ($LEDE_ROOT, which tests/run sets, or the working
 * directory), as tests/sh/lib.sh finds them. */
std::string shared_dir() {
    if (const char *s = getenv("LEDE_SHARED")) return s;
    const char *root = getenv("LEDE_ROOT");
    return std::string(root ? root : ".") + "/../shared";
}

/* The articles of the shared Reuters JSON Lines and BBC text files whose
 * place in that order is offset modulo stride (every one at stride 1). */
size_t shared_articles(engine_writer *w, DocCheck &dc, size_t stride, size_t offset) {
    size_t seen = 0, place = 0;
    char err[512], warn[512];
    const std::string shared = shared_dir();
    if (gzFile gz = gzopen((shared + "/corpus/reuters/reuters21578.jsonl.gz").c_str(), "rb")) {
        std::vector<char> line(1 << 22);
        while (gzgets(gz, line.data(), (int)line.size())) {
            if (place++ % stride != offset) continue;
            article a;
            article_init(&a);
            if (article_from_bytes(line.data(), strlen(line.data()), ARTICLE_JSON, nullptr, &a, nullptr,
                                   err, warn) != LEDE_OK)
                continue;
            if (a.id) dc.check(w, &a), seen++;
            article_free(&a);
        }
        gzclose(gz);
    }
    for (const char *section : {"business", "entertainment", "politics", "sport", "tech"}) {
        std::string dir = shared + "/corpus/bbc/" + section;
        DIR *dh = opendir(dir.c_str());
        if (!dh) continue;
        while (struct dirent *e = readdir(dh)) {
            if (e->d_name[0] == '.' || place++ % stride != offset) continue;
            std::string path = dir + "/" + e->d_name, bytes;
            FILE *f = fopen(path.c_str(), "rb");
            if (!f) continue;
            char buf[65536];
            for (size_t got; (got = fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, got);
            fclose(f);
            article_defaults d = {};
            d.id = path.c_str();
            article a;
            article_init(&a);
            if (article_from_bytes(bytes.data(), bytes.size(), ARTICLE_TEXT, &d, &a, nullptr, err, warn) ==
                LEDE_OK) {
                dc.check(w, &a), seen++;
                article_free(&a);
            }
        }
        closedir(dh);
    }
    return seen;
}

/* The bulk and API paths' documents, the index's pair words listed, or
 * by shares, on the random articles and the shared ones at stride and
 * offset (none at stride 0); returns the pair terms made, by their words. */
std::map<std::string, size_t> check_documents(const Setting &set, size_t stride, size_t offset, bool by_shares) {
    engine_writer *w = by_shares ? open_writer(set, PAIRS_BY_SHARES, COMMON_OF_SHARES)
                                 : open_writer(set, PAIRS_LISTED, nullptr);
    const char *pairs = by_shares ? "pairs by shares" : "pairs listed";
    CHECK(w != nullptr, "writer opened and configured (%s, %s)", describe(set).c_str(), pairs);
    if (!w) return {};
    DocCheck dc;
    random_articles(w, dc, 17, 300);
    size_t real = stride ? shared_articles(w, dc, stride, offset) : 0;
    CHECK(dc.first.empty(), "flat documents equal make_document's (%s, %s): %zu articles, %zu real%s%s",
          describe(set).c_str(), pairs, dc.docs, real, dc.first.empty() ? "" : ": ", dc.first.c_str());
    CHECK(dc.docs >= 300, "every article compared (%zu)", dc.docs);
    CHECK(dc.generations > 3, "the dictionary's generations crossed (%zu), the tier verdicts kept across them",
          dc.generations);
    CHECK(dc.prefix_terms > 0, "prefix terms made and summed (%zu)", dc.prefix_terms);
    CHECK(dc.tier_hi > 0 && dc.tier_lo > 0, "prefix tier terms where the sums reach their thresholds (%zu "
          "articles) and not elsewhere (%zu)", dc.tier_hi, dc.tier_lo);
    if (real)
        CHECK(dc.tier_terms > 0 && dc.narrow_terms > 0, "tier terms of words (%zu) and of their narrow level (%zu) "
              "made", dc.tier_terms, dc.narrow_terms);
    engine_writer_abandon(w);
    return dc.pairs;
}

/* The pair rule's choices show in the documents: listed, every two of
 * the words pair; by shares, only those whose shares' product reaches
 * the floor, or both common. */
void check_pair_choice(const Setting &set, size_t stride, size_t offset) {
    auto listed = check_documents(set, stride, offset, false);
    auto shares = check_documents(set, 0, 0, true);
    size_t new_oil = shares["new oil"] + shares["oil new"], oil_word = shares["oil word"] + shares["word oil"];
    CHECK(listed["new oil"] + listed["oil new"] > 0 && listed["york oil"] + listed["oil york"] > 0,
          "listed: new oil and york oil pair (%zu, %zu)", listed["new oil"], listed["york oil"]);
    CHECK(new_oil == 0 && shares["york oil"] + shares["oil york"] == 0,
          "by shares: new oil and york oil, below the floor, do not pair (%zu)", new_oil);
    CHECK(shares["york new"] + shares["new york"] > 0, "by shares: york new, at the floor, pairs");
    CHECK(oil_word > 0, "by shares: oil and word, both common, pair far below the floor (%zu)", oil_word);
}

/* The rule itself, as readers apply it: the floor reached exactly pairs,
 * an old plain list pairs every two, an absent list the common words. */
void check_pair_rule() {
    word_set common = words_of("york word");
    PairRule r = PairRule::by_shares("min=1000 a=1000 b=1000000 c=999 york=10", common);
    CHECK(r.pairs("a", "b") && r.pairs("b", "a") && !r.pairs("c", "b") && r.pairs("b", "b"),
          "by shares: a product at the floor pairs, below it not");
    CHECK(r.pairs("york", "word") && !r.pairs("york", "a") && !r.pairs("a", "x") && r.find("word") && !r.find("x"),
          "by shares: common words pair with each other, unlisted words with none");
    CHECK(r.pairs(*r.find("a"), *r.find("b")) && !r.pairs(*r.find("c"), *r.find("b")) &&
              r.pairs(*r.find("york"), *r.find("word")) && !r.pairs(*r.find("york"), *r.find("a")),
          "by shares: the rule's entries pair as their words do");
    settings s;
    settings_init(&s);
    sbuf_puts(&s.common, "mln dlr");
    PairRule old = pair_rule_of(s);
    CHECK(old.pairs("mln", "dlr") && !old.pairs("mln", "vs"), "no pair words: the common words pair");
    sbuf_puts(&s.pair_words, "mln dlr vs");
    old = pair_rule_of(s);
    CHECK(old.pairs("vs", "mln") && !old.pairs("vs", "cts"), "a plain list: every two of its words pair");
    sbuf_reset(&s.pair_words);
    sbuf_puts(&s.pair_words, "min=250000 vs=500000 cts=400000");
    PairRule by = pair_rule_of(s);
    CHECK(!by.pairs("vs", "cts") && by.pairs("vs", "vs") && by.pairs("mln", "dlr"),
          "by shares from the settings, the common words beside them");
    settings_free(&s);
}

void check_fixed_rules() {
    /* A few of the rules by hand, so that a change in Xapian's tables
     * would show here as well as in the comparison. */
    word_set none;
    tok::Tokeniser tk(nullptr, &none);
    tok::Decoded d;
    tok::decode("U.S.A. C++ AT&T don\xe2\x80\x99t 1,000.5 fish+chips", d);
    tok::TermTable table;
    CHECK(tk.index(d, 1, "", true, table), "plain text is tokenised");
    std::string got;
    bulk::FlatDocument doc = table.take_sorted();
    for (const bulk::FlatTerm &t : doc.terms) got += t.term + " ";
    CHECK_STR(got.c_str(), "1,000.5 at&t c++ chips don't fish usa ", "the rules' terms");
    tok::decode("\xe6\x97\xa5\xe6\x9c\xac", d);
    CHECK(d.cjk && !tk.index(d, 1, "", true, table), "CJK text is refused");
}

}  // namespace

int main() {
    check_fixed_rules();
    std::mt19937 rng(20);
    std::vector<std::string> texts;
    for (const char *f : FRAGMENTS) texts.push_back(f);
    for (int i = 0; i < 2000; i++) texts.push_back(random_text(rng, 1 + i % 40));
    texts.push_back("\xe6\x97\xa5\xe6\x9c\xac word");
    for (const Setting &s : SETTINGS) check_tokeniser(s, texts);
    bool shared = access((shared_dir() + "/corpus").c_str(), R_OK) == 0;
    if (!shared)
        printf("ok - # SKIP %s/corpus absent (LEDE_SHARED): Reuters and BBC articles not compared\n",
               shared_dir().c_str());
    check_pair_rule();
    /* The shared articles with settings 0, 2 and 4 (a stemmer or none,
     * folding or none): every one with the first, every third with the
     * others, the second's thirds not the third's. */
    for (size_t i = 0; i < sizeof SETTINGS / sizeof *SETTINGS; i++) {
        size_t stride = !shared || i % 2 ? 0 : i == 0 ? 1 : 3;
        check_pair_choice(SETTINGS[i], stride, i / 2);
    }
    return unit_exit();
}
