/* job.c -- a job's birth and end, and its error reply (see job.h).  Must
 * not touch queues, locks or connections. */
#include "job.h"

#include <stdlib.h>
#include <string.h>

job *job_new(proto_request *req, int json, void *owner) {
    job *j = lede_calloc(1, sizeof *j);
    j->req = *req;
    memset(req, 0, sizeof *req);
    j->json = json;
    j->owner = owner;
    sbuf_init(&j->reply);
    sbuf_init(&j->framed);
    return j;
}

void job_free(job *j) {
    if (!j) return;
    proto_request_free(&j->req);
    sbuf_free(&j->reply);
    sbuf_free(&j->framed);
    wire_unref(j->wire);
    free(j);
}

void job_reply_error(job *j, const char *code, int rc, const char *msg) {
    j->failed_internal = rc == LEDE_ERR;
    j->error_code = code;
    proto_reply_error(&j->reply, j->json, code, msg);
}
