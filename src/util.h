/* util.h -- small shared pieces of the core library: the error convention
 * (codes plus a caller-supplied message buffer), a growable byte buffer, a
 * 64-bit content hash, clock helpers and a HOST:PORT address split.
 * Nothing here knows about articles, files or Xapian. */
#ifndef LEDE_UTIL_H
#define LEDE_UTIL_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* Return codes shared by every module. */
#define LEDE_OK 0
#define LEDE_ERR -1        /* generic failure, message in err */
#define LEDE_ELOCKED -2    /* index held by another writer */
#define LEDE_ENOTFOUND -3  /* no such article / key */
#define LEDE_ESKIP -4      /* input rejected; the run goes on */
#define LEDE_ESYNTAX -5    /* malformed query or request */
#define LEDE_ELIMIT -6     /* a limit was exceeded */
/* The index could not be written; the message names the path. */
#define LEDE_EDISKFULL -7  /* no space left (ENOSPC, EDQUOT) */
#define LEDE_EREADONLY -8  /* read-only file system or no permission */
#define LEDE_EIO -9        /* the storage failed (EIO) */
#define LEDE_ETIMEOUT -10  /* a query passed its deadline and stopped */
#define LEDE_ECANCELLED -11 /* a query nobody waits for any more stopped */
#define LEDE_EUNAVAIL -12  /* a server the index needs does not answer (for now) */
#define LEDE_EDISCARDED -13 /* a writer discarded since its last commit refuses changes */

#define LEDE_ERRLEN 512

/* Format a message into err (which may be NULL); returns LEDE_ERR so that
 * callers can write `return lede_seterr(err, "...")`. */
int lede_seterr(char *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int lede_seterr_code(char *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The LEDE_E* code of a failed write's errno: LEDE_EDISKFULL,
 * LEDE_EREADONLY or LEDE_EIO, LEDE_ERR for any other; and what it means
 * in words ("disk full", ...; NULL for LEDE_ERR). */
int lede_storage_code(int errnum);
const char *lede_storage_cause(int code);
/* True for the three codes above. */
#define LEDE_IS_STORAGE(code) ((code) <= LEDE_EDISKFULL && (code) >= LEDE_EIO)

/* Allocation that never returns NULL: out of memory aborts the process,
 * as in Redis' zmalloc; there is no sane recovery for an indexer. */
void *lede_malloc(size_t n);
void *lede_calloc(size_t n, size_t size);
void *lede_realloc(void *p, size_t n);
char *lede_strdup(const char *s);
char *lede_strndup(const char *s, size_t n);

/* Growable byte buffer, always NUL-terminated after len. */
typedef struct sbuf {
    char *data;
    size_t len;
    size_t cap;
} sbuf;

void sbuf_init(sbuf *b);
void sbuf_free(sbuf *b);
void sbuf_reset(sbuf *b);
void sbuf_reserve(sbuf *b, size_t extra);
void sbuf_append(sbuf *b, const void *p, size_t n);
void sbuf_putc(sbuf *b, char c);
void sbuf_puts(sbuf *b, const char *s);
void sbuf_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *sbuf_detach(sbuf *b);    /* hands the buffer to the caller */

/* FNV-1a 64 with a final avalanche: content fingerprints for change
 * detection, not a cryptographic hash. */
#define LEDE_HASH_INIT 0xcbf29ce484222325ULL
uint64_t lede_hash_update(uint64_t h, const void *p, size_t n);
/* Inline: the near-duplicate signature calls it 64 times a shingle
 * (duplicates.cc), where the call was 3.6% of a full build's CPU. */
static inline uint64_t lede_hash_final(uint64_t h) {
    /* Spread the low-entropy bits of short inputs across the word. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}
uint64_t lede_hash(const void *p, size_t n);

/* For a long-running searcher (leded, and the benchmarks that stand for
 * it): keeps up to LEDE_HEAP_KEEP bytes of freed heap instead of handing
 * them back to the kernel.  A query allocates a block buffer (8 KiB) for
 * every posting list it opens -- a hundred or more for a wildcard -- and
 * frees them all at its end; glibc then trimmed the heap (at 128 KiB of
 * free top) and the next query took the pages back through page faults,
 * each zeroed by the kernel: a short-prefix wildcard took 0.9 ms instead
 * of 0.37 once the process had answered a thousand queries.  The process
 * keeps its peak heap, plus at most this much in each of glibc's arenas
 * (about one a thread), for its lifetime. */
#define LEDE_HEAP_KEEP (64u << 20)
void lede_keep_heap(void);

/* Splits "HOST:PORT" at its last colon: the host, without the brackets
 * of "[v6]", into host (size bytes; "" for ":PORT"), *port to what
 * follows the colon.  LEDE_ERR (host "") when addr has no colon or its
 * host does not fit. */
int lede_host_port(const char *addr, char *host, size_t size, const char **port);

double lede_now(void);                 /* monotonic seconds */
void lede_hex64(uint64_t v, char out[17]);
int lede_parse_hex64(const char *s, uint64_t *out);

/* Test hook: if the environment variable LEDE_CRASH_AT is "NAME" or
 * "NAME:N", the process kills itself with SIGKILL the first (N-th) time it
 * reaches the point called NAME (crash-safety tests), counting over all
 * threads.  The points: "after-article" (the indexer's writers, each
 * article written), "bulk-repacked" (livewriter.c), "after-merge",
 * "before-switch", "after-switch".  The
 * environment is read at the first call only. */
void lede_crash_point(const char *name);

#ifdef __cplusplus
}
#endif

#endif
