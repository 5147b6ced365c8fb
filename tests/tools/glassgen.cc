/* tests/tools/glassgen.cc -- writes a random collection through Xapian's
 * own WritableDatabase, the reference that tests/sh/test_glass.sh copies
 * with glasscopy and compares with dbcompare.  What a collection holds, by
 * design: odd Unicode and zero bytes in terms, terms of 1 to 245 bytes, a
 * term in every document, terms in one document, boolean terms (wdf 0),
 * documents with thousands of positions, documents with no terms, data
 * empty or larger than a block, values in slots whose encodings sort
 * differently from their numbers (0, 1, 7, 127, 128, 255, 256, 300, 70000),
 * metadata, spelling words, and gaps in the docids.  Owns nothing else.
 *
 * Usage: glassgen SEED DOCUMENTS NEW_DIR  (DOCUMENTS 0: an empty database,
 * which still gets metadata and spelling when SEED is odd). */
#include <xapian.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace {

std::mt19937 rng;

unsigned pick(unsigned n) { return unsigned(rng() % n); }

const char *const PIECES[] = {"a", "b", "e", "s", "th", "qu", "\xc3\xa9", "\xc3\x9f",
                              "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xd0\x96", "z", "\x00"};

std::string word(unsigned max_pieces) {
    std::string w;
    unsigned n = 1 + pick(max_pieces);
    for (unsigned i = 0; i < n; ++i) {
        unsigned p = pick(sizeof PIECES / sizeof *PIECES);
        if (p == 12) w += std::string(1, '\0');
        else w += PIECES[p];
    }
    return w;
}

std::string blob(size_t n) {
    std::string s(n, '\0');
    for (auto &c : s) c = char(rng());
    return s;
}

void add_terms(Xapian::Document &doc, unsigned did) {
    doc.add_term("Qall", 1 + pick(3));                      /* in every document */
    doc.add_term("Qonly" + std::to_string(did));             /* in one */
    doc.add_boolean_term("Kbool" + std::to_string(pick(4))); /* wdf 0 */
    unsigned words = pick(60);
    for (unsigned pos = 1; pos <= words; ++pos) doc.add_posting(word(4), pos + pick(2) * 1000);
    if (pick(10) == 0) { /* many positions */
        for (unsigned pos = 1; pos <= 5000; ++pos) doc.add_posting("Zmany", pos * 3 + pick(2));
    }
    if (pick(5) == 0) doc.add_term(std::string(245 - pick(3), char('a' + pick(26))), 2);
    if (pick(7) == 0) doc.add_term(std::string("X\0Y", 3) + word(2), 1 + pick(300));
}

void add_values(Xapian::Document &doc) {
    static const Xapian::valueno slots[] = {0, 1, 7, 127, 128, 255, 256, 300, 70000};
    for (Xapian::valueno slot : slots)
        if (pick(3) == 0) doc.add_value(slot, pick(4) ? word(3) : blob(1 + pick(3000)));
}

Xapian::Document make_document(unsigned did) {
    Xapian::Document doc;
    unsigned kind = pick(20);
    if (kind == 0) return doc; /* no terms, no data, no values */
    if (kind == 1) doc.set_data(blob(20000 + pick(30000)));
    else if (kind > 3) doc.set_data(word(30));
    if (kind != 2) add_terms(doc, did);
    add_values(doc);
    return doc;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: glassgen SEED DOCUMENTS NEW_DIR\n");
        return 2;
    }
    unsigned seed = unsigned(std::strtoul(argv[1], nullptr, 10));
    unsigned docs = unsigned(std::strtoul(argv[2], nullptr, 10));
    rng.seed(seed);
    try {
        Xapian::WritableDatabase db(argv[3], Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
        Xapian::docid did = 0;
        for (unsigned i = 0; i < docs; ++i) {
            did += 1 + (pick(8) == 0 ? pick(1000) : 0); /* gaps */
            db.replace_document(did, make_document(did));
        }
        if (docs || seed % 2) {
            db.set_metadata("lede.format", "4");
            db.set_metadata(std::string(200, 'k'), blob(5000));
            db.set_metadata("\xc3\xa9t\xc3\xa9", "summer");
            for (unsigned i = 0; i < 300; ++i) db.add_spelling(word(6), 1 + pick(50));
            db.add_spelling("drought", 7);
            db.add_spelling("drough", 1);
        }
        db.commit();
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "glassgen: %s\n", e.get_description().c_str());
        return 1;
    }
    return 0;
}
