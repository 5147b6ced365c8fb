/* layout.cc -- what an index is made of and how a reader opens it: the
 * walk of its stub files (the index's own XAPIANDB and those of the
 * directories it lists, as a sharded index's front and shards), which
 * gives the local databases, their stub and version files, and the remote
 * shards; and the opening of those, remote ones through
 * Xapian::Remote::open with the reader's timeout, choosing among a shard's
 * replicas and passing over one that failed until its back-off ends.
 *
 * Replicas.  A stub stays a stub Xapian reads; a comment line right after
 * a "remote HOST:PORT" line may name more servers of the same shard:
 *     remote 10.0.0.1:7001
 *     #lede-replicas 10.0.0.2:7001 10.0.0.3:7001
 * Xapian's tools see the first; lede spreads its readers over all of
 * them (reader k starts at replica k mod n), and when one fails (it
 * refuses, times out, drops the connection) reopens on the next, trying
 * the failed one again after a back-off that doubles from the reader's
 * backoff_min_s to BACKOFF_MAX_S; a server that times out under a
 * query is named by Xapian's error, and backs off the same way
 * (note_network_failure).  A server's back-off is the process's, not one
 * reader's: once one worker has waited on a hung server, the others pass
 * over it.  A shard none of whose replicas answers is an error naming
 * them, at once while all are backing off: the wait is at most the
 * timeout for each server tried, never a hang.
 *
 * Stub lines are read as Xapian reads them: the type up to the first
 * space, then the rest of the line as it is (a path may hold spaces);
 * empty lines and lines starting with '#' are comments.  "remote
 * :PROGRAM ARGS" runs a program speaking the remote protocol on its
 * stdin and stdout (xapian-progsrv), opened with the same timeout.
 * Touches only the reader's layout, parts and database; reads no
 * document and no metadata. */
#include "internal.hh"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>

namespace {

const int MAX_STUB_DEPTH = 8; /* as deep as anyone nests stubs */
const double BACKOFF_MAX_S = 30;
const char REPLICAS_MARK[] = "#lede-replicas";


/* "HOST:PORT" as a replica; false when it is not one. */
bool parse_server(const std::string &s, RemoteReplica &out) {
    size_t colon = s.rfind(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 == s.size()) return false;
    char *end;
    unsigned long port = strtoul(s.c_str() + colon + 1, &end, 10);
    if (*end || port == 0 || port > 65535) return false;
    out.host = s.substr(0, colon);
    out.port = (unsigned)port;
    return true;
}

/* The stub files a walk is inside, outermost first (device, inode). */
typedef std::vector<std::pair<dev_t, ino_t>> StubChain;

void walk(const std::string &path, int depth, Layout &l, StubChain &chain);

/* The servers of a "#lede-replicas" line, added to the last remote part. */
void replicas_line(const std::string &line, Layout &l) {
    if (l.parts.empty() || l.parts.back().replicas.empty()) return;
    size_t at = sizeof REPLICAS_MARK - 1;
    while (at < line.size()) {
        size_t start = line.find_first_not_of(" \t\r\n", at);
        if (start == std::string::npos) break;
        size_t end = line.find_first_of(" \t\r\n", start);
        if (end == std::string::npos) end = line.size();
        RemoteReplica rr;
        if (parse_server(line.substr(start, end - start), rr)) l.parts.back().replicas.push_back(rr);
        at = end;
    }
}

/* "remote WHERE": HOST:PORT or :PROGRAM ARGS; false when neither. */
bool parse_remote(const std::string &where, RemoteReplica &rr) {
    if (where.empty() || where[0] != ':') return parse_server(where, rr);
    size_t space = where.find(' ');
    rr.program = where.substr(1, space == std::string::npos ? std::string::npos : space - 1);
    if (space != std::string::npos) rr.args = where.substr(space + 1);
    return !rr.program.empty();
}

/* One line of the stub in dir (see the file comment). */
void stub_line(const std::string &dir, std::string line, int depth, Layout &l, StubChain &chain) {
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (line.compare(0, sizeof REPLICAS_MARK - 1, REPLICAS_MARK) == 0) {
        replicas_line(line, l);
        return;
    }
    if (line.empty() || line[0] == '#') return;
    size_t space = line.find(' ');
    std::string type = line.substr(0, space);
    std::string where = space == std::string::npos ? "" : line.substr(space + 1);
    if (type == "remote") {
        Part part;
        RemoteReplica rr;
        if (!parse_remote(where, rr)) {
            l.known = false; /* Xapian's own error, when it opens it */
            return;
        }
        part.replicas.push_back(rr);
        l.parts.push_back(part);
    } else if ((type == "auto" || type == "glass") && !where.empty()) {
        walk(where[0] == '/' ? where : dir + "/" + where, depth + 1, l, chain);
    } else {
        l.known = false;
    }
}

/* The lines of a stub file; false when it cannot be read. */
bool stub_lines(const std::string &stub, std::vector<std::string> &lines) {
    FILE *f = fopen(stub.c_str(), "r");
    if (!f) return false;
    char *line = nullptr;
    size_t cap = 0;
    while (getline(&line, &cap, f) != -1) lines.emplace_back(line);
    free(line);
    fclose(f);
    return true;
}

/* A stub that lists itself, directly or through others, is an error here:
 * Xapian 1.4 would follow it until its stack overflows (a crash). */
void walk(const std::string &path, int depth, Layout &l, StubChain &chain) {
    struct stat st;
    std::string stub = path + "/XAPIANDB";
    if (depth > MAX_STUB_DEPTH) {
        l.known = false;
    } else if (stat(stub.c_str(), &st) == 0) {
        l.stubs.emplace_back(stub, st);
        for (const auto &id : chain)
            if (id.first == st.st_dev && id.second == st.st_ino)
                throw Xapian::DatabaseOpeningError("stub " + stub + " lists itself (through the stubs it names)");
        std::vector<std::string> lines;
        if (!stub_lines(stub, lines)) {
            l.known = false;
            return;
        }
        chain.emplace_back(st.st_dev, st.st_ino);
        for (const std::string &line : lines) stub_line(path, line, depth, l, chain);
        chain.pop_back();
    } else if (stat((path + "/iamglass").c_str(), &st) == 0) {
        l.versions.emplace_back(path + "/iamglass", st);
        Part part;
        part.local = path;
        l.parts.push_back(part);
    } else {
        l.known = false;
    }
}

std::string server_name(const RemoteReplica &rr) {
    if (!rr.program.empty()) return rr.program + (rr.args.empty() ? "" : " " + rr.args);
    return rr.host + ":" + std::to_string(rr.port);
}

/* How each server fared lately, shared by every reader of the process
 * (by server name: a handful of entries, one per server in the stubs). */
struct ServerHealth {
    unsigned failures = 0;  /* in a row */
    double down_until = 0;  /* monotonic seconds: not tried before then */
};
std::mutex health_mu;
std::map<std::string, ServerHealth> health;

double down_until(const RemoteReplica &rr) {
    std::lock_guard<std::mutex> hold(health_mu);
    auto it = health.find(server_name(rr));
    return it == health.end() ? 0 : it->second.down_until;
}

/* rr failed: passed over until its back-off (doubling) ends. */
void back_off(const RemoteReplica &rr, double backoff_min_s) {
    std::lock_guard<std::mutex> hold(health_mu);
    ServerHealth &h = health[server_name(rr)];
    h.failures++;
    double wait = std::min(BACKOFF_MAX_S, backoff_min_s * std::pow(2, std::min(h.failures, 16u) - 1));
    h.down_until = std::max(h.down_until, monotonic_seconds() + wait);
}

void answered(const RemoteReplica &rr) {
    std::lock_guard<std::mutex> hold(health_mu);
    health.erase(server_name(rr));
}

Xapian::Database open_server(const RemoteReplica &rr, unsigned timeout_ms) {
    if (!rr.program.empty()) return Xapian::Remote::open(rr.program, rr.args, timeout_ms);
    return Xapian::Remote::open(rr.host, rr.port, timeout_ms, timeout_ms);
}

/* Opens one of part's replicas, the current one first, passing over those
 * backing off; throws NetworkError naming them all when none answers. */
Xapian::Database open_remote(Part &part, unsigned timeout_ms, double backoff_min_s) {
    size_t n = part.replicas.size();
    double t = monotonic_seconds();
    std::string why;
    for (size_t k = 0; k < n; k++) {
        size_t i = (part.current + k) % n;
        const RemoteReplica &rr = part.replicas[i];
        if (down_until(rr) > t) continue;
        try {
            Xapian::Database db = open_server(rr, timeout_ms);
            part.current = i;
            answered(rr);
            return db;
        } catch (const Xapian::NetworkError &e) {
            back_off(rr, backoff_min_s);
            why += (why.empty() ? "" : "; ") + server_name(rr) + ": " + e.get_msg();
        }
    }
    std::string names;
    for (const RemoteReplica &rr : part.replicas) names += (names.empty() ? "" : ", ") + server_name(rr);
    throw Xapian::NetworkError("no server of the shard at " + names + " answers" +
                               (why.empty() ? " (each failed lately and is tried again after a back-off)"
                                            : " (" + why + ")"));
}

}  // namespace

double monotonic_seconds() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool remote_recheck_due(const engine_reader *r) {
    return monotonic_seconds() - r->reopened_at >= ENGINE_REMOTE_RECHECK_MS / 1000.0;
}

Layout read_layout(const std::string &path) {
    Layout l;
    StubChain chain;
    walk(path, 0, l, chain);
    return l;
}

void open_parts(engine_reader *r) {
    r->parts_stale = true; /* until r->db holds them all */
    r->opens++;            /* other databases, whatever their revisions */
    r->part_dbs.clear();
    if (!r->layout_known) {
        r->db = Xapian::Database(r->path); /* a stub of a kind lede does not walk */
        r->part_dbs.push_back(r->db);
    } else {
        Xapian::Database db;
        for (Part &part : r->parts) {
            if (part.replicas.empty()) r->part_dbs.push_back(Xapian::Database(part.local));
            else r->part_dbs.push_back(open_remote(part, r->remote_timeout_ms, r->backoff_min_s));
            db.add_database(r->part_dbs.back());
        }
        r->db = db;
    }
    reader_moved(r);
    /* one round trip to each remote server: its count of heads */
    r->heads = r->remote && r->db.get_doccount() > 0 &&
               r->db.get_value_freq(ENGINE_SLOT_HEAD) == r->db.get_doccount();
    r->parts_stale = false;
    r->reopened_at = monotonic_seconds();
}

void note_network_failure(engine_reader *r, const Xapian::NetworkError &e) {
    r->parts_stale = true;
    /* Only a server this reader timed out on backs off, since trying it
     * again would cost the timeout again.  One that closed the connection
     * is reconnected to at once: xapian-tcpsrv closes a connection idle
     * for a minute, sending its own NetworkTimeoutError ("REMOTE:..."),
     * then a write fails; and one that refuses fails fast and backs off
     * then (open_remote).  (Xapian::Error has no vtable: get_type.) */
    if (strcmp(e.get_type(), "NetworkTimeoutError") != 0 || e.get_msg().rfind("REMOTE:", 0) == 0) return;
    for (Part &part : r->parts) {
        if (part.replicas.empty()) continue;
        const RemoteReplica &rr = part.replicas[part.current];
        if (rr.program.empty() && e.get_context() == "remote:tcp(" + server_name(rr) + ")")
            back_off(rr, r->backoff_min_s);
    }
}

void spread_replicas(engine_reader *r) {
    for (Part &part : r->parts)
        if (!part.replicas.empty()) part.current = r->replica_seed % part.replicas.size();
}

bool replica_retry_due(const engine_reader *r) {
    double t = monotonic_seconds();
    for (const Part &part : r->parts) {
        if (part.replicas.empty()) continue;
        size_t preferred = r->replica_seed % part.replicas.size();
        if (part.current != preferred && down_until(part.replicas[preferred]) <= t) return true;
    }
    return false;
}

bool replica_in_use_down(const engine_reader *r) {
    double t = monotonic_seconds();
    for (const Part &part : r->parts)
        if (!part.replicas.empty() && down_until(part.replicas[part.current]) > t) return true;
    return false;
}

void prefer_spread_replicas(engine_reader *r) {
    double t = monotonic_seconds();
    for (Part &part : r->parts) {
        if (part.replicas.empty()) continue;
        size_t preferred = r->replica_seed % part.replicas.size();
        if (down_until(part.replicas[preferred]) <= t) part.current = preferred;
    }
}
