/* settings.cc -- the engine's side of src/settings: reading an index's
 * lede.* settings, and writing the two the engine keeps itself (a default
 * pivot, the commit time), through src/settings over Xapian's metadata,
 * so that key names, defaults and parsing are settings.c's alone.  A
 * Xapian exception thrown while settings.c's C code asks for a key is
 * caught here, carried across those C frames and thrown again once they
 * have returned, its type kept (a DatabaseModifiedError still makes the
 * caller's with_retry read again).  Knows no setting's meaning. */
#include "internal.hh"

#include <exception>

namespace {

struct Metadata {
    const Xapian::Database *db;
    Xapian::WritableDatabase *wdb;  /* for writes; NULL when reading only */
    std::exception_ptr failure;
};

int get_key(void *ctx, const char *key, sbuf *out, char *err) {
    Metadata *m = static_cast<Metadata *>(ctx);
    try {
        std::string v = m->db->get_metadata(key);
        if (v.empty()) return LEDE_ENOTFOUND;
        sbuf_reset(out);
        sbuf_append(out, v.data(), v.size());
        return LEDE_OK;
    } catch (...) {
        m->failure = std::current_exception();
        return lede_seterr(err, "reading %s", key);
    }
}

int set_key(void *ctx, const char *key, const char *val, size_t len, char *err) {
    Metadata *m = static_cast<Metadata *>(ctx);
    try {
        m->wdb->set_metadata(key, val ? std::string(val, len) : std::string());
        return LEDE_OK;
    } catch (...) {
        m->failure = std::current_exception();
        return lede_seterr(err, "writing %s", key);
    }
}

void throw_failure(const Metadata &m, const char *err) {
    if (m.failure) std::rethrow_exception(m.failure);
    throw std::runtime_error(err);
}

}  // namespace

IndexSettings::IndexSettings(const Xapian::Database &db) {
    settings_init(&s);
    Metadata m{&db, nullptr, nullptr};
    char err[LEDE_ERRLEN];
    if (settings_load(&s, get_key, &m, err) != LEDE_OK) {
        settings_free(&s);
        throw_failure(m, err);
    }
}

IndexSettings::~IndexSettings() { settings_free(&s); }

void IndexSettings::store(Xapian::WritableDatabase &db, unsigned which) const {
    Metadata m{&db, &db, nullptr};
    char err[LEDE_ERRLEN];
    if (settings_store(&s, which, set_key, &m, err) != LEDE_OK) throw_failure(m, err);
}
