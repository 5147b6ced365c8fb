/* query_guard.cc -- refuses, before Xapian's QueryParser sees it, a query
 * whose NEAR or ADJ has an excluded word (-word) on one side: such a query
 * means nothing (an excluded word is near nothing), and Xapian 1.4's
 * parser leaks memory on some of them ("-a NEAR b c", 96 bytes a time;
 * found by tests/fuzz/fuzz_query).  src/qsyntax.c refuses the plain cases
 * with a column; this check cuts the text into words exactly as Xapian's
 * lexer does (Xapian::Unicode::is_wordchar, invalid UTF-8 read as
 * Latin-1), so "-a,ADJ,b c" or an NBSP for the spaces are caught too.
 * Runs no query and reads no index. */
#include "internal.hh"

#include <vector>

namespace {

struct Token {
    std::string word;
    bool excluded;  /* '-' right before it, at the start or after a non-word character */
};

bool near_op(const std::string &w) {
    return w == "NEAR" || w == "ADJ";
}

/* The words of text, phrases ("...") as one token that is not excluded. */
std::vector<Token> lex(const std::string &text) {
    std::vector<Token> out;
    Xapian::Utf8Iterator it(text), end;
    unsigned before_prev = ' ', prev = ' ';
    bool quoted = false;
    while (it != end) {
        unsigned ch = *it;
        if (ch == '"') {
            quoted = !quoted;
            if (quoted) out.push_back({"\"", prev == '-' && !Xapian::Unicode::is_wordchar(before_prev)});
        } else if (!quoted && Xapian::Unicode::is_wordchar(ch)) {
            bool excluded = prev == '-' && !Xapian::Unicode::is_wordchar(before_prev);
            std::string w;
            while (it != end && Xapian::Unicode::is_wordchar(*it)) {
                Xapian::Unicode::append_utf8(w, *it);
                before_prev = prev;
                prev = *it;
                ++it;
            }
            out.push_back({w, excluded});
            continue;
        }
        before_prev = prev;
        prev = ch;
        ++it;
    }
    return out;
}

}  // namespace

void refuse_excluded_near(const std::string &text) {
    if (text.find("NEAR") == std::string::npos && text.find("ADJ") == std::string::npos) return;
    std::vector<Token> t = lex(text);
    for (size_t i = 0; i + 1 < t.size(); i++) {
        if ((t[i].excluded && near_op(t[i + 1].word)) || (near_op(t[i].word) && t[i + 1].excluded))
            throw Xapian::QueryParserError("an excluded word (-word) beside NEAR or ADJ: they take "
                                           "words or phrases that must be there");
    }
}
