/* query_parser.cc -- from a query string to a Xapian query: the reader's
 * QueryParser (fields, prefixes, stemming, stop words, date ranges, the
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

/* A date range's end: YYYY, YYYY-MM, YYYY-MM-DD or a full ISO 8601 time;
 * a partial date's start (end false) or last second (end true). */
double date_bound(const std::string &s, bool end) {
    int y = 0, m = 0, d = 0;
    char tail;
    int64_t t;
    int parts = sscanf(s.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 ? 3
                : sscanf(s.c_str(), "%4d-%2d%c", &y, &m, &tail) == 2 ? 2
                : sscanf(s.c_str(), "%4d%c", &y, &tail) == 1 ? 1 : 0;
    if (parts) {
        char ymd[32];
        snprintf(ymd, sizeof ymd, "%04d-%02d-%02d", y, m, d);
        /* month 1 to 12 when given, a day its month has (date_parse checks) */
        if (y < 1 || (parts >= 2 && (m < 1 || m > 12)) || (parts == 3 && date_parse(ymd, &t) != LEDE_OK))
            throw Xapian::QueryParserError("bad date '" + s + "' in date range");
        int em = m ? m : 12, sm = m ? m : 1;
        if (!end) return (double)date_days_from_civil(y, (unsigned)sm, d ? (unsigned)d : 1) * 86400;
        /* End of the day, month or year: the start of the next one, minus a second. */
        int64_t next = d ? date_days_from_civil(y, (unsigned)em, (unsigned)d) + 1
                         : (em == 12 ? date_days_from_civil(y + 1, 1, 1)
                                     : date_days_from_civil(y, (unsigned)em + 1, 1));
        return (double)(next * 86400 - 1);
    }
    if (date_parse(s.c_str(), &t) == LEDE_OK) return (double)t;
    throw Xapian::QueryParserError("bad date '" + s + "' in date range");
}

void setup_search(engine_reader *r) {
    if (r->search_ready) return;
    load_settings(r);
    r->qp = make_query_parser(r);
    r->search_ready = true;
}

Xapian::Query parse(engine_reader *r, const char *query, bool any,
                    unsigned extra) {
    r->qp.set_default_op(any ? Xapian::Query::OP_OR : Xapian::Query::OP_AND);
    std::string text = guard_query(with_field_aliases(r, any ? split_hyphens(query) : std::string(query)));
    Xapian::Query q;
    if (!without_stopwords(r, r->qp.parse_query(text, QP_FLAGS | extra), q))
        return Xapian::Query::MatchNothing;
    return fields_as_one(r, q);
}
