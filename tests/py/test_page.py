"""test_page -- the search page at GET / in a real headless chromium, driven
through chromedriver's WebDriver protocol (tests/py/webdriver.py): a query
typed shows hits with <mark> highlights and the server's total, paging
shows the next hits, a hit opens its article, keys move and open, a
did-you-mean is followed, a facet narrows the search; an article whose
headline and body hold <script> and <img onerror> shows them as text and
runs nothing.  A screenshot of each run is kept (its path is printed).
Skips when chromium or chromedriver is absent (apt-get install chromium
chromium-driver; .ci/run installs them)."""
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request

from ledetest import ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish, write_jsonl
import webdriver

paths = webdriver.browser_paths()
if not paths:
    print("ok - # SKIP chromium or chromedriver absent (apt-get install chromium chromium-driver)")
    finish()

scratch = Scratch()
XSS_TITLE = '<script>window.pwned = 1</script>Evil <img src=x onerror="window.pwned = 2"> headline'
XSS_BODY = ('Payload body <img src=x onerror="window.pwned = 3"> and <script>window.pwned = 4</script> '
            'stay text, said the evil tester.')
src = write_jsonl(scratch.join("xss.jsonl"), [
    {"id": "xss-1", "title": XSS_TITLE, "date": "2026-01-02", "text": XSS_BODY}])
index = scratch.join("idx")
build_index(index, os.path.join(ROOT, "corpus"), src)


def serve(index, *args):
    """leded with --http on a free port (read from its log) and its URL."""
    d = Daemon(index, "--http", "127.0.0.1:0", *args)
    line = eventually(lambda: next((l for l in d.log_text().splitlines()
                                    if "listening on http 127.0.0.1:" in l), None))
    if not line:
        raise RuntimeError("leded --http did not listen: " + d.log_text())
    return d, "http://127.0.0.1:%d" % int(line.rsplit(":", 1)[1])


d, base = serve(index)


def api(path):
    with urllib.request.urlopen(base + path, timeout=60) as r:
        return json.loads(r.read())


def search(q, **opts):
    return api("/search?" + urllib.parse.urlencode(dict(q=q, **opts)))


b = webdriver.Browser(paths[0], paths[1], scratch.join("chromedriver.log"))
shots = tempfile.mkdtemp(prefix="lede-page-shots.")


def page_state():
    return b.js("""
        var q = function (s) { return Array.prototype.map.call(document.querySelectorAll(s),
                                                            function (e) { return e.textContent; }); };
        return {ids: q('li.hit .id'), titles: q('li.hit a.headline'), marks: q('li.hit mark'),
                status: document.getElementById('status').textContent,
                dym: document.getElementById('didyoumean').hidden ? null
                     : document.getElementById('dym').textContent,
                article: document.getElementById('article').hidden ? null
                         : document.getElementById('a-title').textContent,
                body: document.getElementById('a-body').textContent,
                facets: q('.facet h3'), focus: document.activeElement.id ||
                         (document.activeElement.dataset || {}).id || '',
                q: document.getElementById('q').value,
                imgs: document.images.length, pwned: window.pwned === undefined ? null : window.pwned};""")


def wait_for(pred, what):
    st = eventually(lambda: (lambda s: s if pred(s) else None)(page_state()))
    if not st:
        st = page_state()
        check(False, what, json.dumps({k: st[k] for k in ("status", "q", "dym", "article", "focus", "ids")})[:600])
        return st
    return st


def hit_ids(reply):
    return [h["id"] for h in reply["hits"]]


# The page itself: compiled in, its policy pinning its one script.
with urllib.request.urlopen(base + "/", timeout=60) as r:
    page = r.read().decode("utf-8")
    headers = r.headers
check_eq(headers.get("Content-Type"), "text/html; charset=utf-8", "GET /: HTML")
csp = headers.get("Content-Security-Policy", "")
check("script-src 'sha256-" in csp and "default-src 'none'" in csp and "unsafe-inline" not in
      csp.split("script-src")[1].split(";")[0], "its policy runs only its own script", csp)
check("@SCRIPT_SHA256@" not in page and page.count("<script>") == 1 and "<meta name=\"viewport\"" in page,
      "one inline script, the hash filled in, a viewport for phones")
check(page == open(os.path.join(ROOT, "web", "index.html"), encoding="utf-8").read().replace(
    "@SCRIPT_SHA256@", csp.split("'sha256-")[1].split("'")[0]), "the page is web/index.html as built")

try:
    # A query typed: hits, highlights and the server's total.
    b.go(base + "/")
    b.type("#q", "said\ue007")
    want = search("said", limit=10, offset=0)
    st = wait_for(lambda s: s["ids"], "hits appear")
    check_eq(st["ids"], hit_ids(want), "the page shows the server's first ten hits, in order")
    check(st["status"].startswith("%d results" % want["total"]), "the total is shown", st["status"])
    check(st["marks"] and all(m.lower() == "said" for m in st["marks"]),
          "snippets mark the query's word with <mark>", str(st["marks"][:5]))
    check("year" in st["facets"], "facets are shown", str(st["facets"]))
    b.screenshot(os.path.join(shots, "results.png"))

    # Paging.
    b.click("#next")
    want2 = search("said", limit=10, offset=10)
    st = wait_for(lambda s: s["ids"] and s["ids"][0] == want2["hits"][0]["id"], "the next page loads")
    check_eq(st["ids"], hit_ids(want2), "Next shows hits 11-20")
    check("(11\u201320)" in st["status"], "the status says which hits", st["status"])

    # An article opened from a hit.
    b.click("li.hit a.headline")
    art = api("/articles/" + urllib.parse.quote(want2["hits"][0]["id"], safe=""))["article"]
    st = wait_for(lambda s: s["article"] is not None, "the article opens")
    check_eq(st["article"], art["title"], "the article view shows its headline")
    check(art["body"].split("\n")[0][:40] in st["body"], "and its body", st["body"][:80])

    # Keys: Esc back, / to the box, arrows to a hit, Enter opens it.
    b.keys("\ue00c")
    st = wait_for(lambda s: s["article"] is None and s["ids"], "Esc goes back to the results")
    b.js("document.body.focus(); document.activeElement.blur();")
    b.keys("/")
    st = wait_for(lambda s: s["focus"] == "q", "/ focuses the search box")
    b.keys("\ue015\ue015")
    st = wait_for(lambda s: s["focus"] == want2["hits"][1]["id"], "two arrows down: the second hit")
    b.keys("\ue013")
    st = wait_for(lambda s: s["focus"] == want2["hits"][0]["id"], "arrow up: the first hit")
    b.keys("\ue007")
    st = wait_for(lambda s: s["article"] is not None, "Enter opens the focused hit")
    check_eq(st["article"], art["title"], "Enter opened the hit that had the focus")

    # Did you mean.
    b.keys("\ue00c")
    b.js("var q = document.getElementById('q'); q.value = ''; q.focus();")
    b.type("#q", "drougth harvst\ue007")
    st = wait_for(lambda s: s["dym"], "a misspelt query offers a correction")
    correction = search("drougth harvst")["did_you_mean"]
    check_eq(st["dym"], correction, "the server's correction is offered")
    b.click("#dym")
    fixed = hit_ids(search(correction, limit=10))
    st = wait_for(lambda s: s["q"] == correction and s["ids"] == fixed and fixed,
                  "following it searches the correction and shows its hits")

    # A facet narrows the search: a year becomes the date range.
    b.js("var q = document.getElementById('q'); q.value = ''; q.focus();")
    b.type("#q", "marsh\ue007")
    marsh = search("marsh", limit=10)
    st = wait_for(lambda s: "year" in s["facets"] and s["ids"] == hit_ids(marsh) and
                  s["status"].startswith("%d " % marsh["total"]), "marsh's facets")
    year = b.js("return document.querySelector('.facet[data-facet=year] button').textContent")
    narrowed = search("marsh date:%s-01-01..%s-12-31" % (year, year), limit=10)
    b.click(".facet[data-facet=year] button")
    st = wait_for(lambda s: s["status"].startswith("%d result" % narrowed["total"]) and
                  s["ids"] == hit_ids(narrowed), "the year facet filters")
    check(narrowed["total"] < search("marsh")["total"], "the facet narrowed the matches",
          "%s of %s" % (narrowed["total"], search("marsh")["total"]))
    b.screenshot(os.path.join(shots, "facet.png"))

    # A keyword field's facet (the fields come from /stats) adds its filter.
    b.go(base + "/#q=marsh")
    everything = hit_ids(search("marsh", limit=10))
    st = wait_for(lambda s: "section" in s["facets"] and s["ids"] == everything and s["status"].startswith(
        "%d result" % search("marsh")["total"]), "the index's keyword fields are facets")
    value = b.js("return document.querySelector('.facet[data-facet=section] button').textContent")
    by_section = search("marsh section:%s" % value, limit=10)
    b.click(".facet[data-facet=section] button")
    st = wait_for(lambda s: s["q"] == "marsh section:" + value and s["ids"] == hit_ids(by_section),
                  "the section facet adds section:VALUE to the query")
    check_eq(st["q"], "marsh section:" + value, "a section facet narrows to that section")

    # Sort and collapse controls ask the server for the same.
    b.go(base + "/#q=said&sort=date")
    by_date = search("said", limit=10, sort="date")
    st = wait_for(lambda s: s["ids"] == hit_ids(by_date), "sort=date: the newest first")
    check_eq(b.js("return document.getElementById('sort').value"), "date", "the sort control shows it")
    b.click("#collapse")
    collapsed = search("said", limit=10, sort="date", collapse="dup")
    wait_for(lambda s: "collapse=1" in b.js("return location.hash"), "the toggle is kept in the URL")
    st = wait_for(lambda s: s["ids"] == hit_ids(collapsed), "the collapse toggle asks for collapse=dup")
    check_eq(st["ids"], hit_ids(collapsed), "collapsed, the hits of collapse=dup")

    # A phone's width: one column, the facets below the hits.
    b.window(420, 800)
    b.go(base + "/#q=said")
    wait_for(lambda s: s["ids"], "hits at a phone's width")
    layout = b.js("""var r = document.getElementById('results').getBoundingClientRect(),
                         f = document.getElementById('facets').getBoundingClientRect();
                     return {rw: r.width, fy: f.top, ry: r.top, page: document.documentElement.scrollWidth,
                             win: window.innerWidth};""")
    check(layout["fy"] > layout["ry"] and layout["page"] <= layout["win"],
          "one column at 420 px: facets below the hits, nothing wider than the screen", str(layout))
    b.screenshot(os.path.join(shots, "phone.png"))
    b.window(1000, 900)

    # Values of the index are text, never markup.
    b.go(base + "/#q=evil")
    st = wait_for(lambda s: s["ids"] == ["xss-1"], "the article with markup is found")
    check_eq(st["titles"], [XSS_TITLE], "its headline is shown as written, as text")
    check_eq((st["imgs"], st["pwned"]), (0, None), "no image element, no script ran")
    snippet = b.js("return document.querySelector('li.hit p.snippet').textContent")
    check("<img src=x onerror=" in snippet, "the snippet shows the markup as text", snippet)
    b.click("li.hit a.headline")
    st = wait_for(lambda s: s["article"] is not None, "the article opens")
    check_eq(st["article"], XSS_TITLE, "the article's headline as text")
    check(XSS_BODY in st["body"], "its body as text", st["body"][:120])
    check_eq((st["imgs"], st["pwned"]), (0, None), "the article view ran nothing either")
    shot = b.screenshot(os.path.join(shots, "markup.png"))
    check(os.path.getsize(shot) > 1000, "a screenshot is written: " + shots)
    print("# screenshots in " + shots)

    # A server that wants a read token: the page is open, searching asks.
    locked, locked_base = serve(index, "--read-token", scratch.token_file("page-read-token"))
    try:
        with urllib.request.urlopen(locked_base + "/", timeout=60) as r:
            check_eq(r.status, 200, "the page needs no token")
        b.go(locked_base + "/#q=said")
        st = wait_for(lambda s: b.js("return !document.getElementById('tokenbox').hidden"),
                      "a 401 shows the token prompt")
        check_eq(st["ids"], [], "no hits without the token")
        b.type("#token", "page-read-token\ue007")
        st = wait_for(lambda s: s["ids"], "with the token, the search runs")
        check_eq(len(st["ids"]), 10, "the first page of hits")
        check_eq(b.js("return sessionStorage.getItem('lede-token')"), "page-read-token",
                 "the token is kept for the session")
    finally:
        check_eq(locked.stop(), 0, "the read-token leded stops cleanly")
finally:
    b.stop()
    check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
