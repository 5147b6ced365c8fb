/* changes.cc -- the change log (metadata CHANGES_KEY): which documents
 * a writer replaced in place in its latest commits, so that a reader that
 * holds a database's value slots in memory (facet_columns.cc) can follow
 * a commit by reading again only what moved, where reading every
 * document's values again costs O(N) a commit (seconds at 10 million
 * articles, under live ingest's commit every few seconds).
 * Only replacements in place need telling: an added document gets a
 * docid past every earlier one (Xapian never reuses one), so a reader
 * reads those by their docids, and a deleted one is never a candidate
 * again, so its stale code is never counted.
 * The log, as text:
 *     "SINCE UPTO\n" then a line "REV DOCID DOCID ...\n" a commit that
 *     replaced documents, oldest first
 * It tells every document replaced in revisions (SINCE, UPTO], and UPTO
 * is the revision of the commit that wrote it: a commit by a writer that
 * keeps no log (an older lede, a bulk merge, Xapian's own tools) leaves
 * UPTO behind the database's revision, and readers then read everything
 * again; the next logging writer starts a new log (SINCE = the revision
 * it found).  At most CHANGES_MAX docids are kept: older lines are
 * dropped, SINCE moving past them.  Every commit writes it (a close only
 * when a document changed: closing an idle writer makes no revision).
 * Touches only this key and the writer's change fields. */
#include "internal.hh"
#include "changes.hh"

#include <algorithm>
#include <sstream>

namespace {

const char CHANGES_KEY[] = "lede.replaced";
const size_t CHANGES_MAX = 4096; /* ~40 KB of text rewritten a commit at most */

struct ChangeLog {
    bool valid = false;
    Xapian::rev since = 0, upto = 0;
    std::vector<std::pair<Xapian::rev, std::vector<Xapian::docid>>> lines;
};

ChangeLog parse_log(const std::string &text) {
    ChangeLog log;
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || !(std::istringstream(line) >> log.since >> log.upto)) return log;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        Xapian::rev rev;
        if (!(words >> rev)) return log;
        std::vector<Xapian::docid> dids;
        for (Xapian::docid d; words >> d;) dids.push_back(d);
        log.lines.emplace_back(rev, std::move(dids));
    }
    log.valid = true;
    return log;
}

std::string format_log(const ChangeLog &log) {
    std::string out = std::to_string(log.since) + " " + std::to_string(log.upto) + "\n";
    for (const auto &l : log.lines) {
        out += std::to_string(l.first);
        for (Xapian::docid d : l.second) out += " " + std::to_string(d);
        out += "\n";
    }
    return out;
}

/* Oldest lines dropped until at most CHANGES_MAX docids are left. */
void trim_log(ChangeLog &log) {
    size_t total = 0;
    for (const auto &l : log.lines) total += l.second.size();
    while (total > CHANGES_MAX && !log.lines.empty()) {
        total -= log.lines.front().second.size();
        log.since = log.lines.front().first;
        log.lines.erase(log.lines.begin());
    }
}

}  // namespace

void writer_changes_open(engine_writer *w) {
    try {
        w->chain_rev = w->db.get_revision();
        w->logs_changes = true;
    } catch (const Xapian::Error &) { /* an in-memory database: no readers to tell */
        w->logs_changes = false;
    }
}

void writer_note_replaced(engine_writer *w, Xapian::docid did) {
    if (w->logs_changes) w->replaced.push_back(did);
    w->docs_changed = true;
}

void writer_note_changed(engine_writer *w) {
    w->docs_changed = true;
}

void writer_changes_store(engine_writer *w, bool always) {
    if (!w->logs_changes || w->bulk || !(always || w->docs_changed)) return;
    Xapian::rev now = w->db.get_revision(); /* Xapian's own flushes included */
    ChangeLog log = parse_log(w->db.get_metadata(CHANGES_KEY));
    if (!log.valid || log.upto != w->chain_rev) { /* another writer committed unlogged */
        log = ChangeLog();
        log.since = now;
    }
    if (!w->replaced.empty()) {
        std::sort(w->replaced.begin(), w->replaced.end());
        w->replaced.erase(std::unique(w->replaced.begin(), w->replaced.end()), w->replaced.end());
        log.lines.emplace_back(now + 1, w->replaced);
    }
    log.upto = now + 1;
    trim_log(log);
    w->db.set_metadata(CHANGES_KEY, format_log(log));
}

void writer_changes_committed(engine_writer *w) {
    if (!w->logs_changes) return;
    w->replaced.clear();
    w->docs_changed = false;
    w->chain_rev = w->db.get_revision();
}

bool reader_changes(const Xapian::Database &db, Xapian::rev from, Xapian::rev to,
                    std::vector<Xapian::docid> &dids) {
    ChangeLog log = parse_log(db.get_metadata(CHANGES_KEY));
    if (!log.valid || log.since > from || log.upto != to) return false;
    for (const auto &l : log.lines)
        if (l.first > from) dids.insert(dids.end(), l.second.begin(), l.second.end());
    return true;
}

bool changes_key(const std::string &key) {
    return key == CHANGES_KEY;
}
