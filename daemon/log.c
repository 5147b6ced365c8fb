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

void log_msg(int level, const char *fmt, ...) {
    if (level > log_level) return;
    if (level < 0) level = LOG_LEVEL_INFO;
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    flockfile(stderr);
    fprintf(stderr, "leded: %s %s ", when, log_level_names[level]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    va_end(ap);
}
