"""promtext -- a small checker of Prometheus' text exposition format
(0.0.4) for the metrics tests: every line a HELP, a TYPE or a sample;
names and label names well formed, label values properly escaped, values
numbers; a family's HELP and TYPE before its samples, its samples
together; a histogram's buckets cumulative and ending in +Inf equal to
its _count, with a _sum.  parse() returns the samples or raises
ValueError naming the line.  Standard library only."""
import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SAMPLE = re.compile(r"^(%s)(\{(.*)\})? (\S+)$" % NAME)
LABEL_PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)' % LABEL)


def _labels(text, lineno):
    out, pos = {}, 0
    while pos < len(text):
        m = LABEL_PAIR.match(text, pos)
        if not m:
            raise ValueError("line %d: bad labels {%s}" % (lineno, text))
        value = m.group(2).replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
        if m.group(1) in out:
            raise ValueError("line %d: label %s twice" % (lineno, m.group(1)))
        out[m.group(1)] = value
        pos = m.end()
    return out


def _value(text, lineno):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    try:
        return float(text)
    except ValueError:
        raise ValueError("line %d: value %r is not a number" % (lineno, text))


def _family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)]
        if name.endswith(suffix) and types.get(base) in ("histogram", "summary"):
            return base
    return name


def _check_histograms(samples, types):
    for fam, kind in types.items():
        if kind != "histogram":
            continue
        buckets = [(s[1], s[2]) for s in samples if s[0] == fam + "_bucket"]
        counts = [s[2] for s in samples if s[0] == fam + "_count"]
        if not buckets or len(counts) != 1 or not any(s[0] == fam + "_sum" for s in samples):
            raise ValueError("histogram %s lacks its buckets, _sum or _count" % fam)
        les = [_value(b[0].get("le", ""), 0) for b in buckets]
        if les != sorted(les) or not math.isinf(les[-1]):
            raise ValueError("histogram %s: le not increasing to +Inf: %r" % (fam, les))
        values = [b[1] for b in buckets]
        if values != sorted(values):
            raise ValueError("histogram %s: buckets not cumulative: %r" % (fam, values))
        if values[-1] != counts[0]:
            raise ValueError("histogram %s: +Inf %s != _count %s" % (fam, values[-1], counts[0]))


def parse(text):
    """[(name, labels, value)] of a whole exposition; ValueError if bad."""
    helps, types, samples, done = {}, {}, [], set()
    current = None
    if text and not text.endswith("\n"):
        raise ValueError("the exposition does not end with a line feed")
    for lineno, line in enumerate(text.split("\n")[:-1], 1):
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
                raise ValueError("line %d: bad %s line" % (lineno, parts[1]))
            table = helps if parts[1] == "HELP" else types
            if parts[2] in table or parts[2] in done:
                raise ValueError("line %d: %s of %s again" % (lineno, parts[1], parts[2]))
            if parts[1] == "TYPE" and parts[3] not in TYPES:
                raise ValueError("line %d: unknown type %s" % (lineno, parts[3]))
            table[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("line %d: not a sample: %r" % (lineno, line))
        name, labels = m.group(1), _labels(m.group(3) or "", lineno)
        fam = _family_of(name, types)
        if fam not in helps or fam not in types:
            raise ValueError("line %d: %s before its HELP and TYPE" % (lineno, name))
        if fam != current:
            if fam in done:
                raise ValueError("line %d: family %s's samples are not together" % (lineno, fam))
            if current:
                done.add(current)
            current = fam
        samples.append((name, labels, _value(m.group(4), lineno)))
    _check_histograms(samples, types)
    return samples


def value(samples, name, **labels):
    """The value of the sample with this name and exactly these labels, or None."""
    for n, l, v in samples:
        if n == name and l == labels:
            return v
    return None
