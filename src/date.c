/* date.c -- parsing and formatting of article dates (see date.h).  The
 * calendar arithmetic is the usual era-based civil-from-days algorithm, so
 * no timegm() or TZ environment is involved.  Pure: no I/O, never reads
 * the clock. */
#include "date.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t date_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return 0;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

static int valid_ymd(int y, int m, int d) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return 1;
}

/* [+-]HH[:]MM or Z or UTC/GMT; sets seconds east of UTC. */
static int parse_zone(const char **p, int *offset) {
    const char *s = *p;
    *offset = 0;
    if (*s == 'Z' || *s == 'z') { *p = s + 1; return 1; }
    if (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3)) {
        *p = s + 3;
        return 1;
    }
    if (*s != '+' && *s != '-') return 0;
    int sign = *s == '-' ? -1 : 1, hh, mm = 0;
    s++;
    if (!digits(&s, 2, &hh)) return 0;
    if (*s == ':') s++;
    if (isdigit((unsigned char)*s) && !digits(&s, 2, &mm)) return 0;
    if (hh > 23 || mm > 59) return 0;
    *offset = sign * (hh * 3600 + mm * 60);
    *p = s;
    return 1;
}

/* HH:MM[:SS[.frac]] */
static int parse_clock(const char **p, int *secs) {
    const char *s = *p;
    int hh, mm, ss = 0;
    if (!digits(&s, 2, &hh) || *s++ != ':' || !digits(&s, 2, &mm)) return 0;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &ss)) return 0;
        if (*s == '.' || *s == ',') {
            s++;
            while (isdigit((unsigned char)*s)) s++;
        }
    }
    if (hh > 24 || mm > 59 || ss > 60) return 0;
    *secs = hh * 3600 + mm * 60 + ss;
    *p = s;
    return 1;
}

static int at_end(const char *s) {
    while (isspace((unsigned char)*s)) s++;
    return *s == '\0';
}

static int parse_iso(const char *s, int64_t *out) {
    int y, m, d, secs = 0, offset = 0;
    if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &m) ||
        *s++ != '-' || !digits(&s, 2, &d) || !valid_ymd(y, m, d))
        return LEDE_ERR;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (!parse_clock(&s, &secs)) return LEDE_ERR;
        while (*s == ' ') s++;
        if (*s && !parse_zone(&s, &offset)) return LEDE_ERR;
    }
    if (!at_end(s)) return LEDE_ERR;
    *out = date_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + secs -
           offset;
    return LEDE_OK;
}

static int month_index(const char *s) {
    static const char *names[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (!strncasecmp(s, names[i], 3)) return i + 1;
    return 0;
}

/* RFC 2822: [Day, ] DD Mon YYYY [HH:MM[:SS] [zone]] */
static int parse_rfc2822(const char *s, int64_t *out) {
    const char *comma = strchr(s, ',');
    if (comma) s = comma + 1;
    while (*s == ' ') s++;
    int d = 0, y, secs = 0, offset = 0;
    while (isdigit((unsigned char)*s) && d < 100) d = d * 10 + (*s++ - '0');
    if (*s++ != ' ') return LEDE_ERR;
    int m = month_index(s);
    if (!m) return LEDE_ERR;
    while (isalpha((unsigned char)*s)) s++;
    if (*s++ != ' ' || !digits(&s, 4, &y) || !valid_ymd(y, m, d))
        return LEDE_ERR;
    while (*s == ' ') s++;
    if (*s && parse_clock(&s, &secs)) {
        while (*s == ' ') s++;
        if (*s && !parse_zone(&s, &offset)) return LEDE_ERR;
    }
    if (!at_end(s)) return LEDE_ERR;
    *out = date_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + secs -
           offset;
    return LEDE_OK;
}

int date_parse(const char *s, int64_t *out) {
    while (isspace((unsigned char)*s)) s++;
    if (parse_iso(s, out) == LEDE_OK) return LEDE_OK;
    return parse_rfc2822(s, out);
}

void date_format(int64_t t, char out[32]) {
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999) { /* by hand: replies format a date per hit */
        unsigned v[6] = {(unsigned)y, m, d, (unsigned)(rem / 3600),
                         (unsigned)(rem / 60 % 60), (unsigned)(rem % 60)};
        static const char sep[6] = {'-', '-', 'T', ':', ':', 'Z'};
        char *p = out;
        for (int i = 0; i < 6; i++) {
            if (i == 0) {
                *p++ = (char)('0' + v[0] / 1000);
                *p++ = (char)('0' + v[0] / 100 % 10);
            }
            *p++ = (char)('0' + v[i] / 10 % 10);
            *p++ = (char)('0' + v[i] % 10);
            *p++ = sep[i];
        }
        *p = '\0';
        return;
    }
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m,
             d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    snprintf(out, 32, "%.31s", tmp);
}

/* How many leading parts of YYYY[-MM[-DD]] s is exactly (0: none of these
 * forms, e.g. a full time). */
static int date_parts(const char *s, int *y, int *m, int *d) {
    char tail;
    *y = *m = *d = 0;
    if (sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) == 3) return 3;
    if (sscanf(s, "%4d-%2d%c", y, m, &tail) == 2) return 2;
    if (sscanf(s, "%4d%c", y, &tail) == 1) return 1;
    return 0;
}

int date_range_bound(const char *s, int end, int64_t *out) {
    int y, m, d;
    int parts = date_parts(s, &y, &m, &d);
    if (!parts) return date_parse(s, out);
    char ymd[32];
    int64_t t;
    snprintf(ymd, sizeof ymd, "%04d-%02d-%02d", y, m, d);
    /* month 1 to 12 when given, a day its month has (date_parse checks) */
    if (y < 1 || (parts >= 2 && (m < 1 || m > 12)) || (parts == 3 && date_parse(ymd, &t) != LEDE_OK))
        return LEDE_ERR;
    unsigned first_month = m ? (unsigned)m : 1, last_month = m ? (unsigned)m : 12;
    if (!end) {
        *out = date_days_from_civil(y, first_month, d ? (unsigned)d : 1) * 86400;
        return LEDE_OK;
    }
    /* the start of the next day, month or year, minus a second */
    int64_t next = d ? date_days_from_civil(y, last_month, (unsigned)d) + 1
                 : last_month == 12 ? date_days_from_civil(y + 1, 1, 1)
                                    : date_days_from_civil(y, last_month + 1, 1);
    *out = next * 86400 - 1;
    return LEDE_OK;
}
