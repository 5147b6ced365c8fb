/* test_facets.c -- the facets= option (src/facets.c): its list parsed and
 * its mistakes refused with a message naming them; the protocol taking it
 * on SEARCH and refusing it on COUNT; a reply's FACET and VALUE lines and
 * JSON facets object (src/protocol_facets.c) formatted from a page's
 * results, escaped, and freed by search_results_free. */
#include "unit.h"
#include "../../src/facets.h"
#include "../../src/protocol.h"
#include "../../src/search.h"
#include "../../src/util.h"

#include <jansson.h>
#include <stdlib.h>

static void test_parse_list(void) {
    facet_ask a[FACETS_MAX];
    unsigned n = 0;
    char err[LEDE_ERRLEN] = "";
    int rc = facets_parse("topics,section:20,Year,month:6,published:day:30,words", a, &n, err);
    CHECK(rc == LEDE_OK && n == 6, "six facets parse (%s)", err);
    CHECK_STR(a[0].name, "topics", "a name as written");
    CHECK(a[0].top == 0 && facets_top(&a[0], 0) == FACETS_DEFAULT_TOP, "no count: the default 10");
    CHECK(a[1].top == 20 && facets_top(&a[1], 0) == 20, "NAME:N keeps N");
    CHECK(a[2].histogram && a[2].grain == FACET_GRAIN_YEAR, "Year is the year histogram, any case");
    CHECK(facets_top(&a[2], 1) == FACETS_MAX_TOP, "a histogram shows all its buckets up to the max");
    CHECK(a[3].histogram && a[3].grain == FACET_GRAIN_MONTH && a[3].top == 6, "month:6");
    CHECK(!a[4].histogram && a[4].grain == FACET_GRAIN_DAY && a[4].top == 30,
          "a date field with a grain and a count");
    CHECK(!a[5].histogram && a[5].grain == FACET_GRAIN_NONE, "a field without arguments");
}

/* rc and a piece of its message for a bad list. */
static void refused(const char *text, const char *says) {
    facet_ask a[FACETS_MAX];
    unsigned n;
    char err[LEDE_ERRLEN] = "";
    int rc = facets_parse(text, a, &n, err);
    CHECK(rc == LEDE_ESYNTAX && strstr(err, says), "facets=%s is refused: %s", text, err);
}

static void test_parse_mistakes(void) {
    refused("", "names no facet");
    refused("topics,", "empty name");
    refused(",topics", "empty name");
    refused("topics:0", "neither a count");
    refused("topics:1001", "neither a count");
    refused("topics:", "neither a count");
    refused("topics:ten", "neither a count");
    refused("topics:5:6", "neither a count");
    refused("published:5:day", "comes first");
    refused("year:month", "takes a count only");
    refused("to pics", "not a field name");
    refused("9lives", "not a field name");
    refused("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "more than 16");
    char long_name[100];
    memset(long_name, 'x', 70);
    long_name[70] = '\0';
    refused(long_name, "over 64 bytes");
}

static void test_protocol_option(void) {
    proto_request rq;
    char err[LEDE_ERRLEN] = "";
    const char *line = "SEARCH facets=topics:5,year limit=3 -- oil";
    int rc = proto_parse(line, strlen(line), &rq, err);
    CHECK(rc == LEDE_OK && rq.search.facets && !strcmp(rq.search.facets, "topics:5,year"),
          "SEARCH takes facets= (%s)", err);
    CHECK(rq.search.facets == rq.facets, "the options point at the request's own copy");
    proto_request_free(&rq);
    line = "SEARCH facets=topics facets=year oil";
    rc = proto_parse(line, strlen(line), &rq, err);
    CHECK(rc == LEDE_OK && !strcmp(rq.search.facets, "year"), "a second facets= replaces the first");
    proto_request_free(&rq);
    line = "SEARCH facets=topics:0 oil";
    rc = proto_parse(line, strlen(line), &rq, err);
    CHECK(rc == LEDE_ESYNTAX && strstr(err, "topics:0"), "a bad list is ERR SYNTAX at parse: %s", err);
    proto_request_free(&rq);
    line = "COUNT facets=topics oil";
    rc = proto_parse(line, strlen(line), &rq, err);
    CHECK(rc == LEDE_ESYNTAX && strstr(err, "SEARCH limit=0"), "COUNT refuses facets=: %s", err);
    proto_request_free(&rq);
    line = "SEARCH oil";
    rc = proto_parse(line, strlen(line), &rq, err);
    CHECK(rc == LEDE_OK && !rq.search.facets, "no facets= asks for none");
    proto_request_free(&rq);
}

/* A page with one hit and two facets, as the engine would fill it. */
static void make_results(search_results *res) {
    memset(res, 0, sizeof *res);
    res->total = 3;
    res->exact = 1;
    res->nfacets = 2;
    res->facets = lede_calloc(2, sizeof *res->facets);
    search_facet *t = &res->facets[0], *y = &res->facets[1];
    t->name = lede_strdup("topics");
    t->kind = "keyword";
    t->seen = 3;
    t->distinct = 4;
    t->nvalues = 2;
    t->values = lede_calloc(2, sizeof *t->values);
    t->values[0] = (search_facet_value){lede_strdup("crude"), 3};
    t->values[1] = (search_facet_value){lede_strdup("a\tb"), 1};
    y->name = lede_strdup("year");
    y->kind = "date";
    y->seen = 3;
    y->distinct = 1;
    y->estimated = 1;
    y->nvalues = 1;
    y->values = lede_calloc(1, sizeof *y->values);
    y->values[0] = (search_facet_value){lede_strdup("1987"), 3};
}

static void test_replies(void) {
    proto_request rq;
    char err[LEDE_ERRLEN] = "";
    const char *line = "SEARCH limit=0 facets=topics,year oil";
    CHECK(proto_parse(line, strlen(line), &rq, err) == LEDE_OK, "parsed (%s)", err);
    search_results res;
    make_results(&res);
    sbuf out;
    sbuf_init(&out);
    proto_reply_search(&out, 0, &rq, &res, 7);
    CHECK_STR(out.data,
              "OK SEARCH total=3 exact=1 offset=0 limit=0 hits=0 took_us=7 facets=2\n"
              "FACET\ttopics\tkind=keyword\tvalues=2\tdistinct=4\tseen=3\testimated=0\n"
              "VALUE\tcrude\t3\n"
              "VALUE\ta\\tb\t1\n"
              "FACET\tyear\tkind=date\tvalues=1\tdistinct=1\tseen=3\testimated=1\n"
              "VALUE\t1987\t3\n"
              "END\n",
              "the text reply: tagged FACET and VALUE lines, escaped, before END");
    sbuf_reset(&out);
    proto_reply_search(&out, 1, &rq, &res, 7);
    json_t *o = json_loadb(out.data, out.len, 0, NULL);
    json_t *f = o ? json_object_get(o, "facets") : NULL;
    json_t *t = f ? json_object_get(f, "topics") : NULL;
    json_t *v = t ? json_array_get(json_object_get(t, "values"), 1) : NULL;
    CHECK(v && !strcmp(json_string_value(json_object_get(v, "value")), "a\tb") &&
              json_integer_value(json_object_get(v, "count")) == 1,
          "JSON: facets.topics.values[1] is {value, count}");
    CHECK(f && json_object_size(f) == 2 && json_is_true(json_object_get(json_object_get(f, "year"),
                                                                       "estimated")),
          "JSON: both facets, year flagged estimated");
    const char *first = NULL;
    json_object_foreach(f, first, v) break;
    CHECK(first && !strcmp(first, "topics"), "JSON: in the order asked");
    json_decref(o);
    search_results_free(&res);
    CHECK(res.facets == NULL && res.nfacets == 0, "search_results_free frees and clears the facets");
    proto_request_free(&rq);
    line = "SEARCH oil";
    CHECK(proto_parse(line, strlen(line), &rq, err) == LEDE_OK, "parsed");
    memset(&res, 0, sizeof res);
    sbuf_reset(&out);
    proto_reply_search(&out, 1, &rq, &res, 7);
    CHECK(!strstr(out.data, "facets"), "no facets asked: none in the JSON reply");
    sbuf_reset(&out);
    proto_reply_search(&out, 0, &rq, &res, 7);
    CHECK(!strstr(out.data, "facets"), "nor in the text reply's status line");
    proto_request_free(&rq);
    sbuf_free(&out);
}

int main(void) {
    test_parse_list();
    test_parse_mistakes();
    test_protocol_option();
    test_replies();
    return unit_exit();
}
