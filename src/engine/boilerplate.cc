/* boilerplate.cc -- the engine's side of learned boilerplate (boiler.h,
 * issue 21): a writer's shared table loaded from and stored into the
 * database's "lede.boilerplate", the body and author its terms are made of (without
 * the boilerplate lines; a trailing bio's subject as author), and a
 * reader's boilerplate ranges of an article's body (snippets, GET).
 * Makes no document and writes no article: document.cc and writer.cc do. */
#include "internal.hh"

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

extern "C" {

int engine_writer_share_boiler(engine_writer *w, boiler_table *t, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        std::string text = w->db.get_metadata(BOILER_META_KEY);
        if (t && boiler_merge_text(t, text.data(), text.size(), w->path.c_str(), err) != LEDE_OK)
            return LEDE_ERR;
        w->boiler = t;
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
