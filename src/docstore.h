/* docstore.h -- the stored form of an article: the document data that the
 * engine keeps beside each indexed document, so that the daemon can return
 * an article and build snippets without the source files.
 *
 * On-disk format, version 1 (all integers unsigned LEB128 varints):
 *
 *   byte 0    'L'            magic
 *   byte 1    0x01           format version
 *   byte 2    flags          bit 0: the zlib stream uses the index's preset
 *                            dictionary (metadata key "lede.dict")
 *   byte 3..  zlib stream    RFC 1950 (deflate with adler32) of the payload
 *
 *   payload = field*          field = tag:byte  length:varint  bytes
 *     'i' id   't' headline   's' standfirst   'b' body   'a' author
 *     'u' url  'm' metadata (compact JSON object)
 *     'd' date (decimal Unix seconds, UTC; absent when undated)
 *
 * Fields appear in that order; readers skip tags they do not know.  The
 * payload's hash (util.h) is the article's content fingerprint. */
#ifndef LEDE_DOCSTORE_H
#define LEDE_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>
#include "article.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DOCSTORE_DICT_MAX 8192

typedef struct docstore docstore;

/* dict may be NULL or empty: no preset dictionary. */
docstore *docstore_new(const char *dict, size_t dictlen);
void docstore_free(docstore *ds);
/* Encodes a into out (replacing its content); *hash gets the payload's
 * fingerprint. */
int docstore_encode(docstore *ds, const article *a, sbuf *out, uint64_t *hash,
                    char *err);
/* Decodes data into a (which must be initialised and empty). */
int docstore_decode(docstore *ds, const void *data, size_t len, article *a,
                    char *err);
/* The serialised payload alone (no compression): for hashing. */
void docstore_payload(const article *a, sbuf *out);

/* Builds a preset dictionary from sample text: the last DOCSTORE_DICT_MAX
 * bytes of the samples, which deflate can refer back to. */
typedef struct {
    sbuf text;
} docstore_dict_builder;

void docstore_dict_init(docstore_dict_builder *b);
/* Returns 1 once enough sample text has been gathered. */
int docstore_dict_add(docstore_dict_builder *b, const article *a);
void docstore_dict_free(docstore_dict_builder *b);

#ifdef __cplusplus
}
#endif

#endif
