/* schema.h -- an index's metadata fields (issue 17): their names, kinds
 * and where each keeps its values in a document; the text form kept in the
 * index's metadata ("lede.schema"), the --schema declarations, and how a
 * field name in a query resolves.  Plain data and pure functions: no
 * locking (a process writing an index shares one schema between its
 * writer threads under its own lock, so that field numbers agree across
 * parts and shards), no Xapian, no index access.
 *
 * A field is a JSON Lines key beyond id/title/standfirst/text/author/url/
 * date (src/article.h keeps them in article.meta), or one lede derives:
 *   section   keyword: a directory source's article's folder, relative to
 *             the source root ("sport", "business/markets")
 *   words     number: the article's word count
 * Kinds:
 *   keyword   strings, booleans ("true"/"false"), arrays of strings or
 *             numbers: each value matched exactly, case-folded, unstemmed
 *   number    a JSON number: ranges, sorts, facets by value
 *   date      Unix seconds: ranges, sorts, histograms; inferred from a
 *             string holding a whole ISO 8601 date (date.h), or declared
 * The kind is the one of the first value seen (or declared); a later value
 * that does not fit is left out of the field (and kept in the stored
 * article) with a warning.
 *
 * In a document (src/engine.h), field i (from 0, its place in the schema):
 *   value slot SCHEMA_SLOT_BASE + i:
 *     keyword  its values as written, trimmed and cut to SCHEMA_VALUE_MAX
 *              bytes (at a UTF-8 character's start), one per distinct case-folded
 *              form, in the order of their case-folded forms, joined by
 *              SCHEMA_VALUE_SEP (facets split and add them up per value; a
 *              collapse or a sort reads the whole)
 *     number   Xapian::sortable_serialise(value)
 *     date     Xapian::sortable_serialise(Unix seconds)
 *   terms (keyword only, boolean, no positions):
 *     SCHEMA_TERM_PREFIX NAME ":" case-folded value, e.g. "XMtopics:grain",
 *     cut to Xapian's 240 bytes a term (a filter's value is cut the same
 *     way, so a long value still matches on its first 200-odd bytes)
 * Numbers and dates have no terms: their filters are value ranges.
 *
 * "lede.schema" (settings.h): one line per field in field order,
 *   NAME TAB KIND TAB ORIGIN LF
 * KIND "keyword" | "number" | "date"; ORIGIN "inferred" | "declared".
 * Fields are only ever appended: a field's number, slot and kind never
 * change once written (a compaction or merge copies the schema whole). */
#ifndef LEDE_SCHEMA_H
#define LEDE_SCHEMA_H

#include <stddef.h>
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCHEMA_SLOT_BASE 16u
#define SCHEMA_MAX_FIELDS 1024
#define SCHEMA_NAME_MAX 64
#define SCHEMA_TERM_PREFIX "XM"
#define SCHEMA_VALUE_SEP '\x1f'
/* A keyword value's bytes at most, in its slot (cut at a UTF-8 character's
 * start): a value is a name, a tag or a place, and 240 bytes keeps a
 * document's values, and a facet's counters, small. */
#define SCHEMA_VALUE_MAX 240

typedef enum { FIELD_KEYWORD, FIELD_NUMBER, FIELD_DATE } field_kind;

typedef struct schema_field {
    char name[SCHEMA_NAME_MAX + 1];
    field_kind kind;
    int declared;              /* from --schema, not inferred */
} schema_field;

typedef struct schema {
    schema_field *fields;
    size_t n, cap;
} schema;

void schema_init(schema *s);
void schema_free(schema *s);
/* Makes dst a copy of src (dst initialised; what it held is freed). */
void schema_copy(schema *dst, const schema *src);

/* "keyword", "number", "date"; and back (LEDE_OK, or LEDE_ERR naming the
 * kinds). */
const char *schema_kind_name(field_kind k);
int schema_kind_parse(const char *name, field_kind *out, char *err);

/* The roles of the names lede keeps for itself (schema.c holds the one
 * list): */
#define SCHEMA_OWN_TEXT 1u    /* an article's text field: id, title, headline,
                                 standfirst, lede, text, body, author, url */
#define SCHEMA_OWN_PREFIX 2u  /* a query prefix of lede's own: title, headline,
                                 lede, standfirst, body, author, id, date */
#define SCHEMA_OWN_WORD 4u    /* a query's or facet's word: year, month, day, dup */
#define SCHEMA_OWN_ANY 7u
/* Whether name (len bytes, any case) is one of lede's own names in one of
 * these roles. */
int schema_own_name(const char *name, size_t len, unsigned roles);

/* A name a field may have: 1 to SCHEMA_NAME_MAX bytes of [A-Za-z0-9_.-],
 * starting with a letter, and none of the article's own fields or query
 * words (id, title, headline, standfirst, lede, text, body, author, url,
 * date, year, month, day, dup).  LEDE_OK or LEDE_ERR saying why.  A JSON
 * key that is no such name stays in the stored article only. */
int schema_check_name(const char *name, size_t len, char *err);

/* The field named exactly name (len bytes), or -1. */
int schema_find(const schema *s, const char *name, size_t len);

/* Appends a field (its number returned in *index) or finds it: adding a
 * name the schema holds returns its number when the kind is the same, and
 * LEDE_ERR when it differs.  LEDE_ELIMIT past SCHEMA_MAX_FIELDS. */
int schema_add(schema *s, const char *name, size_t len, field_kind kind,
               int declared, size_t *index, char *err);

/* The field a query's "name:" means: the exact name, else the one name
 * equal ignoring case, else the one name that is name plus or minus a
 * final "s" ("topic" for "topics").  LEDE_OK with *index, or LEDE_ENOTFOUND
 * with a message naming the known fields ("unknown field 'x'; this index
 * has: section, topics, words"). */
int schema_resolve(const schema *s, const char *name, size_t len,
                   size_t *index, char *err);

/* "this index has: a, b, c" (or "this index has no metadata fields"),
 * appended to out: how every message naming the known fields ends. */
void schema_list_names(const schema *s, sbuf *out);

/* The text form of "lede.schema" (appended to out) and back: schema_parse
 * replaces what s held; LEDE_ERR on a malformed line, s then empty. */
void schema_format(const schema *s, sbuf *out);
int schema_parse(schema *s, const char *text, size_t len, char *err);

/* --schema declarations, "NAME:KIND[,NAME:KIND...]", added to s as
 * declared.  LEDE_ERR naming the bad part. */
int schema_declare(schema *s, const char *decl, char *err);

/* Merges b into a, as a reader of several databases (a front and its
 * shards, the parts of a build) must: where both have a field i it must be
 * the same (name and kind), else LEDE_ERR naming it; b's further fields
 * are appended to a. */
int schema_merge(schema *a, const schema *b, char *err);

static inline unsigned schema_slot(size_t index) {
    return SCHEMA_SLOT_BASE + (unsigned)index;
}

#ifdef __cplusplus
}
#endif

#endif
