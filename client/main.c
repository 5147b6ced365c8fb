/* main.c -- lede, the command-line client: one-shot searches, `lede get
 * ID`, `lede stats`, or an interactive prompt.  Exit status like grep:
 * 0 something found, 1 nothing found, 2 an error. */
#define _GNU_SOURCE
#include "conn.h"
#include "render.h"
#include "repl.h"
#include "../src/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_FOUND 0
#define EXIT_NONE 1
#define EXIT_ERROR 2

static const char usage[] =
    "usage: lede [options] QUERY...      search\n"
    "       lede [options] get ID        print an article\n"
    "       lede [options] similar ID [QUERY...]  articles like article ID\n"
    "                                    (QUERY, if given, filters them)\n"
    "       lede [options] stats         server and index figures\n"
    "       lede [options] -i            interactive prompt (also: no QUERY on a terminal)\n"
    "\n"
    "Options may come before or after the words; '--' ends them (then a\n"
    "query word may begin with '-').  After the first word, '-word' is a\n"
    "query word (NOT word) unless it is exactly one of the short options.\n"
    "\n";

static const char epilog[] = "\nExit status: 0 found, 1 nothing found, 2 error.\n";

enum { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
static const char *const color_choices[] = {"auto", "always", "never", NULL};

typedef struct options {
    const char *addr;
    search_settings s;
    int count, json, interactive, color;
    int tls;
    ctls_opts tls_opts;
} options;

/* Returns 0, or -1 with the message printed; --help prints and exits. */
static int parse_args(int argc, char **argv, options *o, int *nwords) {
    const opt_spec specs[] = {
        {"connect", 'c', OPT_STRING, &o->addr, .metavar = "ADDR",
         .help = "HOST:PORT or a Unix socket path",
         .def_note = "$LEDE_CONNECT, else 127.0.0.1:7411"},
        {"limit", 'n', OPT_UINT, &o->s.limit, .metavar = "N",
         .help = "hits per page (the server gives at most 100, and says so; 0: the total, and "
                 "--facets, without hits)", .def = "10", .max = 1000000000},
        {"offset", 'o', OPT_UINT, &o->s.offset, .metavar = "N", .help = "skip the first N hits",
         .def = "0", .max = 100000000},
        {"sort", 0, OPT_STRING, &o->s.sort, .metavar = "ORDER",
         .help = "relevance; date (newest first); a metadata field, largest first (words, "
                 "section, ...); add :asc for smallest or oldest first", .def_note = "relevance"},
        {"any", 0, OPT_FLAG, &o->s.any, .help = "match any word instead of all"},
        {"facets", 0, OPT_STRING, &o->s.facets, .metavar = "LIST",
         .help = "count the matches' values of these fields and dates, after the hits: "
                 "NAME[:N],... (year, month, day: date histograms)"},
        {"collapse", 0, OPT_STRING, &o->s.collapse, .metavar = "dup|FIELD",
         .help = "one hit per near-duplicate group (dup) or per value of FIELD"},
        {"dups", 0, OPT_FLAG, &o->s.dups,
         .help = "similar: show the article's near-duplicates too, flagged"},
        {"count", 0, OPT_FLAG, &o->count, .help = "print only the exact number of matches"},
        {"json", 0, OPT_FLAG, &o->json, .help = "print the server's JSON reply"},
        {"raw", 0, OPT_FLAG, &o->s.view.raw,
         .help = "get: the article as it came in, its boilerplate lines too"},
        {"color", 0, OPT_ENUM, &o->color, .help = "colour and highlighted matches: auto is on a "
         "terminal unless NO_COLOR is set", .def = "auto", .choices = color_choices},
        {"interactive", 'i', OPT_FLAG, &o->interactive,
         .help = "prompt with line editing and history"},
        {"tls", 0, OPT_FLAG, &o->tls,
         .help = "speak TLS (a leded started with --tls-cert), checking the server's certificate"},
        {"tls-ca", 0, OPT_STRING, &o->tls_opts.ca, .metavar = "FILE",
         .help = "trust the CA certificates in FILE (PEM) instead of the system's; implies --tls"},
        {"tls-insecure", 0, OPT_FLAG, &o->tls_opts.insecure,
         .help = "accept any certificate, unchecked (testing only); implies --tls"},
        {"help", 'h', OPT_HELP, NULL, .help = "this text"},
        {0}};
    const opt_table t = {"lede", usage, specs, .epilog = epilog, .dash_words = 1};
    const char *env = getenv("LEDE_CONNECT");
    o->addr = env && *env ? env : "127.0.0.1:7411";
    char err[LEDE_ERRLEN];
    switch (opt_parse(&t, argc, argv, nwords, err)) {
    case OPT_OK: break;
    case OPT_HELP_ASKED: opt_help(stdout, &t); exit(EXIT_FOUND);
    default: fprintf(stderr, "lede: %s (see lede --help)\n", err); return -1;
    }
    if (o->count && o->s.facets) {
        fprintf(stderr, "lede: --facets counts a search's matches; --count prints one number "
                "(see lede --help)\n");
        return -1;
    }
    return 0;
}

static char *join_args(int argc, char **argv) {
    sbuf b;
    sbuf_init(&b);
    for (int i = 0; i < argc; i++) {
        if (i) sbuf_putc(&b, ' ');
        sbuf_puts(&b, argv[i]);
    }
    return sbuf_detach(&b);
}

static int is_error(const reply *r) {
    return strncmp(r->lines[0], "OK", 2) != 0 && r->lines[0][0] != '{';
}

/* JSON mode: switch the connection, then print the one-line reply. */
static int json_request(lconn *c, const char *line, char *err) {
    reply r;
    if (lconn_request(c, "FORMAT json", 0, 1, &r, err) != LEDE_OK) return EXIT_ERROR;
    reply_free(&r);
    if (lconn_request(c, line, 1, 1, &r, err) != LEDE_OK) return EXIT_ERROR;
    puts(r.lines[0]);
    int status = strstr(r.lines[0], "\"ok\":false") ? EXIT_ERROR
               : strstr(r.lines[0], "\"hits\":[]") || strstr(r.lines[0], "\"total\":0,") ||
                         strstr(r.lines[0], "\"total\":0}") ? EXIT_NONE : EXIT_FOUND;
    reply_free(&r);
    return status;
}

/* How a command's OK reply is shown. */
typedef enum show_kind { SHOW_HITS, SHOW_COUNT, SHOW_ARTICLE, SHOW_LINES } show_kind;

/* Prints an OK reply; returns the exit status it means. */
static int show_reply(const options *o, const reply *r, show_kind show) {
    if (show == SHOW_COUNT) {
        unsigned long long n = strtoull(r->lines[0] + strlen("OK COUNT "), NULL, 10);
        printf("%llu\n", n);
        return n ? EXIT_FOUND : EXIT_NONE;
    }
    if (show == SHOW_ARTICLE) {
        render_article(stdout, &o->s.view, r);
        return EXIT_FOUND;
    }
    if (show == SHOW_LINES) {
        render_lines(stdout, r);
        return EXIT_FOUND;
    }
    hitlist h = {0};
    render_search(stdout, &o->s.view, r, &h);
    int status = h.total ? EXIT_FOUND : EXIT_NONE;
    hitlist_free(&h);
    return status;
}

/* One request, shown as show says: every command goes through here.
 * ERR NOTFOUND (get, similar of an unknown id) is "nothing found". */
static int run_request(lconn *c, const options *o, const char *line, show_kind show, char *err) {
    if (o->json) return json_request(c, line, err);
    reply r;
    if (lconn_request(c, line, show != SHOW_COUNT, 0, &r, err) != LEDE_OK) return EXIT_ERROR;
    int status;
    if (is_error(&r)) {
        fprintf(stderr, "lede: %s\n", r.lines[0]);
        status = strncmp(r.lines[0], "ERR NOTFOUND", 12) ? EXIT_ERROR : EXIT_NONE;
    } else {
        status = show_reply(o, &r, show);
    }
    reply_free(&r);
    return status;
}

/* The words (options taken out) as one request line and how to show its
 * reply: get ID, similar ID [QUERY...], stats, else a search. */
static show_kind command_line(const options *o, int argc, char **argv, sbuf *line) {
    if (argc == 2 && !strcmp(argv[0], "get")) {
        sbuf_printf(line, "GET %s", argv[1]);
        return SHOW_ARTICLE;
    }
    if (argc >= 2 && !strcmp(argv[0], "similar")) {
        char *filter = join_args(argc - 2, argv + 2);
        similar_line(line, &o->s, argv[1], filter);
        free(filter);
        return SHOW_HITS;
    }
    if (argc == 1 && !strcmp(argv[0], "stats")) {
        sbuf_puts(line, "STATS");
        return SHOW_LINES;
    }
    char *query = join_args(argc, argv);
    if (o->count) sbuf_printf(line, "COUNT -- %s", query);
    else search_line(line, &o->s, query);
    free(query);
    return o->count ? SHOW_COUNT : SHOW_HITS;
}

/* --color: always, never, or auto (a terminal, and NO_COLOR unset or
 * empty: https://no-color.org). */
static int use_color(int choice) {
    if (choice == COLOR_ALWAYS) return 1;
    if (choice == COLOR_NEVER) return 0;
    const char *no = getenv("NO_COLOR");
    return isatty(1) && !(no && *no);
}

int main(int argc, char **argv) {
    options o;
    memset(&o, 0, sizeof o);
    int nwords;
    if (parse_args(argc, argv, &o, &nwords) != 0) return EXIT_ERROR;
    o.s.view.color = use_color(o.color);
    o.s.view.width = isatty(1) ? render_terminal_width(1) : 0;
    argc = nwords; /* the words, options taken out */
    argv += 1;
    if (argc == 0 && isatty(0) && !o.count && !o.json) o.interactive = 1;
    if (argc == 0 && !o.interactive) {
        fprintf(stderr, "lede: no query (see lede --help)\n");
        return EXIT_ERROR;
    }
    lconn c;
    char err[LEDE_ERRLEN] = "";
    int tls = o.tls || o.tls_opts.ca || o.tls_opts.insecure;
    if (lconn_open(&c, o.addr, 30, tls ? &o.tls_opts : NULL, err) != LEDE_OK) {
        /* A TLS failure needs no hint: the server answered. */
        fprintf(stderr, "lede: %s%s\n", err, strncmp(err, "TLS", 3) ? " (is leded running?)" : "");
        return EXIT_ERROR;
    }
    int status;
    if (o.interactive) {
        status = repl_run(&c, &o.s);
    } else {
        sbuf line;
        sbuf_init(&line);
        show_kind show = command_line(&o, argc, argv, &line);
        status = run_request(&c, &o, line.data, show, err);
        sbuf_free(&line);
    }
    if (err[0]) fprintf(stderr, "lede: %s\n", err);
    lconn_close(&c);
    return status;
}
