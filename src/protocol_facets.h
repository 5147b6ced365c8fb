/* protocol_facets.h -- the facets of a SEARCH reply (docs/PROTOCOL.md,
 * "Facets"), in text and in JSON: protocol.c's helper, which nothing else
 * includes.  Pure formatting: knows nothing of how the counts were made. */
#ifndef LEDE_PROTOCOL_FACETS_H
#define LEDE_PROTOCOL_FACETS_H

#include <jansson.h>
#include "search.h"
#include "util.h"

/* A FACET line per facet, each followed by its VALUE lines. */
void proto_facets_text(sbuf *out, const search_results *res);
/* The reply's "facets" object: {name: {kind, estimated, seen, distinct,
 * values: [{value, count}]}}, in the order asked. */
json_t *proto_facets_json(const search_results *res);

#endif
