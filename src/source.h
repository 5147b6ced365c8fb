/* source.h -- where articles come from: walking the sources named on the
 * command line (files, directories walked recursively in byte order, "-"
 * for stdin) and reading them as a stream through zlib, so plain and
 * gzip-compressed files look the same and nothing is ever read whole
 * unless it is one article.  Knows nothing about article syntax. */
#ifndef LEDE_SOURCE_H
#define LEDE_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SRC_OTHER: a regular file under a directory source whose name is no
 * article format; the walk reports it, its caller decides (lede-index
 * reads it as text when --ext names it, else counts it as ignored). */
typedef enum { SRC_TEXT, SRC_JSONL, SRC_OTHER } src_format;

typedef struct src_file {
    const char *path;     /* path to open ("-" for stdin) */
    const char *abspath;  /* absolute path: the file's identity; NULL for stdin */
    const char *relid;    /* path below the directory source, or the base name */
    const char *root;     /* absolute directory source, NULL for file/stdin */
    src_format format;
    struct stat st;       /* zeroed for stdin */
    const char *error;    /* non-NULL: the file could not be examined */
} src_file;

typedef int (*src_visit_fn)(const src_file *f, void *ctx);

/* Format from the name (".txt", ".jsonl", ".ndjson", each optionally
 * ".gz"); returns -1 for names a directory walk ignores. */
int src_format_of(const char *name);
/* Whether name (a base name) is one --ext's list takes: EXT,... (no dot;
 * any case), "none" for a name without an extension, "*" for any name.
 * ext NULL or "": none. */
int src_ext_wanted(const char *name, const char *ext);
/* LEDE_OK if list is a valid --ext list, else LEDE_ERR and why in err. */
int src_ext_check(const char *list, char *err);
/* Calls fn for every article file under arg (and, SRC_OTHER, every other
 * regular file under a directory).  Stops early if fn returns
 * non-zero and returns that value; LEDE_ERR if arg itself is missing. */
int src_walk(const char *arg, src_visit_fn fn, void *ctx, char *err);
/* True for names a walk never visits: hidden files, editors' temporary
 * and swap files. */
int src_ignored_name(const char *name);
/* Visits path (a file or a directory, walked recursively) as src_walk of
 * the directory source root would: same ids, same names ignored.  path is
 * absolute and below root; a path that no longer exists is not visited. */
int src_walk_below(const char *root, const char *path, src_visit_fn fn, void *ctx);
/* Total bytes of the article files src_walk would visit (progress, ETA). */
uint64_t src_total_bytes(const char *arg);

typedef struct src_reader src_reader;

int src_open(const char *path, src_reader **out, char *err);
void src_close(src_reader *r);
/* Whole content, at most max bytes; LEDE_ESKIP if larger. */
int src_read_all(src_reader *r, size_t max, sbuf *out, char *err);
/* Next line without its '\n'.  Returns 1, 0 at the end, or LEDE_ERR (read
 * error, truncated gzip).  A line longer than max is consumed whole but
 * returned empty with *too_long set. */
int src_read_line(src_reader *r, size_t max, sbuf *out, int *too_long,
                  char *err);
/* First byte that is not white space, without consuming it (-1 at EOF). */
int src_peek_nonspace(src_reader *r);
uint64_t src_content_hash(const src_reader *r);  /* of bytes consumed */
uint64_t src_raw_offset(src_reader *r);          /* compressed bytes read */
uint64_t src_bytes_read(const src_reader *r);    /* uncompressed bytes */

#ifdef __cplusplus
}
#endif

#endif
