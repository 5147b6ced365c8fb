/* tests/tools/glassorder.cc -- the glass writer's guard rails
 * (src/engine/glass/writer.hh): every call out of its phase or order throws
 * glass::Error with a message naming the breach, the writer stays usable
 * after a rejected call, and a writer destroyed before finish() leaves no
 * directory.  Prints TAP lines ("ok - ..." / "not ok - ...") for
 * tests/sh/test_glass.sh.  Usage: glassorder SCRATCH_DIR */
#include "glass/writer.hh"

#include <cstdio>
#include <functional>
#include <string>

#include <sys/stat.h>

namespace {

int failures = 0;

void report(bool ok, const std::string &what) {
    std::printf("%s - glass writer: %s\n", ok ? "ok" : "not ok", what.c_str());
    if (!ok) ++failures;
}

bool exists(const std::string &path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

glass::Options quick() {
    glass::Options o;
    o.no_sync = true;
    return o;
}

const glass::TermWdfs ONE_TERM = {{"apple", 2}};

/* Runs setup then the bad call on a fresh writer in dir; the bad call must
 * throw an Error whose message holds want; the writer, destroyed
 * unfinished, must leave nothing. */
void expect_error(const std::string &dir, const std::string &name,
                  const std::function<void(glass::DatabaseWriter &)> &setup,
                  const std::function<void(glass::DatabaseWriter &)> &bad, const std::string &want) {
    std::string message = "(no error)";
    try {
        glass::DatabaseWriter w(dir, quick());
        setup(w);
        try {
            bad(w);
        } catch (const glass::Error &e) {
            message = e.what();
        }
    } catch (const glass::Error &e) {
        message = std::string("setup failed: ") + e.what();
    }
    report(message.find(want) != std::string::npos,
           name + " throws '" + want + "' (got '" + message + "')");
    report(!exists(dir), name + ": the unfinished writer left no directory");
}

void add_one(glass::DatabaseWriter &w) { w.add_document(1, "d", ONE_TERM, {}); }

void order_cases(const std::string &dir) {
    auto none = [](glass::DatabaseWriter &) {};
    expect_error(dir, "docid not ascending", add_one,
                 [](glass::DatabaseWriter &w) { w.add_document(1, "", {}, {}); }, "not above the last");
    expect_error(dir, "terms of a document out of order", none,
                 [](glass::DatabaseWriter &w) { w.add_document(1, "", {{"b", 1}, {"a", 1}}, {}); },
                 "terms not strictly ascending");
    expect_error(dir, "value slots out of order", none,
                 [](glass::DatabaseWriter &w) { w.add_document(1, "", {}, {{3, "x"}, {1, "y"}}); },
                 "value slots not strictly ascending");
    expect_error(dir, "add_posting outside a term", add_one,
                 [](glass::DatabaseWriter &w) { w.add_posting(1, 2, nullptr, 0); },
                 "add_posting outside");
    expect_error(dir, "add_document after begin_term",
                 [](glass::DatabaseWriter &w) { add_one(w); w.begin_term("apple"); },
                 [](glass::DatabaseWriter &w) { w.add_document(2, "", {}, {}); },
                 "add_document after begin_term");
    expect_error(dir, "set_metadata after begin_term",
                 [](glass::DatabaseWriter &w) { add_one(w); w.begin_term("apple"); },
                 [](glass::DatabaseWriter &w) { w.set_metadata("k", "v"); }, "set_metadata after");
    expect_error(dir, "terms out of order",
                 [](glass::DatabaseWriter &w) {
                     w.add_document(1, "", {{"a", 1}, {"b", 1}}, {});
                     w.begin_term("b");
                     w.add_posting(1, 1, nullptr, 0);
                     w.end_term();
                 },
                 [](glass::DatabaseWriter &w) { w.begin_term("a"); }, "terms not strictly ascending");
    expect_error(dir, "posting for a document never added",
                 [](glass::DatabaseWriter &w) { add_one(w); w.begin_term("apple"); },
                 [](glass::DatabaseWriter &w) { w.add_posting(5, 1, nullptr, 0); }, "was not added");
    expect_error(dir, "positions out of order",
                 [](glass::DatabaseWriter &w) { add_one(w); w.begin_term("apple"); },
                 [](glass::DatabaseWriter &w) {
                     const Xapian::termpos pos[] = {4, 2};
                     w.add_posting(1, 2, pos, 2);
                 },
                 "positions not strictly ascending");
    expect_error(dir, "finish inside a term",
                 [](glass::DatabaseWriter &w) { add_one(w); w.begin_term("apple"); },
                 [](glass::DatabaseWriter &w) { w.finish(); }, "finish before end_term");
    expect_error(dir, "a term of the documents never posted", add_one,
                 [](glass::DatabaseWriter &w) { w.finish(); }, "the terms posted 0 postings");
    expect_error(dir, "a term whose escaped keys are too long",
                 [](glass::DatabaseWriter &w) { w.add_document(1, "", {{std::string(240, '\0'), 1}}, {}); },
                 [](glass::DatabaseWriter &w) { w.begin_term(std::string(240, '\0')); },
                 "keys would pass 255 bytes");
    expect_error(dir, "an empty term", add_one,
                 [](glass::DatabaseWriter &w) { w.begin_term(""); }, "a term of 0 bytes");
    expect_error(dir, "a spelling word after end_spelling",
                 [](glass::DatabaseWriter &w) { w.add_spelling("apple", 1); w.end_spelling(); },
                 [](glass::DatabaseWriter &w) { w.add_spelling("pear", 1); }, "add_spelling after end_spelling");
    expect_error(dir, "end_spelling twice", [](glass::DatabaseWriter &w) { w.end_spelling(); },
                 [](glass::DatabaseWriter &w) { w.end_spelling(); }, "end_spelling twice");
}

/* A rejected call changes nothing: the same writer still finishes. */
void recovery_case(const std::string &dir) {
    bool rejected = false;
    try {
        glass::DatabaseWriter w(dir, quick());
        add_one(w);
        try {
            w.add_document(1, "", {}, {});
        } catch (const glass::Error &) {
            rejected = true;
        }
        w.add_document(2, "two", {}, {});
        w.begin_term("apple");
        const Xapian::termpos pos[] = {1, 5};
        w.add_posting(1, 2, pos, 2);
        w.end_term();
        w.finish();
    } catch (const glass::Error &e) {
        report(false, std::string("recovery: ") + e.what());
        return;
    }
    report(rejected, "recovery: the repeated docid was rejected");
    Xapian::Database db(dir);
    report(db.get_doccount() == 2 && db.get_lastdocid() == 2 && db.get_document(2).get_data() == "two",
           "recovery: the database holds the two accepted documents");
    report(db.get_termfreq("apple") == 1 && db.get_collection_freq("apple") == 2,
           "recovery: the term's frequencies");
    report(exists(dir + "/iamglass") && !exists(dir + "/v.tmp"), "recovery: the version file is in place");
    bool again = false;
    try {
        glass::DatabaseWriter w2(dir, quick());
    } catch (const glass::Error &e) {
        again = std::string(e.what()).find("already exists") != std::string::npos;
    }
    report(again, "a writer refuses an existing directory");
    report(exists(dir + "/iamglass"), "the refused writer left the existing database alone");
}

}  // namespace

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: glassorder SCRATCH_DIR\n");
        return 2;
    }
    std::string scratch = argv[1];
    order_cases(scratch + "/bad");
    recovery_case(scratch + "/good");
    return failures ? 1 : 0;
}
