/* utf8.c -- validation and repair of UTF-8 text (see utf8.h).  Pure
 * functions over byte ranges; no allocation beyond the output buffer. */
#include "utf8.h"

#include <string.h>

/* Windows-1252 code points for bytes 0x80..0x9F; the five bytes the code
 * page leaves undefined map to the Latin-1 control of the same value. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

int utf8_is_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t len = utf8_seq_len(p + i, n - i);
        if (!len) return 0;
        i += len;
    }
    return 1;
}

int utf8_looks_binary(const char *s, size_t n) {
    return memchr(s, '\0', n) != NULL;
}

void utf8_put(sbuf *out, unsigned cp) {
    char b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (char)cp; n = 1; }
    else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_append(out, b, n);
}

/* Counts valid multi-byte sequences and invalid bytes in one pass. */
static void utf8_census(const unsigned char *p, size_t n, size_t *multi,
                        size_t *bad) {
    *multi = *bad = 0;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { i++; continue; }
        size_t len = utf8_seq_len(p + i, n - i);
        if (len) { (*multi)++; i += len; }
        else { (*bad)++; i++; }
    }
}

static void decode_cp1252(const unsigned char *p, size_t n, sbuf *out) {
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c < 0x80) sbuf_putc(out, (char)c);
        else if (c < 0xA0) utf8_put(out, cp1252_high[c - 0x80]);
        else utf8_put(out, c);
    }
}

static void replace_invalid(const unsigned char *p, size_t n, sbuf *out) {
    size_t i = 0;
    while (i < n) {
        size_t len = p[i] < 0x80 ? 1 : utf8_seq_len(p + i, n - i);
        if (len) {
            sbuf_append(out, p + i, len);
            i += len;
        } else {
            utf8_put(out, 0xFFFD);
            i++;
        }
    }
}

utf8_repair_kind utf8_repair(const char *s, size_t n, sbuf *out,
                             size_t *fixed) {
    const unsigned char *p = (const unsigned char *)s;
    size_t multi, bad;
    utf8_census(p, n, &multi, &bad);
    if (fixed) *fixed = bad;
    if (bad == 0) {
        sbuf_append(out, s, n);
        return UTF8_CLEAN;
    }
    if (multi == 0) {
        decode_cp1252(p, n, out);
        return UTF8_FROM_CP1252;
    }
    replace_invalid(p, n, out);
    return UTF8_REPLACED;
}

const char *utf8_repair_name(utf8_repair_kind kind) {
    switch (kind) {
    case UTF8_CLEAN: return "valid UTF-8";
    case UTF8_FROM_CP1252: return "decoded as Windows-1252/Latin-1";
    case UTF8_REPLACED: return "invalid bytes replaced by U+FFFD";
    }
    return "?";
}
