/* boiler_text.c -- an article's body as boilerplate sees it (see
 * boiler.h): its source, its lines normalised and hashed, the lines
 * counted once an article, which lines are boilerplate (byte ranges), the
 * body without them, and a trailing bio's subject.  The table itself is
 * boiler.c's. */
#include "boiler_internal.h"

#include <ctype.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void boiler_source_of(const article *a, sbuf *out) {
    sbuf_reset(out);
    if (a->meta) {
        json_t *meta = json_loads(a->meta, 0, NULL);
        json_t *v = json_object_get(meta, "source");
        if (!json_is_string(v) || !*json_string_value(v)) v = json_object_get(meta, "site");
        if (json_is_string(v)) sbuf_puts(out, json_string_value(v));
        json_decref(meta);
        if (out->len) return;
    }
    if (a->section) sbuf_puts(out, a->section);
}

/* Where a normalised line's bytes go: boiler_normalise writes them,
 * boiler_line_hash hashes them. */
typedef void (*line_sink)(void *ctx, unsigned char c);

/* The one rule of a normalised line: its words (runs of letters and bytes
 * of UTF-8 sequences) lower-cased, one space between them, digits
 * dropped ("2023" and "2024" fold together).  Each byte goes to sink;
 * returns the words, or max_words + 1 as soon as a line has more (the
 * rest unread).  Always inlined, so that each caller's sink is a direct
 * call. */
static inline __attribute__((always_inline)) size_t walk_line(const char *line, size_t len,
                                                             size_t max_words, line_sink sink,
                                                             void *ctx) {
    size_t words = 0;
    int in_word = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c >= '0' && c <= '9') continue;
        int wordy = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!wordy) {
            in_word = 0;
            continue;
        }
        if (!in_word) {
            if (words == max_words) return max_words + 1;
            if (words) sink(ctx, ' ');
            words++;
            in_word = 1;
        }
        sink(ctx, (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    return words;
}

static void append_byte(void *ctx, unsigned char c) {
    sbuf_putc(ctx, (char)c);
}

static void hash_byte(void *ctx, unsigned char c) {
    uint64_t *h = ctx;
    *h = (*h ^ c) * 0x100000001b3ULL;
}

size_t boiler_normalise(const char *line, size_t len, sbuf *out) {
    sbuf_reset(out);
    return walk_line(line, len, SIZE_MAX - 1, append_byte, out);
}

uint64_t boiler_line_hash(const char *line, size_t len, size_t *words_out) {
    uint64_t h = LEDE_HASH_INIT;
    *words_out = walk_line(line, len, BOILER_MAX_WORDS, hash_byte, &h);
    return *words_out > BOILER_MAX_WORDS ? 0 : lede_hash_final(h); /* prose: never asked */
}

/* One line of a body: where it is, its normalised hash and words. */
typedef struct body_line {
    size_t start, end;
    uint64_t hash;
    size_t words;
} body_line;

/* Where the last line's tail starts, or end when it has none: its last
 * word when that is capitalised and ends the line without punctuation
 * ("... 12.3 mln dlrs Reuter"), else its text after the last ". ", "! "
 * or "? " ("... the company said. Reuter"): a body of one line ends with
 * its sign-off. */
static size_t tail_start(const char *body, size_t start, size_t end) {
    while (end > start && (body[end - 1] == ' ' || body[end - 1] == '\r')) end--;
    size_t word = end;
    while (word > start && body[word - 1] != ' ') word--;
    if (word > start && word < end && body[word] >= 'A' && body[word] <= 'Z' &&
        isalnum((unsigned char)body[end - 1]))
        return word;
    for (size_t i = end; i > start + 1; i--) {
        char c = body[i - 2];
        if (body[i - 1] != ' ' || (c != '.' && c != '!' && c != '?')) continue;
        while (i < end && body[i] == ' ') i++;
        return i;
    }
    return end;
}

/* The last line's tail as a block of its own, when it is short. */
static int add_tail(const char *body, const body_line *last, body_line *tail) {
    size_t at = tail_start(body, last->start, last->end), words;
    if (at >= last->end) return 0;
    uint64_t hash = boiler_line_hash(body + at, last->end - at, &words);
    if (words == 0 || words > BOILER_TAIL_WORDS) return 0;
    *tail = (body_line){at, last->end, hash, words};
    return 1;
}

/* The lines of body holding a word (at most BOILER_MAX_WORDS of them:
 * longer is prose), and the last one's short tail; returns how many,
 * *out malloc'd. */
static size_t lines_of(const char *body, body_line **out) {
    size_t n = 0, cap = 16;
    body_line *v = lede_malloc(cap * sizeof *v), last = {0, 0, 0, 0};
    for (size_t at = 0; body && body[at];) {
        const char *nl = strchr(body + at, '\n');
        size_t end = nl ? (size_t)(nl - body) : at + strlen(body + at), words;
        uint64_t hash = boiler_line_hash(body + at, end - at, &words);
        if (words > 0) last = (body_line){at, end, 0, words};
        if (words > 0 && words <= BOILER_MAX_WORDS) {
            if (n == cap) v = lede_realloc(v, (cap *= 2) * sizeof *v);
            v[n++] = (body_line){at, end, hash, words};
        }
        at = nl ? end + 1 : end;
    }
    if (last.words > 1) { /* a long last line too: a one-line body's sign-off */
        if (n == cap) v = lede_realloc(v, (cap *= 2) * sizeof *v);
        n += add_tail(body, &last, &v[n]);
    }
    *out = v;
    return n;
}

static int by_hash(const void *a, const void *b) {
    uint64_t x = ((const body_line *)a)->hash, y = ((const body_line *)b)->hash;
    return x < y ? -1 : x > y;
}

static void text_of(boiler_entry *e, const char *body, const body_line *l) {
    size_t len = l->end - l->start;
    e->text = lede_strndup(body + l->start, len < BOILER_TEXT_MAX ? len : BOILER_TEXT_MAX);
}

/* Counts body's lines (lines_of's n) and the article under source. */
static void observe_lines(boiler_table *t, const char *source, const char *body,
                          const body_line *lines, size_t n, boiler_log *log) {
    body_line *sorted = lede_malloc((n + 1) * sizeof *sorted);
    memcpy(sorted, lines, n * sizeof *lines);
    qsort(sorted, n, sizeof *sorted, by_hash);
    boiler_lock(t);
    unsigned s = boiler_source_index(t, source);
    boiler_count_article(t, s);
    boiler_log_article(log, s);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && sorted[i].hash == sorted[i - 1].hash) continue;
        uint64_t key = boiler_key(t, s, sorted[i].hash);
        boiler_log_key(log, key);
        boiler_entry *e = boiler_add(t, key);
        e->source = (uint16_t)s;
        e->words = (uint16_t)(sorted[i].words > 0xffff ? 0xffff : sorted[i].words);
        if (e->count < UINT32_MAX) e->count++;
        if (!e->text && boiler_entry_known(t, e)) {
            text_of(e, body, &sorted[i]);
            boiler_note_learned(t, e);
        }
    }
    boiler_unlock(t);
    free(sorted);
}

static void observe(boiler_table *t, const char *source, const char *body, boiler_log *log) {
    body_line *lines;
    size_t n = lines_of(body, &lines);
    observe_lines(t, source, body, lines, n, log);
    free(lines);
}

void boiler_observe(boiler_table *t, const char *source, const char *body) {
    observe(t, source, body, NULL);
}

void boiler_observe_article_logged(boiler_table *t, const article *a, boiler_log *log) {
    if (!a->body) return;
    sbuf source;
    sbuf_init(&source);
    boiler_source_of(a, &source);
    observe(t, source.data ? source.data : "", a->body, log);
    sbuf_free(&source);
}

void boiler_observe_article(boiler_table *t, const article *a) {
    boiler_observe_article_logged(t, a, NULL);
}

/* Bytes of body that are not blank. */
static size_t inked(const char *body, size_t from, size_t to) {
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        if (body[i] != ' ' && body[i] != '\n' && body[i] != '\t' && body[i] != '\r') n++;
    return n;
}

/* boiler_spans of body, whose lines (lines_of's n) are given. */
static size_t spans_of_lines(boiler_table *t, const char *source, const char *body,
                             const body_line *lines, size_t n, boiler_span **out) {
    *out = NULL;
    size_t found = 0, covered = 0;
    boiler_span *spans = lede_malloc((n + 1) * sizeof *spans);
    boiler_entry **entries = lede_malloc((n + 1) * sizeof *entries);
    boiler_lock(t);
    unsigned s = boiler_source_index(t, source);
    for (size_t i = 0; i < n; i++) {
        boiler_entry *e = entries[i] = boiler_find(t, boiler_key(t, s, lines[i].hash));
        if (!e || !boiler_entry_known(t, e)) continue;
        if (found > 0 && lines[i].start < spans[found - 1].end) continue; /* a known line's tail */
        spans[found++] = (boiler_span){lines[i].start, lines[i].end};
        covered += inked(body, lines[i].start, lines[i].end);
    }
    boiler_note_written(t, entries, n);
    boiler_unlock(t);
    free(entries);
    if (found == 0 || (double)covered > BOILER_MAX_COVER * (double)inked(body, 0, strlen(body))) {
        free(spans);
        return 0;
    }
    *out = spans;
    return found;
}

size_t boiler_spans(boiler_table *t, const char *source, const char *body, boiler_span **out) {
    body_line *lines;
    size_t n = lines_of(body, &lines);
    size_t found = spans_of_lines(t, source, body, lines, n, out);
    free(lines);
    return found;
}

void boiler_cut(const char *body, const boiler_span *spans, size_t n, sbuf *out) {
    size_t at = 0;
    sbuf_reset(out);
    for (size_t i = 0; i < n; i++) {
        sbuf_append(out, body + at, spans[i].start - at);
        at = spans[i].end;
    }
    if (body) sbuf_puts(out, body + at);
}

size_t boiler_clean(boiler_table *t, const char *source, const char *body, sbuf *out) {
    boiler_span *spans;
    size_t n = boiler_spans(t, source, body, &spans);
    boiler_cut(body, spans, n, out);
    free(spans);
    return n;
}

size_t boiler_observe_article_spans(boiler_table *t, const article *a, boiler_span **out) {
    *out = NULL;
    if (!a->body) return 0;
    sbuf source;
    sbuf_init(&source);
    boiler_source_of(a, &source);
    const char *name = source.data ? source.data : "";
    body_line *lines;
    size_t n = lines_of(a->body, &lines);
    observe_lines(t, name, a->body, lines, n, NULL);
    size_t found = spans_of_lines(t, name, a->body, lines, n, out);
    free(lines);
    sbuf_free(&source);
    return found;
}

size_t boiler_article_spans(boiler_table *t, const article *a, boiler_span **out) {
    *out = NULL;
    if (!a->body) return 0;
    sbuf source;
    sbuf_init(&source);
    boiler_source_of(a, &source);
    size_t n = boiler_spans(t, source.data ? source.data : "", a->body, out);
    sbuf_free(&source);
    return n;
}

/* The length of a capitalised word at s (0 if it is not one). */
static size_t capitalised(const char *s) {
    unsigned char c = (unsigned char)*s;
    if (!((c >= 'A' && c <= 'Z') || c >= 0x80)) return 0;
    size_t n = 0;
    while (s[n] && s[n] != ' ' && s[n] != ',' && s[n] != '\n') n++;
    return n;
}

/* The Name of "<Name> is a|an|the ..." at line, or 0. */
static size_t bio_name(const char *line) {
    size_t at = 0, words = 0;
    for (;;) {
        size_t w = capitalised(line + at);
        if (!w || words == 4) break;
        words++;
        at += w;
        if (line[at] != ' ') return 0;
        at++;
        if (words >= 2 && (!strncmp(line + at, "is a ", 5) || !strncmp(line + at, "is an ", 6) ||
                           !strncmp(line + at, "is the ", 7)))
            return at - 1;
    }
    return 0;
}

int boiler_bio_in(const char *body, const boiler_span *spans, size_t n, sbuf *out) {
    sbuf_reset(out);
    if (n == 0 || inked(body, spans[n - 1].end, strlen(body)) != 0) return 0;
    size_t name = bio_name(body + spans[n - 1].start);
    if (name) sbuf_append(out, body + spans[n - 1].start, name);
    return name != 0;
}

int boiler_bio_subject(boiler_table *t, const char *source, const char *body, sbuf *out) {
    boiler_span *spans;
    size_t n = boiler_spans(t, source, body, &spans);
    int found = boiler_bio_in(body, spans, n, out);
    free(spans);
    return found;
}
