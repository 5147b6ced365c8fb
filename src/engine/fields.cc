/* fields.cc -- metadata fields in the index (schema.h, engine.h): a
 * writer's schema (its own, or its process's shared fieldbook) and the
 * "lede.schema" it commits; a document's field terms and value slots;
 * a reader's schema, merged from every database it opens and loaded
 * again when it moves on.  The query side of fields (filters, sorts) is
 * field_query.cc's. */
#include "internal.hh"

#include <algorithm>

namespace {

/* A keyword value as the slot keeps it: the separator would split it,
 * and it is cut to SCHEMA_VALUE_MAX bytes. */
std::string slot_text(const char *text) {
    std::string s = utf8_cut(text, SCHEMA_VALUE_MAX);
    std::replace(s.begin(), s.end(), SCHEMA_VALUE_SEP, ' ');
    return s;
}

void add_keyword(const article_field &x, bool fold, DocTarget &doc) {
    std::vector<std::pair<std::string, std::string>> vals; /* folded, as written */
    for (size_t k = 0; k < x.n; k++) {
        std::string v = slot_text(x.values[k].text);
        if (!v.empty()) vals.emplace_back(fold_value(v, fold), v);
    }
    std::sort(vals.begin(), vals.end());
    std::string joined;
    const std::string *last = nullptr;
    for (const auto &v : vals) {
        if (last && *last == v.first) continue; /* one per case-folded form */
        last = &v.first;
        if (!joined.empty()) joined += SCHEMA_VALUE_SEP;
        joined += v.second;
        doc.add_boolean_term(keyword_term(x.name, v.second, fold));
    }
    if (!joined.empty()) doc.add_value(schema_slot((size_t)x.index), joined);
}

void add_field(const article_field &x, bool fold, DocTarget &doc) {
    if (x.kind == FIELD_KEYWORD) return add_keyword(x, fold, doc);
    const article_value &v = x.values[0];
    double n = x.kind == FIELD_DATE && v.is_date ? (double)v.seconds : v.number;
    doc.add_value(schema_slot((size_t)x.index), Xapian::sortable_serialise(n));
}

void merge_schema_text(fieldbook *b, const std::string &text, const std::string &what) {
    char err[LEDE_ERRLEN];
    if (fieldbook_merge_text(b, text.data(), text.size(), what.c_str(), err) != LEDE_OK)
        throw Xapian::InvalidArgumentError(err);
}

}  // namespace

std::string utf8_cut(const std::string &text, size_t max) {
    if (text.size() <= max) return text;
    while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80) max--; /* a continuation byte */
    return text.substr(0, max);
}

std::string keyword_term(const std::string &field, const std::string &value, bool fold) {
    std::string prefix = std::string(SCHEMA_TERM_PREFIX) + field + ":";
    return prefix + utf8_cut(fold_value(utf8_cut(value, SCHEMA_VALUE_MAX), fold), MAX_TERM - prefix.size());
}

void writer_fields_load(engine_writer *w) {
    if (w->book) return;
    w->book = fieldbook_new();
    w->own_book = true;
    merge_schema_text(w->book, w->db.get_metadata(settings_key(SETTINGS_SCHEMA)), w->path);
}

void writer_fields_release(engine_writer *w) {
    if (w->own_book) fieldbook_free(w->book);
    w->book = nullptr;
    w->own_book = false;
}

void writer_fields_store(engine_writer *w) {
    if (!w->book) return;
    sbuf text;
    sbuf_init(&text);
    fieldbook_format(w->book, &text);
    std::string now(text.data ? text.data : "", text.len);
    sbuf_free(&text);
    const char *key = settings_key(SETTINGS_SCHEMA);
    if (!now.empty() && now != w->db.get_metadata(key)) w->db.set_metadata(key, now);
}

void add_fields(engine_writer *w, const article *a, DocTarget &doc) {
    if (!w->book) return; /* a writer that stores no articles' fields */
    /* The fields the indexer's reading thread parsed (a->fields), else
     * parsed here; resolved again either way (in w->book, which may have
     * grown since: the same as resolving a fresh parse, a resolve
     * changing only the index and, once found, the kind to the schema's). */
    article_fields own = {nullptr, 0};
    article_fields &f = a->fields ? *a->fields : own;
    if (!a->fields) article_fields_of(a, &own);
    fieldbook_resolve(w->book, &f);
    try {
        for (size_t i = 0; i < f.n; i++)
            if (f.f[i].index >= 0) add_field(f.f[i], w->fold, doc);
    } catch (...) {
        article_fields_free(&own);
        throw;
    }
    article_fields_free(&own);
}

namespace {

/* How a message names r's database i: its directory, or its server. */
std::string part_name(const engine_reader *r, size_t i) {
    if (i >= r->parts.size()) return r->path;
    const Part &p = r->parts[i];
    if (!p.local.empty()) return p.local;
    if (p.replicas.empty()) return r->path;
    const RemoteReplica &x = p.replicas[p.current < p.replicas.size() ? p.current : 0];
    return x.host.empty() ? x.program : x.host + ":" + std::to_string(x.port);
}

/* Every database's schema merged into all; throws DatabaseCorruptError
 * naming the database whose schema is malformed or disagrees (its fields
 * would be read from the wrong slots, or not at all). */
void merge_part_schemas(const engine_reader *r, schema &all) {
    schema one;
    schema_init(&one);
    const char *key = settings_key(SETTINGS_SCHEMA);
    char err[LEDE_ERRLEN];
    for (size_t i = 0; i < r->part_dbs.size(); i++) {
        std::string text = r->part_dbs[i].get_metadata(key);
        if (schema_parse(&one, text.data(), text.size(), err) != LEDE_OK ||
            schema_merge(&all, &one, err) != LEDE_OK) {
            schema_free(&one);
            schema_free(&all);
            throw Xapian::DatabaseCorruptError("metadata fields of " + part_name(r, i) + ": " + err);
        }
    }
    schema_free(&one);
}

}  // namespace

void reader_fields_load(engine_reader *r) {
    schema all;
    schema_init(&all);
    merge_part_schemas(r, all);
    sbuf was, now;
    sbuf_init(&was);
    sbuf_init(&now);
    schema_format(&r->fields, &was);
    schema_format(&all, &now);
    /* new fields: the QueryParser is made again with their filters */
    if (was.len != now.len || (was.len && memcmp(was.data, now.data, was.len)))
        r->search_ready = false;
    sbuf_free(&was);
    sbuf_free(&now);
    schema_free(&r->fields);
    r->fields = all;
}

extern "C" {

int engine_writer_share_fields(engine_writer *w, fieldbook *book, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        merge_schema_text(book, w->db.get_metadata(settings_key(SETTINGS_SCHEMA)), w->path);
        writer_fields_release(w);
        w->book = book;
        return LEDE_OK;
    });
}

int engine_reader_schema(engine_reader *r, schema *out, char *err) {
    return with_retry(r, err, "schema", [&] {
        schema_copy(out, &r->fields);
        return LEDE_OK;
    });
}

uint64_t engine_reader_value_count(engine_reader *r, unsigned slot) {
    return or_zero([&] { return (uint64_t)r->db.get_value_freq(slot); });
}

}  // extern "C"
