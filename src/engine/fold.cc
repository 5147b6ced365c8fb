/* fold.cc -- how the engine folds text before it compares it.  Pure
 * functions of a string, through ICU's normalisers and Xapian's Unicode
 * tables; reads no database and keeps no state.
 *
 * fold_case lower-cases: keyword values and slot grouping (fields.cc,
 * field_query.cc, facets.cc) and the words of a near-duplicate signature
 * (duplicates.cc).  Folding the same way everywhere is what makes a
 * filter, a facet and a collapse agree on a value.
 *
 * fold_text is the text folding of an index whose "lede.fold" is
 * ENGINE_FOLD (engine.h): the one function that turns text into the form
 * its terms are made of, used alike on an article's text before the
 * TermGenerator (document.cc), on a query before QueryParser
 * (query_parser.cc), on the words a stemmer is given (language.cc:
 * snippets see the text as written), on stop word lists and, with
 * fold_case, on keyword values (fold_value).
 *
 * Folding is NFKC (full-width letters, ligatures and compatibility forms
 * become the plain ones), with the accents of Latin, Greek and Cyrillic
 * letters taken off: the combining diacritical marks an NFKD decomposition
 * leaves (U+0300-036F and their extension blocks) are dropped, and a few
 * letters that carry their mark in one code point (ø ł đ ħ ı ß æ œ) are
 * spelt plainly.  Marks of other scripts stay (the Japanese voicing mark,
 * Hangul jamo, Indic vowel signs are letters there, not accents), and NFC
 * puts them back together.  Case is left alone (QueryParser's operators
 * are upper case; Xapian lower-cases words itself). */
#include "internal.hh"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace {

/* The accents taken off: the combining diacritical marks of Latin, Greek
 * and Cyrillic letters and their supplements. */
bool is_accent(UChar32 c) {
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F);
}

/* Letters whose mark no decomposition separates, spelt without it; NULL
 * for every other character. */
const char *plain_spelling(UChar32 c) {
    switch (c) {
    case 0x00D8: return "O";   /* Ø */
    case 0x00F8: return "o";   /* ø */
    case 0x0141: return "L";   /* Ł */
    case 0x0142: return "l";   /* ł */
    case 0x0110: return "D";   /* Đ */
    case 0x0111: return "d";   /* đ */
    case 0x0126: return "H";   /* Ħ */
    case 0x0127: return "h";   /* ħ */
    case 0x0131: return "i";   /* ı */
    case 0x00DF: return "ss";  /* ß */
    case 0x00C6: return "AE";  /* Æ */
    case 0x00E6: return "ae";  /* æ */
    case 0x0152: return "OE";  /* Œ */
    case 0x0153: return "oe";  /* œ */
    default: return nullptr;
    }
}

struct Normalisers {
    const icu::Normalizer2 *nfkd = nullptr, *nfc = nullptr, *nfkc = nullptr;
    Normalisers() {
        UErrorCode e = U_ZERO_ERROR;
        nfkd = icu::Normalizer2::getNFKDInstance(e);
        nfc = icu::Normalizer2::getNFCInstance(e);
        nfkc = icu::Normalizer2::getNFKCInstance(e);
        if (U_FAILURE(e)) nfkd = nfc = nfkc = nullptr;
    }
};

const Normalisers &normalisers() {
    static const Normalisers n; /* ICU's instances are shared and immutable */
    return n;
}

/* Whether folding leaves c as it is, whatever is around it. */
bool inert(const Normalisers &n, UChar32 c) {
    return c < 0x80 || (n.nfkc->isInert(c) && !plain_spelling(c) && !is_accent(c));
}

/* One stretch of text that folding changes, folded: NFKD, accents off,
 * the plain spellings, NFC. */
std::string fold_stretch(const Normalisers &n, const char *s, size_t len) {
    UErrorCode e = U_ZERO_ERROR;
    icu::UnicodeString src = icu::UnicodeString::fromUTF8(icu::StringPiece(s, (int32_t)len));
    icu::UnicodeString decomposed = n.nfkd->normalize(src, e), kept;
    for (int32_t i = 0; i < decomposed.length();) {
        UChar32 c = decomposed.char32At(i);
        i += U16_LENGTH(c);
        if (is_accent(c)) continue;
        const char *plain = plain_spelling(c);
        if (plain) kept.append(icu::UnicodeString(plain, -1, icu::UnicodeString::kInvariant));
        else kept.append(c);
    }
    icu::UnicodeString composed = n.nfc->normalize(kept, e);
    std::string out;
    if (U_FAILURE(e)) return std::string(s, len);
    composed.toUTF8String(out);
    return out;
}

}  // namespace

std::string fold_text(const std::string &text) {
    const Normalisers &n = normalisers();
    if (!n.nfkc) /* never fold some text and not the rest */
        throw Xapian::FeatureUnavailableError("ICU's Unicode normalisation data could not be loaded");
    if (text.size() > (size_t)INT32_MAX) return text; /* ICU's lengths are int32_t */
    const char *s = text.data();
    int32_t len = (int32_t)text.size(), i = 0;
    std::string out;
    out.reserve(text.size());
    /* Characters folding leaves alone are copied; a stretch of others is
     * folded with the character before it, which it may combine with. */
    int32_t prev = 0;
    while (i < len) {
        int32_t at = i;
        if ((unsigned char)s[i] < 0x80) { /* a run of ASCII, inert: copied at once */
            while (i < len && (unsigned char)s[i] < 0x80) i++;
            out.append(s + at, (size_t)(i - at));
            prev = i - 1;
            continue;
        }
        UChar32 c;
        U8_NEXT(s, i, len, c);
        if (c < 0 || inert(n, c)) {
            out.append(s + at, (size_t)(i - at));
            prev = at;
            continue;
        }
        int32_t from = at > 0 ? prev : at, end = i;
        out.resize(out.size() - (size_t)(at - from));
        while (end < len) {
            int32_t next = end;
            U8_NEXT(s, next, len, c);
            if (c >= 0 && inert(n, c)) break;
            end = next;
        }
        out += fold_stretch(n, s + from, (size_t)(end - from));
        prev = i = end;
    }
    return out;
}

word_set folded_words(const word_set &words) {
    word_set out;
    for (const std::string &w : words) out.insert(fold_text(w));
    return out;
}

/* A query folded as article text is, but for the values of id: (an
 * article's id is matched as it was written). */
std::string fold_query(const std::string &query) {
    std::string out;
    size_t i = 0;
    while (i < query.size()) {
        size_t word = query.find_first_not_of(" \t", i);
        if (word == std::string::npos) {
            out.append(query, i, std::string::npos);
            break;
        }
        out.append(query, i, word - i);
        size_t end = query.find_first_of(" \t", word);
        if (end == std::string::npos) end = query.size();
        std::string w = query.substr(word, end - word);
        bool id = w.compare(0, 3, "id:") == 0 || w.compare(0, 4, "+id:") == 0 ||
                  w.compare(0, 4, "-id:") == 0 || w.compare(0, 4, "(id:") == 0;
        out += id ? w : fold_text(w);
        i = end;
    }
    return out;
}

bool fold_setting(const char *value) {
    if (!value || !*value) return false;
    if (!strcmp(value, ENGINE_FOLD)) return true;
    throw Xapian::DatabaseVersionError(std::string("text folding \"") + value +
                                       "\" is not one this lede knows (" ENGINE_FOLD ")");
}

std::string fold_case(const std::string &text) {
    std::string out;
    out.reserve(text.size());
    for (Xapian::Utf8Iterator it(text), end; it != end; ++it)
        Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(*it));
    return out;
}

std::string fold_value(const std::string &text, bool accents) {
    return fold_case(accents ? fold_text(text) : text);
}
