"""dupdata -- the made-up collection of the near-duplicate tests
(test_dups, test_dups_shards): 40 articles of random made-up words, each
text starting "zebra", and copies of some: a01 copied exactly and with two
words changed, a02 copied twice, a03 with half its words changed (no
near-duplicate).  Seeded: the same every run."""
import random


def made_up(seed=17):
    """(rows, the groups of near-duplicates as sets of ids, a copier)."""
    rng = random.Random(seed)
    vocab = ["%s%s" % (rng.choice("bcdfgklmnprstvz"), "".join(rng.choice("aeiou") + rng.choice("lnrst")
                                                             for _ in range(3))) for _ in range(3000)]

    def text_of(n):
        return " ".join(rng.choice(vocab) for _ in range(n))

    rows = [{"id": "a%02d" % i, "title": text_of(6), "text": "zebra " + text_of(120),
             "date": "2011-05-%02d" % (1 + i % 28)} for i in range(40)]
    base = {r["id"]: r for r in rows}

    def variant(src, new_id, changes):
        words = base[src]["text"].split()
        for _ in range(changes):
            words[rng.randrange(1, len(words))] = rng.choice(vocab)
        return {"id": new_id, "title": base[src]["title"], "text": " ".join(words), "date": base[src]["date"]}

    rows += [variant("a01", "a01-copy", 0), variant("a01", "a01-edit", 2),
             variant("a02", "a02-copy", 0), variant("a02", "a02-copy2", 0),
             variant("a03", "a03-far", 60)]
    groups = [{"a01", "a01-copy", "a01-edit"}, {"a02", "a02-copy", "a02-copy2"}]
    return rows, groups, variant
