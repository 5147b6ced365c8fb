/* boilerplate.cc -- the engine's side of learned boilerplate (boiler.h,
 * issue 21): a writer's shared table loaded from and stored into the
 * database's "lede.boilerplate", the body and author its terms are made of (without
 * the boilerplate lines; a trailing bio's subject as author), and a
 * reader's boilerplate ranges of an article's body (snippets, GET).
 * Makes no document and writes no article: document.cc and writer.cc do. */
#include "internal.hh"
#include "boilerplate.hh"

#include <algorithm>

namespace {

std::string source_of(const article *a) {
    sbuf s;
    sbuf_init(&s);
    boiler_source_of(a, &s);
    std::string out(s.data ? s.data : "", s.len);
    sbuf_free(&s);
    return out;
}

std::string taken(sbuf &s) {
    std::string out(s.data ? s.data : "", s.len);
    sbuf_free(&s);
    return out;
}

std::string folded(const engine_writer *w, const std::string &text) {
    return w->fold ? fold_text(text.c_str()) : text;
}

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

/* The documents whose id hashes are stale, ascending (ids of "Q#" terms
 * are not read: an id that long is not found).  The id terms are walked,
 * not each document's termlist: on Reuters that read 21,577 termlists
 * to find the few dozen stale articles of a full build's compaction. */
std::vector<Xapian::docid> stale_documents(engine_writer *w, const std::unordered_set<uint64_t> &stale) {
    std::vector<Xapian::docid> found;
    for (Xapian::TermIterator t = w->db.allterms_begin("Q"); t != w->db.allterms_end("Q"); ++t) {
        const std::string &q = *t;
        if (q.size() < 2 || q[1] == '#' || !stale.count(boiler_id_hash(q.c_str() + 1))) continue;
        for (Xapian::PostingIterator p = w->db.postlist_begin(q); p != w->db.postlist_end(q); ++p)
            found.push_back(*p);
    }
    std::sort(found.begin(), found.end());
    return found;
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

/* The document did made again from its stored article (its id, file,
 * fingerprint and data as they were); false, and left as it is, when
 * its article cannot be read with ds (a build resumed over an older
 * database, whose dictionary the compaction's copy holds until the build
 * writes its own). */
bool remake(engine_writer *w, docstore *ds, Xapian::docid did) {
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
    Xapian::Document doc = make_document(w, &a, qterm, filekey.empty() ? nullptr : filekey.c_str(),
                                         fp, data.data(), data.size());
    article_free(&a);
    w->db.replace_document(did, doc);
    return true;
}

}  // namespace

std::string boiler_indexed_body(engine_writer *w, const article *a) {
    if (!a->body) return std::string();
    if (!w->boiler) return folded(w, a->body);
    sbuf clean;
    sbuf_init(&clean);
    boiler_clean(w->boiler, source_of(a).c_str(), a->body, &clean);
    return folded(w, taken(clean));
}

std::string boiler_indexed_author(engine_writer *w, const article *a) {
    if (a->author) return folded(w, a->author);
    if (!w->boiler || !a->body) return std::string();
    sbuf name;
    sbuf_init(&name);
    boiler_bio_subject(w->boiler, source_of(a).c_str(), a->body, &name);
    return folded(w, taken(name));
}

void writer_boiler_store(engine_writer *w) {
    if (!w->boiler) return;
    sbuf text;
    sbuf_init(&text);
    boiler_to_text(w->boiler, &text);
    std::string now = taken(text);
    if (now != w->db.get_metadata(BOILER_META_KEY)) w->db.set_metadata(BOILER_META_KEY, now);
}

/* r's table as of its databases' revisions (loaded again when they
 * move): the merge of each one's, so that a sharded index's shards mark
 * theirs.  A remote database has no revision in Xapian 1.4: none is
 * marked there (its writers still leave the boilerplate out of the
 * terms). */
boiler_table *reader_boiler(engine_reader *r) {
    uint64_t key = 0;
    try {
        for (const Xapian::Database &d : r->part_dbs) key = key * 1000003 + lede_revision(d) + 1;
    } catch (const Xapian::Error &) {
        return nullptr;
    }
    if (key == r->boiler_rev) return r->boiler.get();
    r->boiler.reset();
    r->boiler_rev = key;
    std::shared_ptr<boiler_table> t(boiler_new(0), boiler_free);
    bool any = false;
    char err[LEDE_ERRLEN];
    for (const Xapian::Database &d : r->part_dbs) {
        std::string text = d.get_metadata(BOILER_META_KEY);
        if (text == BOILER_OFF) return nullptr;
        if (text.empty()) continue;
        if (boiler_merge_text(t.get(), text.data(), text.size(), r->path.c_str(), err) != LEDE_OK)
            return nullptr; /* unreadable: nothing is marked */
        any = true;
    }
    if (any) r->boiler = t;
    return r->boiler.get();
}

void reader_clean_body(engine_reader *r, article &a) {
    boiler_table *t = a.body ? reader_boiler(r) : nullptr;
    if (!t) return;
    sbuf clean;
    sbuf_init(&clean);
    if (boiler_clean(t, source_of(&a).c_str(), a.body, &clean) == 0) {
        sbuf_free(&clean);
        return;
    }
    free(a.body);
    a.body = sbuf_detach(&clean);
}

extern "C" {

int engine_reader_boiler_spans(engine_reader *r, const article *a, boiler_span **out,
                               size_t *n, char *err) {
    *out = nullptr;
    *n = 0;
    return guarded(err, "boilerplate", [&] {
        boiler_table *t = a->body ? reader_boiler(r) : nullptr;
        if (t) *n = boiler_spans(t, source_of(a).c_str(), a->body, out);
        return LEDE_OK;
    });
}

int engine_reader_boiler_list(engine_reader *r, size_t per_source, sbuf *out, char *err) {
    return guarded(err, "boilerplate", [&] {
        boiler_table *t = reader_boiler(r);
        if (t) boiler_list(t, per_source, out);
        return LEDE_OK;
    });
}

int engine_writer_share_boiler(engine_writer *w, boiler_table *t, int observe, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        std::string text = w->db.get_metadata(BOILER_META_KEY);
        if (text == BOILER_OFF) t = nullptr;
        if (t && boiler_merge_text(t, text.data(), text.size(), w->path.c_str(), err) != LEDE_OK)
            return LEDE_ERR;
        w->boiler = t;
        w->boiler_observe = observe;
        return LEDE_OK;
    });
}

int engine_writer_reclean_boiler(engine_writer *w, docstore *ds, uint64_t *redone, char *err) {
    *redone = 0;
    return guarded(err, w->path.c_str(), [&] {
        std::string text = w->db.get_metadata(BOILER_META_KEY);
        if (text.empty() || text == BOILER_OFF) return LEDE_OK;
        std::unique_ptr<boiler_table, void (*)(boiler_table *)> t(boiler_new(0), boiler_free);
        if (boiler_merge_text(t.get(), text.data(), text.size(), w->path.c_str(), err) != LEDE_OK)
            return LEDE_ERR;
        uint64_t *ids;
        size_t n = boiler_take_stale(t.get(), &ids);
        std::unordered_set<uint64_t> stale(ids, ids + n);
        free(ids);
        BorrowedTable borrowed(w, t.get());
        for (Xapian::docid did : stale.empty() ? std::vector<Xapian::docid>() : stale_documents(w, stale))
            *redone += remake(w, ds, did);
        writer_boiler_store(w); /* without the stale ids */
        return LEDE_OK;
    });
}

int engine_writer_keep_boilerplate(engine_writer *w, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        w->boiler = nullptr;
        w->db.set_metadata(BOILER_META_KEY, BOILER_OFF);
        return LEDE_OK;
    });
}

int engine_writer_boiler_text(engine_writer *w, sbuf *out, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        std::string text = w->db.get_metadata(BOILER_META_KEY);
        sbuf_reset(out);
        sbuf_append(out, text.data(), text.size());
        return LEDE_OK;
    });
}

}  // extern "C"
