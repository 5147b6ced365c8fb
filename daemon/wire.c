/* wire.c -- the socket shared by the loop and the workers for replies
 * written through (see wire.h).  One mutex per connection guards the
 * sequence number the wire is open for and the closed flag; it is held
 * across the worker's non-blocking send, so the loop never queues bytes
 * or closes the socket while a worker is writing.  Claims are atomic
 * compare-and-swaps: whoever moves a claim off LIVE first owns the reply.
 * Knows nothing of jobs, pools or the loop's structs; must not decide when
 * the loop is woken (handoff.c). */
#define _GNU_SOURCE
#include "wire.h"
#include "../src/util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

struct wire {
    pthread_mutex_t mu;
    int fd;
    int closed;
    _Atomic uint64_t open_seq; /* WIRE_NONE: held; written under mu */
    atomic_int refs;
};

wire *wire_new(int fd) {
    wire *w = lede_calloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    w->fd = fd;
    w->open_seq = WIRE_NONE;
    atomic_init(&w->refs, 1);
    return w;
}

void wire_ref(wire *w) {
    atomic_fetch_add(&w->refs, 1);
}

void wire_unref(wire *w) {
    if (!w || atomic_fetch_sub(&w->refs, 1) != 1) return;
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* Opening a wire already open for seq or beyond changes nothing: a wire
 * open for a later number means workers sent seq and what followed it
 * whole, which the loop has not heard of yet (setting it back would only
 * make the next reply go through the loop).  It is the common case, and
 * skipping the lock then keeps the loop from waiting while a worker is
 * inside send(). */
void wire_open(wire *w, uint64_t seq) {
    if (seq == WIRE_NONE || w->fd < 0) return;
    if (atomic_load(&w->open_seq) >= seq) return;
    pthread_mutex_lock(&w->mu);
    if (!w->closed && w->open_seq < seq) w->open_seq = seq;
    pthread_mutex_unlock(&w->mu);
}

void wire_hold(wire *w) {
    pthread_mutex_lock(&w->mu);
    w->open_seq = WIRE_NONE;
    pthread_mutex_unlock(&w->mu);
}

void wire_close(wire *w) {
    pthread_mutex_lock(&w->mu);
    w->closed = 1;
    w->open_seq = WIRE_NONE;
    pthread_mutex_unlock(&w->mu);
}

/* open_seq is written with a sequentially consistent store after the
 * reply was made, so the load that sees it past seq also sees the reply. */
int wire_passed(wire *w, uint64_t seq) {
    return seq != WIRE_NONE && atomic_load(&w->open_seq) > seq;
}

int wire_passed_settled(wire *w, uint64_t seq) {
    pthread_mutex_lock(&w->mu);
    int passed = wire_passed(w, seq);
    pthread_mutex_unlock(&w->mu);
    return passed;
}

/* Writes what the socket takes now; an error counts as nothing written
 * (the loop sees the error itself when it writes the rest). */
static size_t send_some(int fd, const char *data, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = send(fd, data + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) done += (size_t)n;
        else if (n < 0 && errno == EINTR) continue;
        else break;
    }
    return done;
}

size_t wire_send(wire *w, uint64_t seq, _Atomic int *claim, const char *data,
                 size_t len) {
    size_t sent = 0;
    pthread_mutex_lock(&w->mu);
    int live = WIRE_LIVE;
    if (!w->closed && seq != WIRE_NONE && w->open_seq == seq &&
        atomic_compare_exchange_strong(claim, &live, WIRE_SENT)) {
        sent = send_some(w->fd, data, len);
        w->open_seq = sent == len ? seq + 1 : WIRE_NONE;
    }
    pthread_mutex_unlock(&w->mu);
    return sent;
}
