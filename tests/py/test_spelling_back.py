"""test_spelling_back -- the spelling words of an article are taken back
when it is replaced or deleted (spelling_words.cc): SUGGEST and the
search's DIDYOUMEAN no longer offer a word only a deleted or replaced
article held, and a word's spelling frequency after N versions of one
article is what one version gives.  Through leded's ingest (ADD, PUT,
DELETE) on an index of one database and on a sharded one (whose spelling
data is its front's), and through lede-index's incremental runs over a
changed, a re-sent and a removed file (plain and --shards 2).  A commit
of replacements and deletions that fails (LEDE_FAIL_COMMIT, writer.cc:
one database's commit dropped as Xapian drops a failed one) and is then
retried leaves the frequencies of a clean build of the final articles:
on one database, and on --shards 2 with either shard's commit failing
(its words reach the front once, after its commit succeeded) or the
front's own (the shards' words, committed with them, are held and given
to the front again), and on one database where Xapian would have
committed by itself part way (XAPIAN_FLUSH_THRESHOLD=9: the live writer
commits before, so that a failed commit's reopen drops all it did not
commit).  An article
written with a line before it was learned as boilerplate gave that line's
words, and its replacement takes them back (read from the old document's
positions), as test_boiler_reclean's compaction does.  A full (bulk)
build takes back the words of an id's earlier version in the same build,
as the API writer does.  The frequencies are read with
tests/tools/spellfreq (ledetest.spell_freq)."""
import json
import os
import random

import boilergen
from ledetest import (Daemon, Scratch, check, check_eq, commit_fails_then_holds, finish, indexer,
                      spell_freq as freq, write_jsonl)

TOKEN = "tok-" + "b4" * 10
scratch = Scratch()
token_file = scratch.token_file(TOKEN)


def suggest(c, query):
    r = c.ask("SUGGEST " + query)
    return r[1].split("\t", 1)[1] if len(r) > 1 else ""


def did_you_mean(c, query):
    r = c.ask("SEARCH " + query)
    return next((l.split("\t", 1)[1] for l in r if l.startswith("DIDYOUMEAN\t")), "")


def add(c, id, title, text):
    return c.ask("ADD " + json.dumps({"id": id, "title": title, "text": text}))[0].split()[1]


def ingest(label, index, *args):
    d = Daemon(index, "--ingest-token", token_file, *args)
    c = d.connect()
    check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], label + ": AUTH")
    # DELETE: a word only the deleted article held is suggested no more.
    add(c, "rare-1", "Quorbling report", "The quorblings gathered at dawn.")
    add(c, "stem-1", "Gadget fair", "A zorbatronics display drew crowds.")
    add(c, "stem-2", "Gadget shop", "One zorbatronic was sold.")
    c.ask("COMMIT")
    check_eq(suggest(c, "quorblangs"), "quorblings", label + ": SUGGEST offers the rare word of an ADDed article")
    check_eq(did_you_mean(c, "zorbatronicss"), "zorbatronics",
             label + ": the search offers the nearest spelling word")
    check_eq(c.ask("DELETE rare-1"), ["OK DELETED rare-1"], label + ": DELETE the only article with it")
    check_eq(c.ask("DELETE stem-1"), ["OK DELETED stem-1"], label + ": DELETE the one with 'zorbatronics'")
    c.ask("COMMIT")
    check_eq(suggest(c, "quorblangs"), "", label + ": after the DELETE, SUGGEST offers it no more")
    check_eq(freq(index, "quorblings", "zorbatronics", "zorbatronic"),
             {"quorblings": 0, "zorbatronics": 0, "zorbatronic": 1},
             label + ": the deleted articles' words left the spelling data, the other's stayed")
    check_eq(did_you_mean(c, "zorbatronicss"), "zorbatronic",
             label + ": the search's DIDYOUMEAN offers the word that is left, not the deleted one")
    # Replacing with new text: the old word gone, the new one there.
    add(c, "swap-1", "Story", "A flumbertastic story.")
    c.ask("COMMIT")
    check_eq(add(c, "swap-1", "Story", "A glimmerwocky story."), "REPLACED", label + ": ADD replaces")
    c.ask("COMMIT")
    check_eq(suggest(c, "flumbertastik"), "", label + ": the replaced text's word is suggested no more")
    check_eq(suggest(c, "glimmerwocki"), "glimmerwocky", label + ": the new text's word is")
    body = "Title: Story\n\nA snazzleberry story.\n"
    c.send("PUT swap-1 %d\n%s\n" % (len(body), body))
    check_eq(c.reply("PUT"), ["OK REPLACED swap-1"], label + ": PUT replaces")
    c.ask("COMMIT")
    check_eq(freq(index, "flumbertastic", "glimmerwocky", "snazzleberry", "story"),
             {"flumbertastic": 0, "glimmerwocky": 0, "snazzleberry": 1, "story": 2},
             label + ": after the PUT only its words count, once")
    # The same article replaced 7 times, in one batch and across commits.
    for i in range(7):
        add(c, "dev-1", "Developing wombleshank", "Update %s: the wombleshank story goes on." % "abcdefg"[i])
        if i % 3 == 2:
            c.ask("COMMIT")
    c.ask("COMMIT")
    check_eq(freq(index, "wombleshank", "developing", "goes", "update"),
             {"wombleshank": 2, "developing": 1, "goes": 1, "update": 1},
             label + ": an article replaced 7 times counts its words as one write does")
    c.close()
    d.stop()


def incremental(label, extra):
    src = scratch.join(label + ".src")
    os.makedirs(src)
    index = scratch.join(label + ".idx")
    txt = os.path.join(src, "dropped.txt")
    with open(txt, "w") as f:
        f.write("Blintzwerk title\n\nThe blintzwerk text of a file to be removed.\n")
    rows = os.path.join(src, "rows.jsonl")
    write_jsonl(rows, [{"id": "row-1", "title": "Row", "text": "The plonkadoodle row."},
                       {"id": "row-2", "title": "Other", "text": "A steady row."}])
    rc, out, err = indexer("-q", "--index", index, *extra, src)
    check_eq(rc, 0, label + ": the build" + (": " + err if rc else ""))
    check_eq(freq(index, "blintzwerk", "plonkadoodle", "row"), {"blintzwerk": 2, "plonkadoodle": 1, "row": 3},
             label + ": the build counts each word")
    for i in range(3):  # a developing row, re-sent changed 3 times
        write_jsonl(rows, [{"id": "row-1", "title": "Row", "text": "The snickerwhump row, take %s." % "abc"[i]},
                           {"id": "row-2", "title": "Other", "text": "A steady row."}])
        rc, out, err = indexer("-q", "--index", index, src)
        check_eq(rc, 0, label + ": incremental run %d over a changed file" % (i + 1) + (": " + err if rc else ""))
    check_eq(freq(index, "plonkadoodle", "snickerwhump", "take", "row"),
             {"plonkadoodle": 0, "snickerwhump": 1, "take": 1, "row": 3},
             label + ": after 3 changes of a row, its old word is gone and the new counts once")
    os.unlink(txt)
    rc, out, err = indexer("-q", "--index", index, src)
    check_eq(rc, 0, label + ": incremental run over a removed file" + (": " + err if rc else ""))
    check_eq(freq(index, "blintzwerk", "removed"), {"blintzwerk": 0, "removed": 0},
             label + ": the removed file's words left the spelling data")


def boilerplate():
    """test_boiler_reclean's source: 600 articles, then 12 with a blurb
    learned at the seventh, so the first six are written with it."""
    rng = random.Random(5)
    blurb = "Hear the Slow Post zorbatronics bulletin read aloud every weekday morning."
    base, late = scratch.join("slow.jsonl"), scratch.join("late.jsonl")
    write_jsonl(base, [boilergen.slow_article(rng, i, "Slow Post", None) for i in range(600)])
    rows = [boilergen.slow_article(rng, 600 + i, "Slow Post", blurb) for i in range(12)]
    write_jsonl(late, rows)
    index = scratch.join("slow.idx")
    for path in (base, late):
        rc, _, err = indexer("-q", "--index", index, path)
        check_eq(rc, 0, "boilerplate: a run over " + os.path.basename(path) + (": " + err if rc else ""))
    check_eq(freq(index, "zorbatronics"), {"zorbatronics": 6},
             "boilerplate: the six written before the blurb was learned gave its word")
    rows[0]["title"] = "Slow story, revised"
    rows[8]["title"] = "Slow story, revised too"
    write_jsonl(late, rows)
    rc, _, err = indexer("-q", "--index", index, late)
    check_eq(rc, 0, "boilerplate: a run replacing one of the six and one after" + (": " + err if rc else ""))
    check_eq(freq(index, "zorbatronics", "revised", boilergen.own_word(600), boilergen.own_word(608)),
             {"zorbatronics": 5, "revised": 2, boilergen.own_word(600): 1, boilergen.own_word(608): 1},
             "boilerplate: the replaced one's blurb word is taken back, its own words count once")


def bulk_build():
    """One full build (the bulk writer, and the API writer to compare) in
    which an id comes twice: its first version's words are taken back.
    The first 1,000 articles (another source) are held and counted before
    any is written; the Slow Post ones after them are counted as they
    come, so the blurb is learned at the seventh, and the first version of
    slow-0600 was cut without it but would be cut with it now: what is
    taken back is what it gave, read with the spans it was written with
    (else its blurb word would stay; the build's re-clean takes back the
    other five's)."""
    rng = random.Random(7)
    blurb = "Hear the Slow Post zorbatronics bulletin read aloud every weekday morning."
    rows = [boilergen.slow_article(rng, 2000 + i, "Filler Post", None) for i in range(1000)]
    rows += [boilergen.slow_article(rng, i, "Slow Post", None) for i in range(600)]
    late = [boilergen.slow_article(rng, 600 + i, "Slow Post", blurb) for i in range(12)]
    rows += late
    rows.append({"id": "dup-1", "title": "Quixotrexian fair", "text": "A quixotrexian display."})
    rows.append(dict(late[0], title="Slow story, revised"))
    rows.append({"id": "dup-1", "title": "Vandersnoot fair", "text": "A vandersnoot display."})
    src = scratch.join("bulk.jsonl")
    write_jsonl(src, rows)
    words = ("zorbatronics", "revised", "quixotrexian", "vandersnoot", "fair", boilergen.own_word(600))
    got = {}
    for writer in ("bulk", "xapian"):
        index = scratch.join("bulk-%s.idx" % writer)
        rc, _, err = indexer("-q", "--index", index, "--writer", writer, "-j", "1", src)
        check_eq(rc, 0, "full build (%s)" % writer + (": " + err if rc else ""))
        got[writer] = freq(index, *words)
    check_eq(got["bulk"], {"zorbatronics": 0, "revised": 1, "quixotrexian": 0, "vandersnoot": 2, "fair": 1,
                           boilergen.own_word(600): 1},
             "bulk build: a replaced version's words are taken back, the blurb's as it was cut then")
    check_eq(got["bulk"], got["xapian"], "bulk build: the same frequencies as the API writer's")


def made_up(tag, i):
    """A word no dictionary has, for article i."""
    return tag + "".join(chr(ord("a") + (i // 26 ** k) % 26) for k in range(3))


def failing_commit(label, extra, fail_at, nth=1, env=None):
    """Replacements and deletions whose commit fails (LEDE_FAIL_COMMIT: one
    database's commit dropped as Xapian drops a failed one), then a commit
    that succeeds: the frequencies are a clean build's of the final
    articles.  A sharded index's shards hand their words to the front only
    once their own commit succeeded: the shard whose commit failed gives
    its words once, at the retry (they were taken back twice, the new ones
    counted twice), and a shard after it in the commit, whose changes the
    failed commit left pending, gives its words to the front, not to its
    own spelling table.  The front's failed commit loses none of the
    words the shards gave it.  The nth commit of fail_at fails; env is
    leded's besides."""
    def article(i, version):
        words = " ".join(made_up(t, i) for t in ("plonk", "wibbit")[:version + 1])
        return {"id": "fc-%d" % i, "title": "Report %s" % made_up("headz", i + version),
                "text": "The %s story, version %s." % (words, "ab"[version])}
    first = [article(i, 0) for i in range(16)]
    index = scratch.join(label + ".idx")
    rc, _, err = indexer("-q", "--index", index, *extra, write_jsonl(scratch.join(label + ".jsonl"), first))
    check_eq(rc, 0, label + ": the build" + (": " + err if rc else ""))
    final = {a["id"]: a for a in first}
    d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600", "--commit-settle", "3600",
               env=dict(env or {}, LEDE_FAIL_COMMIT=os.path.join(index, fail_at) + ":%d" % nth))
    c = d.connect()
    check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], label + ": AUTH")
    outcomes = []
    for i in range(0, 16, 2):  # half of them replaced, a quarter deleted: in both shards
        a = final["fc-%d" % i] = article(i, 1)
        outcomes.append(add(c, a["id"], a["title"], a["text"]))
    for i in (1, 5, 9, 13):
        del final["fc-%d" % i]
        outcomes.append(c.ask("DELETE fc-%d" % i)[0])
    check_eq(outcomes, ["REPLACED"] * 8 + ["OK DELETED fc-%d" % i for i in (1, 5, 9, 13)],
             label + ": 8 articles replaced, 4 deleted")
    commit_fails_then_holds(d, c, label, fail_at)
    clean = scratch.join(label + "-clean.idx")
    rc, _, err = indexer("-q", "--index", clean, *extra,
                         write_jsonl(scratch.join(label + "-final.jsonl"), list(final.values())))
    check_eq(rc, 0, label + ": a clean build of the final articles" + (": " + err if rc else ""))
    words = [made_up(t, i) for t in ("plonk", "wibbit", "headz") for i in range(17)] + ["report", "story"]
    want = freq(clean, *words)

    def same(got, desc):
        off = {w: "%d, not %d" % (got[w], want[w]) for w in words if got[w] != want[w]}
        check(not off, desc, off)
    same(freq(index, *words), label + ": every word's frequency is the clean build's")
    if extra:
        same(freq(os.path.join(index, "front"), *words), label + ": all of them in the front's spelling data")


boilerplate()
bulk_build()
failing_commit("fail-plain", [], "db.")
failing_commit("fail-shard1", ["--shards", "2"], "shard.1/")
failing_commit("fail-shard0", ["--shards", "2"], "shard.0/")
failing_commit("fail-front", ["--shards", "2"], "front/")
# 12 changes of one document each, Xapian's threshold 9: the live writer
# commits before the 8th (7 changes counted, and an article can change 2
# documents: engine_writer_pending_changes), so the second commit is the
# one that fails, with 5 changes
failing_commit("fail-flush", [], "db.", nth=2, env={"XAPIAN_FLUSH_THRESHOLD": "9"})
ingest("ingest", scratch.join("live.idx"), "--commit-interval", "60")
incremental("incremental", [])
incremental("sharded", ["--shards", "2"])
sharded = scratch.join("live-sharded.idx")
seed = scratch.join("seed.jsonl")
write_jsonl(seed, [{"id": "seed-%d" % i, "title": "Seed %d" % i, "text": "Seed text."} for i in range(4)])
rc, _, err = indexer("-q", "--index", sharded, "--shards", "2", seed)
check_eq(rc, 0, "a sharded index to ingest into" + (": " + err if rc else ""))
ingest("sharded ingest", sharded, "--commit-interval", "60")
scratch.cleanup()
finish()
