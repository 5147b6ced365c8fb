"""test_tls -- leded with --tls-cert/--tls-key: the certificate and key
checked at start; the line protocol over TLS with python's ssl module
(search, pipelining, a large reply, AUTH and PUT) and with `lede --tls`
(its CA, its host name check, --tls-insecure); HTTPS with python's
http.client (search, ingest, /metrics, a wrong CA refused); plaintext, a
half-done handshake and a client that leaves mid-handshake cost only
their own connections.  The certificates are made here with openssl."""
# tests/run: alone -- --tls-handshake-timeout 1 s for handshakes that must complete.
import os
import shutil
import socket
import ssl
import subprocess

import http.client
import json

import promtext
from ledetest import (CLIENT, DEADLINE, LEDED, ROOT, Conn, Daemon, HttpDaemon, Scratch, build_index,
                      check, check_eq, eventually, finish, hit_ids)

TOKEN = "tls-test-token-0123"
scratch = Scratch()
if not shutil.which("openssl"):
    check(True, "# SKIP the openssl command is missing (apt-get install openssl)")
    finish()


def make_cert(name, san):
    """A self-signed certificate and its key (PEM files) for san."""
    cert, key = scratch.join(name + ".crt"), scratch.join(name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + name, "-addext", "subjectAltName=" + san,
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o600)
    return cert, key


CERT, KEY = make_cert("localhost", "DNS:localhost,IP:127.0.0.1")
OTHER_CERT, OTHER_KEY = make_cert("elsewhere", "DNS:elsewhere.example")

index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))


# ---- start-up checks -------------------------------------------------------

def start_fails(*args):
    p = subprocess.run([LEDED, "--index", index, "--listen", "127.0.0.1:0", *args],
                       capture_output=True, text=True, timeout=DEADLINE)
    return p.returncode, p.stderr


code, err = start_fails("--tls-cert", CERT)
check(code != 0 and "--tls-cert and --tls-key go together" in err, "--tls-cert alone is refused", err)
code, err = start_fails("--tls-cert", CERT, "--tls-key", scratch.join("missing.key"))
check(code != 0 and "missing.key" in err and "No such file" in err,
      "a missing key file: a clear error", err)
check("listening" not in err, "... given before listening", err)
code, err = start_fails("--tls-cert", CERT, "--tls-key", OTHER_KEY)
check(code != 0 and "does not match" in err, "a key that is not the certificate's is refused", err)
notpem = scratch.join("notpem.crt")
with open(notpem, "w") as f:
    f.write("this is not a certificate\n")
code, err = start_fails("--tls-cert", notpem, "--tls-key", KEY)
check(code != 0 and "not a PEM certificate" in err, "a file that is not PEM is refused", err)


# ---- the line protocol over TLS -------------------------------------------

token_file = scratch.token_file(TOKEN)
sock = scratch.join("leded.sock")
d = HttpDaemon(index, "--tls-cert", CERT, "--tls-key", KEY, "--ingest-token", token_file,
               "--tls-handshake-timeout", "1", "--socket", sock)


def tls_context(cafile=CERT):
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def insecure_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class TlsConn(Conn):
    """Conn over TLS, checking the server as localhost."""

    def __init__(self, port, ctx=None):
        raw = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        self.sock = (ctx or tls_context()).wrap_socket(raw, server_hostname="localhost")
        self.buf = b""
        self.json = False


c = TlsConn(d.port)
check_eq(c.ask("PING"), ["OK PONG"], "PING over TLS")
hits = hit_ids(c.ask("SEARCH drought"))
check(len(hits) == 3 and "business/coffee-prices-drought.txt" in hits, "SEARCH over TLS answers hits",
      hits)

# Pipelined requests over TLS come back in order, each whole.
c.send("".join("COUNT %s\n" % w for w in ["drought", "bank", "zzzyzzy", "drought"]))
counts = [c.reply("COUNT")[0] for _ in range(4)]
check(counts[0] == counts[3] == "OK COUNT 3" and counts[2] == "OK COUNT 0" and counts[1] != counts[0],
      "pipelined COUNTs answered in order over TLS", counts)

# Ingest over TLS: AUTH, PUT, then the article is found.
check(c.ask("ADD {}")[0].startswith("ERR NOAUTH"), "ingest before AUTH over TLS: NOAUTH")
check_eq(c.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH over TLS")
body = "Title: Encrypted pangolin census\nDate: 2026-01-02\n\nThe pangolin census went over TLS."
c.send("PUT tls/pangolin %d\n%s\n" % (len(body.encode()), body))
check_eq(c.reply("PUT"), ["OK ADDED tls/pangolin"], "PUT over TLS")
check_eq(c.ask("COMMIT")[0].split()[0:2], ["OK", "COMMITTED"], "COMMIT over TLS")
check_eq(hit_ids(c.ask("SEARCH pangolin census")), ["tls/pangolin"],
         "the article PUT over TLS is found over TLS")

# An article far larger than a TLS record (16 KB) goes in and comes back whole.
words = " ".join("armadillo%d" % i for i in range(40000))
body = "Title: A long armadillo list\nDate: 2026-01-03\n\n" + words
c.send("PUT tls/long %d\n%s\n" % (len(body.encode()), body))
check_eq(c.reply("PUT"), ["OK ADDED tls/long"], "a 400 KB PUT over TLS")
c.ask("COMMIT")
got = "\n".join(c.ask("GET tls/long"))
check("armadillo0 " in got and "armadillo39999" in got and len(got) > 400000,
      "GET brings the 400 KB article back whole over TLS", len(got))


# A line over --max-line over TLS: ERR TOOLONG, then the connection is closed.
long_conn = TlsConn(d.port)
long_conn.send("SEARCH " + "x" * 70000 + "\n")
check(long_conn.line().startswith("ERR TOOLONG"), "a too long line over TLS: ERR TOOLONG")
check(long_conn.closed_by_peer(), "... and the TLS connection is closed")
long_conn.close()


# ---- the client ---------------------------------------------------------------

def lede(*args):
    e = dict(os.environ)
    e.pop("LEDE_CONNECT", None)
    p = subprocess.run([CLIENT, *args], capture_output=True, text=True, env=e, timeout=DEADLINE)
    return p.returncode, p.stdout, p.stderr


code, out, err = lede("-c", d.addr, "--tls-ca", CERT, "drought")
check(code == 0 and "business/coffee-prices-drought.txt" in out, "lede --tls-ca searches over TLS",
      err or out[:200])
code, out, err = lede("-c", "localhost:%d" % d.port, "--tls", "--tls-ca", CERT, "pangolin")
check(code == 0 and "tls/pangolin" in out, "lede --tls by host name finds the ingested article",
      err or out[:200])
code, out, err = lede("-c", d.addr, "--tls-ca", CERT, "--count", "drought")
check_eq((code, out.strip()), (0, "3"), "lede --count over TLS")
code, out, err = lede("-c", d.addr, "--tls", "drought")
check(code == 2 and "not accepted" in err and "self-signed" in err,
      "lede --tls refuses a certificate no CA it trusts signed",
      "exit %d, stderr %r, stdout %r" % (code, err, out[:200]))
code, out, err = lede("-c", d.addr, "--tls-ca", OTHER_CERT, "drought")
check(code == 2 and "not accepted" in err, "lede refuses the server with the wrong CA",
      "exit %d, stderr %r, stdout %r" % (code, err, out[:200]))
check(len(err.strip().splitlines()) == 1, "... in one line", err)
code, out, err = lede("-c", d.addr, "--tls-insecure", "drought")
check_eq(code, 0, "lede --tls-insecure accepts it unchecked")
code, out, err = lede("-c", sock, "--tls-ca", CERT, "drought")
check(code == 0 and "business/coffee-prices-drought.txt" in out,
      "lede --tls over the Unix socket (the server checked as localhost)", err)
code, out, err = lede("-c", d.addr, "--tls-ca", scratch.join("no-such-ca.pem"), "drought")
check(code == 2 and "no-such-ca.pem" in err, "a CA file that cannot be read: one clear line", err)
code, out, err = lede("-c", d.addr, "drought")
check(code == 2, "the plain client against the TLS port fails", (code, out, err))
check(eventually(lambda: "TLS handshake failed" in d.log_text()),
      "the refused handshakes are logged")


# ---- HTTPS ------------------------------------------------------------------------

def https(ctx=None):
    return http.client.HTTPSConnection("localhost", d.http_port, timeout=DEADLINE,
                                       context=ctx or tls_context())


def hget(conn, path, method="GET", body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


hs = https()
status, hdrs, body = hget(hs, "/search?q=drought")
check(status == 200 and len(json.loads(body)["hits"]) == 3, "HTTPS GET /search: 200 and its hits",
      (status, body[:200]))
status, _, body = hget(hs, "/articles/tls%2Fover-https", "PUT",
                       "Title: Wombats by HTTPS\nDate: 2026-01-04\n\nWombat news over HTTPS.",
                       {"Authorization": "Bearer " + TOKEN})
check(status == 200 and json.loads(body)["ok"], "HTTPS PUT /articles/{id} with the token", body[:200])
check_eq(hget(hs, "/commit", "POST", b"", {"Authorization": "Bearer " + TOKEN})[0], 200,
         "HTTPS POST /commit")
status, _, body = hget(hs, "/search?q=wombat")
check_eq([h["id"] for h in json.loads(body)["hits"]], ["tls/over-https"],
         "the article PUT over HTTPS is found over HTTPS (the same keep-alive connection)")
status, hdrs, body = hget(hs, "/metrics")
samples = promtext.parse(body.decode()) if status == 200 else []
check(promtext.value(samples, "lede_ingest_total", command="put", outcome="ok") == 3,
      "HTTPS GET /metrics counts the three PUTs (two by line, one by HTTPS)", status)
try:
    hget(https(tls_context(OTHER_CERT)), "/health")
    check(False, "an HTTPS client with the wrong CA refuses the server")
except ssl.SSLCertVerificationError:
    check(True, "an HTTPS client with the wrong CA refuses the server")
raw = socket.create_connection(("127.0.0.1", d.http_port), timeout=DEADLINE)
raw.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
got = b""
try:
    while True:
        chunk = raw.recv(4096)
        if not chunk:
            break
        got += chunk
except ConnectionResetError:
    pass
raw.close()
check(b"HTTP/1.1" not in got, "plain HTTP to the HTTPS port gets no HTTP reply, only a close", got[:80])
check_eq(hget(hs, "/count?q=drought")[0], 200, "HTTPS still answers after that")
hs.close()


# ---- what must not hurt others ----------------------------------------------------

def refused(sock):
    """True once the server has closed sock (EOF or reset)."""
    try:
        while sock.recv(65536):
            pass
        return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


plain = socket.create_connection(("127.0.0.1", d.port), timeout=DEADLINE)
plain.sendall(b"SEARCH drought\nPING\n")
check(refused(plain), "plaintext to the TLS port: the connection is closed")
plain.close()

half = socket.create_connection(("127.0.0.1", d.port), timeout=DEADLINE)
hello = ssl.MemoryBIO(), ssl.MemoryBIO()
obj = tls_context().wrap_bio(hello[0], hello[1], server_hostname="localhost")
try:
    obj.do_handshake()
except ssl.SSLWantReadError:
    pass
client_hello = hello[1].read()
half.sendall(client_hello[:len(client_hello) // 2])  # half a ClientHello, then nothing
left = socket.create_connection(("127.0.0.1", d.port), timeout=DEADLINE)
left.sendall(client_hello)  # a whole ClientHello, then the client goes
left.close()
other = TlsConn(d.port)
check_eq(other.ask("COUNT drought"), ["OK COUNT 3"], "others are answered while a handshake hangs")
check(refused(half), "a half-done handshake is closed at --tls-handshake-timeout")
half.close()
check(eventually(lambda: "TLS handshake timed out" in d.log_text()), "... and logged")
check_eq(c.ask("COUNT drought"), ["OK COUNT 3"], "the first connection still works after all that")


def stat(conn, key):
    return dict(l.split("\t", 1) for l in conn.ask("STATS")[1:] if "\t" in l).get(key)


check(eventually(lambda: stat(other, "connections") == "2"),
      "only the two TLS clients stay connected", stat(other, "connections"))
c.close()
other.close()
check_eq(d.stop(), 0, "leded stops cleanly")


# ---- the host name is checked --------------------------------------------------

d2 = Daemon(index, "--tls-cert", OTHER_CERT, "--tls-key", OTHER_KEY,
            "--max-connections-per-address", "1")
code, out, err = lede("-c", d2.addr, "--tls-ca", OTHER_CERT, "drought")
check(code == 2 and "not accepted for 127.0.0.1" in err and "mismatch" in err,
      "lede refuses a trusted certificate for another host", err)
code, out, err = lede("-c", d2.addr, "--tls-insecure", "drought")
check_eq(code, 0, "... which --tls-insecure accepts")
held = TlsConn(d2.port, ctx=insecure_context())
check_eq(held.ask("PING"), ["OK PONG"], "one TLS connection from the address")
extra = socket.create_connection(("127.0.0.1", d2.port), timeout=DEADLINE)
got = b""
try:
    while True:
        chunk = extra.recv(4096)
        if not chunk:
            break
        got += chunk
except ConnectionResetError:
    pass
check_eq(got, b"", "a second one over the address limit is closed without a plaintext ERR line")
extra.close()
held.close()
check_eq(d2.stop(), 0, "the second leded stops cleanly")

scratch.cleanup()
finish()
