"""test_faults -- the index's storage failing under leded and lede-index:
a tiny tmpfs filled while leded ingests (a failed COMMIT answers ERR
DISKFULL with the path, keeps the articles it had acknowledged, refuses
new changes, and commits them all once space is back; on a plain and on a
sharded index), a COMPACT on a full disk, lede-index on a full disk (it says so, leaves no half-written
database, and a later run completes), lede-index --watch on a full disk
(it says so once, waits, and indexes every file once space is back), and an index on a read-only mount
(leded serves it; ingest commands answer ERR READONLY).  Needs root to
mount; skips with a line saying so otherwise.  Nothing sleeps: waits poll
the daemon."""
import json
import os
import signal
import subprocess

from ledetest import (Daemon, Scratch, ROOT, INDEXER, check, check_eq, eventually, finish,
                      index_info, indexer)

# Under AddressSanitizer: Xapian's own leaks on its write-failure paths
# are not counted here (tests/asan/xapian-failures.supp says why).
os.environ["LSAN_OPTIONS"] = "suppressions=" + os.path.join(ROOT, "tests", "asan", "xapian-failures.supp")
scratch = Scratch()
TOKEN = "tok-" + "f4" * 10
token_file = scratch.token_file(TOKEN)
BBC = os.path.join(ROOT, "..", "shared", "corpus", "bbc")


def mount(*args):
    return subprocess.run(["mount", *args], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def umount(path):
    subprocess.run(["umount", "-l", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def tmpfs(name, size):
    path = scratch.join(name)
    os.makedirs(path, exist_ok=True)
    return path if mount("-t", "tmpfs", "-o", "size=" + size, "tmpfs", path) else None


def fill(disk):
    """Writes a file until the disk is full; returns its path."""
    path = os.path.join(disk, "filler")
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
    with open(path, "ab", buffering=0) as f:  # the last partial block
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass
    return path


def count(conn, query):
    r = conn.ask("COUNT " + query)
    return int(r[0].split()[2]) if r[0].startswith("OK COUNT") else r


def add(conn, i, word):
    return conn.ask("ADD " + json.dumps({"id": "%s-%d" % (word, i), "title": "%s %d" % (word, i),
                                        "text": ("%s story number %d " % (word, i)) * 40}))[0]


def debris(index):
    """Directories of the index its stub does not list."""
    with open(os.path.join(index, "XAPIANDB")) as f:
        live = {l.split()[1] for l in f if l.startswith("auto ")}
    return sorted(n for n in os.listdir(index) if n.startswith(("db.", "part.")) and n not in live)


def ingest_on_full_disk():
    disk = tmpfs("disk", "4m")
    index = os.path.join(disk, "live.idx")
    d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600",
               "--commit-settle", "3600")  # commits only when asked: no timing in the test
    c = d.connect()
    check_eq(c.ask("AUTH " + TOKEN)[0], "OK AUTH", "AUTH")
    for i in range(20):
        add(c, i, "before")
    check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "a commit with space left")
    rev0 = int(c.ask("COMMIT")[0].split("revision=")[1].split()[0])
    filler = fill(disk)
    acked = [add(c, i, "pending") for i in range(30)]
    check(all(r.startswith("OK ADDED") for r in acked),
          "ADDs on a full disk are acknowledged (they wait in memory for the commit)", acked[-1])
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR DISKFULL " + index), "the failed COMMIT answers ERR DISKFULL <path>", r)
    check("disk full" in r, "... and says the disk is full", r)
    r = add(c, 99, "refused")
    check(r.startswith("ERR DISKFULL"), "a new ADD while the disk is full: ERR DISKFULL", r)
    check("send it again" in r, "... saying it was not applied", r)
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR DISKFULL"), "COMMIT retried on a still full disk: ERR DISKFULL", r)
    check_eq(count(c, "pending"), 0, "readers do not see the uncommitted articles")
    check_eq(count(c, "before"), 20, "the committed ones are still served")
    check(r"DatabaseClosedError" not in d.log_text(), "no DatabaseClosedError in the log")
    os.unlink(filler)
    r = c.ask("COMMIT")[0]
    check(r.startswith("OK COMMITTED"), "space freed: COMMIT succeeds", r)
    check(int(r.split("revision=")[1].split()[0]) > rev0, "its revision is higher", r)
    check_eq(eventually(lambda: count(c, "pending") == 30 and 30), 30,
             "every article acknowledged before the failed commit is committed")
    check_eq(add(c, 1, "after")[:8], "OK ADDED", "ADD works again")
    check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "and COMMIT")

    # A compaction on a full disk: refused with the cause, no copy left over.
    filler = fill(disk)
    r = c.ask("COMPACT")[0]
    check(r.startswith("ERR DISKFULL"), "COMPACT on a full disk: ERR DISKFULL", r)
    check_eq(debris(index), [], "the half-written copy is removed at once")
    os.unlink(filler)
    r = c.ask("COMPACT")[0]
    check(r.startswith("OK COMPACTED"), "space freed: COMPACT succeeds", r)
    check_eq(count(c, "pending OR before OR after"), 51, "every article after the compaction")
    add(c, 2, "after")
    check(c.ask("COMMIT")[0].startswith("OK COMMITTED"), "and the writer goes on after it")

    # Nearly full (under the 1 MiB floor, engine.h): no commit is begun, since Xapian
    # may abort the process when the disk fills part way through one.
    filler = fill(disk)
    os.truncate(filler, max(0, os.path.getsize(filler) - 512 * 1024))
    check_eq(add(c, 3, "after")[:8], "OK ADDED", "an ADD with 512 KiB free is acknowledged")
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR DISKFULL " + index) and "too little to commit" in r,
          "COMMIT with 512 KiB free: ERR DISKFULL, too little to commit", r)
    os.unlink(filler)
    r = c.ask("COMMIT")[0]
    check(r.startswith("OK COMMITTED"), "space freed: that COMMIT succeeds", r)
    check_eq(eventually(lambda: count(c, "after") == 3 and 3), 3, "the waiting article is committed")
    c.close()
    check_eq(d.stop(), 0, "leded stops cleanly")
    check_eq(indexer("--index", index, "--check")[0], 0, "the index passes the check")
    check_eq(index_info(index).get("articles"), "53", "53 articles on disk")
    umount(disk)


def sharded_ingest_on_full_disk():
    disk = tmpfs("shdisk", "8m")
    index = os.path.join(disk, "sharded.idx")
    check_eq(indexer("-q", "--shards", "3", "--index", index, os.path.join(ROOT, "corpus"))[0], 0,
             "a sharded index of corpus/")
    d = Daemon(index, "--ingest-token", token_file, "--commit-interval", "3600",
               "--commit-settle", "3600")  # commits only when asked: no timing in the test
    c = d.connect()
    c.ask("AUTH " + TOKEN)
    base = count(c, "pending")
    filler = fill(disk)
    acked = [add(c, i, "pending") for i in range(12)]
    check(all(r.startswith("OK ADDED") for r in acked), "sharded: ADDs acknowledged", acked[-1])
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR DISKFULL " + index), "sharded: the failed COMMIT names the shard's path", r)
    os.unlink(filler)
    r = c.ask("COMMIT")[0]
    check(r.startswith("OK COMMITTED"), "sharded: space freed, COMMIT succeeds", r)
    check_eq(eventually(lambda: count(c, "pending") == base + 12 and base + 12), base + 12,
             "sharded: the articles of every shard are committed")
    c.close()
    check_eq(d.stop(), 0, "sharded: leded stops cleanly")
    check_eq(indexer("--index", index, "--check")[0], 0, "sharded: every database passes the check")
    umount(disk)


def indexer_on_full_disk():
    if not os.path.isdir(BBC):
        print("ok - # SKIP lede-index on a full disk: needs %s" % BBC)
        return
    disk = tmpfs("idxdisk", "6m")
    index = os.path.join(disk, "bbc.idx")
    status, _, err = indexer("-q", "--index", index, BBC)
    check(status != 0, "lede-index on a full disk fails", status)
    check("disk full" in err and disk in err,
          "... saying the disk is full, with the path", err.strip()[-300:])
    if os.path.exists(os.path.join(index, "XAPIANDB")):
        check_eq(debris(index), [], "no half-written database left beside the index")
        check_eq(indexer("--index", index, "--check")[0], 0, "what is there passes the check")
    check(mount("-o", "remount,size=200m", disk), "the disk grows")
    status, _, err = indexer("-q", "--index", index, BBC)
    check_eq(status, 0, "a later run succeeds")
    info = index_info(index)
    check_eq(info.get("articles"), "2225", "with every article")
    check_eq(len(info.get("databases", "").split()), 1, "in one database")
    check_eq(indexer("--index", index, "--check")[0], 0, "which passes the check")
    umount(disk)


def watch_on_full_disk():
    disk = tmpfs("wdisk", "4m")
    index = os.path.join(disk, "watch.idx")
    src = scratch.join("wsrc")
    os.makedirs(src)

    def write(name, word, n):
        with open(os.path.join(src, name + ".txt"), "w") as f:
            f.write("%s %d\n\n%s\n" % (word.capitalize(), n, ("the %s story number %d " % (word, n)) * 60))

    write("start", "start", 0)
    err_path = scratch.join("watch.err")
    with open(err_path, "w") as err:
        proc = subprocess.Popen([INDEXER, "--index", index, "--watch", src], stdout=subprocess.DEVNULL,
                                stderr=err)

    def log():
        with open(err_path) as f:
            return f.read()
    check(eventually(lambda: "watching" in log() or proc.poll() is not None) and proc.poll() is None,
          "lede-index --watch runs on a 4 MB disk", log())
    filler = fill(disk)
    for i in range(40):
        write("flood-%d" % i, "flooded", i)
    check(eventually(lambda: "waiting for space" in log() or proc.poll() is not None) and proc.poll() is None,
          "on a full disk it says it waits for space, and goes on running", log()[-400:])
    check("disk full" in log() and disk in log(), "... saying the disk is full, with the path", log()[-400:])
    for i in range(5):
        write("meanwhile-%d" % i, "meanwhile", i)
    os.unlink(filler)
    check(eventually(lambda: "space is back" in log() or proc.poll() is not None) and proc.poll() is None,
          "space freed: it says so and goes on", log()[-400:])
    check_eq(eventually(lambda: index_info(index).get("articles") == "46" and "46"), "46",
             "every file is indexed: those before the failure, and those written while it waited")
    write("after", "after", 0)
    check_eq(eventually(lambda: index_info(index).get("articles") == "47" and "47"), "47",
             "a file written after is indexed too")
    check_eq(log().count("waiting for space"), 1, "the wait is said once, not at every try")
    proc.send_signal(signal.SIGTERM)
    check_eq(proc.wait(timeout=60), 0, "SIGTERM: lede-index exits 0")
    check_eq(indexer("--index", index, "--check")[0], 0, "the index passes the check")
    umount(disk)


def read_only_index():
    index = scratch.join("ro-src.idx")
    subprocess.run([INDEXER, "-q", "--index", index, os.path.join(ROOT, "corpus")], check=True)
    ro = scratch.join("ro.idx")
    os.makedirs(ro)
    if not (mount("--bind", index, ro) and mount("-o", "remount,ro,bind", ro)):
        umount(ro)
        print("ok - # SKIP read-only index: cannot remount a bind mount read-only")
        return
    d = Daemon(ro, "--ingest-token", token_file)
    c = d.connect()
    check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "leded serves a read-only index")
    check_eq(c.ask("AUTH " + TOKEN)[0], "OK AUTH", "AUTH on it")
    r = add(c, 1, "ro")
    check(r.startswith("ERR READONLY " + ro), "ADD: ERR READONLY <path>", r)
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR READONLY"), "COMMIT: ERR READONLY", r)
    check(c.ask("SEARCH drought")[0].startswith("OK SEARCH"), "searches go on")
    c.close()
    check_eq(d.stop(), 0, "leded stops cleanly")
    umount(ro)


probe = tmpfs("probe", "1m")
if probe is None:
    print("ok - # SKIP test_faults: mounting a tmpfs is not permitted (needs root)")
else:
    umount(probe)
    try:
        ingest_on_full_disk()
        sharded_ingest_on_full_disk()
        indexer_on_full_disk()
        watch_on_full_disk()
        read_only_index()
    finally:
        for name in ("disk", "shdisk", "idxdisk", "wdisk", "ro.idx"):
            umount(scratch.join(name))
scratch.cleanup()
finish()
