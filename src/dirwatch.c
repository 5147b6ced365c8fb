/* dirwatch.c -- change detection on a few directories through inotify
 * (see dirwatch.h).  One inotify instance per watch, non-blocking; a set
 * replaces the instance whole, so no event of an old directory lingers. */
#include "dirwatch.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

/* What writers do to a database directory; IN_Q_OVERFLOW and the watch's
 * own end (IN_IGNORED) are always reported and count as changes too. */
#define DIRWATCH_EVENTS                                                          \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |          \
     IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct dirwatch {
    int fd; /* -1: not watching, every call reports a change */
};

int dirwatch_set(dirwatch **w, const char *const *dirs, int n, char *err) {
    if (!*w) *w = lede_calloc(1, sizeof **w);
    else if ((*w)->fd >= 0) close((*w)->fd);
    dirwatch *d = *w;
    d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d->fd < 0) return lede_seterr_code(err, LEDE_ELIMIT, "inotify: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        if (inotify_add_watch(d->fd, dirs[i], DIRWATCH_EVENTS) < 0) {
            int e = errno;
            close(d->fd);
            d->fd = -1;
            return lede_seterr(err, "inotify on %s: %s", dirs[i], strerror(e));
        }
    return LEDE_OK;
}

int dirwatch_changed(dirwatch *w) {
    if (!w || w->fd < 0) return 1;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    for (;;) {
        ssize_t k = read(w->fd, buf, sizeof buf);
        if (k > 0) {
            changed = 1;
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EAGAIN) return changed;
        return 1; /* an error: say changed and let the caller look */
    }
}

void dirwatch_free(dirwatch *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    free(w);
}
