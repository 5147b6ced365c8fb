/* test_boiler.c -- the boilerplate table (src/boiler.c, boiler_text.c):
 * normalisation, the thresholds (long and short lines, the share of a
 * source), sources kept apart, the copy guard, the bio's subject, the
 * text form's round trip and its errors, which learned lines are listed
 * for a compaction, and a full table swept without losing a line that
 * recurs; a line's hash made without its normalised form, and an
 * article counted and cut in one pass. */
#include "unit.h"
#include "../../src/boiler.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const PROSE[] = {"harbour", "council", "budget", "transit", "rail",
                                    "bridge", "river", "museum", "orchard", "router"};

/* A word for i in letters (digits are folded away). */
static void letters(sbuf *b, int i) {
    do {
        sbuf_putc(b, (char)('a' + i % 26));
        i /= 26;
    } while (i);
}

/* A body of two lines of its own (words for i) around extra. */
static char *body_of(int i, const char *extra) {
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "The %s and the quo", PROSE[i % 10]);
    letters(&b, i);
    sbuf_printf(&b, " met.\n\n%s\n\nThe %s story ends at the ter", extra, PROSE[(i + 3) % 10]);
    letters(&b, i);
    sbuf_putc(&b, '.');
    return sbuf_detach(&b);
}

/* Feeds t the bodies from..from+count-1 of source, each carrying extra. */
static void observe_bodies(boiler_table *t, const char *source, int from, int count, const char *extra) {
    for (int i = from; i < from + count; i++) {
        char *b = body_of(i, extra);
        boiler_observe(t, source, b);
        free(b);
    }
}

static size_t spans_in(boiler_table *t, const char *source, const char *body) {
    boiler_span *s;
    size_t n = boiler_spans(t, source, body, &s);
    free(s);
    return n;
}

/* The table read back from the text form of one that saw count articles
 * of source carrying line (article i's id "q-i"), each written once
 * counted, the text merged into it merges times. */
static boiler_table *read_back(const char *source, const char *line, int count, int merges) {
    boiler_table *t = boiler_new(0), *u = boiler_new(0);
    char id[16], meta[128];
    snprintf(meta, sizeof meta, "{\"source\":\"%s\"}", source);
    for (int i = 0; i < count; i++) {
        article a;
        article_init(&a);
        snprintf(id, sizeof id, "q-%d", i);
        a.id = id;
        a.meta = meta;
        a.body = body_of(i, line);
        boiler_observe_article(t, &a);
        spans_in(t, source, a.body);
        free(a.body);
    }
    sbuf text;
    sbuf_init(&text);
    boiler_to_text(t, &text);
    char err[LEDE_ERRLEN] = "";
    for (int m = 0; m < merges; m++)
        CHECK(boiler_merge_text(u, text.data, text.len, "test", err) == LEDE_OK,
              "%s's table's text reads back (merge %d)", source, m + 1);
    sbuf_free(&text);
    boiler_free(t);
    return u;
}

static void test_normalise(void) {
    sbuf n;
    sbuf_init(&n);
    size_t w = boiler_normalise("  Sign UP -- today, 2024!! ", 27, &n);
    CHECK(w == 3 && !strcmp(n.data, "sign up today"), "case, digits, punctuation and spaces folded");
    w = boiler_normalise("1234 -- 56", 10, &n);
    CHECK(w == 0 && n.len == 0, "a line of digits and punctuation has no words");
    sbuf_free(&n);
}

/* boiler_line_hash is lede_hash of boiler_normalise's bytes, made without
 * them; past BOILER_MAX_WORDS it stops and says so. */
static void test_line_hash(void) {
    const char *lines[] = {"", "1234 -- 56", "  Sign UP -- today, 2024!! ", "Reuter",
                           "caf\xc3\xa9 D\xc3\xa9j\xc3\xa0-vu 7up", "a", "--x--y--"};
    sbuf n;
    sbuf_init(&n);
    int same = 1;
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        size_t words, want = boiler_normalise(lines[i], strlen(lines[i]), &n);
        uint64_t h = boiler_line_hash(lines[i], strlen(lines[i]), &words);
        if (words != want || (want > 0 && h != lede_hash(n.data, n.len))) same = 0;
    }
    CHECK(same, "a line's hash and words as boiler_normalise's form gives them");
    sbuf prose;
    sbuf_init(&prose);
    for (int k = 0; k < BOILER_MAX_WORDS; k++) sbuf_puts(&prose, "Word, ");
    size_t words, want = boiler_normalise(prose.data, prose.len, &n);
    uint64_t h = boiler_line_hash(prose.data, prose.len, &words);
    CHECK(words == want && h == lede_hash(n.data, n.len),
          "a line of BOILER_MAX_WORDS words is hashed whole");
    sbuf_puts(&prose, "more");
    boiler_line_hash(prose.data, prose.len, &words);
    CHECK(words == BOILER_MAX_WORDS + 1, "one word more is prose (%zu words)", words);
    sbuf_free(&prose);
    sbuf_free(&n);
}

/* A full build's reading thread counts each article and finds its spans
 * in one pass (boiler_observe_article_spans): the same spans, learned
 * lines and table as the two calls one after the other. */
static void test_observe_spans_at_once(void) {
    boiler_table *apart = boiler_new(0), *once = boiler_new(0);
    int same = 1, cut = 0;
    for (int i = 0; i < 3 * BOILER_MIN_REPEAT; i++) {
        article a;
        article_init(&a);
        a.meta = "{\"source\":\"Wire\"}";
        a.body = body_of(i, i % 3 ? "Follow Wire on social media for more.\n\nWire" : "Wire");
        boiler_span *x, *y;
        boiler_observe_article(apart, &a);
        size_t nx = boiler_article_spans(apart, &a, &x);
        size_t ny = boiler_observe_article_spans(once, &a, &y);
        if (nx != ny || (nx && memcmp(x, y, nx * sizeof *x))) same = 0;
        cut += nx > 0;
        free(x);
        free(y);
        free(a.body);
    }
    sbuf tx, ty;
    sbuf_init(&tx);
    sbuf_init(&ty);
    boiler_to_text(apart, &tx);
    boiler_to_text(once, &ty);
    boiler_learned *lx, *ly;
    size_t nlx = boiler_take_learned(apart, &lx), nly = boiler_take_learned(once, &ly);
    CHECK(same && cut > 0, "the same spans article by article (%d articles cut)", cut);
    CHECK(tx.len == ty.len && !memcmp(tx.data, ty.data, tx.len) && nlx == nly,
          "the same table and learned lines (%zu)", nlx);
    boiler_learned_free(lx, nlx);
    boiler_learned_free(ly, nly);
    sbuf_free(&tx);
    sbuf_free(&ty);
    boiler_free(apart);
    boiler_free(once);
}

static void test_long_line_threshold(void) {
    boiler_table *t = boiler_new(0);
    observe_bodies(t, "Techly", 0, BOILER_MIN_REPEAT - 1,
                   "Get the Techly daily newsletter for news and offers.");
    char *next = body_of(50, "Get the techly DAILY newsletter: for news, and offers!");
    CHECK(spans_in(t, "Techly", next) == 0, "a line seen in %d articles is not boilerplate yet",
          BOILER_MIN_REPEAT - 1);
    boiler_observe(t, "Techly", next);
    CHECK(spans_in(t, "Techly", next) == 1, "seen in %d (a variant of case and punctuation): it is",
          BOILER_MIN_REPEAT);
    CHECK(spans_in(t, "Gazette", next) == 0, "another source's articles keep it");
    sbuf clean;
    sbuf_init(&clean);
    CHECK(boiler_clean(t, "Techly", next, &clean) == 1 && !strstr(clean.data, "newsletter") &&
              strstr(clean.data, "story ends"),
          "clean takes the line out and keeps the rest");
    sbuf_free(&clean);
    free(next);
    boiler_free(t);
}

static void test_short_lines(void) {
    boiler_table *t = boiler_new(0);
    observe_bodies(t, "wire", 0, BOILER_SHORT_REPEAT - 1, "Reuter");
    char *b = body_of(99, "Reuter");
    CHECK(spans_in(t, "wire", b) == 0, "a one-word line in %d articles is not boilerplate",
          BOILER_SHORT_REPEAT - 1);
    boiler_observe(t, "wire", b);
    CHECK(spans_in(t, "wire", b) == 1, "in %d it is (a sign-off)", BOILER_SHORT_REPEAT);
    free(b);
    boiler_free(t);
}

static void test_one_line_sign_off(void) {
    boiler_table *t = boiler_new(0);
    sbuf b;
    sbuf_init(&b);
    for (int i = 0; i < BOILER_SHORT_REPEAT; i++) {
        sbuf_reset(&b);
        sbuf_printf(&b, "The %s fell by a third, the quo", PROSE[i % 10]);
        letters(&b, i);
        sbuf_puts(&b, " company said. REUTER");
        boiler_observe(t, "", b.data);
    }
    sbuf_reset(&b);
    sbuf_puts(&b, "Grain prices rose, the board said.  Reuter");
    boiler_span *s;
    size_t n = boiler_spans(t, "", b.data, &s);
    CHECK(n == 1 && s[0].start == 36 && s[0].end == b.len,
          "a one-line body's sign-off after its last sentence is learned and marked alone");
    free(s);
    sbuf_free(&b);
    boiler_free(t);
}

static void test_share(void) {
    boiler_table *t = boiler_new(0);
    const char *quote = "The minister said the port would reopen in spring.";
    observe_bodies(t, "paper", 0, 5, quote);
    observe_bodies(t, "paper", 5, 595, "");
    char *b = body_of(7, quote);
    CHECK(spans_in(t, "paper", b) == 0, "5 of 600 articles is under the %.0f%% share",
          BOILER_MIN_SHARE * 100);
    free(b);
    boiler_free(t);
}

static void test_copy_guard_and_bio(void) {
    boiler_table *t = boiler_new(0);
    const char *bio = "Mara Quill is a freelance writer who covers cloud and data.";
    const char *copy = "One story printed again and again by the paper.\n\nIts second line.";
    for (int i = 0; i < 10; i++) {
        char *b = body_of(i, "");
        sbuf with;
        sbuf_init(&with);
        sbuf_printf(&with, "%s\n\n%s", b, bio);
        boiler_observe(t, "tech", with.data);
        boiler_observe(t, "tech", copy);
        sbuf_free(&with);
        free(b);
    }
    CHECK(spans_in(t, "tech", copy) == 0, "an article all of whose lines recur is a copy: kept");
    char *b = body_of(42, "");
    sbuf with, name;
    sbuf_init(&with);
    sbuf_init(&name);
    sbuf_printf(&with, "%s\n\n%s\n", b, bio);
    CHECK(boiler_bio_subject(t, "tech", with.data, &name) && !strcmp(name.data, "Mara Quill"),
          "a trailing learned bio gives its subject");
    sbuf_reset(&with);
    sbuf_printf(&with, "%s\n\n%s\n\nA last line of prose.", b, bio);
    CHECK(!boiler_bio_subject(t, "tech", with.data, &name), "a bio not at the end gives none");
    sbuf_free(&with);
    sbuf_free(&name);
    free(b);
    boiler_free(t);
}

static void test_text_round_trip(void) {
    const char *blurb = "Cookies help us run this site; by browsing you accept them.";
    boiler_table *u = read_back("Harbour Gazette", blurb, 8, 1);
    char *b = body_of(77, blurb);
    CHECK(spans_in(u, "Harbour Gazette", b) == 1, "the table read back knows the blurb");
    sbuf list;
    sbuf_init(&list);
    boiler_list(u, 5, &list);
    CHECK(strstr(list.data, "Harbour Gazette\t8\t8\tCookies help us") != NULL,
          "listed with its source, articles, count and text");
    char err[LEDE_ERRLEN] = "";
    CHECK(boiler_merge_text(u, "lede-boilerplate 1\nb 9 zz 1 1\t\n", 30, "idx", err) == LEDE_ERR &&
              strstr(err, "idx: lede.boilerplate: line 2") != NULL,
          "a malformed text is refused with its line");
    CHECK(boiler_merge_text(u, "something else\n", 15, "idx", err) == LEDE_ERR,
          "a text without its first line is refused");
    free(b);
    sbuf_free(&list);
    boiler_free(u);
}

/* A line learned is listed, with its source and how it read, through a
 * text round trip (once, however many texts repeat it) until it is
 * taken; an older table's stale ids ("x" lines) are read and left. */
static void test_learned_lines(void) {
    const char *blurb = "Sign up to the Quayside Courier briefing every morning.";
    boiler_table *u = read_back("Quayside", blurb, BOILER_MIN_REPEAT + 2, 2);
    boiler_learned *learned;
    size_t n = boiler_take_learned(u, &learned);
    CHECK(n == 1 && !strcmp(learned[0].source, "Quayside") && !strcmp(learned[0].text, blurb),
          "the line learned is listed once, with its source and text");
    boiler_learned_free(learned, n);
    CHECK(boiler_take_learned(u, &learned) == 0 && !learned, "taken once");
    sbuf text;
    sbuf_init(&text);
    boiler_to_text(u, &text);
    CHECK(!strstr(text.data, "\nl "), "a table whose learned lines were taken writes none");
    char err[LEDE_ERRLEN];
    CHECK(boiler_merge_text(u, "lede-boilerplate 1\nx 00000000000000ab\n", 38, "test", err) == LEDE_OK,
          "an older table's stale ids are read (and left)");
    sbuf_free(&text);
    boiler_free(u);
}

/* The lines taken from t: how many, and whether text is among them. */
static size_t taken_with(boiler_table *t, const char *text, int *found) {
    boiler_learned *learned;
    size_t n = boiler_take_learned(t, &learned);
    *found = 0;
    for (size_t i = 0; i < n; i++) *found |= !strcmp(learned[i].text, text);
    boiler_learned_free(learned, n);
    return n;
}

/* A line learned before any article is written (a full build's held
 * first articles) is in none: nothing for a compaction to make again.
 * Learned after one was written, it is listed. */
static void test_learned_before_writing(void) {
    const char *blurb = "Read the Estuary Post's weekend edition for more.";
    boiler_table *t = boiler_new(0);
    observe_bodies(t, "Estuary", 0, 10, blurb);
    int found;
    char *b = body_of(10, blurb);
    CHECK(taken_with(t, blurb, &found) == 0, "learned before any article was written: not listed");
    CHECK(spans_in(t, "Estuary", b) == 1, "yet it is boilerplate");
    free(b);
    const char *later = "Letters to the editor go to the Estuary Post desk.";
    for (int i = 20; i < 20 + BOILER_MIN_REPEAT; i++) {
        b = body_of(i, later);
        boiler_observe(t, "Estuary", b);
        spans_in(t, "Estuary", b);
        free(b);
    }
    CHECK(taken_with(t, later, &found) == 1 && found, "learned after articles were written: listed");
    boiler_free(t);
}

/* A line whose share falls below the threshold and an article written
 * with it meanwhile: listed again (held back while it is not
 * boilerplate, kept in the text form), taken once it is again. */
static void test_learned_again(void) {
    const char *blurb = "Subscribe to the Tidewater Ledger for full coverage.";
    boiler_table *t = boiler_new(0);
    for (int i = 0; i < BOILER_MIN_REPEAT; i++) {
        char *b = body_of(i, blurb);
        boiler_observe(t, "Tide", b);
        spans_in(t, "Tide", b);
        free(b);
    }
    int found;
    CHECK(taken_with(t, blurb, &found) == 1 && found, "learned once articles were written: listed");
    observe_bodies(t, "Tide", 100, 500, ""); /* 4 of 504: under the share */
    char *b = body_of(700, blurb);
    CHECK(spans_in(t, "Tide", b) == 0, "under its share it is kept in an article written now");
    CHECK(taken_with(t, blurb, &found) == 0, "not boilerplate now: nothing taken");
    sbuf text;
    sbuf_init(&text);
    boiler_to_text(t, &text);
    CHECK(strstr(text.data, "\nl ") != NULL, "but still listed in the text form");
    boiler_table *u = boiler_new(0);
    char err[LEDE_ERRLEN];
    CHECK(boiler_merge_text(u, text.data, text.len, "test", err) == LEDE_OK, "which reads back");
    for (int i = 0; i < 2; i++) {
        boiler_observe(t, "Tide", b);
        boiler_observe(u, "Tide", b);
    }
    CHECK(spans_in(t, "Tide", b) == 1, "6 of 506: boilerplate again");
    CHECK(taken_with(t, blurb, &found) == 1 && found, "and listed for the article written meanwhile");
    CHECK(taken_with(u, blurb, &found) == 1 && found, "also by a table read from the text");
    sbuf_free(&text);
    free(b);
    boiler_free(u);
    boiler_free(t);
}

static void test_sweep(void) {
    boiler_table *t = boiler_new(256);
    const char *blurb = "Support independent journalism: become a member today.";
    for (int i = 0; i < 400; i += 10) { /* 800 lines of their own pass through 256 slots */
        observe_bodies(t, "ledger", i, 1, blurb);
        observe_bodies(t, "ledger", i + 1, 9, "");
    }
    char *b = body_of(1000, blurb);
    CHECK(spans_in(t, "ledger", b) == 1, "a line in 10%% of articles survives the sweeps");
    free(b);
    boiler_free(t);
}

int main(void) {
    test_normalise();
    test_line_hash();
    test_observe_spans_at_once();
    test_long_line_threshold();
    test_short_lines();
    test_one_line_sign_off();
    test_share();
    test_copy_guard_and_bio();
    test_text_round_trip();
    test_learned_lines();
    test_learned_before_writing();
    test_learned_again();
    test_sweep();
    return unit_exit();
}
