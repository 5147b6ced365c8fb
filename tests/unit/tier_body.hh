/* tier_body.hh -- the article bodies the tier tests index (test_tiers,
 * test_tier_wdf, test_prefix_tiers, test_narrow_tiers): words repeated in
 * a pattern of the article's number, then filler words, so that wdfs and
 * lengths vary and few distinct ones make scores tie across a page's cut.
 * Test code only: it builds strings and touches no index. */
#ifndef LEDE_TIER_BODY_HH
#define LEDE_TIER_BODY_HH

#include <string>

/* least + i % 7 of twelve filler words, from the (i % 12)th on, each
 * followed by a space. */
static inline std::string unit_filler(unsigned i, unsigned least) {
    static const char *const filler[] = {"river", "stone", "cloud", "maple", "copper", "harbour", "lantern",
                                         "meadow", "signal", "timber", "violet", "window"};
    std::string out;
    for (unsigned k = 0; k < least + i % 7; k++) out += std::string(filler[(i + k) % 12]) + " ";
    return out;
}

/* Article i: "alpha" 0-3 times (i % 4), second 0-2 times ((i / 4) % 3),
 * third once where i % 7 == 3 (NULL: never), then 10-16 filler words. */
static inline std::string unit_tier_body(unsigned i, const char *second, const char *third) {
    std::string body;
    for (unsigned k = 0; k < i % 4; k++) body += "alpha ";
    for (unsigned k = 0; k < (i / 4) % 3; k++) body += std::string(second) + " ";
    if (third && i % 7 == 3) body += std::string(third) + " ";
    return body + unit_filler(i, 10);
}

#endif
