/* filerec.h -- the file records that make incremental runs possible: what
 * was indexed from each source file, kept in the index's metadata beside
 * the articles.  Owns the record's key and value format and the list of
 * records a full build writes after its merge; must not touch articles,
 * the lede.* settings (src/settings.h) or any other metadata.
 *
 * On-disk format (metadata of the main database; src/engine.h):
 *
 *   key    "F" + 16 lower-case hex digits: lede_hash (util.h) of the
 *          file's absolute path, the "file key" also carried by each of
 *          its articles as the boolean term "XF<16 hex>"
 *   value  "<size> <mtime ns> <content hash> <articles> <absolute path>"
 *          size        bytes, decimal (st_size)
 *          mtime ns    modification time in nanoseconds, decimal
 *          content     16 hex digits: lede_hash of the file's (decompressed)
 *          hash        bytes as the source reader saw them (src/source.h)
 *          articles    how many articles the file gave, decimal
 *          path        the absolute path, to the end of the value (it may
 *                      hold spaces)
 *
 * Same size and mtime: the file is skipped unread; same content hash: only
 * the record is refreshed.  A text file's record is written in the same
 * commit as its article; a JSON Lines file's after all of its articles
 * (a full build: after the shards are merged), so a crash never leaves a
 * record for an unfinished file.  A record whose path is gone from under a
 * directory source is deleted with the file's articles.  Files read from
 * standard input have no record. */
#ifndef LEDE_FILEREC_H
#define LEDE_FILEREC_H

#include <stdint.h>
#include <sys/stat.h>
#include "../src/engine.h"

/* "F" + 16 hex + NUL */
#define FILEREC_KEYLEN 19

typedef struct filerec {
    int found;
    uint64_t size, mtime, hash, articles;
} filerec;

/* The file key of an absolute path: 16 hex digits. */
void filerec_filekey(const char *abspath, char out[17]);
/* The metadata key of a file key. */
void filerec_key(const char *filekey, char out[FILEREC_KEYLEN]);
uint64_t filerec_mtime_ns(const struct stat *st);
/* A record's value (caller frees). */
char *filerec_make(const struct stat *st, const char *abspath, uint64_t hash,
                   uint64_t articles);
/* The record of filekey in r (r may be NULL: none); out->found says
 * whether there is a well-formed one. */
void filerec_lookup(engine_reader *r, const char *filekey, filerec *out);
/* The absolute path in a record's value, NUL-terminated (caller frees);
 * NULL when the value has too few fields. */
char *filerec_path(const char *val, size_t len);

/* Records held back until a full build's shards are merged. */
typedef struct filerec_pending {
    char key[FILEREC_KEYLEN];
    char *record;
    struct filerec_pending *next;
} filerec_pending;

/* Takes record (a filerec_make value). */
void filerec_defer(filerec_pending **list, const char *filekey, char *record);
/* Writes them into w (not committed). */
int filerec_write_pending(const filerec_pending *list, engine_writer *w, char *err);
void filerec_free_pending(filerec_pending **list);

#endif
