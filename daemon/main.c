/* main.c -- leded: options and defaults; the work is in server.c (network)
 * pool.c (queries) and ingest.c (the writer).  Touches no socket and
 * no database: it only checks that the index exists. */
#define _GNU_SOURCE
#include "server.h"
#include "fdlimit.h"
#include "log.h"
#include "../src/engine.h"
#include "../src/indexdir.h"
#include "../src/options.h"
#include "../src/protocol.h"
#include "../src/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: leded --index PATH [options]\n"
    "\n"
    "Serves ranked phrase and boolean search over lede's line protocol\n"
    "(docs/PROTOCOL.md).  Runs in the foreground; SIGTERM or SIGINT stops it\n"
    "after the replies in flight.  BYTES take a K, M or G suffix.\n"
    "\n";

/* Exit status: 0 after SIGTERM or SIGINT; 2 whenever leded could not
 * start serving, whatever the reason (it was 1 for a busy port, 2 for
 * the rest).  Nothing ends it with an error once it serves. */
#define EXIT_STOPPED 0
#define EXIT_FAILED 2

static const char epilog[] =
    "\nExit status: 0 stopped by SIGTERM or SIGINT; 2 could not start (a bad option,\n"
    "no index, the token file, the address in use, ...), with the reason on stderr.\n";

#define STRING_(x) #x
#define STRING(x) STRING_(x)

/* --listen none: no TCP. */
static int parse_listen(const char *v, void *dest, char *err) {
    (void)err;
    *(const char **)dest = strcmp(v, "none") ? v : NULL;
    return 0;
}

/* --allow-readable-token: main's, not the server's. */
static int allow_readable_token;

/* --split: the engine's (engine_set_split), in engine_split's order.
 * On by default in the daemon (the engine's own default, for in-process
 * callers and the benchmarks' CPU counts, stays off): at 2M articles
 * it took the 1-connection p99 to 0.84x and p99.9 to 0.63x, with 8
 * connections' QPS within the run's noise (bench/results/scale.md). */
#define LEDED_SPLIT_DEFAULT ENGINE_SPLIT_AUTO
static int split_mode;
static const char *const split_modes[] = {"off", "auto", NULL};

/* One query thread per core; four per core when the index has remote
 * shards, whose workers spend most of a query waiting on the servers'
 * replies (on 2 cores, 6 workers answered 1.2-1.5x the queries of 2 at 8
 * connections on two local xapian-tcpsrv shards: docs/SCALE.md). */
static int default_workers(const char *index) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cores > 0 ? (int)cores : 2;
    return engine_index_remote_parts(index) ? 4 * n : n;
}

/* The event loop polls for a finished query (--busy-poll-us) only on an
 * index whose queries end within the poll: a query on remote shards waits
 * on the servers for two round trips a match, two matches a shard (ms, not
 * µs), so the poll ran out before the reply came, then slept anyway.  It
 * was 60% of a remote front's CPU (Reuters, 2 shards, 1 worker: 2.09 ms of
 * CPU a query polling against 0.83 without; bench/results/shards.md), on
 * a core the shards' servers may need. */
static double default_busy_poll(const char *index) {
    return engine_index_remote_parts(index) ? 0 : 1e-3;
}

static int parse_args(int argc, char **argv, server_config *cfg) {
    static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
    const opt_spec specs[] = {
        {"index", 'x', OPT_STRING, &cfg->index, .metavar = "PATH",
         .help = "the index (made by lede-index)"},
        {"listen", 'l', OPT_CALL, &cfg->listen, .metavar = "HOST:PORT",
         .help = "TCP address ('none': no TCP)", .def = "127.0.0.1:7411", .call = parse_listen},
        {"socket", 's', OPT_STRING, &cfg->socket_path, .metavar = "PATH",
         .help = "also (or only) listen on a Unix socket"},
        {"workers", 'w', OPT_INT, &cfg->workers, .metavar = "N", .help = "query threads",
         .def_note = "number of cores; 4 per core for an index with remote shards", .min = 1,
         .max = 256},
        {"max-line", 0, OPT_SIZE, &cfg->max_line, .metavar = "BYTES",
         .help = "longest request line", .def = "65536", .min = 16},
        {"max-connections", 0, OPT_INT, &cfg->max_connections, .metavar = "N",
         .help = "connections at once", .def = "1024", .min = 1},
        {"max-connections-per-address", 0, OPT_INT, &cfg->max_per_address, .metavar = "N",
         .help = "connections at once from one address (an IPv6 /64; not the Unix socket's; 0: "
                 "no limit)", .def = "0", .min = 0},
        {"idle-timeout", 0, OPT_DOUBLE, &cfg->idle_timeout, .metavar = "SECS",
         .help = "close connections idle this long (0: never)", .def = "300"},
        {"max-output", 0, OPT_SIZE, &cfg->max_output, .metavar = "BYTES",
         .help = "reply bytes queued for one client before its requests wait", .def = "4194304",
         .min = 1024},
        {"max-output-total", 0, OPT_SIZE, &cfg->max_output_total, .metavar = "BYTES",
         .help = "reply bytes queued for all clients together before those that have any queued "
                 "wait", .def = "64M", .min = 65536},
        {"max-pipeline", 0, OPT_INT, &cfg->max_pipeline, .metavar = "N",
         .help = "requests in flight per connection", .def = "128", .min = 1},
        {"max-queued", 0, OPT_INT, &cfg->max_queued, .metavar = "N",
         .help = "queries waiting for a worker before BUSY (a connection's only query is always "
                 "queued)", .def = "4096", .min = 1},
        {"query-timeout", 0, OPT_DOUBLE, &cfg->query_timeout, .metavar = "SECS",
         .help = "per-query time limit: the reply is ERR TIMEOUT and the query stops (0: none)",
         .def = "10"},
        {"remote-timeout", 0, OPT_DOUBLE, &cfg->remote_timeout, .metavar = "SECS",
         .help = "wait this long for a remote shard's server before trying another replica or "
                 "failing (docs/SCALE.md)", .def = "5", .min = 0.001, .max = 3600},
        {"remote-backoff", 0, OPT_DOUBLE, &cfg->remote_backoff, .metavar = "SECS",
         .help = "a remote server that failed is passed over this long, then twice as long after "
                 "each failure in a row, up to 30 s", .def = "1", .min = 0.001, .max = 30},
        {"max-wildcard", 0, OPT_UINT, &cfg->max_wildcard, .metavar = "N",
         .help = "words a query's prefix* may expand to, together", .def = "1000", .min = 1},
        {"max-query-terms", 0, OPT_UINT, &cfg->max_query_terms, .metavar = "N",
         .help = "refuse (ERR LIMIT) a query of more terms than N (0: no limit)", .def = "1024",
         .max = 4294967295.0},
        {"max-query-phrases", 0, OPT_UINT, &cfg->max_query_phrases, .metavar = "N",
         .help = "refuse a query of more phrases and NEARs than N (0: no limit)", .def = "256",
         .max = 4294967295.0},
        {"max-query-postings", 0, OPT_UINT, &cfg->max_query_postings, .metavar = "N",
         .help = "refuse a query whose terms hold more postings than N, all together (0: no "
                 "limit)", .def = "100000000", .max = 4294967295.0, .flags = OPT_SUFFIX},
        {"max-query-positions", 0, OPT_UINT, &cfg->max_query_positions, .metavar = "N",
         .help = "refuse a query whose phrases may check more positions than N: for each, its "
                 "rarest word's articles times its words (0: no limit)", .def = "5000000",
         .max = 4294967295.0, .flags = OPT_SUFFIX},
        {"facets-exact", 0, OPT_UINT, &cfg->facets_exact, .metavar = "N",
         .help = "count facets exactly over up to N matches; over more, estimate them from a "
                 "sample of about N (0: always exact; a request's facets_exact=N overrides it; "
                 "docs/QUERY.md)", .def = "1000",
         .max = 4294967295.0, .flags = OPT_SUFFIX},
        {"facet-memory", 0, OPT_SIZE, &cfg->facet_memory, .metavar = "BYTES",
         .help = "memory all workers together may hold of the value slots facets count (2 bytes "
                 "an article a slot, each worker its own; past it a slot's values are read in "
                 "every search instead; docs/QUERY.md)", .def = "256M"},
        {"max-limit", 0, OPT_UINT, &cfg->max_limit, .metavar = "N",
         .help = "most hits one SEARCH returns", .def = STRING(PROTO_MAX_LIMIT), .min = 1,
         .max = 100000},
        {"slow-query", 0, OPT_DOUBLE, &cfg->slow_query, .metavar = "SECS",
         .help = "log queries slower than this", .def = "0.5"},
        {"busy-poll-us", 0, OPT_DOUBLE, &cfg->busy_poll, .metavar = "N",
         .help = "while a query runs and a core is free, poll for up to N µs instead of sleeping "
                 "(0: never)", .def_note = "1000; 0 for an index with remote shards", .max = 1e6,
         .scale = 1e-6},
        {"read-batch-us", 0, OPT_DOUBLE, &cfg->read_batch, .metavar = "N",
         .help = "while queries wait for workers, read new requests at most every N µs, many at a "
                 "time (0: at once)", .def = "1000", .max = 1e6, .scale = 1e-6},
        {"worker-spin-us", 0, OPT_DOUBLE, &cfg->worker_spin, .metavar = "N",
         .help = "a worker that runs out of queries waits up to N µs awake for the next before "
                 "sleeping (0: never)", .def = "100", .max = 1e6, .scale = 1e-6},
        {"split", 0, OPT_ENUM, &split_mode,
         .help = "auto: a ranked query whose words hold over 300,000 postings runs as two "
                 "halves on two cores when a core is idle (else whole; the same answer, less "
                 "latency for about 1.35x its CPU); off: never", .def = split_modes[LEDED_SPLIT_DEFAULT],
         .choices = split_modes},
        {"log-level", 0, OPT_ENUM, &cfg->log_level, .help = "what goes to stderr", .def = "info",
         .choices = levels},
        {.kind = OPT_HEADING,
         .help = "Ingest (off by default; the daemon then holds the index's writer lock):"},
        {"ingest-token", 0, OPT_STRING, &cfg->ingest_token, .metavar = "FILE",
         .help = "enable ADD/PUT/DELETE/COMMIT/COMPACT for connections that AUTH with the token "
                 "in FILE (the index is created if missing)"}, /* the file, read by main */
        {"commit-interval", 0, OPT_DOUBLE, &cfg->commit_interval, .metavar = "SECS",
         .help = "commit pushed changes at least every SECS seconds", .def = "0.25", .min = 0.001},
        {"commit-settle", 0, OPT_DOUBLE, &cfg->commit_settle, .metavar = "SECS",
         .help = "... and as soon as no change has come for SECS seconds (a burst is one commit)",
         .def = "0.02", .min = 0.0001},
        {"max-article-bytes", 0, OPT_SIZE, &cfg->max_article, .metavar = "BYTES",
         .help = "largest article a PUT may send", .def = "16M", .min = 64, .max = 1e9},
        {"max-backlog", 0, OPT_INT, &cfg->max_backlog, .metavar = "N",
         .help = "ingest commands waiting before BUSY", .def = "10000", .min = 1},
        {"auth-failures", 0, OPT_INT, &cfg->auth_failures, .metavar = "N",
         .help = "failed AUTH one address may make before its AUTH is refused for a while",
         .def = "5", .min = 1, .max = 1000000},
        {"auth-failures-total", 0, OPT_INT, &cfg->auth_failures_total, .metavar = "N",
         .help = "... and all addresses together", .def = "100", .min = 1, .max = 1000000},
        {"auth-window", 0, OPT_DOUBLE, &cfg->auth_window, .metavar = "SECS",
         .help = "... in this time: the allowances come back gradually over it", .def = "60",
         .min = 1, .max = 86400},
        {"allow-readable-token", 0, OPT_FLAG, &allow_readable_token,
         .help = "serve even when others can read the --ingest-token or --read-token file "
                 "(refused otherwise)"},
        {"read-token", 0, OPT_STRING, &cfg->read_token, .metavar = "FILE",
         .help = "searching needs the token in FILE (or the ingest token): AUTH on the line "
                 "protocol, Authorization: Bearer over HTTP"}, /* the file, read by main */
        {.kind = OPT_HEADING, .help = "HTTP (docs/HTTP.md; off by default):"},
        {"http", 0, OPT_STRING, &cfg->http_listen, .metavar = "HOST:PORT",
         .help = "also serve HTTP/1.1 here (':PORT' or 'PORT': on 127.0.0.1)"},
        {"http-timeout", 0, OPT_DOUBLE, &cfg->http_timeout, .metavar = "SECS",
         .help = "a request must arrive, and a keep-alive connection be used, within SECS",
         .def = "30", .min = 0.01, .max = 86400},
        {"http-max-header-bytes", 0, OPT_SIZE, &cfg->max_http_header, .metavar = "BYTES",
         .help = "largest request head (request line and headers; more: 431)", .def = "32K",
         .min = 256, .max = 1e8},
        {"max-batch-bytes", 0, OPT_SIZE, &cfg->max_http_batch, .metavar = "BYTES",
         .help = "largest body of POST /articles (JSON Lines; more: 413)", .def = "64M",
         .min = 64, .max = 4e9},
        {.kind = OPT_HEADING, .help = "TLS (off by default; on, for every listener):"},
        {"tls-cert", 0, OPT_STRING, &cfg->tls_cert, .metavar = "FILE",
         .help = "the server's certificate (PEM, its chain after it); with --tls-key"},
        {"tls-key", 0, OPT_STRING, &cfg->tls_key, .metavar = "FILE",
         .help = "the certificate's private key (PEM)"},
        {"tls-handshake-timeout", 0, OPT_DOUBLE, &cfg->tls_handshake_timeout, .metavar = "SECS",
         .help = "close a connection whose TLS handshake takes longer", .def = "10", .min = 0.001,
         .max = 3600},
        {"help", 'h', OPT_HELP, NULL, .help = "this text"},
        {0}};
    const opt_table t = {"leded", usage, specs, .epilog = epilog};
    cfg->busy_poll = -1; /* not given: default_busy_poll */
    int nwords;
    char err[LEDE_ERRLEN];
    switch (opt_parse(&t, argc, argv, &nwords, err)) {
    case OPT_OK: break;
    case OPT_HELP_ASKED: opt_help(stdout, &t); exit(EXIT_STOPPED);
    default: fprintf(stderr, "leded: %s (see leded --help)\n", err); return -1;
    }
    if (nwords > 0) {
        fprintf(stderr, "leded: unexpected argument '%s'\n", argv[1]);
        return -1;
    }
    if (!cfg->index) {
        fprintf(stderr, "leded: --index PATH is required\n");
        opt_help(stderr, &t);
        return -1;
    }
    if (cfg->workers == 0) cfg->workers = default_workers(cfg->index);
    if (cfg->busy_poll < 0) cfg->busy_poll = default_busy_poll(cfg->index);
    if (!cfg->tls_cert != !cfg->tls_key) {
        fprintf(stderr, "leded: --tls-cert and --tls-key go together (%s alone)\n",
                cfg->tls_cert ? "--tls-cert" : "--tls-key");
        return -1;
    }
    if (!cfg->listen && !cfg->socket_path) {
        fprintf(stderr, "leded: nothing to listen on (--listen none and no --socket)\n");
        return -1;
    }
    return 0;
}

/* The token is the file's first line, without surrounding white space;
 * flag names the option in messages. */
static char *read_token(const char *flag, const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "leded: --%s %s: %s\n", flag, path, strerror(errno));
        return NULL;
    }
    char line[1024] = "";
    if (!fgets(line, sizeof line, f)) line[0] = '\0';
    fclose(f);
    char *s = line, *e = line + strlen(line);
    while (*s && isspace((unsigned char)*s)) s++;
    while (e > s && isspace((unsigned char)e[-1])) e--;
    *e = '\0';
    if (strlen(s) < 8 || strchr(s, ' ') || strchr(s, '\t')) {
        fprintf(stderr, "leded: --%s %s: the token must be at least 8 characters, "
                "without spaces, on the first line\n", flag, path);
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 0077)) {
        if (!allow_readable_token) {
            fprintf(stderr, "leded: --%s %s: other users can read or write it (mode %03o);"
                    " make it yours alone with 'chmod 600 %s', or start with "
                    "--allow-readable-token\n", flag, path, (unsigned)(st.st_mode & 0777), path);
            return NULL;
        }
        fprintf(stderr, "leded: warning: %s can be read by other users (chmod 600 it)\n", path);
    }
    return lede_strdup(s);
}

int main(int argc, char **argv) {
    server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (parse_args(argc, argv, &cfg) != 0) return EXIT_FAILED;
    log_set_level(cfg.log_level);
    engine_set_split((engine_split)split_mode);
    if (fdlimit_fit(&cfg) != 0) return EXIT_FAILED;
    lede_keep_heap();
    char *token = NULL, *read = NULL;
    if (cfg.read_token) {
        if (!(read = read_token("read-token", cfg.read_token))) return EXIT_FAILED;
        cfg.read_token = read;
    }
    if (cfg.ingest_token) {
        if (!(token = read_token("ingest-token", cfg.ingest_token))) {
            free(read);
            return EXIT_FAILED;
        }
        cfg.ingest_token = token;
        int rc = server_run(&cfg) == 0 ? EXIT_STOPPED : EXIT_FAILED; /* the writer creates a missing index */
        free(token);
        free(read);
        return rc;
    }
    char **names;
    int n;
    char err[LEDE_ERRLEN];
    int rc = indexdir_read_live(cfg.index, &names, &n, err);
    if (rc != LEDE_OK) {
        fprintf(stderr, "leded: %s: %s\n", cfg.index,
                rc == LEDE_ENOTFOUND ? "not a lede index (build one with lede-index)" : err);
        free(read);
        return EXIT_FAILED;
    }
    indexdir_free_names(names, n);
    rc = server_run(&cfg) == 0 ? EXIT_STOPPED : EXIT_FAILED;
    free(read);
    return rc;
}
