/* eval.c -- retrieval effectiveness measures and the files they are
 * computed from (see eval.h for the definitions and the file layouts). */
#define _GNU_SOURCE
#include "eval.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_judged(const void *a, const void *b) {
    return strcmp(((const eval_judged *)a)->doc, ((const eval_judged *)b)->doc);
}

void eval_sort_judged(eval_judged *j, size_t n) {
    if (n) qsort(j, n, sizeof *j, cmp_judged);
}

/* Index of doc in j, or -1. */
static long find_judged(const eval_judged *j, size_t n, const char *doc) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(doc, j[mid].doc);
        if (c == 0) return (long)mid;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return -1;
}

int eval_grade(const eval_judged *j, size_t n, const char *doc) {
    long i = find_judged(j, n, doc);
    return i < 0 || j[i].grade < 0 ? 0 : j[i].grade;
}

static size_t count_relevant(const eval_judged *j, size_t n) {
    size_t r = 0;
    for (size_t i = 0; i < n; i++) r += j[i].grade > 0;
    return r;
}

/* Calls fn(rank, grade, ctx) for ranks 1..min(n, k), with grade 0 for a
 * document already seen at a better rank. */
static void walk(const eval_judged *j, size_t nj, const char *const *ranked,
                 size_t n, size_t k, void (*fn)(size_t, int, void *), void *ctx) {
    char *seen = calloc(nj ? nj : 1, 1);
    if (!seen) abort();
    for (size_t r = 0; r < n && r < k; r++) {
        long i = find_judged(j, nj, ranked[r]);
        int grade = 0;
        if (i >= 0 && !seen[i]) {
            seen[i] = 1;
            grade = j[i].grade > 0 ? j[i].grade : 0;
        }
        fn(r + 1, grade, ctx);
    }
    free(seen);
}

static void add_dcg(size_t rank, int grade, void *ctx) {
    *(double *)ctx += grade / log2((double)rank + 1);
}

static int cmp_grade_desc(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x < y) - (x > y);
}

double eval_ndcg(const eval_judged *j, size_t nj, const char *const *ranked,
                 size_t n, size_t k) {
    int *grades = malloc((nj ? nj : 1) * sizeof *grades);
    if (!grades) abort();
    for (size_t i = 0; i < nj; i++) grades[i] = j[i].grade > 0 ? j[i].grade : 0;
    qsort(grades, nj, sizeof *grades, cmp_grade_desc);
    double ideal = 0, dcg = 0;
    for (size_t i = 0; i < nj && i < k; i++) ideal += grades[i] / log2((double)i + 2);
    free(grades);
    if (ideal <= 0) return 0;
    walk(j, nj, ranked, n, k, add_dcg, &dcg);
    return dcg / ideal;
}

typedef struct {
    size_t found;
    double sum_prec;
} ap_acc;

static void add_ap(size_t rank, int grade, void *ctx) {
    ap_acc *a = ctx;
    if (grade <= 0) return;
    a->found++;
    a->sum_prec += (double)a->found / (double)rank;
}

/* The relevant documents in the top k and their precisions summed, with
 * *rel the judged relevant ones (0: nothing is walked). */
static ap_acc relevant_in_top(const eval_judged *j, size_t nj, const char *const *ranked, size_t n,
                              size_t k, size_t *rel) {
    ap_acc a = {0, 0};
    *rel = count_relevant(j, nj);
    if (*rel) walk(j, nj, ranked, n, k, add_ap, &a);
    return a;
}

double eval_ap(const eval_judged *j, size_t nj, const char *const *ranked,
               size_t n, size_t k) {
    size_t rel;
    ap_acc a = relevant_in_top(j, nj, ranked, n, k, &rel);
    return rel ? a.sum_prec / (double)rel : 0;
}

double eval_recall(const eval_judged *j, size_t nj, const char *const *ranked,
                   size_t n, size_t k) {
    size_t rel;
    ap_acc a = relevant_in_top(j, nj, ranked, n, k, &rel);
    return rel ? (double)a.found / (double)rel : 0;
}

/* ---- files ---------------------------------------------------------------- */

typedef struct {
    char *qid, *doc;
    long num;          /* grade (qrels) or rank (run) */
    size_t line;       /* keeps the sort stable */
} record;

typedef struct {
    record *v;
    size_t n, cap;
} records;

static void records_free(records *rs) {
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->v[i].qid);
        free(rs->v[i].doc);
    }
    free(rs->v);
}

static int seterr(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_long(const char *s, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || errno) return 0;
    while (*end == ' ' || *end == '\r') end++;
    if (*end) return 0;
    *out = v;
    return 1;
}

/* Reads QID TAB DOC TAB NUMBER [TAB ...] lines; a bad number on the first
 * line is a header when header_ok. */
static int read_records(const char *path, int header_ok, records *rs,
                        char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) return seterr(err, errlen, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
        if (!len) continue;
        char *qid = line, *doc = strchr(qid, '\t'), *num = doc ? strchr(doc + 1, '\t') : NULL;
        if (!num) {
            rc = seterr(err, errlen, "%s:%zu: expected three tab-separated fields", path, lineno);
            break;
        }
        *doc++ = '\0';
        *num++ = '\0';
        char *rest = strchr(num, '\t');
        if (rest) *rest = '\0';
        long v;
        if (!parse_long(num, &v)) {
            if (lineno == 1 && header_ok) continue;
            rc = seterr(err, errlen, "%s:%zu: '%s' is not a number", path, lineno, num);
            break;
        }
        if (rs->n == rs->cap) {
            rs->cap = rs->cap ? rs->cap * 2 : 1024;
            rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
            if (!rs->v) abort();
        }
        rs->v[rs->n++] = (record){strdup(qid), strdup(doc), v, lineno};
    }
    if (!rc && ferror(f)) rc = seterr(err, errlen, "%s: read error", path);
    free(line);
    fclose(f);
    return rc;
}

/* By query, then by number (rank), then by line. */
static int cmp_record(const void *a, const void *b) {
    const record *x = a, *y = b;
    int c = strcmp(x->qid, y->qid);
    if (c) return c;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

int eval_files(const char *qrels_path, const char *run_path,
               eval_summary *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    records q = {0}, r = {0};
    int rc = read_records(qrels_path, 1, &q, err, errlen);
    if (!rc) rc = read_records(run_path, 0, &r, err, errlen);
    if (!rc) {
        qsort(q.v, q.n, sizeof *q.v, cmp_record);
        qsort(r.v, r.n, sizeof *r.v, cmp_record);
        eval_judged *j = malloc((q.n ? q.n : 1) * sizeof *j);
        const char **ranked = malloc((r.n ? r.n : 1) * sizeof *ranked);
        if (!j || !ranked) abort();
        size_t ri = 0;
        for (size_t qi = 0; qi < q.n;) {
            const char *qid = q.v[qi].qid;
            size_t nj = 0, n = 0;
            for (; qi < q.n && !strcmp(q.v[qi].qid, qid); qi++)
                j[nj++] = (eval_judged){q.v[qi].doc, (int)q.v[qi].num};
            while (ri < r.n && strcmp(r.v[ri].qid, qid) < 0) ri++;
            for (; ri < r.n && !strcmp(r.v[ri].qid, qid); ri++) ranked[n++] = r.v[ri].doc;
            if (!count_relevant(j, nj)) continue;
            eval_sort_judged(j, nj);
            out->queries++;
            out->unanswered += n == 0;
            out->ndcg10 += eval_ndcg(j, nj, ranked, n, 10);
            out->map1000 += eval_ap(j, nj, ranked, n, 1000);
            out->recall100 += eval_recall(j, nj, ranked, n, 100);
        }
        free(j);
        free(ranked);
        if (out->queries) {
            out->ndcg10 /= (double)out->queries;
            out->map1000 /= (double)out->queries;
            out->recall100 /= (double)out->queries;
        }
    }
    records_free(&q);
    records_free(&r);
    return rc;
}
