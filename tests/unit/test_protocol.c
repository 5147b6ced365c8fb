/* test_protocol.c -- the request-line edge cases of issue 16 (src/protocol.c,
 * src/qsyntax.c, the id check of src/article.c): a NUL byte, JSON error
 * messages that quote bytes that are not UTF-8, bad ids, NEAR/N distances,
 * hl= markers, facets_exact=N.  The fuzz targets' regressions (tests/fuzz/) are here too. */
#include "unit.h"
#include "../../src/article.h"
#include "../../src/protocol.h"
#include "../../src/qsyntax.h"
#include "../../src/util.h"

#include <jansson.h>
#include <limits.h>
#include <stdlib.h>

/* Parses len bytes; returns proto_parse's code, the error in err. */
static int parse(const char *line, size_t len, proto_request *rq, char *err) {
    err[0] = '\0';
    return proto_parse(line, len, rq, err);
}

static void test_nul_byte(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    int rc = parse("SEARCH eco\0nomy", 15, &rq, err);
    CHECK(rc == LEDE_ESYNTAX, "a NUL byte inside a request line is a syntax error");
    CHECK(strstr(err, "NUL") && strstr(err, "column 11"), "the error names the NUL and its column: %s", err);
    proto_request_free(&rq);
    rc = parse("PING\0", 5, &rq, err);
    CHECK(rc == LEDE_ESYNTAX, "a NUL at the end of a line is an error too");
    proto_request_free(&rq);
    rc = parse("SEARCH economy", 14, &rq, err);
    CHECK(rc == LEDE_OK && rq.cmd == PROTO_SEARCH && !strcmp(rq.arg, "economy"), "a line without NUL still parses");
    proto_request_free(&rq);
}

static void test_json_error_escapes(void) {
    sbuf out;
    sbuf_init(&out);
    proto_reply_error(&out, 1, PROTO_E_UNKNOWN, "unknown command 'A\xFF\xFE" "B\x01' (try HELP)");
    json_t *o = json_loadb(out.data, out.len, 0, NULL);
    const char *msg = o ? json_string_value(json_object_get(o, "message")) : NULL;
    CHECK_STR(msg, "unknown command 'A\\xFF\\xFEB\x01' (try HELP)",
              "invalid bytes are quoted as \\xNN, the rest of the message kept");
    CHECK(strstr(out.data, "\\u0001") != NULL, "a control character is a JSON \\u escape");
    json_decref(o);
    sbuf_free(&out);
    sbuf_init(&out);
    proto_reply_error(&out, 1, PROTO_E_SYNTAX, "caf\xC3\xA9");
    CHECK(strstr(out.data, "caf\xC3\xA9") != NULL, "valid UTF-8 is left as it is");
    sbuf_free(&out);
}

static void test_article_ids(void) {
    char err[LEDE_ERRLEN];
    CHECK(article_check_id("a\tb", 3, err) == LEDE_ESKIP, "TAB in an id refused");
    CHECK(article_check_id("a\nb", 3, err) == LEDE_ESKIP, "LF in an id refused");
    CHECK(article_check_id("a\0b", 3, err) == LEDE_ESKIP, "NUL in an id refused");
    CHECK(article_check_id("caf\xC3\xA9 1", 6, err) == LEDE_OK, "UTF-8 and spaces are fine in an id");
    article a;
    article_init(&a);
    const char *tab = "{\"id\":\"x\\ty\",\"title\":\"t\"}";
    int rc = article_from_bytes(tab, strlen(tab), ARTICLE_JSON, NULL, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP && strstr(err, "control character"), "a JSON id with a TAB is refused: %s", err);
    const char *nul = "{\"id\":\"x\\u0000y\",\"title\":\"t\"}";
    rc = article_from_bytes(nul, strlen(nul), ARTICLE_JSON, NULL, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP, "a JSON id with \\u0000 is refused, not cut short: %s", err);
    sbuf big;
    sbuf_init(&big);
    sbuf_puts(&big, "{\"title\":\"t\",\"id\":\"");
    for (int i = 0; i < 60000; i++) sbuf_putc(&big, 'i');
    sbuf_puts(&big, "\"}");
    rc = article_from_bytes(big.data, big.len, ARTICLE_JSON, NULL, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP && strstr(err, "60000"), "a 60,000-byte id is refused: %s", err);
    sbuf_free(&big);
    const char *nulbody = "{\"id\":\"n1\",\"title\":\"t\",\"text\":\"ab\\u0000cd\"}";
    rc = article_from_bytes(nulbody, strlen(nulbody), ARTICLE_JSON, NULL, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP && strstr(err, "NUL"), "a JSON field with \\u0000 is refused, not cut short: %s", err);
    rc = article_from_bytes("Title\n\nBo\0dy.\n", 13, ARTICLE_TEXT, NULL, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP && strstr(err, "NUL byte at offset 9"), "a text article with a NUL byte is refused: %s", err);
    article_defaults d = {.id = "dir/a\nb.txt"};
    rc = article_from_bytes("Title\n\nBody.\n", 13, ARTICLE_TEXT, &d, &a, NULL, err, NULL);
    CHECK(rc == LEDE_ESKIP, "a default id (a file name) with LF is refused too");
}

static void test_near_distance(void) {
    char err[LEDE_ERRLEN];
    CHECK(qsyntax_check("a NEAR/-1 b", err) != LEDE_OK && strstr(err, "1 to 1000"),
          "NEAR/-1 refused: %s", err);
    CHECK(qsyntax_check("a NEAR/999999999999 b", err) != LEDE_OK, "NEAR/999999999999 refused");
    CHECK(qsyntax_check("a NEAR/1001 b", err) != LEDE_OK, "NEAR past the maximum refused");
    CHECK(qsyntax_check("a ADJ/0 b", err) != LEDE_OK, "ADJ/0 refused");
    CHECK(qsyntax_check("a NEAR/ b", err) != LEDE_OK, "NEAR/ without a number refused");
    CHECK(qsyntax_check("a NEAR/5x b", err) != LEDE_OK, "NEAR/5x refused");
    CHECK(qsyntax_check("a NEAR/1000 b", err) == LEDE_OK, "NEAR/1000 taken");
    CHECK(qsyntax_check("a ADJ/3 b", err) == LEDE_OK, "ADJ/3 taken");
    CHECK(qsyntax_check("a NEAR b", err) == LEDE_OK, "NEAR taken");
    /* Xapian read "-said" alone as "said": the review of issue 17 found
     * -section:business giving the business articles */
    CHECK(qsyntax_check("-said", err) != LEDE_OK && strstr(err, "only excludes") &&
          strstr(err, "NOT said"), "a query of excluded words alone refused: %s", err);
    CHECK(qsyntax_check("-section:business -year", err) != LEDE_OK, "two excluded words alone refused");
    CHECK(qsyntax_check("(-a) -b", err) != LEDE_OK, "in parentheses too");
    CHECK(qsyntax_check("said -year", err) == LEDE_OK, "a word and an excluded one taken");
    CHECK(qsyntax_check("NOT said", err) == LEDE_OK, "NOT alone taken (every article but)");
    /* make fuzz, a tenth finding: "-~OR+fan..." became "- OR +fan ...":
     * a sign alone is nothing to Xapian, so OR had nothing on its left */
    CHECK(qsyntax_check("- OR fan", err) != LEDE_OK && strstr(err, "nothing on its left"),
          "a sign alone is no operand: %s", err);
    CHECK(qsyntax_check("a - b", err) == LEDE_OK, "a sign alone between words: nothing");
    CHECK(qsyntax_check("-", err) != LEDE_OK, "a sign alone: an empty query");
    CHECK(qsyntax_check("\"a b\" -c", err) == LEDE_OK, "a phrase and an excluded word taken");
    /* fuzz_query: Xapian 1.4's parser leaked on these (tests/fuzz/README.md) */
    CHECK(qsyntax_check("-a NEAR b c", err) != LEDE_OK && strstr(err, "excluded"),
          "an excluded word before NEAR refused: %s", err);
    CHECK(qsyntax_check("(-a ADJ b c)", err) != LEDE_OK, "an excluded word before ADJ refused");
    CHECK(qsyntax_check("-a -b NEAR c d", err) != LEDE_OK, "... after another excluded word too");
    CHECK(qsyntax_check("a NEAR -b", err) != LEDE_OK, "an excluded word after NEAR refused");
    CHECK(qsyntax_check("c -a b NEAR d", err) == LEDE_OK, "an excluded word elsewhere is fine");
    CHECK(qsyntax_check("+a NEAR b c", err) == LEDE_OK, "a required word before NEAR is fine");
}

static void test_highlight_marks(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    CHECK(parse("SEARCH hl=,,, x", 15, &rq, err) == LEDE_ESYNTAX && strstr(err, "one comma"),
          "hl=,,, refused: %s", err);
    proto_request_free(&rq);
    CHECK(parse("SEARCH hl=<b>, x", 16, &rq, err) == LEDE_ESYNTAX && strstr(err, "both empty"),
          "one empty marker refused: %s", err);
    proto_request_free(&rq);
    CHECK(parse("SEARCH hl=\x01,\x02 x", 15, &rq, err) == LEDE_OK && !strcmp(rq.hl_open, "\x01"),
          "the client's colour markers (0x01, 0x02) are taken");
    proto_request_free(&rq);
    CHECK(parse("SEARCH hl=, x", 13, &rq, err) == LEDE_OK && !rq.hl_open[0] && !rq.hl_close[0],
          "hl=, turns highlighting off");
    proto_request_free(&rq);
    CHECK(parse("SEARCH hl=<b>,</b> x", 20, &rq, err) == LEDE_OK && !strcmp(rq.hl_close, "</b>"),
          "hl=<b>,</b> taken");
    proto_request_free(&rq);
}

/* Issue 19, point 5: queries that found nothing without a word. */
static void test_silent_queries(void) {
    char err[LEDE_ERRLEN];
    CHECK(qsyntax_check("\"\"", err) != LEDE_OK && !strcmp(err, "empty query"), "\"\" is an empty query: %s", err);
    CHECK(qsyntax_check("\"  \" ()", err) != LEDE_OK, "a blank phrase and () refused");
    CHECK(qsyntax_check("()", err) != LEDE_OK && strstr(err, "empty parentheses"), "() refused: %s", err);
    CHECK(qsyntax_check("rovers ( )", err) != LEDE_OK && strstr(err, "column 10"),
          "empty parentheses after a word refused, with the column: %s", err);
    CHECK(qsyntax_check("\"\" rovers", err) == LEDE_OK, "an empty phrase beside a word: the word");
    CHECK(qsyntax_check("(rovers)", err) == LEDE_OK, "a group with a word taken");
    CHECK(qsyntax_check("title:", err) != LEDE_OK && strstr(err, "'title:' at column 1") &&
          strstr(err, "nothing after the colon"), "title: alone refused: %s", err);
    CHECK(qsyntax_check("rovers author: ", err) != LEDE_OK && strstr(err, "column 8"),
          "author: with nothing after it refused: %s", err);
    CHECK(qsyntax_check("see http: example", err) == LEDE_OK, "a word before a colon that is no field of lede's: a word");
    CHECK(qsyntax_check("title:\"mars rovers\" title:(a OR b) title:x", err) == LEDE_OK,
          "title: with a phrase, a group or a word taken: %s", err);
    CHECK(qsyntax_check("date:garbage", err) != LEDE_OK && strstr(err, "FROM..TO"),
          "date:garbage refused: %s", err);
    CHECK(qsyntax_check("date:2024", err) != LEDE_OK && strstr(err, "date:2024..2024"),
          "date:2024 refused, the range to write named: %s", err);
    CHECK(qsyntax_check("date:x..2024", err) != LEDE_OK && strstr(err, "bad date"),
          "a range end that is no date refused: %s", err);
    CHECK(qsyntax_check("date:2024-02-30..", err) != LEDE_OK, "a day the month has not refused");
    CHECK(qsyntax_check("date:..", err) != LEDE_OK && strstr(err, "no dates"), "date:.. refused: %s", err);
    CHECK(qsyntax_check("date:2025..2024", err) != LEDE_OK && strstr(err, "ends before it begins"),
          "a reversed range refused: %s", err);
    CHECK(qsyntax_check("date:2024-03..2024-02-29", err) != LEDE_OK, "a reversed range of months and days");
    CHECK(qsyntax_check("a date:2024-03..2024-03 -date:2024-03-05..2024-03-05", err) == LEDE_OK,
          "a month, or a day excluded, taken: %s", err);
    CHECK(qsyntax_check("date:2024..2024-03", err) == LEDE_OK, "a year to a month in it taken: %s", err);
    CHECK(qsyntax_check("date:2024-01-01T10:00:00Z..", err) == LEDE_OK, "an ISO 8601 time taken: %s", err);
    CHECK(qsyntax_check("words:500..100", err) == LEDE_OK, "metadata ranges are field_query.cc's to check");
}

/* facets_exact=N: the request's own threshold; 0 is every match. */
static void test_facets_exact(void) {
    proto_request rq;
    char err[LEDE_ERRLEN];
    const char *l = "SEARCH facets_exact=500 facets=year x";
    CHECK(parse(l, strlen(l), &rq, err) == LEDE_OK && rq.search.facets_exact == 500,
          "facets_exact=500 taken");
    proto_request_free(&rq);
    l = "SEARCH facets_exact=0 facets=year x";
    CHECK(parse(l, strlen(l), &rq, err) == LEDE_OK && rq.search.facets_exact == UINT_MAX,
          "facets_exact=0: every match");
    proto_request_free(&rq);
    l = "SEARCH facets=year x";
    CHECK(parse(l, strlen(l), &rq, err) == LEDE_OK && rq.search.facets_exact == 0,
          "no facets_exact: 0, the daemon's --facets-exact decides");
    proto_request_free(&rq);
    l = "SEARCH facets_exact=-1 x";
    CHECK(parse(l, strlen(l), &rq, err) == LEDE_ESYNTAX, "facets_exact=-1 refused: %s", err);
    proto_request_free(&rq);
}

int main(void) {
    test_nul_byte();
    test_json_error_escapes();
    test_article_ids();
    test_near_distance();
    test_highlight_marks();
    test_silent_queries();
    test_facets_exact();
    return unit_exit();
}
