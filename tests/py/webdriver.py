"""webdriver -- just enough of the W3C WebDriver protocol, spoken to Debian's
chromedriver with urllib, to drive a headless chromium in the page tests
(no npm, no selenium).  browser_paths() says whether both are installed;
Browser starts chromedriver on a free port with a fresh profile and one
session, and stop() ends both.  Standard library only."""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request

from ledetest import eventually

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1000,900"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C key of an element reference


def browser_paths():
    """(chromium, chromedriver) paths, or None when either is missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(Exception):
    pass


class Browser:
    def __init__(self, chromium, driver, log_path):
        self.profile = tempfile.mkdtemp(prefix="lede-chromium.")
        self.port = free_port()
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([driver, "--port=%d" % self.port],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        self.session = None
        if not eventually(self._ready):
            raise WebDriverError("chromedriver did not answer on port %d" % self.port)
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium, "args": CHROMIUM_ARGS + ["--user-data-dir=" + self.profile]}}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _ready(self):
        try:
            return self._call("GET", "/status").get("ready")
        except (OSError, WebDriverError):
            return False

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"{}").get("value", {}) or {}
        except urllib.error.HTTPError as e:
            raise WebDriverError("%s %s: %s" % (method, path, e.read()[:300]))

    def _s(self, method, path, body=None):
        return self._call(method, "/session/%s%s" % (self.session, path), body)

    def go(self, url):
        self._s("POST", "/url", {"url": url})

    def js(self, script, *args):
        """Runs script (a function body; `arguments` holds args) in the page."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        """The first element matching css, as a WebDriver reference."""
        return self._s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css):
        """Clicks the first element matching css, found afresh until it can
        be clicked (a re-rendered list replaces its elements)."""
        def attempt():
            try:
                self._s("POST", "/element/%s/click" % self.find(css), {})
                return True
            except WebDriverError as e:
                if "not interactable" in str(e) or "stale element" in str(e) or "no such element" in str(e):
                    return False
                raise
        if not eventually(attempt):
            raise WebDriverError("cannot click " + css)

    def type(self, css, text):
        """Types text (\\ue007 is Enter) into the element, as keys."""
        self._s("POST", "/element/%s/value" % self.find(css), {"text": text})

    def keys(self, text):
        """Sends keys to whatever has the focus (\\ue015 down, \\ue013 up,
        \\ue007 Enter, \\ue00c Escape)."""
        actions = [a for k in text for a in ({"type": "keyDown", "value": k},
                                              {"type": "keyUp", "value": k})]
        self._s("POST", "/actions", {"actions": [{"type": "key", "id": "kbd", "actions": actions}]})

    def window(self, width, height):
        self._s("POST", "/window/rect", {"width": width, "height": height})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))
        return path

    def stop(self):
        try:
            if self.session:
                self._s("DELETE", "")
        except (OSError, WebDriverError):
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)
