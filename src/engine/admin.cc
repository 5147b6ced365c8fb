/* admin.cc -- the engine's maintenance entry points: compacting databases
 * into one (engine_compact), one database into a compact copy of it
 * (engine_repack) and Xapian's consistency check
 * (engine_check), the revision of a database on disk.  A compaction keeps
 * the merge of its sources' metadata fields ("lede.schema") and of their
 * boilerplate tables ("lede.boilerplate", boiler.h), and a compaction of
 * one database keeps its docids and records so for readers' facet columns
 * (changes.cc); compact_metadata is
 * that rule for the bulk merge (bulk_writer.cc), which writes what a
 * compaction would.  Works on database paths alone: no writer or reader. */
#include "internal.hh"
#include "bulk_writer.hh"
#include "changes.hh"

namespace {

/* Where the databases compacted each hold a key, the first one's value
 * is kept, but for "lede.schema": each source's is a prefix of its
 * writing process's schema, so the merge of all of them is kept; and for
 * "lede.boilerplate", whose counts are merged (boiler_merge_text). */
class KeepSchemas : public Xapian::Compactor {
    /* Xapian 1.4 hands the key as its table has it, behind the two bytes
     * that mark user metadata ("\0\xc0"): the name is its end. */
    static bool is_key(const std::string &key, const std::string &name) {
        return key.size() >= name.size() && key.size() <= name.size() + 2 &&
               key.compare(key.size() - name.size(), name.size(), name) == 0;
    }
    static bool is_schema_key(const std::string &key) {
        return is_key(key, settings_key(SETTINGS_SCHEMA));
    }
    /* "lede.boilerplate": each count the largest the sources hold. */
    static std::string merged_boilerplate(size_t n, const std::string tags[]) {
        for (size_t i = 0; i < n; i++)
            if (tags[i] == BOILER_OFF) return tags[i];
        boiler_table *t = boiler_new(0);
        char err[LEDE_ERRLEN];
        for (size_t i = 0; i < n; i++)
            if (boiler_merge_text(t, tags[i].data(), tags[i].size(), "compaction", err) != LEDE_OK) {
                boiler_free(t);
                throw Xapian::InvalidArgumentError(err);
            }
        sbuf text;
        sbuf_init(&text);
        boiler_to_text(t, &text);
        std::string merged(text.data ? text.data : "", text.len);
        sbuf_free(&text);
        boiler_free(t);
        return merged;
    }

  public:
    std::string resolve_duplicate_metadata(const std::string &key, size_t n,
                                           const std::string tags[]) override {
        if (is_key(key, BOILER_META_KEY)) return merged_boilerplate(n, tags);
        if (!is_schema_key(key)) return tags[0];
        schema all, one;
        schema_init(&all);
        schema_init(&one);
        char err[LEDE_ERRLEN];
        for (size_t i = 0; i < n; i++)
            if (schema_parse(&one, tags[i].data(), tags[i].size(), err) != LEDE_OK ||
                schema_merge(&all, &one, err) != LEDE_OK) {
                schema_free(&one);
                schema_free(&all);
                throw Xapian::InvalidArgumentError(std::string("compaction: ") + err);
            }
        sbuf text;
        sbuf_init(&text);
        schema_format(&all, &text);
        std::string merged(text.data ? text.data : "", text.len);
        sbuf_free(&text);
        schema_free(&one);
        schema_free(&all);
        return merged;
    }
};

}  // namespace

std::string compact_metadata(const std::string &key, size_t n, const std::string values[]) {
    KeepSchemas keep;
    return keep.resolve_duplicate_metadata(key, n, values);
}

extern "C" {

int engine_compact(const char *const *srcs, int n, const char *dst,
                   char *err) {
    return guarded(err, dst, [&] {
        Xapian::Database all;
        for (int i = 0; i < n; i++) all.add_database(Xapian::Database(srcs[i]));
        KeepSchemas keep;
        /* One database keeps its docids, so readers keep their columns
         * (changes.cc); several would overlap, and are renumbered. */
        unsigned flags = Xapian::DBCOMPACT_MULTIPASS;
        if (n == 1) flags |= Xapian::DBCOMPACT_NO_RENUMBER;
        all.compact(dst, flags, 0, keep);
        changes_carry(all, dst, n == 1);
        return LEDE_OK;
    });
}

int engine_repack(const char *src, const char *dst, char *err) {
    return guarded(err, dst, [&] {
        Xapian::Database(src).compact(dst, Xapian::DBCOMPACT_NO_RENUMBER);
        return LEDE_OK;
    });
}

uint64_t engine_revision_of(const char *dbpath) {
    return or_zero([&] { return lede_revision(Xapian::Database(dbpath)); });
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
