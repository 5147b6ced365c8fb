/* jsonl.h -- streaming reader of article collections in JSON Lines, plain
 * or gzip-compressed (`{"id","title","text","date",...}` a line, date ISO
 * 8601 or null), for the peers' indexing programs of `make bench-peers`.
 * One line at a time in memory; malformed lines are counted and skipped. */
#ifndef LEDE_BENCH_JSONL_H
#define LEDE_BENCH_JSONL_H

#include <stddef.h>
#include <time.h>

typedef struct jsonl_reader jsonl_reader;

typedef struct {
    const char *id, *title, *text; /* valid until the next jsonl_next */
    size_t title_len, text_len;
    time_t date; /* 0 when missing */
} jsonl_article;

/* NULL (and a message on stderr) when the file cannot be opened. */
jsonl_reader *jsonl_open(const char *path);
/* 1 an article, 0 the end, -1 a read error. */
int jsonl_next(jsonl_reader *r, jsonl_article *a);
/* Raw bytes read so far (uncompressed) and lines skipped as malformed. */
size_t jsonl_bytes(const jsonl_reader *r);
size_t jsonl_skipped(const jsonl_reader *r);
void jsonl_close(jsonl_reader *r);

#endif
