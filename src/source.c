/* source.c -- walking sources and streaming their bytes (see source.h).
 * Every file is read through gzread(), which passes plain files through
 * untouched, with one fixed-size buffer per reader.  Never parses
 * articles (article.c) and never touches the index. */
#define _GNU_SOURCE
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>

#define SRC_BUFSZ (256 * 1024)

static int ends_with(const char *s, size_t n, const char *suffix) {
    size_t m = strlen(suffix);
    return n >= m && !memcmp(s + n - m, suffix, m);
}

int src_format_of(const char *name) {
    size_t n = strlen(name);
    if (ends_with(name, n, ".gz")) n -= 3;
    if (ends_with(name, n, ".txt")) return SRC_TEXT;
    if (ends_with(name, n, ".jsonl") || ends_with(name, n, ".ndjson"))
        return SRC_JSONL;
    return -1;
}

/* The extension of a base name: after its last dot, if that dot is not
 * the first character (".profile" has none); NULL if none. */
static const char *extension_of(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && dot != name && dot[1] ? dot + 1 : NULL;
}

int src_ext_wanted(const char *name, const char *ext) {
    if (!ext || !*ext) return 0;
    const char *mine = extension_of(name);
    for (const char *p = ext; *p;) {
        size_t n = strcspn(p, ",");
        if ((n == 1 && *p == '*') || (n == 4 && !strncmp(p, "none", 4) && !mine) ||
            (mine && strlen(mine) == n && !strncasecmp(mine, p, n)))
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

int src_ext_check(const char *list, char *err) {
    if (!*list) return lede_seterr(err, "an empty list (EXT,...; 'none' for names without one)");
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 0) return lede_seterr(err, "an empty extension in the list");
        if (p[0] == '.') return lede_seterr(err, "write extensions without the dot");
        if (memchr(p, '/', n)) return lede_seterr(err, "'%.*s' is a path, not an extension", (int)n, p);
        p += n + (p[n] == ',');
    }
    return LEDE_OK;
}

/* Hidden files and editors' temporary files are never articles. */
int src_ignored_name(const char *name) {
    size_t n = strlen(name);
    return name[0] == '.' || name[0] == '#' || ends_with(name, n, "~") ||
           ends_with(name, n, ".swp") || ends_with(name, n, ".tmp") ||
           ends_with(name, n, ".part");
}

/* ---- walking ---------------------------------------------------------- */

typedef struct walk {
    src_visit_fn fn;
    void *ctx;
    const char *root;    /* absolute directory source */
    size_t rootlen;
    const char *arg;     /* the source as given, for messages */
    dev_t dev[64];       /* ancestors, to refuse symlink loops */
    ino_t ino[64];
    int depth;
} walk;

static int byte_order(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* The path as the user would write it: the source argument joined with
 * the part below the root. */
static char *display_path(const walk *w, const char *abspath) {
    sbuf b;
    sbuf_init(&b);
    size_t n = strlen(w->arg);
    while (n > 1 && w->arg[n - 1] == '/') n--;
    sbuf_append(&b, w->arg, n);
    if (strlen(abspath) > w->rootlen) sbuf_printf(&b, "/%s", abspath + w->rootlen + 1);
    return sbuf_detach(&b);
}

static int visit_error(walk *w, const char *path, const char *msg) {
    src_file f = {0};
    char *shown = display_path(w, path);
    f.path = shown;
    f.abspath = path;
    f.relid = strlen(path) > w->rootlen ? path + w->rootlen + 1 : path;
    f.root = w->root;
    f.error = msg;
    int rc = w->fn(&f, w->ctx);
    free(shown);
    return rc;
}

static int walk_dir(walk *w, const char *dir);

static int walk_entry(walk *w, const char *dir, const char *name) {
    if (src_ignored_name(name)) return 0;
    sbuf path;
    sbuf_init(&path);
    sbuf_printf(&path, "%s/%s", dir, name);
    struct stat st;
    int rc = 0;
    if (stat(path.data, &st) != 0) {
        int err = errno;
        struct stat lst;
        int vanished = err == ENOENT && lstat(path.data, &lst) != 0; /* not a dangling link */
        rc = src_format_of(name) >= 0 && !vanished ? visit_error(w, path.data, strerror(err))
                                                   : 0;
    } else if (S_ISDIR(st.st_mode)) {
        rc = walk_dir(w, path.data);
    } else if (S_ISREG(st.st_mode)) {
        src_file f = {0};
        char *shown = display_path(w, path.data);
        f.path = shown;
        f.abspath = path.data;
        f.relid = path.data + w->rootlen + 1;
        f.root = w->root;
        int format = src_format_of(name);
        f.format = format >= 0 ? (src_format)format : SRC_OTHER;
        f.st = st;
        rc = w->fn(&f, w->ctx);
        free(shown);
    }
    sbuf_free(&path);
    return rc;
}

static int seen_before(walk *w, const struct stat *st) {
    for (int i = 0; i < w->depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino) return 1;
    return 0;
}

static int walk_dir(walk *w, const char *dir) {
    struct stat st;
    if (stat(dir, &st) != 0) return visit_error(w, dir, strerror(errno));
    if (seen_before(w, &st) || w->depth >= 64) return 0;
    struct dirent **names;
    int n = scandir(dir, &names, NULL, byte_order);
    if (n < 0) return visit_error(w, dir, strerror(errno));
    w->dev[w->depth] = st.st_dev;
    w->ino[w->depth] = st.st_ino;
    w->depth++;
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (!rc && strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
            rc = walk_entry(w, dir, names[i]->d_name);
        free(names[i]);
    }
    free(names);
    w->depth--;
    return rc;
}

static int walk_single_file(const char *arg, const struct stat *st,
                            src_visit_fn fn, void *ctx) {
    char *abs = realpath(arg, NULL);
    src_file f = {0};
    f.path = arg;
    f.abspath = abs ? abs : arg;
    const char *slash = strrchr(arg, '/');
    f.relid = slash ? slash + 1 : arg;
    f.st = *st;
    int fmt = src_format_of(arg);
    f.format = fmt < 0 ? SRC_TEXT : (src_format)fmt;
    if (fmt < 0) { /* unknown name: sniff the first byte */
        src_reader *r;
        if (src_open(arg, &r, NULL) == LEDE_OK) {
            if (src_peek_nonspace(r) == '{') f.format = SRC_JSONL;
            src_close(r);
        }
    }
    int rc = fn(&f, ctx);
    free(abs);
    return rc;
}

int src_walk(const char *arg, src_visit_fn fn, void *ctx, char *err) {
    if (!strcmp(arg, "-")) {
        src_file f = {0};
        f.path = "-";
        f.relid = "stdin";
        f.format = SRC_JSONL;
        return fn(&f, ctx);
    }
    struct stat st;
    if (stat(arg, &st) != 0)
        return lede_seterr(err, "%s: %s", arg, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return walk_single_file(arg, &st, fn, ctx);
    char *abs = realpath(arg, NULL);
    if (!abs) return lede_seterr(err, "%s: %s", arg, strerror(errno));
    walk w = {0};
    w.fn = fn;
    w.ctx = ctx;
    w.root = abs;
    w.arg = arg;
    w.rootlen = strcmp(abs, "/") ? strlen(abs) : 0;
    int rc = walk_dir(&w, strcmp(abs, "/") ? abs : "");
    free(abs);
    return rc;
}

int src_walk_below(const char *root, const char *path, src_visit_fn fn, void *ctx) {
    size_t rootlen = strcmp(root, "/") ? strlen(root) : 0;
    const char *slash = strrchr(path, '/');
    if (strncmp(path, root, rootlen) || path[rootlen] != '/' || !slash) return 0;
    walk w = {0};
    w.fn = fn;
    w.ctx = ctx;
    w.root = root;
    w.arg = root;
    w.rootlen = rootlen;
    char *dir = lede_strndup(path, (size_t)(slash - path));
    int rc = walk_entry(&w, dir, slash + 1);
    free(dir);
    return rc;
}

static int add_size(const src_file *f, void *ctx) {
    if (!f->error && f->format != SRC_OTHER) *(uint64_t *)ctx += (uint64_t)f->st.st_size;
    return 0;
}

uint64_t src_total_bytes(const char *arg) {
    uint64_t total = 0;
    if (strcmp(arg, "-")) src_walk(arg, add_size, &total, NULL);
    return total;
}

/* ---- reading ---------------------------------------------------------- */

struct src_reader {
    gzFile gz;
    char *buf;
    size_t pos, len;   /* unread bytes are buf[pos..len) */
    int eof;
    uint64_t hash;
    uint64_t total;    /* uncompressed bytes handed out */
    char error[128];   /* a read error met after the last bytes */
};

int src_open(const char *path, src_reader **out, char *err) {
    int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
    if (fd < 0) return lede_seterr(err, "%s", strerror(errno));
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return lede_seterr(err, "cannot start zlib stream");
    }
    gzbuffer(gz, SRC_BUFSZ);
    src_reader *r = lede_calloc(1, sizeof *r);
    r->gz = gz;
    r->buf = lede_malloc(SRC_BUFSZ);
    r->hash = LEDE_HASH_INIT;
    *out = r;
    return LEDE_OK;
}

void src_close(src_reader *r) {
    if (!r) return;
    gzclose(r->gz);
    free(r->buf);
    free(r);
}

/* Refills the buffer; returns bytes now available, 0 at the end, or
 * LEDE_ERR with a message. */
static int refill(src_reader *r, char *err) {
    if (r->pos < r->len) return (int)(r->len - r->pos);
    if (r->eof) {
        if (r->error[0]) return lede_seterr(err, "%s", r->error);
        return 0;
    }
    int n = gzread(r->gz, r->buf, SRC_BUFSZ);
    int zerr;
    const char *msg = gzerror(r->gz, &zerr);
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
        /* Hand out what was decoded; the error comes on the next call. */
        r->eof = 1;
        snprintf(r->error, sizeof r->error, "%s",
                 zerr == Z_BUF_ERROR ? "truncated gzip stream"
                                     : (msg && *msg ? msg : "read error"));
        if (n <= 0) return lede_seterr(err, "%s", r->error);
    }
    if (n == 0) r->eof = 1;
    r->pos = 0;
    r->len = (size_t)n;
    return n;
}

static void consume(src_reader *r, size_t n) {
    r->hash = lede_hash_update(r->hash, r->buf + r->pos, n);
    r->total += n;
    r->pos += n;
}

int src_read_all(src_reader *r, size_t max, sbuf *out, char *err) {
    for (;;) {
        int n = refill(r, err);
        if (n < 0) return LEDE_ERR;
        if (n == 0) return LEDE_OK;
        if (out->len + (size_t)n > max)
            return lede_seterr_code(err, LEDE_ESKIP,
                                    "larger than the limit of %zu bytes", max);
        sbuf_append(out, r->buf + r->pos, (size_t)n);
        consume(r, (size_t)n);
    }
}

int src_read_line(src_reader *r, size_t max, sbuf *out, int *too_long,
                  char *err) {
    sbuf_reset(out);
    *too_long = 0;
    int got = 0;
    for (;;) {
        int n = refill(r, err);
        if (n < 0) return LEDE_ERR;
        if (n == 0) return got;
        got = 1;
        char *start = r->buf + r->pos;
        char *nl = memchr(start, '\n', (size_t)n);
        size_t take = nl ? (size_t)(nl - start) : (size_t)n;
        if (!*too_long && out->len + take > max) {
            *too_long = 1;
            sbuf_reset(out);
        }
        if (!*too_long) sbuf_append(out, start, take);
        consume(r, nl ? take + 1 : take);
        if (nl) break;
    }
    if (out->len && out->data[out->len - 1] == '\r') out->data[--out->len] = 0;
    return 1;
}

int src_peek_nonspace(src_reader *r) {
    for (;;) {
        if (refill(r, NULL) <= 0) return -1;
        while (r->pos < r->len) {
            unsigned char c = (unsigned char)r->buf[r->pos];
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
            consume(r, 1);
        }
    }
}

uint64_t src_content_hash(const src_reader *r) {
    return lede_hash_final(r->hash);
}

uint64_t src_raw_offset(src_reader *r) {
    z_off_t off = gzoffset(r->gz);
    return off < 0 ? 0 : (uint64_t)off;
}

uint64_t src_bytes_read(const src_reader *r) {
    return r->total;
}
