/* spelling_words.cc -- the spelling words a document gave the spelling
 * table, read back, and their taking back when it is replaced or deleted
 * (Xapian leaves that to the application: remove_spelling).
 *
 * What a document gave (make_document, document.cc): the words
 * (collect_words' rule, as folded) of its headline, its standfirst and
 * the body it indexed, which is its stored body less the boilerplate
 * spans cut when it was written.  The stored article (its data, decoded
 * with the index's dictionary "lede.dict") gives the texts; which of the
 * body's lines and spans were indexed is read from the document's body
 * terms in position order: when they are the terms of the body as the
 * writer would cut it now, that body's words; else those of the segments
 * (lines, spans' pieces) whose terms come next in them, one after the
 * other, which is how reclean.cc reads a document made before a line was
 * learned.  Without positions (none to read), the body as cut now.
 *
 * A bulk writer's replaced article (stored_words) is read from its spool
 * record instead: its stored article and the boilerplate spans its body
 * was cut by then (bulk_writer.cc keeps them in the record), the words
 * taken out of the writer's words when it writes the spelling table.
 *
 * A document whose stored article cannot be decoded (no dictionary to
 * hand, data that is not an article) gives nothing back: its words stay,
 * as every word did before this existed.
 *
 * Reads the writer's database and stored articles; writes only the
 * spelling data, at the flush (document.cc's flush_words calls
 * remove_taken_back after adding the batch's new words; a bulk writer's
 * write_spelling asks taken_back). */
#include "spelling_words.hh"
#include "boilerplate.hh"
#include "tokenise.hh"

#include <algorithm>
#include <set>

TermRun term_run(engine_writer *w, const std::string &text) {
    Xapian::Document scratch;
    w->tg.set_document(scratch);
    w->tg.index_text(w->fold ? fold_text(text.c_str()) : text);
    TermRun run;
    for (Xapian::TermIterator t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t)
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            run.emplace_back(*p, *t);
    std::sort(run.begin(), run.end());
    for (size_t i = run.size(); i-- > 0;) run[i].first -= run[0].first;
    return run;
}

void words_of(const engine_writer *w, const std::string &text, SpellingCounts &words) {
    tok::Decoded d;
    tok::decode(w->fold ? fold_text(text.c_str()) : text, d);
    tok::spelling_words(d, [&](const std::string &word) { words[word]++; });
}

namespace {

/* The body's terms of doc in position order (its unprefixed terms with
 * positions: the headline and standfirst have prefixes, and an unprefixed
 * copy of them has no positions). */
std::vector<std::string> body_sequence(const Xapian::Document &doc) {
    std::vector<std::pair<Xapian::termpos, std::string>> at;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        if (prefix_length(*t) == 0)
            for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
                at.emplace_back(*p, *t);
    std::sort(at.begin(), at.end());
    std::vector<std::string> terms;
    for (const auto &e : at) terms.push_back(e.second);
    return terms;
}

/* The body cut where its lines and its boilerplate spans begin and end:
 * what a document leaves out or keeps whole. */
std::vector<std::string> segments(const char *body, const boiler_span *spans, size_t n) {
    std::set<size_t> cuts = {0, strlen(body)};
    for (size_t i = 0; body[i]; i++)
        if (body[i] == '\n') cuts.insert(i + 1);
    for (size_t i = 0; i < n; i++) cuts.insert({spans[i].start, spans[i].end});
    std::vector<std::string> out;
    for (auto c = cuts.begin(), next = std::next(c); next != cuts.end(); ++c, ++next)
        out.emplace_back(body + *c, *next - *c);
    return out;
}

bool same_terms(const TermRun &run, const std::vector<std::string> &seq) {
    if (run.size() != seq.size()) return false;
    for (size_t i = 0; i < run.size(); i++)
        if (run[i].second != seq[i]) return false;
    return true;
}

/* The words old's body gave: see the header comment. */
void body_words(engine_writer *w, const article &a, const Xapian::Document &old, SpellingCounts &words) {
    boiler_span *spans = nullptr;
    size_t n = w->boiler ? boiler_spans(w->boiler, source_of(&a).c_str(), a.body, &spans) : 0;
    sbuf clean;
    sbuf_init(&clean);
    boiler_cut(a.body, spans, n, &clean);
    std::string now(clean.data ? clean.data : "", clean.len);
    sbuf_free(&clean);
    std::vector<std::string> seq = body_sequence(old);
    if (seq.empty() || same_terms(term_run(w, now), seq)) words_of(w, now, words);
    else indexed_segment_words(w, a.body, spans, n, old, words);
    free(spans);
}

/* The index's decoder, made from its "lede.dict" when first needed. */
docstore *decoder(engine_writer *w) {
    SpellingBack &b = *w->spelling_back;
    if (!b.loaded) {
        std::string dict = w->db.get_metadata(settings_key(SETTINGS_DICT));
        b.ds = docstore_new(dict.data(), dict.size());
        b.loaded = true;
    }
    return b.ds;
}

}  // namespace

void indexed_segment_words(engine_writer *w, const char *body, const boiler_span *spans, size_t n,
                           const Xapian::Document &old, SpellingCounts &words) {
    std::vector<std::string> seq = body_sequence(old);
    size_t at = 0;
    for (const std::string &seg : segments(body, spans, n)) {
        TermRun run = term_run(w, seg);
        bool held = !run.empty() && at + run.size() <= seq.size();
        for (size_t i = 0; held && i < run.size(); i++) held = seq[at + i] == run[i].second;
        if (held) {
            words_of(w, seg, words);
            at += run.size();
        }
    }
}

namespace {

/* data, a stored article, decoded with the index's dictionary into a;
 * false when it cannot be (a is then to be freed all the same). */
bool decode_stored(engine_writer *w, const std::string &data, article &a) {
    if (!w->spelling_back) w->spelling_back = std::make_shared<SpellingBack>();
    char err[LEDE_ERRLEN];
    docstore *ds = decoder(w);
    return ds && docstore_decode(ds, data.data(), data.size(), &a, err) == LEDE_OK;
}

/* The words of a's title and standfirst, and of its body as body(a)
 * counts them. */
template <typename Body>
SpellingCounts article_words(engine_writer *w, const std::string &data, Body body) {
    SpellingCounts words;
    article a;
    article_init(&a);
    try {
        if (decode_stored(w, data, a)) {
            if (a.title) words_of(w, a.title, words);
            if (a.standfirst) words_of(w, a.standfirst, words);
            if (a.body) body(a, words);
        }
    } catch (...) {
        article_free(&a);
        throw;
    }
    article_free(&a);
    return words;
}

}  // namespace

SpellingCounts given_words(engine_writer *w, Xapian::docid did) {
    if (!w->spelling) return SpellingCounts();
    Xapian::Document old = w->db.get_document(did);
    return article_words(w, old.get_data(),
                         [&](const article &a, SpellingCounts &words) { body_words(w, a, old, words); });
}

SpellingCounts stored_words(engine_writer *w, const std::string &data, const std::vector<boiler_span> *cut) {
    if (!w->spelling) return SpellingCounts();
    return article_words(w, data, [&](const article &a, SpellingCounts &words) {
        boiler_span *spans = nullptr;
        size_t n = 0;
        if (cut) n = cut->size();
        else if (w->boiler) n = boiler_spans(w->boiler, source_of(&a).c_str(), a.body, &spans);
        sbuf clean;
        sbuf_init(&clean);
        boiler_cut(a.body, cut ? cut->data() : spans, n, &clean);
        free(spans);
        std::string body(clean.data ? clean.data : "", clean.len);
        sbuf_free(&clean);
        words_of(w, body, words);
    });
}

void note_taken_back(engine_writer *w, const SpellingCounts &words) {
    if (words.empty()) return;
    if (!w->spelling_back) w->spelling_back = std::make_shared<SpellingBack>();
    SpellingBack &b = *w->spelling_back;
    for (const auto &kv : words) {
        auto got = b.gone.emplace(kv.first, 0);
        if (got.second) b.gone_bytes += word_bytes(kv.first);
        got.first->second += kv.second;
    }
}

Xapian::termcount taken_back(const engine_writer *w, const std::string &word) {
    if (!w->spelling_back) return 0;
    auto at = w->spelling_back->gone.find(word);
    return at == w->spelling_back->gone.end() ? 0 : at->second;
}

size_t taken_back_bytes(const engine_writer *w) {
    return w->spelling_back ? w->spelling_back->gone_bytes : 0;
}

size_t noting_bytes(const engine_writer *w, const SpellingCounts &words) {
    size_t n = 0;
    for (const auto &kv : words)
        if (!w->spelling_back || !w->spelling_back->gone.count(kv.first)) n += word_bytes(kv.first);
    return n;
}

void forget_taken_back(engine_writer *w) {
    if (!w->spelling_back) return;
    SpellingCounts().swap(w->spelling_back->gone);
    w->spelling_back->gone_bytes = 0;
}

void forget_decoder(engine_writer *w) {
    if (!w->spelling_back) return;
    docstore_free(w->spelling_back->ds);
    w->spelling_back->ds = nullptr;
    w->spelling_back->loaded = false;
}

void remove_taken_back(engine_writer *w) {
    if (!w->spelling_back) return;
    for (const auto &kv : w->spelling_back->gone) w->db.remove_spelling(kv.first, kv.second);
    forget_taken_back(w);
}

void take_taken_back(engine_writer *w, SpellingCounts &gone) {
    if (!w->spelling_back) return;
    if (gone.empty()) gone.swap(w->spelling_back->gone);
    else
        for (const auto &kv : w->spelling_back->gone) gone[kv.first] += kv.second;
    forget_taken_back(w);
}
