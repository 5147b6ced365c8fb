/* date.h -- article dates: parsing the forms found in article headers and
 * JSON (ISO 8601 and RFC 2822) into Unix seconds (UTC), and formatting them
 * back as ISO 8601.  Pure functions, no locale, no time zone database. */
#ifndef LEDE_DATE_H
#define LEDE_DATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Parses s; returns LEDE_OK and sets *out, or LEDE_ERR if s is not a date
 * in a supported form.  Offsets (+02:00, -0500, Z) are honoured. */
int date_parse(const char *s, int64_t *out);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void date_format(int64_t t, char out[32]);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t date_days_from_civil(int64_t y, unsigned m, unsigned d);
/* One end of a date range (date:FROM..TO, a date field's LO..HI): YYYY,
 * YYYY-MM, YYYY-MM-DD or a full date date_parse reads.  A partial date
 * gives its first second (end 0) or its last (end 1).  LEDE_OK and *out
 * in Unix seconds, or LEDE_ERR if s is not such a date. */
int date_range_bound(const char *s, int end, int64_t *out);

#ifdef __cplusplus
}
#endif

#endif
