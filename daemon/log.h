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

/* Lines any client can cause at will (a failed TLS handshake: plaintext
 * or garbage sent to a TLS port) would let it fill the log.  Such a kind
 * of line goes through a log_limit: at most LOG_LIMIT_BURST lines of it
 * in LOG_LIMIT_WINDOW seconds; the line past them says that more are
 * left out, and the first line of a later window how many were.  Each
 * log_limit is used by one thread (zeroed to start). */
#define LOG_LIMIT_BURST 10
#define LOG_LIMIT_WINDOW 60.0
typedef struct log_limit {
    double window_start;      /* monotonic seconds; 0: none yet */
    unsigned printed;         /* lines of this window */
    unsigned long dropped;    /* lines left out since the last printed */
} log_limit;
void log_limited(log_limit *l, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
