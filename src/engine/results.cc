/* results.cc -- turning a page of matches into search_hits (search.h):
 * reading the stored data of the page (fetch_data), ordering equal scores
 * by date (order_ties), decoding each hit, and its snippet as written
 * with the byte ranges of the query's words in it (highlight_mset,
 * SnippetStem, fill_snippet; the protocol puts markers or offsets around
 * them); search.c frees them.
 * Runs no query and never changes what matched or how it scored. */
#include "internal.hh"
#include "query_run.hh"
#include "boilerplate.hh"
#include "ranking.hh"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

namespace {

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
        patterns.insert(read_description(q).pattern);
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

/* An MSet whose query holds the matched words as "Z"+stem, the form
 * MSet::snippet() recognises whatever the case or inflection in the text:
 * the index stores stems without Z (wildcards need that), so the real
 * MSet's own terms would only mark words that are their own stem.
 *
 * Marks from the query's own terms: reading each hit's term list to find
 * which of them it matched cost 7% of a search with snippets, and a term a
 * hit lacks is simply not in its text.  A wildcard is expanded over the
 * index's body terms (which hold every word), each word (comp* in three
 * fields, or twice in a query) once, up to a bound for each and one for
 * them all: a query of a thousand wildcards that match no headline passes
 * --max-wildcard, and would otherwise walk the whole vocabulary. */
Xapian::MSet highlight_mset(engine_reader *r, const Xapian::Query &q, std::bitset<256> &firsts,
                            std::set<std::string> &words) {
    std::set<std::string> terms, patterns, stems;
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

/* A snippet with the marks of adjacent CJK n-grams joined: Xapian marks
 * each character of "人工智能" ("[人][工][智][能]").  A close marker right
 * before an open one, between two bytes of multi-byte characters, comes
 * of them (the text's own markers' look-alikes between ASCII stay). */
std::string joined_marks(std::string snippet, const char *open, const char *close) {
    if (!*open || !*close) return snippet;
    std::string both = std::string(close) + open;
    size_t at = snippet.find(both);
    while (at != std::string::npos) {
        size_t after = at + both.size();
        if (at > 0 && after < snippet.size() && (unsigned char)snippet[at - 1] >= 0x80 &&
            (unsigned char)snippet[after] >= 0x80)
            snippet.erase(at, both.size());
        else
            at = after;
        at = snippet.find(both, at);
    }
    return snippet;
}

/* Xapian's snippet escapes the text for HTML (& < > only) and puts the
 * markers in as given; these markers begin with '&' too, which the text's
 * own ampersands never do once escaped, so the marked snippet reads back
 * exactly: the text as written and where each highlight begins and ends. */
const char SNIP_OPEN[] = "&{", SNIP_CLOSE[] = "&}";

void unmark_snippet(const std::string &marked, search_hit *h) {
    static const struct { const char *from; char to; } entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
    std::string plain;
    std::vector<search_span> spans;
    size_t open = 0;
    for (size_t i = 0; i < marked.size();) {
        if (marked[i] != '&') {
            plain += marked[i++];
        } else if (marked.compare(i, 2, SNIP_OPEN) == 0) {
            open = plain.size();
            i += 2;
        } else if (marked.compare(i, 2, SNIP_CLOSE) == 0) {
            if (plain.size() > open) spans.push_back({(unsigned)open, (unsigned)plain.size()});
            i += 2;
        } else {
            size_t len = 1;
            char c = '&';
            for (const auto &e : entities)
                if (marked.compare(i, strlen(e.from), e.from) == 0) len = strlen(e.from), c = e.to;
            plain += c;
            i += len;
        }
    }
    h->snippet = dup_string(plain);
    h->nhighlights = (unsigned)spans.size();
    h->highlights = (search_span *)lede_calloc(spans.size() ? spans.size() : 1, sizeof(search_span));
    std::copy(spans.begin(), spans.end(), h->highlights);
}

/* The opening of an article, for a hit whose text holds none of the
 * query's words (it matched on its headline or by filters alone): its
 * standfirst, or its first paragraph when it has none, up to len bytes
 * cut at a space (or a character) and then "...". */
std::string lead_snippet(const article &a, unsigned len) {
    std::string text = a.standfirst && *a.standfirst ? a.standfirst : "";
    if (text.empty() && a.body) {
        const char *start = a.body + strspn(a.body, " \t\r\n");
        const char *end = strstr(start, "\n\n");
        text.assign(start, end ? (size_t)(end - start) : strlen(start));
    }
    while (!text.empty() && isspace((unsigned char)text.back())) text.pop_back();
    if (text.size() <= len) return text;
    size_t cut = text.rfind(' ', len);
    if (cut == std::string::npos || cut == 0) {
        cut = len;
        while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
    }
    text.resize(cut);
    while (!text.empty() && isspace((unsigned char)text.back())) text.pop_back();
    return text + "...";
}

/* A full-width letter or digit (U+FF10-FF19, FF21-FF3A, FF41-FF5A) at
 * s[i]: three bytes, EF BC or EF BD and one more. */
bool fullwidth_alnum(const std::string &s, size_t i) {
    if (i + 3 > s.size() || (unsigned char)s[i] != 0xEF || ((unsigned char)s[i + 1] & 0xC0) != 0x80 ||
        ((unsigned char)s[i + 2] & 0xC0) != 0x80)
        return false;
    unsigned cp = 0xF000 | ((unsigned)(s[i + 1] & 0x3F) << 6) | (unsigned)(s[i + 2] & 0x3F);
    return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A);
}

bool overlaps(const std::vector<search_span> &spans, size_t start, size_t end) {
    for (const search_span &sp : spans)
        if (sp.start < end && start < sp.end) return true;
    return false;
}

/* Marks the full-width words of a folding index's snippet that are the
 * query's: MSet::snippet reads full-width letters as CJK n-grams (Xapian
 * counts that block as CJK), so "ｌｅｄｅ" went unmarked though the index
 * holds it as "lede".  Each run of them is compared folded (fold_text,
 * then lower case, as document.cc makes its term) and stemmed, as the
 * query's words were. */
void mark_fullwidth(const Xapian::Stem &stem, const std::set<std::string> &words, search_hit *h) {
    const std::string s = h->snippet;
    std::vector<search_span> spans(h->highlights, h->highlights + h->nhighlights);
    size_t before = spans.size();
    for (size_t i = 0; i < s.size();) {
        size_t e = i;
        while (fullwidth_alnum(s, e)) e += 3;
        if (e == i) {
            i++;
            continue;
        }
        std::string word = Xapian::Unicode::tolower(fold_text(s.substr(i, e - i)));
        if (words.count("Z" + stem(word)) && !overlaps(spans, i, e)) spans.push_back({(unsigned)i, (unsigned)e});
        i = e;
    }
    if (spans.size() == before) return;
    std::sort(spans.begin(), spans.end(),
              [](const search_span &a, const search_span &b) { return a.start < b.start; });
    free(h->highlights);
    h->highlights = (search_span *)lede_calloc(spans.size(), sizeof(search_span));
    std::copy(spans.begin(), spans.end(), h->highlights);
    h->nhighlights = (unsigned)spans.size();
}

/* The hit's snippet: the passage of its standfirst and body with the most
 * of the query's words (Xapian's MSet::snippet), as written, and the
 * ranges of those words; or its lead when its text has none of them. */
void fill_snippet(const Xapian::MSet &marks, const std::set<std::string> &words, const Xapian::Stem &stem,
                  const article &a, unsigned len, bool fold, search_hit *h) {
    std::string text = std::string(a.standfirst ? a.standfirst : "") + "\n" +
                       (a.body ? a.body : "");
    std::string marked = marks.snippet(
        text, len, stem,
        Xapian::MSet::SNIPPET_EXHAUSTIVE | Xapian::MSet::SNIPPET_EMPTY_WITHOUT_MATCH |
            (fold ? Xapian::MSet::SNIPPET_CJK_NGRAM : 0),
        SNIP_OPEN, SNIP_CLOSE, "...");
    if (marked.empty()) {
        h->snippet = dup_string(lead_snippet(a, len));
        h->highlights = (search_span *)lede_calloc(1, sizeof(search_span));
    } else {
        unmark_snippet(fold ? joined_marks(marked, SNIP_OPEN, SNIP_CLOSE) : marked, h);
    }
    if (fold) mark_fullwidth(stem, words, h);
}

void fill_hit(engine_reader *r, const Xapian::MSet &marks, const std::set<std::string> &words,
              const Xapian::Stem &stem,
              const Xapian::MSetIterator &it, const std::string &data,
              unsigned rank, const search_opts *o, search_hit *h) {
    h->rank = rank;
    /* on BM25's scale whatever the format (TF_SCORE_FACTOR) */
    h->score = scaled_tf(r->format) ? it.get_weight() / TF_SCORE_FACTOR : it.get_weight();
    article a;
    article_init(&a);
    /* freed however fill_hit ends: the snippet reads the database, which
     * a commit or compaction may move (DatabaseModifiedError, which
     * with_retry catches to run the search again); the fields decoded
     * leaked then (LeakSanitizer, leded under ingest with COMPACT) */
    struct Freed {
        article &a;
        ~Freed() { article_free(&a); }
    } freed{a};
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
        reader_clean_body(r, a);
        fill_snippet(marks, words, stem, a, o->snippet_len, r->fold, h);
    }
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

}  // namespace

/* Reads the stored data of the items not read yet, in docid order:
 * neighbouring lookups share the upper blocks of Xapian's docdata B-tree,
 * which its cursor keeps, where ranked order reads one of them again for
 * about every second hit (a pread of a whole block each).  The documents
 * are known to exist (they matched), so Xapian need not check that first
 * (DOC_ASSUME_VALID: one B-tree lookup less each).  From a remote shard
 * each document is a round trip (Xapian 1.4's remote protocol fetches one
 * at a time), which is why search.cc has remote servers order ties. */
void fetch_data(engine_reader *r, Page &page, std::vector<Xapian::docid> dids) {
    std::sort(dids.begin(), dids.end());
    for (Xapian::docid did : dids)
        if (!page.data.count(did))
            page.data.emplace(did, r->db.get_document(did, Xapian::DOC_ASSUME_VALID).get_data());
}

/* Orders the page's first `keep` items by score, then newer date, then as
 * Xapian had them (document id).  Dates are needed only where scores tie;
 * they come from the stored data, which the hits shown need anyway (the
 * date value slot would cost a lookup more each: 8% of the mix's time). */
void order_ties(engine_reader *r, Page &page, Xapian::doccount keep) {
    Xapian::MSetIterator it = page.mset.begin();
    for (Xapian::doccount i = 0; i < keep; ++i, ++it) page.items.push_back(it);
    order_tied_items(r, page);
}

void order_tied_items(engine_reader *r, Page &page) {
    std::vector<Xapian::MSetIterator> &items = page.items;
    Xapian::doccount keep = (Xapian::doccount)items.size();
    bool ties = false;
    for (Xapian::doccount i = 1; i < keep; ++i) ties = ties || items[i].get_weight() == items[i - 1].get_weight();
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

void fill_hits(engine_reader *r, Page &page, const Xapian::Query &ran,
               const search_opts *o, search_results *out) {
    out->hits = (search_hit *)lede_calloc(page.items.size() ? page.items.size() : 1, sizeof(search_hit));
    std::bitset<256> firsts;
    std::set<std::string> words; /* "Z" + the stem of each word to mark */
    Xapian::MSet marks = o->snippet_len ? highlight_mset(r, ran, firsts, words) : Xapian::MSet();
    /* In a folding index, a word written with an accent or in another
     * form ("élections") may stem to a query's "elect": every word that
     * begins outside ASCII is stemmed. */
    if (r->fold)
        for (unsigned b = 0x80; b < 256; b++) firsts.set(b);
    Xapian::Stem stem = o->snippet_len && r->stems_keep_first ? Xapian::Stem(new SnippetStem(r->stem, firsts))
                                                              : r->stem;
    std::vector<Xapian::docid> dids;
    for (const Xapian::MSetIterator &it : page.items) {
        if (page.heads_in_keys && !o->snippet_len) {
            std::string key = it.get_sort_key();
            if (key.size() > 8) { /* the head is all the hit shows */
                page.data.emplace(*it, key.substr(8));
                continue;
            }
        }
        dids.push_back(*it);
    }
    fetch_data(r, page, dids);
    out->nhits = (unsigned)page.items.size(); /* before: a throw frees what was filled */
    for (size_t i = 0; i < page.items.size(); i++) {
        check_stop(o, "the snippets");
        fill_hit(r, marks, words, stem, page.items[i], page.data[*page.items[i]],
                 o->offset + (unsigned)i + 1, o, &out->hits[i]);
        if (o->collapse) out->hits[i].similar = collapsed_into(page, page.items[i]);
    }
}
