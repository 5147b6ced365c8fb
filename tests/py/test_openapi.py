"""test_openapi -- docs/openapi.yaml against a live leded --http: the file
is OpenAPI 3.0 and names every endpoint of the HTTP contract; each
operation's example request (writes first, deletes last) answers with a
2xx status the file lists, each JSON reply matches its schema (required
keys present, no key the schema does not name, types, enums; a small
checker of our own), an ingest operation without its token is the listed
401, and a bad query, a missing article and a wrong method answer as
documented.  No network beyond loopback."""
import http.client
import json
import os
import urllib.parse

import yaml

from ledetest import ROOT, Daemon, Scratch, build_index, check, check_eq, eventually, finish

spec = yaml.safe_load(open(os.path.join(ROOT, "docs", "openapi.yaml"), encoding="utf-8"))
check(str(spec.get("openapi", "")).startswith("3.0"), "docs/openapi.yaml is OpenAPI 3.0")
CONTRACT = {("/", "get"), ("/search", "get"), ("/count", "get"), ("/suggest", "get"),
            ("/articles/{id}", "get"), ("/articles/{id}", "put"), ("/articles/{id}", "delete"),
            ("/articles", "post"), ("/commit", "post"), ("/similar/{id}", "get"),
            ("/stats", "get"), ("/health", "get"), ("/metrics", "get")}
METHODS = ("put", "post", "get", "delete")  # the order the examples run in
ops = [(p, m) for p, item in spec["paths"].items() for m in item if m in METHODS]
check_eq(sorted(set(ops) ^ CONTRACT), [], "the file documents exactly the contract's endpoints")


def node_ref(ref):
    return ref.lstrip("#/").split("/")


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node_ref(node["$ref"]):
            target = target[part]
        node = target
    return node


def mismatches(value, schema, where="$"):
    """What of value does not fit schema: a list of short texts."""
    schema = deref(schema)
    if "oneOf" in schema:
        tries = [mismatches(value, s, where) for s in schema["oneOf"]]
        return [] if any(not t for t in tries) else min(tries, key=len)
    if value is None:
        return [] if schema.get("nullable") else ["%s: null" % where]
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if kind in types and not isinstance(value, types[kind]):
        return ["%s: %r is not %s" % (where, value, kind)]
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return ["%s: %r is not an integer" % (where, value)]
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return ["%s: %r is not a number" % (where, value)]
    if "enum" in schema and value not in schema["enum"]:
        return ["%s: %r not in %r" % (where, value, schema["enum"])]
    bad = []
    if kind == "object":
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        bad += ["%s: %s missing" % (where, k) for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if k in props:
                bad += mismatches(v, props[k], where + "." + k)
            elif isinstance(extra, dict):
                bad += mismatches(v, extra, where + "." + k)
            elif extra is not True:
                bad.append("%s: %s is not documented" % (where, k))
    if kind == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            bad.append("%s: fewer than %d items" % (where, schema["minItems"]))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            bad.append("%s: more than %d items" % (where, schema["maxItems"]))
        for i, v in enumerate(value):
            bad += mismatches(v, schema.get("items", {}), "%s[%d]" % (where, i))
    return bad


scratch = Scratch()
index = scratch.join("idx")
build_index(index, os.path.join(ROOT, "corpus"))
TOKEN = "openapi-ingest-token"
d = Daemon(index, "--http", "127.0.0.1:0", "--ingest-token", scratch.token_file(TOKEN))
line = eventually(lambda: next((l for l in d.log_text().splitlines()
                                if "listening on http 127.0.0.1:" in l), None))
port = int(line.rsplit(":", 1)[1])


def request(method, target, body=None, ctype=None, token=TOKEN):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    if ctype:
        headers["Content-Type"] = ctype
    c.request(method.upper(), target, body=body.encode() if body is not None else None, headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheader("Content-Type", ""), data


def example_request(path, method):
    """The operation's example: its URL, body and body's type."""
    item, op = spec["paths"][path], spec["paths"][path][method]
    query = {}
    for p in [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]:
        if "example" not in p:
            continue
        if p["in"] == "path":
            path = path.replace("{%s}" % p["name"], urllib.parse.quote(str(p["example"]), safe=""))
        else:
            query[p["name"]] = p["example"]
    target = path + ("?" + urllib.parse.urlencode(query) if query else "")
    body = ctype = None
    if "requestBody" in op:
        ctype, media = next(iter(op["requestBody"]["content"].items()))
        body = media["example"]
    return target, body, ctype


def check_reply(path, method, op, status, ctype, data, what):
    documented = op["responses"].get(str(status))
    if not check(documented is not None, "%s %s %s: %d is documented" % (method.upper(), path, what, status),
                 data[:200]):
        return
    documented = deref(documented)
    content = documented.get("content", {})
    kind = ctype.split(";")[0].strip()
    if not check(kind in content, "%s %s %s: its type %s is documented" % (method.upper(), path, what, kind)):
        return
    if kind == "application/json":
        bad = mismatches(json.loads(data), content[kind]["schema"])
        check(not bad, "%s %s %s: the reply fits its schema" % (method.upper(), path, what), "; ".join(bad[:4]))


order = sorted(ops, key=lambda o: (METHODS.index(o[1]), o[0]))
for path, method in order:
    op = spec["paths"][path][method]
    target, body, ctype = example_request(path, method)
    status, rtype, data = request(method, target, body, ctype)
    if path == "/metrics" and status == 404 and b"no such path" in data:
        print("ok - # SKIP GET /metrics is not served by this build yet (the tls branch adds it)")
        continue
    check(200 <= status < 300, "%s %s: the example succeeds" % (method.upper(), target), "%d %s" % (status, data[:200]))
    check_reply(path, method, op, status, rtype, data, "(example)")
    if op.get("security") == [{"bearer": []}]:
        status, rtype, data = request(method, target, body, ctype, token=None)
        check_eq(status, 401, "%s %s without the token: 401" % (method.upper(), path))
        check_reply(path, method, op, status, rtype, data, "(no token)")

# Errors as documented.
for path, method, target, want in [("/search", "get", "/search?q=drought&limit=abc", 400),
                                   ("/search", "get", "/search?q=%22unbalanced", 400),
                                   ("/articles/{id}", "get", "/articles/no-such-article", 404),
                                   ("/similar/{id}", "get", "/similar/no-such-article", 404)]:
    status, rtype, data = request(method, target)
    check_eq(status, want, "%s: %d" % (target, want))
    check_reply(path, method, spec["paths"][path][method], status, rtype, data, target)
status, _, data = request("delete", "/search?q=x")
check(status == 405 and json.loads(data).get("ok") is False, "a wrong method: 405 with an error object", data[:120])

check_eq(d.stop(), 0, "leded stops cleanly")
scratch.cleanup()
finish()
