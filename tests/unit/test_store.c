/* test_store.c -- stored article round trip (src/docstore.c) and an
 * undated article's arrival date (docstore_encode_arrival), the
 * file-backed id set (src/idset.c) and streaming input (src/source.c). */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/docstore.h"
#include "../../src/idset.h"
#include "../../src/source.h"
#include "../../src/util.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static void fill(article *a) {
    article_init(a);
    a->id = lede_strdup("business/001.txt");
    a->title = lede_strdup("Caf\xC3\xA9 owners \xE2\x80\x9Cwary\xE2\x80\x9D");
    a->standfirst = lede_strdup("Prices rose.");
    a->body = lede_strdup("Line one.\n\nLine two with \xE2\x82\xAC.");
    a->author = lede_strdup("Z\xC3\xB6\xC3\xAB");
    a->meta = lede_strdup("{\"topics\":[\"x\"]}");
    a->date = -5;
    a->has_date = 1;
}

static void test_roundtrip(const char *dict, size_t dictlen, const char *what) {
    article a, b;
    fill(&a);
    article_init(&b);
    docstore *ds = docstore_new(dict, dictlen);
    sbuf blob;
    sbuf_init(&blob);
    uint64_t h1, h2;
    char err[LEDE_ERRLEN];
    CHECK(docstore_encode(ds, &a, &blob, &h1, err) == LEDE_OK, "%s: encode", what);
    CHECK(blob.data[0] == 'L' && blob.data[1] == 2, "%s: magic and version", what);
    article h;
    article_init(&h);
    CHECK(docstore_decode_head(blob.data, blob.len, &h, err) == LEDE_OK, "%s: head alone", what);
    CHECK_STR(h.id, a.id, "%s: head has the id", what);
    CHECK_STR(h.title, a.title, "%s: head has the headline", what);
    CHECK(h.has_date && h.date == -5 && h.body == NULL, "%s: head has the date, not the body", what);
    article_free(&h);
    CHECK(docstore_decode(ds, blob.data, blob.len, &b, err) == LEDE_OK, "%s: decode", what);
    CHECK_STR(b.id, a.id, "%s: id", what);
    CHECK_STR(b.title, a.title, "%s: title byte for byte", what);
    CHECK_STR(b.standfirst, a.standfirst, "%s: standfirst", what);
    CHECK_STR(b.body, a.body, "%s: body byte for byte", what);
    CHECK_STR(b.author, a.author, "%s: author", what);
    CHECK_STR(b.url, NULL, "%s: absent url stays absent", what);
    CHECK_STR(b.meta, a.meta, "%s: metadata", what);
    CHECK(b.has_date && b.date == -5, "%s: date", what);
    docstore_encode(ds, &a, &blob, &h2, err);
    CHECK(h1 == h2, "%s: fingerprint stable", what);
    free(a.body);
    a.body = lede_strdup("changed");
    docstore_encode(ds, &a, &blob, &h2, err);
    CHECK(h1 != h2, "%s: fingerprint changes with the body", what);
    blob.data[blob.len / 2] ^= 0x55;
    article c;
    article_init(&c);
    CHECK(docstore_decode(ds, blob.data, blob.len, &c, err) == LEDE_ERR, "%s: corruption detected", what);
    CHECK(docstore_decode(ds, "Lx", 2, &c, err) == LEDE_ERR, "%s: short data rejected", what);
    article_free(&a);
    article_free(&b);
    article_free(&c);
    sbuf_free(&blob);
    docstore_free(ds);
}

static void test_dict_required(void) {
    const char dict[] = "owners wary prices rose line one line two";
    article a, b;
    fill(&a);
    article_init(&b);
    docstore *with = docstore_new(dict, sizeof dict - 1), *without = docstore_new(NULL, 0);
    sbuf blob;
    sbuf_init(&blob);
    char err[LEDE_ERRLEN];
    docstore_encode(with, &a, &blob, NULL, err);
    CHECK(docstore_decode(without, blob.data, blob.len, &b, err) == LEDE_ERR,
          "dictionary-compressed data needs the dictionary");
    const char other_dict[] = "another dictionary entirely, of other words";
    docstore *other = docstore_new(other_dict, sizeof other_dict - 1);
    CHECK(docstore_decode(other, blob.data, blob.len, &b, err) == LEDE_ERR,
          "another dictionary is refused");
    docstore_free(other);
    /* The dictionary stream is inflated without zlib's wrapper: every
     * damaged or cut copy must still fail cleanly, never decode wrongly. */
    int bad_ok = 0, cut_ok = 0, tries = 0;
    for (size_t i = 0; i < blob.len; i++) {
        sbuf copy;
        sbuf_init(&copy);
        sbuf_append(&copy, blob.data, blob.len);
        copy.data[i] ^= 0x01;
        article c;
        article_init(&c);
        int rc = docstore_decode(with, copy.data, copy.len, &c, err);
        /* a flipped bit in the uncompressed head can decode: the head is
         * not checksummed; the compressed part must not */
        if (rc == LEDE_ERR || (c.body && !strcmp(c.body, a.body))) bad_ok++;
        article_free(&c);
        article_init(&c);
        if (docstore_decode(with, blob.data, i, &c, err) == LEDE_ERR) cut_ok++;
        article_free(&c);
        sbuf_free(&copy);
        tries++;
    }
    CHECK(bad_ok == tries, "every flipped bit is caught or harmless (%d of %d)", bad_ok, tries);
    CHECK(cut_ok == tries, "every truncation is refused (%d of %d)", cut_ok, tries);
    article_init(&b);
    CHECK(docstore_decode(with, blob.data, blob.len, &b, err) == LEDE_OK &&
          !strcmp(b.body, a.body), "the dictionary stream decodes after all that");
    article_free(&a);
    article_free(&b);
    sbuf_free(&blob);
    docstore_free(with);
    docstore_free(without);
}

/* zlib's own wrapped stream of the tail (deflateInit2 at level, a window
 * of wbits and memLevel 6, the dictionary set), which docstore.c's copied
 * raw stream and hand-made wrapper must match byte for byte: the stored
 * article is what zlib itself makes with those parameters (issue 20).  The
 * tail is read back with plain inflate, whose window of 15 bits reads any. */
static int same_as_zlib(const sbuf *blob, const char *dict, size_t dictlen, int level, int wbits) {
    size_t at = docstore_head_size(blob->data, blob->len);
    const unsigned char *z = (const unsigned char *)blob->data + at;
    size_t zn = blob->len - at;
    sbuf tail;
    sbuf_init(&tail);
    sbuf_reserve(&tail, 1 << 20);
    z_stream in;
    memset(&in, 0, sizeof in);
    inflateInit(&in);
    in.next_in = (Bytef *)z;
    in.avail_in = (uInt)zn;
    in.next_out = (Bytef *)tail.data;
    in.avail_out = 1 << 20;
    int zr = inflate(&in, Z_FINISH);
    if (zr == Z_NEED_DICT) {
        inflateSetDictionary(&in, (const Bytef *)dict, (uInt)dictlen);
        zr = inflate(&in, Z_FINISH);
    }
    tail.len = (1 << 20) - in.avail_out;
    inflateEnd(&in);
    z_stream def;
    memset(&def, 0, sizeof def);
    deflateInit2(&def, level, Z_DEFLATED, wbits, 6, Z_DEFAULT_STRATEGY);
    if (dictlen) deflateSetDictionary(&def, (const Bytef *)dict, (uInt)dictlen);
    unsigned char *want = malloc(deflateBound(&def, tail.len) + 16);
    def.next_in = (Bytef *)tail.data;
    def.avail_in = (uInt)tail.len;
    def.next_out = want;
    def.avail_out = (uInt)deflateBound(&def, tail.len) + 16;
    int dr = deflate(&def, Z_FINISH);
    size_t wn = def.total_out;
    deflateEnd(&def);
    int same = zr == Z_STREAM_END && dr == Z_STREAM_END && wn == zn && !memcmp(want, z, zn);
    free(want);
    sbuf_free(&tail);
    return same;
}

/* n bytes of words drawn by a small generator from seed: text whose
 * matches vary in length and distance, where zlib's levels differ. */
static void fill_words(char *out, size_t n, unsigned seed) {
    static const char *const words[] = {"owners", "rose", "wary", "prices", "the", "market",
                                        "said", "shares", "of", "bank", "rates", "cut",
                                        "pct", "in", "march", "ministry", "oil", "a"};
    size_t at = 0;
    while (at < n) {
        seed = seed * 1103515245u + 12345u;
        const char *w = words[(seed >> 16) % (sizeof words / sizeof *words)];
        for (size_t i = 0; w[i] && at < n; i++) out[at++] = w[i];
        if (at < n) out[at++] = (seed >> 8) % 11 ? ' ' : '\n';
    }
    out[n] = '\0';
}

static void test_zlib_bytes(const char *dict, size_t dictlen, int level, int wbits,
                            const char *what) {
    docstore *ds = docstore_new(dict, dictlen);
    sbuf blob;
    sbuf_init(&blob);
    char err[LEDE_ERRLEN];
    const size_t sizes[] = {0, 1, 50, 3000, 200000, 40, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        article a;
        fill(&a);
        free(a.body);
        a.body = malloc(sizes[k] + 1);
        fill_words(a.body, sizes[k], (unsigned)k + 1);
        CHECK(docstore_encode(ds, &a, &blob, NULL, err) == LEDE_OK, "%s: encode %zu", what, sizes[k]);
        CHECK(same_as_zlib(&blob, dict, dictlen, level, wbits),
              "%s: a body of %zu bytes stored as zlib's own stream", what, sizes[k]);
        article b;
        article_init(&b);
        CHECK(docstore_decode(ds, blob.data, blob.len, &b, err) == LEDE_OK && !strcmp(b.body, a.body),
              "%s: a body of %zu bytes decodes", what, sizes[k]);
        article_free(&b);
        article_free(&a);
    }
    sbuf_free(&blob);
    docstore_free(ds);
}

/* The dictionary is the first DOCSTORE_DICT_MAX bytes of the articles'
 * tails, the part that is compressed against it: no id, headline or date. */
static void test_dict_builder(void) {
    docstore_dict_builder b;
    docstore_dict_init(&b);
    article a;
    fill(&a);
    int full = 0, added = 0;
    while (!full) {
        full = docstore_dict_add(&b, &a);
        added++;
    }
    CHECK(b.text.len == DOCSTORE_DICT_MAX && DOCSTORE_DICT_MAX == 32768,
          "dictionary: 32 KB gathered (%zu bytes, %d articles)", b.text.len, added);
    CHECK(memmem(b.text.data, b.text.len, a.id, strlen(a.id)) == NULL &&
              memmem(b.text.data, b.text.len, a.title, strlen(a.title)) == NULL,
          "dictionary: no id or headline");
    CHECK(b.text.data[0] == 's' && memmem(b.text.data, 64, a.standfirst, strlen(a.standfirst)),
          "dictionary: starts with the first article's tail");
    CHECK(docstore_dict_add(&b, &a) == 1 && b.text.len == DOCSTORE_DICT_MAX,
          "dictionary: full stays full");
    article_free(&a);
    docstore_dict_free(&b);
}

/* An undated article encoded with its arrival date: stored as the dated
 * one is, fingerprinted as the undated one is; a dated one as without it. */
static void test_arrival_date(void) {
    article a, dated, b;
    fill(&a);
    a.has_date = 0;
    dated = a;
    dated.has_date = 1;
    dated.date = 1700000000;
    docstore *ds = docstore_new(NULL, 0);
    sbuf blob, want;
    sbuf_init(&blob);
    sbuf_init(&want);
    uint64_t h, h_undated, h_dated;
    char err[LEDE_ERRLEN];
    CHECK(docstore_encode_arrival(ds, &a, 1700000000, &blob, &h, err) == LEDE_OK, "arrival: encode");
    docstore_encode(ds, &a, &want, &h_undated, err);
    CHECK(h == h_undated, "arrival: the fingerprint is the undated article's");
    docstore_encode(ds, &dated, &want, &h_dated, err);
    CHECK(h != h_dated, "... not the dated one's");
    CHECK(blob.len == want.len && !memcmp(blob.data, want.data, blob.len),
          "arrival: the stored bytes are the dated article's");
    article_init(&b);
    CHECK(docstore_decode(ds, blob.data, blob.len, &b, err) == LEDE_OK && b.has_date &&
              b.date == 1700000000 && !strcmp(b.body, a.body),
          "arrival: decodes with the arrival date");
    article_free(&b);
    CHECK(docstore_encode_arrival(ds, &dated, 5, &blob, &h, err) == LEDE_OK && h == h_dated &&
              blob.len == want.len && !memcmp(blob.data, want.data, blob.len),
          "arrival: a dated article keeps its own date and fingerprint");
    article_free(&a);
    sbuf_free(&blob);
    sbuf_free(&want);
    docstore_free(ds);
}

static void test_idset(void) {
    char err[LEDE_ERRLEN];
    idset *s = idset_new(err);
    CHECK(s != NULL, "idset created");
    for (uint64_t i = 0; i < 10000; i++) idset_add(s, i * 7919 + 3);
    CHECK(idset_seal(s, err) == LEDE_OK, "idset sealed");
    CHECK(idset_count(s) == 10000, "idset count");
    CHECK(idset_has(s, 3) && idset_has(s, 9999 * 7919 + 3), "idset finds members");
    CHECK(!idset_has(s, 4) && !idset_has(s, 0), "idset rejects non-members");
    idset_free(s);
    s = idset_new(err);
    idset_seal(s, err);
    CHECK(!idset_has(s, 1), "empty idset has nothing");
    idset_free(s);
}

static void write_gz(const char *path, const char *text, size_t cut) {
    gzFile g = gzopen(path, "wb");
    gzwrite(g, text, (unsigned)strlen(text));
    gzclose(g);
    if (cut) {
        FILE *f = fopen(path, "r+");
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        if (ftruncate(fileno(f), n - (long)cut) != 0) perror("ftruncate");
        fclose(f);
    }
}

static void test_source_gz(void) {
    char dir[] = "/tmp/lede-unit-XXXXXX";
    if (!mkdtemp(dir)) return;
    char path[64];
    snprintf(path, sizeof path, "%s/a.jsonl.gz", dir);
    write_gz(path, "{\"id\":1}\r\n\n{\"id\":2}\nlast", 0);
    src_reader *r;
    char err[LEDE_ERRLEN];
    CHECK(src_open(path, &r, err) == LEDE_OK, "open gz");
    sbuf line;
    sbuf_init(&line);
    int too_long;
    CHECK(src_read_line(r, 100, &line, &too_long, err) == 1 && !strcmp(line.data, "{\"id\":1}"),
          "first line, CR stripped");
    CHECK(src_read_line(r, 100, &line, &too_long, err) == 1 && line.len == 0, "empty line");
    CHECK(src_read_line(r, 4, &line, &too_long, err) == 1 && too_long && line.len == 0,
          "over-long line flagged and dropped");
    CHECK(src_read_line(r, 100, &line, &too_long, err) == 1 && !strcmp(line.data, "last"),
          "last line without newline");
    CHECK(src_read_line(r, 100, &line, &too_long, err) == 0, "end of stream");
    src_close(r);

    char big[20000];
    for (size_t i = 0; i < sizeof big - 1; i++) big[i] = (char)('a' + (i * 7) % 26);
    big[sizeof big - 1] = '\0';
    write_gz(path, big, 12);
    src_open(path, &r, err);
    sbuf_reset(&line);
    CHECK(src_read_all(r, 1 << 20, &line, err) == LEDE_ERR, "truncated gzip is an error");
    CHECK(strstr(err, "truncated") != NULL, "truncated gzip says so: %s", err);
    src_close(r);

    snprintf(path, sizeof path, "%s/b.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("plain text", f);
    fclose(f);
    src_open(path, &r, err);
    sbuf_reset(&line);
    CHECK(src_read_all(r, 5, &line, err) == LEDE_ESKIP, "size limit enforced");
    src_close(r);
    src_open(path, &r, err);
    sbuf_reset(&line);
    CHECK(src_read_all(r, 100, &line, err) == LEDE_OK && !strcmp(line.data, "plain text"),
          "plain files pass through zlib untouched");
    CHECK(src_content_hash(r) == lede_hash("plain text", 10), "content hash of the bytes read");
    src_close(r);
    CHECK(src_format_of("x.jsonl.gz") == SRC_JSONL && src_format_of("a.txt") == SRC_TEXT &&
          src_format_of("a.txt.gz") == SRC_TEXT && src_format_of("README") == -1,
          "formats from names");
    sbuf_free(&line);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) perror("rm");
}

int main(void) {
    test_roundtrip(NULL, 0, "no dictionary");
    test_roundtrip("Caf owners wary Prices rose Line one two", 40, "with dictionary");
    test_dict_required();
    test_zlib_bytes(NULL, 0, 6, 14, "zlib bytes, no dictionary");
    test_zlib_bytes("Caf owners wary Prices rose Line one two", 40, 6, 14,
                    "zlib bytes, with dictionary");
    char *big = malloc(DOCSTORE_DICT_MAX + 1), *small = malloc(8192 + 1);
    fill_words(big, DOCSTORE_DICT_MAX, 99);
    fill_words(small, 8192, 98);
    test_zlib_bytes(big, DOCSTORE_DICT_MAX, 2, 15, "zlib bytes, a 32 KB dictionary");
    test_zlib_bytes(small, 8192, 6, 14, "zlib bytes, an older index's 8 KB dictionary");
    free(big);
    free(small);
    test_dict_builder();
    test_arrival_date();
    test_idset();
    test_source_gz();
    return unit_exit();
}
