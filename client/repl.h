/* repl.h -- the client's interactive prompt (libedit): queries, paging with
 * :next, reading a hit with :get N, history.  Must not parse replies or
 * speak the protocol itself (render.h, conn.h). */
#ifndef LEDE_CLIENT_REPL_H
#define LEDE_CLIENT_REPL_H

#include "conn.h"
#include "render.h"

typedef struct search_settings {
    unsigned limit, offset;
    const char *sort;  /* sort= as given (the server checks it); NULL: relevance */
    int any;
    render_style view; /* colour (and highlight markers asked for), width */
    const char *facets;   /* --facets: the facets= list, or NULL */
    const char *collapse;   /* --collapse dup|FIELD, or NULL */
    int dups;               /* similar --dups: show near-duplicates, flagged */
} search_settings;

/* Builds "SEARCH options -- query" for the daemon; highlight markers only
 * when the output is in colour (view.color). */
void search_line(sbuf *out, const search_settings *s, const char *query);
/* Builds "SIMILAR ID options [-- filter]" (filter NULL or "": none). */
void similar_line(sbuf *out, const search_settings *s, const char *id, const char *filter);
/* Runs the prompt until EOF or :quit; returns the exit status. */
int repl_run(lconn *c, search_settings *s);

#endif
