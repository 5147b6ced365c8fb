/* idset.c -- file-backed hash set (see idset.h).  Hashes are appended to an
 * unlinked temporary file through a small buffer; sealing maps the file,
 * sorts it in place and lookups are binary searches.  Touches no file but
 * its own temporary one. */
#define _GNU_SOURCE
#include "idset.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define IDSET_BUF 4096

struct idset {
    FILE *f;
    uint64_t buf[IDSET_BUF];
    size_t nbuf, count;
    uint64_t *map;
    size_t maplen;
    int write_error;
};

idset *idset_new(char *err) {
    FILE *f = tmpfile();
    if (!f) {
        lede_seterr(err, "temporary file: %s", strerror(errno));
        return NULL;
    }
    idset *s = lede_calloc(1, sizeof *s);
    s->f = f;
    return s;
}

void idset_free(idset *s) {
    if (!s) return;
    if (s->map) munmap(s->map, s->maplen);
    fclose(s->f);
    free(s);
}

static int flush_buf(idset *s) {
    if (s->nbuf && fwrite(s->buf, sizeof(uint64_t), s->nbuf, s->f) != s->nbuf)
        s->write_error = 1;
    s->nbuf = 0;
    return s->write_error ? LEDE_ERR : LEDE_OK;
}

int idset_add(idset *s, uint64_t h) {
    s->buf[s->nbuf++] = h;
    s->count++;
    return s->nbuf == IDSET_BUF ? flush_buf(s) : LEDE_OK;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int idset_seal(idset *s, char *err) {
    if (flush_buf(s) != LEDE_OK || fflush(s->f) != 0)
        return lede_seterr(err, "temporary file: write failed");
    if (s->count == 0) return LEDE_OK;
    s->maplen = s->count * sizeof(uint64_t);
    void *m = mmap(NULL, s->maplen, PROT_READ | PROT_WRITE, MAP_SHARED,
                   fileno(s->f), 0);
    if (m == MAP_FAILED)
        return lede_seterr(err, "temporary file: %s", strerror(errno));
    s->map = m;
    qsort(s->map, s->count, sizeof(uint64_t), cmp_u64);
    return LEDE_OK;
}

int idset_has(const idset *s, uint64_t h) {
    size_t lo = 0, hi = s->map ? s->count : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->map[mid] == h) return 1;
        if (s->map[mid] < h) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

size_t idset_count(const idset *s) {
    return s->count;
}
