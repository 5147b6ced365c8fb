/* query_parser.cc -- from a query string to a Xapian query: the reader's
 * QueryParser (fields, prefixes, stemming, stop words, date ranges, a
 * folding index's folding and CJK n-grams, the
 * metadata fields' filters of field_query.cc), made
 * once per (re)open, the hyphen rule of mode=any, and parse, which hands
 * the parsed query to query_rewrite.cc.  Reads metadata only through
 * load_settings (reader.cc); runs no query. */
#include "internal.hh"
#include "../date.h"

#include <cctype>

namespace {

/* date:BEGIN..END over value slot 0.  Each end may be YYYY, YYYY-MM,
 * YYYY-MM-DD or a full ISO 8601 time; a partial date covers its whole
 * year, month or day.  Either end may be empty. */
class DateRange : public Xapian::RangeProcessor {
  public:
    DateRange() : Xapian::RangeProcessor(ENGINE_SLOT_DATE, "date:") {}

    Xapian::Query operator()(const std::string &b, const std::string &e) override {
        if (b.empty() && e.empty())
            throw Xapian::QueryParserError("date range with no dates");
        double lo = 0, hi = 0;
        if (!b.empty()) lo = bound(b, false);
        if (!e.empty()) hi = bound(e, true);
        if (b.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, ENGINE_SLOT_DATE,
                                 Xapian::sortable_serialise(hi));
        if (e.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, ENGINE_SLOT_DATE,
                                 Xapian::sortable_serialise(lo));
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, ENGINE_SLOT_DATE,
                             Xapian::sortable_serialise(lo),
                             Xapian::sortable_serialise(hi));
    }

  private:
    static double bound(const std::string &s, bool end) { return date_bound(s, end); }
};

/* The QueryParser of r's index, from its settings (load_settings). */
Xapian::QueryParser make_query_parser(const engine_reader *r) {
    Xapian::QueryParser qp;
    qp.set_database(r->db);
    qp.set_stemmer(r->stem);
    qp.set_stemming_strategy(r->language == "none" ? Xapian::QueryParser::STEM_NONE
                                                   : Xapian::QueryParser::STEM_ALL);
    qp.set_default_op(Xapian::Query::OP_AND);
    for (const char *prefix : {"", PREFIX_TITLE, PREFIX_STANDFIRST})
        qp.add_prefix("", prefix);
    /* schema.c's list of lede's own names has these as SCHEMA_OWN_PREFIX
     * (date: the DateRange below), so that no metadata field takes one */
    qp.add_prefix("title", PREFIX_TITLE);
    qp.add_prefix("headline", PREFIX_TITLE);
    qp.add_prefix("lede", PREFIX_STANDFIRST);
    qp.add_prefix("standfirst", PREFIX_STANDFIRST);
    qp.add_prefix("body", "");
    qp.add_prefix("author", PREFIX_AUTHOR);
    qp.add_boolean_prefix("id", "Q");
    qp.add_rangeprocessor((new DateRange)->release()); /* Xapian owns it */
    add_field_prefixes(r, qp);
    if (!r->stop_words.empty()) qp.set_stopper(make_stopper(r->stop_words)->release());
    return qp;
}

const unsigned QP_FLAGS = Xapian::QueryParser::FLAG_PHRASE |
                          Xapian::QueryParser::FLAG_BOOLEAN |
                          Xapian::QueryParser::FLAG_LOVEHATE |
                          Xapian::QueryParser::FLAG_WILDCARD |
                          Xapian::QueryParser::FLAG_PURE_NOT;

/* mode=any: words joined by a hyphen ("large-deflection") count as
 * separate words, as in the natural-language questions the mode is for,
 * instead of the phrase QueryParser would make of them.  Quoted phrases
 * and field:value words (id:, date:, title:) are left alone, and so is a
 * hyphen that does not sit between two word characters (-word is NOT). */
std::string split_hyphens(const char *query) {
    auto word = [](unsigned char c) { return isalnum(c) || c >= 0x80; };
    std::string s(query);
    bool quoted = false, field = false;
    for (size_t i = 0; i < s.size(); i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"') quoted = !quoted;
        else if (c == ' ' || c == '\t' || c == '(') field = false;
        else if (c == ':') field = true;
        else if (c == '-' && !quoted && !field && i > 0 && i + 1 < s.size() &&
                 word((unsigned char)s[i - 1]) && word((unsigned char)s[i + 1]))
            s[i] = ' ';
    }
    return s;
}

}  // namespace

/* A date range's end (date_range_bound); a query error if it is none. */
double date_bound(const std::string &s, bool end) {
    int64_t t;
    if (date_range_bound(s.c_str(), end, &t) != LEDE_OK)
        throw Xapian::QueryParserError("bad date '" + s + "' in date range");
    return (double)t;
}

void setup_search(engine_reader *r) {
    if (r->search_ready) return;
    load_settings(r);
    r->qp = make_query_parser(r);
    r->search_ready = true;
}

namespace {

/* Whether q has a term and every term is a stop word. */
bool all_stop_words(const engine_reader *r, const Xapian::Query &q) {
    bool any = false;
    for (Xapian::TermIterator t = q.get_unique_terms_begin(); t != q.get_unique_terms_end(); ++t) {
        if (!is_stop_word(r, unprefixed(*t))) return false;
        any = true;
    }
    return any;
}

/* Whether a query's words were all stop words (parsed as QueryParser
 * gave it), so that what runs (ran) looks for no other term. */
bool stop_words_only(const engine_reader *r, const Xapian::Query &parsed, const Xapian::Query &ran) {
    if (r->stop_words.empty() || !all_stop_words(r, parsed)) return false;
    for (Xapian::TermIterator t = ran.get_unique_terms_begin(); t != ran.get_unique_terms_end(); ++t)
        if (!is_stop_word(r, unprefixed(*t))) return false;
    return true;
}

}  // namespace

Xapian::Query parse(engine_reader *r, const char *query, bool any,
                    unsigned extra, bool *stops_only) {
    r->qp.set_default_op(any ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
    std::string text = with_field_aliases(r, any ? split_hyphens(query) : std::string(query));
    /* Folded after the metadata fields' values are taken out (they keep
     * their own case folding), before the guard checks what Xapian reads. */
    if (r->fold) {
        text = fold_query(text);
        extra |= Xapian::QueryParser::FLAG_CJK_NGRAM;
    }
    text = guard_query(text);
    Xapian::Query parsed = r->qp.parse_query(text, QP_FLAGS | extra), q;
    if (!without_stopwords(r, parsed, q)) q = Xapian::Query::MatchNothing;
    else q = fields_as_one(r, q);
    if (stops_only) *stops_only = stop_words_only(r, parsed, q);
    return q;
}
