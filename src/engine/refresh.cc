/* refresh.cc -- keeping a reader current (engine_reader_refresh): which
 * files show a writer's change (the stubs, the index's own and those of
 * the directories it lists, as a sharded index's shards; each local
 * database's version file), whether a database is remote (then only
 * asking it shows a change, and the reader asks at every refresh), the
 * inotify watch on their directories (dirwatch.h), and reopening when
 * they moved.  Owns the reader's stubs, versions, remote and watch fields; reads
 * no document and no metadata.  Only a changed stub (other databases)
 * marks the search settings stale (search_ready); moving to a database's
 * latest revision keeps them, which holds because the settings a reader
 * decodes and ranks with (lede.dict, lede.common, lede.pivot, language,
 * stop words) are written only into new databases, and a new database
 * reaches readers through a new stub (src/settings.h). */
#include "internal.hh"

#include <cstdio>

namespace {

bool same_file(const struct stat &a, const struct stat &b) {
    return a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
           a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
           a.st_mtim.tv_nsec == b.st_mtim.tv_nsec && a.st_size == b.st_size;
}

typedef std::vector<std::pair<std::string, struct stat>> file_ids;

/* What opening an index reaches: its stub files, its local glass
 * databases' version files, whether anything is remote, and whether all
 * of it is known (a stub line of another kind is not). */
struct Layout {
    file_ids stubs, versions;
    bool remote = false, known = true;
};

const int MAX_STUB_DEPTH = 8; /* as deep as anyone nests stubs, loops cut */

void walk(const std::string &path, int depth, Layout &l);

/* One line of the stub in dir: "auto DIR" or "glass DIR" (walked in
 * turn), "remote ..." (a remote database), comments; else unknown. */
void stub_line(const std::string &dir, const char *line, int depth, Layout &l) {
    char type[16], where[4000];
    int n = sscanf(line, "%15s %3999s", type, where);
    if (n < 1 || type[0] == '#') return;
    if (!strcmp(type, "remote")) {
        l.remote = true;
    } else if (n == 2 && (!strcmp(type, "auto") || !strcmp(type, "glass"))) {
        walk(where[0] == '/' ? std::string(where) : dir + "/" + where, depth + 1, l);
    } else {
        l.known = false;
    }
}

void walk(const std::string &path, int depth, Layout &l) {
    struct stat st;
    std::string stub = path + "/XAPIANDB";
    if (depth > MAX_STUB_DEPTH) {
        l.known = false;
    } else if (stat(stub.c_str(), &st) == 0) {
        l.stubs.emplace_back(stub, st);
        FILE *f = fopen(stub.c_str(), "r");
        if (!f) {
            l.known = false;
            return;
        }
        char line[4096];
        while (fgets(line, sizeof line, f)) stub_line(path, line, depth, l);
        fclose(f);
    } else if (stat((path + "/iamglass").c_str(), &st) == 0) {
        l.versions.emplace_back(path + "/iamglass", st);
    } else {
        l.known = false;
    }
}

bool unchanged(const file_ids &ids) {
    for (const auto &v : ids) {
        struct stat st;
        if (stat(v.first.c_str(), &st) != 0 || !same_file(st, v.second)) return false;
    }
    return true;
}

/* Notes what r's index reaches now; versions are left empty (every
 * refresh reopens) when some database's changes cannot be seen in a
 * file here: a remote one, or one of a kind not known. */
void note_layout(engine_reader *r) {
    Layout l;
    walk(r->path, 0, l);
    r->stubs = std::move(l.stubs);
    r->remote = l.remote;
    r->versions.clear();
    if (l.known && !l.remote) r->versions = std::move(l.versions);
}

bool stubs_changed(const engine_reader *r) {
    Layout now;
    walk(r->path, 0, now);
    if (now.stubs.size() != r->stubs.size()) return true;
    for (size_t i = 0; i < now.stubs.size(); i++)
        if (now.stubs[i].first != r->stubs[i].first || !same_file(now.stubs[i].second, r->stubs[i].second))
            return true;
    return false;
}

bool versions_unchanged(const engine_reader *r) {
    return !r->versions.empty() && unchanged(r->versions);
}

/* Reopens from scratch if the stub now lists other databases; else moves
 * to the latest revision, unless no version file changed (one stat per
 * database instead of Xapian reading each version file).  force: reopen
 * even so (the writer moved on under a search). */
bool look_again(engine_reader *r, bool force) {
    if (stubs_changed(r)) {
        note_layout(r);
        r->db = Xapian::Database(r->path);
        r->search_ready = false;
        return true;
    }
    if (!force && versions_unchanged(r)) return false;
    note_layout(r);
    return r->db.reopen();
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

void note_files(engine_reader *r) {
    note_layout(r);
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
