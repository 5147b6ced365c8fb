"""boilergen -- a made-up collection with known boilerplate (issue 21), for
test_boilerplate.py and bench/results/boilerplate.md.

Five fictional sources (JSON "source" field), each article a few
paragraphs of made-up prose, and each source its own furniture, in varying
places and with slight variations of wording:
- Techly: a newsletter prompt in the middle (two lines, three wordings of
  its second) and, for most articles, its author's bio at the end (five
  authors, no "author" field; one wording in fifty too rare to learn);
- Harbour Gazette: a cookie notice first and a "Photo: ..." credit (two
  words, three credits) after the first paragraph;
- Northwire: every story ends with the sign-off "Northwire" and most with
  a "Reporting by ...; Editing by ..." line (four reporters, two editors);
- Civic Ledger: a membership appeal at the end, and now and then
  "This article was amended on <date>" (the digits differ);
- Field Notes: no furniture at all, but a few stories about one bridge
  each quote the same sentence on a line of its own (not furniture: a
  learner that counts repetition takes it for some);
Some articles genuinely discuss newsletters or freelancing: their prose
says "newsletter" and "freelance" in sentences of their own.

generate(seed, per_source) returns (articles, labels): the JSON objects,
and for each id the set of its body lines that are furniture.  Run as a
script: python3 boilergen.py OUT.jsonl [PER_SOURCE] writes the collection
and OUT.labels.json."""
import json
import random
import sys

WORDS = ("harbour council budget transit rail engineers bridge river festival museum orchard "
         "vineyard software router cloud storage satellite launch league striker keeper coach "
         "election ballot mayor senate tariff export grain copper freight port winter drought "
         "reservoir clinic vaccine surgeon school teachers exam library archive painter opera "
         "novel theatre chef bakery market ferry airport runway tunnel valley glacier climber "
         "startup investor merger factory workers union strike wages pension housing rent tenants").split()

NEWSLETTER_TOPIC = [
    "The {w} cooperative now sends a weekly newsletter to its members about {w2} prices.",
    "Readers of the {w} newsletter asked the editor why the {w2} report was late.",
    "She left her staff job to work as a freelance {w} photographer covering the {w2}.",
    "Freelance {w} designers say the new {w2} rules make invoicing harder.",
]

AUTHORS = ["Mara Quill", "Tobias Fenwick", "Ines Calder", "Owen Marlow", "Priya Lestrange"]
BIO = {
    "Mara Quill": "Mara Quill is a freelance writer and broadcaster who covers cybersecurity, cloud and big data.",
    "Tobias Fenwick": "Tobias Fenwick is a technology journalist who has written about chips and networks for ten years.",
    "Ines Calder": "Ines Calder is an editor at Techly covering enterprise software and the people who buy it.",
    "Owen Marlow": "Owen Marlow is a freelance reporter based in Lisbon who writes about startups and money.",
    "Priya Lestrange": "Priya Lestrange is the reviews editor at Techly, testing laptops, phones and routers.",
}
TECHLY_PROMPT = ["Get the Techly daily newsletter",
                 ["Receive our latest news, industry updates, featured resources and more. Sign up today to receive our FREE report.",
                  "Receive our latest news, industry updates, featured resources and more. Sign up now to get our free report!",
                  "Receive our latest news, industry updates and featured resources. Sign up today."]]
COOKIES = ["We use cookies to improve your experience on our site. By continuing to browse you agree to our use of cookies.",
           "We use cookies to improve your experience on this site. By continuing to browse, you agree to our use of cookies."]
PHOTOS = ["Photo: Gazette staff", "Photo: Harbour Archive", "Photo: AP"]
REPORTERS = ["Lena Voss", "Karim Haddad", "Sofia Brandt", "Tom Achebe"]
EDITORS = ["Alison Reed", "Marc Duval"]
APPEAL = ["Support independent local journalism: become a Civic Ledger member today.",
          "Support independent local journalism - become a Civic Ledger member today!"]


def sentence(rng):
    n = rng.randint(8, 16)
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng, topical):
    sents = [sentence(rng) for _ in range(rng.randint(2, 4))]
    if topical:
        sents.insert(rng.randint(0, len(sents)),
                     rng.choice(NEWSLETTER_TOPIC).format(w=rng.choice(WORDS), w2=rng.choice(WORDS)))
    return " ".join(sents)


def prose(rng, topical):
    paras = [paragraph(rng, False) for _ in range(rng.randint(3, 6))]
    if topical:
        paras[rng.randrange(len(paras))] = paragraph(rng, True)
    return paras


def own_word(i):
    """A word of article i's alone, in letters (a line that differs only
    in its digits is the same line to the boilerplate table)."""
    word = ""
    while True:
        word += "abcdefghijklmnopqrstuvwxyz"[i % 26]
        i //= 26
        if not i:
            return "quill" + word


def slow_article(rng, i, source, blurb):
    """Article i of the re-clean tests' one source: prose, a line of its
    own, and blurb (or none) as its third paragraph."""
    paras = prose(rng, False)
    paras.insert(1, "The %s committee met." % own_word(i))
    if blurb:
        paras.insert(2, blurb)
    return {"id": "slow-%04d" % i, "source": source, "title": "Slow story %d" % i,
            "body": "\n\n".join(paras)}


def techly(rng, paras, meta):
    at = rng.randint(1, len(paras) - 1)
    second = rng.choice(TECHLY_PROMPT[1])
    if rng.random() < 0.02:  # a wording too rare to be learned: recall's price
        second = "Receive our latest news and offers: sign up for the Techly daily briefing in seconds."
    blurbs = [TECHLY_PROMPT[0], second]
    paras[at:at] = ["\n".join(blurbs)]
    if rng.random() < 0.85:
        bio = BIO[rng.choice(AUTHORS)]
        paras.append(bio)
        blurbs.append(bio)
    return blurbs


def gazette(rng, paras, meta):
    cookie, photo = rng.choice(COOKIES), rng.choice(PHOTOS)
    paras.insert(0, cookie)
    paras.insert(2, photo)
    return [cookie, photo]


def northwire(rng, paras, meta):
    blurbs = []
    if rng.random() < 0.8:
        credit = "Reporting by %s; Editing by %s" % (rng.choice(REPORTERS), rng.choice(EDITORS))
        paras.append(credit)
        blurbs.append(credit)
    paras.append("Northwire")
    blurbs.append("Northwire")
    return blurbs


def ledger(rng, paras, meta):
    blurbs = []
    if rng.random() < 0.3:
        note = "This article was amended on %d March %d to correct a date." % (rng.randint(1, 28), rng.randint(2019, 2024))
        paras.insert(rng.randint(1, len(paras)), note)
        blurbs.append(note)
    appeal = rng.choice(APPEAL)
    paras.append(appeal)
    blurbs.append(appeal)
    return blurbs


QUOTE = "The harbour master said the bridge would reopen to traffic in May."


def plain(rng, paras, meta):
    """No furniture; but one quote, on a line of its own, recurs in a few
    stories about the same bridge: precision's price."""
    if rng.random() < 0.04:
        paras.insert(rng.randint(1, len(paras)), QUOTE)
    return []


SOURCES = [("Techly", techly), ("Harbour Gazette", gazette), ("Northwire", northwire),
           ("Civic Ledger", ledger), ("Field Notes", plain)]


def generate(seed=21, per_source=150):
    rng = random.Random(seed)
    articles, labels = [], {}
    for i in range(per_source):
        for name, furnish in SOURCES:
            art_id = "%s-%04d" % (name.split()[0].lower(), i)
            topical = rng.random() < 0.08
            paras = prose(rng, topical)
            meta = {}
            blurbs = furnish(rng, paras, meta)
            articles.append({"id": art_id, "source": name,
                             "title": " ".join(rng.choice(WORDS) for _ in range(5)).title(),
                             "date": "2024-%02d-%02dT08:00:00Z" % (1 + i % 12, 1 + i % 28),
                             "body": "\n\n".join(paras), "topical": topical})
            labels[art_id] = set(blurbs)
    return articles, labels


def write(path, articles, labels):
    with open(path, "w") as f:
        for a in articles:
            f.write(json.dumps({k: v for k, v in a.items() if k != "topical"}) + "\n")
    with open(path + ".labels.json", "w") as f:
        json.dump({k: sorted(v) for k, v in labels.items()}, f, indent=0)


if __name__ == "__main__":
    arts, labs = generate(per_source=int(sys.argv[2]) if len(sys.argv) > 2 else 150)
    write(sys.argv[1], arts, labs)
