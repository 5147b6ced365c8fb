/* test_article.c -- plain-text and JSON Lines parsing, and the way from raw
 * bytes to an article (article_from_bytes), in src/article.c. */
#include "unit.h"
#include "../../src/article.h"
#include "../../src/fieldbook.h"
#include "../../src/utf8.h"
#include "../../src/util.h"

#include <jansson.h>

#include <ctype.h>

static int parse_text(const char *text, article *a, char *err, char *warn) {
    article_init(a);
    err[0] = warn[0] = '\0';
    return article_parse_text(text, strlen(text), a, err, warn);
}

/* What a parsed article must hold: every text field (NULL: absent) and
 * its date (has_date 0: undated). */
typedef struct {
    const char *id, *title, *standfirst, *body, *author, *url, *meta;
    int has_date;
    int64_t date;
} expected;

/* Checks every field of a against want, each check named what: field. */
static void fields_are(const article *a, const expected *want, const char *what) {
    CHECK_STR(a->id, want->id, "%s: id", what);
    CHECK_STR(a->title, want->title, "%s: headline", what);
    CHECK_STR(a->standfirst, want->standfirst, "%s: standfirst", what);
    CHECK_STR(a->body, want->body, "%s: body", what);
    CHECK_STR(a->author, want->author, "%s: author", what);
    CHECK_STR(a->url, want->url, "%s: url", what);
    CHECK_STR(a->meta, want->meta, "%s: other fields kept as metadata", what);
    CHECK(a->has_date == want->has_date && (!want->has_date || a->date == want->date),
          "%s: date (%d, %lld)", what, a->has_date, (long long)a->date);
}

static void test_headline_standfirst_layout(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    int rc = parse_text("Rates held at 4%\nThe bank waited.\n\nPara one.\nstill one.\n\nPara two.\n",
                        &a, err, warn);
    CHECK(rc == LEDE_OK, "layout a parses");
    CHECK_STR(a.title, "Rates held at 4%", "layout a: headline is line 1");
    CHECK_STR(a.standfirst, "The bank waited.", "layout a: standfirst is line 2");
    CHECK_STR(a.body, "Para one.\nstill one.\n\nPara two.", "layout a: body is the rest, trimmed");
    CHECK(!a.has_date, "layout a: no date without header");
    article_free(&a);
}

static void test_blank_line_layout(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    parse_text("\n\nStorm hits coast\n\nFirst paragraph summary\nwraps.\n\nSecond.\n\nThird.", &a, err, warn);
    CHECK_STR(a.title, "Storm hits coast", "layout b: headline after leading blanks");
    CHECK_STR(a.standfirst, "First paragraph summary\nwraps.", "layout b: standfirst is first paragraph");
    CHECK_STR(a.body, "Second.\n\nThird.", "layout b: body");
    article_free(&a);
}

static void test_header_block(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    int rc = parse_text("Title: Comet seen\nDate: 2026-03-02T08:00:00Z\nAuthor: Mara Quist\n"
                        "URL: https://example.org/c\nId: sci-1\nDesk: science\n\n"
                        "A bright comet.\n\nBody text.\n", &a, err, warn);
    CHECK(rc == LEDE_OK, "header layout parses");
    /* Id overrides the identity, Date is Unix seconds, the standfirst
     * follows the header, unknown keys are metadata */
    expected want = {"sci-1", "Comet seen", "A bright comet.", "Body text.", "Mara Quist",
                     "https://example.org/c", "{\"desk\":\"science\"}", 1, 1772438400};
    fields_are(&a, &want, "header");
    article_free(&a);
}

static void test_not_a_header(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    parse_text("Update: markets fall\nShares slid.\n\nBody.", &a, err, warn);
    CHECK_STR(a.title, "Update: markets fall", "headline with a colon is not a header");
    article_free(&a);
    parse_text("Title: x\nthis line is not a header\n\nBody", &a, err, warn);
    CHECK_STR(a.title, "Title: x", "a block with a non-header line is content");
    article_free(&a);
}

static void test_bad_date_warns(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    int rc = parse_text("Title: T\nDate: next tuesday\n\nS.\n\nB.", &a, err, warn);
    CHECK(rc == LEDE_OK && !a.has_date, "bad Date keeps the article, undated");
    CHECK(strstr(warn, "Date") != NULL, "bad Date gives a warning: %s", warn);
    article_free(&a);
}

static void test_empty_and_crlf(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    CHECK(parse_text(" \n\n \t\n", &a, err, warn) == LEDE_ESKIP, "blank text is an empty article");
    CHECK(strstr(err, "empty") != NULL, "empty article reason: %s", err);
    article_free(&a);
    parse_text("\xEF\xBB\xBFHead\r\nStand\r\n\r\nBody\r\n", &a, err, warn);
    CHECK_STR(a.title, "Head", "BOM and CR are dropped from the headline");
    CHECK_STR(a.standfirst, "Stand", "CRLF standfirst");
    CHECK_STR(a.body, "Body", "CRLF body");
    article_free(&a);
    parse_text("Only a headline", &a, err, warn);
    CHECK_STR(a.title, "Only a headline", "headline-only article");
    CHECK_STR(a.standfirst, "", "headline-only: empty standfirst");
    article_free(&a);
}

static int parse_json(const char *line, article *a, char *err, char *warn) {
    article_init(a);
    err[0] = warn[0] = '\0';
    return article_parse_json(line, strlen(line), a, err, warn);
}

static void test_json(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    int rc = parse_json("{\"id\":\"w1\",\"title\":\"T\",\"text\":\"Body\\n\\nMore\",\"date\":"
                        "\"1987-02-26T15:01:01Z\",\"author\":\"A B\",\"url\":\"u\",\"lede\":\"L\","
                        "\"topics\":[\"cocoa\"],\"n\":3}", &a, err, warn);
    CHECK(rc == LEDE_OK, "JSON article parses");
    /* text is the body, lede the standfirst, the date ISO 8601 */
    expected want = {"w1", "T", "L", "Body\n\nMore", "A B", "u", "{\"n\":3,\"topics\":[\"cocoa\"]}", 1,
                     541350061};
    fields_are(&a, &want, "JSON");
    article_free(&a);

    rc = parse_json("{\"id\": 42, \"title\": \"\", \"text\": \"x\", \"date\": null}", &a, err, warn);
    CHECK(rc == LEDE_OK, "integer id, empty title, null date");
    CHECK_STR(a.id, "42", "integer id becomes a string");
    CHECK(!a.has_date, "null date: undated");
    article_free(&a);

    rc = parse_json("{\"title\":\"T\",\"text\":\"x\"}", &a, err, warn);
    CHECK(rc == LEDE_OK && a.id == NULL, "missing id left to the caller");
    article_free(&a);
}

static void test_json_errors(void) {
    article a;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN];
    CHECK(parse_json("{\"id\":\"1\",\"title\":\"T\"", &a, err, warn) == LEDE_ESKIP,
          "truncated JSON is skipped");
    CHECK(strstr(err, "malformed JSON") != NULL, "malformed reason: %s", err);
    CHECK(parse_json("[1,2]", &a, err, warn) == LEDE_ESKIP, "array is not an article");
    CHECK(parse_json("{\"id\":\"1\",\"title\":7}", &a, err, warn) == LEDE_ESKIP,
          "non-string title rejected");
    CHECK(strstr(err, "title") != NULL, "type error names the field: %s", err);
    CHECK(parse_json("{\"id\":\"1\",\"title\":\" \",\"text\":\"\"}", &a, err, warn) == LEDE_ESKIP,
          "JSON with no text is an empty article");
    CHECK(parse_json("{\"id\":\"1\",\"id\":\"2\",\"text\":\"x\"}", &a, err, warn) == LEDE_ESKIP,
          "duplicate keys rejected");
    CHECK(parse_json("{\"id\":\"1\",\"text\":\"x\",\"date\":\"soon\"}", &a, err, warn) == LEDE_OK &&
          !a.has_date && warn[0], "unparseable date: kept, undated, warned");
    article_free(&a);
}

static int from_bytes(const char *bytes, size_t len, article_layout layout,
                      const article_defaults *d, article *a, article_repair *rep,
                      char *err) {
    char warn[LEDE_ERRLEN] = "";
    article_init(a);
    err[0] = '\0';
    return article_from_bytes(bytes, len, layout, d, a, rep, err, warn);
}

static void test_from_bytes_repair(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    const char latin1[] = "Caf\xe9 prices\nThey rose.\n\nBody.";
    int rc = from_bytes(latin1, strlen(latin1), ARTICLE_TEXT, NULL, &a, &rep, err);
    CHECK(rc == LEDE_OK, "from_bytes: Latin-1 text parses");
    CHECK(rep.kind == UTF8_FROM_CP1252 && rep.fixed == 1,
          "from_bytes: Latin-1 text decoded as Windows-1252, 1 byte (%d, %zu)", (int)rep.kind,
          rep.fixed);
    CHECK_STR(a.title, "Caf\xc3\xa9 prices", "from_bytes: the repaired headline");
    CHECK(a.id == NULL && !a.has_date, "from_bytes: no defaults, no id or date");
    article_free(&a);

    const char mixed[] = "{\"id\":\"m\",\"title\":\"na\xc3\xafve \xff\"}";
    rc = from_bytes(mixed, strlen(mixed), ARTICLE_JSON, NULL, &a, &rep, err);
    CHECK(rc == LEDE_OK && rep.kind == UTF8_REPLACED && rep.fixed == 1,
          "from_bytes: a stray byte beside valid UTF-8 is replaced (%d)", rc);
    CHECK_STR(a.title, "na\xc3\xafve \xef\xbf\xbd", "from_bytes: U+FFFD for the bad byte");
    article_free(&a);

    const char clean[] = "Plain\nStand\n\nBody";
    rc = from_bytes(clean, strlen(clean), ARTICLE_TEXT, NULL, &a, &rep, err);
    CHECK(rc == LEDE_OK && rep.kind == UTF8_CLEAN && rep.fixed == 0,
          "from_bytes: valid text is reported clean");
    article_free(&a);
}

static void test_from_bytes_defaults(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    article_defaults line = {.id = "feed/a.jsonl", .id_line = 7};
    const char noid[] = "{\"title\":\"T\",\"text\":\"x\"}";
    from_bytes(noid, strlen(noid), ARTICLE_JSON, &line, &a, &rep, err);
    CHECK_STR(a.id, "feed/a.jsonl#7", "from_bytes: a JSON record without id is file#line");
    CHECK(!a.has_date, "from_bytes: no default date unless given");
    article_free(&a);
    const char withid[] = "{\"id\":\"own\",\"text\":\"x\",\"date\":100}";
    from_bytes(withid, strlen(withid), ARTICLE_JSON, &line, &a, &rep, err);
    CHECK_STR(a.id, "own", "from_bytes: the record's own id wins");

    article_defaults file = {.id = "news/x.txt", .has_date = 1, .date = 5000};
    article_free(&a);
    const char text[] = "Head\nStand\n\nBody";
    from_bytes(text, strlen(text), ARTICLE_TEXT, &file, &a, &rep, err);
    CHECK_STR(a.id, "news/x.txt", "from_bytes: a text without Id header gets the default id");
    CHECK(a.has_date && a.date == 5000, "from_bytes: an undated text gets the default date");
    article_free(&a);
    const char dated[] = "Id: given\nDate: 2026-03-02T08:00:00Z\n\nHead\n\nBody";
    from_bytes(dated, strlen(dated), ARTICLE_TEXT, &file, &a, &rep, err);
    CHECK_STR(a.id, "given", "from_bytes: the Id header wins over the default");
    CHECK(a.has_date && a.date == 1772438400, "from_bytes: the Date header wins (%lld)",
          (long long)a.date);
    article_free(&a);
}

static void test_from_bytes_skips(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    article_defaults file = {.id = "x", .has_date = 1, .date = 1};
    int rc = from_bytes(NULL, 0, ARTICLE_TEXT, &file, &a, &rep, err);
    CHECK(rc == LEDE_ESKIP && strstr(err, "empty"), "from_bytes: no bytes is an empty article");
    CHECK(a.id == NULL && a.title == NULL && !a.has_date,
          "from_bytes: a skipped article is freed, defaults not applied");
    const char bad[] = "{\"id\":\"1\",\"title\":\"\xff\"";
    rc = from_bytes(bad, strlen(bad), ARTICLE_JSON, &file, &a, &rep, err);
    CHECK(rc == LEDE_ESKIP && strstr(err, "malformed JSON") && rep.kind == UTF8_FROM_CP1252,
          "from_bytes: malformed JSON is skipped after the repair is reported (%s)", err);
    CHECK(a.id == NULL, "from_bytes: nothing left of a malformed record");
}

/* The field of f named name, or NULL. */
static const article_field *field_named(const article_fields *f, const char *name) {
    for (size_t i = 0; i < f->n; i++)
        if (!strcmp(f->f[i].name, name)) return &f->f[i];
    return NULL;
}

static void test_fields_from_json(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    const char rec[] = "{\"id\":\"r1\",\"title\":\"Grain up\",\"text\":\"Wheat and  corn, -- rose.\","
                       "\"topics\":[\"grain\",\"Wheat\",7],\"rank\":2.5,\"wire\":true,"
                       "\"published\":\"1987-03-02T10:00:00Z\",\"place\":{\"city\":\"x\"},"
                       "\"9bad\":\"y\",\"empty\":[],\"gone\":null,\"note\":\"1987 or so\"}";
    CHECK(from_bytes(rec, strlen(rec), ARTICLE_JSON, NULL, &a, &rep, err) == LEDE_OK, "record parses");
    article_fields f = {0};
    article_fields_of(&a, &f);
    const article_field *x = field_named(&f, "topics");
    CHECK(x && x->kind == FIELD_KEYWORD && x->n == 3 && !strcmp(x->values[1].text, "Wheat") &&
          !strcmp(x->values[2].text, "7") && x->index == -1 && !x->problem,
          "an array of strings and numbers: a keyword field, values as written");
    x = field_named(&f, "rank");
    CHECK(x && x->kind == FIELD_NUMBER && x->n == 1 && x->values[0].is_number &&
          x->values[0].number == 2.5, "a JSON number: a number field");
    x = field_named(&f, "wire");
    CHECK(x && x->kind == FIELD_KEYWORD && !strcmp(x->values[0].text, "true"), "a boolean: keyword");
    x = field_named(&f, "published");
    CHECK(x && x->kind == FIELD_DATE && x->values[0].is_date && x->values[0].seconds == 541677600,
          "an ISO 8601 string: a date field (%lld)", x ? (long long)x->values[0].seconds : 0LL);
    x = field_named(&f, "note");
    CHECK(x && x->kind == FIELD_KEYWORD && !x->values[0].is_date, "a string that is not a date: keyword");
    x = field_named(&f, "place");
    CHECK(x && x->problem && strstr(x->problem, "nested"), "a nested object is no field");
    x = field_named(&f, "9bad");
    CHECK(x && x->problem && strstr(x->problem, "field name"), "a bad name is no field");
    CHECK(!field_named(&f, "empty") && !field_named(&f, "gone"), "null and [] give nothing");
    CHECK(!field_named(&f, "title") && !field_named(&f, "id"), "the article's own keys are not fields");
    x = field_named(&f, "words");
    CHECK(x && x->kind == FIELD_NUMBER && x->values[0].number == 6,
          "words: 'Grain up' and 'Wheat and corn, -- rose.' (a run without a letter or digit "
          "is no word): %g", x ? x->values[0].number : -1.0);
    article_fields_free(&f);
    article_free(&a);
}

static void test_fields_section_and_text(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    article_defaults dir = {.id = "sport/a.txt", .section = "sport"};
    const char text[] = "Title: Head\nDesk: Late\n\nStand.\n\nBody words here.";
    CHECK(from_bytes(text, strlen(text), ARTICLE_TEXT, &dir, &a, &rep, err) == LEDE_OK, "text parses");
    CHECK_STR(a.meta, "{\"desk\":\"Late\"}", "meta as it was: the folder is not stored");
    CHECK_STR(a.section, "sport", "a directory source's folder is the article's section");
    article_fields f = {0};
    article_fields_of(&a, &f);
    const article_field *x = field_named(&f, "section");
    CHECK(x && x->kind == FIELD_KEYWORD && !strcmp(x->values[0].text, "sport"), "section field");
    x = field_named(&f, "desk");
    CHECK(x && !strcmp(x->values[0].text, "Late"), "a text header's own key is a field too");
    CHECK(field_named(&f, "words") && field_named(&f, "words")->values[0].number == 5, "words: 5");
    article_fields_free(&f);
    article_free(&a);
    const char own[] = "{\"id\":\"1\",\"title\":\"T\",\"section\":\"World\"}";
    CHECK(from_bytes(own, strlen(own), ARTICLE_JSON, &dir, &a, &rep, err) == LEDE_OK, "json parses");
    article_fields_of(&a, &f);
    const article_field *sec = field_named(&f, "section");
    CHECK(sec && sec->n == 1 && !strcmp(sec->values[0].text, "World"),
          "a record's own section wins over its folder");
    article_fields_free(&f);
    article_free(&a);
}

static void test_fieldbook(void) {
    fieldbook *b = fieldbook_new();
    char err[LEDE_ERRLEN];
    CHECK(fieldbook_merge_text(b, "rank\tnumber\tinferred\n", 21, "db", err) == LEDE_OK,
          "a database's schema merged");
    CHECK(fieldbook_merge_text(b, "rank\tdate\tinferred\n", 19, "db2", err) != LEDE_OK &&
          strstr(err, "db2") && strstr(err, "rank"), "a disagreeing database refused: %s", err);
    article a;
    article_repair rep;
    const char rec[] = "{\"id\":\"1\",\"title\":\"T\",\"rank\":\"high\",\"topics\":[\"x\"],"
                       "\"place\":{}}";
    from_bytes(rec, strlen(rec), ARTICLE_JSON, NULL, &a, &rep, err);
    article_fields f = {0};
    for (int round = 0; round < 2; round++) {
        article_fields_of(&a, &f);
        fieldbook_resolve(b, &f);
    }
    const article_field *rank = field_named(&f, "rank"), *topics = field_named(&f, "topics");
    CHECK(rank && rank->index == -1, "a string in a number field is left out");
    CHECK(topics && topics->index == 1 && topics->kind == FIELD_KEYWORD, "a new field appended: 1");
    CHECK(field_named(&f, "words")->index == 2, "words appended after it");
    sbuf w;
    sbuf_init(&w);
    unsigned n = fieldbook_take_warnings(b, &w);
    CHECK(n == 2 && strstr(w.data, "'rank' is a number field") && strstr(w.data, "'place'"),
          "two warnings, once each for two articles: %s", w.data ? w.data : "");
    CHECK(fieldbook_take_warnings(b, &w) == 2 - 2, "taken: none left");
    CHECK(fieldbook_declare(b, "rank:date", err) != LEDE_OK && strstr(err, "number"),
          "declaring a known field with another kind: %s", err);
    CHECK(fieldbook_declare(b, "published:date", err) == LEDE_OK && fieldbook_count(b) == 4,
          "declaring appends");
    sbuf_free(&w);
    article_fields_free(&f);
    article_free(&a);
    fieldbook_free(b);
}

/* The word count's definition, a byte at a time through ctype (the C
 * locale): the runs of non-blank bytes that hold a letter, a digit or a
 * byte of a multi-byte character. */
static uint64_t words_by_ctype(const char *s) {
    uint64_t n = 0;
    int counted = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') counted = 0;
        else if (!counted && (isalnum(c) || c >= 0x80)) n++, counted = 1;
    }
    return n;
}

/* article_word_count (branch-free) against that definition: every byte
 * next to every other, then strings of random bytes from a fixed seed. */
static void test_word_count(void) {
    article a;
    article_init(&a);
    char text[4096];
    a.title = a.standfirst = (char *)"";
    a.body = text;
    size_t n = 0;
    for (int c = 1; c < 256; c++)
        for (int d = 1; d < 256; d += 7) {
            text[n++] = (char)c;
            text[n++] = (char)d;
            if (n >= sizeof text - 3) {
                text[n] = '\0';
                CHECK(article_word_count(&a) == words_by_ctype(text), "byte pairs from %d", c);
                n = 0;
            }
        }
    uint64_t seed = 20;
    int wrong = 0;
    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(round * 17) % (sizeof text - 1);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned char c = (unsigned char)(seed >> 56);
            text[i] = (char)(c ? c : ' ');
        }
        text[len] = '\0';
        wrong += article_word_count(&a) != words_by_ctype(text);
    }
    CHECK(wrong == 0, "random texts: %d counted otherwise", wrong);
}

/* ---- JSON records' UTF-8: checked only when jansson refuses them ------ */

/* article_from_bytes for a JSON record as it was before the parse came
 * first: the bytes checked, repaired when not valid UTF-8, then parsed. */
static int checked_first(const char *bytes, size_t len, article *a, article_repair *rep,
                         char *err, char *warn) {
    article_repair r = {UTF8_CLEAN, 0};
    sbuf clean;
    sbuf_init(&clean);
    if (!utf8_is_valid(bytes, len)) {
        r.kind = utf8_repair(bytes, len, &clean, &r.fixed);
        bytes = clean.data;
        len = clean.len;
    }
    *rep = r;
    article_init(a);
    int rc = article_parse_json(bytes, len, a, err, warn);
    sbuf_free(&clean);
    return rc;
}

static int same_str(const char *x, const char *y) {
    return x == y || (x && y && !strcmp(x, y));
}

/* Whether both ways gave the same article, repair, code and messages. */
static int same_outcome(const char *bytes, size_t len) {
    article a, b;
    article_repair ra, rb;
    char ea[LEDE_ERRLEN] = "", eb[LEDE_ERRLEN] = "", wa[LEDE_ERRLEN] = "", wb[LEDE_ERRLEN] = "";
    article_init(&a);
    int rca = article_from_bytes(bytes, len, ARTICLE_JSON, NULL, &a, &ra, ea, wa);
    int rcb = checked_first(bytes, len, &b, &rb, eb, wb);
    int same = rca == rcb && ra.kind == rb.kind && ra.fixed == rb.fixed && !strcmp(ea, eb) &&
               !strcmp(wa, wb) && same_str(a.id, b.id) && same_str(a.title, b.title) &&
               same_str(a.standfirst, b.standfirst) && same_str(a.body, b.body) &&
               same_str(a.meta, b.meta) && same_str(a.author, b.author) && a.has_date == b.has_date;
    article_free(&a);
    article_free(&b);
    return same;
}

/* Every record made by putting one of the pieces at one place of one of
 * the records (or over one byte of it) comes out of article_from_bytes as
 * it did when the UTF-8 was checked first; and any bytes jansson parses
 * are valid UTF-8 (what article_from_bytes now relies on). */
static void test_json_utf8(void) {
    static const char *const records[] = {
        "{\"id\":\"a1\",\"title\":\"Caf\xc3\xa9 \xe2\x82\xac\",\"text\":\"one two\",\"k\":[\"x\",\"\xf0\x9f\x98\x80\"]}",
        "{\"title\":\"t\\u00e9\",\"lede\":\"\",\"body\":\"b \\ud83d\\ude00\",\"n\":3}",
        "  {\"text\":\"\\\"q\\\"\"}  \n"};
    static const char *const pieces[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\x81", "\xc2", "\xc3\xa9", "\xe0\x80\x80", "\xe2\x82",
        "\xed\xa0\x80", "\xed\x9f\xbf", "\xef\xbf\xbf", "\xf0\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\x00", "\\u0000", "\\ud800", "\\udc00x",
        "\"", "\\", "\x1f", " ", "\xe9t\xe9"};
    int differ = 0, parsed = 0, repaired = 0, unsafe = 0, cases = 0;
    char buf[512];
    for (size_t r = 0; r < sizeof records / sizeof *records; r++) {
        size_t n = strlen(records[r]);
        for (size_t p = 0; p < sizeof pieces / sizeof *pieces; p++) {
            size_t k = pieces[p][0] ? strlen(pieces[p]) : 1;
            for (size_t at = 0; at <= n; at++)
                for (int over = 0; over < 2 && at + over <= n; over++) {
                    size_t len = 0;
                    memcpy(buf, records[r], at);
                    len = at;
                    memcpy(buf + len, pieces[p], k);
                    len += k;
                    memcpy(buf + len, records[r] + at + over, n - at - over);
                    len += n - at - over;
                    cases++;
                    differ += !same_outcome(buf, len);
                    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
                    if (v) {
                        parsed++;
                        unsafe += !utf8_is_valid(buf, len);
                        json_decref(v);
                    } else {
                        repaired += !utf8_is_valid(buf, len);
                    }
                }
        }
    }
    CHECK(differ == 0, "json utf8: %d of %d mutated records came out otherwise", differ, cases);
    CHECK(unsafe == 0, "json utf8: jansson parsed %d records that are not valid UTF-8", unsafe);
    CHECK(parsed > 100 && repaired > 100,
          "json utf8: both ways taken (%d parsed as they were, %d invalid)", parsed, repaired);
}

/* The cases the parse-first way must keep: bad UTF-8 in a string repaired
 * and the record kept; "\u0000" refused (a field is a C string); a record
 * with only empty fields skipped as empty, its bytes being valid. */
static void test_json_utf8_cases(void) {
    article a;
    article_repair rep;
    char err[LEDE_ERRLEN];
    const char *bad = "{\"title\":\"caf\xe9\",\"body\":\"x\"}";
    CHECK(from_bytes(bad, strlen(bad), ARTICLE_JSON, NULL, &a, &rep, err) == LEDE_OK &&
          rep.kind != UTF8_CLEAN && rep.fixed == 1, "json: a Latin-1 byte repaired, record kept");
    CHECK_STR(a.title, "caf\xc3\xa9", "json: the repaired headline");
    article_free(&a);
    const char *nul = "{\"title\":\"a\\u0000b\",\"body\":\"x\"}";
    CHECK(from_bytes(nul, strlen(nul), ARTICLE_JSON, NULL, &a, &rep, err) == LEDE_ESKIP &&
          rep.kind == UTF8_CLEAN && strstr(err, "malformed JSON"), "json: \\u0000 refused (%s)", err);
    CHECK(a.title == NULL, "json: nothing kept of a refused record");
    const char *empty = "{\"title\":\"\",\"lede\":\" \",\"body\":\"\"}";
    CHECK(from_bytes(empty, strlen(empty), ARTICLE_JSON, NULL, &a, &rep, err) == LEDE_ESKIP &&
          rep.kind == UTF8_CLEAN && strstr(err, "empty"), "json: empty fields skipped (%s)", err);
    const char *badid = "{\"id\":\"x\\u0007\",\"body\":\"x\"}";
    CHECK(from_bytes(badid, strlen(badid), ARTICLE_JSON, NULL, &a, &rep, err) == LEDE_ESKIP &&
          strstr(err, "control character"), "json: an id's control character refused (%s)", err);
}

int main(void) {
    test_headline_standfirst_layout();
    test_blank_line_layout();
    test_header_block();
    test_not_a_header();
    test_bad_date_warns();
    test_empty_and_crlf();
    test_json();
    test_json_errors();
    test_from_bytes_repair();
    test_from_bytes_defaults();
    test_from_bytes_skips();
    test_json_utf8();
    test_json_utf8_cases();
    test_fields_from_json();
    test_fields_section_and_text();
    test_fieldbook();
    test_word_count();
    return unit_exit();
}
