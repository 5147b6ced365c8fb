/* qsyntax.h -- checks a query string for the mistakes Xapian's QueryParser
 * would silently forgive or report obscurely: an empty query, an unclosed
 * phrase quote, unbalanced parentheses, a boolean operator with nothing on
 * one side.  Pure function; the message says what is wrong and where. */
#ifndef LEDE_QSYNTAX_H
#define LEDE_QSYNTAX_H

#ifdef __cplusplus
extern "C" {
#endif

/* LEDE_OK, or LEDE_ERR with the problem in err. */
int qsyntax_check(const char *query, char *err);

#ifdef __cplusplus
}
#endif

#endif
