/* eval.h -- retrieval effectiveness: nDCG@k, average precision and
 * recall@k for one query, and their means over a collection's judgements
 * and a run read from files.  Used by the relevance benchmark; knows
 * nothing of the engine.
 *
 * Definitions (those of trec_eval's ndcg_cut, map and recall measures):
 * - gain of a document: its grade in the judgements, 0 when unjudged or
 *   graded <= 0; a document is relevant when its grade is > 0;
 * - nDCG@k = DCG@k / IDCG@k, DCG@k = sum over ranks r = 1..k of
 *   gain(r) / log2(r + 1), IDCG@k the same over the judged grades sorted
 *   best first (0 when the query has no relevant document);
 * - AP@k = (sum over ranks r <= k holding a relevant document of
 *   precision@r) / (relevant documents in the judgements);
 * - recall@k = relevant documents in the top k / relevant documents.
 * A document repeated in a ranking counts at its first rank only.
 *
 * Files (tab-separated, one record a line, blank lines ignored):
 * - judgements (qrels): QUERY_ID TAB DOC_ID TAB GRADE (an integer); a
 *   first line whose grade is not a number is taken as a header;
 * - run: QUERY_ID TAB DOC_ID TAB RANK [TAB anything], ranks from 1.
 * Means are over the queries with at least one relevant document; such a
 * query missing from the run scores 0 (trec_eval -c). */
#ifndef LEDE_EVAL_H
#define LEDE_EVAL_H

#include <stddef.h>

/* The judged documents of one query, sorted by doc (eval_sort_judged). */
typedef struct eval_judged {
    const char *doc;
    int grade;
} eval_judged;

void eval_sort_judged(eval_judged *j, size_t n);
/* The grade of doc, 0 when unjudged (j sorted). */
int eval_grade(const eval_judged *j, size_t n, const char *doc);

/* Each takes the judgements of one query (sorted) and its ranking, best
 * first (ranked[0] is rank 1). */
double eval_ndcg(const eval_judged *j, size_t nj, const char *const *ranked,
                 size_t n, size_t k);
double eval_ap(const eval_judged *j, size_t nj, const char *const *ranked,
               size_t n, size_t k);
double eval_recall(const eval_judged *j, size_t nj, const char *const *ranked,
                   size_t n, size_t k);

typedef struct eval_summary {
    size_t queries;        /* judged queries with a relevant document */
    size_t unanswered;     /* of those, missing from the run */
    double ndcg10, map1000, recall100;
} eval_summary;

/* Reads both files and computes the means; returns 0, or -1 with a
 * message in err (errlen bytes). */
int eval_files(const char *qrels_path, const char *run_path,
               eval_summary *out, char *err, size_t errlen);

#endif
