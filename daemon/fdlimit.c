/* fdlimit.c -- RLIMIT_NOFILE fitted to --max-connections (see fdlimit.h).
 * Owns the process's file-descriptor limit; must not open anything. */
#define _GNU_SOURCE
#include "fdlimit.h"
#include "log.h"

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
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
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
