/* fuzz_query.c -- libFuzzer target: the query front end.  Bytes as a
 * query string through qsyntax_check (src/qsyntax.c) and engine_search on
 * a small index the fuzzer builds at start in a temporary directory (the
 * engine's query parser, rewrite, wildcards, search, snippets, spelling).
 * An input with a NUL byte is not a query (proto_parse refuses it) and is
 * skipped.  Built by `make fuzz` only. */
#define _GNU_SOURCE
#include "../../src/docstore.h"
#include "../../src/engine.h"
#include "../../src/qsyntax.h"
#include "../../src/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static engine_reader *reader;
static char dir[] = "/tmp/lede-fuzz-query.XXXXXX";

static const char *const texts[][3] = {
    {"a1", "Drought hits the northern farms", "Farmers said the drought was the worst in forty years."},
    {"a2", "Rovers win the cup final", "Northbridge Rovers beat the holders two goals to one."},
    {"a3", "Interest rates held", "The bank of England kept interest rates at five per cent."},
    {"a4", "Harbour master retires", "The harbour master, Elena Marsh, retires after thirty years."},
    {"a5", "Quill makers revive a craft", "Quills and quillwork return to the market stalls of the town."},
};

static void die(const char *what, const char *err) {
    fprintf(stderr, "fuzz_query: %s: %s\n", what, err);
    exit(1);
}

static void cleanup(void) {
    if (reader) engine_reader_close(reader);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_query: could not remove %s\n", dir);
}

static void build_index(const char *path) {
    char err[LEDE_ERRLEN];
    engine_writer *w;
    if (engine_writer_open(path, 1, 1, &w, err) != LEDE_OK) die("writer", err);
    if (engine_writer_meta_set(w, "lede.language", "english", 7, err) != LEDE_OK ||
        engine_writer_configure(w, "english", NULL, 0, err) != LEDE_OK)
        die("configure", err);
    docstore *ds = docstore_new(NULL, 0);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        article a;
        article_init(&a);
        a.id = lede_strdup(texts[i][0]);
        a.title = lede_strdup(texts[i][1]);
        a.standfirst = lede_strdup("");
        a.body = lede_strdup(texts[i][2]);
        a.has_date = 1;
        a.date = 1400000000 + (int64_t)i * 86400;
        sbuf blob;
        sbuf_init(&blob);
        uint64_t hash;
        int outcome;
        if (docstore_encode(ds, &a, &blob, &hash, err) != LEDE_OK ||
            engine_writer_put(w, &a, NULL, hash, blob.data, blob.len, &outcome, err) != LEDE_OK)
            die("put", err);
        sbuf_free(&blob);
        article_free(&a);
    }
    docstore_free(ds);
    if (engine_writer_close(w, err) != LEDE_OK) die("close", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (!mkdtemp(dir)) die("mkdtemp", dir);
    atexit(cleanup);
    char path[64], err[LEDE_ERRLEN];
    snprintf(path, sizeof path, "%s/db", dir);
    build_index(path);
    if (engine_reader_open(path, &reader, err) != LEDE_OK) die("reader", err);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096 || memchr(data, 0, size)) return 0;
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    char err[LEDE_ERRLEN];
    qsyntax_check(q, err);
    search_opts o = {.query = q, .limit = 5, .snippet_len = 80,
                     .max_wildcard = 50, .any = size & 1, .sort_date = (size >> 1) & 1};
    search_results res;
    memset(&res, 0, sizeof res);
    if (engine_search(reader, &o, &res, err) == LEDE_OK && res.nhits > 5) abort();
    search_results_free(&res);
    sbuf s;
    sbuf_init(&s);
    search_opts so = {.query = q};
    engine_suggest(reader, &so, &s, err);
    sbuf_free(&s);
    free(q);
    return 0;
}
