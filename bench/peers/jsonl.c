/* jsonl.c -- streaming JSON Lines article reader (see jsonl.h): zlib's
 * gzFile reads plain and gzip input alike, jansson parses each line. */
#define _GNU_SOURCE
#include "jsonl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct jsonl_reader {
    gzFile gz;
    char *line;
    size_t cap, bytes, skipped;
    json_t *doc;
};

jsonl_reader *jsonl_open(const char *path) {
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        perror(path);
        return NULL;
    }
    gzbuffer(gz, 1 << 17);
    jsonl_reader *r = calloc(1, sizeof *r);
    r->gz = gz;
    r->cap = 1 << 16;
    r->line = malloc(r->cap);
    return r;
}

/* Reads one whole line into r->line; its length, or -1 at the end. */
static long jsonl_line(jsonl_reader *r) {
    size_t len = 0;
    for (;;) {
        if (!gzgets(r->gz, r->line + len, (int)(r->cap - len))) return len ? (long)len : -1;
        len += strlen(r->line + len);
        if (len && r->line[len - 1] == '\n') return (long)len;
        if (len + 1 < r->cap) continue;
        r->cap *= 2;
        r->line = realloc(r->line, r->cap);
    }
}

static const char *jsonl_str(json_t *doc, const char *key, size_t *len) {
    json_t *v = json_object_get(doc, key);
    if (len) *len = json_is_string(v) ? json_string_length(v) : 0;
    return json_is_string(v) ? json_string_value(v) : "";
}

static time_t jsonl_date(const char *iso) {
    struct tm tm = {0};
    if (!*iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
    return timegm(&tm);
}

int jsonl_next(jsonl_reader *r, jsonl_article *a) {
    json_decref(r->doc);
    r->doc = NULL;
    for (;;) {
        long len = jsonl_line(r);
        if (len < 0) {
            int err;
            gzerror(r->gz, &err);
            return err == Z_OK || err == Z_STREAM_END ? 0 : -1;
        }
        r->bytes += (size_t)len;
        json_error_t e;
        r->doc = json_loadb(r->line, (size_t)len, 0, &e);
        if (json_is_object(r->doc)) break;
        json_decref(r->doc);
        r->doc = NULL;
        r->skipped += len > 1;
    }
    a->id = jsonl_str(r->doc, "id", NULL);
    a->title = jsonl_str(r->doc, "title", &a->title_len);
    a->text = jsonl_str(r->doc, "text", &a->text_len);
    a->date = jsonl_date(jsonl_str(r->doc, "date", NULL));
    return 1;
}

size_t jsonl_bytes(const jsonl_reader *r) { return r->bytes; }
size_t jsonl_skipped(const jsonl_reader *r) { return r->skipped; }

void jsonl_close(jsonl_reader *r) {
    if (!r) return;
    json_decref(r->doc);
    gzclose(r->gz);
    free(r->line);
    free(r);
}
