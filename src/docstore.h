/* docstore.h -- the stored form of an article: the document data that the
 * engine keeps beside each indexed document, so that the daemon can return
 * an article and build snippets without the source files.
 *
 * On-disk format, version 2 (all integers unsigned LEB128 varints):
 *
 *   byte 0    'L'            magic
 *   byte 1    0x02           format version
 *   byte 2    flags          bit 0: the zlib stream uses the index's preset
 *                            dictionary (metadata key "lede.dict": the
 *                            tail fields of the collection's first
 *                            articles, up to 32 KB; in an index made
 *                            before 2026-12-06, their heads and tails, up
 *                            to 8 KB)
 *   varint    n              length of the head
 *   n bytes   head           fields, uncompressed: 'i' id, 't' headline,
 *                            'd' date -- what a result list shows, readable
 *                            without inflating anything
 *   rest      zlib stream    RFC 1950 (deflate with adler32) of the tail:
 *                            's' standfirst, 'b' body, 'a' author, 'u' url,
 *                            'm' metadata (compact JSON object)
 *
 *   field = tag:byte  length:varint  bytes; 'd' is decimal Unix seconds
 *   (UTC), absent when undated.  Fields appear in the order listed; readers
 *   skip tags they do not know.  The hash (util.h) of head and tail
 *   together is the article's content fingerprint.
 *
 * Encodes and decodes bytes only: never reads or writes the index (the
 * engine stores them) and knows nothing of Xapian. */
#ifndef LEDE_DOCSTORE_H
#define LEDE_DOCSTORE_H

#include <stddef.h>
#include <stdint.h>
#include "article.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DOCSTORE_DICT_MAX 32768

typedef struct docstore docstore;

/* dict may be NULL or empty: no preset dictionary. */
docstore *docstore_new(const char *dict, size_t dictlen);
void docstore_free(docstore *ds);
/* Encodes a into out (replacing its content); *hash gets the payload's
 * fingerprint. */
int docstore_encode(docstore *ds, const article *a, sbuf *out, uint64_t *hash,
                    char *err);
/* The same, but an undated a is stored dated arrival (Unix seconds) while
 * *hash stays the fingerprint of a as given, undated: the same undated
 * article arriving again later is unchanged.  One encoding: the date is
 * the head's last field, added after the head is hashed. */
int docstore_encode_arrival(docstore *ds, const article *a, int64_t arrival, sbuf *out,
                            uint64_t *hash, char *err);
/* Decodes data into a (which must be initialised and empty). */
int docstore_decode(docstore *ds, const void *data, size_t len, article *a,
                    char *err);
/* Only the head: id, headline and date, without inflating.  data may be
 * cut after the head (docstore_head_size). */
int docstore_decode_head(const void *data, size_t len, article *a, char *err);
/* How many leading bytes of a stored article docstore_decode_head needs
 * (magic to the end of the head); 0 when data is not one. */
size_t docstore_head_size(const void *data, size_t len);
/* The content fingerprint a writer gives engine_writer_put (value slot 1,
 * engine.h): the payload hash that docstore_encode returned, then the key
 * of the source file (filekey NULL or "": none), so the same article
 * moved to another file counts as changed.  Every writer (the indexer,
 * livewriter.h) computes it here, so they agree on "unchanged". */
uint64_t docstore_fingerprint(uint64_t payload_hash, const char *filekey);

/* Builds a preset dictionary from sample articles: the first
 * DOCSTORE_DICT_MAX bytes of their tails (the part that is compressed),
 * which deflate can refer back to. */
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
