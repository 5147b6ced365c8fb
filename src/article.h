/* article.h -- the article record and the two parsers that make one: the
 * plain-text layout (optional "Key: value" header block, headline,
 * standfirst, body) and one JSON Lines object; and article_from_bytes, the
 * one way from the raw bytes a writer received (a file, a JSON line, a
 * request) to an article: UTF-8 repair, the parser, the default id and
 * date.  Parsers are pure: they see bytes that are already valid UTF-8.
 * Nothing here touches files, the index or the messages a writer prints. */
#ifndef LEDE_ARTICLE_H
#define LEDE_ARTICLE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>
#include "schema.h"
#include "utf8.h"

struct article_fields;

typedef struct article {
    char *id;          /* identity: relative path or JSON id */
    char *title;       /* headline */
    char *standfirst;  /* one-sentence summary, may be "" */
    char *body;        /* remaining paragraphs, may be "" */
    char *author;      /* NULL when absent */
    char *url;         /* NULL when absent */
    char *meta;        /* other fields as a compact JSON object, or NULL */
    char *section;     /* a directory source's folder of the article, or
                        * NULL: its "section" field unless meta has one;
                        * not stored (the docstore keeps meta only) */
    int64_t date;      /* Unix seconds, UTC; valid when has_date */
    int has_date;
    struct article_fields *fields; /* article_fields_of(a) as the indexer's
                        * reading thread made it (fields_note), kept for
                        * the writer that stores a (the engine's
                        * add_fields) not to parse them again; NULL: not
                        * made.  Owned: article_free frees it.  Whoever
                        * changes the text or meta after setting it must
                        * drop it. */
} article;

void article_init(article *a);
void article_free(article *a);
/* True when headline, standfirst and body are all blank. */
int article_is_empty(const article *a);

/* Plain text.  Returns LEDE_OK, or LEDE_ESKIP with a reason in err (empty
 * article).  A header that cannot be used (a bad Date) leaves a note in
 * warn (may be NULL) and the article is still returned. */
int article_parse_text(const char *text, size_t len, article *a, char *err,
                       char *warn);

/* One JSON Lines record.  Returns LEDE_OK or LEDE_ESKIP with the reason in
 * err (malformed JSON, wrong field type, empty).  a->id stays NULL when the
 * object has no "id": the caller chooses one. */
int article_parse_json(const char *line, size_t len, article *a, char *err,
                       char *warn);

/* An article's id: 1 to ARTICLE_ID_MAX bytes, no control character (LF,
 * TAB, CR, NUL, DEL, ...): an id the line protocol cannot carry could
 * never be fetched or deleted.  Returns LEDE_OK or LEDE_ESKIP with the
 * reason in err. */
#define ARTICLE_ID_MAX 1024
int article_check_id(const char *id, size_t len, char *err);

typedef enum { ARTICLE_TEXT, ARTICLE_JSON } article_layout;

/* What an article gets when its bytes do not say. */
typedef struct article_defaults {
    const char *id;      /* id of an article without one; NULL: none */
    const char *section; /* a directory source's folder of the article
                          * ("sport"): its section; NULL or "": none */
    uint64_t id_line;    /* not 0: that id is "<id>#<id_line>" (the line
                          * of a JSON Lines record without an "id") */
    int has_date;        /* date of an undated article, when set */
    int64_t date;
} article_defaults;

/* What article_from_bytes did to bytes that were not valid UTF-8. */
typedef struct article_repair {
    utf8_repair_kind kind;   /* UTF8_CLEAN: nothing */
    size_t fixed;            /* invalid bytes */
} article_repair;

/* Repairs invalid UTF-8 (utf8.h; rep, which may be NULL, says how),
 * parses the bytes in their layout and fills in what d gives (may be NULL)
 * and the article lacks; refuses an id article_check_id refuses.  Returns LEDE_OK, or LEDE_ESKIP with the reason
 * in err and a freed.  warn as for the parsers. */
int article_from_bytes(const char *bytes, size_t len, article_layout layout,
                       const article_defaults *d, article *a,
                       article_repair *rep, char *err, char *warn);

/* ---- metadata fields (src/article_fields.c; schema.h) -----------------
 * An article's typed fields, read from its meta (the JSON keys beyond its
 * own, a text header's other keys) plus the derived "section" (a->section,
 * unless meta has one) and "words".  Pure: the same article always gives
 * the same fields. */
typedef struct article_value {
    char *text;          /* as written, trimmed; a number as JSON has it;
                          * a boolean "true" / "false" */
    double number;       /* is_number: a JSON number */
    int64_t seconds;     /* is_date: a string holding a whole ISO 8601 date */
    unsigned char is_number, is_date;
} article_value;

typedef struct article_field {
    char *name;          /* the key as written */
    field_kind kind;     /* inferred from its values (a string that is a
                          * date: FIELD_DATE; a number: FIELD_NUMBER; else
                          * FIELD_KEYWORD); fieldbook_resolve sets the
                          * schema's */
    article_value *values;
    size_t n;
    int index;           /* its field number once resolved; -1 before, or
                          * when it cannot be a field */
    const char *problem; /* non-NULL: not a field (a bad name, a nested
                          * object), kept in the stored article only */
    int derived;         /* lede's own (section, words), not a key of the
                          * article's JSON */
} article_field;

typedef struct article_fields {
    article_field *f;
    size_t n;
} article_fields;

void article_fields_free(article_fields *f);
/* The fields of a (out initialised with {0}; what it held is freed).
 * Keys whose value is null or an empty array give nothing; a key that
 * cannot be a field is listed with its problem. */
void article_fields_of(const article *a, article_fields *out);
/* The derived "words" field: the article's word count, the runs of
 * non-blank bytes (space, TAB, LF, VT, FF, CR separate them) holding a
 * letter, a digit or a non-ASCII byte, in headline, standfirst and body. */
uint64_t article_word_count(const article *a);

#ifdef __cplusplus
}
#endif

#endif
