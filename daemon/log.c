/* log.c -- leded's log lines (see log.h).  Owns the level and the line's
 * format; must not touch server state.  The line is written under stderr's
 * stream lock, so lines of the loop and of the ingest writer never mix. */
#define _GNU_SOURCE
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static const char *const log_level_names[] = {"error", "warn", "info", "debug"};

static int log_level = LOG_LEVEL_INFO;

void log_set_level(int level) {
    log_level = level;
}

int log_get_level(void) {
    return log_level;
}

static void log_line(int level, const char *suffix, const char *fmt, va_list ap) {
    if (level < 0) level = LOG_LEVEL_INFO;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    flockfile(stderr);
    fprintf(stderr, "leded: %s %s ", when, log_level_names[level]);
    vfprintf(stderr, fmt, ap);
    fputs(suffix, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void log_msg(int level, const char *fmt, ...) {
    if (level > log_level) return;
    va_list ap;
    va_start(ap, fmt);
    log_line(level, "", fmt, ap);
    va_end(ap);
}

void log_limited(log_limit *l, int level, const char *fmt, ...) {
    if (level > log_level) return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (l->window_start == 0 || now - l->window_start >= LOG_LIMIT_WINDOW) {
        l->window_start = now;
        l->printed = 0;
    }
    if (l->printed > LOG_LIMIT_BURST) {
        l->dropped++;
        return;
    }
    char suffix[120] = "";
    if (l->printed == LOG_LIMIT_BURST)
        snprintf(suffix, sizeof suffix, " (more lines like this one are left out for up to %.0f s)",
                 LOG_LIMIT_WINDOW);
    else if (l->dropped)
        snprintf(suffix, sizeof suffix, " (%lu lines like this one were left out before it)", l->dropped);
    if (l->printed < LOG_LIMIT_BURST) l->dropped = 0;
    l->printed++;
    va_list ap;
    va_start(ap, fmt);
    log_line(level, suffix, fmt, ap);
    va_end(ap);
}
