/* test_words_held.cc -- engine.h's spelling words held out of a commit
 * (engine_writer_take_words, _give_words, engine_words_free) and
 * engine_writer_discard, on two scratch databases standing for a shard
 * and its front: words taken out are written by neither the shard's
 * commit nor its close; given, they are the front's at its next commit,
 * added and taken back (a replaced article's); dropped, nobody's.  A
 * discarded writer's close commits none of its changes or words.  Lent
 * (engine_writer_lend_words) and joined (engine_words_join), they stay
 * the lender's to lend again to a front whose changes were dropped, and
 * count once.  Xapian commits by itself at engine_flush_threshold()
 * changes (XAPIAN_FLUSH_THRESHOLD, 4 here), which a discard cannot drop:
 * why livewriter.c commits before.  And LEDE_FAIL_COMMIT (writer.cc):
 * the Nth commit of the database named fails with LEDE_EIO, its changes
 * dropped, the next one works (a put in between is refused: the
 * failure discarded the writer).  Spelling frequencies are read with
 * Xapian. */
#include "unit.h"
#include "unit_index.h"

#include "internal.hh" /* the engine's Xapian, as the other engine unit tests reach it */

#include <string>

namespace {

std::string root;

/* A new database path under the scratch directory. */
std::string db_path(const char *name) { return root + "/" + name; }

engine_writer *open_writer(const std::string &path) { return unit_writer_open(path.c_str(), 0, 1); }

void close_writer(engine_writer *w, const char *what) {
    char err[LEDE_ERRLEN];
    CHECK(engine_writer_close(w, err) == LEDE_OK, "close %s", what);
}

unsigned spelling(const std::string &path, const char *word) {
    Xapian::Database db(path);
    Xapian::TermIterator t = db.spellings_begin();
    t.skip_to(word);
    return t != db.spellings_end() && *t == word ? t.get_termfreq() : 0;
}

unsigned doccount(const std::string &path) { return Xapian::Database(path).get_doccount(); }

void put(engine_writer *w, const char *id, const char *title, const char *body) {
    char err[LEDE_ERRLEN];
    CHECK(unit_put(w, id, title, body, err) == LEDE_OK, "put %s", id);
}

void commit(engine_writer *w, const char *what) {
    char err[LEDE_ERRLEN];
    CHECK(engine_writer_commit(w, err) == LEDE_OK, "commit %s", what);
}

/* Puts an article into shard s, takes its words out, then commits s
 * (what): the words, as a shard hands them over. */
engine_words *put_taken(engine_writer *s, const char *id, const char *title, const char *body, const char *what) {
    put(s, id, title, body);
    engine_words *words = engine_writer_take_words(s);
    commit(s, what);
    return words;
}

/* A writer of path whose one article (id, title, body) is committed. */
engine_writer *one_committed(const std::string &path, const char *id, const char *title, const char *body) {
    engine_writer *w = open_writer(path);
    put(w, id, title, body);
    commit(w, "the first article");
    return w;
}

/* Given after the shard's commit: the front has them, the shard none;
 * a replacement's old words are taken back from the front. */
void test_given() {
    std::string shard = db_path("shard"), front = db_path("front");
    engine_writer *s = open_writer(shard), *f = open_writer(front);
    engine_words *words = put_taken(s, "a", "Zorblax fair", "The zorblax show.", "the shard, its words held out");
    engine_writer_give_words(f, words);
    commit(f, "the front");
    CHECK(spelling(front, "zorblax") == 2 && spelling(shard, "zorblax") == 0,
          "given words are the front's (%u), not the shard's (%u)", spelling(front, "zorblax"),
          spelling(shard, "zorblax"));
    put(s, "a", "Quibbet fair", "The quibbet show.");
    words = engine_writer_take_words(s);
    close_writer(s, "the shard, its words held out");
    CHECK(spelling(shard, "quibbet") == 0, "the shard's close wrote no held word");
    engine_writer_give_words(f, words);
    close_writer(f, "the front");
    CHECK(spelling(front, "zorblax") == 0 && spelling(front, "quibbet") == 2 && spelling(front, "fair") == 1,
          "the replacement's words given: the old taken back (%u), the new added (%u), 'fair' once (%u)",
          spelling(front, "zorblax"), spelling(front, "quibbet"), spelling(front, "fair"));
}

/* Dropped (the shard's commit failed): nobody has them. */
void test_dropped() {
    std::string shard = db_path("shard2"), front = db_path("front2");
    engine_writer *s = open_writer(shard), *f = open_writer(front);
    put(s, "b", "Wimbletrot", "A wimbletrot.");
    engine_words_free(engine_writer_take_words(s));
    close_writer(s, "the shard");
    close_writer(f, "the front");
    CHECK(doccount(shard) == 1 && spelling(shard, "wimbletrot") == 0 && spelling(front, "wimbletrot") == 0,
          "dropped words are in neither database");
}

/* Discarded: the close commits nothing of what came after the commit. */
void test_discard() {
    std::string path = db_path("discard");
    engine_writer *w = one_committed(path, "c", "Plinkerton", "The plinkerton.");
    put(w, "d", "Snorkwhistle", "The snorkwhistle.");
    put(w, "c", "Plinkerton again", "The plinkerton, replaced.");
    engine_writer_discard(w);
    close_writer(w, "the discarded writer");
    CHECK(doccount(path) == 1 && spelling(path, "snorkwhistle") == 0 && spelling(path, "plinkerton") == 2 &&
              spelling(path, "replaced") == 0,
          "after a discard the close commits no article and no word (%u articles)", doccount(path));
}

/* Lent, then joined with a second batch (which replaces the first's
 * article: its words taken back), the words stay the shard's owner's:
 * lent again to a front that dropped its changes (as a failed commit
 * does), they count once. */
void test_lent() {
    std::string shard = db_path("shard3"), front = db_path("front3");
    engine_writer *s = open_writer(shard), *f = open_writer(front);
    engine_words *held = put_taken(s, "h", "Frumious", "The bandersnatch day.", "the shard's first batch");
    engine_writer_lend_words(f, held);
    engine_words *more = put_taken(s, "h", "Vorpal", "The day.", "the shard's second batch");
    engine_writer_lend_words(f, more);
    held = engine_words_join(held, more);
    engine_writer_discard(f);
    engine_writer_lend_words(f, held);
    commit(f, "the front, lent the held words again");
    engine_words_free(held);
    close_writer(s, "the shard");
    close_writer(f, "the front");
    CHECK(spelling(front, "frumious") == 0 && spelling(front, "bandersnatch") == 0 &&
              spelling(front, "vorpal") == 1 && spelling(front, "day") == 1 && spelling(shard, "day") == 0,
          "lent twice, the joined words count once in the front: frumious %u, bandersnatch %u, vorpal %u, "
          "day %u (the shard's %u)", spelling(front, "frumious"), spelling(front, "bandersnatch"),
          spelling(front, "vorpal"), spelling(front, "day"), spelling(shard, "day"));
}

/* Joined again and again (a shard's batches of the same words, as a
 * sharded lede-index run holds them for its front until the front
 * commits), the held words stay one entry a word: bounded by the
 * vocabulary, not the batches, and each word's count the sum. */
void test_join_bounded() {
    std::string shard = db_path("shard4"), front = db_path("front4");
    engine_writer *s = open_writer(shard), *f = open_writer(front);
    engine_words *held = nullptr;
    size_t one = 0;
    for (int i = 0; i < 5; i++) {
        engine_words *more =
            put_taken(s, i % 2 ? "k1" : "k2", "Slithy toves", "The slithy toves did gyre.", "a batch of the same words");
        if (i == 0) one = engine_words_count(more);
        held = engine_words_join(held, more);
    }
    CHECK(one > 0 && engine_words_count(held) <= 2 * one,
          "five batches of the same words joined hold %zu entries, not five times one batch's %zu",
          engine_words_count(held), one);
    engine_writer_lend_words(f, held);
    engine_words_free(held);
    close_writer(s, "the shard");
    close_writer(f, "the front");
    CHECK(spelling(front, "toves") == 4 && spelling(front, "slithy") == 4,
          "the joined counts are the sums (two articles, each twice: added five times, taken back three): toves %u, slithy %u",
          spelling(front, "toves"), spelling(front, "slithy"));
}

/* Xapian's own commit at the threshold (4, set in main): one change
 * short of it a discard drops them all; at it, none. */
void test_flush_threshold() {
    CHECK(engine_flush_threshold() == 4, "engine_flush_threshold reads XAPIAN_FLUSH_THRESHOLD (%u)",
          (unsigned)engine_flush_threshold());
    const char *ids[] = {"j1", "j2", "j3", "j4"};
    for (unsigned n = 3; n <= 4; n++) {
        std::string path = db_path(n == 3 ? "flush3" : "flush4");
        engine_writer *w = open_writer(path);
        for (unsigned i = 0; i < n; i++) put(w, ids[i], "Jabberwock", ids[i]);
        engine_writer_discard(w);
        close_writer(w, "the discarded writer");
        CHECK(doccount(path) == (n == 3 ? 0 : 4), "%u changes discarded leave %u articles (Xapian's own commit "
              "at 4)", n, doccount(path));
    }
}

/* The hook set in main: the second commit of "failing" fails. */
void test_fail_hook() {
    std::string path = db_path("failing");
    engine_writer *w = one_committed(path, "e", "First", "One.");
    put(w, "f", "Dropped", "Two.");
    char err[LEDE_ERRLEN];
    int rc = engine_writer_commit(w, err);
    CHECK(rc == LEDE_EIO, "LEDE_FAIL_COMMIT: the second commit fails with LEDE_EIO (%d: %s)", rc, err);
    rc = unit_put(w, "g", "Third", "Three.", err);
    CHECK(rc == LEDE_EDISCARDED, "discarded by the failure, the writer refuses a put until it commits (%d)", rc);
    commit(w, "the third commit");
    put(w, "g", "Third", "Three.");
    commit(w, "the fourth commit");
    close_writer(w, "the writer");
    CHECK(doccount(path) == 2, "the failed commit's article was dropped, the next one's kept (%u)", doccount(path));
}

}  // namespace

int main() {
    setenv("LEDE_FAIL_COMMIT", "/failing:2", 1); /* read at the first commit */
    setenv("XAPIAN_FLUSH_THRESHOLD", "4", 1);      /* read by Xapian as each writer opens */
    char tmpl[] = "/tmp/lede-words-held.XXXXXX";
    char *dir = unit_scratch_open(tmpl);
    if (!dir) return unit_exit();
    root = dir;
    test_given();
    test_dropped();
    test_discard();
    test_lent();
    test_join_bounded();
    test_flush_threshold();
    test_fail_hook();
    unit_scratch_remove(dir);
    return unit_exit();
}
