/* refresh.cc -- keeping a reader current (engine_reader_refresh): which
 * files show a writer's change (the stubs, the index's own and those of
 * the directories it lists, as a sharded index's shards; each local
 * database's version file), whether a database is remote (then only
 * asking it shows a change, and the reader asks at most every
 * ENGINE_REMOTE_RECHECK_MS), the
 * inotify watch on their directories (dirwatch.h), and reopening when
 * they moved.  Owns the reader's stubs, versions, remote and watch fields; reads
 * no document and no metadata.  Only a changed stub (other databases)
 * marks the search settings stale (search_ready); moving to a database's
 * latest revision keeps them, which holds because the settings a reader
 * decodes and ranks with (lede.dict, lede.common, lede.pivot, language,
 * stop words) are written only into new databases, and a new database
 * reaches readers through a new stub (src/settings.h). */
#include "internal.hh"
#include "tiers.hh"
#include "split.hh"

#include <cstdio>

namespace {

bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_size == b.st_size;
}

bool unchanged(const file_ids &ids) {
    for (const auto &v : ids) {
        struct stat st;
        if (stat(v.first.c_str(), &st) != 0 || !same_file(st, v.second)) return false;
    }
    return true;
}

/* Takes l as what r's index reaches now: its stubs, its parts (each
 * remote one at this reader's own replica, layout.cc; to be opened), and
 * its version files, left empty (every refresh reopens) when some
 * database's changes cannot be seen in a file here: a remote one, or one
 * of a kind not known. */
void take_layout(engine_reader *r, Layout &&l) {
    r->stubs = std::move(l.stubs);
    r->remote = l.remote();
    r->layout_known = l.known;
    r->parts = std::move(l.parts);
    r->parts_stale = true;
    spread_replicas(r);
    r->versions.clear();
    if (l.known && !r->remote) r->versions = std::move(l.versions);
}

void note_layout(engine_reader *r) {
    take_layout(r, read_layout(r->path));
}

bool stubs_changed(const engine_reader *r, const Layout &now) {
    if (now.stubs.size() != r->stubs.size()) return true;
    for (size_t i = 0; i < now.stubs.size(); i++)
        if (now.stubs[i].first != r->stubs[i].first || !same_file(now.stubs[i].second, r->stubs[i].second))
            return true;
    return false;
}

bool versions_unchanged(const engine_reader *r) {
    return !r->versions.empty() && unchanged(r->versions);
}

/* An index with remote shards: back to a reader's own replicas once they
 * may answer again, or off one that failed under another reader, else
 * the servers' latest revision; a server that fails is left for another
 * replica (open_parts). */
bool look_at_servers(engine_reader *r, bool force) {
    if (replica_retry_due(r) || replica_in_use_down(r)) {
        prefer_spread_replicas(r);
        open_parts(r);
        return true;
    }
    if (!force && !remote_recheck_due(r)) return false;
    try {
        r->reopened_at = monotonic_seconds();
        return r->db.reopen();
    } catch (const Xapian::NetworkError &e) {
        note_network_failure(r, e);
        open_parts(r);
        return true;
    }
}

/* Reopens from scratch if the stub now lists other databases (the walk
 * that tells so is the one taken: a stub replaced after it is seen next
 * time), or if the last open failed; else moves to the latest revision,
 * unless no version file changed (one stat per database instead of
 * Xapian reading each version file).  force: reopen even so (the writer
 * moved on under a search). */
bool look_again(engine_reader *r, bool force) {
    Layout now = read_layout(r->path);
    if (stubs_changed(r, now)) {
        take_layout(r, std::move(now));
        r->search_ready = false; /* before opening: stays so if that fails */
        open_current(r);
        return true;
    }
    if (r->parts_stale) {
        open_current(r);
        return true;
    }
    if (r->remote) return look_at_servers(r, force);
    if (!force && versions_unchanged(r)) return false;
    r->versions.clear();
    if (now.known) r->versions = std::move(now.versions);
    try {
        return r->db.reopen();
    } catch (const Xapian::DatabaseOpeningError &) {
        /* a compaction switched the stub after the read above and removed
         * the database reopened (test_compact_load saw it once) */
        Layout again = read_layout(r->path);
        if (!stubs_changed(r, again)) throw;
        take_layout(r, std::move(again));
        r->search_ready = false;
        open_current(r);
        return true;
    }
}

/* Where a writer's change shows: the index's directory and those of the
 * other stubs (a stub replaced) and each local database's (its version
 * file). */
std::vector<std::string> change_dirs(const engine_reader *r) {
    std::vector<std::string> dirs{r->path};
    for (const file_ids *ids : {&r->stubs, &r->versions})
        for (const auto &v : *ids) {
            std::string d = v.first.substr(0, v.first.rfind('/'));
            if (d != r->path) dirs.push_back(d);
        }
    return dirs;
}

/* True when every directory is watched; a directory that cannot be now
 * (it was deleted just now, say) is tried again at the next refresh, and
 * directories inotify cannot serve (dirwatch.h) never are. */
bool watch_dirs(engine_reader *r) {
    r->watched = change_dirs(r);
    std::vector<const char *> paths;
    for (const std::string &d : r->watched) paths.push_back(d.c_str());
    char err[LEDE_ERRLEN];
    int rc = dirwatch_set(&r->watch, paths.data(), (int)paths.size(), err);
    r->watch_failed = rc == LEDE_ELIMIT;
    return rc == LEDE_OK;
}

}  // namespace

/* Opens the parts of the layout just taken.  A writer removes a
 * compacted database's old generation right after its stub names the new
 * one, so a database named by the stub as read may be gone when it is
 * opened; then the stub has moved on: it is read again and the open
 * tried again (a few times: each try means another compaction finished
 * meanwhile). */
void open_current(engine_reader *r) {
    for (int attempt = 0;; attempt++) {
        try {
            open_parts(r);
            return;
        } catch (const Xapian::DatabaseOpeningError &) {
            Layout now = read_layout(r->path);
            if (attempt == 3 || !stubs_changed(r, now)) throw;
            take_layout(r, std::move(now));
            r->search_ready = false;
        }
    }
}

void note_files(engine_reader *r) {
    note_layout(r);
}

void reader_moved(engine_reader *r) {
    reader_fields_load(r);
    forget_pattern_words(r);
    forget_tier_freqs(r);
    split_reader_moved(r);
}

namespace {

/* Whether a quiet watch of r's directories tells all a look at its files
 * would: a local index's stubs and version files, or, where a database is
 * remote, its stubs alone (its databases are asked by look_at_servers,
 * watched or not).  A stub lede does not walk is looked at every time. */
bool watch_tells_all(const engine_reader *r) {
    return !r->watch_failed && (!r->versions.empty() || (r->remote && r->layout_known));
}

/* The stubs are as they were: an index with remote shards opens them if
 * it must, else asks its servers when it is time (look_at_servers). */
bool look_at_parts(engine_reader *r) {
    if (!r->remote) return false;
    if (r->parts_stale) {
        open_current(r);
        return true;
    }
    return look_at_servers(r, false);
}

}  // namespace

/* Before every query.  While the directories that would show a change
 * are watched and quiet, nothing was committed: one read of the watch
 * (dirwatch.h) instead of a stat per database, or of reading the stubs
 * of an index with remote shards (look_at_parts).  Otherwise the files
 * are looked at; what changes while they are, the watch reports next
 * time.  A watch that is not set up (or broke) is set up before looking,
 * and when the databases are no longer those watched, the next call
 * watches the new ones and looks again. */
bool refresh(engine_reader *r, bool force) {
    int news = r->watching ? dirwatch_changed(r->watch) : DIRWATCH_BROKEN;
    if (news == DIRWATCH_QUIET && !force) {
        bool changed = look_at_parts(r);
        if (changed) reader_moved(r);
        return changed;
    }
    bool watched = news != DIRWATCH_BROKEN || (watch_tells_all(r) && watch_dirs(r));
    r->watching = false; /* until the look below has succeeded */
    bool changed = look_again(r, force);
    if (changed) reader_moved(r);
    r->watching = watched && change_dirs(r) == r->watched;
    return changed;
}

extern "C" {

int engine_reader_refresh(engine_reader *r, int *changed, char *err) {
    return guarded(err, "reopen", [&] {
        *changed = refresh(r);
        return LEDE_OK;
    });
}

}  // extern "C"
