/* tests/tools/glasscopy.cc -- copies any Xapian database, read through
 * Xapian's API, into a new glass database written by lede's glass writer
 * (src/engine/glass/writer.hh): the documents by docid with their data,
 * terms, wdfs and values; the metadata; the spelling words with their
 * frequencies; then every term's postlist with wdfs and positions.  Issue
 * 20's proof that the writer's tables read back as what went in (with
 * tests/tools/dbcompare).  Prints the bytes written, the seconds taken and
 * those spent inside the writer's calls.
 *
 * --end-spelling ends the spelling words before the terms (the table then
 * written on the writer's thread of its own, beside them).
 *
 * Usage: glasscopy [--block-size N] [--sync] [--end-spelling] SOURCE NEW_DIR */
#include "glass/writer.hh"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

/* Seconds spent inside the writer's calls (the rest is reading). */
double writer_seconds = 0;

template <class F>
void timed(F f) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    writer_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void copy_documents(const Xapian::Database &db, glass::DatabaseWriter &out) {
    glass::TermWdfs terms;
    glass::SlotValues values;
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
        Xapian::docid did = *p;
        Xapian::Document doc = db.get_document(did);
        terms.clear();
        values.clear();
        for (Xapian::TermIterator t = db.termlist_begin(did); t != db.termlist_end(did); ++t)
            terms.emplace_back(*t, t.get_wdf());
        for (Xapian::ValueIterator v = doc.values_begin(); v != doc.values_end(); ++v)
            values.emplace_back(v.get_valueno(), *v);
        const std::string data = doc.get_data();
        timed([&] { out.add_document(did, data, terms, values); });
    }
}

void copy_terms(const Xapian::Database &db, glass::DatabaseWriter &out) {
    std::vector<Xapian::termpos> positions;
    for (Xapian::TermIterator t = db.allterms_begin(); t != db.allterms_end(); ++t) {
        const std::string term = *t;
        timed([&] { out.begin_term(term); });
        for (Xapian::PostingIterator p = db.postlist_begin(term); p != db.postlist_end(term); ++p) {
            positions.clear();
            for (Xapian::PositionIterator i = p.positionlist_begin(); i != p.positionlist_end(); ++i)
                positions.push_back(*i);
            Xapian::docid did = *p;
            Xapian::termcount wdf = p.get_wdf();
            timed([&] { out.add_posting(did, wdf, positions.data(), positions.size()); });
        }
        timed([&] { out.end_term(); });
    }
}

}  // namespace

int main(int argc, char **argv) {
    glass::Options options;
    options.no_sync = true;
    bool end_spelling = false;
    int arg = 1;
    for (; arg < argc && argv[arg][0] == '-'; ++arg) {
        if (!std::strcmp(argv[arg], "--block-size") && arg + 1 < argc) {
            options.block_size = unsigned(std::strtoul(argv[++arg], nullptr, 10));
        } else if (!std::strcmp(argv[arg], "--sync")) {
            options.no_sync = false;
        } else if (!std::strcmp(argv[arg], "--end-spelling")) {
            end_spelling = true;
        } else {
            break;
        }
    }
    if (argc - arg != 2) {
        std::fprintf(stderr, "usage: glasscopy [--block-size N] [--sync] [--end-spelling] SOURCE NEW_DIR\n");
        return 2;
    }
    auto start = std::chrono::steady_clock::now();
    try {
        Xapian::Database db(argv[arg]);
        glass::DatabaseWriter out(argv[arg + 1], options);
        copy_documents(db, out);
        for (Xapian::TermIterator k = db.metadata_keys_begin(); k != db.metadata_keys_end(); ++k)
            out.set_metadata(*k, db.get_metadata(*k));
        for (Xapian::TermIterator w = db.spellings_begin(); w != db.spellings_end(); ++w)
            out.add_spelling(*w, w.get_termfreq());
        if (end_spelling) out.end_spelling();
        copy_terms(db, out);
        timed([&] { out.finish(); });
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("copied %u documents, %llu bytes in %.2f s (%.2f s in the writer)\n",
                    db.get_doccount(), out.bytes_written(), seconds, writer_seconds);
    } catch (const Xapian::Error &e) {
        std::fprintf(stderr, "glasscopy: %s\n", e.get_description().c_str());
        return 1;
    } catch (const glass::Error &e) {
        std::fprintf(stderr, "glasscopy: %s\n", e.what());
        return 1;
    }
    return 0;
}
