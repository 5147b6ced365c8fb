/* boiler.h -- boilerplate learned from repetition (issue 21): the lines of
 * an article's body that recur, normalised, across many articles of the
 * same source (newsletter prompts, author bios, wire sign-offs, cookie
 * notices).  Owns the counting table a writing process shares between its
 * writers (under a lock, as fieldbook.h does for the schema), its text
 * form (the index's metadata "lede.boilerplate", docs/FORMATS.md) and the
 * decision which lines are boilerplate.  Touches no index: the engine's
 * writer loads and stores the text (src/engine/boilerplate.cc).
 *
 * A block is one line of the body (paragraphs are lines to it: a
 * paragraph of several lines is boilerplate line by line), and the short
 * tail of its last line (BOILER_TAIL_WORDS).  Normalised:
 * ASCII letters lower-cased, digits dropped, every other ASCII byte a word
 * separator, bytes of UTF-8 sequences kept; hashed.  Each article counts
 * a block once, under its source (boiler_source_of), and only when it is
 * first written: a new version of an article (REPLACED) is not counted.
 *
 * A block is boilerplate for its source when it was seen in at least
 * BOILER_MIN_REPEAT articles and BOILER_MIN_SHARE of the source's
 * articles; a short block (at most BOILER_SHORT_WORDS words: "Reuter",
 * "Photo: AP") needs BOILER_SHORT_REPEAT articles and BOILER_SHORT_SHARE.
 * A block of more than BOILER_MAX_WORDS words is prose, never counted.
 * An article whose boilerplate would be more than BOILER_MAX_COVER of its
 * body is a copy of another (a republished story), not furniture: nothing
 * of it is cleaned.  Measured on tests/boilergen.py's collection
 * (bench/results/boilerplate.md). */
#ifndef LEDE_BOILER_H
#define LEDE_BOILER_H

#include <stddef.h>
#include <stdint.h>
#include "article.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BOILER_MIN_REPEAT 4
#define BOILER_MIN_SHARE 0.01
#define BOILER_SHORT_WORDS 2
#define BOILER_SHORT_REPEAT 20
#define BOILER_SHORT_SHARE 0.05
#define BOILER_MAX_WORDS 80
/* The last line's tail after its last sentence (a one-line body's
 * sign-off: "... said. Reuter") is a block too when it has at most this
 * many words. */
#define BOILER_TAIL_WORDS 3
#define BOILER_MAX_COVER 0.7
/* The counting table's default size in entries (24 bytes each): when it
 * is three quarters full the blocks seen least are dropped, so that a
 * blurb in 1% of a source's articles survives between two sweeps (a
 * sweep leaves at most half of it). */
#define BOILER_DEFAULT_CAP (1u << 18)
/* Sources told apart; a later one counts under the shared "*". */
#define BOILER_MAX_SOURCES 4096
/* Bytes of a block kept to show it (--info). */
#define BOILER_TEXT_MAX 100

/* The index metadata key of the table's text (docs/FORMATS.md). */
#define BOILER_META_KEY "lede.boilerplate"
/* Its value in an index built with --keep-boilerplate: nothing is learned
 * or left out, by any later writer either. */
#define BOILER_OFF "off"

typedef struct boiler_table boiler_table;

/* A byte range [start, end) of a body. */
typedef struct boiler_span {
    size_t start, end;
} boiler_span;

/* cap: entries (0: BOILER_DEFAULT_CAP). */
boiler_table *boiler_new(size_t cap);
void boiler_free(boiler_table *t);

/* The source an article counts under, into out (reset): its JSON
 * "source" field, else its "site", else its directory (a->section), else
 * "" (the collection). */
void boiler_source_of(const article *a, sbuf *out);

/* Counts the article's blocks (each distinct one once) and the article
 * under source. */
void boiler_observe(boiler_table *t, const char *source, const char *body);

/* The boilerplate lines of body, in order (*out malloc'd, freed by the
 * caller; NULL when none); returns how many. */
size_t boiler_spans(boiler_table *t, const char *source, const char *body, boiler_span **out);

/* boiler_observe of an article's body under its source. */
void boiler_observe_article(boiler_table *t, const article *a);

/* What a writer counted since its last commit, so that an owner that
 * drops those articles for good can take their counts back: a failed
 * sharded lede-index run, whose shards that committed stored the shared
 * table with the other shards' dropped articles counted, takes them back
 * and stores the table again (indexer/shardrun.c); the next run counts
 * them once, when it makes them again.  A record an article: its source
 * and the keys of its blocks, 8 bytes each. */
typedef struct boiler_log boiler_log;
boiler_log *boiler_log_new(void);
void boiler_log_free(boiler_log *l);
void boiler_log_clear(boiler_log *l);
/* boiler_observe_article, noting in log (NULL: nowhere) what it counted. */
void boiler_observe_article_logged(boiler_table *t, const article *a, boiler_log *log);
/* Takes back from t every count log holds (each article under its
 * source, each of its blocks; a block swept from t since is passed over)
 * and clears log. */
void boiler_unobserve(boiler_table *t, boiler_log *log);

/* A line learned as boilerplate since the table's learned lines were last
 * taken: the articles written with it before (any number of them) are to
 * be made again, which a compaction does (src/engine/reclean.cc finds
 * them by the line's words).  A line learned before any article was
 * written with the table (a full build's first, held articles: all are
 * counted before any is written) is in none: not listed.  A line that was
 * boilerplate once, then not (its share of its source fell), is listed
 * again when an article is written with it meanwhile. */
typedef struct boiler_learned {
    char *source; /* its source's name */
    char *text;   /* how it read, at most BOILER_TEXT_MAX bytes */
} boiler_learned;
/* The learned lines that are boilerplate now, taken: *out malloc'd
 * (boiler_learned_free; NULL when none), returns how many.  Those not
 * boilerplate now stay listed (and in the text form) until they are. */
size_t boiler_take_learned(boiler_table *t, boiler_learned **out);
void boiler_learned_free(boiler_learned *v, size_t n);
/* At most this many learned lines are kept between two compactions (8
 * bytes each); past it the first articles of later ones keep them. */
#define BOILER_LEARNED_MAX (1u << 16)

/* body without its boilerplate lines (each left as an empty line) into
 * out; returns how many lines were taken out. */
size_t boiler_clean(boiler_table *t, const char *source, const char *body, sbuf *out);

/* boiler_spans of an article's body under its source (boiler_source_of). */
size_t boiler_article_spans(boiler_table *t, const article *a, boiler_span **out);
/* boiler_observe_article then boiler_article_spans, the body's lines and
 * source worked out once (a full build's reading thread, per article). */
size_t boiler_observe_article_spans(boiler_table *t, const article *a, boiler_span **out);
/* body without the n spans (boiler_spans' order) into out (reset). */
void boiler_cut(const char *body, const boiler_span *spans, size_t n, sbuf *out);
/* A trailing bio's subject (boiler_bio_subject) among the n spans of body. */
int boiler_bio_in(const char *body, const boiler_span *spans, size_t n, sbuf *out);

/* A trailing author bio: the body's last boilerplate line reads
 * "<Name> is a|an|the ..." with a Name of two to four capitalised words;
 * the Name into out.  Returns 1 if found. */
int boiler_bio_subject(boiler_table *t, const char *source, const char *body, sbuf *out);

/* The table as the text of "lede.boilerplate" (docs/FORMATS.md): the
 * sources and the blocks seen in two articles or more. */
void boiler_to_text(boiler_table *t, sbuf *out);
/* Merges such a text into t: each count the larger of the two.
 * LEDE_ERR naming what on a malformed text (t keeps what was read). */
int boiler_merge_text(boiler_table *t, const char *text, size_t len, const char *what, char *err);

/* The most frequent boilerplate blocks of each source, at most per_source
 * of them: "<source>\t<articles>\t<count>\t<text>" lines into out. */
void boiler_list(boiler_table *t, size_t per_source, sbuf *out);

/* Normalised form of one line into out (reset); returns its words. */
size_t boiler_normalise(const char *line, size_t len, sbuf *out);
/* lede_hash of what boiler_normalise makes of line, without making it;
 * *words its words, but BOILER_MAX_WORDS + 1 (and the hash 0) for a line
 * of more (prose, whose hash is never asked). */
uint64_t boiler_line_hash(const char *line, size_t len, size_t *words);

#ifdef __cplusplus
}
#endif

#endif
