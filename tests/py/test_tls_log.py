"""test_tls_log -- a client hammering a TLS port with failed handshakes
(plaintext, here) cannot fill leded's log: of 40 failures on the HTTPS port
and 40 on the line protocol's, each port logs its first 10 lines, then one
saying more are left out, then nothing (daemon/log.h's log_limit); and a
good client is still answered.  The certificate is made here with
openssl.  Facts only: line counts after every connection was closed."""
import os
import shutil
import socket
import ssl
import subprocess

import http.client

from ledetest import DEADLINE, HttpDaemon, ROOT, Scratch, build_index, check, check_eq, finish

scratch = Scratch()
if not shutil.which("openssl"):
    check(True, "# SKIP the openssl command is missing (apt-get install openssl)")
    finish()

cert, key = scratch.join("localhost.crt"), scratch.join("localhost.key")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
               check=True, capture_output=True)
os.chmod(key, 0o600)
index = scratch.join("corpus.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = HttpDaemon(index, "--tls-cert", cert, "--tls-key", key)

FAILURES = 40


def plaintext_refused(port, data):
    """Plaintext to a TLS port: True once leded closed the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    try:
        s.sendall(data)
        while s.recv(4096):
            pass
        return True
    except ConnectionResetError:
        return True
    finally:
        s.close()


closed = [plaintext_refused(d.http_port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n") for _ in range(FAILURES)]
closed += [plaintext_refused(d.port, b"SEARCH bank\n" + b"x" * 600) for _ in range(FAILURES)]
check_eq(closed.count(True), 2 * FAILURES, "80 plaintext clients, each closed by leded after its failed handshake")

log = d.log_text().splitlines()
http_lines = [l for l in log if " warn http " in l and ": TLS" in l]
line_lines = [l for l in log if " warn conn " in l and "TLS handshake" in l]
LEFT_OUT = "more lines like this one are left out"
check_eq(len(http_lines), 11, "HTTPS: 40 failed handshakes, 11 log lines (the limit of 10, then one notice)")
check_eq([LEFT_OUT in l for l in http_lines], [False] * 10 + [True], "... the 11th says more are left out")
check_eq(len(line_lines), 11, "line protocol over TLS: 40 failed handshakes, 11 log lines")
check_eq([LEFT_OUT in l for l in line_lines], [False] * 10 + [True], "... the 11th says more are left out")

ctx = ssl.create_default_context(cafile=cert)
h = http.client.HTTPSConnection("127.0.0.1", d.http_port, context=ctx, timeout=DEADLINE)
h.request("GET", "/health")
r = h.getresponse()
check_eq((r.status, r.read()), (200, b'{"ok":true,"status":"ready"}'), "a good HTTPS client is answered after them")
h.close()
check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
