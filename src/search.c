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
    }
    free(res->hits);
    free(res->did_you_mean);
    memset(res, 0, sizeof *res);
}
