"""test_stopwords -- the stop words a new English index leaves out: the
index records them, phrases and NEAR still find text that holds stop words,
a phrase that differs only in a stop word matches too (the documented
trade), a query of stop words alone finds nothing without an error, and
--no-stopwords keeps every word, exactly as before."""
import os
import subprocess

from ledetest import (Daemon, Scratch, INDEXER, build_index, check, check_eq,
                      finish, hit_ids)

scratch = Scratch()
src = scratch.join("src")
os.makedirs(src)
ARTICLES = {
    "a.txt": "Rate decision at the Bank of England\n\n"
             "The Bank of England held its rate on Thursday.\n",
    "b.txt": "Bank in England opens branch\n\n"
             "A bank in England opened a branch for the town.\n",
    "c.txt": "Harbour report\n\n"
             "The harbour master counted the boats of the fleet at dawn.\n",
    "d.txt": "To be or not to be\n\n"
             "It was what it was, and so it is.\n",
    "e.txt": "Author: Duchess of York\n\nA human being\n\n"
             "A human being walked to the willing buyer.\n",
    "f.txt": "Human walked\n\nThe human walked to a buyer.\n",
}
for name, text in ARTICLES.items():
    with open(os.path.join(src, name), "w") as f:
        f.write(text)


def info(index):
    out = subprocess.run([INDEXER, "--index", index, "--info"], capture_output=True, text=True)
    return dict(l.split(": ", 1) for l in out.stdout.splitlines() if ": " in l)


def search(conn, query):
    reply = conn.ask("SEARCH limit=10 snippet=0 -- " + query)
    return reply[0].split()[0], sorted(hit_ids(reply))


stop = scratch.join("stop.idx")
build_index(stop, src)
words = info(stop).get("stopwords", "").split()
check("the" in words and "of" in words and "bank" not in words,
      "a new English index records its stop words", " ".join(words[:8]))

full = scratch.join("full.idx")
build_index(full, src, extra=("--no-stopwords",))
check_eq(info(full).get("stopwords"), "none", "--no-stopwords: the index keeps every word")

out = subprocess.run([INDEXER, "-q", "--index", stop, "--no-stopwords", src],
                     capture_output=True, text=True)
check(out.returncode == 2 and "stop words" in out.stderr,
      "--no-stopwords on an index without them is refused", out.stderr.strip())

d = Daemon(stop)
c = d.connect()
check_eq(search(c, '"bank of england"'), ("OK", ["a.txt", "b.txt"]),
         "a phrase holding a stop word matches; one differing only in it does too")
check_eq(search(c, '"bank england"'), ("OK", ["a.txt", "b.txt"]),
         "the words around a left-out stop word are adjacent")
check_eq(search(c, '"england bank"'), ("OK", []), "phrase order still counts")
check_eq(search(c, '"master counted the boats"'), ("OK", ["c.txt"]),
         "a longer phrase with a stop word inside matches")
check_eq(search(c, '"the harbour master"'), ("OK", ["c.txt"]),
         "a phrase that starts with a stop word matches")
check_eq(search(c, 'harbour NEAR/1 boats'), ("OK", []), "NEAR keeps its window")
check_eq(search(c, 'counted NEAR/2 of'), ("OK", ["c.txt"]),
         "a stop word in NEAR is left out of it")
check_eq(search(c, 'title:"bank of england"'), ("OK", ["a.txt", "b.txt"]),
         "title phrases skip stop words too")
check_eq(search(c, 'harbour the'), ("OK", ["c.txt"]), "stop words beside other words are ignored")
# regressions from review: a word whose stem is a stop word's is no stop
# word; author phrases skip stop words too; a phrase of stop words only
# drops out of an AND instead of emptying it
check_eq(search(c, '"human being"'), ("OK", ["e.txt"]), "'being' (stem 'be') stays in a phrase")
check_eq(search(c, '"willing buyer"'), ("OK", ["e.txt"]), "'willing' (stem 'will') stays in a phrase")
check_eq(search(c, 'author:"duchess of york"'), ("OK", ["e.txt"]), "author phrases skip stop words")
check_eq(search(c, 'harbour "to be"'), ("OK", ["c.txt"]), "a stop-word phrase leaves the AND to its other words")
check_eq(search(c, 'harbour NOT "to be"'), ("OK", ["c.txt"]), "... and the NOT to its positive side")
status, hits = search(c, "to be or it was")
check(status == "OK" and hits == [], "a query of stop words alone finds nothing, without error",
      "%s %s" % (status, hits))
check_eq(search(c, '"to be or"'), ("OK", []), "a phrase of stop words alone finds nothing")
reply = c.ask("COUNT the")
check_eq(reply[0], "OK COUNT 0", "COUNT of a stop word is 0, not an error")
c.close()
d.stop()

d = Daemon(full)
c = d.connect()
check_eq(search(c, '"bank of england"'), ("OK", ["a.txt"]), "--no-stopwords: exact phrases")
check_eq(search(c, '"to be or"'), ("OK", ["d.txt"]), "--no-stopwords: stop words are searchable")
check_eq(search(c, 'title:"bank of england"'), ("OK", ["a.txt"]), "--no-stopwords: exact title phrases")
c.close()
d.stop()

scratch.cleanup()
finish()
