/* log.h -- leded's one log function: every line the daemon writes to
 * stderr while it runs goes through log_msg (the option errors of main.c,
 * printed before it runs, do not).  A line is "leded: TIME LEVEL message".
 * Owns the log level only; knows nothing of connections or threads, and
 * may be called from any thread (the loop, the ingest writer). */
#ifndef LEDE_DAEMON_LOG_H
#define LEDE_DAEMON_LOG_H

/* Levels, as --log-level numbers them. */
enum {
    LOG_LEVEL_ALWAYS = -1, /* always printed, labelled info (the listening
                              addresses, which scripts wait for) */
    LOG_LEVEL_ERROR = 0,
    LOG_LEVEL_WARN = 1,
    LOG_LEVEL_INFO = 2,
    LOG_LEVEL_DEBUG = 3
};

/* Lines above this level are dropped; set once at start-up. */
void log_set_level(int level);
int log_get_level(void);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
