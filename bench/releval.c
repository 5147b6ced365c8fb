/* releval.c -- command line of the relevance measures (eval.c): reads a
 * collection's judgements and a run, prints the means.
 * usage: releval QRELS RUN
 * Prints "queries=N unanswered=U ndcg10=X map1000=Y recall100=Z". */
#include "eval.h"

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: releval QRELS RUN\n");
        return 2;
    }
    eval_summary s;
    char err[512];
    if (eval_files(argv[1], argv[2], &s, err, sizeof err) != 0) {
        fprintf(stderr, "releval: %s\n", err);
        return 1;
    }
    printf("queries=%zu unanswered=%zu ndcg10=%.4f map1000=%.4f recall100=%.4f\n",
           s.queries, s.unanswered, s.ndcg10, s.map1000, s.recall100);
    return 0;
}
