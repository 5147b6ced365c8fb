/* qsyntax.c -- query string checks before parsing (see qsyntax.h).  Works
 * on a simple tokenisation: quoted phrases, parentheses and white-space
 * separated words; operators are the upper-case words Xapian treats as
 * boolean operators.  Pure: no I/O; knows nothing of Xapian or the
 * index. */
#include "qsyntax.h"
#include "date.h"
#include "util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_binary_op(const char *w, size_t n) {
    static const char *ops[] = {"AND", "OR", "XOR", "NEAR", "ADJ", NULL};
    for (int i = 0; ops[i]; i++)
        if (n == strlen(ops[i]) && !memcmp(w, ops[i], n)) return 1;
    /* NEAR/5, ADJ/3 (their distance is checked by near_distance) */
    if ((n >= 5 && !memcmp(w, "NEAR/", 5)) || (n >= 4 && !memcmp(w, "ADJ/", 4)))
        return 1;
    return 0;
}

/* NEAR/N and ADJ/N: N from 1 to QSYNTAX_MAX_DISTANCE, digits only.
 * Xapian would read "NEAR/-1" as a word and let a distance past 2^32
 * wrap around; both are mistakes worth saying. */
static int near_distance(const char *w, size_t n, size_t col, char *err) {
    const char *slash = memchr(w, '/', n);
    if (!slash) return LEDE_OK;
    const char *d = slash + 1, *end = w + n;
    unsigned long v = 0;
    int digits = 0;
    for (; d < end && isdigit((unsigned char)*d) && v <= QSYNTAX_MAX_DISTANCE; d++, digits++)
        v = v * 10 + (unsigned long)(*d - '0');
    if (!digits || d != end || v < 1 || v > QSYNTAX_MAX_DISTANCE)
        return lede_seterr(err, "'%.*s' at column %zu: the distance after %.*s/ is a number "
                           "from 1 to %d", (int)(n > 40 ? 40 : n), w, col, (int)(slash - w), w,
                           QSYNTAX_MAX_DISTANCE);
    return LEDE_OK;
}

static int is_not(const char *w, size_t n) {
    return n == 3 && !memcmp(w, "NOT", 3);
}

/* ---- field:value words ------------------------------------------------ */

#define SHOWN(n) ((int)((n) > 40 ? 40 : (n)))

/* Length of the name of one of lede's own fields (QUERY.md: title,
 * author, date, ...) that w begins with, a colon after it; 0 if none.
 * Only these: "http:" in a pasted URL, or a word the query's
 * normalisation cut at its colon, is no field to refuse. */
static size_t field_name(const char *w, size_t n) {
    static const char *const names[] = {"title", "headline", "lede", "standfirst", "body",
                                        "author", "id", "date", NULL};
    for (int i = 0; names[i]; i++) {
        size_t len = strlen(names[i]);
        if (len < n && w[len] == ':' && !memcmp(w, names[i], len)) return len;
    }
    return 0;
}

/* One end of a range read as a number (as_date 0) or as a date's first
 * or last second (as_date 1, end), in *v; 0 if it is not one. */
static int range_end(const char *s, size_t n, int as_date, int end, double *v) {
    char buf[64], *stop;
    int64_t t;
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!as_date) {
        *v = strtod(buf, &stop);
        return !*stop && stop != buf;
    }
    if (date_range_bound(buf, end, &t) != LEDE_OK) return 0;
    *v = (double)t;
    return 1;
}

/* date:LO..HI: LO not after HI (both read as dates; as numbers when both
 * are plain numbers, which orders years alike). */
static int range_order(const char *w, size_t n, const char *v, size_t vn, size_t col, char *err) {
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < vn && !dots; i++)
        if (v[i] == '.' && v[i + 1] == '.') dots = v + i;
    if (!dots) return LEDE_OK;
    size_t ln = (size_t)(dots - v), rn = vn - ln - 2;
    double lo, hi;
    int numbers = range_end(v, ln, 0, 0, &lo) && range_end(dots + 2, rn, 0, 1, &hi);
    int dates = !numbers && range_end(v, ln, 1, 0, &lo) && range_end(dots + 2, rn, 1, 1, &hi);
    if ((numbers || dates) && lo > hi)
        return lede_seterr(err, "'%.*s' at column %zu: the range ends before it begins (write the "
                           "smaller or older end first)", SHOWN(n), w, col);
    return LEDE_OK;
}

/* date:FROM..TO: each end given is a date, and FROM is not after TO.
 * Xapian would read anything else as a word and find nothing. */
static int date_value(const char *w, size_t n, const char *v, size_t vn, size_t col, char *err) {
    const char *dots = NULL;
    for (size_t i = 0; i + 1 < vn && !dots; i++)
        if (v[i] == '.' && v[i + 1] == '.') dots = v + i;
    if (!dots)
        return lede_seterr(err, "'%.*s' at column %zu: date: takes a range FROM..TO (YYYY, YYYY-MM "
                           "or YYYY-MM-DD; date:2024..2024 is the whole year)", SHOWN(n), w, col);
    size_t ln = (size_t)(dots - v), rn = vn - ln - 2;
    double lo, hi;
    if (!ln && !rn)
        return lede_seterr(err, "'%.*s' at column %zu: the date range has no dates", SHOWN(n), w, col);
    if ((ln && !range_end(v, ln, 1, 0, &lo)) || (rn && !range_end(dots + 2, rn, 1, 1, &hi)))
        return lede_seterr(err, "'%.*s' at column %zu: bad date in the range (each end YYYY, "
                           "YYYY-MM, YYYY-MM-DD or an ISO 8601 time)", SHOWN(n), w, col);
    return range_order(w, n, v, vn, col, err);
}

/* A word that names a field: a value after the colon (title: alone would
 * be searched as the word "title"), and date: a range of dates in order. */
static int field_word(const char *w, size_t n, const char *next, size_t col, char *err) {
    size_t sign = (w[0] == '+' || w[0] == '-') ? 1 : 0;
    size_t name = field_name(w + sign, n - sign);
    if (!name) return LEDE_OK;
    const char *v = w + sign + name + 1;
    size_t vn = n - sign - name - 1;
    if (!vn && (*next == '\0' || isspace((unsigned char)*next)))
        return lede_seterr(err, "'%.*s' at column %zu: nothing after the colon; write %.*sword or "
                           "%.*s\"a phrase\" (or drop the colon to search the word)", SHOWN(n), w,
                           col, SHOWN(n), w, SHOWN(n), w);
    /* a metadata field's values and ranges are field_query.cc's to check */
    if (name == 4 && !memcmp(w + sign, "date", 4) && vn) return date_value(w, n, v, vn, col, err);
    return LEDE_OK;
}

/* ---- the expression ---------------------------------------------------- */

typedef struct {
    int prev_operand;     /* the previous token can end an expression */
    int prev_excluded;    /* ... and it was an excluded word (-word) */
    int after_near;       /* the previous token was NEAR or ADJ */
    const char *op;       /* pending operator that needs a right side */
    size_t oplen, opcol;
    int wanted;           /* a word or phrase that must be there, or NOT */
    int just_opened;      /* the previous token was '(' */
    const char *excluded; /* the first excluded word, for the message */
    size_t excluded_len;
} qstate;

static int operand(qstate *s) {
    s->prev_operand = 1;
    s->just_opened = 0;
    s->prev_excluded = 0;
    s->after_near = 0;
    s->op = NULL;
    return LEDE_OK;
}

static int is_near(const char *w, size_t n) {
    return (n >= 4 && !memcmp(w, "NEAR", 4)) || (n >= 3 && !memcmp(w, "ADJ", 3));
}

/* "-a NEAR b": NEAR and ADJ find words near each other, and an excluded
 * word is near nothing.  Besides, Xapian 1.4's parser leaks memory on
 * "-a NEAR b c" (found by tests/fuzz/fuzz_query): refused here, it never
 * gets there. */
static int excluded_near(const char *op, size_t n, size_t col, char *err) {
    return lede_seterr(err, "'%.*s' at column %zu has an excluded word (-word) on one side: NEAR "
                       "and ADJ take words or phrases that must be there", (int)(n > 40 ? 40 : n),
                       op, col);
}

static int word(qstate *s, const char *w, size_t n, size_t col, char *err) {
    if (s->after_near && n > 1 && w[0] == '-')
        return excluded_near(s->op, s->oplen, s->opcol, err);
    s->just_opened = 0;
    if (is_binary_op(w, n)) {
        if (near_distance(w, n, col, err) != LEDE_OK) return LEDE_ERR;
        if (is_near(w, n) && s->prev_excluded) return excluded_near(w, n, col, err);
        if (!s->prev_operand)
            return lede_seterr(err, "operator '%.*s' at column %zu has nothing on its left",
                               (int)n, w, col);
        s->prev_operand = 0;
    } else if (!is_not(w, n)) {
        operand(s);
        s->prev_excluded = n > 1 && w[0] == '-';
        if (!s->prev_excluded) s->wanted = 1;
        else if (!s->excluded) s->excluded = w, s->excluded_len = n;
        return LEDE_OK;
    } else {
        s->wanted = 1; /* NOT alone is "everything but" */
    }
    s->after_near = is_near(w, n);
    s->op = w;
    s->oplen = n;
    s->opcol = col;
    return LEDE_OK;
}

int qsyntax_check(const char *q, char *err) {
    qstate s = {0};
    int depth = 0;
    size_t open_col = 0;
    const char *p = q;
    while (*p) {
        size_t col = (size_t)(p - q) + 1;
        if (isspace((unsigned char)*p)) { p++; continue; }
        if (*p == '"') {
            const char *close = strchr(p + 1, '"');
            if (!close)
                return lede_seterr(err, "unbalanced quote: the phrase opened at column %zu is not closed", col);
            /* an empty phrase is nothing to Xapian: not a word here either */
            int empty = strspn(p + 1, " \t\r\n\f\v") >= (size_t)(close - p - 1);
            p = close + 1;
            if (empty) continue;
            operand(&s);
            s.wanted = 1;
            continue;
        }
        if (*p == '(') {
            if (depth++ == 0) open_col = col;
            p++;
            s.prev_operand = 0;
            s.just_opened = 1;
            continue;
        }
        if (*p == ')') {
            if (--depth < 0)
                return lede_seterr(err, "unbalanced parenthesis: ')' at column %zu closes nothing", col);
            if (s.op)
                return lede_seterr(err, "operator '%.*s' at column %zu has nothing on its right",
                                   (int)s.oplen, s.op, s.opcol);
            if (s.just_opened)
                return lede_seterr(err, "empty parentheses: ')' at column %zu closes a group with "
                                   "nothing in it", col);
            p++;
            operand(&s);
            continue;
        }
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != '(' && *p != ')' && *p != '"') p++;
        /* Signs alone before a space or the end are nothing to Xapian's
         * parser ("- OR x" is an OR with nothing on its left), so nothing
         * here either; before ( or " they apply to what follows. */
        if (strspn(start, "+-") == (size_t)(p - start) && *p != '(' && *p != '"') continue;
        if (field_word(start, (size_t)(p - start), p, col, err) != LEDE_OK) return LEDE_ERR;
        if (word(&s, start, (size_t)(p - start), col, err) != LEDE_OK) return LEDE_ERR;
    }
    if (depth > 0)
        return lede_seterr(err, "unbalanced parenthesis: '(' at column %zu is not closed", open_col);
    if (s.op)
        return lede_seterr(err, "operator '%.*s' at column %zu has nothing on its right",
                           (int)s.oplen, s.op, s.opcol);
    if (!s.prev_operand && !s.op) {
        /* Nothing but white space (or empty phrases). */
        return lede_seterr(err, "empty query");
    }
    /* Xapian 1.4 reads a query of excluded words alone as those words:
     * "-said" would find what it excludes. */
    if (!s.wanted && s.excluded)
        return lede_seterr(err, "'%.*s': the query only excludes words; add a word to find, or "
                           "write NOT %.*s for every article without it",
                           (int)(s.excluded_len > 40 ? 40 : s.excluded_len), s.excluded,
                           (int)(s.excluded_len > 40 ? 39 : s.excluded_len - 1), s.excluded + 1);
    return LEDE_OK;
}
