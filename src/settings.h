/* settings.h -- the index settings kept in each database's metadata, in
 * one place: their key names, their defaults and how they are parsed and
 * written.  Owns the "lede.*" keys; must not touch the file records
 * ("F<16 hex>", indexer/filerec.h) nor any other metadata.  Plain C: the
 * core load and store go through a get/set callback pair, so the C writers
 * and readers (through the engine_writer/engine_reader wrappers below) and
 * the C++ engine (over Xapian's metadata directly) can share them.
 *
 * The keys (also src/engine.h and docs/FORMATS.md); in Xapian an empty
 * value and an absent key are the same thing:
 *   "lede.format"      index format, "3" (absent: ENGINE_FORMAT, the
 *                      current one)
 *   "lede.language"    Snowball stemmer name or "none" (absent: "english")
 *   "lede.stopwords"   the words left out, space-separated (absent: none)
 *   "lede.pivot"       format 3's pivot length, decimal (absent: the engine
 *                      uses and stores ENGINE_DEFAULT_PIVOT)
 *   "lede.common"      format 3's common words, space-separated stems
 *                      (absent: none, so no pair terms); SIMILAR leaves
 *                      them out of an article's distinctive words
 *   "lede.pair_words"  which adjacent words get a pair term: space-
 *                      separated stems, every two of which pair, a
 *                      superset of "lede.common", or by shares,
 *                      "min=P stem=S ..." (src/engine/pairs.hh)
 *                      (absent: those of "lede.common", as every index
 *                      made before it)
 *   "lede.tiers"       formats 4 and 5's tier words, space-separated
 *                      "stem=T": an article whose (scaled) wdf of the stem
 *                      is at least T also holds XT<stem> (format 4:
 *                      boolean; format 5: with the stem's wdf), so
 *                      that a query of such words can rank these first
 *                      (src/engine/tiers.cc; absent: none)
 *   "lede.prefixes"    formats 4 and 5's prefix words, space-separated: an
 *                      article whose words of a text field F start with
 *                      prefix P holds XW<F><P>, its wdf their wdfs' sum,
 *                      which a wildcard F:P* reads instead of the words
 *                      (src/engine/prefix_terms.cc; absent: none)
 *   "lede.dict"        docstore preset dictionary, bytes (absent: none)
 *   "lede.fold"        how text is folded into terms: ENGINE_FOLD (engine.h:
 *                      NFKC, accents off, CJK in n-grams), stored in every
 *                      index created since; absent: not folded (an index
 *                      made before, read as it was written)
 *   "lede.stop_pairs"  "1": the index holds a pair term for each two stop
 *                      words at adjacent positions (engine.h), stored in
 *                      every index created since with stop words; absent:
 *                      none, so phrases of stop words are left out as before
 *   "lede.commit_time" Unix seconds of the last commit, decimal (stamped by
 *                      every engine commit; absent: 0)
 *   "lede.changes"     replacements and deletions since the last compaction,
 *                      decimal (livewriter.h; absent: 0)
 *   "lede.revision_base" added to Xapian's revision of the database to
 *                      make the revision lede reports (engine.h), decimal
 *                      (absent: 0): a compaction sets it in the new
 *                      database so that the revision never goes down
 *   "lede.shards"      in the front of a sharded index (src/shards.h): how
 *                      many shards it has, decimal (absent: 0, not a front)
 *   "lede.shard"       in a shard of a sharded index: "K N", decimal, it is
 *                      shard K (from 0) of N (absent: not a shard)
 *   "lede.schema"      the metadata fields, schema.h's text (absent: none);
 *                      bookkeeping: a writer's commit writes its process's
 *                      whole schema (src/engine/fields.cc), fields only
 *                      ever appended; a compaction keeps the merge of its
 *                      sources'; readers merge every database's and load
 *                      it again whenever they move to a newer revision
 * The first ten are fixed when the index is created (SETTINGS_INDEX), and
 * written only into a new database (a shard, a merge, a new index), never
 * by a commit to one that readers have open: readers load them again only
 * when the stub names other databases (src/engine/refresh.cc).  The next
 * three (and "lede.schema") are bookkeeping that changes with commits and compactions.  The shard keys are
 * written once, when a sharded index is created, and say what a database
 * is: they differ between the front and each shard, whose SETTINGS_INDEX
 * values are all the same. */
#ifndef LEDE_SETTINGS_H
#define LEDE_SETTINGS_H

#include <stdint.h>
#include "engine.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One bit per key, for settings_store/erase and settings.stored. */
enum {
    SETTINGS_FORMAT = 1u << 0,
    SETTINGS_LANGUAGE = 1u << 1,
    SETTINGS_STOPWORDS = 1u << 2,
    SETTINGS_PIVOT = 1u << 3,
    SETTINGS_COMMON = 1u << 4,
    SETTINGS_DICT = 1u << 5,
    SETTINGS_COMMIT_TIME = 1u << 6,
    SETTINGS_CHANGES = 1u << 7,
    SETTINGS_SHARDS = 1u << 8,
    SETTINGS_SHARD = 1u << 9,
    SETTINGS_REVISION_BASE = 1u << 10,
    SETTINGS_SCHEMA = 1u << 11,
    SETTINGS_FOLD = 1u << 12,
    SETTINGS_STOP_PAIRS = 1u << 13,
    SETTINGS_PAIR_WORDS = 1u << 14,
    SETTINGS_TIERS = 1u << 15,
    SETTINGS_PREFIXES = 1u << 16,
};
#define SETTINGS_INDEX (SETTINGS_FORMAT | SETTINGS_LANGUAGE | SETTINGS_STOPWORDS | \
                        SETTINGS_PIVOT | SETTINGS_COMMON | SETTINGS_DICT | SETTINGS_FOLD | \
                        SETTINGS_STOP_PAIRS | SETTINGS_PAIR_WORDS | SETTINGS_TIERS | \
                        SETTINGS_PREFIXES)
#define SETTINGS_ALL (SETTINGS_INDEX | SETTINGS_COMMIT_TIME | SETTINGS_CHANGES | \
                      SETTINGS_SHARDS | SETTINGS_SHARD | SETTINGS_REVISION_BASE | \
                      SETTINGS_SCHEMA)

#define SETTINGS_DEFAULT_LANGUAGE "english"

/* After settings_load every string is set (never NULL); after
 * settings_init nothing is allocated and every field is empty or 0. */
typedef struct settings {
    char *format;          /* "lede.format" */
    char *language;        /* "lede.language" */
    char *stopwords;       /* "lede.stopwords", "" for none */
    char *pivot;           /* "lede.pivot", "" when absent */
    sbuf common;           /* "lede.common" */
    sbuf pair_words;       /* "lede.pair_words" */
    sbuf tiers;            /* "lede.tiers" */
    sbuf prefixes;         /* "lede.prefixes" */
    sbuf dict;             /* "lede.dict" */
    uint64_t commit_time;  /* "lede.commit_time" */
    uint64_t changes;      /* "lede.changes" */
    uint64_t shards;       /* "lede.shards" */
    char *shard;           /* "lede.shard", "" when absent */
    uint64_t revision_base; /* "lede.revision_base" */
    sbuf schema;           /* "lede.schema" (schema.h's text) */
    char *fold;            /* "lede.fold", "" when absent */
    char *stop_pairs;      /* "lede.stop_pairs", "" when absent */
    unsigned stored;       /* SETTINGS_* bits of the keys the index holds */
} settings;

/* The metadata behind the settings: get returns LEDE_OK with the value in
 * out, LEDE_ENOTFOUND when the key is absent, or LEDE_ERR (message in
 * err); set writes val[0..len), val NULL deleting the key. */
typedef int (*settings_get_fn)(void *ctx, const char *key, sbuf *out, char *err);
typedef int (*settings_set_fn)(void *ctx, const char *key, const char *val,
                               size_t len, char *err);

void settings_init(settings *s);
void settings_free(settings *s);
/* The key name of one SETTINGS_* bit (NULL for anything else). */
const char *settings_key(unsigned bit);
/* Replaces a string setting (format, language, stopwords, pivot). */
void settings_set_string(char **slot, const char *value);

/* "lede.shard" of shard k of n into s->shard. */
void settings_set_shard(settings *s, unsigned k, unsigned n);
/* Parses s->shard: LEDE_OK with *k and *n, LEDE_ENOTFOUND when absent,
 * LEDE_ERR (message in err) when malformed. */
int settings_get_shard(const settings *s, unsigned *k, unsigned *n, char *err);

/* The first of the keys in which whose values differ between a and b (its
 * SETTINGS_* bit; a key one holds and the other not differs), 0 if none. */
unsigned settings_differ(const settings *a, const settings *b, unsigned which);

/* Reads every key (defaults for the absent ones) into s, which must be
 * initialised; what it held is freed. */
int settings_load(settings *s, settings_get_fn get, void *ctx, char *err);
/* Writes the keys in which: strings and bytes as they are, an empty one
 * deleting its key; numbers in decimal, 0 included. */
int settings_store(const settings *s, unsigned which, settings_set_fn set,
                   void *ctx, char *err);
/* Deletes the keys in which. */
int settings_erase(unsigned which, settings_set_fn set, void *ctx, char *err);

/* The same over the engine's writers and readers. */
int settings_load_reader(settings *s, engine_reader *r, char *err);
int settings_load_writer(settings *s, engine_writer *w, char *err);
int settings_store_writer(const settings *s, unsigned which, engine_writer *w,
                          char *err);
int settings_erase_writer(unsigned which, engine_writer *w, char *err);

#ifdef __cplusplus
}
#endif

#endif
