/* tie_run.cc -- a relevance page's tie run gathered during the match that
 * found the page, and the posting source that confines a second match to
 * it (tie_run.hh).  search.cc's tied_page sorted the matches scoring as
 * much as the page's end by a second match over every candidate, under a
 * weight cutoff: the cutoff spares the dates of the others, not the
 * walk through their postings nor the positions their phrases are checked
 * with, so it cost about as much as the first match (issue 22: 30% to 48%
 * of "mln distribution", "computer inc said", "cts prior pay" and
 * "mln dlrs" at 2,000,000 articles).  A long run's order is worked out
 * here from those scores and the dates (first_by_score_then_value), so
 * that the second match need visit the page's ids alone: sorting the
 * whole run by that match read every query term's postings again at each
 * id.  Runs no match itself; reads a value stream. */
#include "tie_run.hh"

#include <algorithm>
#include <string>

void TieSpy::operator()(const Xapian::Document &doc, double wt) {
    if (overflowed || (best.size() == want && wt < best.top())) return;
    kept.emplace_back(doc.get_docid(), wt);
    if (best.size() < want) {
        best.push(wt);
    } else if (wt > best.top()) {
        best.pop();
        best.push(wt);
    }
    if (kept.size() >= prune_at) prune();
}

/* Drops what scores below the want-th best seen: the page's last score
 * can only be higher. */
void TieSpy::prune() {
    if (best.size() == want) {
        double floor = best.top();
        kept.erase(std::remove_if(kept.begin(), kept.end(),
                                  [floor](const std::pair<Xapian::docid, double> &k) { return k.second < floor; }),
                   kept.end());
    }
    prune_at = std::max<size_t>(1024, 2 * kept.size());
    if (kept.size() > most) {
        overflowed = true;
        kept.clear();
        kept.shrink_to_fit();
    }
}

std::vector<std::pair<Xapian::docid, double>> TieSpy::at_least(double floor) const {
    std::vector<std::pair<Xapian::docid, double>> out;
    if (overflowed) return out;
    for (const auto &k : kept)
        if (k.second >= floor) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<Xapian::docid> first_by_score_then_value(const Xapian::Database &db, Xapian::valueno slot,
                                                     const std::vector<std::pair<Xapian::docid, double>> &run,
                                                     size_t want) {
    struct Item {
        double wt;
        std::string key;
        Xapian::docid did;
    };
    std::vector<Item> items;
    items.reserve(run.size());
    Xapian::ValueIterator v = db.valuestream_begin(slot);
    const Xapian::ValueIterator end = db.valuestream_end(slot);
    for (const auto &m : run) { /* run is in id order */
        if (v != end && v.get_docid() < m.first) v.skip_to(m.first);
        bool has = v != end && v.get_docid() == m.first;
        items.push_back(Item{m.second, has ? *v : std::string(), m.first});
    }
    auto before = [](const Item &a, const Item &b) {
        if (a.wt != b.wt) return a.wt > b.wt;
        if (a.key != b.key) return a.key > b.key;
        return a.did < b.did;
    };
    want = std::min(want, items.size());
    std::partial_sort(items.begin(), items.begin() + (long)want, items.end(), before);
    std::vector<Xapian::docid> out;
    for (size_t i = 0; i < want; i++) out.push_back(items[i].did);
    return out;
}

void DocidSource::next(double) {
    if (!started) started = true;
    else if (at < ids.size()) at++;
}

void DocidSource::skip_to(Xapian::docid did, double) {
    started = true;
    at = (size_t)(std::lower_bound(ids.begin() + (long)at, ids.end(), did) - ids.begin());
}
