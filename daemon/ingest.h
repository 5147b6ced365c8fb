/* ingest.h -- the daemon's one writer: a thread that owns the index for
 * writing (livewriter.h) and applies the ingest commands (ADD, PUT,
 * DELETE, COMMIT, COMPACT) in the order they arrive, committing on its own
 * once the stream of changes pauses or commit_interval has passed.  Jobs
 * and replies travel as for the query pool (job.h): a job carries its
 * request in and its reply out, and every finished job wakes the loop
 * through notify.  The thread never touches sockets. */
#ifndef LEDE_INGEST_H
#define LEDE_INGEST_H

#include <stdint.h>
#include "job.h"

typedef struct ingest ingest;

typedef struct ingest_figures {
    uint64_t backlog;          /* jobs waiting for the writer */
    uint64_t uncommitted;      /* changes applied, not yet committed */
    uint64_t revision;         /* of the last commit */
    uint64_t articles;
    int64_t last_commit;       /* Unix seconds, 0: never */
    uint64_t added, replaced, deleted, commits, compactions;
} ingest_figures;

/* Takes the index for writing (creating it if missing; LEDE_ELOCKED if
 * another process writes it) and starts the thread. */
int ingest_start(ingest **out, const char *index, double commit_interval, double commit_settle,
                 void (*notify)(void *), void *notify_arg, char *err);
/* Queues a job; LEDE_ELIMIT when max_backlog jobs are waiting. */
int ingest_submit(ingest *g, job *j, int max_backlog);
/* Takes every finished job (completion order). */
job *ingest_take_done(ingest *g);
void ingest_figures_get(ingest *g, ingest_figures *f);
/* Applies what is queued, commits, releases the index, joins the thread. */
void ingest_stop(ingest *g);
/* Test hook (LEDE_TEST_HOLD, as the pool's, pool.c): a PUT of the article
 * id "lede-test-hold" waits, before it is applied, until a byte can be
 * read from the FIFO fifo, so tests can keep the writer busy and its
 * backlog full without timing.  Set once, before any job. */
void ingest_set_test_hold(ingest *g, const char *fifo);

#endif
