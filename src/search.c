/* search.c -- freeing a page of search results (search.h).  Knows nothing
 * of the engine that filled it or the protocol that shows it. */
#include "search.h"

#include <stdlib.h>
#include <string.h>

void search_results_free(search_results *res) {
    for (unsigned i = 0; i < res->nhits; i++) {
        free(res->hits[i].id);
        free(res->hits[i].title);
        free(res->hits[i].snippet);
        free(res->hits[i].highlights);
    }
    free(res->hits);
    for (unsigned i = 0; i < res->nfacets; i++) {
        search_facet *f = &res->facets[i];
        for (unsigned v = 0; v < f->nvalues; v++) free(f->values[v].value);
        free(f->values);
        free(f->name);
    }
    free(res->facets);
    free(res->did_you_mean);
    memset(res, 0, sizeof *res);
}
