/* test_options.c -- the shared command-line parser (src/options.c): every
 * kind of value, option syntax, options among the words, "--", the error
 * messages, and --help printed from the table. */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/options.h"
#include "../../src/util.h"

#include <stdlib.h>

typedef struct conf {
    int flag, mode, verbose, workers, lines;
    unsigned limit, batch;
    size_t bytes;
    double interval, poll;
    int level;
    const char *name, *called;
} conf;

static int call_ok(const char *v, void *dest, char *err) {
    if (!strcmp(v, "bad")) return lede_seterr(err, "not this one");
    ((conf *)dest)->called = v;
    return LEDE_OK;
}

static conf c;
static const char *const levels[] = {"error", "warn", "info", NULL};
static const opt_spec specs[] = {
    {"flag", 'f', OPT_FLAG, &c.flag, .help = "a flag"},
    {"fast", 0, OPT_SET, &c.mode, .help = "mode 2", .value = 2},
    {"verbose", 'v', OPT_COUNT, &c.verbose, .help = "more, each time"},
    {"name", 'N', OPT_STRING, &c.name, .metavar = "NAME", .help = "a string"},
    {"names", 0, OPT_SET, &c.mode, .help = "mode 3 (its prefix --name is another option)",
     .value = 3},
    {"workers", 'w', OPT_INT, &c.workers, .metavar = "N", .help = "threads", .def = "4", .min = 1,
     .max = 64},
    {"lines", 0, OPT_INT, &c.lines, .metavar = "N", .help = "lines", .min = -10},
    {"limit", 'n', OPT_UINT, &c.limit, .metavar = "N", .help = "hits per page", .def = "10",
     .max = 1000},
    {"batch", 0, OPT_UINT, &c.batch, .metavar = "N", .help = "per commit", .def = "5000", .min = 1,
     .flags = OPT_SUFFIX},
    {"max-bytes", 0, OPT_SIZE, &c.bytes, .metavar = "BYTES", .help = "largest", .def = "16M",
     .min = 64},
    {.kind = OPT_HEADING, .help = "Timing:"},
    {"interval", 0, OPT_DOUBLE, &c.interval, .metavar = "S", .help = "seconds", .def = "0.25",
     .max = 3600, .flags = OPT_ABOVE_MIN},
    {"poll-us", 0, OPT_DOUBLE, &c.poll, .metavar = "N", .help = "microseconds", .def = "1000",
     .max = 1e6, .scale = 1e-6},
    {"level", 0, OPT_ENUM, &c.level, .help = "how much to log", .def = "info", .choices = levels},
    {"call", 0, OPT_CALL, &c, .metavar = "V",
     .help = "a callback, with a help text long enough that it has to be wrapped over two lines",
     .call = call_ok,
     .def_note = "what main says"},
    {"help", 'h', OPT_HELP, NULL, .help = "this text"},
    {0}};

static char *argv_buf[32];
static int nwords;
static char err[LEDE_ERRLEN];

/* Parses a space-separated command line (program name first). */
static int parse_with(const opt_table *t, const char *line) {
    static char copy[1024];
    snprintf(copy, sizeof copy, "%s", line);
    int argc = 0;
    for (char *w = strtok(copy, " "); w && argc < 31; w = strtok(NULL, " ")) argv_buf[argc++] = w;
    argv_buf[argc] = NULL;
    memset(&c, 0, sizeof c);
    err[0] = '\0';
    return opt_parse(t, argc, argv_buf, &nwords, err);
}

static const opt_table table = {"prog", "usage: prog [options] WORD...\n", specs,
                                .epilog = "End.\n"};

static int parse(const char *line) {
    return parse_with(&table, line);
}

static void test_kinds(void) {
    CHECK(parse("prog") == OPT_OK && nwords == 0, "no arguments");
    CHECK(c.workers == 4 && c.limit == 10 && c.batch == 5000 && c.bytes == 16u << 20,
          "integer defaults are applied");
    CHECK(c.interval == 0.25 && c.poll == 0.001 && c.level == 2, "double and enum defaults");
    CHECK(c.called == NULL && c.name == NULL && c.flag == 0, "no default: left as it was");

    CHECK(parse("prog -f --fast -v --verbose -vv --name x --workers 64 --limit 0") == OPT_OK,
          "every flag kind parses");
    CHECK(c.flag == 1 && c.mode == 2 && c.verbose == 4, "flag, set and count (%d)", c.verbose);
    CHECK_STR(c.name, "x", "string");
    CHECK(c.workers == 64 && c.limit == 0, "int at its max, unsigned at its min");
    CHECK(parse("prog --lines -10") == OPT_OK && c.lines == -10, "a negative int where min allows");
    CHECK(parse("prog --batch 2k --max-bytes 3G") == OPT_OK && c.batch == 2048 &&
              c.bytes == (size_t)3 << 30, "K and G suffixes (%u, %zu)", c.batch, c.bytes);
    CHECK(parse("prog --max-bytes 1m") == OPT_OK && c.bytes == 1u << 20, "lower-case suffix");
    CHECK(parse("prog --interval 0.5 --poll-us 250") == OPT_OK && c.interval == 0.5 &&
              c.poll == 250e-6, "double, and one stored times its scale");
    CHECK(parse("prog --level WARN") == OPT_OK && c.level == 1, "enum by name, any case");
    CHECK(parse("prog --call yes") == OPT_OK && c.called && !strcmp(c.called, "yes"), "callback");
}

static void test_syntax(void) {
    CHECK(parse("prog --name=a=b --limit=7") == OPT_OK && !strcmp(c.name, "a=b") && c.limit == 7,
          "--name=VALUE splits at the first '='");
    CHECK(parse("prog --name= x") == OPT_OK && !strcmp(c.name, "") && nwords == 1,
          "--name= gives an empty value");
    CHECK(parse("prog -n5 -N -x") == OPT_OK && c.limit == 5 && !strcmp(c.name, "-x"),
          "-nVALUE, and a value may begin with '-'");
    CHECK(parse("prog -fvn3") == OPT_OK && c.flag && c.verbose == 1 && c.limit == 3,
          "a cluster of flags ending with a value");
    CHECK(parse("prog --verb --wor 2") == OPT_OK && c.verbose == 1 && c.workers == 2,
          "a unique prefix of a long name");
    CHECK(parse("prog --names --nam=x") == OPT_ERROR && c.mode == 3,
          "an exact name wins over a longer one it begins; a prefix of both is ambiguous");
    CHECK(parse("prog --fl") == OPT_OK && c.flag == 1, "prefix shared by no other option");
    CHECK(parse("prog --f") == OPT_ERROR, "an ambiguous prefix is an error");
    CHECK_STR(err, "ambiguous option '--f' (--flag, --fast)", "ambiguous: lists the candidates");

    CHECK(parse("prog one --limit 3 two -f three") == OPT_OK && nwords == 3, "options among words");
    CHECK(c.limit == 3 && c.flag == 1, "options after words are applied");
    CHECK_STR(argv_buf[1], "one", "first word moved to argv[1]");
    CHECK_STR(argv_buf[2], "two", "second word");
    CHECK_STR(argv_buf[3], "three", "third word");
    CHECK(argv_buf[4] == NULL, "argv[nwords + 1] is NULL");

    CHECK(parse("prog a -- --limit -f - b") == OPT_OK && nwords == 5 && c.limit == 10 && !c.flag,
          "after '--' everything is a word");
    CHECK_STR(argv_buf[2], "--limit", "'--limit' kept as a word");
    CHECK_STR(argv_buf[3], "-f", "'-f' kept as a word");
    CHECK(parse("prog - --flag") == OPT_OK && nwords == 1 && !strcmp(argv_buf[1], "-") && c.flag,
          "'-' alone is a word");
    CHECK(parse("prog -- --") == OPT_OK && nwords == 1 && !strcmp(argv_buf[1], "--"),
          "a second '--' is a word");
}

static void test_errors(void) {
    CHECK(parse("prog --nope") == OPT_ERROR, "unknown long option");
    CHECK_STR(err, "unknown option '--nope'", "unknown long: message");
    CHECK(parse("prog -z") == OPT_ERROR, "unknown short option");
    CHECK_STR(err, "unknown option '-z'", "unknown short: message");
    CHECK(parse("prog -fz") == OPT_ERROR, "unknown letter in a cluster");
    CHECK_STR(err, "unknown option '-z' (in '-fz')", "cluster: names the letter and word");
    CHECK(parse("prog word --limit") == OPT_ERROR, "missing value at the end");
    CHECK_STR(err, "--limit needs a value (--limit N)", "missing value: message");
    CHECK(parse("prog -n") == OPT_ERROR, "missing value of a short option");
    CHECK_STR(err, "-n needs a value (-n N)", "short missing value: as typed");
    CHECK(parse("prog --flag=1") == OPT_ERROR, "a flag with a value");
    CHECK_STR(err, "--flag takes no value (got '1')", "flag=value: message");

    CHECK(parse("prog --limit abc") == OPT_ERROR, "letters are not a number");
    CHECK_STR(err, "--limit: 'abc' is not a whole number", "not a number: names option and value");
    CHECK(parse("prog --limit 1x") == OPT_ERROR, "trailing garbage");
    CHECK_STR(err, "--limit: '1x' is not a whole number", "trailing garbage: message");
    CHECK(parse("prog --limit=") == OPT_ERROR, "an empty number");
    CHECK(parse("prog --limit=+5") == OPT_ERROR, "a '+' sign is refused");
    char *spaced[] = {"prog", "--limit", " 5", NULL};
    CHECK(opt_parse(&table, 3, spaced, &nwords, err) == OPT_ERROR, "leading space is refused");
    CHECK(parse("prog --limit 1.5") == OPT_ERROR, "a fraction where a whole number goes");
    CHECK(parse("prog --limit 2k") == OPT_ERROR, "no suffix on a plain unsigned");
    CHECK(parse("prog --limit -5") == OPT_ERROR, "a negative unsigned");
    CHECK_STR(err, "--limit: '-5' is out of range (0 to 1000)", "negative: out of range, with it");
    CHECK(parse("prog -n 1001") == OPT_ERROR, "above max");
    CHECK_STR(err, "-n: '1001' is out of range (0 to 1000)", "above max: message as typed");
    CHECK(parse("prog --workers 0") == OPT_ERROR, "below min");
    CHECK_STR(err, "--workers: '0' is out of range (1 to 64)", "below min: message");
    CHECK(parse("prog --lines -11") == OPT_ERROR, "below a negative min");
    CHECK(parse("prog --lines 2147483648") == OPT_ERROR, "past INT_MAX");
    CHECK_STR(err, "--lines: '2147483648' is out of range (-10 to 2147483647)", "int max named");
    CHECK(parse("prog --batch 99999999999999999999") == OPT_ERROR, "past unsigned long long");
    CHECK(parse("prog --batch 4194304K") == OPT_ERROR, "past UINT_MAX by its suffix");
    CHECK(parse("prog --max-bytes 17179869185G") == OPT_ERROR, "a suffix that overflows");
    CHECK_STR(err, "--max-bytes: '17179869185G' is out of range (at least 64)",
              "overflow: out of range, not wrapped");
    CHECK(parse("prog --max-bytes 63") == OPT_ERROR, "size below min");
    CHECK_STR(err, "--max-bytes: '63' is out of range (at least 64)", "size: no max named");
    CHECK(parse("prog --max-bytes 5T") == OPT_ERROR, "unknown suffix");
    CHECK_STR(err, "--max-bytes: '5T' is not a size (N, or N with K, M or G)", "size: message");
    CHECK(parse("prog --interval 0") == OPT_ERROR, "min itself where more than min is needed");
    CHECK_STR(err, "--interval: '0' is out of range (more than 0, at most 3600)",
              "exclusive min: message");
    CHECK(parse("prog --interval 1e-300") == OPT_OK && c.interval == 1e-300, "just above min");
    CHECK(parse("prog --interval nan") == OPT_ERROR, "nan is not a number");
    CHECK(parse("prog --interval inf") == OPT_ERROR, "inf is not a number");
    CHECK(parse("prog --interval -nan") == OPT_ERROR, "-nan is not a number");
    CHECK_STR(err, "--interval: '-nan' is not a number", "-nan: message");
    CHECK(parse("prog --interval 1e400") == OPT_ERROR, "overflowing double");
    CHECK(parse("prog --interval 1s") == OPT_ERROR, "double with trailing garbage");
    CHECK_STR(err, "--interval: '1s' is not a number", "double: message");
    CHECK(parse("prog --poll-us 1000001") == OPT_ERROR, "scaled double checked before scaling");
    CHECK(parse("prog --level loud") == OPT_ERROR, "unknown enum value");
    CHECK_STR(err, "--level: 'loud' is not one of error, warn, info", "enum: lists the choices");
    CHECK(parse("prog --call bad") == OPT_ERROR, "callback refuses");
    CHECK_STR(err, "--call: 'bad': not this one", "callback: its message, with option and value");

    CHECK(parse("prog -f --help --limit x") == OPT_HELP_ASKED && c.flag, "--help stops, after -f");
    CHECK(parse("prog -fh") == OPT_HELP_ASKED, "-h in a cluster");
    CHECK(parse("prog --he") == OPT_HELP_ASKED, "a prefix of --help");

    opt_spec broken[] = {{"n", 0, OPT_UINT, &c.limit, .help = "x", .def = "ten"}, {0}};
    opt_table bt = {"prog", NULL, broken, .epilog = NULL};
    CHECK(parse_with(&bt, "prog") == OPT_ERROR, "a default that does not parse is an error");
    CHECK(strstr(err, "the default of --n is wrong") != NULL, "bad default: says which (%s)", err);
}

static void test_dash_words(void) {
    opt_table t = table;
    t.dash_words = 1;
    CHECK(parse_with(&t, "prog drought -harvest") == OPT_OK && nwords == 2 && !c.flag,
          "after a word, '-harvest' is a word (not -h)");
    CHECK_STR(argv_buf[2], "-harvest", "the dash word kept whole");
    CHECK(parse_with(&t, "prog drought -n 3 -f") == OPT_OK && nwords == 1 && c.limit == 3 && c.flag,
          "after a word, an exact short option is still an option");
    CHECK(parse_with(&t, "prog drought -fv") == OPT_OK && nwords == 2 && !c.flag,
          "after a word, a cluster is a word");
    CHECK(parse_with(&t, "prog drought --flag") == OPT_OK && nwords == 1 && c.flag,
          "after a word, a long option is still an option");
    CHECK(parse_with(&t, "prog drought --nope") == OPT_ERROR, "and an unknown long one an error");
    CHECK(parse_with(&t, "prog -fv drought") == OPT_OK && c.flag && c.verbose == 1 && nwords == 1,
          "before any word, clusters are options");
    CHECK(parse_with(&t, "prog -harvest") == OPT_HELP_ASKED, "before any word, -h... is -h");
    CHECK(parse("prog drought -harvest") == OPT_HELP_ASKED, "without dash_words, -h is -h");
}

static void test_help(void) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    opt_help(f, &table);
    fclose(f);
    CHECK(!strncmp(text, "usage: prog [options] WORD...\n", 30), "help starts with the usage");
    CHECK(len > 5 && !strcmp(text + len - 5, "End.\n"), "and ends with the epilog");
    char *flat = strdup(text); /* lines joined, as the help was written */
    for (char *p = flat, *q = flat;; p++) {
        if (*p == '\n' && p[1] == ' ' && p[-1] != '\n') {
            *q++ = ' ';
            while (p[1] == ' ') p++;
        } else if (!(*q++ = *p)) {
            break;
        }
    }
    int all = 1;
    for (const opt_spec *s = specs; s->kind != OPT_END; s++) {
        if (s->kind == OPT_HEADING) continue;
        char want[64];
        snprintf(want, sizeof want, "--%s", s->name);
        if (!strstr(flat, want) || (s->help && !strstr(flat, s->help))) {
            all = 0;
            printf("# missing from help: %s\n", want);
        }
    }
    CHECK(all, "every option is listed with its help");
    CHECK(strstr(text, "  -n, --limit N ") != NULL, "short and long name with the metavar");
    CHECK(strstr(text, "      --fast ") != NULL, "long-only options are indented as the others");
    CHECK(strstr(text, "hits per page [default: 10]") != NULL, "the default follows the help");
    CHECK(strstr(text, "[default: what main says]") != NULL, "def_note shown for a default");
    CHECK(strstr(text, "--level error|warn|info\n") != NULL,
          "an enum shows its choices (too wide: its help goes below)");
    CHECK(strstr(text, "\nTiming:\n") != NULL, "a heading");
    CHECK(strchr(text, '\x1f') == NULL, "no marker byte leaks into the text");
    int widest = 0, col = 0;
    for (const char *p = text; *p; p++) {
        col = *p == '\n' ? 0 : col + 1;
        if (col > widest) widest = col;
    }
    CHECK(widest <= 79, "lines fit 79 columns (%d)", widest);
    const char *call = strstr(text, "--call V");
    const char *line = call ? call - 6 : NULL, *help = call ? strstr(call, "a callback") : NULL;
    const char *next = call ? strchr(call, '\n') : NULL;
    int column = help ? (int)(help - line) : -1;
    CHECK(next && column > 0 && (int)strspn(next + 1, " ") == column,
          "a long help goes on below, indented to its column (%d)", column);
    CHECK(strstr(text, "two lines [default: what main says]") != NULL, "wrapped text is whole");
    free(flat);
    free(text);
}

int main(void) {
    test_kinds();
    test_syntax();
    test_errors();
    test_dash_words();
    test_help();
    return unit_exit();
}
