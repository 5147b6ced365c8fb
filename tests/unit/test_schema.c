/* test_schema.c -- metadata fields (src/schema.c): names, adding, the
 * "lede.schema" text round trip, --schema declarations, a query's field
 * name resolved, the merge a reader of several databases does, and the
 * one list of lede's own names with the one "this index has" message. */
#include "unit.h"
#include "../../src/schema.h"
#include "../../src/util.h"

#include <string.h>

static void test_names(void) {
    char err[LEDE_ERRLEN];
    CHECK(schema_check_name("topics", 6, err) == LEDE_OK, "topics is a field name");
    CHECK(schema_check_name("geo.lat", 7, err) == LEDE_OK, "dots allowed");
    CHECK(schema_check_name("9lives", 6, err) != LEDE_OK, "a name starts with a letter");
    CHECK(schema_check_name("a b", 3, err) != LEDE_OK && strstr(err, "only letters"), "no spaces");
    CHECK(schema_check_name("Title", 5, err) != LEDE_OK && strstr(err, "article field"),
          "an article field is not a metadata field, whatever its case");
    CHECK(schema_check_name("", 0, err) != LEDE_OK, "empty refused");
}

/* The one list of lede's own names, by role. */
static void test_own_names(void) {
    CHECK(schema_own_name("URL", 3, SCHEMA_OWN_TEXT), "url is a text field, any case");
    CHECK(!schema_own_name("url", 3, SCHEMA_OWN_PREFIX), "url is no query prefix");
    CHECK(schema_own_name("date", 4, SCHEMA_OWN_PREFIX) && !schema_own_name("date", 4, SCHEMA_OWN_TEXT),
          "date is a prefix, not a text field a facet refuses as text");
    CHECK(schema_own_name("dup", 3, SCHEMA_OWN_WORD) && !schema_own_name("dup", 3, SCHEMA_OWN_TEXT),
          "dup is a query word only");
    CHECK(schema_own_name("titles", 5, SCHEMA_OWN_ANY), "the length given is what is compared");
    CHECK(!schema_own_name("titles", 6, SCHEMA_OWN_ANY), "titles is free");
    char err[LEDE_ERRLEN];
    const char *own[] = {"id", "title", "headline", "standfirst", "lede", "text", "body", "author",
                         "url", "date", "year", "month", "day", "dup"};
    int refused = 0;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        refused += schema_check_name(own[i], strlen(own[i]), err) != LEDE_OK;
    CHECK(refused == 14, "every own name is refused as a field name (%d of 14)", refused);
}

/* The known fields, as every message names them. */
static void test_list_names(void) {
    schema s;
    schema_init(&s);
    sbuf out;
    sbuf_init(&out);
    schema_list_names(&s, &out);
    CHECK_STR(out.data, "this index has no metadata fields", "none");
    char err[LEDE_ERRLEN];
    schema_add(&s, "topics", 6, FIELD_KEYWORD, 0, NULL, err);
    schema_add(&s, "words", 5, FIELD_NUMBER, 0, NULL, err);
    sbuf_reset(&out);
    schema_list_names(&s, &out);
    CHECK_STR(out.data, "this index has: topics, words", "two");
    sbuf_free(&out);
    schema_free(&s);
}

static void test_add_resolve(void) {
    char err[LEDE_ERRLEN];
    schema s;
    schema_init(&s);
    size_t i = 99;
    CHECK(schema_add(&s, "topics", 6, FIELD_KEYWORD, 0, &i, err) == LEDE_OK && i == 0, "first field 0");
    CHECK(schema_add(&s, "words", 5, FIELD_NUMBER, 0, &i, err) == LEDE_OK && i == 1, "second field 1");
    CHECK(schema_add(&s, "topics", 6, FIELD_KEYWORD, 0, &i, err) == LEDE_OK && i == 0 && s.n == 2,
          "adding a field again finds it");
    CHECK(schema_add(&s, "topics", 6, FIELD_NUMBER, 0, &i, err) != LEDE_OK && strstr(err, "keyword"),
          "another kind for a known field refused: %s", err);
    CHECK(schema_slot(1) == SCHEMA_SLOT_BASE + 1, "field 1's slot");
    CHECK(schema_resolve(&s, "topics", 6, &i, err) == LEDE_OK && i == 0, "exact name");
    CHECK(schema_resolve(&s, "TOPICS", 6, &i, err) == LEDE_OK && i == 0, "case ignored");
    CHECK(schema_resolve(&s, "topic", 5, &i, err) == LEDE_OK && i == 0, "singular of topics");
    CHECK(schema_resolve(&s, "wordss", 6, &i, err) == LEDE_OK && i == 1, "plus an s");
    CHECK(schema_resolve(&s, "places", 6, &i, err) == LEDE_ENOTFOUND &&
          strstr(err, "unknown field 'places'") && strstr(err, "topics, words"),
          "unknown field named with the known ones: %s", err);
    CHECK(schema_add(&s, "Topics", 6, FIELD_KEYWORD, 0, &i, err) == LEDE_OK && i == 2, "Topics apart");
    CHECK(schema_resolve(&s, "Topics", 6, &i, err) == LEDE_OK && i == 2, "exact before case");
    CHECK(schema_resolve(&s, "TOPICS", 6, &i, err) == LEDE_ENOTFOUND && strstr(err, "ambiguous"),
          "two names equal ignoring case: ambiguous");
    schema_free(&s);
}

static void test_text_form(void) {
    char err[LEDE_ERRLEN];
    schema s, t;
    schema_init(&s);
    schema_init(&t);
    CHECK(schema_declare(&s, "published:date,rank:number", err) == LEDE_OK, "declarations");
    CHECK(schema_add(&s, "section", 7, FIELD_KEYWORD, 0, NULL, err) == LEDE_OK, "inferred field");
    sbuf b;
    sbuf_init(&b);
    schema_format(&s, &b);
    CHECK_STR(b.data, "published\tdate\tdeclared\nrank\tnumber\tdeclared\nsection\tkeyword\tinferred\n",
              "lede.schema text");
    CHECK(schema_parse(&t, b.data, b.len, err) == LEDE_OK && t.n == 3 && t.fields[0].declared &&
          !t.fields[2].declared && t.fields[1].kind == FIELD_NUMBER, "parsed back");
    CHECK(schema_parse(&t, "x\tkeyword\n", 10, err) != LEDE_OK && t.n == 0, "a short line refused");
    CHECK(schema_parse(&t, "x\tcolour\tinferred\n", 18, err) != LEDE_OK, "an unknown kind refused");
    CHECK(schema_declare(&t, "a:keyword,b", err) != LEDE_OK && strstr(err, "'b'"), "NAME:KIND asked");
    CHECK(schema_declare(&t, "a:text", err) != LEDE_OK && strstr(err, "keyword, number or date"),
          "the kinds named");

    /* A reader of a front and shards: the same prefix, then more. */
    schema_free(&t);
    schema_add(&t, "published", 9, FIELD_DATE, 1, NULL, err);
    CHECK(schema_merge(&t, &s, err) == LEDE_OK && t.n == 3, "merge appends what is missing");
    schema_free(&t);
    schema_add(&t, "rank", 4, FIELD_NUMBER, 1, NULL, err);
    CHECK(schema_merge(&t, &s, err) != LEDE_OK && strstr(err, "disagree"), "field 0 differs: refused");
    schema_copy(&t, &s);
    CHECK(t.n == 3 && !strcmp(t.fields[2].name, "section"), "copy");
    sbuf_free(&b);
    schema_free(&s);
    schema_free(&t);
}

int main(void) {
    test_names();
    test_own_names();
    test_list_names();
    test_add_resolve();
    test_text_form();
    return unit_exit();
}
