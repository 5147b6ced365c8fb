/* http_job.h -- an HTTP request's work as jobs for the worker pool or
 * the ingest writer (http_job.c).  Loop thread only. */
#ifndef LEDE_DAEMON_HTTP_JOB_H
#define LEDE_DAEMON_HTTP_JOB_H

#include "http_state.h"

/* Sends req (moved out of it) to the workers or, for an ingest command,
 * to the writer; the reply is written when it comes back (BUSY at once
 * when refused).  A PING is GET /health's worker check. */
void http_job_submit(http_conn *hc, proto_request *req);
/* POST /articles of several JSON lines: each line an ADD, in order; one
 * reply with every line's outcome (proto_reply_batch). */
void http_batch_start(http_conn *hc);
/* http_reply.c: GET /health's reply from its worker check's. */
void http_reply_health(http_conn *hc, const sbuf *check);

#endif
