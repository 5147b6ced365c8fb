/* relrun.c -- the relevance benchmark's client: sends every query of a
 * collection (queries.tsv: QUERY_ID TAB TEXT a line) to leded as
 *     SEARCH <OPTIONS> -- <TEXT>
 * one at a time over one connection, and writes the ranking it gets back
 * as a run (QUERY_ID TAB DOC_ID TAB RANK TAB SCORE a line; see eval.h).
 * A query answered with ERR is reported on stderr and has no run lines.
 * usage: relrun HOST:PORT QUERIES RUN [OPTIONS]
 * OPTIONS default to "limit=1000 mode=any snippet=0".  Prints
 * "queries=N errors=E hits=H" on stdout. */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(const char *addr) {
    char *host = strdup(addr), *port = strrchr(host, ':');
    if (!port) {
        free(host);
        return -1;
    }
    *port++ = '\0';
    struct addrinfo hints = {0}, *ai;
    hints.ai_socktype = SOCK_STREAM;
    int fd = -1;
    if (getaddrinfo(host, port, &hints, &ai) == 0) {
        fd = socket(ai->ai_family, ai->ai_socktype, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
        freeaddrinfo(ai);
    }
    free(host);
    return fd;
}

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

/* Undoes the protocol's field escaping (\\ \t \n \r) in place. */
static void unescape(char *s) {
    char *w = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *w++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
}

/* Reads one SEARCH reply, writing its HIT lines to run; returns the hits,
 * -1 for an ERR reply (message in line), -2 when the connection failed. */
static long read_reply(FILE *in, FILE *run, const char *qid, char **line, size_t *cap) {
    if (getline(line, cap, in) < 0) return -2;
    chomp(*line);
    if (strncmp(*line, "OK", 2)) return -1;
    long hits = 0;
    for (;;) {
        if (getline(line, cap, in) < 0) return -2;
        chomp(*line);
        if (!strcmp(*line, "END")) return hits;
        if (strncmp(*line, "HIT\t", 4)) continue; /* DIDYOUMEAN */
        char *f[5] = {0}, *p = *line;
        for (int i = 0; i < 5 && p; i++) {
            f[i] = p;
            p = strchr(p, '\t');
            if (p) *p++ = '\0';
        }
        if (!f[3]) continue;
        unescape(f[2]);
        fprintf(run, "%s\t%s\t%s\t%s\n", qid, f[2], f[1], f[3]);
        hits++;
    }
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: relrun HOST:PORT QUERIES RUN [OPTIONS]\n");
        return 2;
    }
    const char *options = argc == 5 ? argv[4] : "limit=1000 mode=any snippet=0";
    FILE *queries = fopen(argv[2], "r"), *run = fopen(argv[3], "w");
    if (!queries || !run) {
        perror(queries ? argv[3] : argv[2]);
        return 2;
    }
    int fd = dial(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "relrun: cannot connect to %s\n", argv[1]);
        return 2;
    }
    FILE *in = fdopen(fd, "r"), *out = fdopen(dup(fd), "w");
    char *line = NULL, *reply = NULL;
    size_t cap = 0, rcap = 0;
    long nq = 0, errors = 0, hits = 0;
    while (getline(&line, &cap, queries) >= 0) {
        chomp(line);
        char *text = strchr(line, '\t');
        if (!text) continue;
        *text++ = '\0';
        fprintf(out, "SEARCH %s -- %s\n", options, text);
        fflush(out);
        nq++;
        long h = read_reply(in, run, line, &reply, &rcap);
        if (h == -2) {
            fprintf(stderr, "relrun: connection lost at query %s\n", line);
            return 1;
        }
        if (h == -1) {
            fprintf(stderr, "relrun: query %s: %s\n", line, reply);
            errors++;
        } else {
            hits += h;
        }
    }
    printf("queries=%ld errors=%ld hits=%ld\n", nq, errors, hits);
    free(line);
    free(reply);
    fclose(in);
    fclose(out);
    fclose(queries);
    return fclose(run) == 0 ? 0 : 1;
}
