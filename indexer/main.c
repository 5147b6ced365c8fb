/* main.c -- lede-index: command line, summary and exit status.  Parsing
 * options and printing belong here; the work is in build.c and, for the
 * inspection commands (--info, --show, --list, --check), in the core
 * library's reader API.  Must not write to the index itself. */
#define _GNU_SOURCE
#include "build.h"
#include "watch.h"
#include "../src/boiler.h"
#include "../src/date.h"
#include "../src/docstore.h"
#include "../src/engine.h"
#include "../src/indexdir.h"
#include "../src/options.h"
#include "../src/settings.h"
#include "../src/shards.h"
#include "../src/source.h"
#include "../src/util.h"

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
    "       lede-index --index PATH --shards N [options] SOURCE...\n"
    "       lede-index --index PATH --compact | --info | --check | --list\n"
    "       lede-index --index PATH --show ID [--field NAME]\n"
    "\n"
    "Builds or updates the lede index at PATH from SOURCEs: files, directories\n"
    "(walked recursively) or '-' for standard input.  Plain-text articles\n"
    "(*.txt) and JSON Lines (*.jsonl), either optionally gzip-compressed (.gz).\n"
    "Options may come before or after the SOURCEs; '--' ends them.\n"
    "\n";

static const char epilog[] =
    "\nExit status: 0 all articles went in, 1 some were skipped, 2 fatal error.\n";

typedef enum { CMD_BUILD, CMD_COMPACT, CMD_INFO, CMD_CHECK, CMD_LIST, CMD_SHOW } command;

typedef struct cli {
    build_opts o;
    command cmd;
    const char *show_id, *field;
} cli;

/* --show ID: the command and its article. */
static int parse_show(const char *v, void *dest, char *err) {
    (void)err;
    cli *c = dest;
    c->cmd = CMD_SHOW;
    c->show_id = v;
    return 0;
}

/* --ext EXT,...: checked here, matched by src_ext_wanted. */
static int parse_ext(const char *v, void *dest, char *err) {
    if (src_ext_check(v, err) != LEDE_OK) return LEDE_ERR;
    *(const char **)dest = v;
    return LEDE_OK;
}

/* --writer bulk|xapian (build_opts.bulk). */
/* The full builds' writer: the bulk path (issue 20), equal to the API path's (tests/sh/test_index_bulk.sh). */
#define LEDE_INDEX_DEFAULT_WRITER "bulk"

static int parse_writer(const char *v, void *dest, char *err) {
    int *bulk = dest;
    if (!strcmp(v, "bulk")) *bulk = 1;
    else if (!strcmp(v, "xapian")) *bulk = 0;
    else return lede_seterr(err, "neither 'bulk' nor 'xapian'");
    return LEDE_OK;
}

static int parse_args(int argc, char **argv, cli *c) {
    build_opts *o = &c->o;
    const opt_spec specs[] = {
        {"index", 'x', OPT_STRING, &o->index, .metavar = "PATH",
         .help = "index directory (created if missing)"},
        {"language", 'l', OPT_STRING, &o->language, .metavar = "LANG",
         .help = "Snowball stemmer (english, french, ...) or 'none'; fixed when the index is "
                 "created", .def_note = "the index's; a new index: english"},
        {"no-stopwords", 0, OPT_FLAG, &o->no_stopwords,
         .help = "index every word: a new English index leaves out about 50 function words (the, "
                 "of, ...)"},
        {"max-article-bytes", 0, OPT_SIZE, &o->max_article_bytes, .metavar = "N",
         .help = "skip articles larger than N bytes (K, M, G suffixes)", .def = "16M", .min = 1},
        {"no-delete", 0, OPT_FLAG, &o->no_delete, .help = "keep articles whose file disappeared"},
        {"keep-boilerplate", 0, OPT_FLAG, &o->keep_boilerplate,
         .help = "index every line: learn no boilerplate and leave none out"},
        {"ext", 0, OPT_CALL, &o->ext, .metavar = "EXT,...",
         .help = "under directory SOURCEs, also read files with these extensions (no dot) as "
                 "plain text: 'none' for names without an extension (mail and news spools), '*' "
                 "for every file (binary ones are skipped as binary)", .call = parse_ext},
        {"threads", 'j', OPT_INT, &o->threads, .metavar = "N",
         .help = "parts a full build writes in parallel and merges (not sharded)",
         .def_note = "number of cores", .min = 1, .max = 64},
        {"shards", 0, OPT_INT, &o->shards, .metavar = "N",
         .help = "make a new index of N shards, each article in the one its id hashes to, served "
                 "as one index (one writer thread a shard); an existing index keeps its count",
         .min = 1, .max = SHARDS_MAX},
        {"writer", 0, OPT_CALL, &o->bulk, .metavar = "KIND",
         .help = "how a full build of a new index writes its parts or shards: 'bulk' inverts "
                 "in memory-bounded runs and writes each part or shard whole at the end, 'xapian' "
                 "writes article by article through Xapian (incremental runs and --watch always do)",
         .def = LEDE_INDEX_DEFAULT_WRITER, .call = parse_writer},
        {"memory", 0, OPT_SIZE, &o->memory, .metavar = "SIZE",
         .help = "with --writer bulk: the build's memory, all parts or shards together: what "
                 "grows with the collection (posting runs, ids, spelling words) gets what the "
                 "program and its caches leave, at least half (K, M, G suffixes)",
         .def = "512M", .min = 1 << 20},
        {"pair-words", 0, OPT_UINT, &o->pair_words, .metavar = "N",
         .help = "a new index pairs up to N words in 1% of its first articles (pair terms: their "
                 "phrases read no positions) instead of its 128 common words alone; 0 or at least "
                 "128. Costs build time and size (1,024 at 500,000 articles: +32% CPU, +16% index)",
         .def = "0", .max = 65536},
        {"pair-min", 0, OPT_UINT, &o->pair_min, .metavar = "PPM",
         .help = "a new index pairs two adjacent words (pair terms: their phrases read no "
                 "positions) when the product of their shares of its first articles reaches PPM "
                 "per million: where a phrase of them would read positions in more articles "
                 "than that share (words in 0.5% of them, at most 2,048; the 128 common words "
                 "always pair); 0: off. Not with --pair-words",
         .def = "0", .max = 1000000},
        {"prefix-min", 0, OPT_UINT, &o->prefix_min, .metavar = "PPM",
         .help = "a new index (format 4 or later) gives each article a prefix term for each word prefix "
                 "(3 to 5 bytes) whose words' postings outnumber the articles holding one of "
                 "them by PPM per million of its first articles (at most 512 prefixes): a "
                 "wildcard of such a prefix reads that one posting list, not its words'; 0: off",
         .def = "0", .max = 1000000},
        {"batch", 0, OPT_UINT, &o->batch, .metavar = "N", .help = "articles per commit",
         .def = "5000", .min = 1, .max = 10000000, .flags = OPT_SUFFIX},
        {"watch", 'w', OPT_FLAG, &o->watch,
         .help = "after the pass, keep indexing what appears, changes or disappears under the "
                 "directory SOURCEs (inotify) until SIGINT/SIGTERM"},
        {"commit-interval", 0, OPT_DOUBLE, &o->commit_interval, .metavar = "S",
         .help = "watch: commit at least every S seconds while files keep arriving", .def = "0.25",
         .min = 0, .max = 3600, .flags = OPT_ABOVE_MIN},
        {"schema", 0, OPT_STRING, &o->schema, .metavar = "NAME:KIND,...",
         .help = "declare metadata fields (KIND keyword, number or date) where the data's first "
                 "values would not say: appended to the index's fields; a field it has with "
                 "another kind is an error"},
        {"compact", 0, OPT_SET, &c->cmd, .help = "rewrite the index compactly, in place",
         .value = CMD_COMPACT},
        {"info", 0, OPT_SET, &c->cmd, .help = "print what the index holds", .value = CMD_INFO},
        {"check", 0, OPT_SET, &c->cmd, .help = "verify the index's consistency",
         .value = CMD_CHECK},
        {"list", 0, OPT_SET, &c->cmd, .help = "print every article id", .value = CMD_LIST},
        {"show", 0, OPT_CALL, c, .metavar = "ID", .help = "print a stored article",
         .call = parse_show},
        {"field", 0, OPT_STRING, &c->field, .metavar = "NAME",
         .help = "with --show: only id, title, standfirst, body, author, url, date or meta, raw"},
        {"quiet", 'q', OPT_FLAG, &o->quiet, .help = "only warnings and errors"},
        {"verbose", 'v', OPT_FLAG, &o->verbose, .help = "also each commit and deleted file"},
        {"help", 'h', OPT_HELP, NULL, .help = "this text"},
        {0}};
    const opt_table t = {"lede-index", usage, specs, .epilog = epilog};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
    int nwords;
    char err[LEDE_ERRLEN];
    switch (opt_parse(&t, argc, argv, &nwords, err)) {
    case OPT_OK: break;
    case OPT_HELP_ASKED: opt_help(stdout, &t); exit(EXIT_ALL_IN);
    default: fprintf(stderr, "lede-index: %s (see lede-index --help)\n", err); return -1;
    }
    if (!o->index) {
        fprintf(stderr, "lede-index: --index PATH is required\n");
        opt_help(stderr, &t);
        return -1;
    }
    o->sources = (const char *const *)argv + 1;
    o->nsources = nwords;
    if (c->cmd == CMD_BUILD && o->nsources == 0 && !o->schema) {
        fprintf(stderr, "lede-index: no SOURCE given\n");
        opt_help(stderr, &t);
        return -1;
    }
    if (c->cmd != CMD_BUILD && o->nsources) {
        fprintf(stderr, "lede-index: SOURCEs make no sense with this command\n");
        return -1;
    }
    if (o->pair_words && o->pair_words < LEDE_INDEX_COMMON_MAX) {
        fprintf(stderr, "lede-index: --pair-words: 0 (the common words alone) or at least %d (the "
                "common words are always among them), not %u\n", LEDE_INDEX_COMMON_MAX, o->pair_words);
        return -1;
    }
    if (o->pair_words && o->pair_min) {
        fprintf(stderr, "lede-index: --pair-words and --pair-min choose the pairs two ways: give one\n");
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

/* Files under the directory SOURCEs that were not read, and how to read
 * them (a directory of extension-less news posts once gave "added 0,
 * skipped 0" and nothing else). */
static void print_ignored(const build_stats *st) {
    if (!st->ignored) return;
    printf("  ignored:    %" PRIu64 " file%s whose name%s no article format (*.txt, *.jsonl, "
           "*.ndjson, optionally .gz): ", st->ignored, st->ignored == 1 ? "" : "s",
           st->ignored == 1 ? " is" : "s are");
    for (uint64_t i = 0; i < st->ignored && i < BUILD_IGNORED_SHOWN; i++)
        printf("%s%s", i ? ", " : "", st->ignored_names[i]);
    printf("%s\n              (--ext EXT,... reads them as plain text; --ext none: names "
           "without an extension)\n", st->ignored > BUILD_IGNORED_SHOWN ? ", ..." : "");
}

/* The index's size, and against the input read when that says something
 * (a small input's index is mostly fixed overhead: "163988% of 0.0 MB"). */
static void print_size(const build_stats *st) {
    double mb = (double)st->bytes_read / 1e6;
    printf("  index size: %.1f MB", (double)st->index_bytes / 1e6);
    if (st->full_build && mb >= 1)
        printf(" (%.0f%% of the %.1f MB read)", 100.0 * (double)st->index_bytes /
               (double)st->bytes_read, mb);
    printf("\n");
}

static void print_summary(const build_stats *st, const char *what) {
    double mb = (double)st->bytes_read / 1e6;
    double secs = st->seconds > 0 ? st->seconds : 1e-9;
    uint64_t done = st->added + st->replaced;
    if (st->watched)
        printf("%s in %.2f s, then watched for %.2f s\n", what, st->first_pass_seconds,
               st->seconds - st->first_pass_seconds);
    else
        printf("%s in %.2f s\n", what, st->seconds);
    printf("  added:      %" PRIu64 "\n", st->added);
    printf("  replaced:   %" PRIu64 "\n", st->replaced);
    printf("  deleted:    %" PRIu64 "\n", st->deleted);
    printf("  unchanged:  %" PRIu64 "%s\n", st->unchanged, st->watched ? " (at the start)" : "");
    printf("  skipped:    %" PRIu64, build_skipped_total(st));
    const char *sep = " (";
    for (int r = 0; r < SKIP_NREASONS; r++) {
        if (!st->skipped[r]) continue;
        printf("%s%s %" PRIu64, sep, build_skip_name((skip_reason)r), st->skipped[r]);
        sep = ", ";
    }
    printf("%s\n", strcmp(sep, ", ") ? "" : ")");
    if (st->repaired) printf("  repaired:   %" PRIu64 " (invalid UTF-8)\n", st->repaired);
    print_ignored(st);
    printf("  articles:   %" PRIu64 " in the index\n", st->articles);
    if (!st->watched) /* a watch's rate is the rate files came at */
        printf("  speed:      %.0f articles/s, %.2f MB/s\n", (double)done / secs, mb / secs);
    print_size(st);
}

typedef struct reader_ctx {
    engine_reader *r;
    docstore *ds;              /* --list only: decodes each stored article */
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
    rc->ds = NULL;
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
    article a;
    article_init(&a);
    int r = engine_reader_get_article(rc.r, c->show_id, &a, err);
    if (r == LEDE_OK) {
        if (c->field) print_field(&a, c->field);
        else print_article(&a);
    }
    article_free(&a);
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
    rc.ds = docstore_new(rc.set.dict.data, rc.set.dict.len);
    int r = engine_reader_scan(rc.r, list_one, &rc, err);
    close_reader(&rc);
    return r == LEDE_OK ? LEDE_OK : LEDE_ERR;
}

/* A sharded index's shards: their article counts and databases. */
static void print_shards(const char *index, char **names, int n) {
    printf("shards: %d\n", n - 1);
    for (int i = 1; i < n; i++) {
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", index, names[i]);
        engine_reader *r;
        if (engine_reader_open(p.data, &r, NULL) == LEDE_OK) {
            printf("%s: %" PRIu64 " articles\n", names[i], engine_reader_doccount(r));
            engine_reader_close(r);
        } else {
            printf("%s: unreadable\n", names[i]);
        }
        sbuf_free(&p);
    }
}

/* The databases the stub lists, a sharded index's as front/db.N. */
static void print_databases(const char *index, char **names, int n) {
    printf("databases:");
    for (int i = 0; i < n; i++) {
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", index, names[i]);
        char **sub;
        int nsub;
        if (indexdir_read_live(p.data, &sub, &nsub, NULL) == LEDE_OK) {
            for (int j = 0; j < nsub; j++) printf(" %s/%s", names[i], sub[j]);
            indexdir_free_names(sub, nsub);
        } else {
            printf(" %s", names[i]);
        }
        sbuf_free(&p);
    }
    printf("\n");
}

/* The metadata fields: name, kind, origin, and how many articles have a
 * value in the field's slot (Xapian's value frequency: no scan). */
static void print_fields(engine_reader *r) {
    schema s;
    schema_init(&s);
    char err[LEDE_ERRLEN];
    if (engine_reader_schema(r, &s, err) != LEDE_OK) {
        printf("fields: unreadable (%s)\n", err);
        return;
    }
    printf("fields: %zu\n", s.n);
    for (size_t i = 0; i < s.n; i++)
        printf("field: %s %s %s %" PRIu64 " articles\n", s.fields[i].name,
               schema_kind_name(s.fields[i].kind), s.fields[i].declared ? "declared" : "inferred",
               engine_reader_value_count(r, schema_slot(i)));
    schema_free(&s);
}

/* One of engine_reader_boiler_list's lines (cut in place): source, its
 * articles, the block's articles, its text. */
static void print_block(char *line) {
    char *f[4] = {line, NULL, NULL, NULL};
    for (int k = 1; k < 4; k++) {
        char *tab = strchr(f[k - 1], '\t');
        if (!tab) return;
        *tab = '\0';
        f[k] = tab + 1;
    }
    printf("boilerplate block: %s: %s of %s articles: %s\n", *f[0] ? f[0] : "(collection)", f[2],
           f[1], f[3]);
}

/* The most frequent boilerplate blocks of each source (boiler.h). */
#define INFO_BLOCKS_PER_SOURCE 5
static void print_boilerplate(engine_reader *r) {
    sbuf text;
    sbuf_init(&text);
    char err[LEDE_ERRLEN];
    int off = engine_reader_meta_get(r, BOILER_META_KEY, &text, err) == LEDE_OK && text.len &&
              !strcmp(text.data, BOILER_OFF);
    sbuf_reset(&text);
    if (off) {
        printf("boilerplate: kept (--keep-boilerplate)\n");
    } else if (engine_reader_boiler_list(r, INFO_BLOCKS_PER_SOURCE, &text, err) != LEDE_OK) {
        printf("boilerplate: unreadable (%s)\n", err);
    } else {
        size_t blocks = 0;
        for (size_t i = 0; i < text.len; i++) blocks += text.data[i] == '\n';
        printf("boilerplate: %zu blocks listed (at most %d a source)\n", blocks,
               INFO_BLOCKS_PER_SOURCE);
        for (char *line = text.data; line && *line;) {
            char *end = strchr(line, '\n');
            *end = '\0';
            print_block(line);
            line = end + 1;
        }
    }
    sbuf_free(&text);
}

/* The number of space-separated words in list (the pair words and tier
 * words are too many to print). */
static size_t words_in(const char *list) {
    size_t n = 0;
    for (const char *p = list; *p; p++)
        if (*p != ' ' && (p == list || p[-1] == ' ')) n++;
    return n;
}

/* The items of a "lede.tiers" list that are prefix words' ("XWcomp=T"). */
static size_t prefix_tiers_in(const char *list) {
    size_t n = 0;
    for (const char *p = list; *p; p++)
        if ((p == list || p[-1] == ' ') && !strncmp(p, "XW", 2)) n++;
    return n;
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
    if (indexdir_shard_count(&ix) > 0) print_shards(c->o.index, names, n);
    printf("language: %s\n", set->stored & SETTINGS_LANGUAGE ? set->language : "?");
    printf("stopwords: %s\n", *set->stopwords ? set->stopwords : "none");
    printf("format: %s\n", set->stored & SETTINGS_FORMAT ? set->format : "?");
    if (*set->pivot) printf("pivot: %s\n", set->pivot);
    if (set->common.len) printf("common words: %s\n", set->common.data);
    if (set->pair_words.len && !strncmp(set->pair_words.data, "min=", 4))
        printf("pair words: %zu (by shares, %.*s ppm)\n", words_in(set->pair_words.data) - 1,
               (int)strcspn(set->pair_words.data, " "), set->pair_words.data);
    else if (set->pair_words.len) printf("pair words: %zu\n", words_in(set->pair_words.data));
    size_t prefix_tiers = set->tiers.len ? prefix_tiers_in(set->tiers.data) : 0;
    if (set->tiers.len) printf("tier words: %zu\n", words_in(set->tiers.data) - prefix_tiers);
    if (set->prefixes.len) printf("prefix words: %zu\n", words_in(set->prefixes.data));
    if (prefix_tiers) printf("prefix tiers: %zu\n", prefix_tiers);
    printf("folding: %s\n", *set->fold ? set->fold : "none (words as written)");
    if (set->dict.len)
        printf("dictionary: %zu bytes, hash %016" PRIx64 "\n", set->dict.len,
               lede_hash(set->dict.data, set->dict.len));
    engine_dup_stats dups;
    if (engine_reader_dup_groups(rc.r, &dups, err) != LEDE_OK) {
        close_reader(&rc);
        indexdir_free_names(names, n);
        return LEDE_ERR;
    }
    printf("near-duplicate groups: %" PRIu64 " (%" PRIu64 " articles, the largest %" PRIu64 ")\n",
           dups.groups, dups.grouped, dups.largest);
    printf("size: %" PRIu64 "\n", indexdir_size(&ix));
    print_databases(c->o.index, names, n);
    print_fields(rc.r);
    print_boilerplate(rc.r);
    close_reader(&rc);
    indexdir_free_names(names, n);
    return LEDE_OK;
}

/* Xapian's check of every database path's stub lists, following the
 * nested stubs of a sharded index; *count gets how many. */
static int check_dir(const char *path, int *count, char *err) {
    char **names;
    int n;
    int r = indexdir_read_live(path, &names, &n, err);
    if (r == LEDE_ENOTFOUND) return lede_seterr(err, "%s: not a lede index", path);
    for (int i = 0; r == LEDE_OK && i < n; i++) {
        sbuf p;
        sbuf_init(&p);
        sbuf_printf(&p, "%s/%s", path, names[i]);
        char **sub;
        int nsub;
        if (indexdir_read_live(p.data, &sub, &nsub, NULL) == LEDE_OK) {
            indexdir_free_names(sub, nsub);
            r = check_dir(p.data, count, err);
        } else {
            r = engine_check(p.data, err);
            (*count)++;
        }
        sbuf_free(&p);
    }
    indexdir_free_names(names, n);
    return r;
}

static int cmd_check(const cli *c, char *err) {
    int count = 0;
    int r = check_dir(c->o.index, &count, err);
    char **names;
    int n;
    if (r == LEDE_OK && indexdir_read_live(c->o.index, &names, &n, err) == LEDE_OK) {
        indexdir ix = {.path = (char *)c->o.index, .live = names, .nlive = n};
        if (indexdir_shard_count(&ix) != 0) r = shards_check(c->o.index, err);
        indexdir_free_names(names, n);
    }
    if (r == LEDE_OK) printf("ok: %d database(s) consistent\n", count);
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
        if (rc == LEDE_OK && c.o.quiet && st.ignored) /* -q: warnings only, and this is one */
            fprintf(stderr, "lede-index: ignored %" PRIu64 " file%s of no article format (first: "
                    "%s); --ext reads them as plain text\n", st.ignored, st.ignored == 1 ? "" : "s",
                    st.ignored_names[0]);
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
