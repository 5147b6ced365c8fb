/* jobq.h -- the bounded queue between the indexer's reading thread and a
 * writer thread: a FIFO of jobs under one mutex, where push blocks while
 * the queue is full (so memory stays bounded) and pop blocks while empty.
 * A sleeping writer is woken once JOBQ_WAKE articles wait, or at once for
 * any other job or one somebody waits on; a blocked reader once the queue
 * is half empty.  Handing articles over one by one cost a thread wake-up
 * per article (7% of a build's time in perf).  Owns the queue and the job
 * record; knows nothing of what a writer does with a job (writers.c). */
#ifndef LEDE_JOBQ_H
#define LEDE_JOBQ_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>
#include "../src/article.h"
#include "../src/idset.h"

typedef enum {
    JOBQ_PUT,          /* index article; write record if set */
    JOBQ_RECORD,       /* set (or delete, when record is NULL) a file record */
    JOBQ_DELETE_FILE,  /* delete the file's articles not in keep */
    JOBQ_SCAN_DELETED, /* delete articles of files gone from directory sources */
    JOBQ_COMMIT,       /* commit what was written since the last commit */
    JOBQ_STOP          /* commit and end */
} jobq_kind;

typedef struct jobq_job {
    jobq_kind kind;
    article a;
    char filekey[17];   /* "" when the article has no source file */
    char *record;       /* file record value, or NULL */
    idset *keep;
    int keep_borrowed;  /* keep is not the job's to free (a deletion sent to
                           every shard of a sharded index) */
    sem_t *done;        /* posted by the writer once the job is handled */
    /* A full build's: the article's boilerplate lines as decided in
     * reading order (writers_decide_boiler), *boiler malloc'd */
    struct boiler_span *boiler;
    size_t nboiler;
    int boiler_decided;
    struct jobq_job *next;
} jobq_job;

typedef struct jobq {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    jobq_job *head, *tail;
    size_t len, cap;
    int pop_waiting, push_waiting;
} jobq;

#define JOBQ_WAKE 32

void jobq_init(jobq *q, size_t cap);
void jobq_destroy(jobq *q);
void jobq_push(jobq *q, jobq_job *j);
jobq_job *jobq_pop(jobq *q);
jobq_job *jobq_job_new(jobq_kind kind);
void jobq_job_free(jobq_job *j);

#endif
