/* repl.c -- interactive search prompt (see repl.h).  Frames and renders
 * nothing itself (conn.c, render.c). */
#define _GNU_SOURCE
#include "repl.h"
#include "render.h"

#include <editline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void search_line(sbuf *out, const search_settings *s, const char *query) {
    sbuf_reset(out);
    sbuf_printf(out, "SEARCH limit=%u offset=%u sort=%s mode=%s hl=%s,%s", s->limit,
                s->offset, s->sort ? s->sort : "relevance", s->any ? "any" : "all",
                s->view.color ? RENDER_HL_OPEN : "", s->view.color ? RENDER_HL_CLOSE : "");
    if (s->facets) sbuf_printf(out, " facets=%s", s->facets);
    if (s->collapse) sbuf_printf(out, " collapse=%s", s->collapse);
    sbuf_printf(out, " -- %s", query);
}

void similar_line(sbuf *out, const search_settings *s, const char *id, const char *filter) {
    sbuf_reset(out);
    sbuf_printf(out, "SIMILAR %s limit=%u offset=%u hl=%s,%s dups=%s", id, s->limit, s->offset,
                s->view.color ? RENDER_HL_OPEN : "", s->view.color ? RENDER_HL_CLOSE : "",
                s->dups ? "show" : "hide");
    if (s->collapse) sbuf_printf(out, " collapse=%s", s->collapse);
    if (filter && *filter) sbuf_printf(out, " -- %s", filter);
}

static const char repl_help[] =
    "Type a query (the syntax: docs/QUERY.md), or:\n"
    "  :next       the next page of results (:n)\n"
    "  :get N      read hit N of the last results\n"
    "  :yes        search for the last \"Did you mean\" (:y)\n"
    "  :help       this text (HELP too)\n"
    "  :quit       leave (:q, or Ctrl-D)\n";

#define HISTORY_FILE ".lede_history"
#define HISTORY_MAX 1000

/* ~/.lede_history, or NULL without a home. */
static char *history_path(void) {
    const char *home = getenv("HOME");
    if (!home || !*home) return NULL;
    sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "%s/%s", home, HISTORY_FILE);
    return sbuf_detach(&b);
}

/* Sends one request; prints transport errors and ERR replies.  Returns
 * -1 when the connection failed, 0 for an ERR reply, 1 for an OK one. */
static int ask(lconn *c, const char *line, reply *r) {
    char err[LEDE_ERRLEN];
    if (lconn_request(c, line, 1, 0, r, err) != LEDE_OK) {
        fprintf(stderr, "lede: %s\n", err);
        return -1;
    }
    if (!strncmp(r->lines[0], "ERR", 3)) {
        fprintf(stderr, "%s\n", r->lines[0]);
        reply_free(r);
        return 0;
    }
    return 1;
}

static int run_search(lconn *c, search_settings *s, const char *query, hitlist *hits) {
    sbuf line;
    sbuf_init(&line);
    search_line(&line, s, query);
    reply r;
    int rc = ask(c, line.data, &r);
    sbuf_free(&line);
    if (rc <= 0) return rc;
    hitlist_free(hits);
    render_search(stdout, &s->view, &r, hits);
    reply_free(&r);
    return 0;
}

static int show_hit(lconn *c, search_settings *s, const hitlist *hits, const char *arg) {
    int n = atoi(arg);
    int first = (int)s->offset + 1;
    if (n < first || n >= first + hits->n) {
        fprintf(stderr, "no hit %s on this page\n", arg);
        return 0;
    }
    sbuf line;
    sbuf_init(&line);
    sbuf_printf(&line, "GET %s", hits->ids[n - first]);
    reply r;
    int rc = ask(c, line.data, &r);
    sbuf_free(&line);
    if (rc <= 0) return rc;
    render_article(stdout, &s->view, &r);
    reply_free(&r);
    return 0;
}

/* A new query: the first page of it. */
static int new_search(lconn *c, search_settings *s, char **last, const char *query,
                      hitlist *hits) {
    free(*last);
    *last = lede_strdup(query);
    s->offset = 0;
    return run_search(c, s, *last, hits);
}

static int is_command(const char *q, const char *longer, const char *shorter) {
    return !strcmp(q, longer) || (shorter && !strcmp(q, shorter));
}

/* One line typed at the prompt; -1 when the connection failed, 1 to
 * leave, else 0. */
static int one_line(lconn *c, search_settings *s, char **last, hitlist *hits, const char *q) {
    if (!*q) return 0;
    if (is_command(q, ":quit", ":q")) return 1;
    if (is_command(q, ":help", "HELP") || !strcmp(q, ":h")) {
        fputs(repl_help, stdout); /* not a search for the word "help" */
        return 0;
    }
    if (is_command(q, ":next", ":n")) {
        if (!*last) return 0;
        s->offset += s->limit;
        return run_search(c, s, *last, hits);
    }
    if (is_command(q, ":yes", ":y")) {
        if (!hits->did_you_mean) {
            fputs("no suggestion to take\n", stderr);
            return 0;
        }
        char *dym = lede_strdup(hits->did_you_mean);
        int rc = new_search(c, s, last, dym, hits);
        free(dym);
        return rc;
    }
    if (!strncmp(q, ":get ", 5)) return show_hit(c, s, hits, q + 5);
    if (q[0] == ':') {
        fputs(repl_help, stdout);
        return 0;
    }
    return new_search(c, s, last, q, hits);
}

int repl_run(lconn *c, search_settings *s) {
    char *last = NULL;
    hitlist hits = {0};
    int status = 0;
    char *history = history_path();
    stifle_history(HISTORY_MAX);
    if (history) read_history(history); /* none yet: nothing to read */
    fputs(repl_help, stdout);
    for (;;) {
        char *line = readline("lede> ");
        if (!line) {
            fputc('\n', stdout); /* Ctrl-D: the shell's prompt on a line of its own */
            break;
        }
        char *q = line + strspn(line, " \t");
        if (*q) add_history(q);
        int rc = one_line(c, s, &last, &hits, q);
        free(line);
        if (rc < 0) status = 2;
        if (rc) break;
    }
    if (history) write_history(history);
    free(history);
    free(last);
    hitlist_free(&hits);
    return status;
}
