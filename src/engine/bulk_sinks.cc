/* bulk_sinks.cc -- the sinks of the bulk inverter (bulk.hh): glass's
 * DatabaseWriter, and the
 * replay sink, a test hook (LEDE_BULK_SINK=replay) that checks every rule
 * of glass/writer.hh's contract, holds the whole database in maps and
 * writes it through Xapian's WritableDatabase at finish -- so the
 * inverter is proved against the API path before and apart from the glass
 * writer.  Its memory is the whole collection's: never for real builds. */
#include "bulk.hh"

#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "glass/writer.hh"

namespace bulk {

namespace {

[[noreturn]] void breach(const std::string &what) {
    throw std::logic_error("bulk sink contract: " + what);
}

class ReplaySink : public Sink {
  public:
    ReplaySink(const std::string &dir, bool no_sync) : dir(dir), no_sync(no_sync) {}

    void add_document(Xapian::docid did, const std::string &data, const TermWdfs &terms,
                      const SlotValues &values) override {
        if (did <= last_did || in_terms) breach("document " + std::to_string(did) + " out of order");
        last_did = did;
        Doc &d = docs[did];
        d.data = data;
        for (size_t i = 0; i < terms.size(); i++) {
            if (i && !(terms[i - 1].first < terms[i].first)) breach("termlist out of order");
            d.terms[terms[i].first] = terms[i].second;
        }
        d.values = values;
        expected += terms.size();
    }
    void set_metadata(const std::string &key, const std::string &value) override {
        if (in_terms) breach("metadata after the first term");
        metadata[key] = value;
    }
    void add_spelling(const std::string &word, Xapian::termcount freq) override {
        if (finished || spelling_ended) breach("spelling after finish or end_spelling");
        spelling[word] += freq;
    }
    void end_spelling() override {
        if (finished || spelling_ended) breach("end_spelling twice or after finish");
        spelling_ended = true;
    }
    void begin_term(const std::string &term) override {
        if (open_term || (in_terms && !(last_term < term))) breach("term " + term + " out of order");
        in_terms = open_term = true;
        last_term = term;
        term_did = 0;
    }
    void add_posting(Xapian::docid did, Xapian::termcount wdf, const Xapian::termpos *positions,
                     size_t npositions) override {
        if (!open_term || did <= term_did) breach("posting of " + last_term + " out of order");
        term_did = did;
        auto d = docs.find(did);
        if (d == docs.end()) breach("posting to a document never added");
        auto t = d->second.terms.find(last_term);
        if (t == d->second.terms.end() || t->second != wdf) breach("posting unlike the termlist: " + last_term);
        d->second.positions[last_term].assign(positions, positions + npositions);
        posted++;
    }
    void end_term() override {
        if (!open_term) breach("end_term without begin_term");
        open_term = false;
    }
    void finish() override {
        if (open_term || posted != expected) breach("not every term of the termlists was posted");
        finished = true;
        int flags = Xapian::DB_CREATE | (no_sync ? Xapian::DB_NO_SYNC : 0);
        Xapian::WritableDatabase db(dir, flags);
        for (const auto &kv : docs) db.replace_document(kv.first, document(kv.second));
        for (const auto &kv : metadata) db.set_metadata(kv.first, kv.second);
        for (const auto &kv : spelling) db.add_spelling(kv.first, kv.second);
        db.commit();
        db.close();
    }

  private:
    struct Doc {
        std::string data;
        std::map<std::string, Xapian::termcount> terms;
        std::map<std::string, std::vector<Xapian::termpos>> positions;
        SlotValues values;
    };
    std::string dir;
    bool no_sync;
    std::map<Xapian::docid, Doc> docs;
    std::map<std::string, std::string> metadata;
    std::map<std::string, Xapian::termcount> spelling;
    Xapian::docid last_did = 0, term_did = 0;
    std::string last_term;
    bool in_terms = false, open_term = false, finished = false, spelling_ended = false;
    uint64_t expected = 0, posted = 0;

    static Xapian::Document document(const Doc &d) {
        Xapian::Document doc;
        doc.set_data(d.data);
        for (const auto &t : d.terms) {
            doc.add_term(t.first, t.second);
            auto p = d.positions.find(t.first);
            if (p != d.positions.end())
                for (Xapian::termpos pos : p->second) doc.add_posting(t.first, pos, 0);
        }
        for (const auto &v : d.values) doc.add_value(v.first, v.second);
        return doc;
    }
};

class GlassSink : public Sink {
  public:
    GlassSink(const std::string &dir, bool no_sync) : w(dir, options(no_sync)) {}
    void add_document(Xapian::docid did, const std::string &data, const TermWdfs &terms,
                      const SlotValues &values) override {
        w.add_document(did, data, terms, values);
    }
    void set_metadata(const std::string &key, const std::string &value) override { w.set_metadata(key, value); }
    void add_spelling(const std::string &word, Xapian::termcount freq) override { w.add_spelling(word, freq); }
    void end_spelling() override { w.end_spelling(); }
    void begin_term(const std::string &term) override { w.begin_term(term); }
    void add_posting(Xapian::docid did, Xapian::termcount wdf, const Xapian::termpos *positions,
                     size_t npositions) override {
        w.add_posting(did, wdf, positions, npositions);
    }
    void end_term() override { w.end_term(); }
    void finish() override { w.finish(); }

  private:
    glass::DatabaseWriter w;
    static glass::Options options(bool no_sync) {
        glass::Options o;
        o.no_sync = no_sync;
        return o;
    }
};

}  // namespace

std::unique_ptr<Sink> make_sink(const std::string &dir, bool no_sync) {
    const char *hook = getenv("LEDE_BULK_SINK");
    if (!hook || strcmp(hook, "replay")) return std::unique_ptr<Sink>(new GlassSink(dir, no_sync));
    return std::unique_ptr<Sink>(new ReplaySink(dir, no_sync));
}

}  // namespace bulk
