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
 * the failed one again after a back-off that doubles from
 * BACKOFF_MIN_S to BACKOFF_MAX_S; a server that times out under a
 * query is named by Xapian's error, and backs off the same way
 * (note_network_failure).  A shard none of whose replicas answers is an
 * error naming them, at once while all are backing off: the wait is at
 * most the timeout for each server tried, never a hang.
 * Touches only the reader's layout, parts and database; reads no
 * document and no metadata. */
#include "internal.hh"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace {

const int MAX_STUB_DEPTH = 8; /* as deep as anyone nests stubs */
const double BACKOFF_MIN_S = 1, BACKOFF_MAX_S = 30;
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

/* One line of the stub in dir (see the file comment). */
void stub_line(const std::string &dir, const std::string &line, int depth, Layout &l, StubChain &chain) {
    char type[32], where[4000];
    int n = sscanf(line.c_str(), "%31s %3999s", type, where);
    if (n < 1) return;
    if (!strcmp(type, REPLICAS_MARK)) {
        if (l.parts.empty() || l.parts.back().replicas.empty()) return;
        std::string rest = line.substr(line.find(REPLICAS_MARK) + sizeof REPLICAS_MARK - 1);
        char server[1024];
        for (const char *p = rest.c_str(); sscanf(p, "%1023s", server) == 1;) {
            RemoteReplica rr;
            if (parse_server(server, rr)) l.parts.back().replicas.push_back(rr);
            p = strstr(p, server) + strlen(server);
        }
    } else if (type[0] == '#') {
        return;
    } else if (!strcmp(type, "remote")) {
        Part part;
        RemoteReplica rr;
        if (n < 2 || !parse_server(where, rr)) { /* "remote :program": Xapian's own */
            l.known = false;
            return;
        }
        part.replicas.push_back(rr);
        l.parts.push_back(part);
    } else if (n == 2 && (!strcmp(type, "auto") || !strcmp(type, "glass"))) {
        walk(where[0] == '/' ? std::string(where) : dir + "/" + where, depth + 1, l, chain);
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
    return rr.host + ":" + std::to_string(rr.port);
}

/* rr failed: passed over until its back-off (doubling) ends. */
void back_off(RemoteReplica &rr) {
    rr.failures++;
    rr.down_until = monotonic_seconds() + std::min(BACKOFF_MAX_S, BACKOFF_MIN_S * std::pow(2, rr.failures - 1));
}

/* Opens one of part's replicas, the current one first, passing over those
 * backing off; throws NetworkError naming them all when none answers. */
Xapian::Database open_remote(Part &part, unsigned timeout_ms) {
    size_t n = part.replicas.size();
    double t = monotonic_seconds();
    std::string why;
    for (size_t k = 0; k < n; k++) {
        size_t i = (part.current + k) % n;
        RemoteReplica &rr = part.replicas[i];
        if (rr.down_until > t) continue;
        try {
            Xapian::Database db = Xapian::Remote::open(rr.host, rr.port, timeout_ms, timeout_ms);
            part.current = i;
            rr.failures = 0;
            rr.down_until = 0;
            return db;
        } catch (const Xapian::NetworkError &e) {
            back_off(rr);
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
    if (!r->layout_known) {
        r->db = Xapian::Database(r->path); /* a stub of a kind lede does not walk */
    } else {
        Xapian::Database db;
        for (Part &part : r->parts) {
            if (part.replicas.empty()) db.add_database(Xapian::Database(part.local));
            else db.add_database(open_remote(part, r->remote_timeout_ms));
        }
        r->db = db;
    }
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
        RemoteReplica &rr = part.replicas[part.current];
        if (e.get_context() == "remote:tcp(" + server_name(rr) + ")") back_off(rr);
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
        if (part.current != preferred && part.replicas[preferred].down_until <= t) return true;
    }
    return false;
}

void prefer_spread_replicas(engine_reader *r) {
    double t = monotonic_seconds();
    for (Part &part : r->parts) {
        if (part.replicas.empty()) continue;
        size_t preferred = r->replica_seed % part.replicas.size();
        if (part.replicas[preferred].down_until <= t) part.current = preferred;
    }
}
