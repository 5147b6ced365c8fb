/* indexdir.c -- index directory layout, stub switching and the writer lock
 * (see indexdir.h).  Plain POSIX file operations; no Xapian. */
#define _GNU_SOURCE
#include "indexdir.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define STUB_NAME "XAPIANDB"
#define LOCK_NAME "lede.lock"

int indexdir_shard_count(const indexdir *ix) {
    if (ix->nlive == 0 || strcmp(ix->live[0], INDEXDIR_FRONT)) return 0;
    if (ix->nlive == 1) return -1;
    for (int k = 0; k + 1 < ix->nlive; k++) {
        char *want = indexdir_shard_name((unsigned)k);
        int same = !strcmp(ix->live[k + 1], want);
        free(want);
        if (!same) return -1;
    }
    return ix->nlive - 1;
}

char *indexdir_shard_name(unsigned k) {
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "shard.%u", k);
    return sbuf_detach(&b);
}

int indexdir_needs_merge(const indexdir *ix) {
    if (indexdir_shard_count(ix) != 0) return 0;
    return ix->nlive > 1 || (ix->nlive == 1 && strncmp(ix->live[0], "db.", 3));
}

char *indexdir_join(const indexdir *ix, const char *name) {
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "%s/%s", ix->path, name);
    return sbuf_detach(&b);
}

void indexdir_free_names(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

int indexdir_read_live(const char *path, char ***names, int *n, char *err) {
    sbuf p;
    sbuf_init(&p);
    sbuf_printf(&p, "%s/%s", path, STUB_NAME);
    FILE *f = fopen(p.data, "r");
    sbuf_free(&p);
    *names = NULL;
    *n = 0;
    if (!f) {
        if (errno == ENOENT) return LEDE_ENOTFOUND;
        return lede_seterr(err, "%s: %s", path, strerror(errno));
    }
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, "auto ", 5) || !line[5]) continue;
        *names = lede_realloc(*names, sizeof(char *) * (size_t)(*n + 1));
        (*names)[(*n)++] = lede_strdup(line + 5);
    }
    fclose(f);
    return LEDE_OK;
}

static unsigned name_gen(const char *name) {
    if (!strncmp(name, "db.", 3)) return (unsigned)strtoul(name + 3, NULL, 10);
    if (!strncmp(name, "part.", 5)) return (unsigned)strtoul(name + 5, NULL, 10);
    return 0;
}

/* The lock file holds "<pid> <role>" of the writer, so that a refused
 * writer can say who holds the index (only a courtesy: flock decides). */
static int take_lock(indexdir *ix, const char *role, char *err) {
    char *lp = indexdir_join(ix, LOCK_NAME);
    ix->lockfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(lp);
    if (ix->lockfd < 0) {
        int code = lede_storage_code(errno);
        if (code == LEDE_ERR)
            return lede_seterr(err, "%s: cannot open lock file: %s", ix->path, strerror(errno));
        return lede_seterr_code(err, code, "%s: cannot open lock file: %s (%s)", ix->path,
                                lede_storage_cause(code), strerror(errno));
    }
    if (flock(ix->lockfd, LOCK_EX | LOCK_NB) != 0) {
        char holder[128] = "";
        ssize_t n = pread(ix->lockfd, holder, sizeof holder - 1, 0);
        holder[n > 0 ? n : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        char *space = strchr(holder, ' ');
        if (space) *space = '\0';
        close(ix->lockfd);
        ix->lockfd = -1;
        return lede_seterr_code(err, LEDE_ELOCKED,
                                "%s: index is locked by another writer%s%s%s%s%s",
                                ix->path, holder[0] ? " (pid " : "", holder,
                                space ? ", " : "", space ? space + 1 : "",
                                holder[0] ? ")" : "");
    }
    char who[160];
    int len = snprintf(who, sizeof who, "%ld %s\n", (long)getpid(), role ? role : "writer");
    if (ftruncate(ix->lockfd, 0) != 0 || pwrite(ix->lockfd, who, (size_t)len, 0) < 0) {
        /* Only a courtesy for the error message. */
    }
    return LEDE_OK;
}

static void scan_generations(indexdir *ix) {
    DIR *d = opendir(ix->path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        unsigned g = name_gen(e->d_name);
        if (g > ix->gen) ix->gen = g;
    }
    closedir(d);
}

/* mkdir -p: creates path and any missing parents. */
static int make_dirs(const char *path) {
    char *p = lede_strdup(path);
    for (char *slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *slash = '/';
    }
    int rc = mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
    free(p);
    return rc;
}

int indexdir_open(const char *path, int create, const char *role, indexdir *ix,
                  char *err) {
    memset(ix, 0, sizeof *ix);
    ix->lockfd = -1;
    ix->path = lede_strdup(path);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT || !create || make_dirs(path) != 0) {
            lede_seterr(err, "%s: %s", path, strerror(errno));
            goto fail;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        lede_seterr(err, "%s: not a directory", path);
        goto fail;
    }
    char *glass = indexdir_join(ix, "iamglass");
    int plain = access(glass, F_OK) == 0;
    free(glass);
    if (plain) {
        lede_seterr(err, "%s: a plain Xapian database, not a lede index", path);
        goto fail;
    }
    int rc = take_lock(ix, role, err);
    if (rc != LEDE_OK) {
        indexdir_close(ix);
        return rc;
    }
    rc = indexdir_read_live(path, &ix->live, &ix->nlive, err);
    if (rc == LEDE_ERR) goto fail;
    scan_generations(ix);
    return LEDE_OK;
fail:
    indexdir_close(ix);
    return LEDE_ERR;
}

void indexdir_close(indexdir *ix) {
    if (ix->lockfd >= 0) close(ix->lockfd); /* releases the flock */
    indexdir_free_names(ix->live, ix->nlive);
    free(ix->path);
    memset(ix, 0, sizeof *ix);
    ix->lockfd = -1;
}

char *indexdir_new_name(indexdir *ix, const char *kind, int k) {
    sbuf b;
    sbuf_init(&b);
    if (!strcmp(kind, "part")) {
        if (k == 0) ix->gen++;
        sbuf_printf(&b, "part.%u.%d", ix->gen, k);
    } else {
        sbuf_printf(&b, "db.%u", ++ix->gen);
    }
    return sbuf_detach(&b);
}

/* A failed write of path, errno telling why: its LEDE_E* code and
 * "<path>: disk full (No space left on device)". */
static int write_failed(char *err, const char *path) {
    int e = errno, code = lede_storage_code(e);
    if (code == LEDE_ERR) return lede_seterr(err, "%s: %s", path, strerror(e));
    return lede_seterr_code(err, code, "%s: %s (%s)", path, lede_storage_cause(code), strerror(e));
}

static int fsync_path(const char *path, int flags) {
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int indexdir_switch(indexdir *ix, char *const *names, int n, char *err) {
    sbuf text;
    sbuf_init(&text);
    for (int i = 0; i < n; i++) sbuf_printf(&text, "auto %s\n", names[i]);
    char *tmp = indexdir_join(ix, STUB_NAME ".tmp");
    char *stub = indexdir_join(ix, STUB_NAME);
    int rc = LEDE_ERR;
    FILE *f = fopen(tmp, "w");
    if (!f || fwrite(text.data, 1, text.len, f) != text.len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
        rc = write_failed(err, tmp);
        if (f) fclose(f);
        unlink(tmp);
        goto out;
    }
    fclose(f);
    lede_crash_point("before-switch");
    if (rename(tmp, stub) != 0) {
        rc = write_failed(err, stub);
        goto out;
    }
    fsync_path(ix->path, O_RDONLY | O_DIRECTORY);
    lede_crash_point("after-switch");
    char **live = lede_calloc((size_t)n, sizeof(char *));
    for (int i = 0; i < n; i++) live[i] = lede_strdup(names[i]);
    indexdir_free_names(ix->live, ix->nlive);
    ix->live = live;
    ix->nlive = n;
    rc = LEDE_OK;
out:
    sbuf_free(&text);
    free(tmp);
    free(stub);
    return rc;
}

static void remove_tree(const char *path) {
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR) remove_tree(p.data);
        else unlink(p.data);
        sbuf_free(&p);
    }
    closedir(d);
    rmdir(path);
}

static int is_live(const indexdir *ix, const char *name) {
    for (int i = 0; i < ix->nlive; i++)
        if (!strcmp(ix->live[i], name)) return 1;
    return 0;
}

/* What a writer creates inside an index: databases and sub-indexes. */
static int is_database_name(const char *name) {
    return !strncmp(name, "db.", 3) || !strncmp(name, "part.", 5) ||
           !strcmp(name, INDEXDIR_FRONT) || !strncmp(name, "shard.", 6);
}

void indexdir_cleanup(indexdir *ix) {
    DIR *d = opendir(ix->path);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_database_name(e->d_name) || is_live(ix, e->d_name)) continue;
        char *p = indexdir_join(ix, e->d_name);
        remove_tree(p);
        free(p);
    }
    closedir(d);
}

void indexdir_remove_db(indexdir *ix, const char *name) {
    if (!is_database_name(name) || is_live(ix, name)) return;
    char *p = indexdir_join(ix, name);
    remove_tree(p);
    free(p);
}

static uint64_t dir_bytes(const char *path) {
    DIR *d = opendir(path);
    if (!d) return 0;
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", path, e->d_name);
        struct stat st;
        if (stat(p.data, &st) == 0 && S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
        sbuf_free(&p);
    }
    closedir(d);
    return total;
}

uint64_t indexdir_path_bytes(const char *path) {
    return dir_bytes(path);
}

uint64_t indexdir_size(const indexdir *ix) {
    uint64_t total = 0;
    for (int i = 0; i < ix->nlive; i++) {
        char *p = indexdir_join(ix, ix->live[i]);
        indexdir sub = {.path = p};
        /* A sharded index's front and shards: indexes with their own stub. */
        if (indexdir_read_live(p, &sub.live, &sub.nlive, NULL) == LEDE_OK) {
            total += indexdir_size(&sub);
            indexdir_free_names(sub.live, sub.nlive);
        } else {
            total += dir_bytes(p);
        }
        free(p);
    }
    return total;
}

uint64_t indexdir_free_bytes(const indexdir *ix) {
    struct statvfs fs;
    if (statvfs(ix->path, &fs) != 0) return UINT64_MAX; /* unknown: do not refuse */
    return (uint64_t)fs.f_bavail * fs.f_frsize;
}
