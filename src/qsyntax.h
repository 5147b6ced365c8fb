/* qsyntax.h -- checks a query string for the mistakes Xapian's QueryParser
 * would silently forgive or report obscurely: an empty query, an unclosed
 * phrase quote, unbalanced or empty parentheses, a boolean operator with nothing on
 * one side, a NEAR/N or ADJ/N whose N is not 1 to QSYNTAX_MAX_DISTANCE,
 * a field with nothing after its colon (title:), a date: that is not a
 * range of dates, a range whose ends are the wrong way round.
 * Pure function; the message says what is wrong and where. */
#ifndef LEDE_QSYNTAX_H
#define LEDE_QSYNTAX_H

#ifdef __cplusplus
extern "C" {
#endif

/* The largest distance NEAR/N and ADJ/N take (docs/QUERY.md). */
#define QSYNTAX_MAX_DISTANCE 1000

/* LEDE_OK, or LEDE_ERR with the problem in err. */
int qsyntax_check(const char *query, char *err);

#ifdef __cplusplus
}
#endif

#endif
