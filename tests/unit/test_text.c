/* test_text.c -- UTF-8 repair (src/utf8.c), date parsing (src/date.c),
 * hashes and the HOST:PORT split (src/util.c). */
#include "unit.h"
#include "../../src/date.h"
#include "../../src/protocol.h"
#include "../../src/utf8.h"
#include "../../src/util.h"

static void test_utf8(void) {
    CHECK(utf8_is_valid("caf\xC3\xA9 \xE2\x82\xAC", 9), "valid UTF-8 accepted");
    CHECK(!utf8_is_valid("\xC0\xAF", 2), "overlong encoding rejected");
    CHECK(!utf8_is_valid("\xED\xA0\x80", 3), "surrogate rejected");
    CHECK(!utf8_is_valid("\xE2\x82", 2), "truncated sequence rejected");
    CHECK(utf8_looks_binary("ab\0cd", 5), "NUL means binary");

    sbuf out;
    sbuf_init(&out);
    size_t fixed;
    utf8_repair_kind k = utf8_repair("caf\xE9 \xA3" "5 \x93q\x94", 11, &out, &fixed);
    CHECK(k == UTF8_FROM_CP1252, "Latin-1 text is decoded as Windows-1252");
    CHECK_STR(out.data, "caf\xC3\xA9 \xC2\xA3" "5 \xE2\x80\x9Cq\xE2\x80\x9D", "cp1252 bytes become UTF-8");
    CHECK(fixed == 4, "four bytes were invalid (%zu)", fixed);

    sbuf_reset(&out);
    k = utf8_repair("\xC3\xA9t\xE9", 4, &out, &fixed);
    CHECK(k == UTF8_REPLACED, "mixed text gets replacement characters");
    CHECK_STR(out.data, "\xC3\xA9t\xEF\xBF\xBD", "bad byte became U+FFFD");

    sbuf_reset(&out);
    k = utf8_repair("plain", 5, &out, &fixed);
    CHECK(k == UTF8_CLEAN && fixed == 0 && !strcmp(out.data, "plain"), "clean text untouched");
    sbuf_free(&out);
}

static void test_dates(void) {
    int64_t t;
    CHECK(date_parse("1970-01-01", &t) == LEDE_OK && t == 0, "epoch");
    CHECK(date_parse("2014-03-01", &t) == LEDE_OK && t == 1393632000, "date only");
    CHECK(date_parse("2014-03-01T12:30:00Z", &t) == LEDE_OK && t == 1393677000, "UTC time");
    CHECK(date_parse("2014-03-01T14:30:00+02:00", &t) == LEDE_OK && t == 1393677000, "offset +02:00");
    CHECK(date_parse("2014-03-01 07:30-0500", &t) == LEDE_OK && t == 1393677000, "offset -0500, space");
    CHECK(date_parse("2014-03-01T12:30:00.250Z", &t) == LEDE_OK && t == 1393677000, "fractions ignored");
    CHECK(date_parse("Sat, 01 Mar 2014 12:30:00 GMT", &t) == LEDE_OK && t == 1393677000, "RFC 2822");
    CHECK(date_parse("1 Mar 2014", &t) == LEDE_OK && t == 1393632000, "RFC 2822 date only");
    CHECK(date_parse("2014-02-30", &t) == LEDE_ERR, "Feb 30 rejected");
    CHECK(date_parse("2000-02-29", &t) == LEDE_OK, "leap day 2000 accepted");
    CHECK(date_parse("1900-02-29", &t) == LEDE_ERR, "1900 is no leap year");
    CHECK(date_parse("yesterday", &t) == LEDE_ERR, "words rejected");
    CHECK(date_parse("2014-03-01Tgarbage", &t) == LEDE_ERR, "trailing garbage rejected");
    char buf[32];
    date_format(1393677000, buf);
    CHECK_STR(buf, "2014-03-01T12:30:00Z", "format ISO 8601");
    date_format(-86400, buf);
    CHECK_STR(buf, "1969-12-31T00:00:00Z", "format before the epoch");
    date_format(253402300799, buf);
    CHECK_STR(buf, "9999-12-31T23:59:59Z", "format the last four-digit year");
    date_format(-62167219200, buf);
    CHECK_STR(buf, "0000-01-01T00:00:00Z", "format year 0");
    date_format(253402300800, buf);
    CHECK_STR(buf, "10000-01-01T00:00:00Z", "format past year 9999");
}

static void test_hash(void) {
    CHECK(lede_hash("a", 1) != lede_hash("b", 1), "hash differs on one byte");
    CHECK(lede_hash("abc", 3) == lede_hash("abc", 3), "hash is stable");
    char hex[17];
    uint64_t back;
    lede_hex64(0x0123456789abcdefULL, hex);
    CHECK_STR(hex, "0123456789abcdef", "hex64");
    CHECK(lede_parse_hex64(hex, &back) == LEDE_OK && back == 0x0123456789abcdefULL, "hex64 round trip");
}

/* Reply building: escaping runs and formatting into a buffer that must
 * grow part-way (sbuf_printf's second pass). */
static void test_host_port(void) {
    char host[16];
    const char *port = NULL;
    CHECK(lede_host_port("example.org:7700", host, sizeof host, &port) == LEDE_OK &&
              !strcmp(host, "example.org") && !strcmp(port, "7700"),
          "HOST:PORT split at the colon");
    CHECK(lede_host_port("[::1]:80", host, sizeof host, &port) == LEDE_OK && !strcmp(host, "::1") &&
              !strcmp(port, "80"),
          "a [v6] host loses its brackets, split at the last colon");
    CHECK(lede_host_port(":81", host, sizeof host, &port) == LEDE_OK && host[0] == '\0' &&
              !strcmp(port, "81"),
          ":PORT: an empty host");
    CHECK(lede_host_port("7700", host, sizeof host, &port) == LEDE_ERR && host[0] == '\0',
          "no colon: refused");
    CHECK(lede_host_port("a-very-long-host-name:1", host, sizeof host, &port) == LEDE_ERR &&
              host[0] == '\0',
          "a host longer than the buffer: refused");
}

static void test_reply_text(void) {
    sbuf b;
    sbuf_init(&b);
    proto_escape(&b, "plain\ttab\nnl\rcr\\bs end");
    CHECK_STR(b.data, "plain\\ttab\\nnl\\rcr\\\\bs end", "escape every special, keep the rest");
    sbuf_reset(&b);
    proto_escape(&b, "\t");
    CHECK_STR(b.data, "\\t", "escape a lone special");
    sbuf_reset(&b);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sbuf_puts(&b, "head:");
    sbuf_printf(&b, "%s|%d", big, 42);
    CHECK(b.len == 5 + 299 + 3 && !strcmp(b.data + b.len - 3, "|42") && b.data[b.len] == '\0',
          "printf that overflows the room left grows and keeps all");
    sbuf_printf(&b, "%s", "");
    CHECK(b.len == 307, "empty printf adds nothing");
    sbuf_free(&b);
}

int main(void) {
    test_utf8();
    test_reply_text();
    test_dates();
    test_hash();
    test_host_port();
    return unit_exit();
}
