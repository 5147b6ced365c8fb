/* guard.cc -- the engine's error helpers: what an exception caught at an
 * entry point means as a LEDE_* code, with its message left in the
 * caller's err buffer.  guarded, with_retry and or_zero (internal.hh) wrap
 * every entry point and call these from their catch handlers, so that no
 * C++ exception crosses engine.h.  Owns no state and touches no database. */
#include "internal.hh"

#include <exception>

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

int failure_code(char *err, const char *what) {
    try {
        throw;
    } catch (const Xapian::DatabaseLockError &e) {
        return lede_seterr_code(err, LEDE_ELOCKED, "%s: index is locked by "
                                "another writer", what);
    } catch (const Xapian::NetworkError &e) {
        return unavailable(err, what, e);
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
