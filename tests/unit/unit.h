/* unit.h -- the smallest test harness that does the job: CHECK prints one
 * TAP-style line per assertion ("ok - ..." / "not ok - ... at file:line"),
 * and unit_exit() makes the program's status reflect any failure.  The
 * runner (tests/run) counts the lines. */
#ifndef LEDE_UNIT_H
#define LEDE_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failures;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        int pass_ = (cond) ? 1 : 0;                                         \
        printf(pass_ ? "ok - " : "not ok - ");                              \
        unit_failures += !pass_;                                            \
        printf(__VA_ARGS__);                                                \
        if (!pass_) printf("  [%s:%d: %s]", __FILE__, __LINE__, #cond);     \
        printf("\n");                                                       \
    } while (0)

#define CHECK_STR(got, want, ...)                                           \
    do {                                                                    \
        const char *g_ = (got), *w_ = (want);                               \
        int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;            \
        CHECK(same_, __VA_ARGS__);                                          \
        if (!same_) printf("#   got: '%s'\n#  want: '%s'\n",                \
                           g_ ? g_ : "(null)", w_ ? w_ : "(null)");         \
    } while (0)

static inline int unit_exit(void) {
    return unit_failures ? 1 : 0;
}

#endif
