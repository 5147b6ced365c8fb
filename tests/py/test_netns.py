"""test_netns -- a shard's two replicas on two "hosts" (network namespaces
the test creates, each reached over a veth link), and the network between
the front and one of them cut (the link taken down: packets vanish, as in
a partition, where a killed server at least refuses): leded waits at most
--remote-timeout on the silent replica and answers from the other; with
both cut, an error naming both servers; with a link back, answers again.
Needs root (ip netns); skips with a line saying so otherwise."""
# tests/run: alone -- --remote-timeout 1 s for the replica that must answer.
import os
import select
import shutil
import subprocess

from ledetest import ROOT, Daemon, Scratch, build_index, check, check_eq, finish, kill_groups

TAG = "lede%d" % (os.getpid() % 100000)
NETS = [("%sa" % TAG, "10.213.1"), ("%sb" % TAG, "10.213.2")]


def ip(*args, ns=None):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ip", *args]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def make_host(name, net):
    """A namespace with a veth link to this one: here NET.1, there NET.2."""
    here, there = name + "h", name + "t"
    return (ip("netns", "add", name) and ip("link", "add", here, "type", "veth", "peer", "name", there) and
            ip("link", "set", there, "netns", name) and ip("addr", "add", net + ".1/30", "dev", here) and
            ip("link", "set", here, "up") and ip("addr", "add", net + ".2/30", "dev", there, ns=name) and
            ip("link", "set", there, "up", ns=name) and ip("link", "set", "lo", "up", ns=name))


def link(name, up):
    return ip("link", "set", name + "h", "up" if up else "down")


def serve(name, net, index):
    """xapian-tcpsrv inside the namespace; ready once it listens."""
    p = subprocess.Popen(["ip", "netns", "exec", name, "xapian-tcpsrv", "--interface", net + ".2",
                          "--port", "7001", index], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    for line in p.stdout:
        if line.startswith("Listening"):
            return p
    return None


def poll(conn, request, want_ok):
    """Asks until the reply is (or is not) OK: each try waits at most
    --remote-timeout inside leded; polled, not slept."""
    for _ in range(300):
        r = conn.ask(request)[0]
        if r.startswith("OK") == want_ok:
            return r
        select.select([], [], [], 0.02)
    return r


scratch = Scratch()
procs = []
try:
    if not shutil.which("ip") or not all(make_host(name, net) for name, net in NETS):
        print("ok - # SKIP replicas on separate network namespaces: needs root and ip netns")
        finish()
    index = scratch.join("idx")
    build_index(index, os.path.join(ROOT, "corpus"))
    for name, net in NETS:
        p = serve(name, net, index)
        check(p is not None, "xapian-tcpsrv serves the index in namespace %s at %s.2:7001" % (name, net))
        procs.append(p)
    front = scratch.join("front")
    os.makedirs(front)
    with open(os.path.join(front, "XAPIANDB"), "w") as f:
        f.write("remote %s.2:7001\n#lede-replicas %s.2:7001\n" % (NETS[0][1], NETS[1][1]))
    local, d = Daemon(index), Daemon(front, "--workers", "2", "--remote-timeout", "1")
    want = local.connect().ask("COUNT bank")[0]
    c = d.connect()
    check_eq(c.ask("COUNT bank")[0], want, "both hosts reachable: the local index's count")
    check(link(NETS[0][0], False), "the link to the first host cut")
    got = [c.ask("COUNT bank")[0] for _ in range(8)]
    check(all(r == want for r in got),
          "the first host silent: every query answered by the second (after at most --remote-timeout)", got)
    check(link(NETS[1][0], False), "the link to the second host cut")
    r = c.ask("COUNT bank")[0]
    check(r.startswith("ERR") and NETS[0][1] + ".2:7001" in r and NETS[1][1] + ".2:7001" in r,
          "both hosts silent: an error naming both servers", r)
    check(link(NETS[0][0], True), "the link to the first host back")
    check_eq(poll(c, "COUNT bank", True), want, "a host back: answered again once its back-off ends")
    c.close()
    check_eq(d.stop(), 0, "leded exits 0")
    local.stop()
finally:
    kill_groups(procs)
    for name, _ in NETS if shutil.which("ip") else []:
        ip("netns", "del", name)
        ip("link", "del", name + "h")
    scratch.cleanup()
finish()
