/* fdlimit.c -- RLIMIT_NOFILE fitted to --max-connections (see fdlimit.h).
 * Owns the process's file-descriptor limit; must not open anything. */
#define _GNU_SOURCE
#include "fdlimit.h"
#include "log.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

/* What leded's own files take, beside its connections. */
static rlim_t fdlimit_own(const server_config *cfg) {
    int readers = cfg->workers + (cfg->ingest_token ? 1 : 0);
    return (rlim_t)FDLIMIT_BASE + (rlim_t)readers * FDLIMIT_PER_READER;
}

int fdlimit_fit(server_config *cfg) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        log_msg(LOG_LEVEL_WARN, "cannot read the file-descriptor limit: %s", strerror(errno));
        return 0;
    }
    rlim_t own = fdlimit_own(cfg), need = own + (rlim_t)cfg->max_connections;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            log_msg(LOG_LEVEL_WARN, "cannot raise the file-descriptor limit from %llu to %llu: %s",
                    (unsigned long long)was, (unsigned long long)rl.rlim_cur, strerror(errno));
            rl.rlim_cur = was;
        } else {
            log_msg(LOG_LEVEL_INFO, "file-descriptor limit raised from %llu to %llu",
                    (unsigned long long)was, (unsigned long long)rl.rlim_cur);
        }
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need) return 0;
    if (rl.rlim_cur <= own) {
        log_msg(LOG_LEVEL_ERROR, "the file-descriptor limit is %llu (hard limit %llu) but leded "
                "needs about %llu for itself and %d connection(s): raise it (ulimit -n, or "
                "LimitNOFILE= in its systemd unit)", (unsigned long long)rl.rlim_cur,
                (unsigned long long)rl.rlim_max, (unsigned long long)own, cfg->max_connections);
        return -1;
    }
    int can = (int)(rl.rlim_cur - own);
    log_msg(LOG_LEVEL_WARN, "the file-descriptor limit is %llu (hard limit %llu): leded can hold "
            "%d connection(s), not the %d of --max-connections, and refuses the others with "
            "ERR LIMIT; raise the limit (ulimit -n %llu, or LimitNOFILE=%llu in its systemd unit)",
            (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max, can,
            cfg->max_connections, (unsigned long long)need, (unsigned long long)need);
    cfg->max_connections = can;
    return 0;
}

/* The descriptors open now (-1: unknown), /proc's own left out. */
static long fdlimit_open_now(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1;
}

int fdlimit_refit(server_config *cfg) {
    long open = fdlimit_open_now();
    struct rlimit rl;
    if (open < 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
    rlim_t own = (rlim_t)open + FDLIMIT_BASE, need = own + (rlim_t)cfg->max_connections;
    if (rl.rlim_cur >= need) return 0;
    rlim_t was = rl.rlim_cur;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    if (rl.rlim_cur > was && setrlimit(RLIMIT_NOFILE, &rl) == 0) {
        log_msg(LOG_LEVEL_INFO, "file-descriptor limit raised from %llu to %llu: the index "
                "holds %ld open", (unsigned long long)was, (unsigned long long)rl.rlim_cur, open);
    } else {
        rl.rlim_cur = was;
    }
    if (rl.rlim_cur >= need) return 0;
    if (rl.rlim_cur <= own) {
        log_msg(LOG_LEVEL_ERROR, "the file-descriptor limit is %llu (hard limit %llu) but leded "
                "holds %ld open already (its index) and needs about %llu for itself: raise it "
                "(ulimit -n, or LimitNOFILE= in its systemd unit)", (unsigned long long)rl.rlim_cur,
                (unsigned long long)rl.rlim_max, open, (unsigned long long)own);
        return -1;
    }
    int can = (int)(rl.rlim_cur - own);
    log_msg(LOG_LEVEL_WARN, "the file-descriptor limit is %llu (hard limit %llu) and leded's "
            "index holds %ld open: leded can hold %d connection(s), not %d, and refuses the "
            "others with ERR LIMIT; raise the limit (ulimit -n %llu, or LimitNOFILE=%llu in its "
            "systemd unit)", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
            open, can, cfg->max_connections, (unsigned long long)need, (unsigned long long)need);
    cfg->max_connections = can;
    return 0;
}
