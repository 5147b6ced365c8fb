/* engine.h -- the only door to Xapian.  A thin C API over the engine, a
 * C++ module in src/engine/ (one .cc file per concern, sharing the private
 * header src/engine/internal.hh, which nothing outside includes): writers
 * that turn articles into Xapian documents, readers that fetch them back
 * and search them, metadata, compaction and integrity checks.  No Xapian
 * type or C++ exception crosses this header: every call returns a LEDE_*
 * code and leaves a message in a caller-supplied err buffer.
 *
 * What a document holds (the index format, version 4):
 *   terms    S<word>   headline words, wdf x3, with positions
 *            XL<word>  standfirst words, wdf x2, with positions
 *            <word>    body words, with positions, plus the headline (x3)
 *                      and standfirst (x2) words without positions: the
 *                      whole text as one term, what a plain word query
 *                      reads (version 1 had body words only, and readers
 *                      merge the three terms of a version 1 index)
 *            A<word>   author words, with positions
 *            Q<id>     unique id (boolean); "Q#<16 hex>" when the id is too
 *                      long for a term (see engine_id_term)
 *            XF<16 hex> the source file the article came from (boolean)
 *            XP<prefix>:<word> <word>  (formats 3 to 5; boolean) two words
 *                      that pair (metadata "lede.pair_words", else
 *                      "lede.common": src/engine/pairs.hh's rule)
 *                      at adjacent positions of one field, e.g.
 *                      "XP:mln dlr", "XPS:interest rate";
 *                      readers AND it, without weight, into an exact
 *                      phrase of those words instead of reading positions
 *            XP<prefix>:<stop> <stop>  (metadata "lede.stop_pairs" = "1";
 *                      boolean) two stop words adjacent in the text of one
 *                      field (nothing but separators between them), as
 *                      written, lower-cased and folded like the text, e.g.
 *                      "XP:to be", "XPS:of the": the stop words themselves
 *                      have no terms, so a phrase of them is found by these
 *            XW<prefix><start>  (formats 4, 5, metadata "lede.prefixes") the
 *                      words of one text field (body, S, XL) that start
 *                      with a prefix word, e.g. "XWcomp", "XWScomp": its
 *                      wdf the sum of theirs (baked), what a wildcard of
 *                      them adds up, so that comp* reads one posting list
 *                      (src/engine/prefix_terms.cc)
 *   wdf      formats 4 and 5: each term's wdf above (its "raw wdf") is replaced by
 *            its frequency normalised by the document's length, scaled:
 *              wdf = max(1, round(64 x raw / (0.25 + 0.75 x len / pivot))),
 *            len the document's raw length (the sum of raw wdf over its
 *            terms), pivot the index's "lede.pivot" (fixed when the index
 *            is created: the mean raw length of the articles the first
 *            build samples, else ENGINE_DEFAULT_PIVOT).  Ranked by Xapian's
 *            own BM25Weight(k1 = 1.2 x 64, k2 = 0, k3 = 1, b = 0), which is
 *            BM25 (k1 = 1.2, b = 0.75) times a constant and reads no
 *            document length, so a remote shard's stock xapian-tcpsrv
 *            ranks it as lede does (src/engine/ranking.hh).  Document
 *            lengths are sums of these (format 5's with its XT tier
 *            terms' wdfs); no ranking reads them, SIMILAR's term
 *            expansion (Xapian's get_eset) does (docs/FORMATS.md).
 *            Format 3 (still read, locally only) stored impacts instead,
 *            max(1, round(255 x raw / (K + raw))), K = 1.2 x (0.25 + 0.75 x
 *            len / pivot), ranked by lede's own ImpactWeight, which no
 *            remote server knows.  Version 2 stored raw wdf and was ranked
 *            by BM25 from it and the lengths.
 *   Words are stemmed with the index language (Snowball, STEM_ALL: stems
 *   carry the positions, so phrases match on stems) unless it is "none".
 *   Stop words (metadata "lede.stopwords", absent: none) are not indexed
 *   and take no position, so the words on either side are adjacent;
 *   readers drop them from phrases and NEAR to match.
 *   values   slot 0  date, Xapian::sortable_serialise(Unix seconds)
 *            slot 1  content fingerprint, 8 bytes big-endian
 *            slot 2  in a shard of a sharded index ("lede.shard" set) only:
 *                    the head, what a result list shows: the date as 8
 *                    bytes big-endian (Unix seconds + 2^63; 0 when
 *                    undated), then the stored article's bytes up to the
 *                    end of its head (docstore_head_size).  Sorting on it
 *                    orders by date, and a remote server returns it with
 *                    each hit as the sort key, so a page without snippets
 *                    from remote shards reads no document (a round trip
 *                    each in Xapian 1.4's remote protocol)
 *            slot 3  the day of a dated article, "YYYYMMDD" (8 ASCII digits,
 *                    UTC); none when undated.  Date histograms (facets=
 *                    year, month, day) count its first 4, 6 or 8 digits
 *                    (src/engine/facets.cc); an index written before it
 *                    has none, so its histograms are empty until rebuilt
 *            slot 4  near-duplicate group key, 8 bytes big-endian: the
 *                    lede_hash of the id term (Q...) of the group's first
 *                    article; set only on the articles of a group of two
 *                    or more (src/engine/duplicates.cc), so that a collapse
 *                    on it never joins ungrouped articles (Xapian does not
 *                    collapse an empty key)
 *            slot 5  reserved for the near-duplicate signature, which is
 *                    a term instead (XS below: Xapian 1.4 aborts when a
 *                    commit runs out of disk growing a value stream)
 *   terms    XS<128 hex>  (boolean) the near-duplicate signature: DUP_HASHES
 *            (64) MinHash minima over the article's 4-word shingles, the
 *            low 8 bits of each; none when the article has no word
 *            (src/engine/duplicates.cc)
 *            XD<band hex><8 hex>  (boolean) bands 0 and 1 of the signature
 *            (4 minima each): a live writer's candidate near-duplicates
 *            slot 16+i  metadata field i (schema.h): a keyword field's
 *                    values joined by SCHEMA_VALUE_SEP, a number's or a
 *                    date's sortable_serialise (src/engine/fields.cc)
 *   metadata fields (schema.h): a keyword field's values are boolean terms
 *            XM<name>:<case-folded value>; numbers and dates have none
 *            (their filters are value ranges)
 *   data     the stored article (docstore.h)
 *   spelling headline and body words, for "did you mean"
 *   metadata (read and written through src/settings.h)
 *            "lede.format" = "5" (absent: the current format; format 4
 *            differs only in its boolean XT<word> tier terms, which format 5
 *            gives the word's wdf: docs/FORMATS.md),
 *            "lede.pivot" = formats 3 and 4's pivot length (decimal),
 *            "lede.common" = formats 3 and 4's common words, space-separated
 *            stems (the first build's: in 5% of its sample, at most 128,
 *            none from fewer than 100 sampled articles;
 *            absent: none, so no pair terms; SIMILAR leaves them out),
 *            "lede.pair_words" = which adjacent words get pair terms:
 *            either space-separated stems, every two of which pair, a
 *            superset of the common words (--pair-words: the first
 *            build's in 1% of its sample, at most the number asked), or
 *            by shares, "min=P stem=S ..." (--pair-min: the first build's
 *            words in 0.5% of its sample, at most 2,048, each with its
 *            share S of the sample, parts per million; two pair when both
 *            are common words or when S x S' >= P x 10^6); none from
 *            fewer than 500 sampled articles; absent: those of
 *            "lede.common", as in every index made before it,
 *            "lede.language" = stemmer name or "none",
 *            "lede.fold" = ENGINE_FOLD when terms are folded (absent: not),
 *            "lede.stop_pairs" = "1" when it has stop-word pair terms,
 *            "lede.dict" = docstore preset dictionary,
 *            "lede.stopwords" = the words left out, space-separated,
 *            "lede.commit_time" = Unix seconds of the last commit,
 *            "lede.changes" = replacements and deletions since the last
 *            compaction (livewriter.h),
 *            "lede.schema" = the metadata fields (schema.h, settings.h),
 *            "F<16 hex>" = file record (see indexer/filerec.h) */
#ifndef LEDE_ENGINE_H
#define LEDE_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "article.h"
#include "fieldbook.h"
#include "schema.h"
#include "search.h"
#include "util.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ENGINE_SLOT_DATE 0
#define ENGINE_SLOT_HASH 1
#define ENGINE_SLOT_HEAD 2
#define ENGINE_SLOT_DAY 3
#define ENGINE_SLOT_DUP 4
#define ENGINE_SLOT_SIGNATURE 5
#define ENGINE_FORMAT "5"
/* The text folding of the indexes lede creates ("lede.fold"): text is
 * NFKC-normalised and loses the accents of Latin, Greek and Cyrillic
 * letters before its terms are made, queries likewise, and CJK text is
 * indexed and searched as n-grams (src/engine/fold.cc).  An index without
 * the setting (made before it) is read and written unfolded. */
#define ENGINE_FOLD "1"
/* The pivot of an index that has none stored (see format 4 above). */
#define ENGINE_DEFAULT_PIVOT 150
/* How long a reader waits on a remote shard's server (connecting, or for
 * any reply) before it gives up on it (src/engine/layout.cc). */
#define ENGINE_REMOTE_TIMEOUT_MS 5000
/* A reader with remote shards asks their servers whether there is a
 * newer revision at most this often (a round trip to each): a commit on a
 * shard reaches its readers within this, after replication. */
#define ENGINE_REMOTE_RECHECK_MS 50
/* A remote server that failed is passed over by every reader of the
 * process for this long, then twice as long after each failure in a row,
 * up to 30 s (src/engine/layout.cc). */
#define ENGINE_REMOTE_BACKOFF_MS 1000
/* The bytes a reader may hold of the value slots its facets count
 * (src/engine/facet_columns.cc: 2 bytes an article a slot, and the
 * slot's distinct values), unless engine_reader_opts.facet_memory says
 * otherwise: 64 MiB holds three slots of ten million articles.  A slot
 * past it is counted by reading its values, as over remote shards. */
#define ENGINE_FACET_MEMORY_DEFAULT ((size_t)64 << 20)

enum { ENGINE_ADDED = 1, ENGINE_REPLACED, ENGINE_UNCHANGED };

typedef struct engine_writer engine_writer;
typedef struct engine_reader engine_reader;

/* The unique-id term of an article id ("Q..." or "Q#<hash>"). */
void engine_id_term(const char *id, sbuf *out);
/* True when an index of this format ("lede.format") takes its pivot
 * length and common words from a sample of its first build (3 to 5). */
int engine_format_samples(const char *format);
/* True when an index of this format chooses tier words and prefix words
 * from that sample ("lede.tiers", "lede.prefixes": 4 and 5). */
int engine_format_tiers(const char *format);
/* True if lang names a Snowball stemmer Xapian knows, or is "none". */
int engine_language_ok(const char *lang);

/* Xapian 1.4.22's commit aborted the whole process (std::terminate inside
 * WritableDatabase::commit) when the disk filled part way through it: seen
 * with lede-index --watch on a full 4 MB tmpfs.  A writer that can wait for
 * space (lede-index --watch) asks first: LEDE_EDISKFULL, with the path and
 * the bytes free, when under ENGINE_COMMIT_MIN_FREE are free where the
 * database is, so it begins no commit then and keeps its changes. */
#define ENGINE_COMMIT_MIN_FREE (1u << 20)
int engine_writer_room(engine_writer *w, char *err);
/* Opens (create: or creates) the database directory dbpath for writing.
 * fast: skip fsync on commit (for a shard nobody reads yet).  dbpath NULL:
 * a scratch in-memory database (for engine_writer_measure).  Returns
 * LEDE_ELOCKED if another writer holds it.
 *
 * A write that fails for its storage returns LEDE_EDISKFULL, LEDE_EREADONLY
 * or LEDE_EIO (util.h), the message "<dbpath>: disk full (...): ...";
 * after any failed write or commit the writer is done for (Xapian may have
 * closed the database and dropped what was not committed): close it and
 * open the database again. */
int engine_writer_open(const char *dbpath, int create, int fast,
                       engine_writer **out, char *err);
/* Commits what is pending and closes (w is freed either way).  When that
 * commit fails, what was pending is dropped as a failed
 * engine_writer_commit drops it; an owner that must know which changes
 * were dropped (lede-index's writers.c: to take their articles back from
 * the boilerplate table) commits first, a failed commit leaving w
 * discarded (engine_writer_discarded). */
int engine_writer_close(engine_writer *w, char *err);
/* Opens a bulk writer (issue 20): the part dbpath of a full build of a new
 * index, which must not exist yet.  It takes the same calls as any writer
 * (configure, metadata, put, commit) but writes nothing at dbpath until
 * engine_writer_close, which inverts what it was given (in runs, spilled
 * beside dbpath in dbpath.runs/ past memory bytes) and writes the whole
 * database at once; closed without that (engine_writer_abandon) or killed,
 * it leaves no database behind but debris that indexdir_cleanup removes
 * (part.*).  A repeated id keeps its docid, as with engine_writer_open; no
 * near-duplicate grouping while writing (engine_writer_group_live), and
 * deletions are refused (LEDE_EINVAL): a full build deletes nothing. */
int engine_writer_open_bulk(const char *dbpath, size_t memory, engine_writer **out, char *err);
/* What of a process's memory budget (lede-index --memory) a full build's
 * writers bulk-writing may take all together, and the grouping after
 * their merge: the budget less what the process holds that does not grow
 * with the collection (the program, the boilerplate table, the glass
 * writer's buffers, each writer's stemmer cache and reading queue: bulk.hh),
 * but at least half of it. */
size_t engine_bulk_budget(size_t memory, unsigned writers);
/* What a bulk writer's close is doing: phase ("documents", "terms"), and
 * how many of them are done; called now and then from inside close. */
typedef void (*engine_phase_fn)(const char *phase, uint64_t done, void *ctx);
void engine_writer_on_phase(engine_writer *w, engine_phase_fn fn, void *ctx);
/* Closes a writer without writing what is pending: a bulk writer's
 * database is then never written (its runs are removed). */
void engine_writer_abandon(engine_writer *w);
/* Writes the new database dst (which must not exist) of the bulk writers
 * parts[0..n-1] at once, and closes them all, whatever happens: what a
 * compaction (engine_compact) of their databases, written one by one, and
 * then of mains[0..nmains-1] (databases of no documents: their metadata
 * and spelling words) would make -- the same documents, terms, metadata
 * and spelling, each part's docids following the last of the part before
 * it -- without writing the parts or copying them again; and, when
 * every run is in memory and the parts are not a shard's, with the
 * near-duplicate group keys engine_group_duplicates would write after
 * (which then finds them in place): *grouped (never NULL) is then 1, and
 * grouping dst again would change nothing; else 0.  fn (may be NULL) is told the
 * phases, as engine_writer_on_phase's. */
int engine_bulk_merge(engine_writer *const *parts, int n, const char *const *mains, int nmains,
                      const char *dst, engine_phase_fn fn, void *ctx, int *grouped, char *err);

/* The stop words a new index of this language leaves out, space-separated
 * ("" for none: only English has a list). */
const char *engine_default_stopwords(const char *language);
/* Sets the stemmer ("none" for no stemming), the stop words (NULL or ""
 * for none; the index's own list, metadata "lede.stopwords") and whether
 * spelling data is built, and reads the index's format settings (its
 * tier words among them).  Called before any put: a bulk writer that
 * took a put refuses it (LEDE_ERR; its tokeniser and the tier verdicts
 * it keeps by term id were made from the first configuration). */
int engine_writer_configure(engine_writer *w, const char *language,
                            const char *stopwords, int spelling, char *err);
/* Makes w keep its metadata fields in book, the schema its process
 * shares between all its writers (fieldbook.h), instead of its own: the
 * database's "lede.schema" is merged into book (LEDE_ERR when they
 * disagree on a field), and each commit writes book's whole schema.
 * Call after engine_writer_configure, before any put. */
int engine_writer_share_fields(engine_writer *w, fieldbook *book, char *err);
/* Makes w leave the boilerplate t knows (boiler.h; the table its process
 * shares) out of the documents' terms, lengths and spelling words: the
 * database's "lede.boilerplate" is merged into t, and each commit writes
 * t's text.  observe: each article put that is not unchanged is counted
 * into t first (0: the caller counts them, as a full build does in reading
 * order).  t NULL: none (the default).  Call before any put. */
typedef struct boiler_table boiler_table;
int engine_writer_share_boiler(engine_writer *w, boiler_table *t, int observe, char *err);
/* The boilerplate lines of the next article put into w, n spans of its
 * body (boiler_spans' order; none: it has none), as its run decided them
 * in reading order, in place of what t knows when w reaches the article:
 * a full build's writers run behind its reading thread, and what a line
 * counted by then is not a function of the input.  The put clears them. */
typedef struct boiler_span boiler_span;
void engine_writer_boiler_next(engine_writer *w, const boiler_span *spans, size_t n);
/* The next article put into w is not counted into its table (observe
 * aside): it was counted when first put, and is put again into a
 * database reopened after a failed write (livewriter.c).  The put clears it. */
void engine_writer_unobserved_next(engine_writer *w);
/* Takes back from w's shared table the articles w counted into it since
 * its last commit (boiler.h's boiler_unobserve), a discard or a failed
 * commit notwithstanding: for an owner that drops them for good and whose
 * next run makes them again, counting them then (a failed sharded
 * lede-index run, before it discards its shards and stores the table
 * again in those that committed: indexer/shardrun.c; lede-index --watch
 * closing a writer whose commit failed, before the writers it opens
 * again count them: indexer/writers.c).  Not for one that makes them
 * again at once, uncounted (livewriter.c: engine_writer_unobserved_next). */
void engine_writer_unobserve_dropped(engine_writer *w);
/* Makes t the table w's commits store, as it stands (not merged with the
 * one w's database holds: engine_writer_share_boiler's; nothing counted
 * into it by w's puts); *differs says whether the database holds another
 * text.  Nothing when w's database keeps its boilerplate (or t is NULL). */
int engine_writer_store_boiler(engine_writer *w, boiler_table *t, int *differs, char *err);
/* Marks the database as one whose boilerplate is kept (BOILER_OFF):
 * neither w nor any later writer learns or leaves any out. */
int engine_writer_keep_boilerplate(engine_writer *w, char *err);
/* Makes again, with the database's boilerplate table, the documents
 * written before a line of theirs was known as boilerplate (those that
 * hold the words of a line learned since the last time,
 * boiler_take_learned; an article ds cannot decode is left as it is),
 * takes back the spelling words those lines gave them, and stores the
 * table without its learned lines; *redone gets how many changed.  ds decodes
 * the stored articles (the index's dictionary).  w configured (language,
 * stop words, fields) as the index's writers are.  A compaction's copy
 * does it before its near-duplicates are grouped. */
typedef struct docstore docstore;
int engine_writer_reclean_boiler(engine_writer *w, docstore *ds, uint64_t *redone, char *err);
/* The database's "lede.boilerplate" text into out ("" for none). */
int engine_writer_boiler_text(engine_writer *w, sbuf *out, char *err);
/* Adds or replaces the article whose id is a->id.  If a document with that
 * id already carries this fingerprint, nothing is written.  filekey may be
 * NULL (no source file).  *outcome is ENGINE_ADDED/REPLACED/UNCHANGED. */
int engine_writer_put(engine_writer *w, const article *a, const char *filekey,
                      uint64_t fingerprint, const void *data, size_t len,
                      int *outcome, char *err);
/* The length of the article as this writer would index it: the sum of
 * its terms' wdf before impacts (format 3's pivot is a mean of these). */
int engine_writer_measure(engine_writer *w, const article *a,
                          uint64_t *length, char *err);
/* The words of the body term that at least share x the articles measured
 * so far are in, at most max of the most frequent, space-separated (for
 * formats 3 and 4's "lede.common" and "lede.pair_words"). */
int engine_writer_common_words(engine_writer *w, double share, unsigned max,
                               sbuf *out, char *err);
/* Formats 3 and 4's "lede.pair_words" by shares (docs/FORMATS.md): the
 * words that at least share x the articles measured so far are in, at
 * most max of the most frequent, each with its share in parts per
 * million, "min=MIN word=PPM ...", leaving out those whose product with
 * the largest share stays below MIN x 10^6 (they would pair with none):
 * two words get a pair term when both are common words or when the
 * product of their shares reaches MIN x 10^6 (src/engine/pairs.hh). */
int engine_writer_pair_shares(engine_writer *w, double share, unsigned max, unsigned min,
                              sbuf *out, char *err);
/* Format 4's "lede.tiers" for the space-separated words[0..len) (the
 * words in 1% of the sample: indexer/sample.c), from the articles measured so far: each word with the
 * scaled wdf (at this pivot) that about share of its postings reach,
 * "stem=T" space-separated (src/engine/tiers.cc); with narrow above 0,
 * also the one that about narrow (a smaller share) reach, "stem=T,N",
 * when N is above T (the narrow tier level). */
int engine_writer_tiers(engine_writer *w, const char *words, size_t len, double pivot,
                        double share, double narrow, sbuf *out, char *err);
/* Format 4's tiers of the prefix terms, appended to out (a "lede.tiers"
 * list): for each prefix word P of the space-separated prefixes[0..len),
 * "XWP=T", T the sum over the text fields of the (at this pivot) scaled
 * wdfs of its words that about share of the articles[0..n) holding one
 * reach (src/engine/tiers.cc). */
int engine_writer_prefix_tiers(engine_writer *w, const char *prefixes, size_t len, double pivot,
                               double share, const article *const *articles, size_t n, sbuf *out,
                               char *err);
/* Format 4's "lede.prefixes" from the articles measured so far: the byte
 * prefixes (3 to 5 bytes, whole characters) of their body words that
 * start two words or more whose postings outnumber the articles holding
 * one of them by at least min per million of the articles measured, at
 * most max of those that save most, space-separated
 * (src/engine/prefix_terms.cc). */
int engine_writer_prefixes(engine_writer *w, unsigned min, unsigned max, sbuf *out, char *err);
/* Deletes the documents of source file filekey for which keep(qterm, ctx)
 * is false (keep NULL: all of them).  *deleted gets the count.  It stops
 * before the deletion that would bring w's changes since its commit
 * (engine_writer_pending_changes) to engine_flush_threshold(), where
 * Xapian would commit w by itself, and sets *more (else 0): the caller
 * commits and calls again for the rest (lede-index's writers.c). */
typedef int (*engine_keep_fn)(const char *qterm, size_t len, void *ctx);
int engine_writer_delete_file(engine_writer *w, const char *filekey,
                              engine_keep_fn keep, void *ctx,
                              uint64_t *deleted, int *more, char *err);
/* Deletes the article with this id; *found says whether there was one. */
int engine_writer_delete_id(engine_writer *w, const char *id, int *found,
                            char *err);
/* Commits; every commit also stamps metadata "lede.commit_time".  When
 * Xapian's commit fails, w is discarded as engine_writer_discard does (its
 * changes since the last commit are gone, Xapian's and lede's): closing
 * it then stores nothing. */
int engine_writer_commit(engine_writer *w, char *err);
/* A sharded index keeps its spelling in its front database
 * (docs/SCALE.md), which a front reads locally where Xapian gives no
 * spelling over remote: its shards' writers (configured with spelling on)
 * collect the words, and each shard's go to the front only once its
 * commit succeeded.  A failed commit's changes are made again, and give
 * their words again: had the front had them already, a replaced article's
 * words would be taken back twice (and a new one's counted twice).
 * engine_writer_take_words takes out of w the spelling words it collected
 * since its last commit and those it is to take back (of the documents
 * replaced or deleted): its commit or close writes none of them.
 * engine_writer_give_words hands them to `to`, whose next commit writes
 * them, and frees them (NULL: nothing); engine_words_free drops them.
 * Not thread-safe: the caller holds the writers. */
typedef struct engine_words engine_words;
engine_words *engine_writer_take_words(engine_writer *w);
void engine_writer_give_words(engine_writer *to, engine_words *words);
void engine_words_free(engine_words *words);
/* The front's own commit may fail too, after the shards that gave it
 * their words committed (their changes are not made again): so a
 * front's owner keeps what it gave until the front's commit succeeded,
 * and gives it again to the front reopened (or discarded) after a failed
 * one.  engine_writer_lend_words counts a copy of words into `to`, as
 * give does, and leaves words to the caller; engine_words_join adds more
 * to into (either may be NULL), frees more and returns the sum: one
 * entry a word, its counts summed, so that what an owner holds over many
 * commits of its shards is bounded by the vocabulary, not by the commits.
 * Out of memory, what could not be copied or added is dropped (shards.h:
 * at most some spelling words).  engine_words_count: the entries words
 * holds (its words added plus its words taken back; 0 for NULL), for
 * tests. */
void engine_writer_lend_words(engine_writer *to, const engine_words *words);
engine_words *engine_words_join(engine_words *into, engine_words *more);
size_t engine_words_count(const engine_words *words);
/* Drops every change made since w's last commit (Xapian's, and the
 * spelling words it holds), as Xapian itself does when a commit fails:
 * closing w then commits none of them, and stores nothing (its fields,
 * its change counts, nor the boilerplate table it shares, whose counts
 * hold the articles dropped: the run that makes them again counts them
 * once), unless w commits first.  Until it commits, a discarded writer
 * refuses every article change (engine_writer_put, engine_writer_delete_id,
 * engine_writer_delete_file: LEDE_EDISCARDED with a message), since its
 * close would drop the change unseen (a metadata write,
 * engine_writer_meta_set, is not refused: it is dropped with the rest); a commit makes it a writer like
 * any other again (storing the shared table as it stands).  For a writer
 * about to be reopened whose owner makes its changes again.  Not for a bulk writer (nothing
 * done).  Xapian 1.4 commits by itself at the engine_flush_threshold()th
 * document changed since the last commit (outside a transaction): those
 * it cannot drop, so an owner that discards commits before (livewriter.c
 * and lede-index's writers.c do; one article's write changes at most
 * ENGINE_PUT_CHANGES documents: itself, and the group leader of a
 * near-duplicate it joins; a deletion one, and engine_writer_delete_file
 * stops before the threshold).  engine_writer_pending_changes: the
 * documents w added, replaced or deleted since its last commit or
 * discard, as Xapian counts them toward the threshold (not a compaction's
 * re-clean or grouping, whose writers are not discarded).
 * engine_writer_discarded: whether w was discarded since its last commit
 * (by its owner or by a failed commit; 0 for NULL).  Tests make a
 * commit fail so: LEDE_FAIL_COMMIT=PART:N, the Nth commit of a database
 * whose path holds PART (writer.cc; as a full disk with
 * LEDE_FAIL_COMMIT_FULL set); a close's, LEDE_FAIL_CLOSE=PART:N, the
 * Nth close of one with changes pending; engine_writer_room,
 * LEDE_FAIL_ROOM=PART:N, its Nth call on one (no room); and an opening,
 * LEDE_FAIL_OPEN=PART:N, the Nth engine_writer_open of one. */
void engine_writer_discard(engine_writer *w);
int engine_writer_discarded(const engine_writer *w);
uint64_t engine_writer_pending_changes(const engine_writer *w);
#define ENGINE_PUT_CHANGES 2
/* Xapian's XAPIAN_FLUSH_THRESHOLD as Xapian 1.4 reads it when a database
 * is opened for writing (10,000 unset or 0), read once. */
uint64_t engine_flush_threshold(void);
uint64_t engine_writer_doccount(engine_writer *w);
/* The revision lede reports: Xapian's revision of the database plus its
 * "lede.revision_base" (settings.h), which a compaction sets so that the
 * revision only ever goes up; one more with every commit. */
uint64_t engine_writer_revision(engine_writer *w);
/* Metadata: set with val NULL deletes the key. */
int engine_writer_meta_set(engine_writer *w, const char *key, const char *val,
                           size_t len, char *err);
/* LEDE_ENOTFOUND when the key has no value. */
int engine_writer_meta_get(engine_writer *w, const char *key, sbuf *out,
                           char *err);
typedef int (*engine_meta_fn)(const char *key, const char *val, size_t len,
                              void *ctx);
int engine_writer_meta_scan(engine_writer *w, const char *prefix,
                            engine_meta_fn fn, void *ctx, char *err);

/* Read-only handle on an index directory (its stub) or a database. */
int engine_reader_open(const char *path, engine_reader **out, char *err);
/* How a reader reaches remote shards: remote_timeout_ms (0: the default,
 * ENGINE_REMOTE_TIMEOUT_MS); backoff_min_ms, how long a server that
 * failed is passed over at first (0: ENGINE_REMOTE_BACKOFF_MS); which of
 * a shard's replicas it uses first (replica_seed mod their number: give
 * each reader its own, and readers spread over the replicas;
 * src/engine/layout.cc); and open_unreachable: when a remote shard has no
 * server that answers, open all the same (LEDE_OK, with why in err) --
 * its queries then fail with LEDE_EUNAVAIL until a server answers --
 * instead of failing the open; facet_memory, the bytes it may hold of
 * value slots for facets (0: ENGINE_FACET_MEMORY_DEFAULT). */
typedef struct engine_reader_opts {
    unsigned remote_timeout_ms;
    unsigned backoff_min_ms;
    unsigned replica_seed;
    int open_unreachable;
    size_t facet_memory;
} engine_reader_opts;
int engine_reader_open_with(const char *path, const engine_reader_opts *o,
                            engine_reader **out, char *err);
void engine_reader_close(engine_reader *r);
/* What a reader holds of value slots for facets (facet_columns.cc): its
 * bytes and slots now; since it opened, slots not held for its
 * facet_memory (their values read in each search instead), slots read
 * whole, and commits followed by reading only what changed. */
typedef struct engine_facet_memory {
    uint64_t bytes, slots, refused, full_reads, updates;
} engine_facet_memory;
void engine_reader_facet_memory(engine_reader *r, engine_facet_memory *out);
/* How many of the index's parts at path are remote shards, as its stubs
 * list them now (0 for a local index, or one that cannot be read: opening
 * it says why).  Reads the stubs only; connects to no server. */
unsigned engine_index_remote_parts(const char *path);
uint64_t engine_reader_doccount(engine_reader *r);
int engine_reader_meta_get(engine_reader *r, const char *key, sbuf *out,
                           char *err);
/* The boilerplate lines of a's body (boiler.h) as the index's table
 * ("lede.boilerplate") has them now: *out malloc'd (free it), *n of them,
 * in order; none when the index has no table. */
int engine_reader_boiler_spans(engine_reader *r, const article *a, boiler_span **out,
                               size_t *n, char *err);
/* The index's most frequent boilerplate blocks, per_source a source at
 * most, as boiler_list's lines into out. */
int engine_reader_boiler_list(engine_reader *r, size_t per_source, sbuf *out, char *err);
/* The article with this id, decoded from its stored data with the
 * reader's own decoder (the index's dictionary, metadata "lede.dict", as
 * searches decode snippets), as GET shows it.  It readies the reader's
 * search settings as a search would, so an index whose language Xapian
 * does not know fails here too (writers check it when they create one).  out must be initialised
 * (article_init) and empty.  On LEDE_OK its fields are the caller's, freed
 * with article_free; on any error (LEDE_ENOTFOUND: no such article;
 * LEDE_ERR: unreadable data, or the index failing) out is left empty and
 * err holds the message. */
int engine_reader_get_article(engine_reader *r, const char *id, article *out,
                              char *err);
/* Calls fn with each stored article's id term and data, in docid order. */
typedef int (*engine_doc_fn)(const char *data, size_t len, void *ctx);
int engine_reader_scan(engine_reader *r, engine_doc_fn fn, void *ctx,
                       char *err);

/* Brings the reader to the index's latest state: reopens the databases
 * when the stub changed (compaction, a finished build), else moves to the
 * latest revision.  *changed is set when anything moved. */
int engine_reader_refresh(engine_reader *r, int *changed, char *err);
/* The index's metadata fields (schema.h), as the reader's databases have
 * them now, into out (initialised; what it held is freed). */
int engine_reader_schema(engine_reader *r, schema *out, char *err);
/* How many articles have a value in this slot (0 when unknown). */
uint64_t engine_reader_value_count(engine_reader *r, unsigned slot);
/* Revision of the (first) database, for STATS. */
uint64_t engine_reader_revision(engine_reader *r);

/* Runs a ranked query.  Returns LEDE_OK, LEDE_ESYNTAX (malformed query,
 * message in err), LEDE_ELIMIT (a wildcard that expands too far, or a
 * query whose estimated cost is over o->max_cost: err names the limit
 * and its value), LEDE_ETIMEOUT (o->deadline passed: it stopped at the
 * next check, src/engine/deadline.cc), LEDE_ECANCELLED (o->cancelled
 * said so), LEDE_EUNAVAIL (a remote shard has no server that answers) or
 * LEDE_ERR.  With o->facets, out->facets holds them (src/engine/facets.cc);
 * a facet of no metadata field is LEDE_ESYNTAX naming the index's fields. */
int engine_search(engine_reader *r, const search_opts *o,
                  search_results *out, char *err);
/* Whether engine_search may split an expensive ranked match over two
 * cores (src/engine/split.cc, issue 22; leded --split): OFF never; AUTO
 * a local relevance-ordered match without facets or collapse whose terms
 * hold over 300,000 postings, as two matches over the two halves of the
 * document ids, the upper half on one of the engine's threads (online
 * cores - 1) when one is free at once and fewer searches run than there
 * are cores, else whole.  The page, scores and exact totals are the same
 * either way.  It lowers one query's latency on an idle core for about
 * 1.35x its CPU.  For the whole process, every reader; LEDE_SPLIT in the
 * environment (a test hook) overrides it.  ENGINE_SPLIT_DEFAULT: the mode
 * until it is called (leded sets its own default, auto). */
typedef enum engine_split { ENGINE_SPLIT_OFF = 0, ENGINE_SPLIT_AUTO = 1 } engine_split;
#define ENGINE_SPLIT_DEFAULT ENGINE_SPLIT_OFF
void engine_set_split(engine_split mode);
/* How many split halves run on the engine's threads now: cores busy
 * with a query beside the searches' own threads (leded's busy polling
 * counts them, so that its loop does not poll on a half's core). */
int engine_split_halves(void);
/* What o->query would cost (search.h), as engine_search estimates it
 * before running it (src/engine/cost.cc).  LEDE_ESYNTAX or LEDE_ERR as
 * engine_search. */
int engine_query_cost(engine_reader *r, const search_opts *o, search_cost *out,
                      char *err);
/* The spelling-corrected form of o->query, "" when nothing to correct;
 * o's deadline and cancelled apply as in engine_search, and o->max_cost's
 * terms limit to the words it may correct (LEDE_ELIMIT, err naming
 * max-query-terms, when there are more). */
int engine_suggest(engine_reader *r, const search_opts *o, sbuf *out, char *err);

/* Near-duplicates (src/engine/duplicates.cc; what counts as one is
 * said there and in README).  engine_group_duplicates regroups the
 * articles of the databases of ws[0..n) (one index: its database; a
 * sharded one: its shards, read as one) from their signatures, writing
 * each article's group key (slot 4) where it changed, uncommitted.  A
 * shard's database alone (n = 1, a writer of a shard: "lede.shard") is
 * left as it is: its groups were made with the other shards'.
 * Memory, all of it within memory bytes (0: 128 MiB) but for a floor:
 * 24 bytes an article and a band keyed in one scan of the signatures
 * (with the buckets it makes), as many bands a scan as fit beside the
 * buckets of the scans before, at least 4 (96 bytes an article, whatever
 * memory says); then 72 bytes an article that shares a band with
 * another, 8 a band shared, and the groups' keys (duplicates.cc). */
typedef struct engine_dup_stats {
    uint64_t candidates;      /* articles sharing a band term with another */
    uint64_t compared;        /* signatures compared */
    uint64_t groups, grouped; /* groups of 2+, the articles in them */
    uint64_t largest;         /* articles in the largest group */
    uint64_t rewritten;       /* documents whose key was written or removed */
} engine_dup_stats;
int engine_group_duplicates(engine_writer *const *ws, unsigned n, size_t memory,
                            engine_dup_stats *st, char *err);
/* The near-duplicate groups of a reader's index as they are now
 * (slot 4 read through): groups, the articles in them, the largest. */
int engine_reader_dup_groups(engine_reader *r, engine_dup_stats *st, char *err);
/* Whether engine_writer_put looks up the article's near-duplicates in
 * the writer's database and joins their group (on by default; off for the
 * parts of a full build, which engine_group_duplicates groups once they
 * are merged). */
void engine_writer_group_live(engine_writer *w, int on);
/* SIMILAR: articles like the one with this id (src/engine/similar.cc):
 * its distinctive terms (Xapian's relevance feedback) ORed and ranked,
 * the article left out, and its near-duplicates too unless o->dups_show
 * (then flagged: search_hit.near_dup); o->query, when not empty, filters
 * them (boolean: it changes no score).  LEDE_ENOTFOUND for an unknown id;
 * else as engine_search. */
int engine_similar(engine_reader *r, const char *id, const search_opts *o,
                   search_results *out, char *err);

/* Merges the databases srcs[0..n) into a new compact database dst. */
int engine_compact(const char *const *srcs, int n, const char *dst, char *err);
/* Copies the database src into a new compact database dst, docids,
 * metadata and revision base as they are, and nothing added: Xapian's
 * compaction of it alone (whose copy is at Xapian revision 1). */
int engine_repack(const char *src, const char *dst, char *err);
/* Runs Xapian's consistency check on one database directory. */
int engine_check(const char *dbpath, char *err);
/* The revision (engine_writer_revision) of a database on disk, 0 if it
 * cannot be opened. */
uint64_t engine_revision_of(const char *dbpath);

#ifdef __cplusplus
}
#endif

#endif
