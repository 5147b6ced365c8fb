/* query_guard.cc -- refuses, before Xapian's QueryParser sees it, a query
 * that has both NEAR (or ADJ) and an excluded word (-word): Xapian 1.4's
 * parser leaks memory (96 bytes a time) on many of them ("-a NEAR b c",
 * "-a,ADJ,b c", "-~ a NEAR b c"; found by tests/fuzz/fuzz_query), and
 * which ones depends on details of its lexer that a narrower rule kept
 * missing.  "a NEAR b NOT c" says the same and is safe.  src/qsyntax.c
 * refuses the plain "-a NEAR b" with a column; this check reads the text
 * as Xapian's lexer does (Xapian::Unicode::is_wordchar, invalid UTF-8 read
 * as Latin-1, a '-' where a word may start and not followed by a space or
 * another sign), phrases left out.  Runs no query and reads no index. */
#include "internal.hh"

#include <vector>

namespace {

bool near_op(const std::string &w) {
    return w == "NEAR" || w == "ADJ";
}

bool space(unsigned ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || Xapian::Unicode::is_whitespace(ch);
}

/* What the text holds outside phrases, as Xapian's lexer sees it. */
struct Seen {
    bool near = false;     /* a NEAR or ADJ word */
    bool excluded = false; /* a '-' where a word may start, before something */
};

Seen scan(const std::string &text) {
    Seen seen;
    Xapian::Utf8Iterator it(text), end;
    unsigned prev = ' ';
    bool quoted = false;
    while (it != end) {
        unsigned ch = *it;
        ++it;
        if (ch == '"') {
            quoted = !quoted;
        } else if (!quoted && Xapian::Unicode::is_wordchar(ch)) {
            std::string w;
            Xapian::Unicode::append_utf8(w, ch);
            while (it != end && Xapian::Unicode::is_wordchar(*it)) {
                ch = *it;
                Xapian::Unicode::append_utf8(w, ch);
                ++it;
            }
            if (near_op(w)) seen.near = true;
        } else if (!quoted && ch == '-' && !Xapian::Unicode::is_wordchar(prev) && it != end &&
                   !space(*it) && *it != '+' && *it != '-') {
            seen.excluded = true; /* Xapian's HATE: the next word, whatever lies between */
        }
        prev = ch;
    }
    return seen;
}

}  // namespace

void refuse_excluded_near(const std::string &text) {
    if (text.find('-') == std::string::npos ||
        (text.find("NEAR") == std::string::npos && text.find("ADJ") == std::string::npos))
        return;
    Seen seen = scan(text);
    if (seen.near && seen.excluded)
        throw Xapian::QueryParserError("a query with NEAR or ADJ cannot also exclude a word with "
                                       "-word; use NOT: a NEAR b NOT c");
}
