/* test_chars.cc -- src/engine/chars.hh against Xapian itself: every ASCII
 * byte's word, digit and lower-case answers from the table must be
 * Xapian::Unicode's, and walking text with chars::next must meet the same
 * characters at the same offsets as Xapian::Utf8Iterator, multi-byte and
 * malformed sequences included (the build's spelling words, stop-word
 * pairs and near-duplicate words depend on both). */
#include "chars.hh"
#include "unit.h"

#include <string>
#include <utility>
#include <vector>

namespace {

typedef std::vector<std::pair<size_t, unsigned>> Walk; /* (offset, character) */

Walk walk_chars(const std::string &s) {
    Walk out;
    const char *p = s.data(), *end = s.data() + s.size();
    while (p < end) {
        size_t at = (size_t)(p - s.data());
        out.emplace_back(at, chars::next(p, end));
    }
    return out;
}

Walk walk_xapian(const std::string &s) {
    Walk out;
    for (Xapian::Utf8Iterator it(s); it != Xapian::Utf8Iterator(); ++it)
        out.emplace_back((size_t)(it.raw() - s.data()), *it);
    return out;
}

void check_ascii_table() {
    int word = -1, digit = -1, lower = -1, step = -1, append = -1;
    for (unsigned c = 0; c < 128; c++) {
        if (word < 0 && chars::is_wordchar(c) != Xapian::Unicode::is_wordchar(c)) word = (int)c;
        bool xdigit = Xapian::Unicode::get_category(c) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
        if (digit < 0 && chars::is_digit(c) != xdigit) digit = (int)c;
        if (lower < 0 && chars::tolower(c) != Xapian::Unicode::tolower(c)) lower = (int)c;
        std::string one(1, (char)c);
        const char *p = one.data();
        if (step < 0 && (chars::next(p, p + 1) != c || p != one.data() + 1)) step = (int)c;
        std::string a, b;
        chars::append(a, c);
        Xapian::Unicode::append_utf8(b, c);
        if (append < 0 && a != b) append = (int)c;
    }
    CHECK(word < 0, "is_wordchar matches Xapian for all 128 ASCII bytes (first mismatch %d)", word);
    CHECK(digit < 0, "is_digit matches Xapian's DECIMAL_DIGIT_NUMBER for ASCII (first mismatch %d)", digit);
    CHECK(lower < 0, "tolower matches Xapian for ASCII (first mismatch %d)", lower);
    CHECK(step < 0, "next reads each ASCII byte as itself, one byte long (first mismatch %d)", step);
    CHECK(append < 0, "append writes ASCII as append_utf8 does (first mismatch %d)", append);
    CHECK(chars::is_wordchar('a') && chars::is_wordchar('Z') && chars::is_wordchar('7') &&
              !chars::is_wordchar(' ') && !chars::is_wordchar('-'),
          "the table is not all one answer (letters and digits are word characters, space and '-' not)");
    CHECK(chars::is_digit('0') && chars::is_digit('9') && !chars::is_digit('a'), "digits are told from letters");
    CHECK(chars::tolower('Q') == 'q' && chars::tolower('q') == 'q', "upper case is lowered");
}

void check_walks() {
    const std::vector<std::pair<const char *, std::string>> texts = {
        {"plain ASCII", "Reuters said on Monday: 5.3 mln dlrs."},
        {"Latin accents", "Ärger naïve café Ōsaka"},
        {"CJK and emoji", "東京 in 2026 \xF0\x9F\x98\x80 ok"},
        {"astral letter", "x\xF0\x9D\x94\x98y"},
        {"lone continuation bytes", "a\x80\xBF b"},
        {"truncated two-byte sequence at the end", "abc\xC3"},
        {"truncated three-byte sequence inside", "a\xE6\x9D b"},
        {"overlong encoding", "a\xC0\xAF b"},
        {"invalid lead bytes", "\xFF\xFE x \xF8\x88\x80\x80\x80 y"},
        {"surrogate encoded", "a\xED\xA0\x80 b"},
        {"NUL and controls", std::string("a\0b\x01\x7F c", 7)},
    };
    for (const auto &t : texts) {
        Walk ours = walk_chars(t.second), theirs = walk_xapian(t.second);
        CHECK(ours == theirs, "next walks '%s' as Utf8Iterator does (%zu characters against %zu)", t.first,
              ours.size(), theirs.size());
        bool same = true;
        for (const auto &c : ours) {
            unsigned ch = c.second;
            bool xdigit = Xapian::Unicode::get_category(ch) == Xapian::Unicode::DECIMAL_DIGIT_NUMBER;
            same = same && chars::is_wordchar(ch) == Xapian::Unicode::is_wordchar(ch) &&
                   chars::is_digit(ch) == xdigit && chars::tolower(ch) == Xapian::Unicode::tolower(ch);
            std::string a, b;
            chars::append(a, ch);
            Xapian::Unicode::append_utf8(b, ch);
            same = same && a == b;
        }
        CHECK(same, "classes, lower case and re-encoding of '%s' match Xapian's", t.first);
    }
}

}  // namespace

int main() {
    check_ascii_table();
    check_walks();
    return unit_exit();
}
