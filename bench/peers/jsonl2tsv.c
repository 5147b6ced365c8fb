/* jsonl2tsv.c -- Sphinx's data source in `make bench-peers`: reads a JSON
 * Lines collection (plain or .gz) and writes the tsvpipe stream that
 * bench/peers/sphinx.conf.in declares, one article a line:
 *   DOCID<TAB>TITLE<TAB>BODY<TAB>ID<TAB>DATE
 * DOCID counts from FIRST_DOCID, default 1 (Sphinx wants integers; the
 * parts of a distributed index, `make bench-shards`, each start where the
 * part before ends, since Sphinx merges agents' hits by DOCID), ID is the
 * collection's own id, DATE Unix seconds; tabs and line breaks in the text
 * become spaces.
 * usage: jsonl2tsv COLLECTION [FIRST_DOCID] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

static void tsv_put(const char *s, size_t len, FILE *out) {
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        putc_unlocked(c == '\t' || c == '\n' || c == '\r' ? ' ' : c, out);
    }
}

int main(int argc, char **argv) {
    unsigned long first = argc == 3 ? strtoul(argv[2], NULL, 10) : 1;
    if (argc < 2 || argc > 3 || first == 0) {
        fprintf(stderr, "usage: jsonl2tsv COLLECTION [FIRST_DOCID]\n");
        return 2;
    }
    jsonl_reader *r = jsonl_open(argv[1]);
    if (!r) return 2;
    jsonl_article a;
    unsigned long docid = first - 1;
    int rc;
    while ((rc = jsonl_next(r, &a)) == 1) {
        printf("%lu\t", ++docid);
        tsv_put(a.title, a.title_len, stdout);
        putc_unlocked('\t', stdout);
        tsv_put(a.text, a.text_len, stdout);
        putc_unlocked('\t', stdout);
        tsv_put(a.id, strlen(a.id), stdout);
        printf("\t%lld\n", (long long)a.date);
    }
    if (jsonl_skipped(r)) fprintf(stderr, "jsonl2tsv: %zu malformed lines skipped\n", jsonl_skipped(r));
    jsonl_close(r);
    return rc < 0 ? 1 : 0;
}
