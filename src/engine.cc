/* engine.cc -- the Xapian side of engine.h.  Everything that touches a
 * Xapian type lives here; every entry point catches every exception and
 * turns it into a LEDE_* code plus message.  Term layout and metadata keys
 * are specified in engine.h. */
#include "engine.h"

#include <xapian.h>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

const char *const PREFIX_TITLE = "S";
const char *const PREFIX_STANDFIRST = "XL";
const char *const PREFIX_AUTHOR = "A";
const char *const PREFIX_FILE = "XF";
const size_t MAX_TERM = 240;

int fail(char *err, const char *what, const std::string &msg) {
    return lede_seterr(err, "%s: %s", what, msg.c_str());
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
    /* Spelling words seen since the last commit, with their counts. */
    std::unordered_map<std::string, Xapian::termcount> words;
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

}  // namespace

struct engine_reader {
    Xapian::Database db;
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
    return guarded(err, dbpath, [&] {
        int flags = create ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN;
        if (fast) flags |= Xapian::DB_NO_SYNC;
        engine_writer *w = new engine_writer;
        try {
            w->db = Xapian::WritableDatabase(dbpath, flags);
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

int engine_writer_configure(engine_writer *w, const char *language,
                            int spelling, char *err) {
    return guarded(err, "configure", [&] {
        if (strcmp(language, "none")) {
            w->stem = Xapian::Stem(language);
            w->tg.set_stemmer(w->stem);
            w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        }
        w->spelling = spelling;
        return LEDE_OK;
    });
}

static Xapian::Document make_document(engine_writer *w, const article *a,
                                      const std::string &qterm,
                                      const char *filekey, uint64_t fp,
                                      const void *data, size_t len) {
    Xapian::Document doc;
    w->tg.set_document(doc);
    if (a->title) w->tg.index_text(a->title, 3, PREFIX_TITLE);
    if (a->standfirst) w->tg.index_text(a->standfirst, 2, PREFIX_STANDFIRST);
    if (a->body) w->tg.index_text(a->body);
    if (a->author) w->tg.index_text(a->author, 1, PREFIX_AUTHOR);
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

int engine_writer_delete_id(engine_writer *w, const char *id, int *deleted,
                            char *err) {
    return guarded(err, "delete", [&] {
        std::string qterm = id_term(id);
        *deleted = w->db.term_exists(qterm);
        if (*deleted) w->db.delete_document(qterm);
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

int engine_writer_commit(engine_writer *w, char *err) {
    return guarded(err, "commit", [&] {
        flush_words(w);
        w->db.commit();
        return LEDE_OK;
    });
}

uint64_t engine_writer_doccount(engine_writer *w) {
    try {
        return w->db.get_doccount();
    } catch (...) {
        return 0;
    }
}

static int meta_get(const Xapian::Database &db, const char *key, sbuf *out) {
    std::string v = db.get_metadata(key);
    if (v.empty()) return LEDE_ENOTFOUND;
    sbuf_reset(out);
    sbuf_append(out, v.data(), v.size());
    return LEDE_OK;
}

int engine_writer_meta_get(engine_writer *w, const char *key, sbuf *out,
                           char *err) {
    return guarded(err, "metadata", [&] { return meta_get(w->db, key, out); });
}

int engine_writer_meta_set(engine_writer *w, const char *key, const char *val,
                           size_t len, char *err) {
    return guarded(err, "metadata", [&] {
        w->db.set_metadata(key, val ? std::string(val, len) : std::string());
        return LEDE_OK;
    });
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

int engine_reader_open(const char *path, engine_reader **out, char *err) {
    return guarded(err, path, [&] {
        engine_reader *r = new engine_reader;
        try {
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

int engine_reader_reopen(engine_reader *r, int *changed, char *err) {
    return guarded(err, "reopen", [&] {
        *changed = r->db.reopen();
        return LEDE_OK;
    });
}

uint64_t engine_reader_doccount(engine_reader *r) {
    try {
        return r->db.get_doccount();
    } catch (...) {
        return 0;
    }
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
