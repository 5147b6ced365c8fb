"""test_prefix_writers -- format 4's prefix terms (--prefix-min, "lede.prefixes",
src/engine/prefix_terms.cc) as every writer other than the full build makes
them: an incremental run of lede-index on an index that has them,
leded's live ingest (ADD, PUT) and lede-index --watch.  Their articles must hold the same XW terms
(each the sum of its words' wdfs) as one full build of the same articles
gives them (dbcompare --by-id), and wildcards over them answer as when read
from the words (LEDE_WORD_WILDCARDS=1): ids, order, scores, exact counts.
The words include multi-byte ones (prefix words end on whole characters:
an accented prefix folded, a Cyrillic one of two 2-byte characters, CJK)
and field patterns (title:qar*).  Also: --prefix-min and --pair-min given
to a run on an index that exists are ignored with a warning naming what
the index keeps."""
import json
import os
import random
import re
import signal
import subprocess

from ledetest import (DEADLINE, INDEXER, Daemon, Scratch, check, check_eq, eventually, finish, index_info,
                      indexer, list_ids, status_field, write_jsonl)

scratch = Scratch()
rng = random.Random(22)
TOKEN = "tok-" + "p4" * 10
# Families of made-up words sharing a prefix, so that no stemmer changes
# them and the sample chooses their prefixes: ASCII, accented (folded to
# "eco..."), Cyrillic ("жу", 4 bytes: its 3-byte prefix would split a
# character) and CJK (3-byte characters, read as n-grams).
FAMILIES = [["qarvud", "qarvom", "qarmix", "qartul"], ["écovar", "écoblan", "écomist"],
            ["жувар", "жумол", "жупет", "жукин"], ["経済", "経営", "経験"]]
FILLER = ["harbour", "crane", "market", "ferry", "grain", "copper", "tariff", "storm", "vote", "court"]


def words(n):
    out = [rng.choice(FILLER) for _ in range(n)]
    for fam in FAMILIES:
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            out.insert(rng.randrange(len(out) + 1), rng.choice(fam))
    return out


def article(i):
    title = words(3)
    if rng.random() < 0.2:
        title.append(rng.choice(FAMILIES[0]))
    return {"id": "p%04d" % i, "title": " ".join(title).capitalize(), "text": " ".join(words(12)) + ".",
            "date": "20%02d-%02d-%02d" % (rng.randint(0, 20), rng.randint(1, 12), rng.randint(1, 28))}


def as_text(a):
    """a in the plain-text layout PUT reads, with its id in the header."""
    return "Id: %s\nTitle: %s\nDate: %s\n\n%s\n" % (a["id"], a["title"], a["date"], a["text"])


rows = [article(i) for i in range(1540)]
first = write_jsonl(scratch.join("first.jsonl"), rows[:1000])  # the sample: 1,000 articles
second = write_jsonl(scratch.join("second.jsonl"), rows[1000:1400])
added, put, watched = rows[1400:1450], rows[1450:1500], rows[1500:]
third = write_jsonl(scratch.join("third.jsonl"), added)
fourth = write_jsonl(scratch.join("fourth.jsonl"), watched)
put_files = []
for a in put:
    put_files.append(scratch.join(a["id"] + ".txt"))
    with open(put_files[-1], "w") as f:
        f.write(as_text(a))


def lede_index(*args):
    status, _, err = indexer("--index", *args)
    check_eq(status, 0, "lede-index --index %s: exit 0" % " ".join(os.path.basename(a) for a in args))
    return err


# ---- the full build: all 1,540 articles at once ------------------------------------
full = scratch.join("full.idx")
lede_index(full, "--prefix-min", "1000", first, second, third, *put_files, fourth)
prefixes = int(index_info(full).get("prefix words", "0"))
check(prefixes > 4, "--prefix-min 1000: the full build has prefix words (%d)" % prefixes)

# The sample folds as the index does: the accented family's prefix is
# the folded "eco" (unfolded, "éco" was chosen, which no term starts
# with), and the multi-byte ones end on whole characters.
def xw_terms(index):
    with open(os.path.join(index, "XAPIANDB")) as f:
        dbs = [os.path.join(index, l.split()[1]) for l in f if l.strip() and not l.startswith("#")]
    out = subprocess.run(["xapian-delve", "-1", "-A", "XW", *dbs], capture_output=True, text=True).stdout
    return set(l for l in out.splitlines() if l.startswith("XW"))


terms = xw_terms(full)
for want in ("XWeco", "XWжу", "XW経", "XWSqar", "XWXLжу"):
    check(want in terms, "the full build writes %s" % want, " ".join(sorted(terms)))
check(not any("é" in t for t in terms), "no prefix term of an unfolded word", " ".join(sorted(terms)))

# ---- the other writers: a first build, an incremental run, ADD, PUT, --watch ---------
mixed = scratch.join("mixed.idx")
check_eq(lede_index(mixed, "--prefix-min", "1000", first), "", "the first build warns of nothing")
err = lede_index(mixed, "--prefix-min", "1000", second)
check("warning" in err and "--prefix-min" in err and "keeps its %d" % prefixes in err,
      "--prefix-min on an index that exists: a warning naming the %d prefix words it keeps" % prefixes, err)
check_eq(int(index_info(mixed).get("prefix words", "0")), prefixes,
         "the incremental run kept the first build's prefix words")
d = Daemon(mixed, "--ingest-token", scratch.token_file(TOKEN), "--commit-interval", "60")
c = d.connect()
check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH")
got = [c.ask("ADD " + json.dumps(a, ensure_ascii=False)) for a in added]
check_eq(got, [["OK ADDED " + a["id"]] for a in added], "ADD: %d articles" % len(added))
for a in put:
    body = as_text(a)
    c.send("PUT %s %d\n%s\n" % (a["id"], len(body.encode()), body))
    check_eq(c.reply("PUT"), ["OK ADDED " + a["id"]], "PUT " + a["id"])
check_eq(c.ask("COMMIT")[0].split()[0], "OK", "COMMIT")
c.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# --watch: the fourth file renamed into a watched directory; waited for
# by polling the index's ids (the watcher commits it within 0.25 s).
folder = scratch.join("watched")
os.makedirs(folder)
err_path = scratch.join("watch.err")
with open(err_path, "w") as err_file:
    w = subprocess.Popen([INDEXER, "-v", "--index", mixed, "--watch", "--prefix-min", "1000", folder],
                         stdout=subprocess.DEVNULL, stderr=err_file)
    eventually(lambda: "watching" in open(err_path).read() or w.poll() is not None)
    os.rename(fourth, os.path.join(folder, "fourth.jsonl"))
    want = set(a["id"] for a in watched)
    check(eventually(lambda: want <= set(list_ids(mixed))), "--watch: the watched file's %d articles are "
          "indexed" % len(want))
    w.send_signal(signal.SIGTERM)
    check_eq(w.wait(timeout=DEADLINE), 0, "--watch stops cleanly on SIGTERM")
check("keeps its %d" % prefixes in open(err_path).read(), "--watch --prefix-min on an index that exists: "
      "the warning too", open(err_path).read()[-400:])

# The same XW terms with the same wdfs, article by article, and every
# other term and the lengths alike, but for what a file source adds (a
# file's XF term, of its path, and slot 1, its record's hash: the full
# build read ADD's and PUT's from files, --watch's from another path) and
# the spelling and boilerplate counts, which are not the articles' terms.
cmp = subprocess.run([os.path.join(os.environ.get("LEDE_BUILD", "build"), "tests/tools/dbcompare"), "--max",
                      "100000", "--by-id", "--skip-slot", "1", full, mixed], capture_output=True, text=True)
differ = []
for line in cmp.stdout.splitlines():
    m = re.match(r"differ: article '(\S+)' termlist:\s+(.*?) vs \s*(.*)$", line)
    if m:
        a, b = set(m.group(2).split(" ")), set(m.group(3).split(" "))
        if all(t.startswith("XF") for t in a ^ b):
            continue
    if not re.match(r"differ: (spelling|lede.boilerplate)|\d+ differences", line):
        differ.append(line)
check(not differ and cmp.returncode in (0, 1), "incremental, ADD and PUT articles: the same terms, wdfs (XW "
      "too) and lengths as the full build's, article by article", "\n".join(differ[:3])[:1500] + cmp.stderr)
check(any(a["id"] in cmp.stdout for a in put), "(dbcompare sees the file terms only full.idx's PUT "
      "articles have, so it read both)")


# Format 5: XT<word> carries the word's wdf in every writer (the full
# build here; dbcompare above holds the other writers' articles to the
# same terms and wdfs), XTN and XTXW stay boolean.
def postings(db, term):
    """{docid: wdf} of term's postings in the database db."""
    lines = subprocess.run(["xapian-delve", "-1", "-v", "-t", term, db], capture_output=True,
                           text=True).stdout.splitlines()
    return {int(l.split()[0]): int(l.split()[1]) for l in lines[1:] if l.strip()}


with open(os.path.join(full, "XAPIANDB")) as f:
    full_dbs = [os.path.join(full, l.split()[1]) for l in f if l.strip() and not l.startswith("#")]
word_xt = unlike = 0
other_xt = []
for db in full_dbs:
    for term in subprocess.run(["xapian-delve", "-1", "-A", "XT", db], capture_output=True, text=True).stdout.split():
        tier = postings(db, term)
        if term.startswith(("XTN", "XTXW")):
            other_xt += tier.values()
            continue
        word = postings(db, term[2:])
        word_xt += len(tier)
        unlike += sum(1 for d, w in tier.items() if w != word.get(d))
check(word_xt > 100 and unlike == 0, "format 5: each XT<word> posting weighs the word's wdf in its article "
      "(%d postings, %d unlike)" % (word_xt, unlike))
check(other_xt and max(other_xt) == 0, "format 5: XTN and XTXW stay boolean (%d postings)" % len(other_xt))

QUERIES = ["qar*", "title:qar*", "qarv*", "eco*", "éco*", "жу*", "経*", "qar* crane", "qar* OR жу*",
           "жу* NOT qar*", "market NOT eco*", "title:qar* eco*", "crane"]


def answers(index, env=None):
    """Each query's status word, exact total and every (id, score) in order."""
    d = Daemon(index, env=env)
    c = d.connect()
    out = []
    for q in QUERIES:
        r = c.ask("SEARCH limit=2000 exact=1 snippet=0 -- " + q)
        out.append((r[0].split()[0], status_field(r, "total"),
                    [tuple(l.split("\t")[2:4]) for l in r[1:] if l.startswith("HIT\t")]))
    c.close()
    check_eq(d.stop(), 0, "leded on %s stops cleanly" % os.path.basename(index))
    return out


by_terms, by_words = answers(mixed), answers(mixed, {"LEDE_WORD_WILDCARDS": "1"})
for q, x, y in zip(QUERIES, by_terms, by_words):
    check(x == y and x[0] == "OK", "%s: the same ids, order, scores and exact count from the prefix terms "
          "as from the words (%s matches)" % (q, x[1]), "%r / %r" % (x[:2], y[:2]))
for q, x, y in zip(QUERIES, by_terms, answers(full)):
    check(x[:2] == y[:2] and sorted(x[2]) == sorted(y[2]),
          "%s: the same matches and scores as the full build" % q, "%r / %r" % (x[:2], y[:2]))
check(all(int(x[1]) > 0 for q, x in zip(QUERIES, by_terms) if q != "経*"),
      "every query finds something", repr([x[:2] for x in by_terms]))

# ---- options only a first build reads, given to one that exists --------------------
err = lede_index(mixed, "--pair-min", "3000", third)
check("warning" in err and "--pair-min" in err and "the common words alone" in err,
      "--pair-min on an index that exists: a warning naming the pairs it keeps", err)
plain = scratch.join("plain.idx")
lede_index(plain, first)
err = lede_index(plain, "--prefix-min", "1000", second)
check("warning" in err and "--prefix-min" in err and "has none" in err,
      "--prefix-min on an index built without it: a warning that it has none", err)
check("prefix words" not in index_info(plain), "... and it still has none")

scratch.cleanup()
finish()
