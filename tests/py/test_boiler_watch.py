"""test_boiler_watch -- lede-index --watch recovering from a commit that
failed for a full disk (LEDE_FAIL_COMMIT with LEDE_FAIL_COMMIT_FULL,
writer.cc) counts the dropped articles into the learned boilerplate table
(boiler.h) once: an index of four articles of one source with a blurb,
then six more moved into the directory a watcher watches, whose commit
fails; it waits for space, restarts its writers, reads the sources again
and commits.  --info then lists the blurb in 10 of the source's 10
articles, as a clean build of the same files does, not 16 of 16.  The
regression of a bug docs/ARCHITECTURE.md named as left (2026-12-07): an
unsharded index's writer restarted with the process's table still
counting the articles its failed commit dropped, which the rescan then
counted again: the unsharded case is the regression (it failed before
the fix).  The same with two shards, the six all routed to the shard
whose commit fails, is a guard, not the regression: writers.c took a
failed sharded run's articles back before the fix as well (shardrun.c
stores the table again), and this case keeps the fix from breaking
that.  Then (unsharded) a commit that finds no room (LEDE_FAIL_ROOM,
writer.cc), the six kept uncommitted, and the recovery's commit of them
as it stops the writer failing: writers.c commits a writer's pending
articles before its close, so that a failed commit leaves it discarded
and its articles taken back; before, the close committed them, and its
failure (LEDE_FAIL_CLOSE) dropped them still counted (16 of 16)."""
import os
import signal
import subprocess

from ledetest import (DEADLINE, INDEXER, Scratch, boiler_counts, check, check_eq, eventually, finish, gazette,
                      gazette_ids, indexer, write_jsonl)

scratch = Scratch()


def watch_until_recovered(label, index, src, fail_at, new, room=False):
    """A watcher of src whose first commit of a database under fail_at
    fails as a full disk: once it watches, the articles new are moved
    into src; it runs until it says it recovered, then stops.  room: its
    first commit finds no room first (LEDE_FAIL_ROOM: begun not, the
    articles kept), so that the failing commit is the one the recovery
    makes of them as it stops the writers (their close's, before the
    fix: LEDE_FAIL_CLOSE)."""
    err_path = scratch.join(label + ".err")
    env = dict(os.environ, LEDE_FAIL_COMMIT=fail_at, LEDE_FAIL_COMMIT_FULL="1")
    if room:
        env.update(LEDE_FAIL_ROOM=fail_at, LEDE_FAIL_CLOSE=fail_at)
    with open(err_path, "w") as err:
        proc = subprocess.Popen([INDEXER, "--index", index, "--watch", src], stdout=subprocess.DEVNULL,
                                stderr=err, env=env)

    def log():
        with open(err_path) as f:
            return f.read()
    try:
        check(eventually(lambda: "watching" in log() or proc.poll() is not None) and proc.poll() is None,
              label + ": the watcher starts, its first run committing nothing", log()[-600:])
        os.rename(write_jsonl(scratch.join(label + ".second.jsonl"), gazette(new)),
                  os.path.join(src, "second.jsonl"))  # whole, at once
        check(eventually(lambda: "space is back" in log() or proc.poll() is not None) and proc.poll() is None,
              label + ": the watcher recovers from the failed commit and goes on", log()[-600:])
        check("waiting for space" in log() and ("too little to commit" if room else "LEDE_FAIL_COMMIT") in log(),
              label + ": ... which failed as a full disk", log()[-600:])
    finally:
        proc.send_signal(signal.SIGTERM)
        check_eq(proc.wait(timeout=DEADLINE), 0, label + ": SIGTERM: the watcher exits 0")


def watched(label, shards, room=False):
    src = scratch.join(label + ".src")
    os.makedirs(src)
    index = scratch.join(label + ".idx")
    sharding = ("--shards", "2") if shards else ()
    first = gazette_ids(0, 2) + gazette_ids(1, 2)
    write_jsonl(os.path.join(src, "first.jsonl"), gazette(first))
    rc, _, err = indexer("-q", "--index", index, *sharding, src)
    check_eq(rc, 0, label + ": the first build" + (": " + err if rc else ""))
    check_eq(boiler_counts(index, "Gazette"), (4, 4), label + ": the blurb in 4 of 4 after the first build")
    fail_at = os.path.join(index, "shard.1/" if shards else "") + ":1"
    watch_until_recovered(label, index, src, fail_at, gazette_ids(1, 6, skip=first), room)
    clean = scratch.join(label + "-clean.idx")
    rc, _, err = indexer("-q", "--index", clean, *sharding, src)
    check_eq(rc, 0, label + ": a clean build" + (": " + err if rc else ""))
    check_eq(boiler_counts(clean, "Gazette"), (10, 10), label + ": the clean build's blurb in 10 of 10")
    check_eq(boiler_counts(index, "Gazette"), (10, 10),
             label + ": the recovered watcher's blurb in 10 of 10, as the clean build's")


watched("unsharded", False)
watched("sharded", True)
watched("room", False, room=True)
scratch.cleanup()
finish()
