/* internal.hh -- what the files of the engine module (the .cc files of src/engine/)
 * share: the writer and reader structs, the term prefixes of the index
 * format (specified in engine.h; its metadata keys are src/settings.h's),
 * the error guards, and
 * the declarations of the helpers one file makes for another (each
 * declared under the file that defines it; a query's page and the query
 * path's helpers in page.hh and query_path.hh, included at the end).  Only src/engine/ includes
 * it: Xapian types and C++ exceptions stop here and never reach engine.h,
 * the module's only door. */
#ifndef LEDE_ENGINE_INTERNAL_HH
#define LEDE_ENGINE_INTERNAL_HH

#include "../boiler.h"
#include "../dirwatch.h"
#include "../docstore.h"
#include "../engine.h"
#include "../facets.h"
#include "../fieldbook.h"
#include "../schema.h"
#include "../settings.h"
#include "doc_target.hh"
#include "flat_index.hh"
#include "pairs.hh"

#include <xapian.h>

#include <sys/stat.h>

#include <bitset>
#include <exception>
#include <functional>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

const char *const PREFIX_TITLE = "S";
const char *const PREFIX_STANDFIRST = "XL";
const char *const PREFIX_AUTHOR = "A";
const char *const PREFIX_FILE = "XF";
const char *const PREFIX_PAIR = "XP";
const char *const PREFIX_TIER = "XT";
/* The narrow tier level's terms (tiers.cc): XTN<word>, and the key of its
 * threshold in a reader's or writer's tier map (words are lower case, so
 * no XT<word> is one). */
const char *const PREFIX_TIER_NARROW = "XTN";
const char *const PREFIX_PREFIX = "XW";

/* What a reader's stemmer makes of a stop word: the word behind this byte,
 * a term the index never holds, so that a stop word QueryParser keeps in a
 * phrase is known as one (its stem would not do: "being" stems to "be"). */
const char STOP_MARK = '\x01';

const size_t MAX_TERM = 240;

typedef std::unordered_set<std::string> word_set;
/* Format 4's tier words, each with its threshold ("lede.tiers", tiers.cc). */
typedef std::unordered_map<std::string, Xapian::termcount> TierMap;
/* The same words for a writer, which asks about every word of every
 * article (add_tier_terms: the unordered_map's find and std::hash were
 * 3% of a bulk build's samples, issue 20). */
typedef WordMap<Xapian::termcount> TierWords;
/* Format 4's prefix words ("lede.prefixes", prefix_terms.cc): word
 * prefixes whose wildcards read one summed posting list, and their
 * lengths in bytes (each distinct once, ascending; none when there are no
 * words); made by prefixes_of, which fills both. */
struct PrefixSet {
    WordSet lookup;  /* the words, for the writers' word-by-word lookups and a reader's */
    std::vector<size_t> lengths;
    bool empty() const { return lengths.empty(); }
};

/* A document's prefix terms as prefix_terms.cc sums them: each term
 * (XW<field><prefix>) with its sum, the last found first. */
typedef std::vector<std::pair<std::string, Xapian::termcount>> PrefixSums;

struct BulkState;
struct SplitHandle;  /* split.cc: a reader's second handle */
struct WildcardExpansion;  /* wildcard.hh */  /* bulk_writer.cc: a bulk writer's inverter and id table */

struct engine_writer {
    Xapian::WritableDatabase db;
    std::string path;            /* its directory, for the messages of failed writes */
    Xapian::TermGenerator tg;
    Xapian::Stem stem;
    std::string language = "none"; /* the stemmer's (the bulk tokeniser makes its own) */
    bool spelling = false;
    bool fields_in_body = true;  /* format 2 (engine.h); false on a format 1 index */
    int format = 5;              /* "lede.format" (engine.h) */
    bool weigh_tiers = false;    /* XT<word> carries the word's wdf (format 5: tier_wdfs) */
    bool heads = false;          /* value slot ENGINE_SLOT_HEAD: a shard's writer */
    bool fold = false;           /* "lede.fold": text folded, CJK in n-grams (fold.cc) */
    /* "lede.stop_pairs" with stop words: the stop words (as the text is
     * folded) whose adjacent pairs get a pair term (add_stop_pairs). */
    bool stop_pairs = false;
    word_set stops;
    WordSet stop_set;            /* stops, for add_stop_pairs' word-by-word lookups */
    bool group_live = true;      /* engine_writer_group_live (duplicates.cc) */
    double pivot = ENGINE_DEFAULT_PIVOT;
    /* Formats 3 and 4's pair rule (pair_rule_of): which adjacent words
     * get a pair term (add_pairs). */
    PairRule pairs;
    /* Format 4's tier words and their thresholds (tiers.cc). */
    TierWords tiers;
    /* Format 4's prefix words (prefix_terms.cc). */
    PrefixSet prefixes;
    /* Spelling words seen since the last commit, with their counts, and
     * the memory they take (word_bytes each; a bulk writer counts it in
     * its budget).  Changed only through count_word and clear_words. */
    StringTable<Xapian::termcount> words;
    size_t words_bytes = 0;
    std::shared_ptr<struct SpellingBack> spelling_back; /* spelling_words.cc: words to take back */
    /* engine_writer_measure's sample: articles, and each body word's
     * (raw wdf, article length) in each article it is in (so the
     * articles it is in are the vector's size), for the common words and
     * the tier thresholds (engine_writer_tiers) */
    uint64_t sampled = 0;
    std::unordered_map<std::string, std::vector<std::pair<Xapian::termcount, Xapian::termcount>>>
        sample_wdf;
    /* the tokeniser and table it reads the articles with (writer.cc) */
    std::shared_ptr<struct SampleReader> sample_reader;
    /* and the articles each byte prefix (of PREFIX_MIN_LEN to
     * PREFIX_MAX_LEN bytes) of their body words is in, for the prefix
     * words (engine_writer_prefixes) */
    std::unordered_map<std::string, uint64_t> sample_prefix_df;
    /* The metadata fields' schema (fields.cc): the process's shared one
     * (engine_writer_share_fields) or its own; NULL until configured (a
     * writer that stores no articles writes no "lede.schema"). */
    fieldbook *book = nullptr;
    bool own_book = false;
    /* The boilerplate table its process shares (engine_writer_share_boiler;
     * NULL: none), and whether engine_writer_put counts articles into it. */
    boiler_table *boiler = nullptr;
    bool boiler_observe = false;
    /* The next put's boilerplate lines as its run decided them (engine_writer_boiler_next). */
    std::unique_ptr<std::vector<boiler_span>> boiler_given;
    /* The next put counts nothing into boiler (engine_writer_unobserved_next). */
    bool boiler_skip_next = false;
    /* What its puts counted into boiler since its last commit, a discard
     * included (engine_writer_unobserve_dropped); NULL until one counts. */
    std::unique_ptr<boiler_log, void (*)(boiler_log *)> boiler_counted{nullptr, boiler_log_free};
    /* Documents added, replaced or deleted since the last commit or
     * discard, as Xapian counts them toward its flush threshold
     * (engine_writer_pending_changes). */
    uint64_t pending_changes = 0;
    /* Discarded since its last commit (engine_writer_discard): its close
     * stores and commits nothing, not even the shared boilerplate table,
     * whose counts hold the articles dropped. */
    bool discarded = false;
    /* A bulk writer (engine_writer_open_bulk): db is then a scratch
     * database holding only the metadata, and documents go to bulk. */
    BulkState *bulk = nullptr;
    /* The change log (changes.cc): documents replaced in place since the
     * last commit, and the revision that commit made (or the one opened). */
    bool logs_changes = false;
    bool docs_changed = false;  /* any document added, replaced or deleted */
    std::vector<Xapian::docid> replaced;
    Xapian::rev chain_rev = 0;
};

typedef std::vector<std::pair<std::string, struct stat>> file_ids;

/* One server of a remote shard (layout.cc). */
struct RemoteReplica {
    std::string host;       /* "remote HOST:PORT" */
    unsigned port = 0;
    std::string program;    /* "remote :PROGRAM ARGS" (then host is empty) */
    std::string args;
};

/* One database of an index: local (its directory) or remote (the servers
 * of one shard, any of which will do). */
struct Part {
    std::string local;
    std::vector<RemoteReplica> replicas;
    size_t current = 0;  /* the replica in use */
};

/* What opening an index reaches (layout.cc): its stub files, its local
 * databases' version files, its parts in stub order, and whether all of
 * it is known (a stub line of a kind lede does not walk is not: then
 * Xapian opens the index itself). */
struct Layout {
    file_ids stubs, versions;
    std::vector<Part> parts;
    bool known = true;
    bool remote() const {
        for (const Part &p : parts)
            if (!p.replicas.empty()) return true;
        return false;
    }
};

/* A value slot held in memory for facets (facet_columns.cc): each
 * document's value as a code, 0 for none, else 1 + its place in values. */
struct FacetColumn {
    std::vector<uint16_t> codes;      /* by docid */
    std::vector<std::string> values;  /* the slot's distinct values */
    std::unordered_map<std::string, uint16_t> code_of;  /* values' codes */
    size_t value_bytes = 0;           /* what values and code_of hold, about */
    size_t bytes() const;
};
/* The slots a reader holds so, as of one open and revision of its
 * database (a slot not held: NULL), within budget bytes. */
struct FacetColumns {
    bool valid = false;
    uint64_t opens = 0;
    Xapian::rev revision = 0;
    std::string uuid;        /* the database's (changes.cc: a compaction's copy names it) */
    Xapian::docid last = 0;  /* the last docid read */
    size_t budget = ENGINE_FACET_MEMORY_DEFAULT;
    size_t bytes = 0;        /* held now */
    std::unordered_map<Xapian::valueno, std::shared_ptr<FacetColumn>> slots;
    /* slots not kept for the budget; slots read whole; moves followed
     * by reading only what changed */
    uint64_t refused = 0, full_reads = 0, updates = 0;
};

/* A reader, and what it needs to answer queries: built on first use from
 * the index's own metadata (language, compression dictionary). */
/* The words a pattern ("comp", "Scomp") expands to, and their article counts. */
struct PatternWords { std::vector<std::string> terms; std::vector<Xapian::doccount> freqs; };

struct engine_reader {
    Xapian::Database db;
    std::string path;
    /* Identity of every stub file the index is opened through (its own,
     * and those of the directories it lists: a sharded index's shards),
     * taken before the last open: a changed one lists other databases. */
    file_ids stubs;
    /* Identity of each open database's version file (iamglass), taken
     * before the last (re)open: a commit replaces that file, so while
     * they stay the same there is nothing newer to open.  Empty when
     * unknown (a remote database, say): then every refresh reopens. */
    file_ids versions;
    /* The databases opened (layout.cc), and how remote ones are. */
    std::vector<Part> parts;
    /* Each database of db on its own (sharing db's internals, so a reopen
     * of db reopens them): their "lede.schema" make fields. */
    std::vector<Xapian::Database> part_dbs;
    std::shared_ptr<SplitHandle> split_db;  /* split.cc: the same databases opened apart */
    /* The index's metadata fields (schema.h), merged from every database
     * and loaded again whenever the reader moves (fields.cc). */
    schema fields{nullptr, 0, 0};
    /* The field filters of the query being parsed (field_query.cc): its
     * FieldProcessors hand them to QueryParser. */
    std::vector<Xapian::Query> field_filters;
    bool layout_known = true;
    unsigned remote_timeout_ms = ENGINE_REMOTE_TIMEOUT_MS;
    unsigned replica_seed = 0;  /* this reader starts at replica seed mod n */
    double backoff_min_s = ENGINE_REMOTE_BACKOFF_MS / 1000.0;
    double reopened_at = 0;
    /* Its boilerplate table (boilerplate.cc) as of boiler_rev, or NULL. */
    std::shared_ptr<boiler_table> boiler;
    uint64_t boiler_rev = UINT64_MAX;
    /* Times its databases were opened (open_parts): with a database's
     * revision, what a FacetColumns was read from. */
    uint64_t opens = 0;
    FacetColumns facet_columns;
    /* r->db does not hold r->parts as they are (they were read again, an
     * open failed, or a server failed under it): every use opens them
     * first, passing over a server that timed out (note_network_failure). */
    bool parts_stale = true;
    bool search_ready = false;
    Xapian::Stem stem;
    Xapian::QueryParser qp;
    /* The index's stop words, left out of phrases and NEAR: the stemmer
     * marks them (STOP_MARK); without stemming they are the terms. */
    std::unordered_set<std::string> stop_words;
    std::string language;         /* metadata "lede.language" */
    bool fold = false;            /* "lede.fold": queries folded, CJK in n-grams (fold.cc) */
    bool stop_pairs = false;      /* "lede.stop_pairs": phrases of stop words by pair terms */
    bool stemming = false;
    bool stems_keep_first = false; /* English: see SnippetStem */
    bool fields_in_body = false;  /* format 2: see fields_as_one */
    int format = 0;               /* "lede.format" (engine.h; see baked_tf) */
    /* Some database is behind Xapian's remote backend (a "remote" stub
     * line): queries must then take forms its protocol carries (no
     * custom weighting or posting source; see with_wildcards_read). */
    bool remote = false;
    /* A remote reader's wildcard expansions lately, words in all: wildcards.cc's. */
    std::unordered_map<std::string, PatternWords> pattern_words;
    size_t pattern_words_held = 0;
    /* Every document holds ENGINE_SLOT_HEAD (a sharded index's shards;
     * engine.h): remote pages without snippets take their hits' heads
     * from the sort keys (search.cc).  Asked when the parts open. */
    bool heads = false;
    std::unordered_set<std::string> common;  /* formats 3 to 5: SIMILAR leaves them out */
    PairRule pairs;  /* formats 3 to 5: see pairs_for */
    TierMap tiers;  /* formats 4 and 5: see tiers.cc */
    bool narrow_tiers = false;  /* tiers holds the narrow level (XTN<word>: tiers.cc) */
    unsigned narrow_runs = 0;   /* narrow tier runs tried (search.cc's tier_page; read by tests) */
    unsigned wdf_runs = 0;      /* one-word runs from XT's wdfs tried (tier_wdf.cc; read by tests) */
    unsigned wdf_multi_runs = 0; /* runs of several leaves from XT's wdfs tried (tier_wdf_multi.cc; read by tests) */
    PrefixSet prefixes;  /* formats 4 and 5: see prefix_terms.cc */
    std::unordered_map<std::string, Xapian::doccount> tier_freqs; /* a remote reader's: tier_freq */
    /* The running query's wildcards that have a tier, by their serial
     * (wildcards.cc; tier_plan reads them by the serial their sources'
     * descriptions carry). */
    std::vector<std::shared_ptr<const WildcardExpansion>> tiered_wildcards;
    /* And every one of its wildcards, in the order read (wildcards.cc),
     * for split.cc: their postings, and its second half's query. */
    std::vector<std::shared_ptr<const WildcardExpansion>> query_wildcards;
    docstore *ds = nullptr;
    /* Change detection (see refresh): the directories watched, and
     * whether a quiet watch may be trusted to mean "nothing new". */
    dirwatch *watch = nullptr;
    std::vector<std::string> watched;
    bool watching = false;
    bool watch_failed = false;  /* inotify cannot serve this index: look every time */
    /* An empty database for the highlighting MSet (see highlight_mset). */
    Xapian::WritableDatabase none{"", Xapian::DB_BACKEND_INMEMORY};
    ~engine_reader() {
        schema_free(&fields);
        docstore_free(ds);
        dirwatch_free(watch);
    }
};

/* The formats (engine.h) this engine reads and writes. */
const int FORMAT_MIN = 1, FORMAT_MAX = 5;
/* Whether an index of this format holds BM25's term-frequency part in its
 * postings (3: impacts, 4 and 5: scaled frequencies) and pair terms. */
inline bool baked_tf(int format) {
    return format >= 3;
}
/* Whether its postings hold scaled frequencies, ranked by Xapian's BM25
 * with b = 0 (tf_weight; formats 4 and 5). */
inline bool scaled_tf(int format) {
    return format >= 4;
}
/* Whether it may have tier and prefix terms ("lede.tiers",
 * "lede.prefixes": tiers.cc, prefix_terms.cc; formats 4 and 5). */
inline bool has_tiers(int format) {
    return format >= 4;
}
/* Whether its XT<word> tier terms carry the word's (scaled) wdf instead
 * of none (format 5; tier_wdf.cc reads them).  XTN and XTXW stay boolean. */
inline bool tier_wdfs(int format) {
    return format >= 5;
}
/* The format named by "lede.format"; throws for one this engine does not
 * know (a newer lede's index). */
inline int format_number(const std::string &format) {
    int n = format.size() == 1 ? format[0] - '0' : 0;
    if (n < FORMAT_MIN || n > FORMAT_MAX)
        throw Xapian::DatabaseVersionError("index format \"" + format +
                                           "\" is not one this lede reads (" + std::to_string(FORMAT_MIN) +
                                           " to " + std::to_string(FORMAT_MAX) + ")");
    return n;
}

/* A field's prefix: the leading capitals of a term ("" for the body). */
inline size_t prefix_length(std::string_view t) {
    size_t i = 0;
    while (i < t.size() && t[i] >= 'A' && t[i] <= 'Z') i++;
    return i;
}

/* A term's word without its field prefix, whatever the field. */
inline std::string unprefixed(const std::string &t) {
    return t.substr(prefix_length(t));
}

/* The pair term of two adjacent words of one field (engine.h). */
inline std::string pair_term(const std::string &prefix, const std::string &a, const std::string &b) {
    return PREFIX_PAIR + prefix + ":" + a + " " + b;
}

/* The word of a term (or of a leaf query) without its field prefix, or ""
 * when it is not a term of the headline, standfirst or body. */
inline std::string term_word(const std::string &t) {
    for (const char *p : {PREFIX_STANDFIRST, PREFIX_TITLE})
        if (t.compare(0, strlen(p), p) == 0) return t.substr(strlen(p));
    if (!t.empty() && t[0] >= 'A' && t[0] <= 'Z') return std::string();
    return t;
}

inline bool is_stop_word(const engine_reader *r, const std::string &word) {
    if (r->stop_words.empty() || word.empty()) return false;
    return r->stemming ? word[0] == STOP_MARK : r->stop_words.count(word) > 0;
}

inline char *dup_string(const std::string &s) {
    return lede_strndup(s.data(), s.size());
}

/* guard.cc: what the exception being handled means as a LEDE_* code,
 * with its message in err.  Call only from inside a catch handler. */
int fail(char *err, const char *what, const std::string &msg);
int failure_code(char *err, const char *what);         /* guarded's */
/* A failed write's storage cause (disk full, read-only, I/O: errno in e,
 * or no space left at the path what): its LEDE_E* code with the message
 * "<what>: disk full (...): <Xapian's>", or LEDE_OK when it is none. */
int storage_failure_code(char *err, const char *what, const Xapian::Error &e);
int search_failure_code(char *err, const char *what);  /* with_retry's */

/* A figure for display, 0 when Xapian cannot give it. */
template <typename F>
uint64_t or_zero(F body) {
    try {
        return body();
    } catch (...) {
        return 0;
    }
}

/* Runs body, mapping exceptions to codes. */
template <typename F>
int guarded(char *err, const char *what, F body) {
    try {
        return body();
    } catch (...) {
        return failure_code(err, what);
    }
}

/* layout.cc */
Layout read_layout(const std::string &path);
/* Opens r->parts as r->db (Xapian's stub opening when the layout is not
 * known); throws NetworkError when a remote shard has no server that
 * answers, and then leaves r->parts_stale set. */
void open_parts(engine_reader *r);
/* A remote database of r failed (e): r->db is no longer used
 * (parts_stale), and if e is a timeout, the server it names (Xapian puts
 * "remote:tcp(HOST:PORT)" in its context) backs off, so that the reopen
 * passes over it. */
void note_network_failure(engine_reader *r, const Xapian::NetworkError &e);
/* Seconds on CLOCK_MONOTONIC. */
double monotonic_seconds();
/* True when a reader with remote shards should ask their servers for a
 * newer revision: at most every ENGINE_REMOTE_RECHECK_MS, since asking
 * is a round trip to every server before each query. */
bool remote_recheck_due(const engine_reader *r);
/* Points each remote part at this reader's own replica (replica_seed). */
void spread_replicas(engine_reader *r);
/* True when some remote part runs on another replica than its own while
 * its own is no longer backing off; prefer_spread_replicas moves back. */
bool replica_retry_due(const engine_reader *r);
/* True when a remote part's replica in use is backing off: it failed
 * under another reader of the process since this one opened it. */
bool replica_in_use_down(const engine_reader *r);
void prefer_spread_replicas(engine_reader *r);

/* refresh.cc */
/* open_parts, reading the stub again when a database it named was removed
 * before it could be opened (a compaction finished meanwhile). */
void open_current(engine_reader *r);
/* What a reader reads again when it moved to other databases or
 * revisions: the fields (a commit may have added some), and what a remote
 * reader kept of its servers' answers (wildcard words, tier words'
 * frequencies), which were of the revisions it left. */
void reader_moved(engine_reader *r);
/* Notes the identity of the stub and of each database's version file, as
 * refresh compares them later (before opening the databases). */
void note_files(engine_reader *r);
/* Brings r to the index's latest state (engine_reader_refresh); force:
 * reopen even when nothing seems changed.  True when anything moved. */
bool refresh(engine_reader *r, bool force = false);

/* Runs fn, reopening and retrying when the writer moved on under us, and
 * once on other servers when a remote shard's failed (layout.cc). */
template <typename F>
int with_retry(engine_reader *r, char *err, const char *what, F fn) {
    bool failed_over = false;
    for (int attempt = 0;; attempt++) {
        try {
            if (r->parts_stale) open_parts(r);
            return fn();
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt == 3) return lede_seterr(err, "%s: index changing too fast", what);
            try {
                refresh(r, true);
            } catch (...) {
                /* the next attempt reports what is wrong */
            }
        } catch (const Xapian::NetworkError &e) {
            if (r->remote) note_network_failure(r, e);
            if (!r->remote || failed_over) return search_failure_code(err, what);
            failed_over = true; /* the next attempt reopens (open_parts) */
        } catch (...) {
            return search_failure_code(err, what);
        }
    }
}

/* language.cc */
/* A space-separated word list (metadata "lede.stopwords") as a set. */
word_set words_of(const std::string &list);
/* The words of v (the second of each pair), in v's order, space-separated
 * into out (reset): the list words_of reads back ("lede.common",
 * "lede.prefixes"). */
template <typename T>
void put_words(const std::vector<std::pair<T, std::string>> &v, sbuf *out) {
    sbuf_reset(out);
    for (size_t i = 0; i < v.size(); i++) {
        if (i) sbuf_putc(out, ' ');
        sbuf_append(out, v[i].second.data(), v[i].second.size());
    }
}
/* The stemmer for an index language ("" or "none": no stemming); a
 * reader's marks the stop words.  With fold (a reader's), each word is
 * folded (fold.cc) before it is stemmed, as a folding index's text was,
 * so that a snippet's words as written meet the query's; "none" then
 * folds without stemming. */
Xapian::Stem make_stemmer(const std::string &language, const word_set &stopwords = word_set(),
                          bool fold = false);
/* A Stopper Xapian can own. */
Xapian::Stopper *make_stopper(const word_set &words);

/* fold.cc */
/* text lower-cased by Xapian's Unicode tables: how keyword values, facet
 * values and near-duplicate words are compared. */
std::string fold_case(const std::string &text);
/* text in the form an index that folds (engine.h's ENGINE_FOLD) makes its
 * terms of: NFKC, the accents of Latin, Greek and Cyrillic letters off;
 * case kept. */
std::string fold_text(const std::string &text);
word_set folded_words(const word_set &words);
/* A keyword value as its term holds it: fold_case, after fold_text in an
 * index that folds (accents). */
std::string fold_value(const std::string &text, bool accents);
/* A query folded as fold_text folds text, but for its id: values. */
std::string fold_query(const std::string &query);
/* Whether an index's "lede.fold" value asks for folding ("": no); throws
 * DatabaseVersionError for a value this lede does not know. */
bool fold_setting(const char *value);

/* document.cc */
/* A format 4 posting's wdf: the raw wdf over the document's length
 * normalisation, times TF_SCALE, rounded (ranking.hh). */
Xapian::termcount tf_of(Xapian::termcount wdf, double len, double pivot);
std::string id_term(const char *id);
std::string fingerprint_bytes(uint64_t v);
/* The terms of an article's text, as make_document indexes them. */
void index_text(engine_writer *w, const article *a, Xapian::Document &doc);
/* The length of a document: the sum of its terms' wdf, before impacts. */
Xapian::termcount text_length(const Xapian::Document &doc);
Xapian::Document make_document(engine_writer *w, const article *a, const std::string &qterm,
                               const char *filekey, uint64_t fp, const void *data, size_t len);
void flush_words(engine_writer *w);
/* What a spelling word takes in memory: its node in engine_writer's words
 * (or in the glass writer's map, a little more, which holds it at the
 * end of a bulk build), its bucket, its bytes when too long to sit inside
 * the string. */
size_t word_bytes(const std::string &word);
/* Adds n to word's count in w->words; clear_words empties them. */
void count_word(engine_writer *w, const std::string &word, Xapian::termcount n);
void clear_words(engine_writer *w);

/* duplicates.cc */
/* An article's near-duplicate signature (engine.h, slot 5), "" when it has
 * no word; add_signature puts it and its band terms in doc. */
std::string dup_signature(const article *a);
void add_signature(DocTarget &doc, const std::string &sig);
/* With w's live grouping on: doc (whose id term is qterm) joins the group
 * of the near-duplicate leader it resembles most in w's database, or makes
 * one with an ungrouped near-duplicate (whose document is rewritten). */
void join_live_group(engine_writer *w, Xapian::Document &doc, const std::string &qterm);
/* The prefix of an article's signature term (a boolean term, 64 bytes
 * in hex). */
#define DUP_SIGNATURE_PREFIX "XS"
/* The articles a grouping pass reads: how many, each one's signature
 * term (fn(docid, term), in any order), and the id terms of the groups'
 * leaders (out[i] of leaders[i], ascending; "" for none). */
struct DupSource {
    size_t articles = 0;
    std::function<void(const std::function<void(Xapian::docid, const std::string &)> &)> each_signature;
    std::function<void(const std::vector<Xapian::docid> &, std::vector<std::string> &)> leader_qterms;
};
/* engine_group_duplicates' groups of src's articles, within memory (as
 * there), without a database (the bulk merge's, bulk_writer.cc):
 * fn(docid, key) for each article in a group, ascending by docid,
 * taking 192 bytes an article (4 bands a scan); false (no call) when
 * memory is less. */
bool group_signatures(const DupSource &src, size_t memory,
                      const std::function<void(Xapian::docid, const std::string &)> &fn);

/* fields.cc */
/* text's first max bytes at most, cut at a UTF-8 character's start. */
std::string utf8_cut(const std::string &text, size_t max);
/* The term of a keyword field's value, as a document holds it and a
 * filter asks for it: the value cut to SCHEMA_VALUE_MAX bytes, folded,
 * then cut to what a term may hold after its prefix (MAX_TERM). */
std::string keyword_term(const std::string &field, const std::string &value, bool fold);
/* A writer's own schema, from its database, unless it shares one. */
void writer_fields_load(engine_writer *w);
void writer_fields_release(engine_writer *w);
/* Sets "lede.schema" to the writer's schema when it changed (before a
 * commit). */
void writer_fields_store(engine_writer *w);
/* The article's metadata fields into doc: terms and value slots. */
void add_fields(engine_writer *w, const article *a, DocTarget &doc);
/* r->fields from every database of r->part_dbs. */
void reader_fields_load(engine_reader *r);

/* settings.cc */
/* An index's lede.* settings (src/settings.h) read from db, as one
 * object; throws what Xapian threw. */
class IndexSettings {
public:
    explicit IndexSettings(const Xapian::Database &db);
    ~IndexSettings();
    IndexSettings(const IndexSettings &) = delete;
    IndexSettings &operator=(const IndexSettings &) = delete;
    settings s;
    /* Writes the keys in which (SETTINGS_* bits) of s to db. */
    void store(Xapian::WritableDatabase &db, unsigned which) const;
};

/* writer.cc */
int meta_get(const Xapian::Database &db, const char *key, sbuf *out);
/* The revision lede reports (engine.h): Xapian's plus "lede.revision_base". */
uint64_t lede_revision(const Xapian::Database &db);
/* The Q term of a document, from its termlist ("" when it has none). */
std::string doc_qterm(Xapian::WritableDatabase &db, Xapian::docid did);

/* reader.cc */
/* Reads every lede.* key a reader uses, and sets up what depends on them
 * alone (stemmer, stop words, format, docstore). */
void load_settings(engine_reader *r);

#include "page.hh"
#include "query_path.hh"

#endif
