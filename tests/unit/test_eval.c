/* test_eval.c -- the relevance measures of bench/eval.c against values
 * worked out by hand.
 *
 * The example: one query judged d1 = 3, d2 = 2, d3 = 0, d4 = 1, d5 = 1, so
 * four relevant documents (d3 is judged but not relevant); the engine
 * ranks d2, d3, d1, d9 (unjudged), d4.  log2(2) = 1, log2(3) = 1.5849625,
 * log2(4) = 2, log2(5) = 2.3219281, log2(6) = 2.5849625.
 *
 * nDCG@3:  DCG  = 2/1 + 0/log2(3) + 3/2                      = 3.5
 *          IDCG = 3/1 + 2/log2(3) + 1/2  (grades 3, 2, 1)     = 4.7618595
 *          nDCG = 3.5 / 4.7618595                              = 0.7350070
 * nDCG@10: DCG  = 3.5 + 0/log2(5) + 1/log2(6)                 = 3.8868528
 *          IDCG = 4.7618595 + 1/log2(5)  (grades 3, 2, 1, 1)  = 5.1925361
 *          nDCG = 3.8868528 / 5.1925361                        = 0.7485461
 * AP@1000: relevant at ranks 1, 3, 5: precisions 1/1, 2/3, 3/5;
 *          (1 + 2/3 + 3/5) / 4 = (30 + 20 + 18) / 120 = 17/30  = 0.5666667
 * AP@3:    ranks 1 and 3 only: (1 + 2/3) / 4 = 5/12            = 0.4166667
 * Recall@3 = 2/4 = 0.5;  Recall@5 = 3/4 = 0.75.
 *
 * A repeated document counts once: ranking d1, d1, d2 at k = 2 gives
 * DCG = 3/1 + 0 = 3, IDCG@2 = 3 + 2/log2(3) = 4.2618595, nDCG = 0.7039181
 * (counting d1 twice would give more than the ideal).
 *
 * Means over files: q1 as above, q2 judged relevant but absent from the
 * run (scores 0), q3 judged only with grade 0 (not counted):
 * nDCG@10 = 0.7485461 / 2 = 0.3742731, MAP = 17/60 = 0.2833333,
 * Recall@100 = 0.75 / 2 = 0.375. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../bench/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int near(double got, double want) {
    return fabs(got - want) < 1e-6;
}

static eval_judged judged[] = {{"d4", 1}, {"d1", 3}, {"d3", 0}, {"d5", 1}, {"d2", 2}};
#define NJ (sizeof judged / sizeof judged[0])

static void test_one_query(void) {
    eval_sort_judged(judged, NJ);
    CHECK(eval_grade(judged, NJ, "d1") == 3 && eval_grade(judged, NJ, "d9") == 0,
          "grades looked up, unjudged is 0");
    const char *ranked[] = {"d2", "d3", "d1", "d9", "d4"};
    double v;
    v = eval_ndcg(judged, NJ, ranked, 5, 3);
    CHECK(near(v, 0.7350070), "nDCG@3 = 0.7350070 (%.7f)", v);
    v = eval_ndcg(judged, NJ, ranked, 5, 10);
    CHECK(near(v, 0.7485461), "nDCG@10 = 0.7485461 (%.7f)", v);
    v = eval_ap(judged, NJ, ranked, 5, 1000);
    CHECK(near(v, 17.0 / 30), "AP@1000 = 17/30 (%.7f)", v);
    v = eval_ap(judged, NJ, ranked, 5, 3);
    CHECK(near(v, 5.0 / 12), "AP@3 = 5/12 (%.7f)", v);
    v = eval_recall(judged, NJ, ranked, 5, 3);
    CHECK(near(v, 0.5), "Recall@3 = 0.5 (%.7f)", v);
    v = eval_recall(judged, NJ, ranked, 5, 5);
    CHECK(near(v, 0.75), "Recall@5 = 0.75 (%.7f)", v);

    const char *dup[] = {"d1", "d1", "d2"};
    v = eval_ndcg(judged, NJ, dup, 3, 2);
    CHECK(near(v, 0.7039181), "a repeated document counts once (%.7f)", v);

    const char *best[] = {"d1", "d2", "d4", "d5"};
    CHECK(near(eval_ndcg(judged, NJ, best, 4, 10), 1) && near(eval_ap(judged, NJ, best, 4, 1000), 1) &&
          near(eval_recall(judged, NJ, best, 4, 4), 1), "the ideal ranking scores 1 everywhere");
    CHECK(eval_ndcg(judged, NJ, best, 0, 10) == 0 && eval_ap(judged, NJ, best, 0, 1000) == 0,
          "an empty ranking scores 0");
    eval_judged none[] = {{"d1", 0}};
    CHECK(eval_ndcg(none, 1, best, 4, 10) == 0 && eval_recall(none, 1, best, 4, 10) == 0,
          "no relevant document: 0, not a division by zero");
}

static char *write_temp(const char *text) {
    char *path = strdup("/tmp/lede-test-eval.XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_files(void) {
    char *qrels = write_temp("query-id\tcorpus-id\tscore\n"
                             "q1\td1\t3\nq1\td2\t2\nq1\td3\t0\nq1\td4\t1\nq1\td5\t1\n"
                             "q2\tx\t1\nq3\td1\t0\n");
    /* q1's lines out of rank order; q3 answered but not counted. */
    char *run = write_temp("q1\td1\t3\t9.0\nq1\td2\t1\t9.5\nq1\td9\t4\t8\nq1\td4\t5\t7\n"
                           "q1\td3\t2\t9.2\nq3\td1\t1\t1\n");
    char err[256];
    eval_summary s;
    int rc = eval_files(qrels, run, &s, err, sizeof err);
    CHECK(rc == 0, "files read (%s)", rc ? err : "ok");
    CHECK(s.queries == 2 && s.unanswered == 1, "two queries count, one unanswered (%zu, %zu)",
          s.queries, s.unanswered);
    CHECK(near(s.ndcg10, 0.3742731), "mean nDCG@10 = 0.3742731 (%.7f)", s.ndcg10);
    CHECK(near(s.map1000, 17.0 / 60), "MAP@1000 = 17/60 (%.7f)", s.map1000);
    CHECK(near(s.recall100, 0.375), "mean Recall@100 = 0.375 (%.7f)", s.recall100);
    unlink(run);
    free(run);

    run = write_temp("q1\td1\tfirst\n");
    rc = eval_files(qrels, run, &s, err, sizeof err);
    CHECK(rc == -1 && strstr(err, ":1:") && strstr(err, "not a number"),
          "a bad rank is an error with its line (%s)", err);
    unlink(run);
    free(run);
    rc = eval_files(qrels, "/nonexistent/run.tsv", &s, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "/nonexistent/run.tsv"), "a missing file is named (%s)", err);
    unlink(qrels);
    free(qrels);
}

int main(void) {
    test_one_query();
    test_files();
    return unit_exit();
}
