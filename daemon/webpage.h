/* webpage.h -- the search page's bytes (web/index.html), compiled into
 * leded at build time by web/embed.py as build/web/page.c: GET / serves
 * them as they are, with no file read at run time.  Only the bytes live
 * here; routing and replying are the HTTP server's. */
#ifndef LEDE_WEBPAGE_H
#define LEDE_WEBPAGE_H

#include <stddef.h>

extern const unsigned char webpage_html[];
extern const size_t webpage_len;
/* Its Content-Security-Policy (as in its <meta>, with its script's hash). */
extern const char webpage_csp[];

#endif
