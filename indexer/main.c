/* main.c -- lede-index: command line, summary and exit status.  Parsing
 * options and printing belong here; the work is in build.c and, for the
 * inspection commands (--info, --show, --list, --check), in the core
 * library's reader API. */
#define _GNU_SOURCE
#include "build.h"
#include "watch.h"
#include "../src/date.h"
#include "../src/docstore.h"
#include "../src/engine.h"
#include "../src/indexdir.h"
#include "../src/settings.h"
#include "../src/util.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_ALL_IN 0
#define EXIT_SOME_SKIPPED 1
#define EXIT_FATAL 2

static const char usage[] =
    "usage: lede-index --index PATH [options] SOURCE...\n"
    "       lede-index --index PATH --compact | --info | --check | --list\n"
    "       lede-index --index PATH --show ID [--field NAME]\n"
    "\n"
    "Builds or updates the lede index at PATH from SOURCEs: files, directories\n"
    "(walked recursively) or '-' for standard input.  Plain-text articles\n"
    "(*.txt) and JSON Lines (*.jsonl), either optionally gzip-compressed (.gz).\n"
    "\n"
    "  -x, --index PATH            index directory (created if missing)\n"
    "  -l, --language LANG         Snowball stemmer (english, french, ...) or\n"
    "                              'none'; fixed when the index is created\n"
    "      --no-stopwords          index every word: a new English index leaves\n"
    "                              out about 50 function words (the, of, ...)\n"
    "      --max-article-bytes N   skip articles larger than N (default 16 MiB)\n"
    "      --no-delete             keep articles whose file disappeared\n"
    "  -j, --threads N             shards built in parallel by a full build\n"
    "                              (default: number of cores)\n"
    "      --batch N               articles per commit (default 5000)\n"
    "  -w, --watch                 after the pass, keep indexing what appears,\n"
    "                              changes or disappears under the directory\n"
    "                              SOURCEs (inotify) until SIGINT/SIGTERM\n"
    "      --commit-interval S     watch: commit at least every S seconds while\n"
    "                              files keep arriving (default 0.25)\n"
    "      --compact               rewrite the index compactly, in place\n"
    "      --info                  print what the index holds\n"
    "      --check                 verify the index's consistency\n"
    "      --list                  print every article id\n"
    "      --show ID               print a stored article\n"
    "      --field NAME            with --show: only id, title, standfirst,\n"
    "                              body, author, url, date or meta, raw\n"
    "  -q, --quiet                 only warnings and errors\n"
    "  -v, --verbose               also each commit and deleted file\n"
    "  -h, --help                  this text\n"
    "\n"
    "Exit status: 0 all articles went in, 1 some were skipped, 2 fatal error.\n";

typedef enum { CMD_BUILD, CMD_COMPACT, CMD_INFO, CMD_CHECK, CMD_LIST, CMD_SHOW } command;

typedef struct cli {
    build_opts o;
    command cmd;
    const char *show_id, *field;
} cli;

static int parse_size(const char *s, size_t *out) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) return -1;
    if (*end == 'k' || *end == 'K') { v <<= 10; end++; }
    else if (*end == 'm' || *end == 'M') { v <<= 20; end++; }
    else if (*end == 'g' || *end == 'G') { v <<= 30; end++; }
    if (*end || v == 0) return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, cli *c) {
    enum { O_MAX = 256, O_NODEL, O_NOSTOP, O_BATCH, O_INTERVAL, O_COMPACT, O_INFO, O_CHECK, O_LIST,
           O_SHOW, O_FIELD };
    static const struct option longopts[] = {
        {"index", required_argument, 0, 'x'},
        {"language", required_argument, 0, 'l'},
        {"max-article-bytes", required_argument, 0, O_MAX},
        {"no-delete", no_argument, 0, O_NODEL},
        {"no-stopwords", no_argument, 0, O_NOSTOP},
        {"threads", required_argument, 0, 'j'},
        {"batch", required_argument, 0, O_BATCH},
        {"watch", no_argument, 0, 'w'},
        {"commit-interval", required_argument, 0, O_INTERVAL},
        {"compact", no_argument, 0, O_COMPACT},
        {"info", no_argument, 0, O_INFO},
        {"check", no_argument, 0, O_CHECK},
        {"list", no_argument, 0, O_LIST},
        {"show", required_argument, 0, O_SHOW},
        {"field", required_argument, 0, O_FIELD},
        {"quiet", no_argument, 0, 'q'},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    build_opts *o = &c->o;
    o->max_article_bytes = 16u << 20;
    o->batch = 5000;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
    int opt;
    size_t n;
    while ((opt = getopt_long(argc, argv, "x:l:j:wqvh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'x': o->index = optarg; break;
        case 'l': o->language = optarg; break;
        case O_MAX:
            if (parse_size(optarg, &o->max_article_bytes)) {
                fprintf(stderr, "lede-index: bad --max-article-bytes '%s'\n", optarg);
                return -1;
            }
            break;
        case O_NODEL: o->no_delete = 1; break;
        case O_NOSTOP: o->no_stopwords = 1; break;
        case 'j':
            o->threads = atoi(optarg);
            if (o->threads < 1 || o->threads > 64) {
                fprintf(stderr, "lede-index: --threads must be 1..64\n");
                return -1;
            }
            break;
        case O_BATCH:
            if (parse_size(optarg, &n) || n > 10000000) {
                fprintf(stderr, "lede-index: bad --batch '%s'\n", optarg);
                return -1;
            }
            o->batch = (unsigned)n;
            break;
        case 'w': o->watch = 1; break;
        case O_INTERVAL: {
            char *end;
            o->commit_interval = strtod(optarg, &end);
            if (*end || !(o->commit_interval > 0 && o->commit_interval <= 3600)) {
                fprintf(stderr, "lede-index: bad --commit-interval '%s' (seconds, 0 < S <= 3600)\n", optarg);
                return -1;
            }
            break;
        }
        case O_COMPACT: c->cmd = CMD_COMPACT; break;
        case O_INFO: c->cmd = CMD_INFO; break;
        case O_CHECK: c->cmd = CMD_CHECK; break;
        case O_LIST: c->cmd = CMD_LIST; break;
        case O_SHOW: c->cmd = CMD_SHOW; c->show_id = optarg; break;
        case O_FIELD: c->field = optarg; break;
        case 'q': o->quiet = 1; break;
        case 'v': o->verbose = 1; break;
        case 'h': fputs(usage, stdout); exit(EXIT_ALL_IN);
        default: fputs(usage, stderr); return -1;
        }
    }
    if (!o->index) {
        fprintf(stderr, "lede-index: --index PATH is required\n%s", usage);
        return -1;
    }
    o->sources = (const char *const *)argv + optind;
    o->nsources = argc - optind;
    if (c->cmd == CMD_BUILD && o->nsources == 0) {
        fprintf(stderr, "lede-index: no SOURCE given\n%s", usage);
        return -1;
    }
    if (c->cmd != CMD_BUILD && o->nsources) {
        fprintf(stderr, "lede-index: SOURCEs make no sense with this command\n");
        return -1;
    }
    if (o->language && !engine_language_ok(o->language)) {
        fprintf(stderr, "lede-index: unknown language '%s' (a Snowball stemmer "
                "name such as english, french, german, or 'none')\n", o->language);
        return -1;
    }
    o->progress = !o->quiet && isatty(2);
    return 0;
}

static void print_summary(const build_stats *st, const char *what) {
    double mb = (double)st->bytes_read / 1e6;
    double secs = st->seconds > 0 ? st->seconds : 1e-9;
    uint64_t done = st->added + st->replaced;
    printf("%s in %.2f s\n", what, st->seconds);
    printf("  added:      %" PRIu64 "\n", st->added);
    printf("  replaced:   %" PRIu64 "\n", st->replaced);
    printf("  deleted:    %" PRIu64 "\n", st->deleted);
    printf("  unchanged:  %" PRIu64 "\n", st->unchanged);
    printf("  skipped:    %" PRIu64, build_skipped_total(st));
    const char *sep = " (";
    for (int r = 0; r < SKIP_NREASONS; r++) {
        if (!st->skipped[r]) continue;
        printf("%s%s %" PRIu64, sep, build_skip_name((skip_reason)r), st->skipped[r]);
        sep = ", ";
    }
    printf("%s\n", strcmp(sep, ", ") ? "" : ")");
    if (st->repaired) printf("  repaired:   %" PRIu64 " (invalid UTF-8)\n", st->repaired);
    printf("  articles:   %" PRIu64 " in the index\n", st->articles);
    printf("  speed:      %.0f articles/s, %.2f MB/s\n", (double)done / secs, mb / secs);
    printf("  index size: %.1f MB", (double)st->index_bytes / 1e6);
    if (st->bytes_read && st->full_build)
        printf(" (%.0f%% of %.1f MB read)", 100.0 * (double)st->index_bytes /
               (double)st->bytes_read, mb);
    printf("\n");
}

typedef struct reader_ctx {
    engine_reader *r;
    docstore *ds;
    settings set;
} reader_ctx;

static int open_reader(const char *index, reader_ctx *rc, char *err) {
    if (engine_reader_open(index, &rc->r, err) != LEDE_OK) return LEDE_ERR;
    settings_init(&rc->set);
    if (settings_load_reader(&rc->set, rc->r, err) != LEDE_OK) {
        settings_free(&rc->set);
        engine_reader_close(rc->r);
        return LEDE_ERR;
    }
    rc->ds = docstore_new(rc->set.dict.data, rc->set.dict.len);
    return LEDE_OK;
}

static void close_reader(reader_ctx *rc) {
    docstore_free(rc->ds);
    settings_free(&rc->set);
    engine_reader_close(rc->r);
}

static void print_field(const article *a, const char *field) {
    const char *v = NULL;
    char date[32] = "";
    if (!strcmp(field, "id")) v = a->id;
    else if (!strcmp(field, "title")) v = a->title;
    else if (!strcmp(field, "standfirst")) v = a->standfirst;
    else if (!strcmp(field, "body")) v = a->body;
    else if (!strcmp(field, "author")) v = a->author;
    else if (!strcmp(field, "url")) v = a->url;
    else if (!strcmp(field, "meta")) v = a->meta;
    else if (!strcmp(field, "date") && a->has_date) date_format(a->date, date), v = date;
    if (v) fputs(v, stdout);
}

static void print_article(const article *a) {
    char date[32];
    printf("Id: %s\nTitle: %s\n", a->id ? a->id : "", a->title ? a->title : "");
    if (a->has_date) {
        date_format(a->date, date);
        printf("Date: %s\n", date);
    }
    if (a->author) printf("Author: %s\n", a->author);
    if (a->url) printf("URL: %s\n", a->url);
    if (a->meta) printf("Meta: %s\n", a->meta);
    printf("\n%s\n\n%s\n", a->standfirst ? a->standfirst : "", a->body ? a->body : "");
}

static int cmd_show(const cli *c, char *err) {
    reader_ctx rc;
    if (open_reader(c->o.index, &rc, err) != LEDE_OK) return LEDE_ERR;
    sbuf data;
    sbuf_init(&data);
    article a;
    article_init(&a);
    int r = engine_reader_get(rc.r, c->show_id, &data, err);
    if (r == LEDE_OK) r = docstore_decode(rc.ds, data.data, data.len, &a, err);
    if (r == LEDE_OK) {
        if (c->field) print_field(&a, c->field);
        else print_article(&a);
    }
    article_free(&a);
    sbuf_free(&data);
    close_reader(&rc);
    return r;
}

static int list_one(const char *data, size_t len, void *ctx) {
    reader_ctx *rc = ctx;
    article a;
    article_init(&a);
    char err[LEDE_ERRLEN];
    if (docstore_decode(rc->ds, data, len, &a, err) != LEDE_OK) {
        fprintf(stderr, "lede-index: %s\n", err);
        return LEDE_ERR;
    }
    printf("%s\n", a.id ? a.id : "");
    article_free(&a);
    return 0;
}

static int cmd_list(const cli *c, char *err) {
    reader_ctx rc;
    if (open_reader(c->o.index, &rc, err) != LEDE_OK) return LEDE_ERR;
    int r = engine_reader_scan(rc.r, list_one, &rc, err);
    close_reader(&rc);
    return r == LEDE_OK ? LEDE_OK : LEDE_ERR;
}

static int cmd_info(const cli *c, char *err) {
    char **names;
    int n;
    int r = indexdir_read_live(c->o.index, &names, &n, err);
    if (r == LEDE_ENOTFOUND) return lede_seterr(err, "%s: not a lede index", c->o.index);
    if (r != LEDE_OK) return r;
    reader_ctx rc;
    if (open_reader(c->o.index, &rc, err) != LEDE_OK) {
        indexdir_free_names(names, n);
        return LEDE_ERR;
    }
    const settings *set = &rc.set;
    indexdir ix = {.path = (char *)c->o.index, .live = names, .nlive = n};
    printf("articles: %" PRIu64 "\n", engine_reader_doccount(rc.r));
    printf("language: %s\n", set->stored & SETTINGS_LANGUAGE ? set->language : "?");
    printf("stopwords: %s\n", *set->stopwords ? set->stopwords : "none");
    printf("format: %s\n", set->stored & SETTINGS_FORMAT ? set->format : "?");
    if (*set->pivot) printf("pivot: %s\n", set->pivot);
    if (set->common.len) printf("common words: %s\n", set->common.data);
    printf("size: %" PRIu64 "\n", indexdir_size(&ix));
    printf("databases:");
    for (int i = 0; i < n; i++) printf(" %s", names[i]);
    printf("\n");
    close_reader(&rc);
    indexdir_free_names(names, n);
    return LEDE_OK;
}

static int cmd_check(const cli *c, char *err) {
    char **names;
    int n;
    int r = indexdir_read_live(c->o.index, &names, &n, err);
    if (r == LEDE_ENOTFOUND) return lede_seterr(err, "%s: not a lede index", c->o.index);
    for (int i = 0; r == LEDE_OK && i < n; i++) {
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", c->o.index, names[i]);
        r = engine_check(p.data, err);
        sbuf_free(&p);
    }
    if (r == LEDE_OK) printf("ok: %d database(s) consistent\n", n);
    indexdir_free_names(names, n);
    return r;
}

int main(int argc, char **argv) {
    cli c;
    memset(&c, 0, sizeof c);
    if (parse_args(argc, argv, &c) != 0) return EXIT_FATAL;
    char err[LEDE_ERRLEN] = "";
    build_stats st;
    int rc;
    switch (c.cmd) {
    case CMD_BUILD:
        if (c.o.watch) watch_catch_signals();
        rc = build_run(&c.o, &st, err);
        if (rc == LEDE_OK && !c.o.quiet) print_summary(&st, "indexed");
        if (rc == LEDE_OK) return build_skipped_total(&st) ? EXIT_SOME_SKIPPED : EXIT_ALL_IN;
        break;
    case CMD_COMPACT:
        rc = build_compact(c.o.index, c.o.verbose, &st, err);
        if (rc == LEDE_OK && !c.o.quiet)
            printf("compacted in %.2f s: %" PRIu64 " articles, %.1f MB\n", st.seconds,
                   st.articles, (double)st.index_bytes / 1e6);
        break;
    case CMD_INFO: rc = cmd_info(&c, err); break;
    case CMD_CHECK: rc = cmd_check(&c, err); break;
    case CMD_LIST: rc = cmd_list(&c, err); break;
    case CMD_SHOW: rc = cmd_show(&c, err); break;
    default: rc = LEDE_ERR;
    }
    if (rc == LEDE_OK) return EXIT_ALL_IN;
    fprintf(stderr, "lede-index: %s\n", err[0] ? err : "failed");
    if (rc == LEDE_ELOCKED && strstr(err, "leded"))
        fprintf(stderr, "lede-index: the daemon holds this index for ingest: send it the "
                "articles (ADD, PUT, DELETE; COMPACT to compact; docs/PROTOCOL.md), or stop it\n");
    return rc == LEDE_ENOTFOUND ? EXIT_SOME_SKIPPED : EXIT_FATAL;
}
