/* fuzz_article_json.c -- libFuzzer target: bytes as one JSON Lines record
 * (or an ADD's argument) through article_from_bytes (src/article.c),
 * UTF-8 repair included.  Built by `make fuzz` only. */
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
    article_defaults d = {.id = "fuzz/file.jsonl", .id_line = 7};
    article_repair rep;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "";
    if (article_from_bytes(bytes, size, ARTICLE_JSON, &d, &a, &rep, err, warn) == LEDE_OK) {
        if (!a.id || !a.title || !a.standfirst || !a.body) abort();
        for (const char *c = a.id; *c; c++)
            if ((unsigned char)*c < 0x20) abort(); /* article_check_id let one through */
        article_free(&a);
    }
    free(bytes);
    return 0;
}
