/* test_dups_proto.c -- the protocol of issue 17's near-duplicates
 * (src/protocol.c): SIMILAR ID [options] [-- QUERY] parsed, collapse= and
 * dups= checked, and the similar=N / dup=1 fields of HIT lines and their
 * JSON. */
#include "unit.h"
#include "../../src/protocol.h"
#include "../../src/util.h"

#include <jansson.h>
#include <stdlib.h>

static int parse(const char *line, proto_request *rq, char *err) {
    err[0] = '\0';
    return proto_parse(line, strlen(line), rq, err);
}

static void test_similar_parse(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    int rc = parse("SIMILAR wire-7 limit=3 dups=show -- grain date:1987..", &rq, err);
    CHECK(rc == LEDE_OK && rq.cmd == PROTO_SIMILAR, "SIMILAR parses: %s", err);
    CHECK_STR(rq.arg, "wire-7", "its id");
    CHECK_STR(rq.search.query, "grain date:1987..", "its filter query");
    CHECK(rq.search.limit == 3 && rq.search.dups_show == 1, "its options");
    proto_request_free(&rq);
    rc = parse("similar 42", &rq, err);
    CHECK(rc == LEDE_OK && rq.cmd == PROTO_SIMILAR && !strcmp(rq.arg, "42") && rq.search.query &&
              !*rq.search.query && rq.search.limit == PROTO_DEFAULT_LIMIT,
          "SIMILAR ID alone: no filter, the default limit");
    proto_request_free(&rq);
    CHECK(parse("SIMILAR", &rq, err) == LEDE_ESYNTAX && strstr(err, "SIMILAR ID"), "no id: %s", err);
    proto_request_free(&rq);
    CHECK(parse("SIMILAR 42 grain", &rq, err) == LEDE_ESYNTAX && strstr(err, "'grain'") && strstr(err, "'--'"),
          "words without '--': %s", err);
    proto_request_free(&rq);
    CHECK(parse("SIMILAR 42 dups=all", &rq, err) == LEDE_ESYNTAX, "dups=all refused");
    proto_request_free(&rq);
    CHECK(parse("SEARCH dups=show -- grain", &rq, err) == LEDE_ESYNTAX, "dups= is SIMILAR's alone");
    proto_request_free(&rq);
}

static void test_collapse_parse(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    CHECK(parse("SEARCH collapse=dup -- grain", &rq, err) == LEDE_OK && rq.search.collapse &&
              !strcmp(rq.search.collapse, "dup"),
          "collapse=dup");
    proto_request_free(&rq);
    CHECK(parse("COUNT collapse=topics -- grain", &rq, err) == LEDE_OK && !strcmp(rq.collapse, "topics"),
          "collapse=FIELD on COUNT");
    proto_request_free(&rq);
    CHECK(parse("SEARCH -- grain", &rq, err) == LEDE_OK && rq.search.collapse == NULL, "no collapse by default");
    proto_request_free(&rq);
    CHECK(parse("SEARCH collapse= -- grain", &rq, err) == LEDE_ESYNTAX, "collapse= empty refused");
    proto_request_free(&rq);
    CHECK(parse("SEARCH collapse=a/b -- grain", &rq, err) == LEDE_ESYNTAX, "collapse= with a '/' refused");
    proto_request_free(&rq);
    char longname[200] = "SEARCH collapse=";
    memset(longname + strlen(longname), 'x', PROTO_COLLAPSE_MAX + 1);
    strcat(longname, " -- grain");
    CHECK(parse(longname, &rq, err) == LEDE_ESYNTAX, "collapse= name longer than %d refused", PROTO_COLLAPSE_MAX);
    proto_request_free(&rq);
}

static void test_hit_fields(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    parse("SIMILAR 42 dups=show collapse=dup", &rq, err);
    search_hit h[2] = {{.rank = 1, .id = "a", .title = "A", .similar = 2, .near_dup = 1},
                       {.rank = 2, .id = "b", .title = "B"}};
    search_results res = {.total = 2, .exact = 1, .hits = h, .nhits = 2};
    sbuf out;
    sbuf_init(&out);
    proto_reply_search(&out, 0, &rq, &res, 5);
    CHECK(!strncmp(out.data, "OK SIMILAR total=2 ", 19), "the status line names SIMILAR: %.30s", out.data);
    CHECK(strstr(out.data, "HIT\t1\ta\t0.0000\t-\tA\t\tsimilar=2\tdup=1\n") != NULL, "HIT 1 ends similar=2, dup=1");
    CHECK(strstr(out.data, "HIT\t2\tb\t0.0000\t-\tB\t\tsimilar=0\n") != NULL, "HIT 2: similar=0, no dup");
    sbuf_reset(&out);
    proto_reply_search(&out, 1, &rq, &res, 5);
    json_t *o = json_loadb(out.data, out.len, 0, NULL);
    json_t *hits = json_object_get(o, "hits");
    CHECK_STR(json_string_value(json_object_get(o, "cmd")), "similar", "JSON cmd");
    CHECK(json_integer_value(json_object_get(json_array_get(hits, 0), "similar")) == 2 &&
              json_is_true(json_object_get(json_array_get(hits, 0), "dup")) &&
              json_is_false(json_object_get(json_array_get(hits, 1), "dup")),
          "JSON similar and dup");
    json_decref(o);
    proto_request_free(&rq);
    parse("SEARCH -- grain", &rq, err);
    sbuf_reset(&out);
    proto_reply_search(&out, 0, &rq, &res, 5);
    CHECK(strstr(out.data, "\tB\t\n") != NULL && !strstr(out.data, "similar="), "no collapse: no similar=");
    proto_request_free(&rq);
    sbuf_free(&out);
}

int main(void) {
    test_similar_parse();
    test_collapse_parse();
    test_hit_fields();
    return unit_exit();
}
