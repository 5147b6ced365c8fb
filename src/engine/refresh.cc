/* refresh.cc -- keeping a reader current (engine_reader_refresh): which
 * files show a writer's change (the stub, each database's version file),
 * the inotify watch on their directories (dirwatch.h), and reopening when
 * they moved.  Owns the reader's stub, versions and watch fields; reads
 * no document and no metadata.  Only a changed stub (other databases)
 * marks the search settings stale (search_ready); moving to a database's
 * latest revision keeps them, which holds because the settings a reader
 * decodes and ranks with (lede.dict, lede.common, lede.pivot, language,
 * stop words) are written only into new databases, and a new database
 * reaches readers through a new stub (src/settings.h). */
#include "internal.hh"

#include <cstdio>

namespace {

bool stat_stub(const std::string &path, struct stat *st) {
    return stat((path + "/XAPIANDB").c_str(), st) == 0;
}

bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_size == b.st_size;
}

/* The local glass databases the stub lists ("auto DIR" or "glass DIR"
 * lines), or the path itself when it is a database; false for anything
 * else (a remote database). */
bool local_databases(const engine_reader *r, std::vector<std::string> &dirs) {
    if (!r->have_stub) {
        dirs.push_back(r->path);
        return true;
    }
    FILE *f = fopen((r->path + "/XAPIANDB").c_str(), "r");
    if (!f) return false;
    char line[4096];
    bool ok = true;
    while (ok && fgets(line, sizeof line, f)) {
        char type[16], dir[4000];
        if (line[0] == '#' || sscanf(line, "%15s %3999s", type, dir) < 1) continue;
        ok = (!strcmp(type, "auto") || !strcmp(type, "glass")) && sscanf(line, "%15s %3999s", type, dir) == 2;
        if (ok) dirs.push_back(dir[0] == '/' ? std::string(dir) : r->path + "/" + dir);
    }
    fclose(f);
    return ok;
}

void note_versions(engine_reader *r) {
    std::vector<std::string> dirs;
    r->versions.clear();
    if (!local_databases(r, dirs)) return;
    for (const std::string &d : dirs) {
        struct stat st;
        if (stat((d + "/iamglass").c_str(), &st) != 0) {
            r->versions.clear();
            return;
        }
        r->versions.emplace_back(d + "/iamglass", st);
    }
}

bool versions_unchanged(const engine_reader *r) {
    if (r->versions.empty()) return false;
    for (const auto &v : r->versions) {
        struct stat st;
        if (stat(v.first.c_str(), &st) != 0 || !same_file(st, v.second)) return false;
    }
    return true;
}

/* Reopens from scratch if the stub now lists other databases; else moves
 * to the latest revision, unless no version file changed (one stat per
 * database instead of Xapian reading each version file).  force: reopen
 * even so (the writer moved on under a search). */
bool look_again(engine_reader *r, bool force) {
    struct stat st;
    bool have = stat_stub(r->path, &st);
    if (have != r->have_stub || (have && !same_file(st, r->stub))) {
        r->stub = st;
        r->have_stub = have;
        note_versions(r);
        r->db = Xapian::Database(r->path);
        r->search_ready = false;
        return true;
    }
    if (!force && versions_unchanged(r)) return false;
    note_versions(r);
    return r->db.reopen();
}

/* Where a writer's change shows: the index's directory (its stub) and
 * each local database's (its version file). */
std::vector<std::string> change_dirs(const engine_reader *r) {
    std::vector<std::string> dirs{r->path};
    for (const auto &v : r->versions) dirs.push_back(v.first.substr(0, v.first.rfind('/')));
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

void note_files(engine_reader *r) {
    r->have_stub = stat_stub(r->path, &r->stub);
    note_versions(r);
}

/* Before every query.  While the directories that would show a change
 * are watched and quiet, nothing was committed: one read of the watch
 * (dirwatch.h) instead of a stat per database.  Otherwise the files are
 * looked at; what changes while they are, the watch reports next time.  A
 * watch that is not set up (or broke) is set up before looking, and when
 * the databases are no longer those watched, the next call watches the
 * new ones and looks again. */
bool refresh(engine_reader *r, bool force) {
    int news = r->watching ? dirwatch_changed(r->watch) : DIRWATCH_BROKEN;
    if (news == DIRWATCH_QUIET && !force) return false;
    bool watched = news != DIRWATCH_BROKEN ||
                   (!r->watch_failed && !r->versions.empty() && watch_dirs(r));
    r->watching = false; /* until the look below has succeeded */
    bool changed = look_again(r, force);
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
