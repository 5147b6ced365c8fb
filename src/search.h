/* search.h -- what a ranked search is asked and what it answers: the
 * options of a query and its page of hits, as plain C structs.  Shared by
 * the engine, which fills them (engine.h, engine_search), and the line
 * protocol, which parses the options from a request and formats the hits
 * (protocol.h); neither side's header is needed to use them, so the
 * protocol and the client do not depend on the engine.  No behaviour here
 * but freeing a page (search.c). */
#ifndef LEDE_SEARCH_H
#define LEDE_SEARCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a query would cost, estimated from its parsed form and the index's
 * term frequencies before it runs (engine_query_cost).  As limits (a
 * search_opts' max_cost), each field is the most allowed; 0: no limit. */
typedef struct search_cost {
    uint64_t terms;           /* term leaves: each opens a posting list */
    uint64_t phrases;         /* phrases and NEARs: each checks positions */
    uint64_t postings;        /* postings of those terms (sum of their frequencies) */
    uint64_t positions;       /* position lists the phrases may read: each
                                 one's rarest term's frequency times its terms */
} search_cost;

typedef struct search_opts {
    const char *query;
    unsigned offset, limit;
    int sort_date;            /* newest first, relevance breaking ties */
    const char *sort_field;   /* NULL: none; else a metadata field (schema.h)
                                 the hits are ordered by, relevance breaking
                                 ties; wins over sort_date */
    int sort_ascending;       /* sort_date or sort_field: smallest first */
    int any;                  /* OR the words instead of AND */
    int exact;                /* count every match exactly */
    unsigned snippet_len;     /* snippet length in bytes; 0: none */
    unsigned max_wildcard;    /* words all the query's wildcards may expand to; 0: 1000 */
    const search_cost *max_cost; /* NULL: none; over one of its limits the
                                    query is refused before it runs */
    double deadline;          /* lede_now() seconds past which the search
                                 stops (LEDE_ETIMEOUT); 0: none */
    /* NULL, or true once nobody wants the answer: the search stops at its
     * next check (LEDE_ECANCELLED).  Called from the searching thread. */
    int (*cancelled)(void *arg);
    void *cancelled_arg;
    /* NULL, or the facets= text (src/facets.h): the top values of these
     * fields over all the matches, and date histograms; parsed and
     * resolved by the engine, which knows the index's fields. */
    const char *facets;
    /* Facets are counted exactly over up to this many matches; over more,
     * from about this many, scaled and flagged (0: FACETS_EXACT_DEFAULT,
     * src/facets.h; UINT_MAX: every match; exact above makes them exact
     * whatever the number).  The request's facets_exact=N, else the
     * daemon's --facets-exact. */
    unsigned facets_exact;
    /* NULL: no collapse; "dup": one hit per near-duplicate group
     * (ENGINE_SLOT_DUP); else a metadata field's name: the best hit per
     * value of it (src/engine/collapse.cc) */
    const char *collapse;
    int dups_show;            /* SIMILAR: keep the article's near-duplicates, flagged */
} search_opts;

/* A highlighted range of a snippet: bytes [start, end) of its UTF-8. */
typedef struct search_span {
    unsigned start, end;
} search_span;

typedef struct search_hit {
    unsigned rank;            /* 1-based, counting from the first result */
    double score;
    char *id, *title;         /* malloc'd */
    /* malloc'd; NULL when none asked.  The text as written (no escaping,
     * no markers): the passage with the most of the query's words, or the
     * article's standfirst (else first paragraph) when its text has none. */
    char *snippet;
    search_span *highlights;  /* malloc'd with the snippet: the query's
                                 words in it, sorted, not overlapping */
    unsigned nhighlights;
    int64_t date;
    int has_date;
    /* collapse: how many matches were collapsed into this hit (exact when
     * the search counts exactly, else at least this many) */
    unsigned similar;
    int near_dup;             /* SIMILAR with dups_show: a near-duplicate of its article */
} search_hit;

/* One value of a facet: a field's value (its commonest written form), a
 * number, or a date bucket ("2024", "2024-03", "2024-03-11"). */
typedef struct search_facet_value {
    char *value;              /* malloc'd */
    uint64_t count;           /* matches with it (scaled when estimated) */
} search_facet_value;

/* The facet of one field or date histogram over a search's matches. */
typedef struct search_facet {
    char *name;               /* the field's name ("topics"), or year, month,
                                 day; malloc'd */
    const char *kind;         /* "keyword", "number" or "date" (static) */
    int estimated;            /* counted over the first seen matches and
                                 scaled to all: not exact */
    uint64_t seen;            /* matches counted */
    uint64_t distinct;        /* values among them (nvalues <= distinct) */
    search_facet_value *values;  /* keyword, number: commonest first;
                                    date: in date order */
    unsigned nvalues;
} search_facet;

/* search_results.hint: every word of the query is a stop word, which the
 * index leaves out, and it looked for nothing else. */
#define SEARCH_HINT_STOPWORDS "stopwords"

typedef struct search_results {
    uint64_t total;           /* matches: exact when exact is set */
    int exact;
    /* the bounds Xapian is sure of: total_min <= matches <= total_max
     * (both equal to total when exact) */
    uint64_t total_min, total_max;
    int retried_any;          /* the AND query found nothing; ran as OR */
    /* The page was ranked from the articles holding the tier terms of the
     * query's words (src/engine/tiers.cc): the same hits as the whole
     * match gives, and a total counted up to 1,000 matches, then
     * estimated from the words' frequencies. */
    int tiered;
    char *did_you_mean;       /* corrected query, or NULL */
    /* Why nothing matched, when the engine knows (a SEARCH_HINT_*,
     * static), or NULL. */
    const char *hint;
    search_hit *hits;
    unsigned nhits;
    search_facet *facets;     /* as asked by search_opts.facets */
    unsigned nfacets;
} search_results;

/* Frees what a search filled in and leaves res empty (all zero). */
void search_results_free(search_results *res);

#ifdef __cplusplus
}
#endif

#endif
