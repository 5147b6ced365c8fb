/* jsonw.h -- JSON values written straight into an sbuf, for the replies
 * built on every query (protocol_reply.c's SEARCH/SIMILAR/COUNT in JSON,
 * which HTTP serves).  The bytes are those jansson's json_dumps with
 * JSON_COMPACT writes for the same values (tests/unit/test_jsonw.c holds
 * them to it), so a reply reads the same whichever built it; building a
 * jansson tree and dumping it cost 8-9% of an HTTP search's CPU (perf, a
 * 10-hit reply: ~150 allocations and a second pass).  Cold replies keep
 * jansson.  Keys are the caller's literals, written with sbuf_puts. */
#ifndef LEDE_JSONW_H
#define LEDE_JSONW_H

#include "util.h"

#include <stdint.h>

/* A string: escaped as jansson does (", \, control characters); one that
 * is NULL is "", one that is not valid UTF-8 is U+FFFD (as json_string's
 * refusal and protocol_reply.c's fallback made it). */
void jsonw_str(sbuf *out, const char *s);
void jsonw_int(sbuf *out, long long v);
/* A double as json_real dumps it: %.17g, ".0" added when it would read as
 * an integer, the exponent without '+' or leading zeros. */
void jsonw_real(sbuf *out, double v);
void jsonw_bool(sbuf *out, int v);

#endif
