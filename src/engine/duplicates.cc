/* duplicates.cc -- near-duplicate articles (the index format in
 * engine.h): each article's signature and band terms (made with its
 * document) and joining a group as an article is written (a live
 * writer).  The grouping pass over a whole index is dup_grouping.cc's,
 * what the two share dup_shared.hh's.
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
#include "dup_shared.hh"
#include "minhash.hh"

#include <algorithm>

namespace dup {

bool valid_signature(const std::string &sig) {
    return sig.size() == DUP_HASHES;
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

std::string qterm_of(const Xapian::Document &doc) {
    Xapian::TermIterator t = doc.termlist_begin();
    t.skip_to("Q");
    if (t != doc.termlist_end() && (*t)[0] == 'Q') return *t;
    return std::string();
}

std::string group_key(const std::string &leader_qterm) {
    return fingerprint_bytes(lede_hash(leader_qterm.data(), leader_qterm.size()));
}

}  // namespace dup

using namespace dup;

namespace {

const unsigned DUP_SHINGLE = 4;
/* Band terms in the index, for a live writer's lookups: the first 2
 * bands only.  All 16 as terms made Reuters' index 59% larger (80.4
 * against 50.6 MB: a unique term costs some 60 bytes of B-tree); the
 * grouping pass reads the bands from the signatures instead. */
const unsigned DUP_TERM_BANDS = 2;
/* A live put compares at most this many candidates: a band term shared by
 * thousands of articles (boilerplate) would make each put slower. */
const unsigned DUP_LIVE_CANDIDATES = 2000;
const char *const PREFIX_BAND = "XD";

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

std::string signature_of(const Xapian::Document &doc) {
    Xapian::TermIterator t = doc.termlist_begin();
    t.skip_to(PREFIX_SIGNATURE);
    return t != doc.termlist_end() ? signature_from_term(*t) : std::string();
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

extern "C" {

void engine_writer_group_live(engine_writer *w, int on) {
    w->group_live = on != 0;
}

}  // extern "C"
