/* article.h -- the article record and the two parsers that make one: the
 * plain-text layout (optional "Key: value" header block, headline,
 * standfirst, body) and one JSON Lines object.  Parsers are pure: they see
 * bytes that are already valid UTF-8 and never touch files or the index. */
#ifndef LEDE_ARTICLE_H
#define LEDE_ARTICLE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

typedef struct article {
    char *id;          /* identity: relative path or JSON id */
    char *title;       /* headline */
    char *standfirst;  /* one-sentence summary, may be "" */
    char *body;        /* remaining paragraphs, may be "" */
    char *author;      /* NULL when absent */
    char *url;         /* NULL when absent */
    char *meta;        /* other fields as a compact JSON object, or NULL */
    int64_t date;      /* Unix seconds, UTC; valid when has_date */
    int has_date;
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

#ifdef __cplusplus
}
#endif

#endif
