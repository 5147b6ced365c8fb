/* guard.cc -- the engine's error helpers: what an exception caught at an
 * entry point means as a LEDE_* code, with its message left in the
 * caller's err buffer.  guarded, with_retry and or_zero (internal.hh) wrap
 * every entry point and call these from their catch handlers, so that no
 * C++ exception crosses engine.h.  Owns no state and touches no database. */
#include "internal.hh"

#include <cerrno>
#include <exception>
#include <string>

#include <sys/statvfs.h>

int fail(char *err, const char *what, const std::string &msg) {
    return lede_seterr(err, "%s: %s", what, msg.c_str());
}

/* Any failure without a code of its own: LEDE_ERR and the message. */
static int unexpected_failure(char *err, const char *what) {
    try {
        throw;
    } catch (const Xapian::Error &e) {
        return fail(err, what, e.get_type() + std::string(": ") + e.get_msg());
    } catch (const std::exception &e) {
        return fail(err, what, e.what());
    } catch (...) {
        return fail(err, what, "unknown error");
    }
}

/* A remote server that does not answer (or stopped answering): the
 * server, when Xapian names it, and what happened. */
static int unavailable(char *err, const char *what, const Xapian::NetworkError &e) {
    std::string ctx = e.get_context();
    return lede_seterr_code(err, LEDE_EUNAVAIL, "%s: %s%s%s", what, ctx.empty() ? "" : ctx.c_str(),
                            ctx.empty() ? "" : ": ", e.get_msg().c_str());
}

/* The errno behind a failed write: Xapian keeps it only as the text of
 * get_error_string() ("Error writing block 237" says nothing more). */
static int xapian_errno(const Xapian::Error &e) {
    const char *said = e.get_error_string();
    if (!said) return 0;
    static const int candidates[] = {ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO};
    for (int c : candidates)
        if (!strcmp(said, strerror(c))) return c;
    return 0;
}

/* A write that failed without saying why, on a file system with no space
 * left for us: a full disk.  what is a path (a database, or one to be). */
static bool no_space_at(const char *what) {
    if (!what || !strchr(what, '/')) return false;
    std::string dir = what;
    struct statvfs fs;
    while (statvfs(dir.c_str(), &fs) != 0) {
        size_t slash = dir.find_last_of('/');
        if (slash == std::string::npos || slash == 0) return false;
        dir.resize(slash);
    }
    return fs.f_bavail == 0 || (fs.f_files && fs.f_favail == 0);
}

int storage_failure_code(char *err, const char *what, const Xapian::Error &e) {
    int errnum = xapian_errno(e);
    if (!errnum && no_space_at(what)) errnum = ENOSPC;
    int code = lede_storage_code(errnum);
    if (code == LEDE_ERR) return LEDE_OK;
    return lede_seterr_code(err, code, "%s: %s (%s): %s", what, lede_storage_cause(code),
                            strerror(errnum), e.get_msg().c_str());
}

int failure_code(char *err, const char *what) {
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        /* the lock file could not even be made: not another writer's */
        int code = xapian_errno(e) ? storage_failure_code(err, what, e) : LEDE_OK;
        if (code != LEDE_OK) return code;
        return lede_seterr_code(err, LEDE_ELOCKED, "%s: index is locked by "
                                "another writer", what);
    } catch (const Xapian::NetworkError &e) {
        return unavailable(err, what, e);
    } catch (const Xapian::DatabaseError &e) {
        int code = storage_failure_code(err, what, e);
        return code != LEDE_OK ? code : unexpected_failure(err, what);
    } catch (...) {
        return unexpected_failure(err, what);
    }
}

int search_failure_code(char *err, const char *what) {
    try {
        throw;
    } catch (const Xapian::QueryParserError &e) {
        return lede_seterr_code(err, LEDE_ESYNTAX, "%s", e.get_msg().c_str());
    } catch (const QueryStopped &e) {
        return lede_seterr_code(err, e.code, "%s (in %s)", e.what(), e.phase);
    } catch (const Xapian::WildcardError &e) {
        return lede_seterr_code(err, LEDE_ELIMIT, "wildcard expands to too many words (%s)",
                                e.get_msg().c_str());
    } catch (const Xapian::NetworkError &e) {
        return unavailable(err, what, e);
    } catch (...) {
        return unexpected_failure(err, what);
    }
}
