/* duplicates.cc -- near-duplicate articles (the index format in
 * engine.h): each article's signature and band terms (made with its
 * document), joining a group as an article is written (a live writer),
 * and the grouping pass over a whole index (engine_group_duplicates, or
 * group_signatures for the bulk merge, which reads the signatures from
 * its runs and writes the keys with the documents).
 * Runs no query and formats nothing: collapse.cc collapses on the group
 * key, similar.cc leaves an article's group out of its related articles.
 *
 * What counts as a near-duplicate.  An article's words are its headline,
 * standfirst and body, as one sequence of runs of word characters,
 * case-folded (Xapian's Unicode tables); its shingles are the runs of
 * DUP_SHINGLE consecutive words (an article of fewer words has one
 * shingle: all of them).  The resemblance of two articles is the Jaccard
 * index of their shingle sets, estimated by MinHash (minhash.cc): DUP_HASHES hash
 * functions, the share of equal minima (of the low 8 bits kept of each,
 * 64 bytes an article, kept as a term: two unequal minima agree by chance
 * once in 256, which raises an estimate by (1 - s) / 256, under 0.002;
 * 16 bits cost Reuters' index 13 MB more).  Two articles are
 * near-duplicates when the estimate is at least DUP_MIN_EQUAL /
 * DUP_HASHES.  Candidates: the signature in DUP_BANDS bands of DUP_ROWS
 * minima; articles with an equal band are compared.  With 16 bands of 4,
 * a pair of resemblance s shares a band with probability
 * 1 - (1 - s^4)^16: 0.99 at s = 0.7, 0.64 at 0.5, 0.17 at 0.3.  The
 * grouping pass reads the bands from the signatures; a live writer finds
 * its candidates through the index, where the first DUP_TERM_BANDS bands
 * are boolean terms: 1 - (1 - s^4)^2, certain for a copy, 0.88 at 0.9,
 * 0.65 at 0.8 (the next compaction finds the rest).
 *
 * Groups.  A group is its first article (the leader: the lowest document
 * id when a whole index is grouped, the first written when live) and the
 * articles that are near-duplicates of the leader; its key (value slot
 * ENGINE_SLOT_DUP) is the hash of the leader's id term.  An article that
 * resembles a member but not the leader stays out, so two articles of one
 * group both resemble the leader: by the triangle inequality of the
 * Jaccard distance, they resemble each other at least 2t - 1 (t the
 * threshold), beside the estimate's error.  Live (engine_writer_put), an
 * article joins the group of the leader it resembles most, or makes a
 * group with an ungrouped article it resembles; it never merges two
 * groups, and a deleted or rewritten leader leaves its group as it was:
 * the next compaction (livewriter.c) or full build groups afresh. */
#include "internal.hh"
#include "changes.hh"
#include "chars.hh"
#include "minhash.hh"

#include <algorithm>

namespace {

const unsigned DUP_SHINGLE = 4;
const unsigned DUP_HASHES = dup::MINHASH_FUNCTIONS, DUP_BANDS = 16, DUP_ROWS = 4;
/* Band terms in the index, for a live writer's lookups: the first 2
 * bands only.  All 16 as terms made Reuters' index 59% larger (80.4
 * against 50.6 MB: a unique term costs some 60 bytes of B-tree); the
 * grouping pass reads the bands from the signatures instead. */
const unsigned DUP_TERM_BANDS = 2;
/* Bands the grouping pass keys in one scan of the signatures: as many
 * multiples of this as fit in the memory it is given (by default
 * DUP_SCAN_BYTES), all 16 when they do, at least this many a scan
 * (each scan reads every signature's postings again: four scans and the
 * read of the signatures were most of the grouping of a full build). */
const unsigned DUP_BANDS_PER_SCAN = 4;
const size_t DUP_SCAN_BYTES = size_t(128) << 20;
/* group_signatures' memory an article, at most and at least: a scan of
 * 4 bands (96 bytes) and a candidate's share (72 and its memberships)
 * for most.  No more: the bulk merge's runs are still held beside it. */
const size_t MERGE_FLOOR_BYTES = 192;
/* The threshold, as equal minima of the 64: 45/64 = 0.70 (README: what
 * it groups on Reuters). */
const unsigned DUP_MIN_EQUAL = 45;
/* A live put compares at most this many candidates: a band term shared by
 * thousands of articles (boilerplate) would make each put slower. */
const unsigned DUP_LIVE_CANDIDATES = 2000;
/* The grouping pass compares a leader with at most this many candidates:
 * articles that share bands without being alike (a template's boilerplate)
 * would otherwise make a bucket's comparisons grow as its size squared.
 * A group larger than this is split, its rest led by another article. */
const unsigned DUP_PASS_CANDIDATES = 2000;
const char *const PREFIX_BAND = "XD";
/* The signature is a boolean term, not a value: Xapian 1.4 aborts the
 * process (std::terminate) when a commit runs out of disk while it writes
 * a value stream it had to grow (a destructor of its value updater writes
 * and throws during the unwinding), which the 64-byte signature of every
 * live article made likely (tests/py/test_faults.py, a full disk). */
const char *const PREFIX_SIGNATURE = DUP_SIGNATURE_PREFIX;

/* An article's case-folded words as one string, joined by single spaces,
 * with where each word starts and ends in it: a shingle's bytes (its words
 * space-separated) are then one run of the string, hashed in one call,
 * where a string a word made every word an allocation or a copy. */
struct Words {
    std::string text;
    std::vector<size_t> start, end;
    size_t size() const { return start.size(); }
};

/* dup_signature's words and shingle hashes, kept by each thread from one
 * article to the next (only their capacity carries over).  Made afresh
 * for every article, their growth -- malloc, realloc's copies and the
 * first touch of new pages -- was about a third of the signature's
 * samples outside the minhash (issue 20, bench/results/index.md
 * 2026-12-07).  A thread keeps at most SCRATCH_KEEP bytes of them past an
 * article: a huge one's are freed after it. */
struct SignatureScratch {
    Words words;
    std::vector<uint64_t> hashes;
    void reset() {
        words.text.clear();
        words.start.clear();
        words.end.clear();
    }
    void trim();
};
const size_t SCRATCH_KEEP = size_t(1) << 20;

void SignatureScratch::trim() {
    size_t held = words.text.capacity() +
                  (words.start.capacity() + words.end.capacity() + hashes.capacity()) * sizeof(uint64_t);
    if (held > SCRATCH_KEEP) *this = SignatureScratch();
}

/* The case-folded words of text, appended to words: the runs of word
 * characters of fold_case(text), each character lower-cased and then
 * asked whether it is a word character, as fold_case's string read again
 * would answer (a lower-cased character written as UTF-8 reads back as
 * itself).  One walk, without the folded copy (chars.hh). */
void fold_words(const char *text, Words &words) {
    bool in_word = false;
    for (const char *p = text, *end = text + strlen(text); p < end;) {
        unsigned ch = chars::tolower(chars::next(p, end));
        if (chars::is_wordchar(ch)) {
            if (!in_word) {
                if (words.size()) words.text += ' ';
                words.start.push_back(words.text.size());
                in_word = true;
            }
            chars::append(words.text, ch);
        } else if (in_word) {
            words.end.push_back(words.text.size());
            in_word = false;
        }
    }
    if (in_word) words.end.push_back(words.text.size());
}

/* The hash of shingle i (words i .. i+DUP_SHINGLE-1, space-separated). */
uint64_t shingle_hash(const Words &words, size_t i) {
    size_t last = std::min(words.size(), i + DUP_SHINGLE) - 1;
    const char *from = words.text.data() + words.start[i];
    return lede_hash_final(lede_hash_update(LEDE_HASH_INIT, from, words.end[last] - words.start[i]));
}

const char HEX_DIGITS[] = "0123456789abcdef";

/* bytes [from, to) of sig as lower-case hex, appended to t. */
void append_hex(std::string &t, const std::string &sig, size_t from, size_t to) {
    for (size_t k = from; k < to; k++) {
        t += HEX_DIGITS[(unsigned char)sig[k] >> 4];
        t += HEX_DIGITS[(unsigned char)sig[k] & 15];
    }
}

std::string band_term(const std::string &sig, unsigned band) {
    std::string t = PREFIX_BAND;
    t += HEX_DIGITS[band];
    append_hex(t, sig, band * DUP_ROWS, (band + 1) * DUP_ROWS);
    return t;
}

bool valid_signature(const std::string &sig) {
    return sig.size() == DUP_HASHES;
}

/* The estimated resemblance of two signatures, as equal minima. */
unsigned equal_minima(const std::string &a, const std::string &b) {
    if (!valid_signature(a) || !valid_signature(b)) return 0;
    unsigned same = 0;
    for (unsigned i = 0; i < DUP_HASHES; i++) same += a[i] == b[i];
    return same;
}

std::string signature_term(const std::string &sig) {
    std::string t = PREFIX_SIGNATURE;
    append_hex(t, sig, 0, sig.size());
    return t;
}

/* The signature a signature term holds ("" if none). */
std::string signature_from_term(const std::string &term) {
    size_t p = strlen(PREFIX_SIGNATURE);
    if (term.compare(0, p, PREFIX_SIGNATURE) != 0 || term.size() != p + 2 * DUP_HASHES) return std::string();
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    std::string sig(DUP_HASHES, '\0');
    for (unsigned k = 0; k < DUP_HASHES; k++)
        sig[k] = (char)(nibble(term[p + 2 * k]) << 4 | nibble(term[p + 2 * k + 1]));
    return sig;
}

std::string signature_of(const Xapian::Document &doc) {
    Xapian::TermIterator t = doc.termlist_begin();
    t.skip_to(PREFIX_SIGNATURE);
    return t != doc.termlist_end() ? signature_from_term(*t) : std::string();
}

std::string qterm_of(const Xapian::Document &doc) {
    Xapian::TermIterator t = doc.termlist_begin();
    t.skip_to("Q");
    if (t != doc.termlist_end() && (*t)[0] == 'Q') return *t;
    return std::string();
}

std::string group_key(const std::string &leader_qterm) {
    return fingerprint_bytes(lede_hash(leader_qterm.data(), leader_qterm.size()));
}

/* The live candidate an article joins: the most resembling leader, or
 * ungrouped article, at or over the threshold. */
struct LiveChoice {
    Xapian::docid did = 0;
    unsigned equal = 0;
    std::string key;      /* the group's key */
    bool make_group = false;  /* the candidate is ungrouped: it gets the key too */
};

void consider_candidate(const Xapian::Document &cand, Xapian::docid did, unsigned equal,
                        LiveChoice &best) {
    if (equal < DUP_MIN_EQUAL || equal < best.equal || (equal == best.equal && did > best.did))
        return;
    std::string key = cand.get_value(ENGINE_SLOT_DUP);
    std::string own = group_key(qterm_of(cand));
    if (!key.empty() && key != own) return;  /* a member, not a leader */
    best.did = did;
    best.equal = equal;
    best.key = own;
    best.make_group = key.empty();
}

}  // namespace

std::string dup_signature(const article *a) {
    thread_local SignatureScratch scratch;
    scratch.reset();
    Words &words = scratch.words;
    for (const char *text : {a->title, a->standfirst, a->body})
        if (text) fold_words(text, words);
    if (!words.size()) return std::string();
    size_t shingles = words.size() < DUP_SHINGLE ? 1 : words.size() - DUP_SHINGLE + 1;
    std::vector<uint64_t> &hashes = scratch.hashes;
    hashes.resize(shingles);
    for (size_t i = 0; i < shingles; i++) hashes[i] = shingle_hash(words, i);
    uint64_t mins[DUP_HASHES];
    for (uint64_t &m : mins) m = UINT64_MAX;
    dup::minhash(hashes.data(), shingles, mins);
    std::string sig(DUP_HASHES, '\0');
    for (unsigned k = 0; k < DUP_HASHES; k++) sig[k] = (char)(mins[k] & 0xff);
    scratch.trim();
    return sig;
}

void add_signature(DocTarget &doc, const std::string &sig) {
    if (!valid_signature(sig)) return;
    doc.add_boolean_term(signature_term(sig));
    for (unsigned b = 0; b < DUP_TERM_BANDS; b++) doc.add_boolean_term(band_term(sig, b));
}

void join_live_group(engine_writer *w, Xapian::Document &doc, const std::string &qterm) {
    std::string sig = signature_of(doc);
    if (!w->group_live || !valid_signature(sig)) return;
    LiveChoice best;
    std::unordered_set<Xapian::docid> seen;
    for (unsigned b = 0; b < DUP_TERM_BANDS && seen.size() < DUP_LIVE_CANDIDATES; b++) {
        std::string term = band_term(sig, b);
        for (Xapian::PostingIterator p = w->db.postlist_begin(term);
             p != w->db.postlist_end(term) && seen.size() < DUP_LIVE_CANDIDATES; ++p) {
            if (!seen.insert(*p).second) continue;
            Xapian::Document cand = w->db.get_document(*p);
            if (qterm_of(cand) == qterm) continue;  /* the article's own older version */
            consider_candidate(cand, *p, equal_minima(sig, signature_of(cand)), best);
        }
    }
    if (!best.did) return;
    doc.add_value(ENGINE_SLOT_DUP, best.key);
    if (best.make_group) {
        Xapian::Document leader = w->db.get_document(best.did);
        leader.add_value(ENGINE_SLOT_DUP, best.key);
        writer_note_replaced(w, best.did);
        w->db.replace_document(best.did, leader);
        w->pending_changes++;
    }
}

namespace {

/* The key of band b of a signature: its DUP_ROWS minima, 4 bytes. */
uint32_t band_key(const std::string &sig, unsigned b) {
    uint32_t k = 0;
    for (size_t i = b * DUP_ROWS; i < (b + 1) * DUP_ROWS; i++) k = k << 8 | (unsigned char)sig[i];
    return k;
}

/* The grouping pass over a DupSource (the databases read as one, or
 * the bulk merge's runs).  The candidates come from the signatures:
 * articles with an equal band share a bucket.  Everything it holds is
 * counted against the memory it is given, in flat arrays (issue 20: its
 * maps of buckets, signatures and keys were not counted; on a collection
 * of copies they took a build at --memory 16M to 67 MB, now 45):
 *   a scan: KEYED_BYTES an article and a band keyed, as many bands (4,
 *     8, 12 or 16) as fit beside what earlier scans left, at least 4;
 *   the buckets (of two or more): 4 bytes a member, 8 a bucket;
 *   after the scans, CAND_BYTES an article in a bucket (its docid, its
 *     signature, its group) and 8 bytes a membership (article, bucket);
 *   the groups' leaders and keys (about 52 bytes a group), and the keys
 *     wanted and the changes to write (16 bytes an article grouped). */
class Grouping {
  public:
    Grouping(const DupSource &src, size_t memory, engine_dup_stats *st)
        : src(src), memory(memory), st(st) {}

    /* The groups: each article in one and its group's key, ascending by
     * docid (cand and group_of, keys). */
    void run() {
        size_t articles = src.articles;
        for (unsigned b = 0; b < DUP_BANDS;) {
            size_t held = members.capacity() * 4 + bucket_at.capacity() * 8;
            size_t room = memory > held ? memory - held : 0;
            unsigned per_scan = DUP_BANDS_PER_SCAN;
            while (b + per_scan < DUP_BANDS &&
                   articles * (per_scan + DUP_BANDS_PER_SCAN) * SCAN_BYTES <= room)
                per_scan += DUP_BANDS_PER_SCAN;
            bucket_scan(b, per_scan, articles);
            b += per_scan;
        }
        index_candidates();
        read_signatures();
        st->candidates = cand.size();
        for (size_t i = 0, m = 0; i < cand.size(); i++) {
            size_t end = m;
            while (end < memberships.size() && memberships[end].first == cand[i]) end++;
            if (!group_of[i]) group_around(i, m, end);
            m = end;
        }
        std::vector<std::string> qterms(leaders.size());
        src.leader_qterms(leaders, qterms);
        for (const std::string &q : qterms) keys.push_back(group_key(q));
        /* Only cand, group_of and keys are read after: the rest freed before the
         * keys are written (which came on top of it: the peak of a build of copies). */
        decltype(members)().swap(members), decltype(bucket_at)().swap(bucket_at);
        decltype(memberships)().swap(memberships), std::string().swap(sigs);
    }

    /* fn(docid, key) for each article in a group, ascending by docid. */
    template <typename F>
    void each_key(F fn) const {
        for (size_t ci = 0; ci < cand.size(); ci++)
            if (group_of[ci] != NO_GROUP) fn(cand[ci], keys[group_of[ci] - 1]);
    }

  private:
    /* A band of an article, keyed: its group of DUP_BANDS_PER_SCAN bands
     * first, so that the buckets come in the same order however many
     * bands a scan keys (a leader's candidates are taken in that order). */
    struct Keyed {
        uint16_t group, band;
        uint32_t key;
        Xapian::docid did;
        bool operator<(const Keyed &o) const {
            if (group != o.group) return group < o.group;
            if (key != o.key) return key < o.key;
            return band != o.band ? band < o.band : did < o.did;
        }
        bool same_bucket(const Keyed &o) const { return key == o.key && band == o.band; }
    };
    /* A scan's bytes an article and a band: its Keyed and, at most, its
     * membership of a bucket (a member, a bucket's share). */
    static constexpr size_t SCAN_BYTES = sizeof(Keyed) + 4 + 8;
    static constexpr uint32_t NO_GROUP = 0;

    const DupSource &src;
    size_t memory;  /* what all of it may take */
    engine_dup_stats *st;
    std::vector<Xapian::docid> members;  /* the buckets' members, bucket after bucket */
    std::vector<size_t> bucket_at;       /* where each bucket's members begin */
    std::vector<std::pair<Xapian::docid, uint32_t>> memberships; /* (article, bucket), ascending */
    std::vector<Xapian::docid> cand;     /* the articles in a bucket, ascending */
    std::string sigs;                    /* cand[i]'s signature at i * DUP_HASHES */
    std::vector<uint32_t> group_of;      /* cand[i]'s group + 1, or NO_GROUP */
    std::vector<Xapian::docid> leaders;  /* each group's leader */
    std::vector<std::string> keys;       /* each group's key */

    /* fn(docid, signature) for every article with a valid one. */
    void for_each_signature(const std::function<void(Xapian::docid, const std::string &)> &fn) {
        std::string last, sig; /* a term's articles come together: decoded once */
        src.each_signature([&](Xapian::docid did, const std::string &term) {
            if (term != last) sig = signature_from_term(last = term);
            if (valid_signature(sig)) fn(did, sig);
        });
    }

    /* Buckets of bands first .. first+per_scan-1. */
    void bucket_scan(unsigned first, unsigned per_scan, size_t articles) {
        std::vector<Keyed> keyed;
        keyed.reserve(articles * per_scan); /* no doubling past the count */
        for_each_signature([&](Xapian::docid did, const std::string &sig) {
            for (unsigned b = first; b < first + per_scan && b < DUP_BANDS; b++)
                keyed.push_back({uint16_t(b / DUP_BANDS_PER_SCAN), uint16_t(b), band_key(sig, b), did});
        });
        std::sort(keyed.begin(), keyed.end());
        auto each_bucket = [&](auto fn) { /* fn(i, j) for each bucket (of two or more), keyed[i, j) */
            for (size_t i = 0, j; i < keyed.size(); i = j) {
                for (j = i + 1; j < keyed.size() && keyed[j].same_bucket(keyed[i]); j++) {}
                if (j - i >= 2) fn(i, j);
            }
        };
        /* Counted first and reserved, no doubling's spare (1: index_candidates' end). */
        size_t buckets = 1, in_buckets = 0;
        each_bucket([&](size_t i, size_t j) { buckets++, in_buckets += j - i; });
        bucket_at.reserve(bucket_at.size() + buckets);
        members.reserve(members.size() + in_buckets);
        each_bucket([&](size_t i, size_t j) {
            bucket_at.push_back(members.size());
            for (size_t k = i; k < j; k++) members.push_back(keyed[k].did);
        });
    }

    /* The memberships in article order (each article's buckets in the
     * order they were made), and the articles in a bucket. */
    void index_candidates() {
        size_t nbuckets = bucket_at.size();
        bucket_at.push_back(members.size());
        memberships.reserve(members.size());
        for (size_t b = 0; b < nbuckets; b++)
            for (size_t k = bucket_at[b]; k < bucket_at[b + 1]; k++)
                memberships.emplace_back(members[k], (uint32_t)b);
        std::sort(memberships.begin(), memberships.end());
        for (size_t i = 0; i < memberships.size(); i++)
            if (!i || memberships[i].first != memberships[i - 1].first) cand.push_back(memberships[i].first);
        cand.shrink_to_fit();
        group_of.assign(cand.size(), NO_GROUP);
    }

    /* cand's index of did, or cand.size(). */
    size_t index_of(Xapian::docid did) const {
        auto it = std::lower_bound(cand.begin(), cand.end(), did);
        return it != cand.end() && *it == did ? size_t(it - cand.begin()) : cand.size();
    }

    /* The signatures of the articles in a bucket, one scan more. */
    void read_signatures() {
        sigs.assign(cand.size() * DUP_HASHES, '\0');
        for_each_signature([&](Xapian::docid did, const std::string &sig) {
            size_t i = index_of(did);
            if (i < cand.size()) sigs.replace(i * DUP_HASHES, DUP_HASHES, sig);
        });
    }

    unsigned equal_at(size_t a, size_t b) const {
        const char *x = sigs.data() + a * DUP_HASHES, *y = sigs.data() + b * DUP_HASHES;
        unsigned same = 0;
        for (unsigned i = 0; i < DUP_HASHES; i++) same += x[i] == y[i];
        return same;
    }

    /* cand[i] leads a group of the later ungrouped articles that resemble
     * it; memberships[m, end) are its buckets. */
    void group_around(size_t i, size_t m, size_t end) {
        Xapian::docid d = cand[i];
        std::vector<size_t> found;
        std::unordered_set<Xapian::docid> seen;
        for (; m < end; m++) {
            uint32_t bucket = memberships[m].second;
            auto from = members.begin() + (long)bucket_at[bucket], to = members.begin() + (long)bucket_at[bucket + 1];
            for (auto it = std::upper_bound(from, to, d); it != to; ++it) {
                Xapian::docid c = *it;
                if (seen.size() >= DUP_PASS_CANDIDATES) break;
                size_t ci = index_of(c);
                if (group_of[ci] != NO_GROUP || !seen.insert(c).second) continue;
                st->compared++;
                if (equal_at(i, ci) >= DUP_MIN_EQUAL) found.push_back(ci);
            }
        }
        if (found.empty()) return;
        leaders.push_back(d);
        uint32_t g = (uint32_t)leaders.size(); /* its group + 1 */
        group_of[i] = g;
        for (size_t ci : found) group_of[ci] = g;
        st->groups++;
        st->grouped += found.size() + 1;
        if (found.size() + 1 > st->largest) st->largest = found.size() + 1;
    }
};

/* Writes the keys that changed: the documents that hold one they
 * should not (read first, written after: no write under an iterator).
 * A change is (docid, key), "" to remove the key. */
void write_keys(engine_writer *const *ws, unsigned n, Xapian::Database &all, const Grouping &g,
                engine_dup_stats *st) {
    static const std::string none;
    std::vector<std::pair<Xapian::docid, const std::string *>> want, changes;
    g.each_key([&](Xapian::docid did, const std::string &key) { want.emplace_back(did, &key); });
    size_t i = 0;
    for (Xapian::ValueIterator v = all.valuestream_begin(ENGINE_SLOT_DUP);
         v != all.valuestream_end(ENGINE_SLOT_DUP); ++v) {
        Xapian::docid did = v.get_docid();
        for (; i < want.size() && want[i].first < did; i++) changes.push_back(want[i]); /* no key yet */
        if (i < want.size() && want[i].first == did) {
            if (*want[i].second != *v) changes.push_back(want[i]);
            i++;
        } else {
            changes.emplace_back(did, &none);
        }
    }
    for (; i < want.size(); i++) changes.push_back(want[i]);
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &c : changes) {
        engine_writer *w = ws[(c.first - 1) % n];
        Xapian::docid local = (c.first - 1) / n + 1;
        writer_note_replaced(w, local);
        Xapian::Document doc = w->db.get_document(local);
        if (c.second->empty()) doc.remove_value(ENGINE_SLOT_DUP);
        else doc.add_value(ENGINE_SLOT_DUP, *c.second);
        w->db.replace_document(local, doc);
    }
    st->rewritten = changes.size();
}

/* The signatures and id terms of the databases read as one. */
DupSource database_source(Xapian::Database &all) {
    DupSource src;
    src.articles = all.get_doccount();
    src.each_signature = [&all](const std::function<void(Xapian::docid, const std::string &)> &fn) {
        for (Xapian::TermIterator t = all.allterms_begin(PREFIX_SIGNATURE);
             t != all.allterms_end(PREFIX_SIGNATURE); ++t) {
            std::string term = *t;
            for (Xapian::PostingIterator p = all.postlist_begin(term); p != all.postlist_end(term); ++p)
                fn(*p, term);
        }
    };
    src.leader_qterms = [&all](const std::vector<Xapian::docid> &leaders, std::vector<std::string> &out) {
        for (size_t i = 0; i < leaders.size(); i++) out[i] = qterm_of(all.get_document(leaders[i]));
    };
    return src;
}

}  // namespace

bool group_signatures(const DupSource &src, size_t memory,
                      const std::function<void(Xapian::docid, const std::string &)> &fn) {
    if (memory / MERGE_FLOOR_BYTES < src.articles) return false;
    engine_dup_stats st;
    memset(&st, 0, sizeof st);
    Grouping g(src, std::max<size_t>(src.articles, 1) * MERGE_FLOOR_BYTES, &st);
    g.run();
    g.each_key(fn);
    return true;
}

extern "C" {

void engine_writer_group_live(engine_writer *w, int on) {
    w->group_live = on != 0;
}

int engine_reader_dup_groups(engine_reader *r, engine_dup_stats *st, char *err) {
    memset(st, 0, sizeof *st);
    return with_retry(r, err, "groups", [&] {
        memset(st, 0, sizeof *st);
        std::unordered_map<std::string, uint64_t> sizes;
        for (Xapian::ValueIterator v = r->db.valuestream_begin(ENGINE_SLOT_DUP);
             v != r->db.valuestream_end(ENGINE_SLOT_DUP); ++v)
            sizes[*v]++;
        for (const auto &kv : sizes) {
            if (kv.second < 2) continue;  /* what deletions left of a group */
            st->groups++;
            st->grouped += kv.second;
            if (kv.second > st->largest) st->largest = kv.second;
        }
        return LEDE_OK;
    });
}

int engine_group_duplicates(engine_writer *const *ws, unsigned n, size_t memory,
                            engine_dup_stats *st, char *err) {
    memset(st, 0, sizeof *st);
    /* One shard alone (its compaction): its groups span the shards, and
     * shards_group_duplicates made them. */
    if (n == 0) return LEDE_OK;
    return guarded(err, ws[0]->path.c_str(), [&] {
        if (n == 1) {
            IndexSettings is(ws[0]->db);
            if ((is.s.stored & SETTINGS_SHARD) && *is.s.shard) return LEDE_OK;
        }
        Xapian::Database all;
        for (unsigned i = 0; i < n; i++) all.add_database(ws[i]->db);
        DupSource src = database_source(all);
        Grouping g(src, memory ? memory : DUP_SCAN_BYTES, st);
        g.run();
        write_keys(ws, n, all, g, st);
        return LEDE_OK;
    });
}

}  // extern "C"
