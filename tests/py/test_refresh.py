"""test_refresh -- a running leded sees every commit, through the change
watch of its readers (src/dirwatch.h, src/engine/refresh.cc): incremental
runs, a compaction (the stub then names a new database, in a new directory),
runs into that new database, a deletion; and, a regression found in review,
an index reached through a symbolic link that is pointed at another index
(inotify watches the link's target and would never report it).  Each query
is sent after the change was made, so no timing is involved.  The watch
following a new stub to its databases is checked at the engine level by
tests/unit/test_engine.c, where nothing else in the index directory
changes (here every lede-index run touches it)."""
import os
import subprocess

from ledetest import INDEXER, Daemon, Scratch, check, check_eq, finish, status_field

scratch = Scratch()
src = scratch.join("articles")
os.makedirs(src)
index = scratch.join("refresh.idx")


def add_article(n):
    with open(os.path.join(src, "a%d.txt" % n), "w") as f:
        f.write("Harbour article %d\nThe zebraphone arrives in port.\n\n"
                "The ship brought one zebraphone, article %d.\n" % (n, n))


def index_now(*extra):
    r = subprocess.run([INDEXER, "-q", "--index", index, *extra] + ([] if extra else [src]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return r.returncode, r.stderr


with open(os.path.join(src, "base.txt"), "w") as f:
    f.write("Quiet morning\nNothing happens.\n\nThe harbour was calm all day.\n")
check_eq(index_now()[0], 0, "first build")
d = Daemon(index, "--workers", "2")
c = d.connect()


def count():
    r = c.ask("COUNT zebraphone")
    return int(r[0].split()[2]) if r[0].startswith("OK COUNT") else r[0]


def databases():
    with open(os.path.join(index, "XAPIANDB")) as f:
        return sorted(l.split()[1] for l in f if l.strip() and not l.startswith("#"))


check_eq(count(), 0, "before any zebraphone article: none")
for n in (1, 2):
    add_article(n)
    check_eq(index_now()[0], 0, "incremental run %d" % n)
    check_eq([count(), count()], [n, n], "after incremental run %d: %d found (asked twice)" % (n, n))
before = databases()
check_eq(index_now("--compact")[0], 0, "compaction")
check(databases() != before, "the stub names other databases after compaction", str(databases()))
check_eq([count(), count()], [2, 2], "after compaction: still 2")
for n in (3, 4):
    add_article(n)
    check_eq(index_now()[0], 0, "incremental run %d after compaction" % n)
    check_eq([count(), count()], [n, n], "after run %d into the new database: %d found" % (n, n))
os.remove(os.path.join(src, "a1.txt"))
check_eq(index_now()[0], 0, "a run that deletes an article")
check_eq([count(), count()], [3, 3], "the deletion is seen")
r = c.ask("SEARCH zebraphone")
check(r[0].startswith("OK SEARCH") and status_field(r, "hits") == "3", "SEARCH agrees", r[0])
c.close()
check_eq(d.stop(), 0, "exit 0")

# An index path that is a symbolic link, pointed at another index.
other_src = scratch.join("other")
os.makedirs(other_src)
with open(os.path.join(other_src, "g.txt"), "w") as f:
    f.write("Giraffophone found\nA new instrument.\n\nThe giraffophone plays low notes.\n")
other = scratch.join("other.idx")
subprocess.run([INDEXER, "-q", "--index", other, other_src], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
link = scratch.join("current")
os.symlink(index, link)
d = Daemon(link, "--workers", "1")
c = d.connect()
check_eq([count(), c.ask("COUNT giraffophone")[0]], [3, "OK COUNT 0"], "through the link: the first index")
os.symlink(other, link + ".tmp")
os.replace(link + ".tmp", link)
check_eq([count(), c.ask("COUNT giraffophone")[0]], [0, "OK COUNT 1"],
         "the link pointed at another index: the next query searches that one")
c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
