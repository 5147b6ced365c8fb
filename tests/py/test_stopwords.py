"""test_stopwords -- the stop words a new English index leaves out: the
index records them, phrases and NEAR still find text that holds stop words,
a phrase that differs only in a stop word matches too (the documented
trade), a phrase of stop words is found by their pair terms (issue 19,
point 9: "to be or not to be" is not every article with "not"), a query
of stop words alone finds nothing and says why (a HINT, in text, JSON and
the client), and --no-stopwords keeps every word, exactly as before."""
import json
import os
import subprocess

from ledetest import (CLIENT, Daemon, Scratch, INDEXER, build_index, check, check_eq,
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
    "g.txt": "The Who play Leeds\n\nThe band The Who returned to the stage.\n",
    "h.txt": "Who won\n\nThe team who won the cup did not stay.\n",
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
reply = c.ask('SEARCH limit=10 snippet=0 -- harbour "to be"')
check("retried=any" in reply[0] and sorted(hit_ids(reply)) == ["c.txt", "d.txt"],
      "a stop-word phrase counts in an AND: no article has both, so it is retried as OR", reply[0])
check_eq(search(c, 'harbour NOT "to be"'), ("OK", ["c.txt"]), "... and in a NOT")
check_eq(search(c, '"to be or"'), ("OK", ["d.txt"]), "a phrase of stop words alone finds its article")
check_eq(search(c, 'not'), ("OK", ["d.txt", "h.txt"]), "'not' is no stop word")
check_eq(search(c, '"to be or not to be"'), ("OK", ["d.txt"]),
         "a phrase of stop words around a word: not every article with 'not'")
check_eq(search(c, '"the who"'), ("OK", ["g.txt"]), "'the who' finds the band, not 'the team who'")
check_eq(search(c, 'title:"the who"'), ("OK", ["g.txt"]), "... in the headline too")
check_eq(search(c, '"who the"'), ("OK", []), "a stop-word pair keeps its order")
check_eq(search(c, '"be or not to"'), ("OK", ["d.txt"]), "a phrase of stop words and a word")
reply = c.ask("SEARCH limit=10 snippet=0 -- to be or it was")
check_eq(reply[0].split()[:3], ["OK", "SEARCH", "total=0"], "a query of stop words alone finds nothing, without error")
check(len(reply) == 2 and reply[1].startswith("HINT\tstopwords\t") and "stop word" in reply[1],
      "... and says why in a HINT line", reply)
reply = c.ask("SEARCH -- the")
check(len(reply) == 2 and reply[1].startswith("HINT\tstopwords\t"), "'the' alone: the hint", reply)
reply = c.ask("SEARCH -- harbour")
check(not any(l.startswith("HINT") for l in reply), "no hint when a word is not a stop word", reply)
reply = c.ask("SEARCH -- zzyzx the")
check(not any(l.startswith("HINT") for l in reply), "no hint when another word finds nothing", reply)
reply = c.ask("COUNT the")
check_eq(reply[0], "OK COUNT 0", "COUNT of a stop word is 0, not an error")
c.send("FORMAT json\n")
c.line()
reply = json.loads(c.ask("SEARCH -- the")[0])
check(reply.get("total") == 0 and reply.get("hint", {}).get("kind") == "stopwords" and
      "stop word" in reply["hint"].get("message", ""), "JSON: the hint", reply)
reply = json.loads(c.ask("SEARCH -- harbour")[0])
check("hint" not in reply, "JSON: no hint key when there is none", reply)
out = subprocess.run([CLIENT, "-c", d.addr, "the"], capture_output=True, text=True, timeout=60)
check(out.returncode == 1 and "stop word" in out.stdout + out.stderr,
      "the client says so, exit 1", out.stdout + out.stderr)
c.close()
d.stop()

d = Daemon(full)
c = d.connect()
check_eq(search(c, '"bank of england"'), ("OK", ["a.txt"]), "--no-stopwords: exact phrases")
check_eq(search(c, '"to be or"'), ("OK", ["d.txt"]), "--no-stopwords: stop words are searchable")
reply = c.ask("SEARCH -- the")
check(len(reply) > 1 and reply[1].startswith("HIT") and not any(l.startswith("HINT") for l in reply),
      "--no-stopwords: 'the' finds articles, no hint", reply[:2])
check_eq(search(c, 'title:"bank of england"'), ("OK", ["a.txt"]), "--no-stopwords: exact title phrases")
c.close()
d.stop()

scratch.cleanup()
finish()
