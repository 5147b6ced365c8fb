/* jobq.c -- bounded blocking FIFO of indexing jobs (see jobq.h).  Does no
 * I/O and touches no index. */
#include "jobq.h"
#include "../src/util.h"

#include <stdlib.h>

void jobq_init(jobq *q, size_t cap) {
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    q->head = q->tail = NULL;
    q->len = 0;
    q->cap = cap;
    q->pop_waiting = q->push_waiting = 0;
}

void jobq_destroy(jobq *q) {
    while (q->head) {
        jobq_job *j = q->head;
        q->head = j->next;
        jobq_job_free(j);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
}

void jobq_push(jobq *q, jobq_job *j) {
    pthread_mutex_lock(&q->mu);
    while (q->len >= q->cap) {
        q->push_waiting = 1;
        pthread_cond_wait(&q->not_full, &q->mu);
    }
    j->next = NULL;
    if (q->tail) q->tail->next = j;
    else q->head = j;
    q->tail = j;
    q->len++;
    if (q->pop_waiting && (q->len >= JOBQ_WAKE || q->len >= q->cap || j->kind != JOBQ_PUT ||
                           j->done)) {
        q->pop_waiting = 0;
        pthread_cond_signal(&q->not_empty);
    }
    pthread_mutex_unlock(&q->mu);
}

jobq_job *jobq_pop(jobq *q) {
    pthread_mutex_lock(&q->mu);
    while (!q->head) {
        q->pop_waiting = 1;
        pthread_cond_wait(&q->not_empty, &q->mu);
    }
    jobq_job *j = q->head;
    q->head = j->next;
    if (!q->head) q->tail = NULL;
    q->len--;
    if (q->push_waiting && q->len <= q->cap / 2) {
        q->push_waiting = 0;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->mu);
    return j;
}

jobq_job *jobq_job_new(jobq_kind kind) {
    jobq_job *j = lede_calloc(1, sizeof *j);
    j->kind = kind;
    article_init(&j->a);
    return j;
}

void jobq_job_free(jobq_job *j) {
    if (!j) return;
    article_free(&j->a);
    free(j->record);
    free(j->boiler);
    if (!j->keep_borrowed) idset_free(j->keep);
    free(j);
}
