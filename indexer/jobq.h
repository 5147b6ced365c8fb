/* jobq.h -- the bounded queue between the indexer's reading thread and a
 * writer thread: a FIFO of jobs under one mutex, where push blocks while
 * the queue is full (so memory stays bounded) and pop blocks while empty.
 * A sleeping writer is woken once JOBQ_WAKE articles wait, or at once for
 * any other job or one somebody waits on; a blocked reader once the queue
 * is half empty.  Handing articles over one by one cost a thread wake-up
 * per article (7% of a build's time in perf). */
#ifndef LEDE_JOBQ_H
#define LEDE_JOBQ_H

#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdint.h>
#include "../src/article.h"
#include "../src/idset.h"

typedef enum {
    JOB_PUT,          /* index article; write record if set */
    JOB_RECORD,       /* set (or delete, when record is NULL) a file record */
    JOB_DELETE_FILE,  /* delete the file's articles not in keep */
    JOB_SCAN_DELETED, /* delete articles of files gone from directory sources */
    JOB_COMMIT,       /* commit what was written since the last commit */
    JOB_STOP          /* commit and end */
} job_kind;

typedef struct job {
    job_kind kind;
    article a;
    char filekey[17];   /* "" when the article has no source file */
    char *record;       /* file record value, or NULL */
    idset *keep;
    sem_t *done;        /* posted by the writer once the job is handled */
    struct job *next;
} job;

typedef struct jobq {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    job *head, *tail;
    size_t len, cap;
    int pop_waiting, push_waiting;
} jobq;

#define JOBQ_WAKE 32

void jobq_init(jobq *q, size_t cap);
void jobq_destroy(jobq *q);
void jobq_push(jobq *q, job *j);
job *jobq_pop(jobq *q);
job *job_new(job_kind kind);
void job_free(job *j);

#endif
