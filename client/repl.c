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
    "Type a query (see HELP on the server for the syntax), or:\n"
    "  :next       the next page of results\n"
    "  :get N      read hit N of the last results\n"
    "  :quit       leave (or Ctrl-D)\n";

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

int repl_run(lconn *c, search_settings *s) {
    char *last = NULL;
    hitlist hits = {0};
    int status = 0;
    fputs(repl_help, stdout);
    for (;;) {
        char *line = readline("lede> ");
        if (!line) break;
        char *q = line + strspn(line, " \t");
        if (*q) add_history(q);
        int rc = 0;
        if (!*q) {
            /* nothing */
        } else if (!strcmp(q, ":quit") || !strcmp(q, ":q")) {
            free(line);
            break;
        } else if (!strcmp(q, ":next") || !strcmp(q, ":n")) {
            if (last) {
                s->offset += s->limit;
                rc = run_search(c, s, last, &hits);
            }
        } else if (!strncmp(q, ":get ", 5)) {
            rc = show_hit(c, s, &hits, q + 5);
        } else if (q[0] == ':') {
            fputs(repl_help, stdout);
        } else {
            free(last);
            last = lede_strdup(q);
            s->offset = 0;
            rc = run_search(c, s, last, &hits);
        }
        free(line);
        if (rc < 0) {
            status = 2;
            break;
        }
    }
    free(last);
    hitlist_free(&hits);
    return status;
}
