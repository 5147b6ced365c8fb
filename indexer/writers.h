/* writers.h -- the writer threads of a run (run.h): one per database being
 * written (a full build's shards, or the live database), each fed by its
 * own bounded queue (jobq.h).  Owns opening the databases for writing,
 * commits, the routing of jobs to shards and the end of the threads; must
 * not read source files or choose settings (sources.c, sample.c). */
#ifndef LEDE_WRITERS_H
#define LEDE_WRITERS_H

#include "run.h"

/* Opens every writer (a full build: new shards carrying b->set; else the
 * live database) and starts its thread; for a full build the stub then
 * lists the shards, so readers see each batch as it is committed. */
int writers_start(build *b, char *err);
/* Commits, ends the threads, closes the databases; the run's failure if a
 * writer had one. */
int writers_stop(build *b, char *err);
/* Hands a job on: to its writer's queue when they run, else to the held
 * articles of a full build (sample.h).  Takes j. */
int writers_dispatch(build *b, jobq_job *j, char *err);
/* To the writer of j (its part or shard: by id hash, so an id always
 * lands in the same one; a sharded index's other jobs as shardrun.h
 * says); the writers run.  Takes j. */
void writers_push(build *b, jobq_job *j);
/* A full build's article's boilerplate lines, as the run's table knows
 * them now (in reading order, after it counted the article, or when the
 * held ones are let go): the writer leaves out these, whatever the table
 * has learned by the time it reaches the article, so that what is left
 * out is a function of the input alone (not of the threads or writer). */
void writers_decide_boiler(build *b, jobq_job *j);
/* To writer k's queue, as it is.  Takes j. */
void writers_push_to(build *b, int k, jobq_job *j);
/* The writer of an article (a PUT job): its part or shard. */
int writers_route(build *b, const jobq_job *j);
/* Sets (record NULL: deletes) a file record; takes record. */
int writers_record(build *b, const char *filekey, char *record, char *err);
/* Hands a job to the writer and waits until it has been handled. */
int writers_run_sync(build *b, jobq_job *j, char *err);
/* What of --memory a bulk build's writers take all together, and the
 * grouping after their merge (engine_bulk_budget). */
size_t writers_bulk_memory(const build *b);

#endif
