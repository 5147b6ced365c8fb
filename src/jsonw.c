/* jsonw.c -- JSON values written into an sbuf byte for byte as jansson's
 * compact dump writes them (see jsonw.h).  Holds no objects or arrays:
 * the caller writes the braces, commas and keys. */
#include "jsonw.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

/* The bytes of s[0..n) that need no escape: not ", \ or below 0x20. */
static size_t jsonw_plain(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\') i++;
    return i;
}

static void jsonw_escape(sbuf *out, unsigned char c) {
    char seq[8];
    switch (c) {
    case '"': sbuf_append(out, "\\\"", 2); return;
    case '\\': sbuf_append(out, "\\\\", 2); return;
    case '\b': sbuf_append(out, "\\b", 2); return;
    case '\f': sbuf_append(out, "\\f", 2); return;
    case '\n': sbuf_append(out, "\\n", 2); return;
    case '\r': sbuf_append(out, "\\r", 2); return;
    case '\t': sbuf_append(out, "\\t", 2); return;
    default:
        snprintf(seq, sizeof seq, "\\u%04X", (unsigned)c);
        sbuf_append(out, seq, 6);
    }
}

void jsonw_str(sbuf *out, const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n && !utf8_is_valid(s, n)) {
        sbuf_puts(out, "\"\xEF\xBF\xBD\"");
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    sbuf_putc(out, '"');
    while (n) {
        size_t k = jsonw_plain(p, n);
        sbuf_append(out, p, k);
        p += k;
        n -= k;
        if (!n) break;
        jsonw_escape(out, *p++);
        n--;
    }
    sbuf_putc(out, '"');
}

/* By hand: snprintf's format parsing was a third of a reply's integers. */
void jsonw_int(sbuf *out, long long v) {
    char buf[24], *p = buf + sizeof buf;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do *--p = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) *--p = '-';
    sbuf_append(out, p, (size_t)(buf + sizeof buf - p));
}

void jsonw_real(sbuf *out, double v) {
    char buf[48];
    int n = snprintf(buf, sizeof buf, "%.17g", v);
    if (n < 0 || (size_t)n >= sizeof buf - 3) return;
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(buf, 'e');
    if (e) { /* "1e+05" -> "1e5", "1e-05" -> "1e-5" */
        char *start = e + 1, *end = start + 1;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) {
            memmove(start, end, (size_t)(buf + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    sbuf_append(out, buf, (size_t)n);
}

void jsonw_bool(sbuf *out, int v) {
    if (v) sbuf_append(out, "true", 4);
    else sbuf_append(out, "false", 5);
}
