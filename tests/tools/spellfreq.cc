/* tests/tools/spellfreq.cc -- the spelling frequency of words in an index
 * (its stub or database path, as Xapian opens it: a sharded index's stub
 * sums its databases'), one "WORD FREQ" line a word, for the tests of the
 * spelling words taken back on replace and delete (test_spelling_back).
 * Reads only.  Usage: spellfreq INDEX WORD... */
#include <xapian.h>

#include <cstdio>

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: spellfreq INDEX WORD...\n");
        return 2;
    }
    try {
        Xapian::Database db(argv[1]);
        for (int i = 2; i < argc; i++) {
            Xapian::TermIterator t = db.spellings_begin();
            t.skip_to(argv[i]);
            bool there = t != db.spellings_end() && *t == argv[i];
            std::printf("%s %u\n", argv[i], there ? (unsigned)t.get_termfreq() : 0u);
        }
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "spellfreq: %s: %s\n", argv[1], e.get_description().c_str());
        return 1;
    }
    return 0;
}
