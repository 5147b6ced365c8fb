/* qsyntax.c -- query string checks before parsing (see qsyntax.h).  Works
 * on a simple tokenisation: quoted phrases, parentheses and white-space
 * separated words; operators are the upper-case words Xapian treats as
 * boolean operators.  Pure: no I/O; knows nothing of Xapian or the
 * index. */
#include "qsyntax.h"
#include "util.h"

#include <ctype.h>
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

typedef struct {
    int prev_operand;     /* the previous token can end an expression */
    int prev_excluded;    /* ... and it was an excluded word (-word) */
    int after_near;       /* the previous token was NEAR or ADJ */
    const char *op;       /* pending operator that needs a right side */
    size_t oplen, opcol;
    int wanted;           /* a word or phrase that must be there, or NOT */
    const char *excluded; /* the first excluded word, for the message */
    size_t excluded_len;
} qstate;

static int operand(qstate *s) {
    s->prev_operand = 1;
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
            p = close + 1;
            operand(&s);
            s.wanted = 1;
            continue;
        }
        if (*p == '(') {
            if (depth++ == 0) open_col = col;
            p++;
            s.prev_operand = 0;
            continue;
        }
        if (*p == ')') {
            if (--depth < 0)
                return lede_seterr(err, "unbalanced parenthesis: ')' at column %zu closes nothing", col);
            if (s.op)
                return lede_seterr(err, "operator '%.*s' at column %zu has nothing on its right",
                                   (int)s.oplen, s.op, s.opcol);
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
        if (word(&s, start, (size_t)(p - start), col, err) != LEDE_OK) return LEDE_ERR;
    }
    if (depth > 0)
        return lede_seterr(err, "unbalanced parenthesis: '(' at column %zu is not closed", open_col);
    if (s.op)
        return lede_seterr(err, "operator '%.*s' at column %zu has nothing on its right",
                           (int)s.oplen, s.op, s.opcol);
    if (!s.prev_operand && !s.op) {
        /* Nothing but white space (or empty parentheses). */
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
