/* spelling.cc -- "did you mean": the corrected query offered with a
 * search's results (offer_correction) or asked for alone
 * (engine_suggest), from the spelling data writers keep (document.cc
 * collects it).  Corrects the rare words of the default field only.
 * Never changes the results of the search it is offered with.  Bounded as
 * a search is: SUGGEST stops at the query's deadline (checked at each
 * word) and refuses with ERR LIMIT a query of more words to correct than
 * --max-query-terms (or over twice that many words, unread). */
#include "internal.hh"

#include <algorithm>
#include <cctype>
#include <cinttypes>

namespace {

const Xapian::doccount RARE_WORD = 2;

/* The articles holding term: as the match that gave ran (if any) weighed
 * it, else the database's figure (MSet::get_termfreq asks the database
 * only for a term the match did not weigh).  From remote shards each
 * figure asked anew is a round trip to every server. */
Xapian::doccount term_freq(engine_reader *r, const Xapian::MSet *ran, const std::string &term) {
    return ran ? ran->get_termfreq(term) : r->db.get_termfreq(term);
}

/* Articles holding word (as the query parser would stem it) in its
 * headline, standfirst or body, each counted once a field; past
 * RARE_WORD, whatever figure is over it.  The body term, which the
 * search weighed, comes first: when it alone is over RARE_WORD, so is the
 * sum, and the other two are not asked for. */
Xapian::doccount word_freq(engine_reader *r, const Xapian::MSet *ran, const std::string &word) {
    std::string stem = r->stem(word);
    if (is_stop_word(r, stem)) return RARE_WORD + 1; /* absent by design */
    Xapian::doccount n = term_freq(r, ran, stem);
    if (n > RARE_WORD) return n;
    for (const char *prefix : {PREFIX_TITLE, PREFIX_STANDFIRST})
        n += term_freq(r, ran, prefix + stem);
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

/* Walks a query's text as correct() reads it: fn(piece, correctable)
 * for each piece in order, where a correctable piece is a word of the
 * default field that a correction may replace, and every other piece
 * (separators, operators, field:value, wildcards, words with digits,
 * one-letter words) is copied as it is. */
template <typename F>
void walk_words(const std::string &q, F fn) {
    size_t i = 0;
    while (i < q.size()) {
        size_t n = word_length(q, i);
        if (n == 0) { /* one character that is not part of a word */
            size_t k = i + 1;
            while (k < q.size() && ((unsigned char)q[k] & 0xC0) == 0x80) k++;
            fn(q.substr(i, k - i), false);
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
            fn(q.substr(i, end - i), false);
            i = end;
            continue;
        }
        bool digits = std::any_of(word.begin(), word.end(), [](unsigned char c) { return isdigit(c); });
        bool wildcard = j < q.size() && q[j] == '*';
        fn(token, !is_operator(token) && !digits && !wildcard && word.size() >= 2);
        i = j;
    }
}

/* The query with each rare word of the default field (in at most
 * RARE_WORD articles) replaced by Xapian's spelling suggestion for it, or
 * "" when none has one.  Common words are left alone: Xapian's own
 * correction (QueryParser's FLAG_SPELLING_CORRECTION) looks up every word,
 * which costs 50 to 400 µs a word here (it compares the word with each
 * dictionary word that shares a trigram) and proposes a neighbour for
 * words the index knows well ("seek" -> "see", "increased" -> "increase").
 * Values of fields (title:word, date:..., id:...), boolean operators,
 * wildcards (word*) and words with digits are not corrected.  A word that
 * comes again is looked up once; the deadline is checked at each word.
 * ran: the search's match, whose frequencies term_freq reads (NULL for
 * SUGGEST, which runs none). */
std::string correct(engine_reader *r, const search_opts *o, const Xapian::MSet *ran) {
    std::string out;
    bool changed = false;
    std::unordered_map<std::string, std::string> seen; /* word -> its correction, or "" */
    walk_words(std::string(o->query), [&](const std::string &piece, bool correctable) {
        std::string better;
        if (correctable) {
            std::string word = Xapian::Unicode::tolower(piece);
            auto it = seen.find(word);
            if (it == seen.end()) {
                check_stop(o, "spelling"); /* up to 400 µs a word */
                it = seen.emplace(word, word_freq(r, ran, word) <= RARE_WORD ? r->db.get_spelling_suggestion(word)
                                                                        : std::string()).first;
            }
            better = it->second;
        }
        out += better.empty() ? piece : better;
        changed = changed || !better.empty();
    });
    return changed ? out : std::string();
}

/* LEDE_ELIMIT when the query has more words to correct than
 * --max-query-terms: each may cost a spelling lookup (up to 400 µs), and a
 * search's own query is bounded by the same limit (cost.cc). */
int spelling_within_cost(const search_opts *o, char *err) {
    if (!o->max_cost || !o->max_cost->terms) return LEDE_OK;
    uint64_t words = 0;
    walk_words(std::string(o->query), [&](const std::string &, bool correctable) { words += correctable; });
    if (words <= o->max_cost->terms) return LEDE_OK;
    return lede_seterr_code(err, LEDE_ELIMIT, "max-query-terms %" PRIu64 ": the query has %" PRIu64
                            " words to correct", o->max_cost->terms, words);
}

/* True when some word of the query is missing from the index or nearly
 * so (in at most RARE_WORD articles, headline, standfirst and body
 * together): only then can a spelling correction help, and looking for one
 * costs more than the query itself.  The frequencies are those of the
 * match that gave ran (term_freq). */
bool has_rare_word(engine_reader *r, const Xapian::Query &q, const Xapian::MSet &ran) {
    std::unordered_map<std::string, Xapian::doccount> freq;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        std::string word = term_word(*t);
        if (is_stop_word(r, word)) continue; /* absent by design */
        if (!word.empty()) freq[word] += term_freq(r, &ran, *t); /* not id:, author:... */
    }
    for (const auto &kv : freq)
        if (kv.second <= RARE_WORD) return true;
    return false;
}

}  // namespace

void offer_correction(engine_reader *r, const search_opts *o,
                      const Xapian::Query &q, const Xapian::MSet &ran, search_results *out) {
    check_stop(o, "spelling");
    if ((out->total < 5 || out->retried_any) && has_rare_word(r, q, ran)) {
        /* Offered only when it finds more: Xapian proposes corrections for
         * words missing from one of the default field's prefixes, too. */
        std::string corrected = correct(r, o, &ran);
        /* No offer for a query with NEAR or ADJ: a corrected word can give
         * Xapian 1.4's parser a shape it leaks on that the query itself did
         * not (make fuzz found one; query_guard.cc says why it leaks). */
        if (!corrected.empty() && corrected.find("NEAR") == std::string::npos &&
            corrected.find("ADJ") == std::string::npos) {
            Xapian::Enquire check(r->db);
            Xapian::Query better = parse(r, corrected.c_str(), o->any, 0);
            if (o->max_cost && over_limit(estimate_cost(r, better, o->max_cost), *o->max_cost,
                                          nullptr) != LEDE_OK)
                return; /* no offer that costs more than a query may */
            check.set_query(better);
            Xapian::doccount have = out->retried_any ? 0 : (Xapian::doccount)out->total;
            Xapian::MSet m = checked_mset(r, check, o, 0, 0, have + 1);
            if (m.get_matches_lower_bound() > have)
                out->did_you_mean = dup_string(corrected);
        }
    }
}

extern "C" {

int engine_suggest(engine_reader *r, const search_opts *o, sbuf *out, char *err) {
    if (int rc = prescreen(o->query, o->max_cost, err)) return rc;
    if (int rc = spelling_within_cost(o, err)) return rc;
    return with_retry(r, err, "suggest", [&] {
        setup_search(r);
        std::string c = correct(r, o, nullptr);
        sbuf_reset(out);
        sbuf_append(out, c.data(), c.size());
        return LEDE_OK;
    });
}

}  // extern "C"
