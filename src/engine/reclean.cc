/* reclean.cc -- a compaction's second look at learned boilerplate
 * (boiler.h, issue 21): the articles written with a line before it was
 * learned are made again without it, and the spelling words that only
 * that line gave them leave the spelling data.
 *
 * Which articles: the table lists the lines learned since the last
 * compaction (boiler_take_learned); the articles written with one still
 * hold its terms at consecutive positions, so a phrase query for its words
 * finds every one of them, however many came before it was learned.  The
 * work is bounded by those queries' matches (the articles written with a
 * line before it was learned, and the few whose own prose has its words),
 * each decoded and made once, and written only when its terms change; an
 * article already clean is not.  A line's first BOILER_TEXT_MAX bytes
 * (what the table keeps of it) are enough to find it.
 *
 * Which spelling words: the old document's body terms, in position order,
 * are those of the body's segments (lines, boilerplate spans) it indexed,
 * one after the other, so which segments gave it spelling words is read
 * from them (spelling_words.cc, which a replace or delete reads too); the
 * words those gave and the new document's do not are taken back
 * (remove_spelling), and those a line no longer boilerplate now gives are
 * added.  A sharded index's spelling data is its front's, which a
 * shard's compaction does not open: there they stay.
 *
 * What the grouping gave a document (its near-duplicate group key) it
 * keeps: the grouping of a sharded index runs over all its shards, not in
 * one shard's compaction.
 *
 * Writes the documents and the spelling data of the database being
 * compacted, nothing else; makes documents with document.cc. */
#include "internal.hh"
#include "changes.hh"
#include "boilerplate.hh"
#include "spelling_words.hh"

#include <algorithm>
#include <map>
#include <set>

namespace {

/* w's table for a while (then back to what it was, whatever happens). */
struct BorrowedTable {
    engine_writer *w;
    boiler_table *was;
    bool observed;
    BorrowedTable(engine_writer *w, boiler_table *t)
        : w(w), was(w->boiler), observed(w->boiler_observe) {
        w->boiler = t;
        w->boiler_observe = false;
    }
    ~BorrowedTable() {
        w->boiler = was;
        w->boiler_observe = observed;
    }
};

/* The learned lines, freed whatever happens. */
struct Learned {
    boiler_learned *v = nullptr;
    size_t n = 0;
    ~Learned() { boiler_learned_free(v, n); }
};

/* The words of a learned line's text, but a last one the table's cut at
 * BOILER_TEXT_MAX bytes may have split. */
std::string whole_words(const char *text) {
    std::string s(text);
    if (s.size() < BOILER_TEXT_MAX) return s;
    size_t space = s.rfind(' ');
    return space == std::string::npos ? std::string() : s.substr(0, space);
}

/* The documents to make again: one bit a docid (at 2M articles 250 KB,
 * where a std::set of the 843k holding the learned "REUTER" line took
 * 40 MB and each line's whole MSet of them, 88 bytes a match, 74 MB). */
typedef std::vector<bool> Candidates;

/* A match decider that only notes each match in its Candidates and turns
 * it down: the matcher then keeps no MSet item, whatever the matches. */
class Collect : public Xapian::MatchDecider {
  public:
    explicit Collect(Candidates &into) : into(&into) {}
    bool operator()(const Xapian::Document &doc) const override {
        Xapian::docid did = doc.get_docid();
        if (did < into->size()) (*into)[did] = true;
        return false;
    }
  private:
    Candidates *into;
};

/* The documents holding a learned line's terms: as a phrase where the
 * index has positions and the words differ.  A line with numbers is no
 * phrase (the table folds the digits of a line away: "amended on 3
 * March" is the line of "amended on 12 March" too, and "3,000" may be
 * more terms than "12"), so its other words are asked to be near each
 * other, within the line's span and some slack a number; without
 * positions, or with a word twice, all of them anywhere (a superset:
 * what is not the line is decoded, found clean and left). */
void add_holding(Xapian::WritableDatabase &db, const TermRun &run, Candidates &out) {
    std::vector<std::string> terms;
    Xapian::termcount numbers = 0;
    for (const auto &e : run) {
        bool number = e.second.find_first_of("0123456789") != std::string::npos;
        numbers += number;
        if (!number) terms.push_back(e.second);
    }
    if (terms.empty()) return;
    std::set<std::string> distinct(terms.begin(), terms.end());
    bool positional = terms.size() > 1 && distinct.size() == terms.size() && db.has_positions();
    const Xapian::termcount NUMBER_SLACK = 3;
    Xapian::termcount span = run.back().first + 1 + NUMBER_SLACK * numbers;
    Xapian::Query q = !positional ? Xapian::Query(Xapian::Query::OP_AND, distinct.begin(), distinct.end())
                      : numbers   ? Xapian::Query(Xapian::Query::OP_NEAR, terms.begin(), terms.end(), span)
                                  : Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                                                  (Xapian::termcount)terms.size());
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    Collect collect(out);
    enquire.get_mset(0, 1, db.get_doccount(), nullptr, &collect);
}

std::string termlist_of(const Xapian::Document &doc) {
    std::string out;
    for (Xapian::TermIterator t = doc.termlist_begin(); t != doc.termlist_end(); ++t)
        out += *t + '\x1f' + std::to_string(t.get_wdf()) + '\x1e';
    return out;
}

/* The spelling words old's body gave and remade's does not (into
 * dropped), and the other way round (into added).  Which segments of the
 * body old indexed is read from its positions: its body terms are the
 * indexed segments' terms, one after the other. */
void spelling_change(engine_writer *w, const article &a, const Xapian::Document &old,
                     SpellingCounts &dropped, SpellingCounts &added) {
    boiler_span *spans;
    size_t n = boiler_spans(w->boiler, source_of(&a).c_str(), a.body, &spans);
    SpellingCounts before, after;
    indexed_segment_words(w, a.body, spans, n, old, before);
    sbuf clean;
    sbuf_init(&clean);
    boiler_cut(a.body, spans, n, &clean);
    words_of(w, std::string(clean.data ? clean.data : "", clean.len), after);
    sbuf_free(&clean);
    free(spans);
    for (const auto &kv : before) {
        auto now = after.find(kv.first);
        Xapian::termcount left = now == after.end() ? 0 : now->second;
        if (kv.second > left) dropped[kv.first] += kv.second - left;
    }
    for (const auto &kv : after) {
        auto was = before.find(kv.first);
        Xapian::termcount had = was == before.end() ? 0 : was->second;
        if (kv.second > had) added[kv.first] += kv.second - had;
    }
}

/* A directory article's section, which its stored form lacks, from the
 * value slot of its old document. */
void section_of(engine_writer *w, const Xapian::Document &old, article *a) {
    if (a->section || !w->book) return;
    schema fields;
    schema_init(&fields);
    fieldbook_schema(w->book, &fields);
    int i = schema_find(&fields, "section", 7);
    std::string v = i >= 0 ? old.get_value(schema_slot((size_t)i)) : std::string();
    if (!v.empty()) a->section = lede_strdup(v.substr(0, v.find('\x1f')).c_str());
    schema_free(&fields);
}

/* The near-duplicate group key (ENGINE_SLOT_DUP) is the grouping's, not
 * the article's: make_document cannot give it, so the old document's goes
 * to the new one.  Without it a shard lost the key of every article the
 * re-clean made again, as a shard's compaction does not group (its groups
 * span the shards: duplicates.cc); an index of one database groups afresh
 * after the re-clean all the same (livewriter.c finish_compacted).  The
 * key still names the right group: the signature is made from the
 * article's whole text, boilerplate and all, so the re-clean leaves it
 * as it was, and a grouping after it would find the same groups. */
void keep_group_key(const Xapian::Document &old, Xapian::Document &doc) {
    std::string key = old.get_value(ENGINE_SLOT_DUP);
    if (!key.empty()) doc.add_value(ENGINE_SLOT_DUP, key);
}

/* The document did made again from its stored article (its id, file,
 * fingerprint, data and group key as they were) if it counts under one
 * of sources, and written if its terms changed: true then.  Left as it
 * is when its article cannot be read with ds (a build resumed over an
 * older database, whose dictionary the compaction's copy holds until the
 * build writes its own). */
bool remake(engine_writer *w, docstore *ds, Xapian::docid did,
            const std::set<std::string> &sources, SpellingCounts &dropped, SpellingCounts &added) {
    Xapian::Document old = w->db.get_document(did);
    std::string data = old.get_data(), qterm = doc_qterm(w->db, did), filekey;
    Xapian::TermIterator f = old.termlist_begin();
    f.skip_to(PREFIX_FILE);
    if (f != old.termlist_end() && (*f).compare(0, strlen(PREFIX_FILE), PREFIX_FILE) == 0)
        filekey = (*f).substr(strlen(PREFIX_FILE));
    uint64_t fp = 0;
    for (unsigned char c : old.get_value(ENGINE_SLOT_HASH)) fp = fp << 8 | c;
    article a;
    article_init(&a);
    char err[LEDE_ERRLEN];
    if (docstore_decode(ds, data.data(), data.size(), &a, err) != LEDE_OK) return false;
    section_of(w, old, &a);
    bool changed = false;
    if (a.body && sources.count(source_of(&a))) {
        Xapian::Document doc = make_document(w, &a, qterm, filekey.empty() ? nullptr : filekey.c_str(),
                                             fp, data.data(), data.size());
        changed = termlist_of(doc) != termlist_of(old);
        keep_group_key(old, doc);
        if (changed) {
            spelling_change(w, a, old, dropped, added);
            writer_note_replaced(w, did);
            w->db.replace_document(did, doc);
        }
    }
    article_free(&a);
    return changed;
}

}  // namespace

extern "C" {

int engine_writer_reclean_boiler(engine_writer *w, docstore *ds, uint64_t *redone, char *err) {
    *redone = 0;
    return guarded(err, w->path.c_str(), [&] {
        std::string text = w->db.get_metadata(BOILER_META_KEY);
        if (text.empty() || text == BOILER_OFF) return LEDE_OK;
        std::unique_ptr<boiler_table, void (*)(boiler_table *)> t(boiler_new(0), boiler_free);
        if (boiler_merge_text(t.get(), text.data(), text.size(), w->path.c_str(), err) != LEDE_OK)
            return LEDE_ERR;
        Learned learned;
        learned.n = boiler_take_learned(t.get(), &learned.v);
        BorrowedTable borrowed(w, t.get());
        Candidates candidates((size_t)w->db.get_lastdocid() + 1);
        std::set<std::string> sources;
        for (size_t i = 0; i < learned.n; i++) {
            TermRun run = term_run(w, whole_words(learned.v[i].text));
            if (run.empty()) continue;
            sources.insert(learned.v[i].source);
            add_holding(w->db, run, candidates);
        }
        SpellingCounts dropped, added;
        for (size_t did = 1; did < candidates.size(); did++)
            if (candidates[did]) *redone += remake(w, ds, (Xapian::docid)did, sources, dropped, added);
        for (const auto &kv : dropped) w->db.remove_spelling(kv.first, kv.second);
        for (const auto &kv : added) w->db.add_spelling(kv.first, kv.second);
        writer_boiler_store(w); /* without the learned lines: done */
        return LEDE_OK;
    });
}

}  // extern "C"
