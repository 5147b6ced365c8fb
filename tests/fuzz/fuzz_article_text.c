/* fuzz_article_text.c -- libFuzzer target: bytes as a plain-text article
 * (header block, headline, standfirst, body) through article_from_bytes
 * (src/article.c), UTF-8 repair included.  Built by `make fuzz` only. */
#define _GNU_SOURCE
#include "../../src/article.h"
#include "../../src/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *bytes = malloc(size ? size : 1);
    if (size) memcpy(bytes, data, size);
    article a;
    article_init(&a);
    article_defaults d = {.id = "fuzz/file.txt", .has_date = 1, .date = 1700000000};
    article_repair rep;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "";
    if (article_from_bytes(bytes, size, ARTICLE_TEXT, &d, &a, &rep, err, warn) == LEDE_OK) {
        /* what a writer reads of it: every field must be a string */
        if (!a.id || !a.title || !a.standfirst || !a.body) abort();
        if (strlen(a.id) > ARTICLE_ID_MAX) abort();
        article_free(&a);
    }
    free(bytes);
    return 0;
}
