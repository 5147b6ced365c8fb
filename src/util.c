/* util.c -- error messages, checked allocation, byte buffers, hashing and
 * clocks for the core library (see util.h).  No I/O beyond the clock. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int lede_seterr(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, LEDE_ERRLEN, fmt, ap);
        va_end(ap);
    }
    return LEDE_ERR;
}

int lede_seterr_code(char *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, LEDE_ERRLEN, fmt, ap);
        va_end(ap);
    }
    return code;
}

int lede_storage_code(int errnum) {
    switch (errnum) {
    case ENOSPC:
    case EDQUOT:
        return LEDE_EDISKFULL;
    case EROFS:
    case EACCES:
    case EPERM:
        return LEDE_EREADONLY;
    case EIO:
        return LEDE_EIO;
    default:
        return LEDE_ERR;
    }
}

const char *lede_storage_cause(int code) {
    return code == LEDE_EDISKFULL ? "disk full"
         : code == LEDE_EREADONLY ? "not writable"
         : code == LEDE_EIO ? "I/O error" : NULL;
}

static void oom(size_t n) {
    fprintf(stderr, "lede: out of memory allocating %zu bytes\n", n);
    abort();
}

void lede_keep_heap(void) {
    /* Setting one threshold turns off glibc's own moving of the other, so
     * both are set: blocks under 4 MiB come from the heap, as they would
     * once glibc had raised its mmap threshold for them. */
    mallopt(M_TRIM_THRESHOLD, (int)LEDE_HEAP_KEEP);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
}

void *lede_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *lede_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *lede_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *lede_strdup(const char *s) {
    return lede_strndup(s, strlen(s));
}

char *lede_strndup(const char *s, size_t n) {
    char *p = lede_malloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sbuf_init(sbuf *b) {
    b->data = NULL;
    b->len = b->cap = 0;
}

void sbuf_free(sbuf *b) {
    free(b->data);
    sbuf_init(b);
}

void sbuf_reset(sbuf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void sbuf_reserve(sbuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) cap *= 2;
    b->data = lede_realloc(b->data, cap);
    b->cap = cap;
}

void sbuf_append(sbuf *b, const void *p, size_t n) {
    sbuf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void sbuf_putc(sbuf *b, char c) {
    sbuf_append(b, &c, 1);
}

void sbuf_puts(sbuf *b, const char *s) {
    sbuf_append(b, s, strlen(s));
}

/* One formatting pass when the text fits in the room left (the usual case
 * for a reply buffer), a second one after growing when it does not. */
void sbuf_printf(sbuf *b, const char *fmt, ...) {
    sbuf_reserve(b, 64);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        sbuf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

char *sbuf_detach(sbuf *b) {
    if (!b->data) sbuf_reserve(b, 0);
    char *p = b->data;
    sbuf_init(b);
    return p;
}

uint64_t lede_hash_update(uint64_t h, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t lede_hash(const void *p, size_t n) {
    return lede_hash_final(lede_hash_update(LEDE_HASH_INIT, p, n));
}

double lede_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void lede_hex64(uint64_t v, char out[17]) {
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--) {
        out[i] = digits[v & 15];
        v >>= 4;
    }
    out[16] = '\0';
}

int lede_parse_hex64(const char *s, uint64_t *out) {
    uint64_t v = 0;
    int i;
    for (i = 0; i < 16; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else return LEDE_ERR;
        v = (v << 4) | (uint64_t)d;
    }
    *out = v;
    return LEDE_OK;
}

/* The environment is read once, on the first call (the first article of
 * a build reaches one): a point on the path of every article must cost
 * no getenv. */
static const char *crash_at;
static size_t crash_name_len;
static int crash_want;
static pthread_once_t crash_once = PTHREAD_ONCE_INIT;

static void crash_read_env(void) {
    crash_at = getenv("LEDE_CRASH_AT");
    if (!crash_at) return;
    const char *colon = strchr(crash_at, ':');
    crash_name_len = colon ? (size_t)(colon - crash_at) : strlen(crash_at);
    crash_want = colon ? atoi(colon + 1) : 1;
}

void lede_crash_point(const char *name) {
    static _Atomic int hits;
    pthread_once(&crash_once, crash_read_env);
    if (!crash_at || strncmp(crash_at, name, crash_name_len) || name[crash_name_len]) return;
    if (++hits == crash_want) kill(getpid(), SIGKILL);
}

int lede_host_port(const char *addr, char *host, size_t size, const char **port) {
    const char *colon = strrchr(addr, ':');
    size_t n = colon ? (size_t)(colon - addr) : 0;
    host[0] = '\0';
    if (!colon || n >= size) return LEDE_ERR;
    *port = colon + 1;
    if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') {
        addr++;
        n -= 2;
    }
    memcpy(host, addr, n);
    host[n] = '\0';
    return LEDE_OK;
}
