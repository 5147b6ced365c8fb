/* test_jsonw.c -- src/jsonw.c writes the bytes jansson's compact dump
 * writes (strings with every escape, bytes that are not UTF-8, doubles of
 * every shape), and the JSON SEARCH/COUNT replies protocol_reply.c writes
 * with it are jansson's own dump of what they hold, keys in their order. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/jsonw.h"
#include "../../src/protocol.h"
#include "../../src/util.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

/* jansson's dump of v (decref'd), or NULL when jansson holds no such value. */
static char *jansson_dump(json_t *v) {
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return s;
}

static int same_str(const char *s) {
    sbuf b;
    sbuf_init(&b);
    jsonw_str(&b, s);
    sbuf_putc(&b, '\0');
    char *want = jansson_dump(json_string(s));
    int same = want ? !strcmp(b.data, want) : !strcmp(b.data, "\"\xEF\xBF\xBD\"");
    if (!same) printf("#   got: %s\n#  want: %s\n", b.data, want ? want : "(refused: U+FFFD)");
    free(want);
    sbuf_free(&b);
    return same;
}

static int same_real(double d) {
    sbuf b;
    sbuf_init(&b);
    jsonw_real(&b, d);
    sbuf_putc(&b, '\0');
    char *want = jansson_dump(json_real(d));
    int same = want && !strcmp(b.data, want);
    if (!same) printf("#   got: %s\n#  want: %s\n", b.data, want ? want : "(null)");
    free(want);
    sbuf_free(&b);
    return same;
}

static void test_strings(void) {
    static const char *const cases[] = {
        "", "plain", "a \"quoted\" word", "back\\slash", "tab\there", "new\nline\r\n",
        "\b\f\x01\x1f\x7f", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "a/slash",
        "\xFF not utf-8", "\xC0\x80 overlong", "\xED\xA0\x80 surrogate", "cut \xE2\x82",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(same_str(cases[i]), "string %zu is written as jansson writes it", i);
    unsigned seed = 7;
    int all = 1;
    for (int n = 0; n < 2000; n++) { /* random bytes, control characters among them */
        char s[24];
        size_t len = (size_t)(rand_r(&seed) % 23);
        for (size_t k = 0; k < len; k++) s[k] = (char)(1 + rand_r(&seed) % 255);
        s[len] = '\0';
        all &= same_str(s);
    }
    CHECK(all, "2,000 strings of random bytes are written as jansson writes them");
    sbuf b;
    sbuf_init(&b);
    jsonw_str(&b, NULL);
    CHECK(b.len == 2 && !memcmp(b.data, "\"\"", 2), "a NULL string is \"\"");
    sbuf_free(&b);
}

static void test_reals(void) {
    static const double cases[] = {0.0, -0.0, 1.0, -3.0, 0.5, 12.25, 1e5, 1e16, 1e17, 1e21,
                                   1.5e300, 1e-5, 1e-7, 2.5e-300, 0.1, 1.0 / 3, 123456789.125};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(same_real(cases[i]), "double %g is written as jansson writes it", cases[i]);
    unsigned seed = 11;
    int all = 1;
    for (int n = 0; n < 2000; n++) {
        double d = (double)rand_r(&seed) / RAND_MAX * pow(10, rand_r(&seed) % 40 - 20);
        all &= same_real(d);
    }
    CHECK(all, "2,000 random doubles of every magnitude are written as jansson writes them");
}

static void test_integers(void) {
    static const long long cases[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, LLONG_MAX, LLONG_MIN};
    int all = 1;
    unsigned seed = 5;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] + 1000; i++) {
        long long v = i < sizeof cases / sizeof cases[0]
                          ? cases[i]
                          : ((long long)rand_r(&seed) << 20 ^ rand_r(&seed)) * (i % 2 ? -1 : 1);
        sbuf b;
        sbuf_init(&b);
        jsonw_int(&b, v);
        sbuf_putc(&b, '\0');
        char *want = jansson_dump(json_integer(v));
        if (!want || strcmp(b.data, want)) {
            all = 0;
            printf("#   got: %s\n#  want: %s\n", b.data, want ? want : "(null)");
        }
        free(want);
        sbuf_free(&b);
    }
    CHECK(all, "integers (0, both limits, 1,000 random of both signs) are written as jansson writes them");
}

/* The reply is what jansson dumps of what it parses from it. */
static int jansson_canonical(const sbuf *reply) {
    if (!reply->len || reply->data[reply->len - 1] != '\n') return 0;
    json_t *o = json_loadb(reply->data, reply->len - 1, 0, NULL);
    char *again = jansson_dump(o);
    int same = again && strlen(again) == reply->len - 1 && !memcmp(again, reply->data, reply->len - 1);
    free(again);
    return same;
}

static void test_search_reply(void) {
    search_span spans[2] = {{0, 4}, {9, 13}};
    search_hit hits[2] = {
        {.rank = 1, .score = 12.5, .id = "a1", .title = "Oil \"prices\"\trise",
         .snippet = "Oil and gas <b>", .highlights = spans, .nhighlights = 2, .date = 0, .has_date = 1},
        {.rank = 2, .score = 3.0, .id = "b\xFF", .title = "", .snippet = NULL},
    };
    search_results res = {.total = 42, .exact = 1, .total_min = 42, .total_max = 42,
                          .did_you_mean = "oil price", .hits = hits, .nhits = 2};
    proto_request rq;
    char err[LEDE_ERRLEN] = "";
    int rc = proto_parse("SEARCH limit=2 offset=0 oil", 27, &rq, err);
    CHECK(rc == LEDE_OK, "the request parses: %s", err);
    sbuf out;
    sbuf_init(&out);
    proto_reply_search(&out, 1, &rq, &res, 77);
    sbuf_putc(&out, '\0');
    out.len--;
    CHECK(jansson_canonical(&out), "the JSON SEARCH reply is jansson's own dump of it: %s", out.data);
    CHECK_STR(out.data,
              "{\"ok\":true,\"cmd\":\"search\",\"total\":42,\"exact\":true,\"total_min\":42,"
              "\"total_max\":42,\"offset\":0,\"limit\":2,\"took_us\":77,\"retried_any\":false,"
              "\"did_you_mean\":\"oil price\",\"hits\":[{\"rank\":1,\"id\":\"a1\","
              "\"score\":12.5,\"title\":\"Oil \\\"prices\\\"\\trise\","
              "\"date\":\"1970-01-01T00:00:00Z\",\"snippet\":\"Oil and gas <b>\",\"highlights\":[[0,4],[9,13]]},"
              "{\"rank\":2,\"id\":\"\xEF\xBF\xBD\",\"score\":3.0,\"title\":\"\",\"date\":null,"
              "\"snippet\":\"\",\"highlights\":[]}]}\n",
              "the JSON SEARCH reply holds its keys in the order jansson's tree held them");
    sbuf_reset(&out);
    res.hint = SEARCH_HINT_STOPWORDS;
    res.nhits = 0;
    res.did_you_mean = NULL;
    proto_reply_search(&out, 1, &rq, &res, 5);
    CHECK(jansson_canonical(&out) && memmem(out.data, out.len, "\"hint\":{\"kind\":", 15),
          "a reply with a hint and no hits is jansson's dump too");
    sbuf_reset(&out);
    proto_reply_count(&out, 1, 1234567890123ULL);
    CHECK(out.len == 48 && !memcmp(out.data, "{\"ok\":true,\"cmd\":\"count\",\"total\":1234567890123}\n", 48),
          "the JSON COUNT reply");
    sbuf_free(&out);
    proto_request_free(&rq);
}

int main(void) {
    test_strings();
    test_reals();
    test_integers();
    test_search_reply();
    return unit_exit();
}
