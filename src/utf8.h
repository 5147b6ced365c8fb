/* utf8.h -- UTF-8 validation and repair of article text.  Input that is not
 * valid UTF-8 is either re-decoded as Windows-1252 (when it holds no valid
 * multi-byte sequence at all: a Latin-1 file) or has each bad byte replaced
 * by U+FFFD.  Also tells binary data (NUL bytes) from text.  Pure: no
 * I/O; writes only to the caller's sbuf. */
#ifndef LEDE_UTF8_H
#define LEDE_UTF8_H

#include <stddef.h>
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    UTF8_CLEAN = 0,     /* already valid, nothing done */
    UTF8_FROM_CP1252,   /* whole text decoded as Windows-1252/Latin-1 */
    UTF8_REPLACED       /* invalid bytes replaced by U+FFFD */
} utf8_repair_kind;

/* Length of the valid sequence at s (1..4), or 0 if invalid/truncated. */
size_t utf8_seq_len(const unsigned char *s, size_t n);
int utf8_is_valid(const char *s, size_t n);
/* True when the bytes contain a NUL: not text. */
int utf8_looks_binary(const char *s, size_t n);
/* Appends the repaired text to out; returns how it was repaired and, in
 * *fixed, how many bytes were invalid. */
utf8_repair_kind utf8_repair(const char *s, size_t n, sbuf *out, size_t *fixed);
const char *utf8_repair_name(utf8_repair_kind kind);
/* Appends the UTF-8 encoding of code point cp. */
void utf8_put(sbuf *out, unsigned cp);

#ifdef __cplusplus
}
#endif

#endif
