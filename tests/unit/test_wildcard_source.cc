/* test_wildcard_source.cc -- WildcardSource (src/engine/wildcard.hh), the
 * posting source that sums a wildcard's words a window of document ids at
 * a time: whichever way the matcher moves it (next() over every match,
 * skip_to() a little or far ahead, as a FILTER of a few ids does when
 * search.cc sorts a tie run, and next() again from there), each article it
 * stops on is the first match at or after the id asked for, with the
 * summed wdf of every word it holds.  Skips far past a window read a
 * narrow one (NARROW ids); a window ending early, or starting its
 * successor at the wrong id, would skip or repeat matches here.  The
 * index is Xapian's in-memory one, 40,000 articles, so that skips span
 * several full windows (WINDOW ids).  Each check twice: reading the
 * words, and reading the prefix term add_prefix_terms gives each article
 * (src/engine/prefix_terms.cc: XWp, the sum of its p... words' wdfs)
 * instead, as on an index with prefix words. */
#include "internal.hh"
#include "prefix_terms.hh"
#include "tie_run.hh"
#include "wildcard.hh"
#include "unit.h"

#include <map>
#include <string>
#include <vector>

namespace {

const Xapian::docid ARTICLES = 40000;

/* Article d's words and wdfs: dense, sparse, rare and a cluster. */
std::vector<std::pair<std::string, Xapian::termcount>> words_of(Xapian::docid d) {
    std::vector<std::pair<std::string, Xapian::termcount>> w;
    if (d % 2 == 0) w.emplace_back("pa", d % 7 + 1);
    if (d % 3 == 0) w.emplace_back("pb", d % 5 + 1);
    if (d % 997 == 0) w.emplace_back("pc", 40);
    if (d >= 20000 && d < 20100) w.emplace_back("pd", 2);
    if (d % 2 != 0 && d % 3 != 0) w.emplace_back("other", 1);
    return w;
}

/* The in-memory index, and each matching article's summed wdf. */
Xapian::Database make_index(std::map<Xapian::docid, Xapian::termcount> &sums) {
    Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
    settings s; /* "lede.prefixes" = "p", as a writer reads it */
    settings_init(&s);
    sbuf_puts(&s.prefixes, "p");
    PrefixSet prefixes = prefixes_of(s);
    settings_free(&s);
    for (Xapian::docid d = 1; d <= ARTICLES; d++) {
        Xapian::Document doc;
        for (const auto &w : words_of(d)) {
            doc.add_term(w.first, w.second);
            if (w.first != "other") sums[d] += w.second;
        }
        add_prefix_terms(prefixes, TierWords(), doc);
        db.replace_document(d, doc);
    }
    db.commit();
    return db;
}

/* The words of p*, read from the words or (by_term) from XWp; by a
 * source made for a tier run (tier_run: WildcardSource::TIER_RUN,
 * skipping XWp to the ids asked, wildcard.hh). */
bool by_term = false, tier_run = false;

WildcardSource::Reading reading() {
    return tier_run ? WildcardSource::TIER_RUN : WildcardSource::WINDOWS;
}

const char *how() {
    return tier_run ? ", from the prefix term in a tier run" : by_term ? ", from the prefix term" : "";
}

std::shared_ptr<WildcardExpansion> expansion(const Xapian::Database &db) {
    auto e = std::make_shared<WildcardExpansion>();
    for (const char *t : {"pa", "pb", "pc", "pd"}) {
        e->terms.push_back(t);
        e->freqs.push_back(db.get_termfreq(t));
    }
    e->one_shard = true;
    if (by_term) e->lists.push_back(std::string(PREFIX_PREFIX) + "p");
    e->k1 = TF_K1;
    e->scale = 1;
    return e;
}

/* Whether src stands on the first match at or after did, with its sum. */
bool at_match(const WildcardSource &src, const std::map<Xapian::docid, Xapian::termcount> &sums,
              const WildcardExpansion &e, Xapian::docid did) {
    auto want = sums.lower_bound(did);
    if (want == sums.end()) return src.at_end();
    return !src.at_end() && src.get_docid() == want->first &&
           src.get_weight() == e.weight(want->second);
}

void every_match_by_next(const Xapian::Database &db, const std::map<Xapian::docid, Xapian::termcount> &sums) {
    auto e = expansion(db);
    WildcardSource src(e, reading());
    src.init(db);
    size_t seen = 0, right = 0;
    for (src.next(0); !src.at_end(); src.next(0), seen++) right += at_match(src, sums, *e, src.get_docid());
    CHECK(seen == sums.size() && right == seen, "next() stops on each of the %zu matches with its sum (%zu, %zu right%s)",
          sums.size(), seen, right, how());
}

/* skip_to far (a narrow window), then next() across its end, then near
 * skips and far ones again, each compared with the sums. */
void skips_far_and_near(const Xapian::Database &db, const std::map<Xapian::docid, Xapian::termcount> &sums) {
    auto e = expansion(db);
    WildcardSource src(e, reading());
    src.init(db);
    /* far from the start (narrow), inside the next window, a window on,
     * a window and more past it (narrow), inside, to the end; each past
     * where the previous one's next() calls stopped */
    const Xapian::docid targets[] = {9001, 9400, 20001, 37001, 37300, 39990};
    bool all = true;
    for (Xapian::docid t : targets) {
        src.skip_to(t, 0);
        bool ok = at_match(src, sums, *e, t);
        for (int k = 0; ok && k < 80 && !src.at_end(); k++) { /* past a NARROW window's end */
            Xapian::docid was = src.get_docid();
            src.next(0);
            ok = at_match(src, sums, *e, was + 1);
        }
        if (!ok) printf("#   wrong after skip_to(%u)\n", t);
        all = all && ok;
    }
    CHECK(all, "skip_to far and near, then next() across the window's end, stop on the right matches%s",
          how());
    WildcardSource first(e, reading());
    first.init(db);
    first.skip_to(30001, 0); /* the first move a skip far into the index */
    CHECK(at_match(first, sums, *e, 30001), "a first skip_to far into the index stops on the next match%s", how());
}

/* As tied_page runs it: the wildcard FILTERed by a few ids far apart. */
void filtered_by_ids(const Xapian::Database &db, const std::map<Xapian::docid, Xapian::termcount> &sums) {
    auto e = expansion(db);
    std::vector<Xapian::docid> ids = {2, 4, 8997, 17946, 20001, 20002, 29910, 39882, 39999};
    DocidSource only(ids);
    Xapian::Enquire enq(db);
    /* a weighting scheme that weighs (BoolWeight would zero the source's) */
    Xapian::Query wild((new WildcardSource(e, reading()))->release());
    enq.set_query(Xapian::Query(Xapian::Query::OP_FILTER, wild, Xapian::Query(&only)));
    Xapian::MSet m = enq.get_mset(0, 100);
    std::map<Xapian::docid, double> got, want;
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) got[*it] = it.get_weight();
    for (Xapian::docid d : ids)
        if (sums.count(d)) want[d] = e->weight(sums.at(d));
    bool same = got == want;
    CHECK(same, "a FILTER of %zu ids far apart matches the %zu of them holding a word, with their sums%s",
          ids.size(), want.size(), how());
}

}  // namespace

int main() {
    std::map<Xapian::docid, Xapian::termcount> sums;
    Xapian::Database db = make_index(sums);
    CHECK(db.get_termfreq(std::string(PREFIX_PREFIX) + "p") == sums.size(),
          "every article holding a p... word holds the prefix term (%zu)", sums.size());
    for (bool term : {false, true}) {
        by_term = term;
        every_match_by_next(db, sums);
        skips_far_and_near(db, sums);
        filtered_by_ids(db, sums);
    }
    tier_run = true; /* the same, skipping XWp posting by posting */
    every_match_by_next(db, sums);
    skips_far_and_near(db, sums);
    filtered_by_ids(db, sums);
    return unit_exit();
}
