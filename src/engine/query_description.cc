/* query_description.cc -- the one place that reads a Xapian query's
 * description (Query::get_description).  Xapian 1.4 has accessors for a
 * query's type, subqueries and terms, which the engine walks, but none
 * for a leaf's query position or wqf, a NEAR or PHRASE window, a wildcard's
 * pattern or a scaled weight's factor: those it shows only in the description, so they are read from
 * it here and nowhere else.  A Xapian that grows accessors for them (or
 * changes its descriptions) needs this file changed alone.  Touches no
 * database and no reader. */
#include "internal.hh"

#include <cstdlib>

namespace {

/* "Query(crane@1)": the number after the last '@'; 0 when none. */
Xapian::termpos position_in(const std::string &d) {
    size_t at = d.rfind('@');
    return at == std::string::npos ? 0 : (Xapian::termpos)strtoul(d.c_str() + at + 1, nullptr, 10);
}

/* "Query(rev#3@2)": the digits after the last '#' when only '@' or ')'
 * follows them (a leaf of wqf 1 shows none); 1 when none.  A term that
 * ends in '#' and digits, as "c#2@1", reads more than its wqf, which the
 * tier bound (tiers.cc) only makes looser, never wrong. */
Xapian::termcount wqf_in(const std::string &d) {
    size_t hash = d.rfind('#');
    if (hash == std::string::npos) return 1;
    char *end = nullptr;
    unsigned long v = strtoul(d.c_str() + hash + 1, &end, 10);
    if (end == d.c_str() + hash + 1 || (*end != '@' && *end != ')') || v == 0) return 1;
    return (Xapian::termcount)v;
}

/* "(a@1 NEAR 11 b@2)": the number after the operator's name; 0 when it
 * cannot be read. */
Xapian::termcount window_in(const std::string &d, const char *op) {
    size_t at = d.find(op);
    return at == std::string::npos ? 0 : (Xapian::termcount)strtoul(d.c_str() + at + strlen(op), nullptr, 10);
}

/* "Query(WILDCARD OR Squill)": the pattern, prefix included; "" when
 * unreadable. */
std::string pattern_in(const std::string &d) {
    size_t at = d.find("WILDCARD ");
    if (at == std::string::npos) return std::string();
    size_t start = d.find(' ', at + 9), end = d.rfind(')');
    if (start == std::string::npos || end == std::string::npos || end <= start) return std::string();
    return d.substr(start + 1, end - start - 1);
}

/* "Query(0 * XPalpha beta)": the factor before " * "; 1 when unreadable
 * (a factor believed 1 where it is not is never read as weightless). */
double scale_in(const std::string &d) {
    const char *start = d.c_str() + (d.compare(0, 6, "Query(") == 0 ? 6 : 0);
    char *end = nullptr;
    double v = strtod(start, &end);
    return end != start && strncmp(end, " * ", 3) == 0 ? v : 1;
}

}  // namespace

/* Only what q's type has is read (a leaf's position and wqf, a NEAR or PHRASE
 * window, a wildcard's pattern, a scale factor); the rest stays as
 * Described has it. */
Described read_description(const Xapian::Query &q) {
    Described shown;
    switch (q.get_type()) {
    case Xapian::Query::LEAF_TERM:
        shown.position = position_in(q.get_description());
        shown.wqf = wqf_in(q.get_description());
        break;
    case Xapian::Query::OP_NEAR:
        shown.window = window_in(q.get_description(), " NEAR ");
        break;
    case Xapian::Query::OP_PHRASE:
        shown.window = window_in(q.get_description(), " PHRASE ");
        break;
    case Xapian::Query::OP_WILDCARD:
        shown.pattern = pattern_in(q.get_description());
        break;
    case Xapian::Query::OP_SCALE_WEIGHT:
        shown.scale = scale_in(q.get_description());
        break;
    default:
        break;
    }
    return shown;
}
