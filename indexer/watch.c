/* watch.c -- inotify-driven incremental indexing (see watch.h).
 *
 * Events only name paths; what to do is decided later from the file's
 * state when the batch is processed: a path that exists is (re)indexed, a
 * path that is gone is deleted.  So the bursts of events editors and
 * copying tools make (write, rename to a backup, write again) settle into
 * the right final state, and a file written over several writes is
 * indexed once it is closed (IN_CLOSE_WRITE) or renamed into place
 * (IN_MOVED_TO), never on its first bytes.  A lost event queue
 * (IN_Q_OVERFLOW) falls back to walking every root again, which the file
 * records make cheap; so does a full disk once it has room again. */
#define _GNU_SOURCE
#include "watch.h"
#include "../src/source.h"
#include "../src/util.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
                    IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define SETTLE_MS 30          /* quiet time that ends a burst */
#define DRAIN_EVERY 64        /* files processed between reads of the queue */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

typedef struct dirwatch {
    char *path;               /* NULL: slot free */
    int root;                 /* index into roots */
} dirwatch;

typedef struct watcher {
    int fd;
    char *const *roots;
    dirwatch *dirs;           /* by watch descriptor */
    int ndirs;
    char **pending;           /* paths to look at */
    int npending, cap;
    int *pending_root;
    int rescan, dir_gone;
    const watch_ops *ops;
    void *ctx;
} watcher;

static void add_pending(watcher *w, const char *path, int root) {
    if (w->npending == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 256;
        w->pending = lede_realloc(w->pending, sizeof(char *) * (size_t)w->cap);
        w->pending_root = lede_realloc(w->pending_root, sizeof(int) * (size_t)w->cap);
    }
    w->pending[w->npending] = lede_strdup(path);
    w->pending_root[w->npending++] = root;
}

static int add_watch(watcher *w, const char *dir, int root);

/* Watches dir and every directory below it (hidden ones excepted). */
static int add_tree(watcher *w, const char *dir, int root) {
    if (add_watch(w, dir, root) != 0) return -1;
    DIR *d = opendir(dir);
    if (!d) return 0; /* gone already: its IN_DELETE will follow */
    struct dirent *e;
    while ((e = readdir(d))) {
        if (src_ignored_name(e->d_name)) continue; /* also "." and ".." */
        sbuf sub;
        sbuf_init(&sub);
        sbuf_printf(&sub, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(sub.data, &st) == 0 && S_ISDIR(st.st_mode)) add_tree(w, sub.data, root);
        sbuf_free(&sub);
    }
    closedir(d);
    return 0;
}

static int add_watch(watcher *w, const char *dir, int root) {
    int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
    if (wd < 0) {
        fprintf(stderr, "lede-index: cannot watch %s: %s\n", dir, strerror(errno));
        return errno == ENOSPC ? -1 : 0;
    }
    if (wd >= w->ndirs) {
        int n = wd + 64;
        w->dirs = lede_realloc(w->dirs, sizeof(dirwatch) * (size_t)n);
        memset(w->dirs + w->ndirs, 0, sizeof(dirwatch) * (size_t)(n - w->ndirs));
        w->ndirs = n;
    }
    free(w->dirs[wd].path);
    w->dirs[wd].path = lede_strdup(dir);
    w->dirs[wd].root = root;
    return 0;
}

/* A directory left the tree: its watches (which follow the inode, not
 * the name) must not report its files under their old paths. */
static void forget_tree(watcher *w, const char *dir) {
    size_t n = strlen(dir);
    for (int wd = 0; wd < w->ndirs; wd++) {
        char *p = w->dirs[wd].path;
        if (!p || strncmp(p, dir, n) || (p[n] && p[n] != '/')) continue;
        inotify_rm_watch(w->fd, wd);
        free(p);
        w->dirs[wd].path = NULL;
    }
}

static void on_event(watcher *w, const struct inotify_event *ev) {
    if (ev->mask & IN_Q_OVERFLOW) {
        w->rescan = 1;
        return;
    }
    if (ev->wd < 0 || ev->wd >= w->ndirs || !w->dirs[ev->wd].path) return;
    dirwatch *d = &w->dirs[ev->wd];
    if (ev->mask & IN_IGNORED) { /* the directory is gone */
        free(d->path);
        d->path = NULL;
        return;
    }
    if (!ev->len || src_ignored_name(ev->name)) return;
    sbuf path;
    sbuf_init(&path);
    sbuf_printf(&path, "%s/%s", d->path, ev->name);
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            add_tree(w, path.data, d->root);
            add_pending(w, path.data, d->root); /* files that came before the watch */
        } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
            forget_tree(w, path.data);
            w->dir_gone = 1;
        }
    } else if ((ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) &&
               w->ops->wanted(w->ctx, ev->name)) {
        add_pending(w, path.data, d->root);
    }
    sbuf_free(&path);
}

/* Reads what the kernel has queued; waits up to timeout_ms for the first
 * event.  Returns the number of events, -1 on error. */
static int read_events(watcher *w, int timeout_ms) {
    struct pollfd p = {.fd = w->fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    if (r <= 0) return r < 0 && errno != EINTR ? -1 : 0;
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    int events = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0) return n < 0 && errno != EAGAIN && errno != EINTR ? -1 : events;
        for (char *p2 = buf; p2 < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p2;
            on_event(w, ev);
            events++;
            p2 += sizeof *ev + ev->len;
        }
    }
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Looks at every pending path once, in order, reading the event queue
 * now and then so that a long burst does not overflow it; what those reads
 * bring waits for the next turn, so that commits keep their schedule. */
static int process_pending(watcher *w, char *err) {
    if (w->npending && !stop_requested) {
        char **paths = w->pending;
        int *roots = w->pending_root, n = w->npending;
        w->pending = NULL;
        w->pending_root = NULL;
        w->npending = w->cap = 0;
        /* Sort by path keeping each path's root, then skip repeats. */
        char **pairs = lede_malloc(sizeof(char *) * (size_t)n);
        for (int i = 0; i < n; i++) {
            sbuf e;
            sbuf_init(&e);
            sbuf_printf(&e, "%s%c%d", paths[i], '\0', roots[i]);
            pairs[i] = sbuf_detach(&e);
            free(paths[i]);
        }
        free(paths);
        free(roots);
        qsort(pairs, (size_t)n, sizeof *pairs, cmp_str);
        int rc = LEDE_OK;
        for (int i = 0; i < n; i++) {
            if (rc == LEDE_OK && (i == 0 || strcmp(pairs[i], pairs[i - 1]))) {
                const char *path = pairs[i];
                int root = atoi(path + strlen(path) + 1);
                struct stat st;
                if (stat(path, &st) == 0) rc = w->ops->changed(w->ctx, w->roots[root], path, err);
                else if (errno == ENOENT) rc = w->ops->gone(w->ctx, path, err);
                if (i % DRAIN_EVERY == DRAIN_EVERY - 1 && read_events(w, 0) < 0)
                    rc = lede_seterr(err, "inotify: %s", strerror(errno));
            }
        }
        for (int i = 0; i < n; i++) free(pairs[i]);
        free(pairs);
        if (rc != LEDE_OK) return rc;
    }
    return LEDE_OK;
}

static int setup(watcher *w, int n, char *err) {
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) return lede_seterr(err, "inotify: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        if (add_tree(w, w->roots[i], i) != 0)
            return lede_seterr(err, "%s: cannot watch (raise fs.inotify.max_user_watches?)",
                               w->roots[i]);
    return LEDE_OK;
}

void watch_catch_signals(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask); /* no SA_RESTART: poll returns on a signal */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static void teardown(watcher *w) {
    if (w->fd >= 0) close(w->fd);
    for (int i = 0; i < w->ndirs; i++) free(w->dirs[i].path);
    free(w->dirs);
    for (int i = 0; i < w->npending; i++) free(w->pending[i]);
    free(w->pending);
    free(w->pending_root);
}

/* One turn: wait for events (bounded by the commit deadline), handle
 * them, commit when the burst is over or the deadline has come. */
static int turn(watcher *w, double commit_interval, double *dirty_since, char *err) {
    int timeout = 500; /* bounded: a signal just before poll is not lost */
    if (*dirty_since > 0) {
        double left = *dirty_since + commit_interval - lede_now();
        timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
        if (timeout > SETTLE_MS) timeout = SETTLE_MS;
    }
    int events = read_events(w, timeout);
    if (events < 0) return lede_seterr(err, "inotify: %s", strerror(errno));
    int rc = LEDE_OK;
    if (w->rescan) {
        fprintf(stderr, "lede-index: inotify queue overflowed; walking the sources again\n");
        for (int i = 0; i < w->npending; i++) free(w->pending[i]);
        w->npending = 0;
        w->rescan = 0;
        rc = w->ops->rescan(w->ctx, err);
        if (*dirty_since == 0) *dirty_since = lede_now();
    }
    if (rc == LEDE_OK && w->dir_gone) {
        w->dir_gone = 0;
        rc = w->ops->gone_dir(w->ctx, err);
        if (*dirty_since == 0) *dirty_since = lede_now();
    }
    if (rc == LEDE_OK && w->npending) {
        if (*dirty_since == 0) *dirty_since = lede_now();
        rc = process_pending(w, err);
    }
    int quiet = events == 0 && w->npending == 0;
    if (rc == LEDE_OK && *dirty_since > 0 &&
        (quiet || lede_now() - *dirty_since >= commit_interval || stop_requested)) {
        rc = w->ops->commit(w->ctx, err);
        *dirty_since = 0;
    }
    return rc;
}

/* What the events brought while the disk was full: recovering walks
 * every root, which covers it all (new directories are watched already). */
static void forget_pending(watcher *w) {
    for (int i = 0; i < w->npending; i++) free(w->pending[i]);
    w->npending = 0;
    w->rescan = w->dir_gone = 0;
}

/* The disk is full (err says where): said once, then ops->recover tried
 * after WATCH_RETRY_FIRST_S, twice that, ... up to every WATCH_RETRY_MAX_S,
 * reading the event queue meanwhile so that it does not overflow.
 * LEDE_OK once recovered; a signal ends the wait with the disk-full error. */
static int wait_for_space(watcher *w, int rc, char *err) {
    fprintf(stderr, "lede-index: %s\nlede-index: waiting for space: trying again in %.2f s, then less "
            "and less often (every %.0f s at most); the files not committed are read again then\n",
            err, WATCH_RETRY_FIRST_S, WATCH_RETRY_MAX_S);
    char why[LEDE_ERRLEN];
    snprintf(why, sizeof why, "%s", err);
    for (double wait = WATCH_RETRY_FIRST_S;; wait = wait * 2 < WATCH_RETRY_MAX_S ? wait * 2 : WATCH_RETRY_MAX_S) {
        if (read_events(w, (int)(wait * 1000)) < 0) return lede_seterr(err, "inotify: %s", strerror(errno));
        forget_pending(w);
        if (stop_requested)
            return lede_seterr_code(err, rc, "stopped while waiting for space (%s); the files not "
                                    "committed are indexed by the next run", why);
        rc = w->ops->recover(w->ctx, err);
        if (rc == LEDE_OK) {
            fprintf(stderr, "lede-index: space is back: the sources were read again and committed\n");
            return LEDE_OK;
        }
        if (!w->ops->full(w->ctx, rc)) return rc;
        snprintf(why, sizeof why, "%s", err);
    }
}

/* A turn's failure: waited out when it is a full disk. */
static int unless_full(watcher *w, int rc, double *dirty_since, char *err) {
    if (rc == LEDE_OK || !w->ops->full(w->ctx, rc)) return rc;
    *dirty_since = 0; /* recovering commits */
    return wait_for_space(w, rc, err);
}

int watch_run(char *const *roots, int n, double commit_interval,
              const watch_ops *ops, void *ctx, char *err) {
    watcher w = {.fd = -1, .roots = roots, .ops = ops, .ctx = ctx};
    double dirty_since = 0;
    int rc = setup(&w, n, err);
    /* Files that arrived before the watches were in place. */
    if (rc == LEDE_OK) rc = unless_full(&w, ops->rescan(ctx, err), &dirty_since, err);
    if (rc == LEDE_OK) rc = unless_full(&w, ops->commit(ctx, err), &dirty_since, err);
    while (rc == LEDE_OK && !stop_requested)
        rc = unless_full(&w, turn(&w, commit_interval, &dirty_since, err), &dirty_since, err);
    if (rc == LEDE_OK && dirty_since > 0) rc = unless_full(&w, ops->commit(ctx, err), &dirty_since, err);
    teardown(&w);
    return rc;
}
