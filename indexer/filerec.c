/* filerec.c -- file records: their key, value and the records a full build
 * defers (see filerec.h for the format).  No threads, no messages. */
#define _GNU_SOURCE
#include "filerec.h"
#include "../src/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void filerec_filekey(const char *abspath, char out[17]) {
    lede_hex64(lede_hash(abspath, strlen(abspath)), out);
}

void filerec_key(const char *filekey, char out[FILEREC_KEYLEN]) {
    snprintf(out, FILEREC_KEYLEN, "F%s", filekey);
}

uint64_t filerec_mtime_ns(const struct stat *st) {
    return (uint64_t)st->st_mtim.tv_sec * 1000000000ull + (uint64_t)st->st_mtim.tv_nsec;
}

char *filerec_make(const struct stat *st, const char *abspath, uint64_t hash,
                   uint64_t articles) {
    sbuf r;
    sbuf_init(&r);
    char hex[17];
    lede_hex64(hash, hex);
    sbuf_printf(&r, "%llu %llu %s %llu %s", (unsigned long long)st->st_size,
                (unsigned long long)filerec_mtime_ns(st), hex,
                (unsigned long long)articles, abspath);
    return sbuf_detach(&r);
}

void filerec_lookup(engine_reader *r, const char *filekey, filerec *out) {
    memset(out, 0, sizeof *out);
    if (!r) return;
    char key[FILEREC_KEYLEN];
    filerec_key(filekey, key);
    sbuf v;
    sbuf_init(&v);
    char hex[17] = "";
    if (engine_reader_meta_get(r, key, &v, NULL) == LEDE_OK &&
        sscanf(v.data, "%" SCNu64 " %" SCNu64 " %16s %" SCNu64, &out->size,
               &out->mtime, hex, &out->articles) == 4 &&
        lede_parse_hex64(hex, &out->hash) == LEDE_OK)
        out->found = 1;
    sbuf_free(&v);
}

char *filerec_path(const char *val, size_t len) {
    char *rec = lede_strndup(val, len);
    char *path = rec;
    for (int field = 0; field < 4 && path; field++) {
        path = strchr(path, ' ');
        if (path) path++;
    }
    char *out = path ? lede_strdup(path) : NULL;
    free(rec);
    return out;
}

void filerec_defer(filerec_pending **list, const char *filekey, char *record) {
    filerec_pending *d = lede_calloc(1, sizeof *d);
    filerec_key(filekey, d->key);
    d->record = record;
    d->next = *list;
    *list = d;
}

int filerec_write_pending(const filerec_pending *list, engine_writer *w, char *err) {
    for (const filerec_pending *d = list; d; d = d->next)
        if (engine_writer_meta_set(w, d->key, d->record, strlen(d->record), err) != LEDE_OK)
            return LEDE_ERR;
    return LEDE_OK;
}

void filerec_free_pending(filerec_pending **list) {
    while (*list) {
        filerec_pending *d = *list;
        *list = d->next;
        free(d->record);
        free(d);
    }
}
