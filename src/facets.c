/* facets.c -- the facets= option's text into a list (see facets.h).  Pure
 * functions: resolves no name, reads no index. */
#include "facets.h"

#include <string.h>
#include <strings.h>

static const char *const grain_names[] = {"", "year", "month", "day"};

facet_grain facets_grain_of(const char *word, size_t len) {
    for (unsigned g = FACET_GRAIN_YEAR; g <= FACET_GRAIN_DAY; g++)
        if (strlen(grain_names[g]) == len && !strncasecmp(grain_names[g], word, len))
            return (facet_grain)g;
    return FACET_GRAIN_NONE;
}

const char *facets_grain_name(facet_grain g) {
    return (unsigned)g <= FACET_GRAIN_DAY ? grain_names[g] : "";
}

unsigned facets_top(const facet_ask *a, int dated) {
    if (a->top) return a->top;
    return dated ? FACETS_MAX_TOP : FACETS_DEFAULT_TOP;
}

static int name_char(char c, int first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
    return !first && ((c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-');
}

/* A count N of NAME:N: 1 to FACETS_MAX_TOP; 0 when p is no such number. */
static unsigned parse_top(const char *p, size_t len) {
    if (len == 0 || len > 4) return 0;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (unsigned)(p[i] - '0');
    }
    return v <= FACETS_MAX_TOP ? v : 0;
}

/* One ":ARG" of an item (a count or a grain) into a. */
static int parse_arg(facet_ask *a, const char *p, size_t len, const char *item, size_t ilen,
                     char *err) {
    facet_grain g = facets_grain_of(p, len);
    if (g != FACET_GRAIN_NONE) {
        if (a->grain != FACET_GRAIN_NONE || a->top)
            return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%.*s': a grain (year, month, day) "
                                    "comes first and once: NAME:GRAIN:N", (int)ilen, item);
        a->grain = g;
        return LEDE_OK;
    }
    unsigned top = parse_top(p, len);
    if (!top || a->top)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%.*s': ':%.*s' is neither a count "
                                "from 1 to %d nor year, month or day", (int)ilen, item, (int)len, p,
                                FACETS_MAX_TOP);
    a->top = top;
    return LEDE_OK;
}

/* One ITEM (see facets.h) into a. */
static int parse_item(facet_ask *a, const char *item, size_t ilen, char *err) {
    memset(a, 0, sizeof *a);
    const char *end = item + ilen, *colon = memchr(item, ':', ilen);
    size_t nlen = (size_t)((colon ? colon : end) - item);
    if (nlen == 0)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facets= has an empty name (facets=NAME[:N],...)");
    if (nlen > SCHEMA_NAME_MAX)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facet name '%.*s...' is over %d bytes", 20, item,
                                SCHEMA_NAME_MAX);
    for (size_t i = 0; i < nlen; i++)
        if (!name_char(item[i], i == 0))
            return lede_seterr_code(err, LEDE_ESYNTAX, "facet name '%.*s' is not a field name",
                                    (int)nlen, item);
    memcpy(a->name, item, nlen);
    a->name[nlen] = '\0';
    facet_grain own = facets_grain_of(item, nlen);
    for (const char *p = colon; p && p < end;) {
        const char *next = memchr(p + 1, ':', (size_t)(end - p - 1));
        const char *stop = next ? next : end;
        if (parse_arg(a, p + 1, (size_t)(stop - p - 1), item, ilen, err) != LEDE_OK)
            return LEDE_ESYNTAX;
        p = next;
    }
    if (own != FACET_GRAIN_NONE) {
        if (a->grain != FACET_GRAIN_NONE)
            return lede_seterr_code(err, LEDE_ESYNTAX, "facet '%.*s': the %s histogram takes a "
                                    "count only (%s:N)", (int)ilen, item, grain_names[own],
                                    grain_names[own]);
        a->grain = own;
        a->histogram = 1;
    }
    return LEDE_OK;
}

int facets_parse(const char *text, facet_ask *out, unsigned *n, char *err) {
    *n = 0;
    size_t len = strlen(text);
    if (len == 0)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facets= names no facet (facets=NAME[:N],...)");
    if (len > FACETS_TEXT_MAX)
        return lede_seterr_code(err, LEDE_ESYNTAX, "facets= is over %d bytes", FACETS_TEXT_MAX);
    const char *p = text, *end = text + len;
    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (*n == FACETS_MAX)
            return lede_seterr_code(err, LEDE_ESYNTAX, "facets= asks for more than %d facets",
                                    FACETS_MAX);
        if (parse_item(&out[*n], p, (size_t)(stop - p), err) != LEDE_OK) return LEDE_ESYNTAX;
        (*n)++;
        if (!comma) break;
        p = comma + 1;
    }
    return LEDE_OK;
}
