/* fuzz_article.c -- libFuzzer target: bytes as one article through
 * article_from_bytes (src/article.c), UTF-8 repair included, in the layout
 * FUZZ_LAYOUT names: ARTICLE_TEXT (a plain-text article: header block,
 * headline, standfirst, body) or ARTICLE_JSON (one JSON Lines record, or an
 * ADD's argument).  One source, built twice by `make fuzz` (fuzz_article_text,
 * fuzz_article_json) with -DFUZZ_LAYOUT=...; built by `make fuzz` only. */
#define _GNU_SOURCE
#include "../../src/article.h"
#include "../../src/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_LAYOUT
#error "FUZZ_LAYOUT must be ARTICLE_TEXT or ARTICLE_JSON (Makefile's fuzz rules)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What each layout takes from its file when the article does not say:
 * a text file's name and date, a JSON Lines file's name and line. */
static article_defaults layout_defaults(void) {
    if (FUZZ_LAYOUT == ARTICLE_JSON) return (article_defaults){.id = "fuzz/file.jsonl", .id_line = 7};
    return (article_defaults){.id = "fuzz/file.txt", .has_date = 1, .date = 1700000000};
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *bytes = malloc(size ? size : 1);
    if (size) memcpy(bytes, data, size);
    article a;
    article_init(&a);
    article_defaults d = layout_defaults();
    article_repair rep;
    char err[LEDE_ERRLEN], warn[LEDE_ERRLEN] = "";
    if (article_from_bytes(bytes, size, FUZZ_LAYOUT, &d, &a, &rep, err, warn) == LEDE_OK) {
        /* what a writer reads of it: every field a string, the id one that
         * can be fetched and deleted (article_check_id let none other through) */
        if (!a.id || !a.title || !a.standfirst || !a.body) abort();
        if (strlen(a.id) > ARTICLE_ID_MAX) abort();
        for (const char *c = a.id; *c; c++)
            if ((unsigned char)*c < 0x20) abort();
        article_free(&a);
    }
    free(bytes);
    return 0;
}
