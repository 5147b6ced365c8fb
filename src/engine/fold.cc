/* fold.cc -- how the engine folds text before it compares it: one
 * fold_case for keyword terms and slot grouping (fields.cc,
 * field_query.cc, facets.cc) and the words of a near-duplicate
 * signature (duplicates.cc).  Pure functions of a string;
 * reads no database and keeps no state.  Folding the same way everywhere
 * is what makes a filter, a facet and a collapse agree on a value. */
#include "internal.hh"

std::string fold_case(const std::string &text) {
    std::string out;
    out.reserve(text.size());
    for (Xapian::Utf8Iterator it(text), end; it != end; ++it)
        Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(*it));
    return out;
}
