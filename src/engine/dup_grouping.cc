/* dup_grouping.cc -- the grouping pass over a whole index: each article's
 * group made afresh from the signatures' bands (engine_group_duplicates,
 * as every compaction and full build runs it, or group_signatures for the
 * bulk merge, which reads the signatures from its runs and writes the
 * keys with the documents), the keys that changed written, and a
 * reader's count of the groups (engine_reader_dup_groups).  What counts
 * as a near-duplicate and what a group is: duplicates.cc, which makes the
 * signatures and joins a live writer's articles to groups; what the two
 * share: dup_shared.hh.  Runs no query and formats nothing. */
#include "internal.hh"
#include "changes.hh"
#include "dup_shared.hh"

#include <algorithm>

using namespace dup;

namespace {

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
/* The grouping pass compares a leader with at most this many candidates:
 * articles that share bands without being alike (a template's boilerplate)
 * would otherwise make a bucket's comparisons grow as its size squared.
 * A group larger than this is split, its rest led by another article. */
const unsigned DUP_PASS_CANDIDATES = 2000;


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
