"""test_metrics -- GET /metrics against a live leded (--http): every line
checked by a small exposition-format checker (promtext.py: names, labels,
values, HELP and TYPE before the samples, histogram buckets cumulative
and ending in +Inf == _count), and the counters going up by exactly what
the test did, over both protocols: searches ok and refused, an unknown
path, a missing article, ingest; the gauges (connections by protocol,
articles, revision); the read token guarding it.  Facts only: counts and
equalities, nothing timed."""
import os
import socket

import promtext
from ledetest import (HttpDaemon, ROOT, Scratch, build_index, check, check_eq, finish)

TOKEN = "metrics-token-0123"
scratch = Scratch()
index = scratch.join("metrics.idx")
build_index(index, os.path.join(ROOT, "corpus"))
d = HttpDaemon(index, "--ingest-token", scratch.token_file(TOKEN))
h = d.http()


def get(path, method="GET", headers=None, conn=None):
    c = conn or h
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def scrape():
    status, hdrs, body = get("/metrics")
    check_eq((status, hdrs.get("content-type")), (200, "text/plain; version=0.0.4; charset=utf-8"),
             "GET /metrics: 200 in the text format 0.0.4")
    try:
        return promtext.parse(body.decode())
    except ValueError as e:
        check(False, "the exposition is well formed", str(e))
        return []


def v(samples, name, **labels):
    got = promtext.value(samples, name, **labels)
    return 0 if got is None else got


before = scrape()
check(len(before) > 40, "the first scrape parses: every line a HELP, TYPE or sample", len(before))
families = {n.split("{")[0] for n, _, _ in before}
for name in ("lede_queries_total", "lede_ingest_total", "lede_errors_total",
             "lede_query_duration_seconds_bucket", "lede_query_duration_seconds_sum",
             "lede_query_duration_seconds_count", "lede_connections", "lede_connections_total",
             "lede_articles", "lede_index_bytes", "lede_index_revision", "lede_uptime_seconds",
             "lede_build_info"):
    check(name in families, "%s is exposed" % name)
check_eq(promtext.value(before, "lede_articles"), 46.0, "lede_articles counts the corpus")
check(v(before, "lede_index_bytes") > 0, "lede_index_bytes is the index's size")
check(v(before, "lede_uptime_seconds") >= 0, "lede_uptime_seconds")
info = [s for s in before if s[0] == "lede_build_info"]
check(len(info) == 1 and info[0][2] == 1 and info[0][1].get("version"), "lede_build_info{version} 1",
      info)

# What the test does, over both protocols.
line = d.connect()
for q in ("drought", "bank", "harvest"):
    check(line.ask("SEARCH " + q)[0].startswith("OK"), "line SEARCH %s" % q)
check(line.ask('SEARCH "unbalanced')[0].startswith("ERR SYNTAX"), "a line SEARCH refused (SYNTAX)")
check(line.ask("GET no/such/article")[0].startswith("ERR NOTFOUND"), "a line GET of no article")
check_eq(get("/search?q=drought")[0], 200, "HTTP /search")
check_eq(get("/search?q=bank&limit=2")[0], 200, "HTTP /search again")
check_eq(get("/count?q=bank")[0], 200, "HTTP /count")
check_eq(get("/no/such/path")[0], 404, "HTTP: an unknown path, 404")
check_eq(line.ask("AUTH " + TOKEN), ["OK AUTH"], "AUTH")
body = "Title: Metered pangolins\nDate: 2026-02-03\n\nPangolins, counted."
line.send("PUT m/1 %d\n%s\n" % (len(body.encode()), body))
check(line.reply("PUT")[0].startswith("OK ADDED"), "PUT an article")
check(line.ask("COMMIT")[0].startswith("OK COMMITTED"), "COMMIT")

after = scrape()


def grew(name, by, **labels):
    got = v(after, name, **labels) - v(before, name, **labels)
    check_eq(got, by, "%s%s went up by %s" % (name, labels, by))


grew("lede_queries_total", 5, command="search", outcome="ok")
grew("lede_queries_total", 1, command="search", outcome="SYNTAX")
grew("lede_queries_total", 1, command="count", outcome="ok")
grew("lede_queries_total", 1, command="get", outcome="NOTFOUND")
grew("lede_queries_total", 1, command="auth", outcome="ok")
grew("lede_ingest_total", 1, command="put", outcome="ok")
grew("lede_ingest_total", 1, command="commit", outcome="ok")
grew("lede_errors_total", 1, code="SYNTAX")
grew("lede_errors_total", 2, code="NOTFOUND")
# the eight queries the workers ran: the unbalanced quote is theirs to find
grew("lede_query_duration_seconds_count", 8)
check(v(after, "lede_query_duration_seconds_sum") > v(before, "lede_query_duration_seconds_sum"),
      "the histogram's _sum grew")
check_eq(v(after, "lede_connections", protocol="line"), 1, "one line connection open")
check_eq(v(after, "lede_connections", protocol="http"), 1, "one HTTP connection open (this one)")
grew("lede_connections_total", 1, protocol="line")
grew("lede_connections_total", 0, protocol="http")
grew("lede_articles", 1)
check(v(after, "lede_index_revision") > v(before, "lede_index_revision"), "the revision went up")

status, hdrs, body = get("/metrics", method="HEAD")
check_eq((status, body), (200, b""), "HEAD /metrics: 200, no body")
line.close()
check_eq(d.stop(), 0, "leded stops cleanly")

# With --read-token, /metrics needs it as /stats does.
rt = scratch.token_file("reader-token-0123", "read-token")
d = HttpDaemon(index, "--read-token", rt)
h = d.http()
status, hdrs, body = get("/metrics")
check_eq((status, hdrs.get("www-authenticate")), (401, "Bearer"), "/metrics without the read token: 401")
status, hdrs, body = get("/metrics", headers={"Authorization": "Bearer reader-token-0123"})
check(status == 200 and promtext.parse(body.decode()), "... and 200 with it")
check_eq(d.stop(), 0, "the second leded stops cleanly")

scratch.cleanup()
finish()
