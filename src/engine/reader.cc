/* reader.cc -- the reader side of engine.h outside searching: opening and
 * closing a reader, its figures, fetching stored articles (by id,
 * decoded, or all of them raw), and load_settings, where a reader reads the
 * settings it searches and decodes with (src/settings.h).  Keeping the
 * reader current is refresh.cc's; queries are the query_*.cc, search.cc
 * and results.cc files'.  Never writes to a database. */
#include "internal.hh"
#include "prefix_terms.hh"
#include "tiers.hh"

#include <algorithm>

/* LEDE_PAIRS_COMMON_ONLY in the environment (a test and benchmark hook,
 * read once): phrases read the pair terms of the common words alone, as
 * in an index made before "lede.pair_words", and positions for the other
 * pair words' (tests/py/test_same_answers.py compares the two). */
static bool pairs_common_only() {
    static const bool set = getenv("LEDE_PAIRS_COMMON_ONLY") != nullptr;
    return set;
}

/* The settings a reader searches with (see internal.hh), read through
 * src/settings.  An index that names no language is not stemmed here
 * (settings.h's default language is the writers'). */
void load_settings(engine_reader *r) {
    IndexSettings is(r->db);
    const settings &s = is.s;
    std::string lang = (s.stored & SETTINGS_LANGUAGE) ? s.language : "";
    r->fold = fold_setting(s.fold);
    r->stop_pairs = !strcmp(s.stop_pairs, "1");
    r->stop_words = words_of(s.stopwords);
    if (r->fold) r->stop_words = folded_words(r->stop_words);
    r->language = lang;
    r->stem = make_stemmer(lang, r->stop_words, r->fold);
    r->stemming = !(lang.empty() || lang == "none");
    r->stems_keep_first = lang == "english" || lang == "en";
    r->format = format_number(s.format);
    r->fields_in_body = r->format != 1;
    r->common = baked_tf(r->format) ? words_of(std::string(s.common.data ? s.common.data : "", s.common.len))
                           : word_set();
    r->pairs = !baked_tf(r->format)  ? PairRule()
               : pairs_common_only() ? PairRule::every_two(r->common)
                                     : pair_rule_of(s);
    r->tiers = has_tiers(r->format) ? tiers_of(s) : TierMap();
    r->narrow_tiers = std::any_of(r->tiers.begin(), r->tiers.end(), [](const auto &t) {
        return t.first.compare(0, strlen(PREFIX_TIER_NARROW), PREFIX_TIER_NARROW) == 0;
    });
    r->prefixes = has_tiers(r->format) ? prefixes_of(s) : PrefixSet();
    docstore_free(r->ds);
    r->ds = docstore_new(s.dict.data, s.dict.len);
}

/* The stored data of the article with this id; false when there is none. */
static bool stored_data(engine_reader *r, const char *id, std::string &data) {
    std::string q = id_term(id);
    Xapian::PostingIterator p = r->db.postlist_begin(q);
    if (p == r->db.postlist_end(q)) return false;
    data = r->db.get_document(*p).get_data();
    return true;
}

/* Opens r's databases; with open_unreachable, a remote shard whose
 * servers do not answer leaves r to try again at its first query
 * (parts_stale), and why in err. */
static void open_parts_or_wait(engine_reader *r, bool open_unreachable, char *err) {
    try {
        open_current(r);
    } catch (const Xapian::NetworkError &e) {
        if (!open_unreachable || !r->remote) throw;
        lede_seterr(err, "%s", e.get_msg().c_str());
    }
}

extern "C" {

int engine_reader_open(const char *path, engine_reader **out, char *err) {
    return engine_reader_open_with(path, nullptr, out, err);
}

int engine_reader_open_with(const char *path, const engine_reader_opts *o,
                            engine_reader **out, char *err) {
    return guarded(err, path, [&] {
        engine_reader *r = new engine_reader;
        try {
            r->path = path;
            if (o && o->remote_timeout_ms) r->remote_timeout_ms = o->remote_timeout_ms;
            if (o && o->backoff_min_ms) r->backoff_min_s = o->backoff_min_ms / 1000.0;
            if (o) r->replica_seed = o->replica_seed;
            if (o && o->facet_memory) r->facet_columns.budget = o->facet_memory;
            note_files(r);
            if (err) err[0] = 0;
            open_parts_or_wait(r, o && o->open_unreachable, err);
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

void engine_reader_facet_memory(engine_reader *r, engine_facet_memory *out) {
    const FacetColumns &held = r->facet_columns;
    *out = engine_facet_memory{held.bytes, 0, held.refused, held.full_reads, held.updates};
    for (const auto &s : held.slots) out->slots += s.second != nullptr;
}

unsigned engine_index_remote_parts(const char *path) {
    try {
        unsigned n = 0;
        for (const Part &p : read_layout(path).parts) n += !p.replicas.empty();
        return n;
    } catch (...) {
        return 0;
    }
}

uint64_t engine_reader_doccount(engine_reader *r) {
    return or_zero([&] { return r->db.get_doccount(); });
}

int engine_reader_meta_get(engine_reader *r, const char *key, sbuf *out,
                           char *err) {
    return guarded(err, "metadata", [&] { return meta_get(r->db, key, out); });
}

int engine_reader_get_article(engine_reader *r, const char *id, article *out,
                              char *err) {
    return with_retry(r, err, "get", [&] {
        setup_search(r); /* the reader's docstore, made by load_settings */
        std::string d;
        if (!stored_data(r, id, d))
            return lede_seterr_code(err, LEDE_ENOTFOUND, "no article '%s'", id);
        return docstore_decode(r->ds, d.data(), d.size(), out, err);
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

uint64_t engine_reader_revision(engine_reader *r) {
    return or_zero([&] { return lede_revision(r->db); });
}

}  // extern "C"
