/* docstore.c -- encoding and decoding of stored articles (format in
 * docstore.h).  Each docstore object keeps its streams and reuses them
 * between articles, so a writer thread compresses without allocating.
 * Bytes in, bytes out: no file I/O, no engine.
 *
 * Encoding writes zlib's wrapper itself (header, dictionary id, adler32
 * trailer) around a raw deflate stream copied for each article from one
 * primed with the dictionary (deflateCopy): zlib's own way hashed all 8 KB
 * of the dictionary into the stream again for every article, a third of
 * the cost of storing a Reuters article (issue 20).  The copy is the
 * window, its hash chains, the hash table and the pending buffer, whatever
 * the article's size; so the window is the smallest that reaches the
 * whole dictionary (16 KiB for one of 8 KB, 32 KiB above) and memLevel 6
 * (8,192 hash heads, 4,096 symbols a block): 96 KiB a copy instead of
 * zlib's default 256 KiB, 0.15 -> 0.05 CPU s a Reuters build, and the
 * stored text 17 bytes larger of 7.8 MB (bench/results/index.md, 2026-12-06
 * 20:00).  The bytes are the ones deflateInit2(level, that window,
 * memLevel 6) and deflateSetDictionary make (tests/unit/test_store.c
 * compares them).
 *
 * The level follows the dictionary (deflate_level): an index made since
 * 2026-12-06 has 32 KB of its first articles' tails, against which level 2
 * stores Reuters' text in as many bytes as level 6 did against the older
 * 8 KB of heads and tails, for 0.6x the CPU; an older index keeps level 6,
 * so that what its writers add does not grow. */
#include "docstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DOCSTORE_MAGIC 'L'
#define DOCSTORE_VERSION 2
#define DOCSTORE_FLAG_DICT 1

#define DEFLATE_LEVEL_SMALL_DICT 6 /* no dictionary, or one of 8 KB or less */
#define DEFLATE_LEVEL_LARGE_DICT 2
#define DEFLATE_SMALL_DICT 8192
#define DEFLATE_MEMLEVEL 6
#define DEFLATE_LOOKAHEAD 262 /* zlib's MIN_LOOKAHEAD: a match reaches back a window less this */
#define RECYCLED_BLOCKS 12

/* zlib's allocations for the primed stream and its copies: a copy asks
 * for the same sizes in the same order each time and frees them all at
 * its deflateEnd, so blocks are kept and handed out again. */
typedef struct {
    void *block[RECYCLED_BLOCKS];
    size_t size[RECYCLED_BLOCKS];
    int in_use[RECYCLED_BLOCKS];
} recycler;

struct docstore {
    z_stream primed, def, inf, raw;
    int primed_ok, inf_ok, raw_ok;
    recycler blocks;
    char *dict;
    size_t dictlen;
    uLong dict_adler;           /* the dictionary's id in a zlib header */
    int wbits;                  /* the window: 14 or 15 bits (window_bits) */
    int level;                  /* deflate_level */
    sbuf head, payload;
};

/* The smallest window from which every match can reach the whole
 * dictionary; not below 16 KiB, which keeps an article's own matches. */
static int window_bits(size_t dictlen) {
    return dictlen + DEFLATE_LOOKAHEAD <= (1u << 14) ? 14 : 15;
}

static int deflate_level(size_t dictlen) {
    return dictlen > DEFLATE_SMALL_DICT ? DEFLATE_LEVEL_LARGE_DICT : DEFLATE_LEVEL_SMALL_DICT;
}

docstore *docstore_new(const char *dict, size_t dictlen) {
    docstore *ds = lede_calloc(1, sizeof *ds);
    ds->wbits = window_bits(dict ? dictlen : 0);
    ds->level = deflate_level(dict ? dictlen : 0);
    if (dict && dictlen) {
        ds->dict = lede_strndup(dict, dictlen);
        ds->dictlen = dictlen;
        ds->dict_adler = adler32(adler32(0L, Z_NULL, 0), (const Bytef *)dict, (uInt)dictlen);
    }
    sbuf_init(&ds->head);
    sbuf_init(&ds->payload);
    ds->inf_ok = inflateInit(&ds->inf) == Z_OK;
    ds->raw_ok = inflateInit2(&ds->raw, -MAX_WBITS) == Z_OK;
    return ds;
}

static voidpf recycled_alloc(voidpf opaque, uInt items, uInt size) {
    recycler *r = opaque;
    size_t want = (size_t)items * size;
    int empty = -1;
    for (int i = 0; i < RECYCLED_BLOCKS; i++) {
        if (r->in_use[i]) continue;
        if (r->block[i] && r->size[i] == want) {
            r->in_use[i] = 1;
            return r->block[i];
        }
        if (!r->block[i] && empty < 0) empty = i;
    }
    if (empty < 0) return Z_NULL; /* zlib asks five a stream: the primed one and a copy */
    r->block[empty] = malloc(want);
    if (!r->block[empty]) return Z_NULL;
    r->size[empty] = want;
    r->in_use[empty] = 1;
    return r->block[empty];
}

static void recycled_free(voidpf opaque, voidpf p) {
    recycler *r = opaque;
    for (int i = 0; i < RECYCLED_BLOCKS; i++)
        if (r->block[i] == p) r->in_use[i] = 0;
}

/* The stream every article's is copied from, made at the first encode:
 * readers never pay for it. */
static int prime(docstore *ds) {
    if (ds->primed_ok) return 1;
    memset(&ds->primed, 0, sizeof ds->primed);
    ds->primed.zalloc = recycled_alloc;
    ds->primed.zfree = recycled_free;
    ds->primed.opaque = &ds->blocks;
    if (deflateInit2(&ds->primed, ds->level, Z_DEFLATED, -ds->wbits, DEFLATE_MEMLEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    if (ds->dictlen &&
        deflateSetDictionary(&ds->primed, (const Bytef *)ds->dict, (uInt)ds->dictlen) != Z_OK) {
        deflateEnd(&ds->primed);
        return 0;
    }
    ds->primed_ok = 1;
    return 1;
}

void docstore_free(docstore *ds) {
    if (!ds) return;
    if (ds->primed_ok) deflateEnd(&ds->primed);
    for (int i = 0; i < RECYCLED_BLOCKS; i++) free(ds->blocks.block[i]);
    if (ds->inf_ok) inflateEnd(&ds->inf);
    if (ds->raw_ok) inflateEnd(&ds->raw);
    free(ds->dict);
    sbuf_free(&ds->head);
    sbuf_free(&ds->payload);
    free(ds);
}

static void put_varint(sbuf *b, uint64_t v) {
    unsigned char tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    sbuf_append(b, tmp, n);
}

static int get_varint(const unsigned char **p, const unsigned char *end,
                      uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return 0;
}

static void put_field(sbuf *b, char tag, const char *s) {
    if (!s) return;
    size_t n = strlen(s);
    sbuf_putc(b, tag);
    put_varint(b, n);
    sbuf_append(b, s, n);
}

/* The date field, the head's last (docstore_encode_arrival appends it
 * after hashing the head without it). */
static void put_date(sbuf *b, int64_t date) {
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)date);
    put_field(b, 'd', num);
}

static void head_fields(const article *a, sbuf *out) {
    sbuf_reset(out);
    put_field(out, 'i', a->id);
    put_field(out, 't', a->title);
    if (a->has_date) put_date(out, a->date);
}

static void tail_fields(const article *a, sbuf *out) {
    sbuf_reset(out);
    put_field(out, 's', a->standfirst);
    put_field(out, 'b', a->body);
    put_field(out, 'a', a->author);
    put_field(out, 'u', a->url);
    put_field(out, 'm', a->meta);
}

static void put_be16(sbuf *b, unsigned v) {
    unsigned char p[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    sbuf_append(b, p, 2);
}

static void put_be32(sbuf *b, uLong v) {
    put_be16(b, (unsigned)(v >> 16) & 0xffff);
    put_be16(b, (unsigned)v & 0xffff);
}

/* RFC 1950's header as deflateInit2 writes it: method and window,
 * the level's flag, the dictionary flag and id when there is one, the check
 * bits making the first two bytes a multiple of 31. */
static void put_zlib_header(const docstore *ds, sbuf *out) {
    unsigned level_flag = ds->level < 2 ? 0 : ds->level < 6 ? 1 : ds->level == 6 ? 2 : 3;
    unsigned header = (Z_DEFLATED + ((unsigned)(ds->wbits - 8) << 4)) << 8 | level_flag << 6;
    if (ds->dictlen) header |= 0x20;
    header += 31 - header % 31;
    put_be16(out, header);
    if (ds->dictlen) put_be32(out, ds->dict_adler);
}

/* The payload as one raw deflate stream from a copy of the primed one,
 * appended to out. */
static int deflate_payload(docstore *ds, sbuf *out, char *err) {
    if (deflateCopy(&ds->def, &ds->primed) != Z_OK)
        return lede_seterr(err, "zlib deflate failed (out of memory)");
    uLong bound = deflateBound(&ds->def, (uLong)ds->payload.len);
    sbuf_reserve(out, bound);
    ds->def.next_in = (Bytef *)ds->payload.data;
    ds->def.avail_in = (uInt)ds->payload.len;
    ds->def.next_out = (Bytef *)out->data + out->len;
    ds->def.avail_out = (uInt)bound;
    int zr = deflate(&ds->def, Z_FINISH);
    uLong made = bound - ds->def.avail_out;
    deflateEnd(&ds->def);
    if (zr != Z_STREAM_END) return lede_seterr(err, "zlib deflate failed");
    out->len += made;
    return LEDE_OK;
}

/* Encodes a, dated *arrival when it is undated and arrival is given; *hash
 * (when asked) is a's as given, made before the arrival date is added. */
static int encode(docstore *ds, const article *a, const int64_t *arrival, sbuf *out, uint64_t *hash,
                  char *err) {
    if (!prime(ds)) return lede_seterr(err, "zlib deflate unavailable");
    head_fields(a, &ds->head);
    tail_fields(a, &ds->payload);
    if (hash) {
        uint64_t h = lede_hash_update(LEDE_HASH_INIT, ds->head.data, ds->head.len);
        *hash = lede_hash_final(lede_hash_update(h, ds->payload.data, ds->payload.len));
    }
    if (arrival && !a->has_date) put_date(&ds->head, *arrival);
    sbuf_reset(out);
    unsigned char magic[3] = {DOCSTORE_MAGIC, DOCSTORE_VERSION,
                              ds->dictlen ? DOCSTORE_FLAG_DICT : 0};
    sbuf_append(out, magic, 3);
    put_varint(out, ds->head.len);
    sbuf_append(out, ds->head.data, ds->head.len);
    put_zlib_header(ds, out);
    if (deflate_payload(ds, out, err) != LEDE_OK) return LEDE_ERR;
    put_be32(out, adler32(adler32(0L, Z_NULL, 0), (const Bytef *)ds->payload.data,
                          (uInt)ds->payload.len));
    out->data[out->len] = '\0';
    return LEDE_OK;
}

int docstore_encode(docstore *ds, const article *a, sbuf *out, uint64_t *hash, char *err) {
    return encode(ds, a, NULL, out, hash, err);
}

int docstore_encode_arrival(docstore *ds, const article *a, int64_t arrival, sbuf *out,
                            uint64_t *hash, char *err) {
    return encode(ds, a, &arrival, out, hash, err);
}

static uLong get_be32(const unsigned char *p) {
    return (uLong)p[0] << 24 | (uLong)p[1] << 16 | (uLong)p[2] << 8 | (uLong)p[3];
}

/* A zlib stream made against this docstore's dictionary, inflated as raw
 * deflate after its header: zlib's own way checks the dictionary's id by
 * summing all of it (8 or 32 KB) for every article read, which was as much work
 * as inflating the article.  The id is compared with the sum made once,
 * and the output's checksum still checked.  Returns 1 when done (*rc says
 * how), 0 when the stream is not of that kind. */
static int inflate_dict_stream(docstore *ds, const unsigned char *p, size_t n,
                               sbuf *out, int *rc, char *err) {
    if (!ds->raw_ok || !ds->dictlen || n < 10 || (p[0] & 0x0f) != Z_DEFLATED ||
        ((unsigned)p[0] << 8 | p[1]) % 31 != 0 || !(p[1] & 0x20) ||
        get_be32(p + 2) != ds->dict_adler)
        return 0;
    size_t start = out->len;
    inflateReset(&ds->raw);
    inflateSetDictionary(&ds->raw, (const Bytef *)ds->dict, (uInt)ds->dictlen);
    ds->raw.next_in = (Bytef *)p + 6;
    ds->raw.avail_in = (uInt)(n - 6);
    int zr;
    do {
        sbuf_reserve(out, 4 * n + 256);
        ds->raw.next_out = (Bytef *)out->data + out->len;
        ds->raw.avail_out = (uInt)(out->cap - out->len - 1);
        uInt before = ds->raw.avail_out;
        zr = inflate(&ds->raw, Z_NO_FLUSH);
        out->len += before - ds->raw.avail_out;
    } while (zr == Z_OK || (zr == Z_BUF_ERROR && ds->raw.avail_in > 0));
    out->data[out->len] = '\0';
    if (zr != Z_STREAM_END || ds->raw.avail_in < 4) {
        *rc = zr == Z_BUF_ERROR || zr == Z_STREAM_END
                  ? lede_seterr(err, "truncated stored article")
                  : lede_seterr(err, "corrupt stored article (zlib: %s)",
                                ds->raw.msg ? ds->raw.msg : "error");
        return 1;
    }
    uLong sum = adler32(adler32(0L, Z_NULL, 0), (const Bytef *)out->data + start,
                        (uInt)(out->len - start));
    *rc = sum == get_be32(ds->raw.next_in) ? LEDE_OK
                                           : lede_seterr(err, "corrupt stored article (checksum)");
    return 1;
}

static int inflate_all(docstore *ds, const unsigned char *p, size_t n,
                       sbuf *out, char *err) {
    int rc;
    if (inflate_dict_stream(ds, p, n, out, &rc, err)) return rc;
    inflateReset(&ds->inf);
    ds->inf.next_in = (Bytef *)p;
    ds->inf.avail_in = (uInt)n;
    for (;;) {
        sbuf_reserve(out, 4 * n + 256);
        ds->inf.next_out = (Bytef *)out->data + out->len;
        ds->inf.avail_out = (uInt)(out->cap - out->len - 1);
        uInt before = ds->inf.avail_out;
        int zr = inflate(&ds->inf, Z_NO_FLUSH);
        out->len += before - ds->inf.avail_out;
        if (zr == Z_NEED_DICT) {
            if (!ds->dictlen ||
                inflateSetDictionary(&ds->inf, (const Bytef *)ds->dict,
                                     (uInt)ds->dictlen) != Z_OK)
                return lede_seterr(err, "stored article needs the index dictionary");
            continue;
        }
        if (zr == Z_STREAM_END) break;
        if (zr != Z_OK && zr != Z_BUF_ERROR)
            return lede_seterr(err, "corrupt stored article (zlib: %s)",
                               ds->inf.msg ? ds->inf.msg : "error");
        if (zr == Z_BUF_ERROR && ds->inf.avail_in == 0)
            return lede_seterr(err, "truncated stored article");
    }
    out->data[out->len] = '\0';
    return LEDE_OK;
}

static char **field_slot(article *a, char tag) {
    switch (tag) {
    case 'i': return &a->id;
    case 't': return &a->title;
    case 's': return &a->standfirst;
    case 'b': return &a->body;
    case 'a': return &a->author;
    case 'u': return &a->url;
    case 'm': return &a->meta;
    }
    return NULL;
}

static int parse_fields(const unsigned char *p, const unsigned char *end,
                        article *a, char *err) {
    while (p < end) {
        char tag = (char)*p++;
        uint64_t n;
        if (!get_varint(&p, end, &n) || n > (uint64_t)(end - p))
            return lede_seterr(err, "corrupt stored article (field '%c')", tag);
        char **slot = field_slot(a, tag);
        if (slot) {
            free(*slot);
            *slot = lede_strndup((const char *)p, (size_t)n);
        } else if (tag == 'd') {
            char num[32];
            size_t k = n < sizeof num - 1 ? (size_t)n : sizeof num - 1;
            memcpy(num, p, k);
            num[k] = '\0';
            a->date = strtoll(num, NULL, 10);
            a->has_date = 1;
        }
        p += n;
    }
    return LEDE_OK;
}

/* Checks the magic and version; sets *head, *headlen and where the zlib
 * stream starts. */
static int split_record(const unsigned char *p, size_t len,
                        const unsigned char **head, uint64_t *headlen,
                        const unsigned char **tail, char *err) {
    if (len < 4 || p[0] != DOCSTORE_MAGIC)
        return lede_seterr(err, "not a lede stored article");
    if (p[1] != DOCSTORE_VERSION)
        return lede_seterr(err, "stored article format %d is not supported (rebuild the index)", p[1]);
    const unsigned char *q = p + 3, *end = p + len;
    if (!get_varint(&q, end, headlen) || *headlen > (uint64_t)(end - q))
        return lede_seterr(err, "corrupt stored article (head)");
    *head = q;
    *tail = q + *headlen;
    return LEDE_OK;
}

size_t docstore_head_size(const void *data, size_t len) {
    const unsigned char *head, *tail;
    uint64_t headlen;
    if (split_record(data, len, &head, &headlen, &tail, NULL) != LEDE_OK) return 0;
    return (size_t)(tail - (const unsigned char *)data);
}

int docstore_decode_head(const void *data, size_t len, article *a, char *err) {
    const unsigned char *head, *tail;
    uint64_t headlen;
    if (split_record(data, len, &head, &headlen, &tail, err) != LEDE_OK) return LEDE_ERR;
    if (parse_fields(head, head + headlen, a, err) != LEDE_OK) {
        article_free(a);
        return LEDE_ERR;
    }
    return LEDE_OK;
}

int docstore_decode(docstore *ds, const void *data, size_t len, article *a,
                    char *err) {
    const unsigned char *head, *tail, *end = (const unsigned char *)data + len;
    uint64_t headlen;
    if (split_record(data, len, &head, &headlen, &tail, err) != LEDE_OK) return LEDE_ERR;
    if (!ds->inf_ok) return lede_seterr(err, "zlib inflate unavailable");
    sbuf_reset(&ds->payload);
    if (inflate_all(ds, tail, (size_t)(end - tail), &ds->payload, err) != LEDE_OK ||
        parse_fields(head, head + headlen, a, err) != LEDE_OK ||
        parse_fields((const unsigned char *)ds->payload.data,
                     (const unsigned char *)ds->payload.data + ds->payload.len, a, err) != LEDE_OK) {
        article_free(a);
        return LEDE_ERR;
    }
    return LEDE_OK;
}

void docstore_dict_init(docstore_dict_builder *b) {
    sbuf_init(&b->text);
}

int docstore_dict_add(docstore_dict_builder *b, const article *a) {
    if (b->text.len >= DOCSTORE_DICT_MAX) return 1;
    sbuf tmp;
    sbuf_init(&tmp);
    tail_fields(a, &tmp);
    size_t room = DOCSTORE_DICT_MAX - b->text.len;
    sbuf_append(&b->text, tmp.data, tmp.len < room ? tmp.len : room);
    sbuf_free(&tmp);
    return b->text.len >= DOCSTORE_DICT_MAX;
}

void docstore_dict_free(docstore_dict_builder *b) {
    sbuf_free(&b->text);
}

uint64_t docstore_fingerprint(uint64_t payload_hash, const char *filekey) {
    uint64_t h = lede_hash_update(LEDE_HASH_INIT, &payload_hash, sizeof payload_hash);
    if (filekey) h = lede_hash_update(h, filekey, strlen(filekey));
    return lede_hash_final(h);
}
