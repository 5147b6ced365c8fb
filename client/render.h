/* render.h -- how the client shows replies: search hits, an article, stats
 * or an error, for a terminal (colour, highlighted matches) or a pipe
 * (plain).  Parses the text protocol's data lines; prints to a FILE.
 * Must not read or write the connection. */
#ifndef LEDE_CLIENT_RENDER_H
#define LEDE_CLIENT_RENDER_H

#include <stdio.h>
#include "conn.h"

/* Highlight markers the client asks the daemon for (bytes no article
 * contains); render turns them into colour or nothing. */
#define RENDER_HL_OPEN "\x01"
#define RENDER_HL_CLOSE "\x02"

/* How output looks: colour (and highlighted matches) or plain; the
 * terminal's width snippets are wrapped to (0: not wrapped, a pipe). */
typedef struct render_style {
    int color;
    int width;
    int raw;          /* get --raw: the body as it came in, boilerplate and all */
} render_style;

typedef struct hitlist {
    char **ids;       /* ids of the hits shown, by rank order */
    int n;
    unsigned long long total;
    int exact;
    char *did_you_mean; /* the reply's suggestion, or NULL */
} hitlist;

/* Returns the number of hits printed; fills hits (may be NULL). */
int render_search(FILE *f, const render_style *v, const reply *r, hitlist *hits);
void render_article(FILE *f, const render_style *v, const reply *r);
/* Columns of the terminal on fd ($COLUMNS if the terminal does not say);
 * 80 if neither does. */
int render_terminal_width(int fd);
void render_lines(FILE *f, const reply *r);     /* STATS, HELP, SUGGEST */
void hitlist_free(hitlist *h);

#endif
