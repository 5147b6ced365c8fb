"""test_fair_share -- each connection's share of the workers and of memory
(daemon/admit.h, daemon/pool.h), shown without timing: a query of a client
that waits for its reply runs before a flood's waiting queries (the worker
is held by the test between them); a client that does not read is held
once it owes --max-output, its queries are not run meanwhile, and it gets
every reply in order once it reads; and --max-output-total holds a
non-reader that owes less than --max-output while another client goes on."""
import os

from ledetest import (ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish, one_held_worker,
                      release_all, release_one, stats, status_field)

scratch = Scratch()
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))


# A fresh query goes before a flood's queue.  One worker; the flood's
# queries each hold it until the test lets it go.
d, hold, probe, flood = one_held_worker(scratch, index, "0", holds=5)
good = d.connect()
good.send("SEARCH drought\n")
check(eventually(lambda: stats(probe)["queued"] == "5"), "a good client's query waits too")
check(release_one(hold), "the worker is let go once")
r = good.reply("SEARCH")
check(r[0].startswith("OK SEARCH"), "the good client is answered next, while the flood's next query holds the worker",
      r[0])
check(eventually(lambda: stats(probe)["queued"] == "3" and stats(probe)["workers_busy"] == "1"),
      "the flood's other queries still wait, its next holds the worker", str(stats(probe)))
check(release_all(hold, probe), "the flood's held queries let go")
check_eq([flood.reply("SEARCH")[0].split()[0] for _ in range(5)], ["OK"] * 5, "the flood gets all its replies")
for c in (probe, flood, good):
    c.close()
check_eq(d.stop(), 0, "exit 0")

# A client that does not read is held once it owes --max-output.
HEAVY = "SEARCH limit=100 snippet=2000 mode=any -- said was has will new year people over more after\n"
N = 200
d = Daemon(index, "--max-output", "65536", "--query-timeout", "0")
probe = d.connect()
slow = d.connect()
slow.send(HEAVY * N)
# One STATS snapshot at a time: the kernel may take more of the bytes
# between two (its socket buffers grow), letting the client go for a while.
def held_idle():
    st = stats(probe)
    return st if st["connections_held"] == "1" and st["workers_busy"] == "0" else None


st = eventually(held_idle)
check(st is not None, "a non-reader owing --max-output is held, and no worker runs its queries")
check(st and int(st["output_bytes"]) >= 65536, "it owes at least --max-output", st and st["output_bytes"])
check(st and int(st["queued"]) > 0, "its other queries wait, not taken while it is held", st and st["queued"])
check(probe.ask("SEARCH drought")[0].startswith("OK SEARCH"), "another client is served")
got = [status_field(slow.reply("SEARCH"), "limit") for _ in range(N)]
check_eq(got, ["100"] * N, "once it reads, every reply arrives, in order")
check(eventually(lambda: stats(probe)["connections_held"] == "0"), "and it is held no more")
check(int(stats(probe)["holds"]) >= 1, "STATS holds counts it")
for c in (probe, slow):
    c.close()
check_eq(d.stop(), 0, "exit 0")

# --max-output-total: a non-reader owing less than --max-output is held
# when all clients together owe the total; a reading client goes on.
d = Daemon(index, "--max-output", "4M", "--max-output-total", "65536", "--query-timeout", "0")
probe = d.connect()
slow = d.connect()
slow.send(HEAVY * N)
check(eventually(lambda: stats(probe)["connections_held"] == "1"), "held for the total, under its own --max-output")
check(int(stats(probe)["output_bytes"]) < 4 << 20, "owing less than --max-output", stats(probe)["output_bytes"])
for _ in range(5):
    check(probe.ask("SEARCH drought")[0].startswith("OK SEARCH"), "a reading client still gets its replies")
got = [status_field(slow.reply("SEARCH"), "limit") for _ in range(N)]
check_eq(got, ["100"] * N, "the held client gets every reply once it reads")
for c in (probe, slow):
    c.close()
check_eq(d.stop(), 0, "exit 0")
scratch.cleanup()
finish()
