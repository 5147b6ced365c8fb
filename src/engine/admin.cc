/* admin.cc -- the engine's maintenance entry points: compacting databases
 * into one (engine_compact) and Xapian's consistency check
 * (engine_check), the revision of a database on disk.  Works on database paths alone: no writer or reader. */
#include "internal.hh"

extern "C" {

int engine_compact(const char *const *srcs, int n, const char *dst,
                   char *err) {
    return guarded(err, dst, [&] {
        Xapian::Database all;
        for (int i = 0; i < n; i++) all.add_database(Xapian::Database(srcs[i]));
        all.compact(dst, Xapian::DBCOMPACT_MULTIPASS);
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
