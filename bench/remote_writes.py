"""remote_writes.py -- what a front asks of its xapian-tcpsrv servers per
query (issue 15), counted rather than timed, so that a loaded machine does
not change it: the write and read system calls of the servers' connection
processes (/proc/PID/io) over the first N (default 400) queries of a mix,
asked twice in a row (the second pass meets what the front kept), through
leded with one worker, `SEARCH limit=10 snippet=0`.  Layouts: r1 (IDXDIR/
local.idx, an unsharded index, behind one server), h1 (IDXDIR/s1.idx,
`lede-index --shards 1`: its front local, its shard behind one server), s2
(IDXDIR/s2.idx, 2 shards, a server each).  Each leded given is measured
on the same servers, one after the other.
usage: python3 bench/remote_writes.py IDXDIR QUERYFILE LEDED... [-- r1 h1 s2]
QUERYFILE as bench/make_queries.py --classes writes it.  Prints a Markdown
table: besides the counts, the CPU time of the servers' connection processes
and of the front (their threads' schedstat, which load changes little: a
process is charged only while it runs) and the wall time (which load does
change)."""
import os, re, socket, subprocess, sys, time
args = sys.argv[1:]
layouts = args[args.index("--") + 1:] if "--" in args else ["r1", "h1", "s2"]
args = args[:args.index("--")] if "--" in args else args
if len(args) < 3:
    sys.exit(__doc__)
IDX, QUERYFILE, LEDEDS = args[0], args[1], args[2:]
queries = [l.split("\t", 1)[-1].rstrip("\n") for l in open(QUERYFILE)][:int(os.environ.get("N", "400"))]

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def tcpsrv(db):
    port = free_port()
    p = subprocess.Popen(["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(port), db],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    for line in p.stdout:
        if line.startswith("Listening"): break
    return p, port

def kids(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(st[1]) == pid and st[0] != "Z": out.append(int(d))
    return out

def io(pids):
    w = r = 0
    for k in pids:
        t = open("/proc/%d/io" % k).read()
        w += int(re.search(r"syscw: (\d+)", t).group(1)); r += int(re.search(r"syscr: (\d+)", t).group(1))
    return w, r

def cpu_ns(pids):
    """On-CPU nanoseconds of pids' threads so far (/proc/PID/task/*/schedstat,
    exact where /proc/PID/stat counts 10 ms ticks)."""
    ns = 0
    for k in pids:
        for t in os.listdir("/proc/%d/task" % k):
            ns += int(open("/proc/%d/task/%s/schedstat" % (k, t)).read().split()[0])
    return ns

def run(leded, stub_lines, srvs, label):
    front = os.path.join(IDX, "front-" + re.sub(r"[^a-z0-9]+", "-", label))
    os.makedirs(front, exist_ok=True)
    with open(front + "/XAPIANDB", "w") as f:
        f.write("".join(l + "\n" for l in stub_lines))
    d = subprocess.Popen([leded, "--index", front, "--listen", "127.0.0.1:0", "--workers", "1", "--log-level", "info"],
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    addr = None
    for line in d.stderr:
        m = re.search(r"listening on tcp (127.0.0.1:\d+)", line)
        if m: addr = m.group(1); break
    host, port = addr.split(":")
    c = socket.create_connection((host, int(port))); f = c.makefile("rwb")
    def ask(q):
        f.write(("SEARCH limit=10 snippet=0 -- %s\n" % q).encode()); f.flush()
        while True:
            l = f.readline().decode()
            if not l or l.startswith("ERR") or l == "END\n": return
    ask("oil")
    children = [k for s in srvs for k in kids(s.pid)]
    res = []
    for p in (1, 2):
        w0, r0 = io(children); t0 = time.time(); c0 = cpu_ns(children); f0 = cpu_ns([d.pid])
        for q in queries: ask(q)
        w1, r1 = io(children); t1 = time.time(); c1 = cpu_ns(children); f1 = cpu_ns([d.pid])
        n = len(queries)
        res.append(((w1 - w0) / n, (r1 - r0) / n, (t1 - t0) / n * 1e6, (c1 - c0) / n / 1e3, (f1 - f0) / n / 1e3))
    os.killpg(d.pid, 9); d.wait()
    print("| %s | %.1f | %.1f | %.1f | %.1f | %.0f | %.0f | %.0f | %.0f |" %
          (label, res[0][0], res[1][0], res[0][1], res[1][1], res[0][3], res[1][3], res[1][4], res[1][2]), flush=True)

print("| front, leded | server writes/query, pass 1 | pass 2 | server reads/query, pass 1 | pass 2 "
      "| server CPU µs/query, pass 1 | pass 2 | front CPU µs/query, pass 2 | µs/query, pass 2 |")
print("|---|---|---|---|---|---|---|---|---|")
for cfg in layouts:
    if cfg == "r1":
        s, port = tcpsrv(IDX + "/local.idx"); srvs = [s]; lines = ["remote 127.0.0.1:%d" % port]
    elif cfg == "h1":
        s, port = tcpsrv(IDX + "/s1.idx/shard.0"); srvs = [s]; lines = ["auto %s/s1.idx/front" % IDX, "remote 127.0.0.1:%d" % port]
    else:
        srvs, lines = [], ["auto %s/s2.idx/front" % IDX]
        for k in (0, 1):
            s, port = tcpsrv(IDX + "/s2.idx/shard.%d" % k); srvs.append(s); lines.append("remote 127.0.0.1:%d" % port)
    for leded in LEDEDS:
        run(leded, lines, srvs, "%s, %s" % (cfg, leded))
    for s in srvs:
        os.killpg(s.pid, 9); s.wait()
