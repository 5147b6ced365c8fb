"""ledetest -- helpers for the daemon and client tests: TAP-style checks,
a scratch directory, building an index, starting leded on a free port and
talking to it over real sockets, stock xapian-tcpsrv servers for remote
shards.  Standard library only."""
import atexit
import json
import os
import random
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("LEDE_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("LEDE_BIN", "bin")
if not os.path.isabs(BIN):
    BIN = os.path.join(ROOT, BIN)
INDEXER = os.path.join(BIN, "lede-index")
LEDED = os.path.join(BIN, "leded")
CLIENT = os.path.join(BIN, "lede")
DEADLINE = 60.0  # seconds any single wait may take before the test fails

failures = 0


def check(cond, desc, detail=""):
    global failures
    if cond:
        print("ok - %s" % desc)
    else:
        failures += 1
        print("not ok - %s%s" % (desc, (" (%s)" % detail) if detail else ""))
    sys.stdout.flush()
    return cond


def check_eq(got, want, desc):
    return check(got == want, desc, "got %r, want %r" % (got, want))


def finish():
    sys.exit(1 if failures else 0)


class Scratch:
    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="lede-pytest.")

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def token_file(self, token, name="token"):
        """A token file (mode 0600, as leded requires of its ingest and read
        tokens) holding token."""
        path = self.join(name)
        with open(path, "w") as f:
            f.write(token + "\n")
        os.chmod(path, 0o600)
        return path

    def hold_fifo(self, name="hold.fifo"):
        """A FIFO for LEDE_TEST_HOLD (daemon/pool.c): a worker that takes a
        query naming it holds until a byte is written (release_one)."""
        path = self.join(name)
        os.mkfifo(path)
        return path

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def write_jsonl(path, rows):
    """Articles (dicts) as a JSON Lines file, one a line."""
    with open(path, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return path


def eventually(pred):
    """Polls pred until it holds or DEADLINE passes; returns its last value."""
    end = time.monotonic() + DEADLINE
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        select.select([], [], [], 0.01)


def stats(conn):
    """STATS as a dict of its name/value lines."""
    return dict(l.split("\t", 1) for l in conn.ask("STATS")[1:])


def release_one(fifo):
    """LEDE_TEST_HOLD (daemon/pool.c): lets one held worker go, a byte to
    the FIFO once a reader waits."""
    def attempt():
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no worker waits in open() yet
            return False
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
        return True
    return eventually(attempt)


def release_all(fifo, probe):
    """Lets held workers go until none holds and nothing waits (a byte
    written while an earlier reader is still closing the FIFO is lost, so
    write again until STATS, asked on probe, says so)."""
    def done():
        st = stats(probe)
        if st["workers_busy"] == "0" and st["queued"] == "0":
            return True
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return False
        try:
            os.write(fd, b"x")
        except OSError:
            pass
        os.close(fd)
        return False
    return eventually(done)


def kill_groups(procs):
    """Kills each process (started with start_new_session) with its whole
    group, waits for it and closes its stdout pipe."""
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        p.stdout.close()


def build_index(index, *sources, extra=()):
    subprocess.run([INDEXER, "-q", "--index", index, *extra, *sources], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# The Daemons started and not yet stopped: a test that raises (or ends
# without stopping one) leaves them to stop_daemons, at the interpreter's
# exit, instead of leaving leded running; tests/run fails a test that
# leaves a leded behind all the same.
running_daemons = []


def one_held_worker(scratch, index, timeout, holds=1):
    """leded with one worker and LEDE_TEST_HOLD (daemon/pool.c), its
    --query-timeout timeout, no spinning; a connection sends holds
    "lede-test-hold" queries, the first of which holds the worker while
    the others wait.  Checks that STATS says so and returns (daemon, the
    FIFO, a probe connection for STATS, the holding connection)."""
    hold = scratch.hold_fifo()
    d = Daemon(index, "--workers", "1", "--query-timeout", timeout, "--worker-spin-us", "0",
               env={"LEDE_TEST_HOLD": hold})
    probe = d.connect()
    holder = d.connect()
    holder.send("SEARCH lede-test-hold\n" * holds)
    want = str(holds - 1)
    check(eventually(lambda: stats(probe)["workers_busy"] == "1" and stats(probe)["queued"] == want),
          "the first of %d held queries holds the one worker, the others wait" % holds, str(stats(probe)))
    return d, hold, probe, holder


def stop_daemons():
    for d in list(running_daemons):
        d.stop(signal.SIGKILL)


atexit.register(stop_daemons)


class Daemon:
    """leded on 127.0.0.1:<free port>; the port is read from its log.
    Stopped by stop(), at the end of a with block, or at exit."""

    def __init__(self, index, *args, env=None):
        self.log_path = index.rstrip("/") + ".leded.log"
        self.log = open(self.log_path, "w")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen([LEDED, "--index", index, "--listen", "127.0.0.1:0", *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=full_env)
        running_daemons.append(self)
        self.port = None
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end and self.port is None:
            with open(self.log_path) as f:
                for line in f:
                    if "listening on tcp 127.0.0.1:" in line:
                        self.port = int(line.rsplit(":", 1)[1])
            if self.port is None:
                if self.proc.poll() is not None:
                    break
                select.select([], [], [], 0.01)
        if self.port is None:
            raise RuntimeError("leded did not start: " + open(self.log_path).read())
        self.addr = "127.0.0.1:%d" % self.port

    def connect(self):
        return Conn(self.port)

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.log.close()
        if self in running_daemons:
            running_daemons.remove(self)
        return code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self in running_daemons:
            self.stop()
        return False


class PortHold:
    """A loopback port (port, or a free one) kept from other processes for
    as long as this lives: a socket bound to it with SO_REUSEADDR that
    never listens.  Linux lets another such socket bind and listen beside
    it (xapian-tcpsrv's: it sets SO_REUSEADDR), while bind(0), the port
    connect() picks and a bind without SO_REUSEADDR pass it by; a
    connection to it while nothing listens is refused, as at a free port.
    tests/run runs tests two at a time, and a port a test names in a stub
    (a server down at start, killed, started again) must stay its own."""

    def __init__(self, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]


TCPSRV = "xapian-tcpsrv"


class TcpSrv:
    """A stock xapian-tcpsrv serving dbdir on a loopback port of its own
    (hold, a PortHold, or a new one), ready once it says it listens; in a
    session of its own, so that kill() ends the children it forks for each
    connection too.  The port stays held after kill(): the stub that names
    it reaches no other process's server, and a server started again on
    it (TcpSrv(dbdir, hold=old.hold)) finds it free."""

    def __init__(self, dbdir, hold=None, args=()):
        self.dbdir = dbdir
        self.hold = hold or PortHold()
        self.port = self.hold.port
        self.proc = subprocess.Popen([TCPSRV, "--interface", "127.0.0.1", "--port", str(self.port),
                                      *args, dbdir],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        for line in self.proc.stdout:
            if line.startswith("Listening"):
                return
        self.proc.wait()
        raise RuntimeError("xapian-tcpsrv did not start on %s" % dbdir)

    def addr(self):
        return "127.0.0.1:%d" % self.port

    def kill(self):
        """The server and the children it forked for each connection."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stdout.close()


class HttpDaemon(Daemon):
    """leded with --http on a free port, read from its log."""

    def __init__(self, index, *args, env=None):
        super().__init__(index, "--http", "127.0.0.1:0", *args, env=env)
        self.http_port = None

        def found():
            for line in self.log_text().splitlines():
                if "listening on http 127.0.0.1:" in line:
                    self.http_port = int(line.rsplit(":", 1)[1])
            return self.http_port is not None
        eventually(found)

    def http(self):
        import http.client
        return http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=DEADLINE)


MULTI = ("SEARCH", "GET", "SUGGEST", "STATS", "HELP", "SIMILAR")


class Conn:
    """One connection; replies are read with the protocol's framing."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.buf = b""
        self.json = False

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def reply(self, command):
        """Reads one reply to a request whose command word is given."""
        first = self.line()
        if self.json:
            return json.loads(first)
        lines = [first]
        if first.startswith("OK") and command.upper() in MULTI:
            while True:
                l = self.line()
                if l == "END":
                    break
                lines.append(l)
        return lines

    def ask(self, request):
        self.send(request + "\n")
        if request.upper().startswith("FORMAT"):  # its reply is already in the new format
            self.json = request.lower().endswith("json")
        return self.reply(request.split(" ", 1)[0])

    def closed_by_peer(self):
        """True when the server has closed (EOF after any pending bytes)."""
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def unescape(field):
    out, i = [], 0
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            n = field[i + 1]
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def hit_ids(reply):
    return [unescape(l.split("\t")[2]) for l in reply if l.startswith("HIT\t")]


def status_field(reply, key):
    for tok in reply[0].split():
        if tok.startswith(key + "="):
            return tok.split("=", 1)[1]
    return None


# ---- sharded indexes ----------------------------------------------------------

SHARED = os.environ.get("LEDE_SHARED") or os.path.join(ROOT, "..", "shared")


def lede_hash(data):
    """src/util.c's lede_hash: FNV-1a 64 and its final avalanche."""
    m = (1 << 64) - 1
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & m
    for mul in (0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53):
        h ^= h >> 33
        h = (h * mul) & m
    return h ^ (h >> 33)


def shard_of(article_id, n):
    """The shard of n that holds article_id (src/shards.h)."""
    return lede_hash(article_id.encode()) % n


def indexer(*args, env=None):
    """lede-index with these arguments: (exit status, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    p = subprocess.run([INDEXER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=full_env, check=False)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def index_info(index):
    """lede-index --info as a dict of its "key: value" lines."""
    _, out, _ = indexer("--index", index, "--info")
    return dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)


def spell_freq(index, *words):
    """The spelling frequency of each word in index (a sharded one's: its
    front's), as a dict: tests/tools/spellfreq, built in LEDE_BUILD."""
    build = os.environ.get("LEDE_BUILD", "build")
    tool = os.path.join(build if os.path.isabs(build) else os.path.join(ROOT, build), "tests", "tools", "spellfreq")
    out = subprocess.run([tool, index, *words], stdout=subprocess.PIPE, check=True).stdout.decode()
    return {w: int(n) for w, n in (l.split() for l in out.splitlines())}


def boiler_counts(index, source):
    """--info's first boilerplate block of source: (its articles, the
    source's articles), or None if it lists none."""
    _, out, _ = indexer("--index", index, "--info")
    for line in out.splitlines():
        head = "boilerplate block: %s: " % source
        if line.startswith(head):
            counts = line[len(head):].split(" articles: ", 1)[0].split(" of ")
            return int(counts[0]), int(counts[1])
    return None


GAZETTE_BLURB = "Read the Gazette bulletin aloud every single weekday morning."


def gazette(ids):
    """Articles of one source, Gazette, one an id, each ending with the
    paragraph GAZETTE_BLURB (boilerplate: --info counts it, boiler_counts)."""
    return [{"id": i, "source": "Gazette", "title": "Gazette story %s" % i,
             "text": "The council met about %s.\n\n%s" % (i, GAZETTE_BLURB)} for i in ids]


def gazette_ids(shard, n, skip=()):
    """n article ids ("gaz-N") that shard (of 2) holds, none of skip."""
    found = (("gaz-%d" % i) for i in range(1000))
    return [i for i in found if shard_of(i, 2) == shard and i not in skip][:n]


def commit_fails_then_holds(d, c, label, fail_at):
    """leded d's COMMIT on c fails (its LEDE_FAIL_COMMIT: fail_at), the
    next one succeeds, and d stops cleanly; c closed."""
    r = c.ask("COMMIT")[0]
    check(r.startswith("ERR"), label + ": the commit fails (%s)" % fail_at, r)
    r = c.ask("COMMIT")[0]
    check(r.startswith("OK COMMITTED"), label + ": the next commit succeeds", r)
    c.close()
    check_eq(d.stop(), 0, label + ": leded stops cleanly")


def list_ids(index):
    """Every article id of an index (or of one shard's directory)."""
    _, out, _ = indexer("--index", index, "--list")
    return out.splitlines()


def kill_servers(servers):
    """A test's teardown: every TcpSrv in servers still running, killed."""
    for s in servers:
        if s.proc.poll() is None:
            s.kill()


def tie_rows(undated=True):
    """test_ties' and test_remote_ties' collection: eight articles that
    score the same for "crane", dated 2001..2008 but indexed in a shuffled
    order (and two undated ones that tie with them, if undated); two that
    score higher (the word in the headline, dated apart), one lower; forty
    equal scores for "ferry", more than lede's look-ahead past a page
    (src/engine/search.cc TIE_SLACK), indexed shuffled; twenty others, so
    that "crane" is a rare word."""
    text = "The harbour crane lifted a container onto the quay."
    out = []
    years = list(range(2001, 2009))
    random.Random(7).shuffle(years)
    for y in years:
        out.append({"id": "same-%d" % y, "title": "Quay report", "text": text, "date": "%d-06-01" % y})
    if undated:
        out.append({"id": "undated-1", "title": "Quay report", "text": text})
        out.append({"id": "undated-2", "title": "Quay report", "text": text})
    out.append({"id": "top-old", "title": "Crane report", "text": text, "date": "1990-01-01"})
    out.append({"id": "top-new", "title": "Crane report", "text": text, "date": "1999-01-01"})
    out.append({"id": "low", "title": "Quay report", "date": "2020-01-01",
                "text": text + " " + "The quay was busy with ships and lorries all day long. " * 6})
    days = list(range(1, 41))
    random.Random(11).shuffle(days)
    for day in days:
        out.append({"id": "ferry-%02d" % day, "title": "Port log", "text": "A ferry left port.",
                    "date": "2015-%02d-%02d" % (1 + (day - 1) // 20, 1 + (day - 1) % 20)})
    for i in range(20):
        out.append({"id": "other-%d" % i, "title": "Market note %d" % i,
                    "text": "Shares moved little on the exchange today.", "date": "2010-01-01"})
    return out
