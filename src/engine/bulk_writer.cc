/* bulk_writer.cc -- an engine_writer in bulk mode (engine.h's
 * engine_writer_open_bulk): the flat documents make_flat_document() makes
 * (document.cc: the API path's documents, without the TermGenerator or a
 * Xapian::Document) go to the bulk inverter (bulk.hh) instead of a Xapian
 * database; a scratch Xapian
 * database of no documents (DIR.runs/meta; the in-memory backend lists no
 * metadata keys) stands in for the rest (settings, fields, file records:
 * every metadata call of writer.cc works on it unchanged); an id table
 * answers engine_writer_put's "is this id here, with which fingerprint"
 * as the API path's postlist of the id term does, and a replaced
 * article's spelling words are taken back as the API path takes them
 * (read from its spool record: spelling_words.cc's stored_words).  The
 * database is written whole by the sink (bulk_sinks.cc) in glass's three
 * phases: a part's own at its close, or (engine_bulk_merge) the one database of all
 * the parts of a build, what Xapian's compactor would make of their
 * databases, written directly, with the near-duplicate group keys the
 * grouping after it would write (duplicates.cc's pass over the runs held
 * in memory).  Touches no existing database. */
#include "internal.hh"
#include "changes.hh"
#include "bulk_writer.hh"
#include "bulk.hh"
#include "tokenise.hh"
#include "spelling_words.hh"
#include "tiers.hh"
#include "glass/writer.hh"

#include <algorithm>
#include <cerrno>
#include <functional>
#include <map>
#ifdef __GLIBC__
#include <malloc.h>

/* Built with AddressSanitizer (gcc says so by a macro, clang by a feature). */
#if defined(__SANITIZE_ADDRESS__)
#define LEDE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LEDE_SANITIZED 1
#endif
#endif
#ifndef LEDE_SANITIZED
#define LEDE_SANITIZED 0
#endif
#endif

namespace {

/* An id-table entry: the article's docid, fingerprint and spool record. */
struct IdEntry {
    Xapian::docid did;
    uint64_t fp;
    long offset;
};

/* What an id-table entry costs in memory: its hash node (48 bytes with
 * malloc's header) and its bucket (62 measured with mallinfo2 over
 * 100,000 entries). */
const size_t ID_ENTRY_BYTES = 64;

/* What a full build's process holds besides what grows with the
 * collection (engine_bulk_budget): the program and its libraries (12 MB
 * resident at the writers' start), the boilerplate table (up to 6 MB), the
 * glass writer's table buffers and spill reads (6 MB) and its workers'
 * queues (1 MB: two at a time); and each writer's
 * word caches (the tokeniser's, stem_cache.hh: up to 65,536 words with
 * their stems, term ids and spelling counts not yet handed on, 8 MB of
 * buckets and their stems;
 * the TermGenerator's stemmer cache, language.cc, which only CJK fields
 * fill now) and reading queue (256 articles). */
const size_t BULK_OUTSIDE = (size_t)24 << 20;
const size_t BULK_OUTSIDE_WRITER = (size_t)13 << 20;

/* The spool note of an article put with the boilerplate spans cut (its
 * run's, engine_writer_boiler_next): their count, then each one's start
 * and end, varints; none when the writer's table cut it (or nothing
 * did). */
std::string spans_note(const std::vector<boiler_span> *cut) {
    std::string note;
    if (!cut) return note;
    bulk::put_varint(note, cut->size());
    for (const boiler_span &s : *cut) {
        bulk::put_varint(note, s.start);
        bulk::put_varint(note, s.end);
    }
    return note;
}

std::unique_ptr<std::vector<boiler_span>> note_spans(const std::string &note) {
    if (note.empty()) return nullptr;
    std::unique_ptr<std::vector<boiler_span>> cut(new std::vector<boiler_span>);
    const unsigned char *p = (const unsigned char *)note.data();
    cut->resize((size_t)bulk::get_varint(p));
    for (boiler_span &s : *cut) {
        s.start = (size_t)bulk::get_varint(p);
        s.end = (size_t)bulk::get_varint(p);
    }
    return cut;
}

}  // namespace

struct BulkState {
    bulk::Inverter inverter;
    /* By the 64-bit hash of the id term; the rare ids whose hash another
     * id has already are in by_term instead, by their term. */
    std::unordered_map<uint64_t, IdEntry> by_hash;
    std::unordered_map<std::string, IdEntry> by_term;
    Xapian::docid last_did = 0;
    std::unique_ptr<tok::Tokeniser> tokeniser; /* made at the first put, once configured */
    std::unique_ptr<TierVerdicts> verdicts;    /* made with it: w's tier words', which never change after
                                                * (engine_writer_configure is refused once it is made) */
    engine_phase_fn phase_fn = nullptr;
    void *phase_ctx = nullptr;
    BulkState(const std::string &dir, size_t memory) : inverter(dir, memory) {}

    void phase(const char *what, uint64_t done) {
        if (phase_fn) phase_fn(what, done, phase_ctx);
    }

    /* The entry of qterm, or NULL; with hash its 64-bit hash. */
    IdEntry *find(const std::string &qterm, uint64_t hash) {
        auto t = by_term.find(qterm);
        if (t != by_term.end()) return &t->second;
        auto h = by_hash.find(hash);
        if (h == by_hash.end()) return nullptr;
        if (inverter.qterm_at(h->second.offset) == qterm) return &h->second;
        return nullptr;
    }

    void insert(const std::string &qterm, uint64_t hash, const IdEntry &e) {
        if (!by_hash.emplace(hash, e).second) by_term.emplace(qterm, e);
    }

    size_t id_bytes() const { return (by_hash.size() + by_term.size()) * ID_ENTRY_BYTES; }
};

namespace {

/* The storage errno a glass writer's message ends with ("...: PATH: No
 * space left on device"), 0 for none. */
int glass_errno(const char *msg) {
    static const int candidates[] = {ENOSPC, EDQUOT, EROFS, EACCES, EPERM, EIO};
    size_t n = strlen(msg);
    for (int c : candidates) {
        size_t m = strlen(strerror(c));
        if (n >= m && !strcmp(msg + n - m, strerror(c))) return c;
    }
    return 0;
}

/* guarded (internal.hh), and a failed write's errno (a run or spool
 * file's, or the glass writer's) as its LEDE code, said as writer.cc's
 * are: "PATH: disk full (No space left on device): ...". */
template <typename F>
int bulk_guarded(char *err, const char *what, F body) {
    return guarded(err, what, [&] {
        try {
            return body();
        } catch (const bulk::IoError &e) {
            int code = lede_storage_code(e.errnum);
            if (code == LEDE_ERR) return lede_seterr(err, "%s", e.what());
            return lede_seterr_code(err, code, "%s: %s (%s)", e.path.c_str(), lede_storage_cause(code),
                                    strerror(e.errnum));
        } catch (const glass::Error &e) {
            int errnum = glass_errno(e.what()), code = lede_storage_code(errnum);
            if (!errnum || code == LEDE_ERR) throw;
            return lede_seterr_code(err, code, "%s: %s (%s): %s", what, lede_storage_cause(code),
                                    strerror(errnum), e.what());
        }
    });
}

/* The metadata of the database written: each part's (its scratch
 * database's), then each main database's, merged as a compaction of the
 * databases in that order merges them (compact_metadata). */
void write_metadata(engine_writer *const *parts, int n, const std::vector<Xapian::Database> &mains,
                    bulk::Sink &sink) {
    std::map<std::string, std::vector<std::string>> all;
    auto take = [&](const Xapian::Database &db) {
        for (Xapian::TermIterator k = db.metadata_keys_begin(); k != db.metadata_keys_end(); ++k)
            if (!changes_key(*k)) all[*k].push_back(db.get_metadata(*k));
    };
    for (int i = 0; i < n; i++) {
        writer_fields_store(parts[i]);
        take(parts[i]->db);
    }
    for (const Xapian::Database &db : mains) take(db);
    for (const auto &kv : all) {
        const std::vector<std::string> &v = kv.second;
        sink.set_metadata(kv.first, v.size() == 1 ? v[0] : compact_metadata(kv.first, v.size(), v.data()));
    }
}

/* The spelling words of every part and main database, their frequencies
 * added up (as a compaction adds them); a part's less those it took back
 * (bulk_writer_put: its replaced articles'; an id's articles are all in
 * one part), a word taken back to none left out, as the API path's
 * remove_spelling leaves it. */
void write_spelling(engine_writer *const *parts, int n, const std::vector<Xapian::Database> &mains,
                    bulk::Sink &sink) {
    for (int i = 0; i < n; i++) {
        for (const auto &kv : parts[i]->words) {
            Xapian::termcount gone = std::min(kv.second, taken_back(parts[i], kv.first));
            if (kv.second > gone) sink.add_spelling(kv.first, kv.second - gone);
        }
        clear_words(parts[i]);
        forget_taken_back(parts[i]);
    }
    for (const Xapian::Database &db : mains)
        for (Xapian::TermIterator t = db.spellings_begin(); t != db.spellings_end(); ++t)
            sink.add_spelling(*t, t.get_termfreq());
}

/* Memory freed in the writer threads' arenas, which glibc keeps (only an
 * arena's top is ever given back by free): given back to the system, or
 * what the merge allocates next (in the merging thread's arena) comes on
 * top of it.  Not under AddressSanitizer, whose allocator replaces
 * glibc's: there malloc_trim finds glibc's arenas unmade and crashed when
 * called from a thread (a sharded build merges its shards in threads of
 * their own). */
void give_back_freed() {
#if defined(__GLIBC__) && !LEDE_SANITIZED
    malloc_trim(0);
#endif
}

/* What the parts need no more once they are merged, freed before: the
 * word caches (the tokeniser's and the stemmer's), given back before the
 * merge's read buffers and the glass writer's take theirs. */
void drop_indexing(engine_writer *const *parts, int n) {
    for (int i = 0; i < n; i++) {
        parts[i]->tg = Xapian::TermGenerator();
        parts[i]->stem = Xapian::Stem();
        if (!parts[i]->bulk) continue;
        bulk_writer_flush_spelling(parts[i]);
        parts[i]->bulk->tokeniser.reset(); /* its stem cache */
        parts[i]->bulk->verdicts.reset();
    }
    give_back_freed();
}

/* The near-duplicate group keys (docid, key), ascending, of the parts'
 * articles, read from their runs in memory before phase 1 writes their
 * values: the groups engine_group_duplicates makes of the database once
 * it is written (the same signatures and id terms, the same pass), so
 * that livewriter.c's finish need not group again (engine_bulk_merge
 * says so: *grouped); its writes left a block free for each they touched (every termlist
 * leaf holding a grouped article) and the copy was then repacked, which
 * was a tenth of a Reuters build's CPU.  Empty (the finish groups them
 * all as before) for a shard (its groups span the shards), when a run
 * was spilled (its signatures are in a file), when a main database holds
 * documents, or when what the runs leave of the budget (room) is too
 * little for the pass.  *grouped says whether the pass ran (its keys,
 * none when no article has a near-duplicate, are then all there are). */
typedef std::vector<std::pair<Xapian::docid, std::string>> GroupKeys;
GroupKeys merge_groups(engine_writer *const *parts, const std::vector<Xapian::Database> &mains,
                       const std::vector<bulk::RunSet> &sets, size_t articles, size_t room,
                       bool *grouped) {
    GroupKeys keys;
    *grouped = false;
    IndexSettings is(parts[0]->db);
    if ((is.s.stored & SETTINGS_SHARD) && *is.s.shard) return keys;
    for (const bulk::RunSet &set : sets)
        if (!set.files->empty()) return keys;
    for (const Xapian::Database &db : mains)
        if (db.get_doccount()) return keys;
    DupSource src;
    src.articles = articles;
    src.each_signature = [&](const std::function<void(Xapian::docid, const std::string &)> &fn) {
        bulk::memory_postings(sets, DUP_SIGNATURE_PREFIX, fn);
    };
    src.leader_qterms = [&](const std::vector<Xapian::docid> &leaders, std::vector<std::string> &out) {
        bulk::memory_postings(sets, "Q", [&](Xapian::docid did, const std::string &term) {
            auto at = std::lower_bound(leaders.begin(), leaders.end(), did);
            if (at == leaders.end() || *at != did) return;
            std::string &q = out[size_t(at - leaders.begin())];
            if (q.empty() || term < q) q = term; /* its first id term, as qterm_of reads it */
        });
    };
    *grouped = group_signatures(src, room, [&](Xapian::docid did, const std::string &key) {
        keys.emplace_back(did, key);
    });
    return keys;
}

/* A sink that gives each document its group key (slot ENGINE_SLOT_DUP)
 * on its way to the real one, or takes away one it holds without a
 * group. */
class KeyingSink : public bulk::Sink {
  public:
    KeyingSink(bulk::Sink &to, const GroupKeys &keys) : to(to), keys(keys) {}
    void add_document(Xapian::docid did, const std::string &data, const bulk::TermWdfs &terms,
                      const bulk::SlotValues &values) override {
        while (next < keys.size() && keys[next].first < did) next++;
        const std::string *key = next < keys.size() && keys[next].first == did ? &keys[next].second : nullptr;
        auto at = std::lower_bound(values.begin(), values.end(), ENGINE_SLOT_DUP,
                                   [](const auto &v, Xapian::valueno slot) { return v.first < slot; });
        bool holds = at != values.end() && at->first == ENGINE_SLOT_DUP;
        if (!key && !holds) return to.add_document(did, data, terms, values);
        keyed = values;
        auto k = keyed.begin() + (at - values.begin());
        if (!key) keyed.erase(k);
        else if (holds) k->second = *key;
        else keyed.insert(k, std::make_pair(Xapian::valueno(ENGINE_SLOT_DUP), *key));
        to.add_document(did, data, terms, keyed);
    }
    void set_metadata(const std::string &key, const std::string &value) override { to.set_metadata(key, value); }
    void add_spelling(const std::string &word, Xapian::termcount freq) override { to.add_spelling(word, freq); }
    void end_spelling() override { to.end_spelling(); }
    void begin_term(const std::string &term) override { to.begin_term(term); }
    void add_posting(Xapian::docid did, Xapian::termcount wdf, const Xapian::termpos *positions,
                     size_t npositions) override {
        to.add_posting(did, wdf, positions, npositions);
    }
    void end_term() override { to.end_term(); }
    void finish() override { to.finish(); }

  private:
    bulk::Sink &to;
    const GroupKeys &keys;
    size_t next = 0;
    bulk::SlotValues keyed;
};

/* Whether the spelling words may go to the sink (which then writes them
 * on a thread of its own) before the runs are merged, beside the merge
 * and its position table: a tenth of a Reuters build's merge on the
 * second core, which phase 2 leaves half idle.  Only when no run was
 * spilled (the merge takes no read buffers), no main database holds
 * spelling words, and what the runs leave of the budget (room) holds the
 * sink's copy of the words and the table's fragment pairs, each counted
 * as the parts' words (words_bytes: their maps' bytes, more than a
 * word's 8 bytes a fragment); else after the runs are released, as
 * before. */
bool spelling_beside_terms(engine_writer *const *parts, int n, const std::vector<Xapian::Database> &mains,
                           const std::vector<bulk::RunSet> &sets, size_t room) {
    for (const bulk::RunSet &set : sets)
        if (!set.files->empty()) return false;
    for (const Xapian::Database &db : mains)
        if (db.spellings_begin() != db.spellings_end()) return false;
    size_t words = 0;
    for (int i = 0; i < n; i++) words += parts[i]->words_bytes;
    return 2 * words <= room;
}

/* The database dst, whole, of the parts (and the main databases, which
 * hold no documents): phase 1, each part's documents after the last
 * part's; metadata; phase 2, the runs of all parts merged; the spelling
 * words before phase 2 when they fit beside the runs
 * (spelling_beside_terms), else once the runs in memory are freed (the
 * sink holds them until its finish). What a compaction of the parts' databases written one by
 * one would write (livewriter.c's), without writing them; *grouped (when
 * group) whether it holds every near-duplicate group key (merge_groups). */
void write_database(engine_writer *const *parts, int n, const std::vector<Xapian::Database> &mains,
                    const std::string &dst, bool group, bool *grouped,
                    const std::function<void(const char *, uint64_t)> &phase) {
    drop_indexing(parts, n);
    std::unique_ptr<bulk::Sink> sink = bulk::make_sink(dst, false);
    std::vector<bulk::RunSet> sets;
    Xapian::docid offset = 0;
    size_t budget = 0, runs = 0, in_memory = 0;
    for (int i = 0; i < n; i++) {
        BulkState *b = parts[i]->bulk;
        sets.push_back(b->inverter.runs_at(offset));
        offset += b->last_did; /* a compaction's renumbering: the parts' docids run from 1 */
        size_t held = b->inverter.held(), own = b->inverter.memory_budget();
        budget += own > held ? own - held : 0; /* what the merge's runs may take */
        in_memory += sets.back().memory->bytes();
        runs += b->inverter.runs_merged();
    }
    bulk::RunSorts sorts(sets); /* beside the group keys and phase 1, which only read the runs */
    GroupKeys keys;
    *grouped = false;
    if (group)
        keys = merge_groups(parts, mains, sets, offset, budget > in_memory ? budget - in_memory : 0,
                            grouped);
    KeyingSink keying(*sink, keys);
    bool early = spelling_beside_terms(parts, n, mains, sets, budget > in_memory ? budget - in_memory : 0);
    phase("documents", 0);
    for (int i = 0; i < n; i++) parts[i]->bulk->inverter.documents(keys.empty() ? *sink : keying, sets[i].offset);
    write_metadata(parts, n, mains, *sink);
    if (early) {
        write_spelling(parts, n, mains, *sink);
        sink->end_spelling();
    }
    std::string terms = "terms (merging " + std::to_string(runs) + " runs)";
    phase(terms.c_str(), 0);
    sorts.wait(sets);
    bulk::merge_runs(sets, budget, *sink, [&](uint64_t done) { phase(terms.c_str(), done); });
    for (int i = 0; i < n; i++) parts[i]->bulk->inverter.release_runs();
    give_back_freed(); /* the runs', before the spelling words' map and fragments */
    if (!early) write_spelling(parts, n, mains, *sink);
    lede_crash_point("bulk-before-finish");
    sink->finish();
}

/* engine_bulk_merge, the parts freed by the caller. */
int merge_parts(engine_writer *const *parts, int n, const char *const *mains, int nmains,
                const char *dst, bool group, bool *grouped, engine_phase_fn fn, void *ctx,
                char *err) {
    return bulk_guarded(err, dst, [&] {
        std::vector<Xapian::Database> main_dbs;
        for (int i = 0; i < nmains; i++) main_dbs.emplace_back(mains[i]);
        write_database(parts, n, main_dbs, dst, group, grouped, [&](const char *what, uint64_t done) {
            if (fn) fn(what, done, ctx);
        });
        return LEDE_OK;
    });
}

/* The spelling words the article at offset of w's spool gave (stored_words:
 * read from its record's data and note), which one of the same id
 * replaces: to be taken back from w's words, as the API path's
 * put_document takes them back, once the replacement is in. */
SpellingCounts replaced_words(engine_writer *w, long offset) {
    std::string data, note;
    w->bulk->inverter.stored_at(offset, data, note);
    std::unique_ptr<std::vector<boiler_span>> cut = note_spans(note);
    return stored_words(w, data, cut.get());
}

}  // namespace

int bulk_writer_put(engine_writer *w, const article *a, const char *filekey, uint64_t fp,
                    const void *data, size_t len, int *outcome, char *err) {
    return bulk_guarded(err, w->path.c_str(), [&] {
        BulkState *b = w->bulk;
        std::string qterm = id_term(a->id);
        uint64_t hash = lede_hash(qterm.data(), qterm.size());
        IdEntry *e = b->find(qterm, hash);
        if (e && e->fp == fp) {
            *outcome = ENGINE_UNCHANGED;
            return LEDE_OK;
        }
        if (!b->tokeniser) {
            b->tokeniser = make_tokeniser(w);
            b->verdicts.reset(new TierVerdicts);
        }
        bulk::FlatDocument doc = make_flat_document(w, *b->tokeniser, &b->inverter.dictionary(), b->verdicts.get(),
                                                     a, qterm, filekey, fp, data, len);
        if (w->spelling) doc.note = spans_note(w->boiler_given.get());
        /* The replaced article's words are noted only once its
         * replacement is added: a failed add replaces nothing. */
        SpellingCounts gone;
        if (e && w->spelling) gone = replaced_words(w, e->offset);
        b->inverter.set_reserved(b->id_bytes() + w->words_bytes + taken_back_bytes(w) + noting_bytes(w, gone) +
                                 b->verdicts->bytes());
        if (e) {
            e->offset = b->inverter.add(e->did, doc, true);
            e->fp = fp;
            note_taken_back(w, gone);
            *outcome = ENGINE_REPLACED;
        } else {
            Xapian::docid did = ++b->last_did;
            b->insert(qterm, hash, IdEntry{did, fp, b->inverter.add(did, doc, false)});
            *outcome = ENGINE_ADDED;
        }
        return LEDE_OK;
    });
}

void bulk_writer_flush_spelling(engine_writer *w) {
    if (w->bulk && w->bulk->tokeniser) w->bulk->tokeniser->flush_spelling();
}

bool bulk_writer_put_any(const engine_writer *w) {
    return w->bulk->tokeniser != nullptr;
}

uint64_t bulk_writer_doccount(engine_writer *w) {
    return w->bulk->by_hash.size() + w->bulk->by_term.size();
}

int bulk_writer_close(engine_writer *w, char *err) {
    BulkState *b = w->bulk;
    bool grouped;
    int rc = merge_parts(&w, 1, nullptr, 0, w->path.c_str(), false, &grouped, b->phase_fn, b->phase_ctx,
                         err);
    bulk_writer_free(w);
    return rc;
}

void bulk_writer_free(engine_writer *w) {
    try {
        w->db.close(); /* before its directory goes with the runs */
    } catch (...) {
    }
    delete w->bulk;
    w->bulk = nullptr;
    writer_fields_release(w);
    delete w;
}

extern "C" {

size_t engine_bulk_budget(size_t memory, unsigned writers) {
    size_t outside = BULK_OUTSIDE + BULK_OUTSIDE_WRITER * (size_t)writers;
    return std::max(memory > outside ? memory - outside : 0, memory / 2);
}

int engine_writer_open_bulk(const char *dbpath, size_t memory, engine_writer **out, char *err) {
    return bulk_guarded(err, dbpath, [&] {
        struct stat st;
        if (stat(dbpath, &st) == 0)
            return lede_seterr(err, "%s: exists already (a bulk writer makes a new database)", dbpath);
        std::unique_ptr<engine_writer> w(new engine_writer);
        w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        w->path = dbpath;
        w->group_live = false;
        w->bulk = new BulkState(dbpath, memory);
        try {
            w->db = Xapian::WritableDatabase(w->bulk->inverter.scratch() + "/meta",
                                             Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
        } catch (...) {
            delete w->bulk;
            throw;
        }
        *out = w.release();
        return LEDE_OK;
    });
}

int engine_bulk_merge(engine_writer *const *parts, int n, const char *const *mains, int nmains,
                      const char *dst, engine_phase_fn fn, void *ctx, int *grouped, char *err) {
    int rc = LEDE_OK;
    bool all_keys = false;
    for (int i = 0; i < n && rc == LEDE_OK; i++)
        if (!parts[i]->bulk) rc = lede_seterr(err, "%s: not a bulk writer", parts[i]->path.c_str());
    if (rc == LEDE_OK) rc = merge_parts(parts, n, mains, nmains, dst, true, &all_keys, fn, ctx, err);
    *grouped = rc == LEDE_OK && all_keys;
    for (int i = 0; i < n; i++) engine_writer_abandon(parts[i]);
    /* The parts' memory (their id tables, spools' buffers): given back
     * now, or the grouping and recleaning that follow would add their
     * memory to it (measured: +46 MB over 100,000 articles at --memory
     * 64M). */
    give_back_freed();
    return rc;
}

void engine_writer_on_phase(engine_writer *w, engine_phase_fn fn, void *ctx) {
    if (!w->bulk) return;
    w->bulk->phase_fn = fn;
    w->bulk->phase_ctx = ctx;
}

void engine_writer_abandon(engine_writer *w) {
    if (!w) return;
    if (w->bulk) bulk_writer_free(w);
    else engine_writer_close(w, nullptr);
}

}  // extern "C"
