/* writer.cc -- the writer side of engine.h: opening and configuring a
 * writable database, storing and deleting articles (document.cc makes
 * their documents), the length sample behind formats 3 and 4's pivot and common
 * words, commits, and metadata.  Touches no reader. */
#include "internal.hh"
#include "prefix_terms.hh"
#include "tiers.hh"
#include "changes.hh"
#include "boilerplate.hh"
#include "bulk_writer.hh"
#include "spelling_words.hh"
#include "tokenise.hh"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <ctime>

#include <sys/statvfs.h>

namespace {

/* The pivot length of a format 3 or 4 index (setting "lede.pivot"); an index
 * without one gets ENGINE_DEFAULT_PIVOT, stored with its next commit so
 * that it never changes once postings depend on it. */
double stored_pivot(engine_writer *w, IndexSettings &is) {
    double pivot = *is.s.pivot ? strtod(is.s.pivot, nullptr) : 0;
    if (pivot >= 1 && std::isfinite(pivot)) return pivot;
    char buf[32];
    snprintf(buf, sizeof buf, "%g", (double)ENGINE_DEFAULT_PIVOT);
    settings_set_string(&is.s.pivot, buf);
    is.store(w->db, SETTINGS_PIVOT);
    return ENGINE_DEFAULT_PIVOT;
}

/* What the index's format (settings "lede.format", "lede.fold", and formats 3 to
 * 5's "lede.pivot" and pair rule, from "lede.pair_words" and
 * "lede.common", formats 4 and 5's "lede.tiers" and "lede.prefixes", and
 * format 5's weighed XT<word>) asks of the documents this writer makes. */
void load_format(engine_writer *w) {
    IndexSettings is(w->db);
    w->format = format_number(is.s.format);
    w->fields_in_body = w->format != 1;
    w->heads = (is.s.stored & SETTINGS_SHARD) && *is.s.shard;
    w->fold = fold_setting(is.s.fold);
    w->stop_pairs = !strcmp(is.s.stop_pairs, "1");
    if (baked_tf(w->format)) {
        w->pivot = stored_pivot(w, is);
        w->pairs = pair_rule_of(is.s);
        if (has_tiers(w->format)) w->tiers = tier_words_of(is.s);
        if (has_tiers(w->format)) w->prefixes = prefixes_of(is.s);
        w->weigh_tiers = tier_wdfs(w->format);
    }
}

}  // namespace

std::string doc_qterm(Xapian::WritableDatabase &db, Xapian::docid did) {
    Xapian::TermIterator t = db.termlist_begin(did);
    t.skip_to("Q");
    if (t != db.termlist_end(did) && (*t)[0] == 'Q') return *t;
    return std::string();
}

int meta_get(const Xapian::Database &db, const char *key, sbuf *out) {
    std::string v = db.get_metadata(key);
    if (v.empty()) return LEDE_ENOTFOUND;
    sbuf_reset(out);
    sbuf_append(out, v.data(), v.size());
    return LEDE_OK;
}

uint64_t lede_revision(const Xapian::Database &db) {
    std::string base = db.get_metadata(settings_key(SETTINGS_REVISION_BASE));
    return strtoull(base.c_str(), nullptr, 10) + db.get_revision();
}

namespace {

/* The words of the body term in at least share x the articles measured,
 * at most max of the most frequent (ties by word), with their article
 * counts, most frequent first. */
std::vector<std::pair<uint64_t, std::string>> frequent_words(const engine_writer *w, double share,
                                                              unsigned max) {
    std::vector<std::pair<uint64_t, std::string>> by_df;
    for (const auto &kv : w->sample_wdf) {
        uint64_t df = kv.second.size();
        if ((double)df >= share * (double)w->sampled && kv.first.find(' ') == std::string::npos)
            by_df.emplace_back(df, kv.first);
    }
    std::sort(by_df.begin(), by_df.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (by_df.size() > max) by_df.resize(max);
    return by_df;
}

/* Tests only: whether this is the Nth time (spec "PART:N", ":N" left out:
 * 1) that hits counts a database whose path holds PART. */
bool nth_hit_for_test(const char *spec, std::atomic<int> &hits, const std::string &path) {
    if (!spec) return false;
    const char *colon = strrchr(spec, ':');
    std::string part = colon ? std::string(spec, (size_t)(colon - spec)) : std::string(spec);
    if (path.find(part) == std::string::npos) return false;
    return ++hits == (colon ? atoi(colon + 1) : 1);
}

/* Tests only: LEDE_FAIL_COMMIT=PART:N makes the Nth
 * engine_writer_commit in this process of a database whose path holds
 * PART fail as a commit that Xapian could not write does: a
 * DatabaseError with EIO (LEDE_FAIL_COMMIT_FULL set: ENOSPC, a full
 * disk's, which lede-index --watch waits out) in place of Xapian's
 * commit, which engine_writer_commit then handles as it does Xapian's
 * own.  Returns that errno, or 0: no failure.  Read once; a commit is no
 * hot path. */
int commit_failure_for_test(const engine_writer *w) {
    static const char *spec = getenv("LEDE_FAIL_COMMIT");
    static const int errnum = getenv("LEDE_FAIL_COMMIT_FULL") ? ENOSPC : EIO;
    static std::atomic<int> hits{0};
    return nth_hit_for_test(spec, hits, w->path) ? errnum : 0;
}

/* Tests only: LEDE_FAIL_OPEN=PART:N makes the Nth engine_writer_open of
 * such a database fail as an unreadable one does (a DatabaseOpeningError
 * with EIO), the way a reopening after a failed write can. */
bool open_fails_for_test(const char *dbpath) {
    static const char *spec = getenv("LEDE_FAIL_OPEN");
    static std::atomic<int> hits{0};
    return dbpath && nth_hit_for_test(spec, hits, dbpath);
}

/* Tests only: LEDE_FAIL_ROOM=PART:N makes the Nth engine_writer_room
 * of such a database find no room (a full disk's LEDE_EDISKFULL, which
 * lede-index --watch waits out, no commit begun); LEDE_FAIL_CLOSE=PART:N
 * the Nth close of one that has changes to commit fail in its commit,
 * as LEDE_FAIL_COMMIT's (the same errno). */
bool room_fails_for_test(const engine_writer *w) {
    static const char *spec = getenv("LEDE_FAIL_ROOM");
    static std::atomic<int> hits{0};
    return nth_hit_for_test(spec, hits, w->path);
}

int close_failure_for_test(const engine_writer *w) {
    static const char *spec = getenv("LEDE_FAIL_CLOSE");
    static const int errnum = getenv("LEDE_FAIL_COMMIT_FULL") ? ENOSPC : EIO;
    static std::atomic<int> hits{0};
    return w->pending_changes && nth_hit_for_test(spec, hits, w->path) ? errnum : 0;
}

/* A sampled article count as a share of the sample, parts per million. */
uint64_t ppm_of(uint64_t df, uint64_t sampled) {
    return sampled ? (uint64_t)std::llround(1e6 * (double)df / (double)sampled) : 0;
}

}  // namespace

extern "C" {

int engine_format_samples(const char *format) {
    try {
        return baked_tf(format_number(format));
    } catch (const Xapian::Error &) {
        return 0;
    }
}

int engine_format_tiers(const char *format) {
    try {
        return has_tiers(format_number(format));
    } catch (const Xapian::Error &) {
        return 0;
    }
}

int engine_writer_open(const char *dbpath, int create, int fast,
                       engine_writer **out, char *err) {
    return guarded(err, dbpath ? dbpath : "(in memory)", [&] {
        int flags = create ? Xapian::DB_CREATE_OR_OPEN : Xapian::DB_OPEN;
        if (fast) flags |= Xapian::DB_NO_SYNC;
        if (open_fails_for_test(dbpath)) throw Xapian::DatabaseOpeningError("open failed (LEDE_FAIL_OPEN)", EIO);
        engine_writer *w = new engine_writer;
        try {
            w->db = dbpath ? Xapian::WritableDatabase(dbpath, flags)
                           : Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
        } catch (...) {
            delete w;
            throw;
        }
        w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        w->path = dbpath ? dbpath : "(in memory)";
        writer_changes_open(w);
        *out = w;
        return LEDE_OK;
    });
}

int engine_writer_close(engine_writer *w, char *err) {
    if (!w) return LEDE_OK;
    if (w->bulk) return bulk_writer_close(w, err);
    int rc = guarded(err, w->path.c_str(), [&] {
        if (!w->discarded) { /* a discarded writer's shared table counts what it dropped */
            flush_words(w);
            writer_fields_store(w);
            writer_boiler_store(w);
            writer_changes_store(w, false);
            /* failed, its changes are dropped as a failed commit's are
             * (none half-flushed left for the destructor to commit), and
             * w freed: an owner that must know (lede-index's writers.c)
             * commits first, a failed engine_writer_commit leaving w
             * discarded */
            try {
                if (int errnum = close_failure_for_test(w))
                    throw Xapian::DatabaseError("commit failed (LEDE_FAIL_CLOSE)", errnum);
                w->db.commit();
            } catch (const Xapian::Error &) {
                engine_writer_discard(w);
                throw;
            }
        }
        w->db.close();
        return LEDE_OK;
    });
    writer_fields_release(w);
    delete w;
    return rc;
}

int engine_writer_configure(engine_writer *w, const char *language,
                            const char *stopwords, int spelling, char *err) {
    /* A bulk writer's first put makes its tokeniser and tier verdicts
     * from this configuration (bulk_writer.cc), kept for its life: its
     * tier words (load_format's, here alone) and stems must not change */
    if (w->bulk && bulk_writer_put_any(w))
        return lede_seterr(err, "%s: configure refused: a bulk writer is configured before its first put",
                           w->path.c_str());
    return guarded(err, "configure", [&] {
        load_format(w);
        if (w->fold) w->tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
        if (strcmp(language, "none")) {
            w->stem = make_stemmer(language);
            w->language = language;
            w->tg.set_stemmer(w->stem);
            w->tg.set_stemming_strategy(Xapian::TermGenerator::STEM_ALL);
        }
        if (stopwords && *stopwords) {
            /* Left out altogether, positions included: the words around
             * a stop word are adjacent in the index. */
            word_set words = words_of(stopwords);
            w->stops = w->fold ? folded_words(words) : words;
            w->tg.set_stopper(make_stopper(w->stops)->release());
            w->tg.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
        }
        w->stop_set = WordSet(w->stops);
        if (w->stops.empty()) w->stop_pairs = false;
        w->spelling = spelling;
        writer_fields_load(w);
        return LEDE_OK;
    });
}

static int put_document(engine_writer *w, const article *a, const char *filekey, uint64_t fp,
                        const void *data, size_t len, int *outcome, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        std::string qterm = id_term(a->id);
        Xapian::PostingIterator p = w->db.postlist_begin(qterm);
        bool exists = p != w->db.postlist_end(qterm);
        if (exists) {
            Xapian::Document old = w->db.get_document(*p);
            if (old.get_value(ENGINE_SLOT_HASH) == fingerprint_bytes(fp)) {
                *outcome = ENGINE_UNCHANGED;
                return LEDE_OK;
            }
        }
        /* Counted once an article: a new version of one (a developing
         * story) would otherwise count the lines its versions share again
         * each time, until they were learned as its source's boilerplate. */
        if (w->boiler && w->boiler_observe && !w->boiler_skip_next && !exists) {
            if (!w->boiler_counted) w->boiler_counted.reset(boiler_log_new());
            boiler_observe_article_logged(w->boiler, a, w->boiler_counted.get());
        }
        Xapian::Document doc = make_document(w, a, qterm, filekey, fp, data, len);
        join_live_group(w, doc, qterm);
        if (exists) {
            SpellingCounts gone = given_words(w, *p);
            writer_note_replaced(w, *p);
            w->db.replace_document(qterm, doc);
            note_taken_back(w, gone);
            *outcome = ENGINE_REPLACED;
        } else {
            writer_note_changed(w);
            w->db.add_document(doc);
            *outcome = ENGINE_ADDED;
        }
        w->pending_changes++;
        return LEDE_OK;
    });
}

/* A discarded writer takes no change until it commits (engine.h): its
 * close commits nothing, so a change made now would be lost unseen. */
static int refuse_discarded(const engine_writer *w, const char *what, char *err) {
    return lede_seterr_code(err, LEDE_EDISCARDED,
                            "%s: %s refused: the writer was discarded since its last commit "
                            "(its close commits nothing); reopen it, or commit first",
                            w->path.c_str(), what);
}

int engine_writer_put(engine_writer *w, const article *a, const char *filekey,
                      uint64_t fp, const void *data, size_t len, int *outcome,
                      char *err) {
    if (w->discarded) {
        w->boiler_given.reset();
        w->boiler_skip_next = false;
        return refuse_discarded(w, "put", err);
    }
    int rc = w->bulk ? bulk_writer_put(w, a, filekey, fp, data, len, outcome, err)
                     : put_document(w, a, filekey, fp, data, len, outcome, err);
    w->boiler_given.reset(); /* the next article's are its own */
    w->boiler_skip_next = false;
    return rc;
}

/* The sample's articles read by the bulk path's tokeniser (the
 * TermGenerator's terms: tests/unit/test_tokenise), its table and word
 * cache kept from one article to the next. */
struct SampleReader {
    std::unique_ptr<tok::Tokeniser> tk;
    tok::TermTable table;
};

int engine_writer_measure(engine_writer *w, const article *a,
                          uint64_t *length, char *err) {
    return guarded(err, "measure", [&] {
        if (!w->sample_reader) {
            w->sample_reader = std::make_shared<SampleReader>();
            w->sample_reader->tk = make_tokeniser(w);
        }
        index_flat_text(w, *w->sample_reader->tk, a, w->sample_reader->table);
        bulk::FlatDocument doc = w->sample_reader->table.take_sorted();
        Xapian::termcount len = 0;
        for (const bulk::FlatTerm &t : doc.terms) len += t.wdf;
        *length = len;
        w->sampled++;
        std::vector<std::string_view> body;
        for (const bulk::FlatTerm &t : doc.terms)
            if (prefix_length(t.term) == 0) {
                w->sample_wdf[t.term].emplace_back(t.wdf, len);
                body.push_back(t.term);
            }
        sample_prefixes(w, body);
        return LEDE_OK;
    });
}

int engine_writer_common_words(engine_writer *w, double share, unsigned max,
                               sbuf *out, char *err) {
    return guarded(err, "common words", [&] {
        auto by_df = frequent_words(w, share, max);
        std::sort(by_df.begin(), by_df.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        put_words(by_df, out);
        return LEDE_OK;
    });
}

int engine_writer_pair_shares(engine_writer *w, double share, unsigned max, unsigned min_ppm,
                              sbuf *out, char *err) {
    return guarded(err, "pair shares", [&] {
        auto by_df = frequent_words(w, share, max);
        uint64_t top = by_df.empty() ? 0 : ppm_of(by_df.front().first, w->sampled);
        std::sort(by_df.begin(), by_df.end(), [](const auto &a, const auto &b) { return a.second < b.second; });
        sbuf_reset(out);
        sbuf_printf(out, "min=%u", min_ppm);
        for (const auto &word : by_df) {
            uint64_t ppm = ppm_of(word.first, w->sampled);
            if (ppm * top < (uint64_t)min_ppm * 1000000u) continue; /* pairs with no word */
            sbuf_printf(out, " %s=%" PRIu64, word.second.c_str(), ppm);
        }
        return LEDE_OK;
    });
}

/* Whether one more change could make Xapian commit w by itself (a
 * writer with none pending makes it anyway: a threshold of 1). */
static bool at_threshold(const engine_writer *w) {
    return w->pending_changes && w->pending_changes + 1 >= engine_flush_threshold();
}

int engine_writer_delete_file(engine_writer *w, const char *filekey,
                              engine_keep_fn keep, void *ctx,
                              uint64_t *deleted, int *more, char *err) {
    *deleted = 0;
    *more = 0;
    if (w->bulk) return lede_seterr(err, "%s: a bulk writer deletes nothing", w->path.c_str());
    if (w->discarded) return refuse_discarded(w, "delete", err);
    return guarded(err, "delete", [&] {
        std::string term = std::string(PREFIX_FILE) + filekey;
        Xapian::docid next = 1;
        while (!*more) { /* in chunks, never deleting under a live iterator */
            std::vector<Xapian::docid> doomed;
            Xapian::PostingIterator p = w->db.postlist_begin(term);
            p.skip_to(next);
            size_t seen = 0;
            for (; p != w->db.postlist_end(term) && seen < 4096; ++p, ++seen) {
                next = *p + 1;
                std::string q = doc_qterm(w->db, *p);
                if (!keep || !keep(q.data(), q.size(), ctx)) doomed.push_back(*p);
            }
            for (Xapian::docid did : doomed) {
                if ((*more = at_threshold(w))) break;
                SpellingCounts gone = given_words(w, did);
                w->db.delete_document(did);
                w->pending_changes++;
                note_taken_back(w, gone);
                ++*deleted;
            }
            if (*deleted) writer_note_changed(w);
            if (seen < 4096) break;
        }
        return LEDE_OK;
    });
}

int engine_writer_delete_id(engine_writer *w, const char *id, int *found,
                            char *err) {
    *found = 0;
    if (w->bulk) return lede_seterr(err, "%s: a bulk writer deletes nothing", w->path.c_str());
    if (w->discarded) return refuse_discarded(w, "delete", err);
    return guarded(err, w->path.c_str(), [&] {
        std::string qterm = id_term(id);
        Xapian::PostingIterator p = w->db.postlist_begin(qterm);
        if (p == w->db.postlist_end(qterm)) return LEDE_OK;
        SpellingCounts gone = given_words(w, *p);
        w->db.delete_document(qterm);
        w->pending_changes++;
        note_taken_back(w, gone);
        writer_note_changed(w);
        *found = 1;
        return LEDE_OK;
    });
}

int engine_writer_room(engine_writer *w, char *err) {
    struct statvfs fs;
    if (statvfs(w->path.c_str(), &fs) != 0) return LEDE_OK; /* the commit will say */
    uint64_t room = room_fails_for_test(w) ? 0 : (uint64_t)fs.f_bavail * fs.f_frsize;
    if (room >= ENGINE_COMMIT_MIN_FREE && !(fs.f_files && fs.f_favail == 0)) return LEDE_OK;
    return lede_seterr_code(err, LEDE_EDISKFULL, "%s: disk full (No space left on device): %.2f MB "
                            "free, too little to commit", w->path.c_str(), (double)room / 1e6);
}

int engine_writer_commit(engine_writer *w, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        if (!w->bulk) flush_words(w); /* a bulk writer's go to its database at close */
        writer_fields_store(w);
        writer_boiler_store(w);
        /* the key alone from src/settings: a commit need not read the others */
        w->db.set_metadata(settings_key(SETTINGS_COMMIT_TIME),
                           std::to_string((long long)time(nullptr)));
        writer_changes_store(w, true); /* the commit time changes anyway */
        try {
            if (int errnum = commit_failure_for_test(w))
                throw Xapian::DatabaseError("commit failed (LEDE_FAIL_COMMIT)", errnum);
            w->db.commit();
        } catch (const Xapian::Error &) {
            /* glass dropped every change since the last commit (or kept
             * some half-flushed, which a close would commit): lede drops
             * its own too, and the close stores nothing (the boilerplate
             * table counts the articles dropped: the run that makes them
             * again counts them once) */
            engine_writer_discard(w);
            throw;
        }
        w->pending_changes = 0;
        w->discarded = false;
        boiler_log_clear(w->boiler_counted.get()); /* committed: counted for good */
        writer_changes_committed(w);
        return LEDE_OK;
    });
}

/* Neither lets an exception out (the door is C's): out of memory, the
 * words are dropped (shards.h: at most some spelling words are lost). */
engine_words *engine_writer_take_words(engine_writer *w) {
    std::unique_ptr<engine_words> out;
    try {
        out.reset(new engine_words);
        bulk_writer_flush_spelling(w);
        out->added.reserve(w->words.size());
        for (const auto &kv : w->words) out->added.emplace(kv.first, kv.second);
        clear_words(w);
        take_taken_back(w, out->gone);
    } catch (...) {
        clear_words(w);
        forget_taken_back(w);
        return nullptr;
    }
    return out.release();
}

void engine_writer_give_words(engine_writer *to, engine_words *words) {
    if (!words) return;
    try {
        for (const auto &kv : words->added) count_word(to, kv.first, kv.second);
        note_taken_back(to, words->gone);
    } catch (...) {
        /* dropped, as above */
    }
    delete words;
}

void engine_words_free(engine_words *words) { delete words; }

void engine_writer_lend_words(engine_writer *to, const engine_words *words) {
    if (!words) return;
    try {
        engine_words *copy = new engine_words(*words);
        engine_writer_give_words(to, copy);
    } catch (...) {
        /* dropped, as above */
    }
}

engine_words *engine_words_join(engine_words *into, engine_words *more) {
    if (!into) return more;
    if (!more) return into;
    try {
        for (const auto &kv : more->added) into->added[kv.first] += kv.second;
        for (const auto &kv : more->gone) into->gone[kv.first] += kv.second;
    } catch (...) {
        /* what could not be added is dropped, as above */
    }
    delete more;
    return into;
}

size_t engine_words_count(const engine_words *words) {
    return words ? words->added.size() + words->gone.size() : 0;
}

uint64_t engine_flush_threshold(void) {
    static const uint64_t threshold = [] {
        const char *p = getenv("XAPIAN_FLUSH_THRESHOLD"); /* as Xapian 1.4's glass reads it */
        int n = p ? atoi(p) : 0;
        return n > 0 ? (uint64_t)n : (uint64_t)10000;
    }();
    return threshold;
}

void engine_writer_discard(engine_writer *w) {
    if (!w || w->bulk) return;
    clear_words(w);
    forget_taken_back(w);
    w->pending_changes = 0;
    w->discarded = true;
    try {
        w->db.begin_transaction(false); /* cancelling it drops every change since the commit */
        w->db.cancel_transaction();
    } catch (...) {
        /* closed after a failure: nothing of it will be committed (and no
         * exception crosses the C door) */
    }
}

int engine_writer_discarded(const engine_writer *w) { return w && w->discarded; }

uint64_t engine_writer_pending_changes(const engine_writer *w) { return w ? w->pending_changes : 0; }

uint64_t engine_writer_doccount(engine_writer *w) {
    if (w->bulk) return bulk_writer_doccount(w);
    return or_zero([&] { return w->db.get_doccount(); });
}

uint64_t engine_writer_revision(engine_writer *w) {
    return or_zero([&] { return lede_revision(w->db); });
}

int engine_writer_meta_set(engine_writer *w, const char *key, const char *val,
                           size_t len, char *err) {
    return guarded(err, w->path.c_str(), [&] {
        w->db.set_metadata(key, val ? std::string(val, len) : std::string());
        if (!strcmp(key, settings_key(SETTINGS_DICT))) forget_decoder(w);
        writer_note_changed(w); /* a revision at close: the change log goes with it */
        return LEDE_OK;
    });
}

int engine_writer_meta_get(engine_writer *w, const char *key, sbuf *out,
                           char *err) {
    return guarded(err, "metadata", [&] { return meta_get(w->db, key, out); });
}

int engine_writer_meta_scan(engine_writer *w, const char *prefix,
                            engine_meta_fn fn, void *ctx, char *err) {
    return guarded(err, "metadata", [&] {
        /* Collect keys first: the callback may change metadata. */
        std::vector<std::string> keys;
        for (Xapian::TermIterator k = w->db.metadata_keys_begin(prefix);
             k != w->db.metadata_keys_end(prefix); ++k)
            keys.push_back(*k);
        for (const std::string &k : keys) {
            std::string v = w->db.get_metadata(k);
            int rc = fn(k.c_str(), v.data(), v.size(), ctx);
            if (rc) return rc;
        }
        return LEDE_OK;
    });
}

}  // extern "C"
