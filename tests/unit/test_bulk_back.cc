/* test_bulk_back.cc -- a bulk writer's take-back of a replaced article's
 * spelling words (bulk_writer.cc, spelling_words.cc): a replacement put
 * notes the words the replaced version gave (read back from its spool
 * record), and a replacement whose add fails (its spool record cannot be
 * written: past the process's file size limit, RLIMIT_FSIZE) notes none,
 * since it replaced nothing; a record written after the spool's kept
 * reader last read is read back whole.  Reads the noted words through
 * spelling_words.hh's taken_back. */
#include "internal.hh"
#include "spelling_words.hh"
#include "unit.h"
#include "unit_index.h"

#include <signal.h>
#include <sys/resource.h>

#include <string>

namespace {

/* A body of about n bytes of made-up words, which zlib does not shrink
 * much: the spool record of an article of it is about as long. */
std::string noise(size_t n) {
    std::string s;
    uint64_t x = 88172645463325252ull;
    while (s.size() < n) {
        for (int k = 0; k < 7; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            s += (char)('a' + x % 26);
        }
        s += ' ';
    }
    return s;
}

/* Puts id with title and body into w; its outcome, or -1 when it fails. */
int put(engine_writer *w, const char *id, const char *title, const std::string &body, char *err) {
    article a;
    article_init(&a);
    a.id = lede_strdup(id);
    a.title = lede_strdup(title);
    a.body = lede_strdup(body.c_str());
    int outcome = 0;
    return unit_put_article(w, &a, &outcome, err) == LEDE_OK ? outcome : -1;
}

/* A replacement whose spool record is cut off by a file size limit of
 * 1 MiB (its data is 3 MB; the spool holds a few KiB before it). */
int put_past_limit(engine_writer *w, const char *id, char *err) {
    struct rlimit was, cap;
    if (getrlimit(RLIMIT_FSIZE, &was) != 0) return -2;
    cap = was;
    cap.rlim_cur = 1 << 20;
    if (was.rlim_cur != RLIM_INFINITY && was.rlim_cur < cap.rlim_cur) return -2;
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN); /* a write past it fails with EFBIG instead */
    if (setrlimit(RLIMIT_FSIZE, &cap) != 0) return -2;
    int outcome = put(w, id, "Story", "A glimmerwocky story. " + noise(3 << 20), err);
    setrlimit(RLIMIT_FSIZE, &was);
    signal(SIGXFSZ, old);
    return outcome;
}

}  // namespace

int main(void) {
    char tmpl[] = "/tmp/lede-bulk-back-XXXXXX";
    char *root = unit_scratch_open(tmpl);
    if (!root) return unit_exit();
    std::string dir = std::string(root) + "/idx";
    char err[LEDE_ERRLEN] = "";
    engine_writer *w = unit_writer_open(dir.c_str(), (size_t)64 << 20, 1); /* keeping spelling words */
    if (!w) {
        unit_scratch_remove(root);
        return unit_exit();
    }
    CHECK(put(w, "rare-1", "Quorbling report", "The quorblings gathered at dawn.", err) == ENGINE_ADDED &&
              put(w, "swap-1", "Story", "A flumbertastic story.", err) == ENGINE_ADDED,
          "two articles added: %s", err);
    CHECK(put(w, "rare-1", "Quorbling report", "The zibblers gathered at dawn.", err) == ENGINE_REPLACED,
          "a replacement is put: %s", err);
    CHECK(taken_back(w, "quorblings") == 1 && taken_back(w, "zibblers") == 0,
          "the replaced version's word is noted to be taken back (%u), the new one's not (%u)",
          (unsigned)taken_back(w, "quorblings"), (unsigned)taken_back(w, "zibblers"));
    /* The spool's reader, kept from the read above, reads a record
     * written after it last filled its buffer. */
    CHECK(put(w, "late-1", "Late", "The snazzleberries arrived.", err) == ENGINE_ADDED &&
              put(w, "late-1", "Late", "The plumquats arrived.", err) == ENGINE_REPLACED &&
              taken_back(w, "snazzleberries") == 1,
          "a record written after the spool was last read is read back (%u noted): %s",
          (unsigned)taken_back(w, "snazzleberries"), err);
    int outcome = put_past_limit(w, "swap-1", err);
    CHECK(outcome == -1, "a replacement whose spool record cannot be written fails (%d): %s", outcome, err);
    CHECK(taken_back(w, "flumbertastic") == 0,
          "the failed replacement noted no take-back of the article it did not replace (%u noted)",
          (unsigned)taken_back(w, "flumbertastic"));
    engine_writer_abandon(w);
    unit_scratch_remove(root);
    return unit_exit();
}
