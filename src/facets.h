/* facets.h -- what a search's facets= option asks for (search_opts.facets,
 * docs/PROTOCOL.md, docs/QUERY.md): the text "ITEM[,ITEM...]" parsed into
 * a list, each ITEM
 *   NAME            a metadata field (schema.h), or a date histogram:
 *                   year, month or day (of the article's date)
 *   NAME:N          at most N values (1 to FACETS_MAX_TOP)
 *   NAME:GRAIN[:N]  a date field bucketed by year, month or day
 * Pure functions over the text: no schema, no index.  A name is resolved
 * against the index's fields by the engine (src/engine/facets.cc); the
 * protocol parses the text too, so that a malformed one is ERR SYNTAX
 * before any worker runs it. */
#ifndef LEDE_FACETS_H
#define LEDE_FACETS_H

#include "schema.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FACETS_MAX 16           /* facets one search may ask for */
#define FACETS_DEFAULT_TOP 10   /* values of a field's facet, unless NAME:N */
#define FACETS_MAX_TOP 1000     /* the most NAME:N may ask; also the most
                                   buckets of a histogram, whose default
                                   is all of them up to this */
#define FACETS_TEXT_MAX 2048    /* bytes of the option's text */
/* Matches a search with facets counts at least (search_opts.facets_exact,
 * leded --facets-exact, the request's facets_exact=N): fewer, and the
 * facets are exact; more, and they are counted over a sample of about
 * this many and scaled.  The 1,000 matches every search checks
 * (TOTAL_EXACT_UP_TO, src/engine/internal.hh), so that facets add only
 * the counting (issue 17: at most 2x a search without; where 2,000 cost
 * 4.92x at 500,000 articles: bench/results/facets.md, docs/QUERY.md). */
#define FACETS_EXACT_DEFAULT 1000

typedef enum {
    FACET_GRAIN_NONE, FACET_GRAIN_YEAR, FACET_GRAIN_MONTH, FACET_GRAIN_DAY
} facet_grain;

typedef struct facet_ask {
    char name[SCHEMA_NAME_MAX + 1];  /* as written */
    unsigned top;                    /* NAME:N; 0: not given */
    facet_grain grain;               /* NAME:GRAIN, or the histogram's own */
    int histogram;                   /* NAME is year, month or day */
} facet_ask;

/* Parses text into out[0..*n) (room for FACETS_MAX).  LEDE_OK, or
 * LEDE_ESYNTAX with the bad item named in err. */
int facets_parse(const char *text, facet_ask *out, unsigned *n, char *err);
/* The grain a word names (year, month, day; any case), or
 * FACET_GRAIN_NONE. */
facet_grain facets_grain_of(const char *word, size_t len);
/* "year", "month", "day" (and "" for none). */
const char *facets_grain_name(facet_grain g);
/* How many of a facet's values are shown: its NAME:N, else the default
 * (FACETS_DEFAULT_TOP for a field's commonest values, FACETS_MAX_TOP for
 * a date's buckets). */
unsigned facets_top(const facet_ask *a, int dated);

#ifdef __cplusplus
}
#endif

#endif
