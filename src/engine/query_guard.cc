/* query_guard.cc -- the query text Xapian's QueryParser is given, and what
 * it must not be given.  Xapian 1.4's parser leaks memory (96 bytes a
 * time) on some malformed queries with NEAR or ADJ (found by
 * tests/fuzz/fuzz_query), and its lexer splits words at any character that
 * is not a word character, where src/qsyntax.c splits at white space: so
 * "int\x96XOR\xBB NEAR/2 rat" passed qsyntax and leaked.  guard_query
 * writes every plain separator as a space (and invalid UTF-8 as the
 * Latin-1 Xapian reads it as), which changes nothing for Xapian, then runs
 * qsyntax_check on that text, so both see the same words.
 *
 * It also refuses a query that has both NEAR (or ADJ) and an excluded word (-word): Xapian 1.4's
 * parser leaks memory (96 bytes a time) on many of them ("-a NEAR b c",
 * "-a,ADJ,b c", "-~ a NEAR b c"; found by tests/fuzz/fuzz_query), and
 * which ones depends on details of its lexer that a narrower rule kept
 * missing.  "a NEAR b NOT c" says the same and is safe.  src/qsyntax.c
 * refuses the plain "-a NEAR b" with a column; this check reads the text
 * as Xapian's lexer does (Xapian::Unicode::is_wordchar, invalid UTF-8 read
 * as Latin-1, a '-' where a word may start and not followed by a space or
 * another sign), phrases left out.  Runs no query and reads no index. */
#include "internal.hh"
#include "../qsyntax.h"
#include "../util.h"

#include <cctype>
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

/* Whether Xapian's lexer may give the sign ch, between prev and next,
 * a meaning: quotes, parentheses, + and - always (love, hate, phrase
 * generator); AT&T, o'neill, a/b, a\\b, a@b only between word characters;
 * title: after one; dots beside one or another dot (acronyms, decimals,
 * date ranges with open ends); C#, prefix* after one.  Any other
 * character that is not a word character only separates words. */
static bool sign_kept(unsigned prev, unsigned ch, unsigned next) {
    bool wp = Xapian::Unicode::is_wordchar(prev), wn = Xapian::Unicode::is_wordchar(next);
    switch (ch) {
    case '"': case '(': case ')': case '+': case '-': case '_': return true;
    case '&': case '\'': case '/': case '\\': case '@': case 0x2019: case 0x201b: return wp && wn;
    case ':': case '#': return wp;
    case '*': return wp || prev == '*';
    case '.': return wp || wn || prev == '.' || next == '.';
    default: return false;
    }
}

/* Whether norm ends with an operator word (after a non-word character). */
static bool after_operator(const std::string &norm) {
    for (const char *op : {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"}) {
        size_t n = strlen(op);
        if (norm.size() >= n && !norm.compare(norm.size() - n, n, op) &&
            (norm.size() == n || !isalnum((unsigned char)norm[norm.size() - n - 1])))
            return true;
    }
    return false;
}

/* ---- NEAR and ADJ: plain words only -------------------------------------
 *
 * Why Xapian 1.4 leaks (its queryparser.lemony): two grammar actions give
 * up on a query by calling yy_parse_failed and returning (a boolean
 * operator with nothing on one side, VET_BOOL_ARGS; a group of only
 * excluded words, "Can't just hate!"), and the token that made the parser
 * reduce -- its lookahead -- is then never freed.  It leaks only when that
 * token carries a value: a term, or NEAR/N and ADJ/N, whose distance is a
 * Term object (96 bytes).  Every finding was a NEAR or ADJ query: their
 * distance is such a token, and a word right behind "a NEAR b" is a term
 * the grammar cannot take, so it is the lookahead when the failing action
 * runs.  The other two conditions (an operator missing a side, a group of
 * excluded words) are what qsyntax refuses and refuse_excluded_near
 * refuses with NEAR/ADJ -- as long as qsyntax sees the words Xapian's
 * lexer sees.  Rules about Xapian's lexer kept missing cases (".OR" after
 * a control character read as the operator OR: finding 9).  So in a query
 * with NEAR or ADJ only words whose reading is certain go to Xapian: each
 * word qsyntax sees must be an operator, or a plain word (word characters,
 * and between two of them an apostrophe, & or one of the signs Xapian
 * makes a phrase of: - . / : \\ @) with at most a leading +, a known field
 * ("title:", ...; date: and a metadata field take a range as it is) and a trailing * -- read
 * by Xapian's lexer as one term or one phrase, and by qsyntax as one word.  An
 * operator word inside a plain word ("+OR") is written in lower case,
 * which makes it a word to Xapian too (terms are lower-cased anyway).
 * Anything else is refused with the word and its column. */

namespace {

bool known_field(const std::string &f) {
    for (const char *name : {"title", "headline", "lede", "standfirst", "body", "author", "id", "date"})
        if (f == name) return true;
    return false;
}

bool operator_word(const std::string &w) {
    for (const char *op : {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"})
        if (w == op) return true;
    if (!w.compare(0, 5, "NEAR/") || !w.compare(0, 4, "ADJ/")) return true; /* qsyntax checks N */
    return false;
}

/* A word of qsyntax's (no space, parenthesis or quote in it) that Xapian
 * reads as exactly one term; its operator-looking part lower-cased.  False
 * when it is not one. */
bool plain_word(std::string &w) {
    size_t at = 0;
    if (w[0] == '+') at = 1;
    size_t colon = w.find(':', at);
    /* a metadata field's range (field_query.cc) is one token, as date:'s */
    if (colon != std::string::npos && colon > at && isalpha((unsigned char)w[at]) &&
        w.find("..", colon) != std::string::npos &&
        w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", at) == colon)
        return true;
    if (colon != std::string::npos && known_field(w.substr(at, colon - at))) {
        std::string field = w.substr(at, colon - at);
        /* a date range and an id are one token whatever they hold */
        if (field == "date" || field == "id") return colon + 1 < w.size();
        at = colon + 1;
    }
    size_t end = w.size();
    if (end > at && w[end - 1] == '*') end--;
    if (end <= at) return false;
    std::string body = w.substr(at, end - at);
    std::u32string cps;
    for (Xapian::Utf8Iterator it(body), e; it != e; ++it) cps += (char32_t)*it;
    for (size_t i = 0; i < cps.size(); i++) {
        if (Xapian::Unicode::is_wordchar(cps[i])) continue;
        bool inside = i > 0 && i + 1 < cps.size() && Xapian::Unicode::is_wordchar(cps[i - 1]) &&
                      Xapian::Unicode::is_wordchar(cps[i + 1]);
        if (!inside || cps[i] >= 0x80 || !strchr("'&-./:\\@", (int)cps[i])) return false;
    }
    /* every run of letters that is an operator word ("AND/NEAR/2" holds
     * two for Xapian's lexer): lower case, a word to it as to qsyntax */
    for (size_t i = at; i < end;) {
        size_t j = i;
        while (j < end && isalpha((unsigned char)w[j])) j++;
        bool run_alone = (i == at || !isalnum((unsigned char)w[i - 1])) && (j == end || !isalnum((unsigned char)w[j]));
        if (j > i && run_alone && operator_word(w.substr(i, j - i)))
            for (size_t k = i; k < j; k++) w[k] = (char)tolower((unsigned char)w[k]);
        i = j > i ? j : i + 1;
    }
    return true;
}

}  // namespace

/* In a query with NEAR or ADJ (as Xapian's lexer finds them), every word
 * outside quotes plain or an operator (see above); returns the text with
 * operator-looking words inside plain words in lower case, or throws. */
static std::string plain_near(const std::string &norm) {
    std::string out = norm;
    size_t i = 0;
    std::string last;  /* the word before, outside quotes */
    while (i < out.size()) {
        char c = out[i];
        if (c == '"') {
            size_t close = out.find('"', i + 1);
            i = close == std::string::npos ? out.size() : close + 1;
            continue;
        }
        if (isspace((unsigned char)c) || c == '(' || c == ')') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < out.size() && !isspace((unsigned char)out[i]) && out[i] != '(' && out[i] != ')' &&
               out[i] != '"')
            i++;
        std::string w = out.substr(start, i - start);
        bool after_not = last == "NOT";
        last = w;
        /* "a NOT NEAR/2 b": Xapian 1.4's parser fails on it and leaks the
         * distance's Term (make fuzz, 2026-12-05) */
        if (after_not && (!w.compare(0, 4, "NEAR") || !w.compare(0, 3, "ADJ")) && operator_word(w))
            throw Xapian::QueryParserError("NOT cannot stand right before " + w +
                                           ": write a NEAR b NOT c");
        if (operator_word(w)) continue;
        if (w.find_first_not_of("+-") == std::string::npos) {
            /* signs alone: Xapian ignores them before a space or the end,
             * as written here; before ( or " they apply to it */
            if (i == out.size() || (out[i] != '(' && out[i] != '"')) out.replace(start, w.size(), w.size(), ' ');
            continue;
        }
        if (!plain_word(w))
            throw Xapian::QueryParserError("'" + w.substr(0, 40) + "' at column " + std::to_string(start + 1) +
                                           ": a query with NEAR or ADJ takes plain words (letters and digits, "
                                           "a-b, field:word, word*, +word, \"phrases\")");
        out.replace(start, w.size(), w);
    }
    return out;
}

std::string guard_query(const std::string &text) {
    std::u32string cps;
    for (Xapian::Utf8Iterator it(text), end; it != end; ++it) cps += (char32_t)*it;
    std::string norm;
    norm.reserve(text.size());
    for (size_t i = 0; i < cps.size(); i++) {
        unsigned ch = cps[i], prev = i ? cps[i - 1] : ' ', next = i + 1 < cps.size() ? cps[i + 1] : ' ';
        if (ch == '+' && Xapian::Unicode::is_wordchar(prev) && Xapian::Unicode::is_wordchar(next))
            norm += " +"; /* "OR+b": Xapian ends the word at the '+' (a love sign), qsyntax must too */
        else if (ch == '-' && after_operator(norm))
            norm += " -"; /* "OR-7": the same with a hate sign after an operator */
        else if (ch == ':' && after_operator(norm))
            norm += ' '; /* "XOR:": no field is called XOR; Xapian reads the operator */
        else if (Xapian::Unicode::is_wordchar(ch) || sign_kept(prev, ch, next))
            Xapian::Unicode::append_utf8(norm, ch); /* invalid UTF-8: as Xapian reads it, Latin-1 */
        else
            norm += ' ';
    }
    char err[LEDE_ERRLEN];
    if (qsyntax_check(norm.c_str(), err) != LEDE_OK) throw Xapian::QueryParserError(err);
    refuse_excluded_near(norm);
    return has_near(norm) ? plain_near(norm) : norm;
}

bool has_near(const std::string &text) {
    return (text.find("NEAR") != std::string::npos || text.find("ADJ") != std::string::npos) && scan(text).near;
}

void refuse_excluded_near(const std::string &text) {
    if (text.find('-') == std::string::npos ||
        (text.find("NEAR") == std::string::npos && text.find("ADJ") == std::string::npos))
        return;
    Seen seen = scan(text);
    if (seen.near && seen.excluded)
        throw Xapian::QueryParserError("a query with NEAR or ADJ cannot also exclude a word with "
                                       "-word; use NOT: a NEAR b NOT c");
}
