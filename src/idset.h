/* idset.h -- a set of 64-bit hashes that lives in a temporary file, not in
 * RAM: the ids seen while re-reading a changed multi-article file, so that
 * the articles that left the file can be found afterwards.  Add, then seal
 * (sort), then query.  Memory use is a fixed write buffer, whatever the
 * number of ids; the sorted array is mapped from the file.  Knows nothing
 * of articles or the index; not thread-safe. */
#ifndef LEDE_IDSET_H
#define LEDE_IDSET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct idset idset;

idset *idset_new(char *err);
void idset_free(idset *s);
int idset_add(idset *s, uint64_t h);
int idset_seal(idset *s, char *err);
int idset_has(const idset *s, uint64_t h);
size_t idset_count(const idset *s);

#ifdef __cplusplus
}
#endif

#endif
