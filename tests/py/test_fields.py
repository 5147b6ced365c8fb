"""test_fields -- a word of the default field is ranked as one term over the
headline, standfirst and body wherever it stands in the query.  Regression:
Xapian folds an OR that is the first operand of an OR into it, so the first
word of "crane OR storm" (and of every mode=any query) reached lede as three
separate field terms among the others and escaped that, scoring several
times the same word elsewhere: "crane OR storm" and "storm OR crane" ranked
differently, and a one-word OR with a wildcard matching nothing scored
unlike the word alone.  And an OR of one word alone collapsed whatever
its operands, so title:crane beside crane was dropped, but not beside
crane and another word."""
import random

from ledetest import Daemon, Scratch, build_index, check, check_eq, finish, write_jsonl

scratch = Scratch()
rng = random.Random(9)
WORDS = ["harbour", "crane", "market", "ferry", "grain", "copper", "tariff", "storm", "vote", "court"]
rows = []
for i in range(400):
    words = [rng.choice(WORDS) for _ in range(rng.randint(5, 15))]
    rows.append({"id": "f%03d" % i, "title": " ".join(rng.choice(WORDS) for _ in range(3)).capitalize(),
                 "lede": " ".join(rng.choice(WORDS) for _ in range(5)) + ".",
                 "text": " ".join(words) + ".", "date": "2010-01-%02d" % (1 + i % 28)})
index = scratch.join("idx")
build_index(index, write_jsonl(scratch.join("f.jsonl"), rows))
d = Daemon(index)
c = d.connect()


def ranked(query):
    r = c.ask("SEARCH snippet=0 limit=50 -- " + query)
    check(r[0].startswith("OK"), "answered: " + query, r[0])
    return [(l.split("\t")[2], l.split("\t")[3]) for l in r if l.startswith("HIT\t")]


check_eq(ranked("crane OR storm"), ranked("storm OR crane"), "crane OR storm ranks as storm OR crane")
check_eq(ranked("crane OR zqx*"), ranked("crane"), "a word OR a wildcard matching nothing ranks as the word")
check_eq(ranked("crane OR storm OR vote"), ranked("vote OR (storm OR crane)"), "three words, any order and nesting")
# A word typed with a field keeps that field's term, whatever the order:
# only the triple QueryParser makes of one default-field word (one query
# position) becomes one term.
check_eq(ranked("crane OR title:crane"), ranked("title:crane OR crane"), "crane OR title:crane, either order")
check_eq(ranked("crane OR title:crane OR storm"), ranked("storm OR title:crane OR crane"),
         "crane OR title:crane OR storm, any order")
check(ranked("crane OR title:crane") != ranked("crane"), "title:crane beside crane still counts")
r = c.ask("SEARCH snippet=0 limit=50 mode=any -- crane storm")
check_eq([(l.split("\t")[2], l.split("\t")[3]) for l in r if l.startswith("HIT\t")],
         ranked("storm OR crane"), "mode=any: as the OR of the words")
c.close()
check_eq(d.stop(), 0, "exit 0")
finish()
