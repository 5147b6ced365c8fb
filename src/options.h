/* options.h -- the command-line parser of lede-index, leded and lede.
 *
 * Owns: the syntax of a command line (--name VALUE, --name=VALUE, a unique
 * prefix of a long name, -x VALUE, -xVALUE, -abc, "--" ending the options,
 * options anywhere among the words), the checks of one value (integers,
 * sizes with K/M/G, doubles, ranges, enumerations) with their error
 * messages, applying the defaults, and --help printed from the table.
 *
 * Must not: know what any option means, check options against each other
 * (a required option, a command that takes no words: the program's main
 * does), print anything but opt_help's text, or exit (codes and a message
 * in err; main decides).
 *
 * A program writes each option once, in an opt_spec array ending with
 * {0}; the pointers go into its own config struct:
 *
 *     opt_spec specs[] = {
 *         {"limit", 'n', OPT_UINT, &cfg.limit, .metavar = "N", .help = "hits per page",
 *          .def = "10", .min = 1, .max = 1000},
 *         {"json", 0, OPT_FLAG, &cfg.json, .help = "print JSON"},
 *         {"help", 'h', OPT_HELP, NULL, .help = "this text"},
 *         {0}};
 *     opt_table t = {"lede", "usage: lede [options] QUERY...\n", specs, .epilog = NULL};
 *     int nwords;
 *     switch (opt_parse(&t, argc, argv, &nwords, err)) {
 *     case OPT_OK: break;  // the words are argv[1..nwords]
 *     case OPT_HELP_ASKED: opt_help(stdout, &t); return 0;
 *     default: fprintf(stderr, "lede: %s\n", err); return 2;
 *     }
 *
 * (The fields after help are designated: gcc's -Wextra wants every field
 * of a positional initializer.) 
 */
#ifndef LEDE_OPTIONS_H
#define LEDE_OPTIONS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum opt_kind {
    OPT_END = 0,  /* ends the table */
    OPT_HEADING,  /* not an option: `help` is printed as a heading line */
    OPT_FLAG,     /* no value: *(int *)dest = 1 */
    OPT_SET,      /* no value: *(int *)dest = value */
    OPT_COUNT,    /* no value, repeatable: *(int *)dest += 1 */
    OPT_HELP,     /* no value: opt_parse returns OPT_HELP at once */
    OPT_STRING,   /* *(const char **)dest = the value (argv's own string) */
    OPT_INT,      /* int, decimal, within [min, max] */
    OPT_UINT,     /* unsigned, decimal, within [min, max] */
    OPT_SIZE,     /* size_t, decimal with an optional K, M or G (x1024^n) */
    OPT_DOUBLE,   /* double, finite, within [min, max]; stored times scale */
    OPT_ENUM,     /* *(int *)dest = index of the value in choices (any case) */
    OPT_CALL      /* call(value, dest, err) decides */
} opt_kind;

#define OPT_SUFFIX 1u   /* flags: OPT_INT/OPT_UINT also take K, M, G */
#define OPT_ABOVE_MIN 2u /* flags: the value must be more than min, not equal */

typedef struct opt_spec {
    const char *name;    /* long name without "--"; NULL only for OPT_HEADING */
    char letter;         /* short option letter, or 0 */
    opt_kind kind;
    void *dest;          /* what the kind says; OPT_CALL: passed to call */
    const char *metavar; /* the value's name in --help (OPT_ENUM: the choices) */
    const char *help;    /* one line, wrapped by opt_help */
    const char *def;     /* the default, parsed like a value before argv and
                          * shown as [default: DEF]; NULL: dest is left as is */
    const char *def_note;/* shown instead of def when main sets the default */
    double min, max;     /* numbers: the range; max 0 means the type's largest */
    double scale;        /* OPT_DOUBLE: stored value = value * scale (0: 1) */
    int value;           /* OPT_SET */
    const char *const *choices; /* OPT_ENUM: NULL-terminated */
    int (*call)(const char *value, void *dest, char *err); /* OPT_CALL */
    unsigned flags;      /* OPT_SUFFIX, OPT_ABOVE_MIN */
} opt_spec;

typedef struct opt_table {
    const char *prog;     /* in messages */
    const char *usage;    /* printed before the options by opt_help */
    const opt_spec *opts; /* ends with {0} */
    const char *epilog;   /* printed after them, or NULL */
    /* Words (positional arguments) may begin with '-' once one word has
     * been seen, unless they begin with "--" or are exactly "-x" for a
     * short option x: lede's query words (`drought -harvest`). */
    int dash_words;
} opt_table;

#define OPT_OK 0
#define OPT_HELP_ASKED 1
#define OPT_ERROR (-1)

/* Applies every spec's default, then parses argv[1..argc-1] against the
 * table.  On OPT_OK the words (non-options, in their order) are moved to
 * argv[1..*nwords] and argv[*nwords + 1] is NULL.  Returns OPT_HELP_ASKED
 * when an OPT_HELP option came (the options before it applied), OPT_ERROR
 * with a message in err (LEDE_ERRLEN bytes) naming the option and value. */
int opt_parse(const opt_table *t, int argc, char **argv, int *nwords, char *err);

/* usage, then one line (wrapped) per option with its default, then the
 * epilog. */
void opt_help(FILE *out, const opt_table *t);

#ifdef __cplusplus
}
#endif

#endif
