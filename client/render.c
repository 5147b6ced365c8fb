/* render.c -- terminal and plain rendering of replies (see render.h),
 * a search's facets as tables after its hits.
 * Never touches the connection; knows nothing of the engine. */
#define _GNU_SOURCE
#include "render.h"
#include "../src/protocol.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define BOLD "\033[1m"
#define DIM "\033[2m"
#define MATCH "\033[1;33m"
#define RESET "\033[0m"

void hitlist_free(hitlist *h) {
    for (int i = 0; i < h->n; i++) free(h->ids[i]);
    free(h->ids);
    free(h->did_you_mean);
    memset(h, 0, sizeof *h);
}

/* Splits a TAB-separated line in place, unescaping each field. */
static int split(char *line, char **fields, int max) {
    int n = 0;
    char *p = line;
    while (n < max) {
        fields[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = '\0';
        p = tab + 1;
    }
    for (int i = 0; i < n; i++) proto_unescape(fields[i]);
    return n;
}

#define SNIPPET_INDENT 5

/* Columns a snippet word takes: its code points, markers not counted. */
static int word_width(const char *w, size_t n) {
    int cols = 0;
    for (size_t i = 0; i < n; i++)
        cols += w[i] != '\x01' && w[i] != '\x02' && ((unsigned char)w[i] & 0xC0) != 0x80;
    return cols;
}

/* Snippet on one paragraph (newlines become spaces), markers as colour;
 * wrapped under its indent when width is set (a terminal). */
static void print_snippet(FILE *f, const render_style *v, const char *s) {
    int col = SNIPPET_INDENT;
    fprintf(f, "%*s", SNIPPET_INDENT, "");
    while (*s) {
        size_t gap = strspn(s, " \n");
        size_t len = strcspn(s + gap, " \n");
        const char *w = s + gap;
        int ww = word_width(w, len);
        if (v->width && col > SNIPPET_INDENT && col + (gap ? 1 : 0) + ww > v->width - 1) {
            fprintf(f, "\n%*s", SNIPPET_INDENT, "");
            col = SNIPPET_INDENT;
        } else if (gap) {
            if (v->width) fputc(' ', f), col++;
            else for (size_t i = 0; i < gap; i++) fputc(' ', f);
        }
        for (size_t i = 0; i < len; i++) {
            if (w[i] == '\x01') { if (v->color) fputs(MATCH, f); }
            else if (w[i] == '\x02') { if (v->color) fputs(RESET, f); }
            else fputc(w[i], f);
        }
        col += ww;
        s = w + len;
    }
    fputc('\n', f);
}

int render_terminal_width(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *env = getenv("COLUMNS");
    int cols = env ? atoi(env) : 0;
    return cols > 0 ? cols : 80;
}

static const char *field_of(const char *status, const char *key) {
    const char *p = strstr(status, key);
    return p ? p + strlen(key) : NULL;
}

/* The value of key=... among a FACET line's fields, or "". */
static const char *facet_field(char **fld, int n, const char *key) {
    size_t kl = strlen(key);
    for (int i = 2; i < n; i++)
        if (!strncmp(fld[i], key, kl) && fld[i][kl] == '=') return fld[i] + kl + 1;
    return "";
}

/* Code points of a UTF-8 string: its width on a terminal, near enough. */
static int text_width(const char *s) {
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

#define FACET_BAR 24       /* a bar's width at the facet's largest count */
#define FACET_VALUE_MAX 32 /* value column's widest */

/* The VALUE lines lines[from..to) of one facet as rows: value, count and,
 * on a terminal, a bar. */
static void render_facet_values(FILE *f, int color, const reply *r, int from, int to) {
    unsigned long long top = 1;
    int width = 5;
    for (int i = from; i < to; i++) {
        char *copy = lede_strdup(r->lines[i]), *fld[3];
        if (split(copy, fld, 3) == 3) {
            unsigned long long c = strtoull(fld[2], NULL, 10);
            if (c > top) top = c;
            int w = text_width(fld[1]);
            if (w > width) width = w > FACET_VALUE_MAX ? FACET_VALUE_MAX : w;
        }
        free(copy);
    }
    for (int i = from; i < to; i++) {
        char *copy = lede_strdup(r->lines[i]), *fld[3];
        if (split(copy, fld, 3) == 3) {
            unsigned long long c = strtoull(fld[2], NULL, 10);
            int pad = width - text_width(fld[1]);
            fprintf(f, "  %s%*s  %8llu", fld[1], pad > 0 ? pad : 0, "", c);
            if (color) {
                fputs("  " DIM, f);
                for (unsigned long long b = 0; b < (c * FACET_BAR + top - 1) / top; b++)
                    fputs("\u2588", f);
                fputs(RESET, f);
            }
            fputc('\n', f);
        }
        free(copy);
    }
}

/* The FACET lines of a SEARCH reply, each with its values, as tables. */
static void render_facets(FILE *f, int color, const reply *r) {
    for (int i = 1; i < r->n; i++) {
        if (strncmp(r->lines[i], "FACET\t", 6)) continue;
        char *copy = lede_strdup(r->lines[i]), *fld[8];
        int n = split(copy, fld, 8);
        int end = i + 1;
        while (end < r->n && !strncmp(r->lines[end], "VALUE\t", 6)) end++;
        int estimated = !strcmp(facet_field(fld, n, "estimated"), "1");
        fprintf(f, "\n%s%s%s  %s%s values, %s%s matches counted%s\n", color ? BOLD : "", fld[1],
                color ? RESET : "", color ? DIM : "", facet_field(fld, n, "distinct"),
                facet_field(fld, n, "seen"), estimated ? " (estimated: counts scaled)" : "",
                color ? RESET : "");
        render_facet_values(f, color, r, i + 1, end);
        free(copy);
        i = end - 1;
    }
}

/* A hit's key=value fields after its snippet (PROTOCOL.md): similar=N
 * (collapse=), dup=1 (SIMILAR dups=show). */
static void print_hit_flags(FILE *f, char **fld, int n) {
    for (int i = 0; i < n; i++) {
        if (!strncmp(fld[i], "similar=", 8) && strcmp(fld[i] + 8, "0"))
            fprintf(f, "  +%s similar", fld[i] + 8);
        else if (!strcmp(fld[i], "dup=1"))
            fputs("  near-duplicate", f);
    }
}

/* "12 results", or an estimate with the bounds the server gave:
 * "about 140 results (between 100 and 175)". */
static void print_total(FILE *f, int color, const char *status, unsigned long long total,
                        int exact) {
    const char *lo = field_of(status, " total_min="), *hi = field_of(status, " total_max=");
    fprintf(f, "%s%s%llu result%s", color ? DIM : "", exact ? "" : "about ", total,
            total == 1 ? "" : "s");
    if (!exact && lo && hi)
        fprintf(f, " (between %llu and %llu)", strtoull(lo, NULL, 10), strtoull(hi, NULL, 10));
    fprintf(f, "%s\n", color ? RESET : "");
}

int render_search(FILE *f, const render_style *v, const reply *r, hitlist *hits) {
    int color = v->color;
    const char *status = r->lines[0];
    const char *t = field_of(status, " total="), *e = field_of(status, " exact=");
    unsigned long long total = t ? strtoull(t, NULL, 10) : 0;
    int exact = e ? *e == '1' : 1, shown = 0;
    if (hits) {
        hits->total = total;
        hits->exact = exact;
    }
    for (int i = 1; i < r->n; i++) {
        char *copy = lede_strdup(r->lines[i]), *fld[10];
        int n = split(copy, fld, 10);
        if (!strcmp(fld[0], "DIDYOUMEAN") && n >= 2) {
            fprintf(f, "%sDid you mean:%s %s\n\n", color ? BOLD : "", color ? RESET : "", fld[1]);
            if (hits) {
                free(hits->did_you_mean);
                hits->did_you_mean = lede_strdup(fld[1]);
            }
        } else if (!strcmp(fld[0], "HINT") && n >= 3) {
            fprintf(f, "%sNote:%s %s\n\n", color ? BOLD : "", color ? RESET : "", fld[2]);
        } else if (!strcmp(fld[0], "HIT") && n >= 7) {
            fprintf(f, "%3s. %s%s%s\n", fld[1], color ? BOLD : "", fld[5], color ? RESET : "");
            fprintf(f, "     %s%s  %.10s  score %s", color ? DIM : "", fld[2],
                    strcmp(fld[4], "-") ? fld[4] : "undated", fld[3]);
            print_hit_flags(f, fld + 7, n - 7);
            fprintf(f, "%s\n", color ? RESET : "");
            if (*fld[6]) print_snippet(f, v, fld[6]);
            fputc('\n', f);
            if (hits) {
                hits->ids = lede_realloc(hits->ids, sizeof(char *) * (size_t)(hits->n + 1));
                hits->ids[hits->n++] = lede_strdup(fld[2]);
            }
            shown++;
        }
        free(copy);
    }
    if (strstr(status, "retried=any"))
        fprintf(f, "(no article has all the words; these have some of them)\n");
    print_total(f, color, status, total, exact);
    /* the server's cap on limit=, said where it hid hits */
    const char *asked = field_of(status, " limit_asked="), *limit = field_of(status, " limit=");
    const char *offset = field_of(status, " offset=");
    if (asked && limit && offset &&
        total > strtoull(offset, NULL, 10) + strtoull(limit, NULL, 10))
        fprintf(f, "(--limit %llu: the server shows at most %llu a page; --offset pages on)\n",
                strtoull(asked, NULL, 10), strtoull(limit, NULL, 10));
    render_facets(f, color, r);
    return shown;
}

/* body without the byte ranges of marks ("START-END,...", GET's
 * boilerplate line), each run of blank lines left as one; returns how many
 * ranges were taken out. */
static int print_unmarked(FILE *f, const char *body, const char *marks) {
    sbuf kept;
    sbuf_init(&kept);
    size_t len = strlen(body), at = 0;
    int n = 0;
    for (const char *m = marks; *m;) {
        char *end;
        unsigned long long s = strtoull(m, &end, 10), e;
        if (*end != '-') break;
        e = strtoull(end + 1, &end, 10);
        if (s < at || e < s || e > len) break;
        sbuf_append(&kept, body + at, s - at);
        at = e;
        n++;
        m = *end == ',' ? end + 1 : end;
    }
    sbuf_puts(&kept, body + at);
    while (kept.len && kept.data[kept.len - 1] == '\n') kept.len--;
    int newlines = 0;
    for (size_t i = 0; i < kept.len; i++) {
        newlines = kept.data[i] == '\n' ? newlines + 1 : 0;
        if (newlines <= 2) fputc(kept.data[i], f);
    }
    fputc('\n', f);
    sbuf_free(&kept);
    return n;
}

void render_article(FILE *f, const render_style *v, const reply *r) {
    int color = v->color;
    const char *standfirst = "", *body = "", *marks = "";
    char *copies[32];
    int nc = 0;
    for (int i = 1; i < r->n && nc < 32; i++) {
        char *copy = copies[nc++] = lede_strdup(r->lines[i]), *fld[2];
        if (split(copy, fld, 2) < 2) continue;
        if (!strcmp(fld[0], "title")) fprintf(f, "%s%s%s\n", color ? BOLD : "", fld[1], color ? RESET : "");
        else if (!strcmp(fld[0], "standfirst")) standfirst = fld[1];
        else if (!strcmp(fld[0], "body")) body = fld[1];
        else if (!strcmp(fld[0], "boilerplate")) marks = fld[1];
        else fprintf(f, "%s%s: %s%s\n", color ? DIM : "", fld[0], fld[1], color ? RESET : "");
    }
    /* a blank line before each part there is, none for a missing one */
    if (*standfirst) fprintf(f, "\n%s%s%s\n", color ? BOLD : "", standfirst, color ? RESET : "");
    if (*body && (v->raw || !*marks)) {
        fprintf(f, "\n%s\n", body);
    } else if (*body) {
        fputc('\n', f);
        int n = print_unmarked(f, body, marks);
        fprintf(f, "%s(%d boilerplate line%s left out: get --raw shows them)%s\n", color ? DIM : "",
                n, n == 1 ? "" : "s", color ? RESET : "");
    }
    for (int i = 0; i < nc; i++) free(copies[i]);
}

void render_lines(FILE *f, const reply *r) {
    for (int i = 1; i < r->n; i++) {
        char *copy = lede_strdup(r->lines[i]), *fld[2];
        int n = split(copy, fld, 2);
        if (n == 2) fprintf(f, "%s: %s\n", fld[0], fld[1]);
        else fprintf(f, "%s\n", fld[0]);
        free(copy);
    }
}
