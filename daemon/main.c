/* main.c -- leded: options and defaults; the work is in server.c (network)
 * pool.c (queries) and ingest.c (the writer). */
#define _GNU_SOURCE
#include "server.h"
#include "../src/indexdir.h"
#include "../src/protocol.h"
#include "../src/util.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: leded --index PATH [options]\n"
    "\n"
    "Serves ranked phrase and boolean search over lede's line protocol\n"
    "(docs/PROTOCOL.md).  Runs in the foreground; SIGTERM or SIGINT stops it\n"
    "after the replies in flight.\n"
    "\n"
    "  -x, --index PATH          the index (made by lede-index)\n"
    "  -l, --listen HOST:PORT    TCP address (default 127.0.0.1:7411; 'none': no TCP)\n"
    "  -s, --socket PATH         also (or only) listen on a Unix socket\n"
    "  -w, --workers N           query threads (default: number of cores)\n"
    "      --max-line BYTES      longest request line (default 65536)\n"
    "      --max-connections N   (default 1024)\n"
    "      --idle-timeout SECS   close connections idle this long (default 300; 0: never)\n"
    "      --max-output BYTES    reply bytes queued for one client before its\n"
    "                            requests wait (default 4194304)\n"
    "      --max-pipeline N      requests in flight per connection (default 128)\n"
    "      --max-queued N        queries waiting for a worker before BUSY (default 4096)\n"
    "      --query-timeout SECS  per-query time limit (default 10; 0: none)\n"
    "      --max-wildcard N      words a query's prefix* may expand to, together (default 1000)\n"
    "      --max-limit N         most hits one SEARCH returns (default 100)\n"
    "      --slow-query SECS     log queries slower than this (default 0.5)\n"
    "      --busy-poll-us N      while a query runs and a core is free, poll for\n"
    "                            up to N µs instead of sleeping (default 1000; 0: never)\n"
    "      --read-batch-us N     while queries wait for workers, read new requests\n"
    "                            at most every N µs, many at a time (default 1000; 0: at once)\n"
    "      --worker-spin-us N    a worker that runs out of queries waits up to N µs\n"
    "                            awake for the next before sleeping (default 100; 0: never)\n"
    "      --log-level LEVEL     error, warn, info (default) or debug\n"
    "\n"
    "Ingest (off by default; the daemon then holds the index's writer lock):\n"
    "      --ingest-token FILE   enable ADD/PUT/DELETE/COMMIT/COMPACT for\n"
    "                            connections that AUTH with the token in FILE\n"
    "                            (the index is created if missing)\n"
    "      --commit-interval S   commit pushed changes at least every S seconds\n"
    "                            (default 0.25)\n"
    "      --max-article-bytes N largest article a PUT may send (default 16777216)\n"
    "      --max-backlog N       ingest commands waiting before BUSY (default 10000)\n"
    "  -h, --help                this text\n";

static int parse_level(const char *s) {
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (!strcasecmp(s, names[i])) return i;
    return -1;
}

static int bad(const char *opt, const char *val) {
    fprintf(stderr, "leded: bad value for %s: '%s'\n", opt, val);
    return -1;
}

static int number(const char *opt, const char *val, double min, double *out) {
    char *end;
    double v = strtod(val, &end);
    if (end == val || *end || v < min) return bad(opt, val);
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, server_config *cfg) {
    enum { O_LINE = 256, O_CONNS, O_IDLE, O_OUT, O_PIPE, O_QUEUE, O_QT, O_SLOW, O_LOG, O_WILD,
           O_TOKEN, O_COMMIT, O_ARTICLE, O_BACKLOG, O_MAXLIM, O_POLL, O_SPIN, O_BATCH };
    static const struct option longopts[] = {
        {"index", required_argument, 0, 'x'},
        {"listen", required_argument, 0, 'l'},
        {"socket", required_argument, 0, 's'},
        {"workers", required_argument, 0, 'w'},
        {"max-line", required_argument, 0, O_LINE},
        {"max-connections", required_argument, 0, O_CONNS},
        {"idle-timeout", required_argument, 0, O_IDLE},
        {"max-output", required_argument, 0, O_OUT},
        {"max-pipeline", required_argument, 0, O_PIPE},
        {"max-queued", required_argument, 0, O_QUEUE},
        {"query-timeout", required_argument, 0, O_QT},
        {"max-wildcard", required_argument, 0, O_WILD},
        {"max-limit", required_argument, 0, O_MAXLIM},
        {"slow-query", required_argument, 0, O_SLOW},
        {"busy-poll-us", required_argument, 0, O_POLL},
        {"worker-spin-us", required_argument, 0, O_SPIN},
        {"read-batch-us", required_argument, 0, O_BATCH},
        {"log-level", required_argument, 0, O_LOG},
        {"ingest-token", required_argument, 0, O_TOKEN},
        {"commit-interval", required_argument, 0, O_COMMIT},
        {"max-article-bytes", required_argument, 0, O_ARTICLE},
        {"max-backlog", required_argument, 0, O_BACKLOG},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->listen = "127.0.0.1:7411";
    cfg->workers = cores > 0 ? (int)cores : 2;
    cfg->max_line = 65536;
    cfg->max_connections = 1024;
    cfg->idle_timeout = 300;
    cfg->max_output = 4u << 20;
    cfg->max_pipeline = 128;
    cfg->max_queued = 4096;
    cfg->query_timeout = 10;
    cfg->max_wildcard = 1000;
    cfg->max_limit = PROTO_MAX_LIMIT;
    cfg->slow_query = 0.5;
    cfg->busy_poll = 0.001;
    cfg->worker_spin = 0.0001;
    cfg->read_batch = 0.001;
    cfg->log_level = 2;
    cfg->commit_interval = 0.25;
    cfg->max_article = 16u << 20;
    cfg->max_backlog = 10000;
    int opt;
    double v;
    while ((opt = getopt_long(argc, argv, "x:l:s:w:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'x': cfg->index = optarg; break;
        case 'l': cfg->listen = strcmp(optarg, "none") ? optarg : NULL; break;
        case 's': cfg->socket_path = optarg; break;
        case 'w':
            if (number("--workers", optarg, 1, &v) || v > 256) return bad("--workers", optarg);
            cfg->workers = (int)v;
            break;
        case O_LINE:
            if (number("--max-line", optarg, 16, &v)) return -1;
            cfg->max_line = (size_t)v;
            break;
        case O_CONNS:
            if (number("--max-connections", optarg, 1, &v)) return -1;
            cfg->max_connections = (int)v;
            break;
        case O_IDLE:
            if (number("--idle-timeout", optarg, 0, &cfg->idle_timeout)) return -1;
            break;
        case O_OUT:
            if (number("--max-output", optarg, 1024, &v)) return -1;
            cfg->max_output = (size_t)v;
            break;
        case O_PIPE:
            if (number("--max-pipeline", optarg, 1, &v)) return -1;
            cfg->max_pipeline = (int)v;
            break;
        case O_QUEUE:
            if (number("--max-queued", optarg, 1, &v)) return -1;
            cfg->max_queued = (int)v;
            break;
        case O_QT:
            if (number("--query-timeout", optarg, 0, &cfg->query_timeout)) return -1;
            break;
        case O_WILD:
            if (number("--max-wildcard", optarg, 1, &v)) return -1;
            cfg->max_wildcard = (unsigned)v;
            break;
        case O_MAXLIM:
            if (number("--max-limit", optarg, 1, &v) || v > 100000) return bad("--max-limit", optarg);
            cfg->max_limit = (unsigned)v;
            break;
        case O_SLOW:
            if (number("--slow-query", optarg, 0, &cfg->slow_query)) return -1;
            break;
        case O_POLL:
            if (number("--busy-poll-us", optarg, 0, &v) || v > 1e6) return bad("--busy-poll-us", optarg);
            cfg->busy_poll = v / 1e6;
            break;
        case O_BATCH:
            if (number("--read-batch-us", optarg, 0, &v) || v > 1e6) return bad("--read-batch-us", optarg);
            cfg->read_batch = v / 1e6;
            break;
        case O_SPIN:
            if (number("--worker-spin-us", optarg, 0, &v) || v > 1e6) return bad("--worker-spin-us", optarg);
            cfg->worker_spin = v / 1e6;
            break;
        case O_LOG:
            if ((cfg->log_level = parse_level(optarg)) < 0) return bad("--log-level", optarg);
            break;
        case O_TOKEN: cfg->ingest_token = optarg; break; /* the file, read later */
        case O_COMMIT:
            if (number("--commit-interval", optarg, 0.001, &cfg->commit_interval)) return -1;
            break;
        case O_ARTICLE:
            if (number("--max-article-bytes", optarg, 64, &v) || v > 1e9) return bad("--max-article-bytes", optarg);
            cfg->max_article = (size_t)v;
            break;
        case O_BACKLOG:
            if (number("--max-backlog", optarg, 1, &v)) return -1;
            cfg->max_backlog = (int)v;
            break;
        case 'h': fputs(usage, stdout); exit(0);
        default: fputs(usage, stderr); return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "leded: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!cfg->index) {
        fprintf(stderr, "leded: --index PATH is required\n%s", usage);
        return -1;
    }
    if (!cfg->listen && !cfg->socket_path) {
        fprintf(stderr, "leded: nothing to listen on (--listen none and no --socket)\n");
        return -1;
    }
    return 0;
}

/* The token is the file's first line, without surrounding white space. */
static char *read_token(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "leded: --ingest-token %s: %s\n", path, strerror(errno));
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
        fprintf(stderr, "leded: --ingest-token %s: the token must be at least 8 characters, "
                "without spaces, on the first line\n", path);
        return NULL;
    }
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 0077))
        fprintf(stderr, "leded: warning: %s can be read by other users (chmod 600 it)\n", path);
    return lede_strdup(s);
}

int main(int argc, char **argv) {
    server_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (parse_args(argc, argv, &cfg) != 0) return 2;
    lede_keep_heap();
    char *token = NULL;
    if (cfg.ingest_token) {
        if (!(token = read_token(cfg.ingest_token))) return 2;
        cfg.ingest_token = token;
        int rc = server_run(&cfg) == 0 ? 0 : 1; /* the writer creates a missing index */
        free(token);
        return rc;
    }
    char **names;
    int n;
    char err[LEDE_ERRLEN];
    int rc = indexdir_read_live(cfg.index, &names, &n, err);
    if (rc != LEDE_OK) {
        fprintf(stderr, "leded: %s: %s\n", cfg.index,
                rc == LEDE_ENOTFOUND ? "not a lede index (build one with lede-index)" : err);
        return 2;
    }
    indexdir_free_names(names, n);
    return server_run(&cfg) == 0 ? 0 : 1;
}
