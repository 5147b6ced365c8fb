/* doc_target.hh -- what an article's document gets besides its text's
 * terms (its id, file, field and signature terms, its values: document.cc's
 * add_rest, fields.cc's add_fields, duplicates.cc's add_signature) is
 * written to: a Xapian::Document (XapianTarget, the API path), or the bulk
 * path's flat table (document.cc's FlatTarget), with the Document's
 * rules: a value replaces the slot's, an empty one removes it. */
#ifndef LEDE_ENGINE_DOC_TARGET_HH
#define LEDE_ENGINE_DOC_TARGET_HH

#include <xapian.h>

#include <string>

struct DocTarget {
    virtual ~DocTarget() {}
    virtual void add_boolean_term(const std::string &term) = 0;
    virtual void add_value(Xapian::valueno slot, const std::string &value) = 0;
};

struct XapianTarget : DocTarget {
    Xapian::Document &doc;
    explicit XapianTarget(Xapian::Document &doc) : doc(doc) {}
    void add_boolean_term(const std::string &term) override { doc.add_boolean_term(term); }
    void add_value(Xapian::valueno slot, const std::string &value) override { doc.add_value(slot, value); }
};

#endif
