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
 * when a document changed or metadata was set: closing an idle writer
 * makes no revision).
 *
 * Across a compaction (COMPACTED_KEY).  A compaction of one database
 * keeps its docids (engine_compact: DBCOMPACT_NO_RENUMBER, and the copy's
 * last docid is the source's, so none is used twice), and leaves in the
 * copy, with the commit changes_carry makes:
 *     "UUID FROM AT\n" then the source's change log as it stood
 * saying that the copy at revision AT holds the documents of the database
 * UUID at revision FROM under the same docids.  A reader whose columns
 * stand for UUID at a revision the source's log reaches back to, and whose
 * copy's own log goes on from AT, then follows the compaction as it
 * follows a commit (reader_changes_across).  The copy's log is emptied:
 * its first writer starts a new one at AT.  A compaction of several
 * databases renumbers them: its copy holds no record, and readers read
 * their columns whole.  A bulk merge leaves both keys out.
 * Touches only these keys and the writer's change fields. */
#include "internal.hh"
#include "changes.hh"

#include <algorithm>
#include <sstream>

namespace {

const char CHANGES_KEY[] = "lede.replaced";
const char COMPACTED_KEY[] = "lede.compacted";
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

/* Into dids, every docid log tells was replaced after revision from:
 * false when log does not tell all of (from, to]. */
bool log_covers(const ChangeLog &log, Xapian::rev from, Xapian::rev to,
                std::vector<Xapian::docid> &dids) {
    if (!log.valid || log.since > from || log.upto != to) return false;
    for (const auto &l : log.lines)
        if (l.first > from) dids.insert(dids.end(), l.second.begin(), l.second.end());
    return true;
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
        log = ChangeLog();     /* or a compaction's copy: its log is emptied */
        log.since = w->chain_rev; /* w->replaced holds all since, flushes included */
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
    return log_covers(parse_log(db.get_metadata(CHANGES_KEY)), from, to, dids);
}

void changes_carry(const Xapian::Database &src, const std::string &dst, bool same_ids) {
    Xapian::WritableDatabase out(dst, Xapian::DB_OPEN);
    std::string record;
    if (same_ids) {
        std::string uuid = src.get_uuid();
        if (!uuid.empty())
            record = uuid + " " + std::to_string(src.get_revision()) + " " +
                     std::to_string(out.get_revision() + 1) + "\n" + src.get_metadata(CHANGES_KEY);
    }
    out.set_metadata(COMPACTED_KEY, record); /* none: a stale one copied is dropped */
    out.set_metadata(CHANGES_KEY, "");
    out.commit();
}

bool reader_changes_across(const Xapian::Database &db, const std::string &uuid, Xapian::rev from,
                           Xapian::rev to, std::vector<Xapian::docid> &dids) {
    std::string text = db.get_metadata(COMPACTED_KEY);
    size_t eol = text.find('\n');
    if (uuid.empty() || eol == std::string::npos) return false;
    std::istringstream head(text.substr(0, eol));
    std::string source;
    Xapian::rev source_rev, at;
    if (!(head >> source >> source_rev >> at) || source != uuid || from > source_rev || to < at)
        return false;
    if (from < source_rev && !log_covers(parse_log(text.substr(eol + 1)), from, source_rev, dids))
        return false;
    return to == at || reader_changes(db, at, to, dids);
}

bool changes_key(const std::string &key) {
    return key == CHANGES_KEY || key == COMPACTED_KEY;
}
