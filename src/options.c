/* options.c -- the command-line parser shared by the three programs
 * (options.h): argv against a table of opt_spec, and --help from the same
 * table.  Owns option syntax, value checks and their messages.  Must not
 * know what an option means, check options against each other, print
 * anything but opt_help's text, or exit: errors go back as OPT_ERROR and a
 * message, and main decides. */
#include "options.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HELP_WIDTH 79 /* columns of --help */
#define NBSP "\x1f"    /* a space opt_help does not break lines at */
#define HELP_COLUMN 30 /* widest "  -x, --name METAVAR" before the text moves below */

static int takes_value(const opt_spec *s) {
    return s->kind >= OPT_STRING;
}

static int is_option(const opt_spec *s) {
    return s->kind != OPT_END && s->kind != OPT_HEADING;
}

/* How the user wrote it, for messages: "-n" or "--limit". */
static void spelled(char *out, size_t n, const opt_spec *s, int as_letter) {
    if (as_letter) snprintf(out, n, "-%c", s->letter);
    else snprintf(out, n, "--%s", s->name);
}

/* "(1 to 64)", "(at least 16)", "(more than 0, at most 3600)". */
static int out_of_range(const opt_spec *s, const char *opt, const char *v, char *err) {
    const char *low = s->flags & OPT_ABOVE_MIN ? "more than" : "at least";
    double max = s->max;
    if (max == 0 && s->kind == OPT_INT) max = INT_MAX;
    if (max == 0 && s->kind == OPT_UINT) max = UINT_MAX;
    if (max == 0)
        return lede_seterr(err, "%s: '%s' is out of range (%s %.15g)", opt, v, low, s->min);
    if (!(s->flags & OPT_ABOVE_MIN))
        return lede_seterr(err, "%s: '%s' is out of range (%.15g to %.15g)", opt, v, s->min, max);
    return lede_seterr(err, "%s: '%s' is out of range (%s %.15g, at most %.15g)", opt, v, low,
                       s->min, max);
}

static int in_range(const opt_spec *s, double v) {
    if (s->flags & OPT_ABOVE_MIN ? !(v > s->min) : !(v >= s->min)) return 0;
    return s->max == 0 || v <= s->max;
}

/* An optional '-', decimal digits, then (OPT_SIZE, OPT_SUFFIX) K, M or G.
 * 1 parsed, 0 not a number, -1 too large for the type.  A negative value
 * is parsed, for the range check to name it out of range. */
static int parse_integer(const opt_spec *s, const char *v, long long *out) {
    const char *p = v;
    int neg = 0;
    if (*p == '-') neg = 1, p++;
    if (*p < '0' || *p > '9') return 0;
    errno = 0;
    char *end;
    unsigned long long u = strtoull(p, &end, 10);
    int too_big = errno == ERANGE;
    if (*end && (s->kind == OPT_SIZE || (s->flags & OPT_SUFFIX))) {
        static const char units[] = "KMG";
        const char *at = strchr(units, *end >= 'a' ? *end - ('a' - 'A') : *end);
        if (!at) return 0;
        int shift = 10 * (int)(at - units + 1);
        if (u > (ULLONG_MAX >> shift)) too_big = 1;
        u <<= shift;
        end++;
    }
    if (*end) return 0;
    unsigned long long most = s->kind == OPT_INT ? INT_MAX : s->kind == OPT_UINT ? UINT_MAX
                            : SIZE_MAX < LLONG_MAX ? SIZE_MAX : LLONG_MAX;
    if (too_big || u > most) return -1;
    *out = neg ? -(long long)u : (long long)u;
    return 1;
}

/* Case-insensitive; -1 if none. */
static int choice_index(const opt_spec *s, const char *v) {
    for (int i = 0; s->choices[i]; i++)
        if (!strcasecmp(v, s->choices[i])) return i;
    return -1;
}

static void join_choices(const opt_spec *s, const char *sep, char *out, size_t n) {
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; s->choices[i] && len < n; i++)
        len += (size_t)snprintf(out + len, n - len, "%s%s", i ? sep : "", s->choices[i]);
}

/* Stores value v of option s (spelled opt). */
static int apply(const opt_spec *s, const char *opt, const char *v, char *err) {
    double d;
    long long ll;
    int r;
    switch (s->kind) {
    case OPT_FLAG: *(int *)s->dest = 1; return LEDE_OK;
    case OPT_SET: *(int *)s->dest = s->value; return LEDE_OK;
    case OPT_COUNT: ++*(int *)s->dest; return LEDE_OK;
    case OPT_STRING: *(const char **)s->dest = v; return LEDE_OK;
    case OPT_INT:
    case OPT_UINT:
    case OPT_SIZE:
        r = parse_integer(s, v, &ll);
        if (r == 0)
            return lede_seterr(err, "%s: '%s' is not %s", opt, v,
                               s->kind == OPT_SIZE || (s->flags & OPT_SUFFIX)
                                   ? "a size (N, or N with K, M or G)" : "a whole number");
        if (r < 0 || !in_range(s, (double)ll)) return out_of_range(s, opt, v, err);
        if (s->kind == OPT_INT) *(int *)s->dest = (int)ll;
        else if (s->kind == OPT_UINT) *(unsigned *)s->dest = (unsigned)ll;
        else *(size_t *)s->dest = (size_t)ll;
        return LEDE_OK;
    case OPT_DOUBLE: {
        char *end;
        errno = 0;
        d = strtod(v, &end);
        if (end == v || *end || (*v != '-' && *v != '.' && (*v < '0' || *v > '9')) || !isfinite(d))
            return lede_seterr(err, "%s: '%s' is not a number", opt, v);
        if (errno == ERANGE || !in_range(s, d)) return out_of_range(s, opt, v, err);
        *(double *)s->dest = d * (s->scale != 0 ? s->scale : 1);
        return LEDE_OK;
    }
    case OPT_ENUM:
        if ((r = choice_index(s, v)) < 0) {
            char list[256];
            join_choices(s, ", ", list, sizeof list);
            return lede_seterr(err, "%s: '%s' is not one of %s", opt, v, list);
        }
        *(int *)s->dest = r;
        return LEDE_OK;
    case OPT_CALL: {
        char why[LEDE_ERRLEN] = "";
        if (s->call(v, s->dest, why) == LEDE_OK) return LEDE_OK;
        return lede_seterr(err, "%s: '%s': %s", opt, v, why[0] ? why : "bad value");
    }
    default: return lede_seterr(err, "%s: not an option kind the parser knows", opt);
    }
}

static const opt_spec *find_letter(const opt_table *t, char c) {
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++)
        if (is_option(s) && s->letter && s->letter == c) return s;
    return NULL;
}

/* The exact name, else the one option the name begins; NULL with a
 * message if none or several. */
static const opt_spec *find_name(const opt_table *t, const char *name, size_t n, char *err) {
    const opt_spec *found = NULL;
    int matches = 0;
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++) {
        if (!is_option(s) || strncmp(s->name, name, n)) continue;
        if (!s->name[n]) return s;
        found = s;
        matches++;
    }
    if (matches == 1) return found;
    if (matches == 0) {
        lede_seterr(err, "unknown option '--%.*s'", (int)n, name);
        return NULL;
    }
    sbuf b;
    sbuf_init(&b);
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++)
        if (is_option(s) && !strncmp(s->name, name, n))
            sbuf_printf(&b, "%s--%s", b.len ? ", " : "", s->name);
    lede_seterr(err, "ambiguous option '--%.*s' (%s)", (int)n, name, b.data);
    sbuf_free(&b);
    return NULL;
}

static int apply_defaults(const opt_table *t, char *err) {
    char opt[80];
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++) {
        if (!is_option(s) || !s->def) continue;
        spelled(opt, sizeof opt, s, 0);
        char why[LEDE_ERRLEN];
        if (apply(s, opt, s->def, why) != LEDE_OK)
            return lede_seterr(err, "the default of %s is wrong: %s", opt, why);
    }
    return LEDE_OK;
}

/* --name, --name=VALUE, --name VALUE; *i moves past a value taken. */
static int long_option(const opt_table *t, int argc, char **argv, int *i, char *err) {
    const char *name = argv[*i] + 2;
    const char *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    const opt_spec *s = find_name(t, name, n, err);
    if (!s) return OPT_ERROR;
    char opt[80];
    spelled(opt, sizeof opt, s, 0);
    if (s->kind == OPT_HELP) return OPT_HELP_ASKED;
    const char *v = NULL;
    if (!takes_value(s)) {
        if (eq) return lede_seterr(err, "%s takes no value (got '%s')", opt, eq + 1), OPT_ERROR;
    } else if (eq) {
        v = eq + 1;
    } else if (*i + 1 < argc) {
        v = argv[++*i];
    } else {
        return lede_seterr(err, "%s needs a value (%s %s)", opt, opt,
                           s->metavar ? s->metavar : "VALUE"), OPT_ERROR;
    }
    return apply(s, opt, v, err) == LEDE_OK ? OPT_OK : OPT_ERROR;
}

/* -x, -xVALUE, -x VALUE, -abc (flags, the last may take a value). */
static int short_options(const opt_table *t, int argc, char **argv, int *i, char *err) {
    const char *word = argv[*i];
    for (const char *p = word + 1; *p; p++) {
        const opt_spec *s = find_letter(t, *p);
        if (!s) {
            if (p == word + 1 && !p[1]) lede_seterr(err, "unknown option '%s'", word);
            else lede_seterr(err, "unknown option '-%c' (in '%s')", *p, word);
            return OPT_ERROR;
        }
        char opt[8];
        spelled(opt, sizeof opt, s, 1);
        if (s->kind == OPT_HELP) return OPT_HELP_ASKED;
        if (!takes_value(s)) {
            if (apply(s, opt, NULL, err) != LEDE_OK) return OPT_ERROR;
            continue;
        }
        const char *v = p[1] ? p + 1 : NULL;
        if (!v && *i + 1 < argc) v = argv[++*i];
        if (!v)
            return lede_seterr(err, "%s needs a value (%s %s)", opt, opt,
                               s->metavar ? s->metavar : "VALUE"), OPT_ERROR;
        return apply(s, opt, v, err) == LEDE_OK ? OPT_OK : OPT_ERROR;
    }
    return OPT_OK;
}

/* With dash_words, once a word came: is this "-..." a word too? */
static int dash_word(const opt_table *t, const char *a, int nwords) {
    if (!t->dash_words || nwords == 0 || a[1] == '-') return 0;
    return a[2] != '\0' || !find_letter(t, a[1]);
}

int opt_parse(const opt_table *t, int argc, char **argv, int *nwords, char *err) {
    int n = 0, words_only = 0;
    *nwords = 0;
    if (apply_defaults(t, err) != LEDE_OK) return OPT_ERROR;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (words_only || a[0] != '-' || a[1] == '\0' || dash_word(t, a, n)) {
            argv[1 + n++] = a; /* 1 + n <= i: only slots already read are overwritten */
            continue;
        }
        if (!strcmp(a, "--")) {
            words_only = 1;
            continue;
        }
        int r = a[1] == '-' ? long_option(t, argc, argv, &i, err)
                            : short_options(t, argc, argv, &i, err);
        if (r != OPT_OK) return r;
    }
    if (argc > 0) argv[1 + n] = NULL;
    *nwords = n;
    return OPT_OK;
}

/* Writes text from column `col` (where the cursor is), wrapping at
 * HELP_WIDTH with continuation lines indented to `indent`. */
static void wrap(FILE *out, const char *text, int col, int indent) {
    const char *p = text;
    while (*p) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (col > indent && col + 1 + (int)len > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', out);
            col++;
        }
        for (size_t i = 0; i < len; i++) fputc(p[i] == NBSP[0] ? ' ' : p[i], out);
        col += (int)len;
        p += len;
    }
    fputc('\n', out);
}

static void left_part(const opt_spec *s, char *out, size_t n) {
    char choices[128] = "";
    const char *meta = s->metavar;
    if (s->kind == OPT_ENUM && !meta) {
        join_choices(s, "|", choices, sizeof choices);
        meta = choices;
    }
    if (s->letter) snprintf(out, n, "  -%c, --%s", s->letter, s->name);
    else snprintf(out, n, "      --%s", s->name);
    if (takes_value(s)) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, " %s", meta ? meta : "VALUE");
    }
}

void opt_help(FILE *out, const opt_table *t) {
    if (t->usage) fputs(t->usage, out);
    int column = 0;
    char left[256];
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++) {
        if (!is_option(s)) continue;
        left_part(s, left, sizeof left);
        int len = (int)strlen(left) + 2;
        if (len > column && len <= HELP_COLUMN) column = len;
    }
    for (const opt_spec *s = t->opts; s->kind != OPT_END; s++) {
        if (s->kind == OPT_HEADING) {
            fprintf(out, "\n%s\n", s->help);
            continue;
        }
        left_part(s, left, sizeof left);
        sbuf text;
        sbuf_init(&text);
        sbuf_puts(&text, s->help ? s->help : "");
        const char *def = s->def_note ? s->def_note : s->def;
        if (def) sbuf_printf(&text, " [default:" NBSP "%s]", def); /* kept with its value */
        fputs(left, out);
        int col = (int)strlen(left);
        if (col + 2 > column) {
            fprintf(out, "\n%*s", column, "");
        } else {
            fprintf(out, "%*s", column - col, "");
        }
        wrap(out, text.data, column, column);
        sbuf_free(&text);
    }
    if (t->epilog) fputs(t->epilog, out);
}
