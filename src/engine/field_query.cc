/* field_query.cc -- metadata fields in queries (docs/QUERY.md): filters
 * "name:value", "name:\"two words\"" and ranges "name:LO..HI", and the
 * sort by a field.  Before QueryParser sees a query, every "name:" that
 * is not one of lede's own prefixes is resolved with the reader's schema
 * (schema_resolve: exact, case, plural), an unknown one refused with the
 * known fields named ("name:" with nothing after the colon too, when the
 * name is a field's), and written as the field's alias (FIELD_ALIAS +
 * its number: Xapian's lexer takes field names of word characters only,
 * and a field may be "geo.lat"); its value (up to white space or ')', or
 * the quoted text) is made into its filter there (FilterMaker: the XM
 * term of a keyword value, case-folded; a value range over a number or
 * date field's slot), refused with a clear message when it is bad, kept
 * in the reader and written as "V<k>", so that neither guard_query nor
 * Xapian's lexer splits a value such as "Smith, John" or "c++".  Each
 * alias is a boolean prefix whose FieldProcessor hands QueryParser the
 * filter made.  Boolean
 * filters add no weight, and both forms travel to remote shards as they
 * are (a FieldProcessor runs at parse time only).  Reads no database. */
#include "internal.hh"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace {

const char *const FIELD_ALIAS = "XMF";

/* lede's own prefixes (query_parser.cc's), which win over a field's name;
 * any case, as they were plain words before fields existed. */
bool own_prefix(const std::string &name) {
    return schema_own_name(name.data(), name.size(), SCHEMA_OWN_PREFIX);
}

/* "XOR:" is the operator (query_guard.cc), not a field. */
bool operator_word(const std::string &name) {
    for (const char *op : {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"})
        if (name == op) return true;
    return false;
}

std::string trimmed(const std::string &s) {
    size_t b = 0, e = s.size();
    while (b < e && isspace((unsigned char)s[b])) b++;
    while (e > b && isspace((unsigned char)s[e - 1])) e--;
    return s.substr(b, e - b);
}

[[noreturn]] void refuse(const std::string &msg) {
    throw Xapian::QueryParserError(msg);
}

/* "LO..HI" split at its "..": false when there is none. */
bool split_range(const std::string &v, std::string &lo, std::string &hi) {
    size_t dots = v.find("..");
    if (dots == std::string::npos) return false;
    lo = v.substr(0, dots);
    hi = v.substr(dots + 2);
    return true;
}

/* The filter of one field's value; throws QueryParserError saying what
 * is wrong with it. */
class FilterMaker {
  public:
    FilterMaker(const schema_field &f, size_t index, bool fold)
        : field(f), slot(schema_slot(index)), fold(fold) {}

    Xapian::Query make(const std::string &text) {
        std::string v = trimmed(text);
        if (v.empty()) refuse("field '" + name() + "' needs a value: " + name() + ":VALUE");
        if (field.kind == FIELD_KEYWORD) return keyword(v);
        std::string lo, hi;
        if (!split_range(v, lo, hi)) lo = hi = v; /* one value: that value, or that period */
        if (lo.empty() && hi.empty())
            refuse("range '" + v + "' on field '" + name() + "' has neither end");
        double a = lo.empty() ? 0 : bound(lo, false), b = hi.empty() ? 0 : bound(hi, true);
        if (!lo.empty() && !hi.empty() && a > b)
            refuse("range '" + v + "' on field '" + name() + "' ends before it starts");
        if (lo.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_LE, slot, Xapian::sortable_serialise(b));
        if (hi.empty())
            return Xapian::Query(Xapian::Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(a));
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(a),
                             Xapian::sortable_serialise(b));
    }

  private:
    const schema_field &field;
    unsigned slot;
    bool fold; /* the index folds text: keyword values lose their accents too */

    std::string name() const { return field.name; }

    Xapian::Query keyword(const std::string &v) {
        std::string lo, hi;
        if (split_range(v, lo, hi))
            refuse("field '" + name() + "' is a keyword field: it takes values, not a range ('" +
                   v + "'); ranges are for number and date fields");
        return Xapian::Query(keyword_term(field.name, v, fold)); /* cut as the writer cut it */
    }

    double bound(const std::string &s, bool end) {
        if (field.kind == FIELD_DATE) {
            try {
                return date_bound(s, end);
            } catch (const Xapian::QueryParserError &) {
                refuse("bad date '" + s + "' for date field '" + name() +
                       "' (YYYY, YYYY-MM, YYYY-MM-DD or an ISO 8601 time)");
            }
        }
        char *stop = nullptr;
        double d = strtod(s.c_str(), &stop);
        if (stop == s.c_str() || *stop || !std::isfinite(d))
            refuse("'" + s + "' is not a number, and field '" + name() +
                   "' is a number field (NAME:N or NAME:LO..HI, decimal numbers)");
        return d;
    }
};

/* What a field's alias means to QueryParser: "V<k>", the filter
 * with_field_aliases made of the query's k-th field value.  It never
 * throws: Xapian 1.4's parser loses memory when a FieldProcessor does
 * (seen under LeakSanitizer), so every value is checked before. */
class KeptFilter : public Xapian::FieldProcessor {
  public:
    explicit KeptFilter(const std::vector<Xapian::Query> *made) : made(made) {}

    Xapian::Query operator()(const std::string &text) override {
        char *end = nullptr;
        unsigned long k = text.size() > 1 && text[0] == 'V' ? strtoul(text.c_str() + 1, &end, 10) : 0;
        if (!end || *end || k >= made->size()) return Xapian::Query::MatchNothing;
        return (*made)[k];
    }

  private:
    const std::vector<Xapian::Query> *made; /* the reader's field_filters */
};

bool name_start(const std::string &q, size_t i) {
    if (i == 0) return true;
    char c = q[i - 1];
    return isspace((unsigned char)c) || c == '(' || c == '+' || c == '-';
}

bool name_char(char c) {
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

}  // namespace

/* "name:" with nothing after the colon (white space, ')' or the end),
 * name one of the index's fields: refused as qsyntax.c refuses "title:"
 * (it would be searched as the word).  A name no field has stays a word
 * ("note: ..." in pasted text). */
static void refuse_empty_field(const engine_reader *r, const std::string &q, size_t i, size_t e) {
    bool empty = e < q.size() && q[e] == ':' && (e + 1 == q.size() || isspace((unsigned char)q[e + 1]) ||
                                                 q[e + 1] == ')');
    size_t index;
    char ignored[LEDE_ERRLEN];
    if (!empty || schema_resolve(&r->fields, q.data() + i, e - i, &index, ignored) != LEDE_OK) return;
    std::string word = q.substr(i, e - i + 1), name = r->fields.fields[index].name;
    refuse("'" + word + "' at column " + std::to_string(i + 1) + ": nothing after the colon; write " + word +
           "VALUE (a value of field '" + name + "'), or drop the colon to search the word");
}

/* The value of a field reference at q[i]: a quoted text (its quotes
 * left out), else up to white space or ')'; i moves past it. */
static std::string take_value(const std::string &q, size_t &i) {
    size_t start = i;
    if (q[i] == '"') {
        size_t close = q.find('"', i + 1);
        i = close == std::string::npos ? q.size() : close + 1;
        return q.substr(start + 1, (close == std::string::npos ? q.size() : close) - start - 1);
    }
    while (i < q.size() && !isspace((unsigned char)q[i]) && q[i] != ')') i++;
    return q.substr(start, i - start);
}

std::string with_field_aliases(engine_reader *r, const std::string &query) {
    std::string out;
    bool quoted = false;
    r->field_filters.clear();
    for (size_t i = 0; i < query.size();) {
        char c = query[i];
        if (c == '"') quoted = !quoted;
        if (quoted || !isalpha((unsigned char)c) || !name_start(query, i)) {
            out += c;
            i++;
            continue;
        }
        size_t e = i;
        while (e < query.size() && name_char(query[e])) e++;
        std::string name = query.substr(i, e - i);
        bool field = e + 1 < query.size() && query[e] == ':' && !isspace((unsigned char)query[e + 1]) &&
                     query[e + 1] != ')' && query.compare(e + 1, 2, "//") != 0;
        if (!field && !own_prefix(name)) refuse_empty_field(r, query, i, e);
        if (!field || own_prefix(name) || operator_word(name)) {
            out += name;
            i = e;
            continue;
        }
        size_t index;
        char err[LEDE_ERRLEN];
        if (schema_resolve(&r->fields, name.data(), name.size(), &index, err) != LEDE_OK) refuse(err);
        i = e + 1;
        FilterMaker maker(r->fields.fields[index], index, r->fold);
        r->field_filters.push_back(maker.make(take_value(query, i)));
        out += FIELD_ALIAS + std::to_string(index) + ":V" + std::to_string(r->field_filters.size() - 1);
    }
    return out;
}

void add_field_prefixes(const engine_reader *r, Xapian::QueryParser &qp) {
    for (size_t i = 0; i < r->fields.n; i++)
        qp.add_boolean_prefix(FIELD_ALIAS + std::to_string(i), (new KeptFilter(&r->field_filters))->release());
}

void set_field_sort(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o) {
    size_t index;
    char err[LEDE_ERRLEN];
    if (schema_resolve(&r->fields, o->sort_field, strlen(o->sort_field), &index, err) != LEDE_OK)
        refuse(std::string("sort: ") + err);
    enq.set_sort_by_value_then_relevance(schema_slot(index), !o->sort_ascending);
}
