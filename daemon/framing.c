/* framing.c -- lines and PUT blocks out of a connection's input buffer
 * (see framing.h).  Owns the input buffer's reading; must not decide what
 * a line means (dispatch.c) nor touch the socket's output (replies.c). */
#define _GNU_SOURCE
#include "framing.h"
#include "conn.h"
#include "dispatch.h"
#include "log.h"
#include "replies.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>

void framing_refuse(conn *c, pending *p, const char *code, const char *msg) {
    replies_error(p, code, msg);
    p->close_after = 1;
    c->closing = 1;
    c->draining = 1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

/* The input buffer's high watermark: a line, or while a PUT waits for its
 * bytes, its whole article and newline (up to --max-article-bytes), which
 * must fit in the buffer to be taken (with the line's limit alone, a PUT
 * of more than 64 KiB waited for bytes libevent would not read). */
static void framing_set_watermark(conn *c) {
    size_t high = c->s->cfg->max_line + 2;
    if (c->put && (size_t)c->put->block_len + 2 > high) high = (size_t)c->put->block_len + 2;
    bufferevent_setwatermark(c->bev, EV_READ, 0, high);
}

/* A PUT's article: block_len bytes and a newline (LF or CRLF).  Returns 1
 * when it was taken, 0 while more bytes are needed. */
static int framing_put_block(conn *c) {
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = (size_t)c->put->block_len, have = evbuffer_get_length(in);
    if (have < n + 1) {
        framing_set_watermark(c);
        return 0;
    }
    char term[2] = {0, 0};
    struct evbuffer_ptr at;
    evbuffer_ptr_set(in, &at, n, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &at, term, have >= n + 2 ? 2 : 1);
    if (term[0] == '\r' && have < n + 2) {
        framing_set_watermark(c);
        return 0;
    }
    size_t tl = term[0] == '\n' ? 1 : term[0] == '\r' && term[1] == '\n' ? 2 : 0;
    proto_request *req = c->put;
    pending *p = c->put_reply;
    c->put = NULL;
    c->put_reply = NULL;
    framing_set_watermark(c);
    if (tl == 0) {
        framing_refuse(c, p, PROTO_E_SYNTAX, "the article's bytes must be followed by a newline");
    } else {
        req->block = lede_malloc(n + 1);
        evbuffer_remove(in, req->block, n);
        evbuffer_drain(in, tl);
        req->block[n] = '\0';
        dispatch_to_writer(c->s, p, req);
    }
    proto_request_free(req);
    free(req);
    replies_flush(c);
    return 1;
}

static void framing_too_long(conn *c) {
    pending *p = replies_add(c);
    char msg[128];
    snprintf(msg, sizeof msg, "request line longer than %zu bytes", c->s->cfg->max_line);
    framing_refuse(c, p, PROTO_E_TOOLONG, msg);
    log_msg(LOG_LEVEL_WARN, "conn %llu %s: %s", (unsigned long long)c->id, c->peer, msg);
    replies_flush(c);
}

void framing_process(conn *c) {
    if (c->processing) return;
    c->processing = 1;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t max = c->s->cfg->max_line;
    /* The output check keeps cheap commands, answered at once, from
     * growing the output without bound within one read. */
    while (!c->closing && conn_under_caps(c)) {
        if (c->put) {
            if (!framing_put_block(c)) break;
            continue;
        }
        size_t eol_len = 0;
        struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
        if (eol.pos < 0) {
            if (evbuffer_get_length(in) > max + 1) framing_too_long(c); /* room for a CR */
            break;
        }
        size_t content = (size_t)eol.pos;
        if (content > 0) {
            char last;
            struct evbuffer_ptr at;
            evbuffer_ptr_set(in, &at, content - 1, EVBUFFER_PTR_SET);
            if (evbuffer_copyout_from(in, &at, &last, 1) == 1 && last == '\r') content--;
        }
        if (content > max) {
            framing_too_long(c);
            break;
        }
        char *line = lede_malloc((size_t)eol.pos + 1);
        evbuffer_remove(in, line, (size_t)eol.pos);
        evbuffer_drain(in, eol_len);
        line[eol.pos] = '\0';
        dispatch_line(c, line, (size_t)eol.pos);
        free(line);
    }
    c->processing = 0;
    conn_update_reading(c);
}

void framing_eof(conn *c) {
    framing_process(c);
    if (!c->put) return;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    size_t n = (size_t)c->put->block_len, have = evbuffer_get_length(in);
    char cr = 0;
    struct evbuffer_ptr at;
    if (have == n + 1 && evbuffer_ptr_set(in, &at, n, EVBUFFER_PTR_SET) == 0)
        evbuffer_copyout_from(in, &at, &cr, 1);
    if (have >= n + 2 || (have == n + 1 && cr != '\r')) return; /* all there: taken in turn */
    /* the client stopped sending before the PUT's bytes were all there:
     * nothing more will come, so the PUT is answered now */
    pending *p = c->put_reply;
    char msg[128];
    snprintf(msg, sizeof msg, "the connection was closed before the article's %llu bytes and "
             "their newline", (unsigned long long)c->put->block_len);
    proto_request_free(c->put);
    free(c->put);
    c->put = NULL;
    c->put_reply = NULL;
    replies_error(p, PROTO_E_SYNTAX, msg);
    replies_flush(c);
}
