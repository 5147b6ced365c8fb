/* chars.hh -- reading text a character at a time exactly as Xapian's
 * Utf8Iterator and Unicode tables read it, with ASCII answered from a table
 * made of those very functions.  Used by the walks of an article's text
 * beside the TermGenerator's (document.cc: spelling words and stop-word
 * pairs; duplicates.cc: the near-duplicate signature's words).
 *
 * Why: those walks called into libxapian four or five times a character
 * (Utf8Iterator's dereference and sequence length, get_character_info for
 * is_wordchar, get_category and tolower); a Reuters article is nearly all
 * ASCII and is walked three times besides the TermGenerator's own pass.
 * The table is filled from Xapian::Unicode itself, so an ASCII character's
 * answers are Xapian's by construction; any other byte goes through
 * Utf8Iterator as before (which reads an ASCII byte as itself and never
 * takes one into a multi-byte sequence, so stepping over ASCII bytes one by
 * one here reaches every other character where Utf8Iterator would). */
#ifndef LEDE_ENGINE_CHARS_HH
#define LEDE_ENGINE_CHARS_HH

#include <xapian.h>

#include <string>

namespace chars {

struct AsciiTable {
    bool word[128];   /* Xapian::Unicode::is_wordchar */
    bool digit[128];  /* get_category == DECIMAL_DIGIT_NUMBER */
    char lower[128];  /* Xapian::Unicode::tolower */
    AsciiTable() {
        for (unsigned c = 0; c < 128; c++) {
            word[c] = Xapian::Unicode::is_wordchar(c);
            digit[c] = Xapian::Unicode::get_category(c) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
            lower[c] = (char)Xapian::Unicode::tolower(c);
        }
    }
};

inline const AsciiTable &ascii() {
    static const AsciiTable t;
    return t;
}

/* The character at p (p < end) as Utf8Iterator reads it; p moves past it. */
inline unsigned next(const char *&p, const char *end) {
    unsigned char c = (unsigned char)*p;
    if (c < 0x80) {
        p++;
        return c;
    }
    Xapian::Utf8Iterator it(p, (size_t)(end - p));
    unsigned ch = *it;
    ++it;
    p = it.raw();
    return ch;
}

inline bool is_wordchar(unsigned ch) {
    return ch < 128 ? ascii().word[ch] : Xapian::Unicode::is_wordchar(ch);
}

inline bool is_digit(unsigned ch) {
    return ch < 128 ? ascii().digit[ch]
                    : Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
}

inline unsigned tolower(unsigned ch) {
    return ch < 128 ? (unsigned)(unsigned char)ascii().lower[ch] : Xapian::Unicode::tolower(ch);
}

/* Appends ch as UTF-8, as Xapian::Unicode::append_utf8 does. */
inline void append(std::string &s, unsigned ch) {
    if (ch < 128) s += (char)ch;
    else Xapian::Unicode::append_utf8(s, ch);
}

}  // namespace chars

#endif
