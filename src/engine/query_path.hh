/* query_path.hh -- what the files of a query's path (engine.h's
 * engine_search and its kind: query_guard.cc .. spelling.cc) declare for
 * one another, each under the file that defines it.  Included at the end
 * of internal.hh, whose structs it uses; only src/engine/ includes it. */
#ifndef LEDE_ENGINE_QUERY_PATH_HH
#define LEDE_ENGINE_QUERY_PATH_HH

/* query_guard.cc: the text to parse, separators as spaces, checked by
 * qsyntax_check and refuse_excluded_near; throws Xapian::QueryParserError */
std::string guard_query(const std::string &text);
/* ... throws it when a query has both NEAR/ADJ and an excluded word */
void refuse_excluded_near(const std::string &text);
/* True when Xapian's lexer finds NEAR or ADJ in text (outside phrases). */
bool has_near(const std::string &text);

/* query_parser.cc */
/* Readies r for queries once after each (re)open: settings and parser. */
void setup_search(engine_reader *r);
/* query as r's QueryParser makes it (any: OR for AND), without the stop
 * words of its phrases and with the default field's words as one;
 * *stops_only (if given) set when its words were all stop words and what
 * it looks for is nothing else (a phrase of them with pair terms is not). */
Xapian::Query parse(engine_reader *r, const char *query, bool any, unsigned extra,
                    bool *stops_only = nullptr);
/* A date range's end (YYYY, YYYY-MM, YYYY-MM-DD, ISO 8601): a partial
 * date's first second, or its last (end); throws QueryParserError. */
double date_bound(const std::string &s, bool end);

/* field_query.cc */
/* query with each metadata field's "name:value" written as its alias
 * and "V<k>", the filter made of it kept in r->field_filters[k]; throws
 * QueryParserError naming the known fields for an unknown one. */
std::string with_field_aliases(engine_reader *r, const std::string &query);
/* The filters of r's fields, as boolean prefixes of qp. */
void add_field_prefixes(const engine_reader *r, Xapian::QueryParser &qp);
/* Orders enq by o->sort_field (o->sort_ascending), relevance breaking
 * ties; throws QueryParserError for a field the index does not have. */
void set_field_sort(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o);

/* query_description.cc */
/* What Xapian 1.4 shows of a query only in its description. */
struct Described {
    Xapian::termpos position = 0;  /* LEAF_TERM: its query position */
    Xapian::termcount wqf = 1;     /* LEAF_TERM: its within-query frequency */
    Xapian::termcount window = 0;  /* OP_NEAR, OP_PHRASE: the window */
    std::string pattern;           /* OP_WILDCARD: the prefix it expands */
    double scale = 1;              /* OP_SCALE_WEIGHT: the factor */
};
Described read_description(const Xapian::Query &q);

/* query_rewrite.cc */
Xapian::Query fields_as_one(const engine_reader *r, const Xapian::Query &q);
bool without_stopwords(const engine_reader *r, const Xapian::Query &q, Xapian::Query &out);
Xapian::Query pairs_for(const engine_reader *r, const Xapian::Query &q);

/* wildcards.cc */
/* q with its wildcards read as run_query reads them, each one's words
 * taken from a budget of o->max_wildcard (0: 1000) for the whole query;
 * o's deadline is checked between wildcards. */
Xapian::Query with_wildcards_read(engine_reader *r, const Xapian::Query &q,
                                  const search_opts *o);
/* q, a copy of the query with_wildcards_read read last (the same
 * parsed query, its pairs put in), read again from the expansions that
 * reading made (r->query_wildcards): no word list walked, no budget
 * spent, no tier serial moved (split.cc's second half). */
Xapian::Query with_wildcards_again(engine_reader *r, const Xapian::Query &q);
/* Drops r's kept expansions: r moved to other databases or revisions. */
void forget_pattern_words(engine_reader *r);

/* deadline.cc */
/* What a search that stops throws (check_stop), out of Xapian's match
 * too; guard.cc makes it code (LEDE_ETIMEOUT, LEDE_ECANCELLED). */
class QueryStopped : public std::exception {
  public:
    QueryStopped(int code, const char *phase);
    const char *what() const noexcept override;
    int code;
    const char *phase;  /* where it stopped, for the message */
};
/* The candidates every ranked search checks at least (check_at_least),
 * whatever its page: its total is exact when no more match, and otherwise
 * Xapian's estimate and bounds are taken after as many, so they stay the
 * same from page to page while offset + limit stays under it (issue 19:
 * "about 30" for 141 matches, the figure changing with the page, when the
 * check was the page's size).  bench/results/facets.md has its cost. */
#ifndef LEDE_TOTAL_EXACT_UP_TO /* a benchmark's baseline builds it with 0: the page's size */
#define LEDE_TOTAL_EXACT_UP_TO 1000
#endif
const Xapian::doccount TOTAL_EXACT_UP_TO = LEDE_TOTAL_EXACT_UP_TO;
/* Throws QueryStopped when o's deadline has passed or o->cancelled says
 * so. */
void check_stop(const search_opts *o, const char *phase);
/* enq.get_mset(first, max, check) within o's deadline: checked before and
 * after, and Xapian's time limit ending its count at the deadline. */
Xapian::MSet checked_mset(const engine_reader *r, Xapian::Enquire &enq, const search_opts *o,
                          Xapian::doccount first, Xapian::doccount max, Xapian::doccount check);

/* cost.cc */
/* q's cost (search.h).  The frequencies are looked up only where the
 * bound (every term in every article) is over a limit of limits (NULL:
 * none); elsewhere the bound stands. */
search_cost estimate_cost(const engine_reader *r, const Xapian::Query &q, const search_cost *limits);
/* LEDE_ELIMIT (err naming the limit) when query's text alone shows it far
 * over max's terms or phrases: more than twice as many words, or quoted
 * phrases, as the limit (each makes at least one term or phrase but for
 * stop words, which no real query has thousands of). */
int prescreen(const char *query, const search_cost *max, char *err);
/* LEDE_ELIMIT, err naming the first limit of max that c is over and its
 * value, or LEDE_OK. */
int over_limit(const search_cost &c, const search_cost &max, char *err);

/* results.cc */
void fetch_data(engine_reader *r, Page &page, std::vector<Xapian::docid> dids);
void order_ties(engine_reader *r, Page &page, Xapian::doccount keep);
/* page.items, by score down, then newer date, then as they were. */
void order_tied_items(engine_reader *r, Page &page);
/* out's hits from page's items, with snippets marking the words of ran. */
void fill_hits(engine_reader *r, Page &page, const Xapian::Query &ran,
               const search_opts *o, search_results *out);

/* spelling.cc */
/* Sets out->did_you_mean when q has a rare word whose correction would
 * find more; reads term frequencies from ran, the search's match's MSet. */
void offer_correction(engine_reader *r, const search_opts *o,
                      const Xapian::Query &q, const Xapian::MSet &ran, search_results *out);

#endif
