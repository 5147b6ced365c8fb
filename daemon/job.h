/* job.h -- one request on its way to a thread, and its reply on the way
 * back: the unit both the query pool (pool.h) and the ingest writer
 * (ingest.h) take, and job_list, the first-in first-out list both keep
 * their waiting and finished jobs in.  Owns the job's fields and its
 * lifetime; who may change the reply's hand-off fields (claim, wire,
 * sent, stage, loop_quiet) and when is handoff.h's business.  No locking
 * here: each list is guarded by its owner's lock. */
#ifndef LEDE_DAEMON_JOB_H
#define LEDE_DAEMON_JOB_H

#include <stddef.h>
#include <stdint.h>
#include "../src/protocol.h"
#include "../src/util.h"
#include "wire.h"

/* Where a query job's reply stands; the transitions are handoff.h's. */
typedef enum job_stage {
    HANDOFF_LOUD = 0,          /* its end wakes the loop */
    HANDOFF_QUIET,             /* if its worker writes the whole reply, its
                                  end need not wake the loop */
    HANDOFF_DONE               /* in the pool's done list */
} job_stage;

typedef struct job {
    proto_request req;
    int json;
    sbuf reply;
    int failed_internal;       /* the reply is an INTERNAL error */
    const char *error_code;    /* the reply's error code (PROTO_E_*); NULL: ok */
    double started, finished_at; /* monotonic seconds */
    void *owner;               /* the loop's bookkeeping; never read by workers */
    /* Loop only: where the reply goes when the job comes back, if not to
     * a line connection's pending (an HTTP request, daemon/http_job.c);
     * called with owner NULL too (abandoned), then only to free its own. */
    void (*deliver)(struct job *j);
    /* Query jobs only (ingest leaves these zero): */
    _Atomic int claim;         /* WIRE_LIVE, WIRE_CANCELLED (nobody wants the
                                  answer) or WIRE_SENT (a worker wrote it) */
    wire *wire;                /* NULL: the loop writes the reply */
    uint64_t seq;              /* the request's number on its connection */
    size_t sent;               /* bytes of job_out the worker wrote */
    /* Worker side, before the reply goes through the wire: frames the
     * reply into framed (an HTTP reply's status line and headers before
     * its JSON, http_reply.c), the bytes then sent instead of reply;
     * frame_flags are the framer's.  NULL: the reply goes as it is. */
    void (*frame)(struct job *j);
    int frame_flags;
    sbuf framed;
    job_stage stage;           /* under the pool's lock (handoff.h) */
    int loop_quiet;            /* the loop's own note that it made the job
                                  quiet; never read by workers */
    int fresh;                 /* under the pool's lock: its connection had
                                  nothing else out when it came (pool.c) */
    struct job *next;
} job;

/* The bytes that go to the client: framed once framed, else reply. */
static inline const sbuf *job_out(const job *j) {
    return j->framed.len ? &j->framed : &j->reply;
}

/* A job carrying req (moved out of it, which is left empty) for a worker
 * or the ingest writer; owner is the loop's note of where the reply goes. */
job *job_new(proto_request *req, int json, void *owner);
void job_free(job *j);
/* The job's reply the error code (PROTO_E_*) with msg; a failure of kind
 * rc LEDE_ERR is marked internal (failed_internal: the loop logs it). */
void job_reply_error(job *j, const char *code, int rc, const char *msg);

typedef struct job_list {
    job *head, *tail;
} job_list;

static inline void job_list_push(job_list *l, job *j) {
    j->next = NULL;
    if (l->tail) l->tail->next = j;
    else l->head = j;
    l->tail = j;
}

/* The first job, taken off the list (NULL: empty). */
static inline job *job_list_pop(job_list *l) {
    job *j = l->head;
    if (j) {
        l->head = j->next;
        if (!l->head) l->tail = NULL;
    }
    return j;
}

/* Every job, as a list linked through next, in order; l is left empty. */
static inline job *job_list_take_all(job_list *l) {
    job *all = l->head;
    l->head = l->tail = NULL;
    return all;
}

#endif
