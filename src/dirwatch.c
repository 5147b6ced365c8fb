/* dirwatch.c -- change detection on a few directories through inotify
 * (see dirwatch.h).  One inotify instance per watch, non-blocking; a set
 * replaces the instance whole, so no event of an old directory lingers.
 * Reads only inotify events: opens no watched file and knows nothing of
 * the index layout. */
#define _GNU_SOURCE
#include "dirwatch.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Files created, deleted or renamed in a directory, and the directory's
 * own end; IN_Q_OVERFLOW and IN_IGNORED are always reported too.  None of
 * these is an event on the files themselves, so reading them stays on the
 * kernel's fast path (see dirwatch.h). */
#define DIRWATCH_ENTRIES                                                         \
    (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
/* ... and writes to the files in it. */
#define DIRWATCH_ALL (DIRWATCH_ENTRIES | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB)
/* Events after which a directory is no longer watched as it was. */
#define DIRWATCH_LOST (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)

struct dirwatch {
    int fd; /* -1: not watching, every call says DIRWATCH_BROKEN */
};

/* File systems whose changes by other machines inotify does not see
 * (magic numbers of statfs(2)). */
static int dirwatch_remote(const char *dir) {
    static const unsigned long remote[] = {
        0x6969,     /* NFS */
        0x517B,     /* SMB */
        0xFF534D42, /* CIFS */
        0xFE534D42, /* SMB2 */
        0x65735546, /* FUSE (sshfs, s3fs, ...) */
        0x00C36400, /* Ceph */
        0x01021997, /* 9P */
        0x5346414F, /* AFS */
        0x73757245, /* Coda */
        0x01161970, /* GFS2 */
        0x7461636F, /* OCFS2 */
        0x0BD00BD0, /* Lustre */
    };
    struct statfs fs;
    if (statfs(dir, &fs) != 0) return 0; /* inotify_add_watch will say */
    for (size_t i = 0; i < sizeof remote / sizeof *remote; i++)
        if ((unsigned long)fs.f_type == remote[i]) return 1;
    return 0;
}

/* True when dir's absolute path has no symbolic link on the way. */
static int dirwatch_direct(const char *dir) {
    char real[PATH_MAX], cwd[PATH_MAX], abs[2 * PATH_MAX + 2];
    if (!realpath(dir, real)) return 1; /* gone: inotify_add_watch will say */
    if (dir[0] == '/') snprintf(abs, sizeof abs, "%s", dir);
    else if (getcwd(cwd, sizeof cwd)) snprintf(abs, sizeof abs, "%s/%s", cwd, dir);
    else return 0;
    char norm[2 * PATH_MAX + 2]; /* abs without "." parts, doubled and trailing '/' */
    size_t n = 0;
    for (const char *p = abs; *p;) {
        while (*p == '/') p++;
        const char *e = strchrnul(p, '/');
        if (e > p && !(e - p == 1 && p[0] == '.')) {
            norm[n++] = '/';
            memcpy(norm + n, p, (size_t)(e - p));
            n += (size_t)(e - p);
        }
        p = e;
    }
    norm[n] = 0;
    return strcmp(norm[0] ? norm : "/", real) == 0; /* ".." counts as a detour */
}

static int dirwatch_fail(dirwatch *d, int code, char *err, const char *fmt, const char *dir,
                         const char *why) {
    if (d->fd >= 0) close(d->fd);
    d->fd = -1;
    return lede_seterr_code(err, code, fmt, dir, why);
}

int dirwatch_set(dirwatch **w, const char *const *dirs, int n, char *err) {
    if (!*w) {
        *w = lede_calloc(1, sizeof **w);
        (*w)->fd = -1;
    }
    dirwatch *d = *w;
    if (d->fd >= 0) close(d->fd);
    d->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d->fd < 0) return dirwatch_fail(d, LEDE_ELIMIT, err, "inotify%s: %s", "", strerror(errno));
    for (int i = 0; i < n; i++) {
        if (!dirwatch_direct(dirs[i]))
            return dirwatch_fail(d, LEDE_ELIMIT, err, "%s: %s", dirs[i], "reached through a symbolic link");
        if (dirwatch_remote(dirs[i]))
            return dirwatch_fail(d, LEDE_ELIMIT, err, "%s: %s", dirs[i], "on a network file system");
        if (inotify_add_watch(d->fd, dirs[i], i == 0 ? DIRWATCH_ALL : DIRWATCH_ENTRIES) < 0)
            return dirwatch_fail(d, LEDE_ERR, err, "inotify on %s: %s", dirs[i], strerror(errno));
    }
    return LEDE_OK;
}

int dirwatch_changed(dirwatch *w) {
    if (!w || w->fd < 0) return DIRWATCH_BROKEN;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int answer = DIRWATCH_QUIET;
    for (;;) {
        ssize_t k = read(w->fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EAGAIN) return answer;
        if (k <= 0) return DIRWATCH_BROKEN;
        if (answer == DIRWATCH_QUIET) answer = DIRWATCH_CHANGED;
        for (ssize_t at = 0; at + (ssize_t)sizeof(struct inotify_event) <= k;) {
            const struct inotify_event *e = (const struct inotify_event *)(buf + at);
            if (e->mask & DIRWATCH_LOST) answer = DIRWATCH_BROKEN;
            at += (ssize_t)sizeof *e + e->len;
        }
    }
}

void dirwatch_free(dirwatch *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    free(w);
}
