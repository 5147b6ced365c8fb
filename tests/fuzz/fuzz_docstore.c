/* fuzz_docstore.c -- libFuzzer target: bytes as a stored article (the
 * docstore's record, src/docstore.h) through docstore_decode and
 * docstore_decode_head, with and without a preset dictionary; a decoded
 * article is encoded again and must decode to the same fields.  Built by
 * `make fuzz` only. */
#define _GNU_SOURCE
#include "../../src/docstore.h"
#include "../../src/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char dict[] = "the government said on Monday that the minister would ";

static int same(const char *x, const char *y) {
    return (!x && !y) || (x && y && !strcmp(x, y));
}

/* A decoded article survives encode then decode unchanged. */
static void round_trip(docstore *ds, const article *a) {
    sbuf blob;
    sbuf_init(&blob);
    uint64_t hash;
    char err[LEDE_ERRLEN];
    if (docstore_encode(ds, a, &blob, &hash, err) != LEDE_OK) abort();
    article b;
    article_init(&b);
    if (docstore_decode(ds, blob.data, blob.len, &b, err) != LEDE_OK) abort();
    if (!same(a->id, b.id) || !same(a->title, b.title) || !same(a->body, b.body) ||
        !same(a->standfirst, b.standfirst) || !same(a->author, b.author) ||
        !same(a->url, b.url) || a->has_date != b.has_date)
        abort();
    article_free(&b);
    sbuf_free(&blob);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static docstore *plain, *with_dict;
    if (!plain) {
        plain = docstore_new(NULL, 0);
        with_dict = docstore_new(dict, sizeof dict - 1);
    }
    char *bytes = malloc(size ? size : 1);
    if (size) memcpy(bytes, data, size);
    char err[LEDE_ERRLEN];
    docstore *both[2] = {plain, with_dict};
    for (int i = 0; i < 2; i++) {
        article a;
        article_init(&a);
        if (docstore_decode(both[i], bytes, size, &a, err) == LEDE_OK) {
            round_trip(both[i], &a);
            article_free(&a);
        }
    }
    article h;
    article_init(&h);
    if (docstore_decode_head(bytes, size, &h, err) == LEDE_OK) article_free(&h);
    free(bytes);
    return 0;
}
