/* http_parse.h -- an HTTP/1.x request head parsed (http_parse.c).  Only
 * the headers leded acts on are kept: Content-Length (two that differ are
 * an error), Connection, Authorization, Content-Type, Expect:
 * 100-continue; Transfer-Encoding is refused (LEDE_ELIMIT: no chunked
 * bodies).  Lines end in LF, a CR before it dropped. */
#ifndef LEDE_DAEMON_HTTP_PARSE_H
#define LEDE_DAEMON_HTTP_PARSE_H

#include "http_state.h"

/* head: the request's head without its blank line, NUL-terminated; it is
 * changed.  Fills r (whose fields start zeroed); LEDE_ESYNTAX (a request
 * line that is not HTTP/1.0 or 1.1, a header without a name, a bad
 * Content-Length) or LEDE_ELIMIT, with why in err. */
int http_parse_head(http_request *r, char *head, char *err);
/* Frees what r holds and zeroes it. */
void http_request_clear(http_request *r);

#endif
