/* boilerplate.cc -- the engine's side of learned boilerplate (boiler.h,
 * issue 21): a writer's shared table loaded from and stored into the
 * database's "lede.boilerplate", the body and author its terms are made of (without
 * the boilerplate lines; a trailing bio's subject as author), and a
 * reader's boilerplate ranges of an article's body (snippets, GET).
 * Makes no document and writes no article: document.cc and writer.cc do,
 * and reclean.cc makes again those written before a line was learned. */
#include "internal.hh"
#include "boilerplate.hh"

std::string source_of(const article *a) {
    sbuf s;
    sbuf_init(&s);
    boiler_source_of(a, &s);
    std::string out(s.data ? s.data : "", s.len);
    sbuf_free(&s);
    return out;
}

namespace {

std::string taken(sbuf &s) {
    std::string out(s.data ? s.data : "", s.len);
    sbuf_free(&s);
    return out;
}

std::string folded(const engine_writer *w, const std::string &text) {
    return w->fold ? fold_text(text.c_str()) : text;
}

}  // namespace

std::string boiler_indexed_body(engine_writer *w, const article *a) {
    if (!a->body) return std::string();
    if (!w->boiler && !w->boiler_given) return folded(w, a->body);
    sbuf clean;
    sbuf_init(&clean);
    if (w->boiler_given) boiler_cut(a->body, w->boiler_given->data(), w->boiler_given->size(), &clean);
    else boiler_clean(w->boiler, source_of(a).c_str(), a->body, &clean);
    return folded(w, taken(clean));
}

std::string boiler_indexed_author(engine_writer *w, const article *a) {
    if (a->author) return folded(w, a->author);
    if ((!w->boiler && !w->boiler_given) || !a->body) return std::string();
    sbuf name;
    sbuf_init(&name);
    if (w->boiler_given) boiler_bio_in(a->body, w->boiler_given->data(), w->boiler_given->size(), &name);
    else boiler_bio_subject(w->boiler, source_of(a).c_str(), a->body, &name);
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

namespace {

/* What tells that a database has changed: its revision; a remote one has
 * none through Xapian 1.4's remote protocol (get_revision throws at once,
 * before any round trip), so its counts as its server reported them when
 * it was last opened or reopened (no round trip either).  A remote
 * shard's table read again is one round trip (get_metadata). */
uint64_t change_key(const Xapian::Database &d) {
    try {
        (void)d.get_revision();
    } catch (const Xapian::Error &) {
        uint64_t k = lede_hash_final(d.get_doccount() ^ ((uint64_t)d.get_lastdocid() << 32));
        return lede_hash_final(k ^ d.get_total_length());
    }
    return lede_revision(d);
}

}  // namespace

/* r's table as of its databases' changes (loaded again when they move):
 * the merge of each one's, so that a sharded index's shards, local or
 * remote, mark theirs. */
boiler_table *reader_boiler(engine_reader *r) {
    uint64_t key = 0;
    for (const Xapian::Database &d : r->part_dbs) key = key * 1000003 + change_key(d) + 1;
    if (key == r->boiler_rev) return r->boiler.get();
    r->boiler.reset();
    r->boiler_rev = UINT64_MAX; /* noted once read whole: a read the writer cut short is tried again */
    std::shared_ptr<boiler_table> t(boiler_new(0), boiler_free);
    bool any = false;
    char err[LEDE_ERRLEN];
    for (const Xapian::Database &d : r->part_dbs) {
        std::string text = d.get_metadata(BOILER_META_KEY);
        if (text == BOILER_OFF || (!text.empty() && boiler_merge_text(t.get(), text.data(), text.size(),
                                                                    r->path.c_str(), err) != LEDE_OK)) {
            r->boiler_rev = key; /* off, or unreadable: nothing is marked */
            return nullptr;
        }
        any = any || !text.empty();
    }
    r->boiler_rev = key;
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
    return with_retry(r, err, "boilerplate", [&] { /* a commit or compaction may move the databases */
        boiler_table *t = a->body ? reader_boiler(r) : nullptr;
        if (t) *n = boiler_spans(t, source_of(a).c_str(), a->body, out);
        return LEDE_OK;
    });
}

int engine_reader_boiler_list(engine_reader *r, size_t per_source, sbuf *out, char *err) {
    return with_retry(r, err, "boilerplate", [&] {
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

void engine_writer_boiler_next(engine_writer *w, const boiler_span *spans, size_t n) {
    w->boiler_given.reset(new std::vector<boiler_span>(spans, spans + n));
}

void engine_writer_unobserved_next(engine_writer *w) { w->boiler_skip_next = true; }

int engine_writer_store_boiler(engine_writer *w, boiler_table *t, int *differs, char *err) {
    *differs = 0;
    return guarded(err, w->path.c_str(), [&] {
        std::string had = w->db.get_metadata(BOILER_META_KEY);
        if (had == BOILER_OFF || !t) return LEDE_OK;
        sbuf text;
        sbuf_init(&text);
        boiler_to_text(t, &text);
        *differs = taken(text) != had;
        w->boiler = t; /* stored by the next commit, as it stands then */
        w->boiler_observe = false;
        return LEDE_OK;
    });
}

void engine_writer_unobserve_dropped(engine_writer *w) {
    if (w && w->boiler && w->boiler_counted) boiler_unobserve(w->boiler, w->boiler_counted.get());
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
