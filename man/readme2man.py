#!/usr/bin/env python3
"""readme2man.py -- the man pages lede(1), leded(8) and lede-index(1), made
from README.md's sections of the same names, so that the two cannot drift:
the README is the one source, this only changes its markup.

Usage: readme2man.py README.md PAGE OUT   (PAGE: lede.1, leded.8, lede-index.1)

Owns the conversion of the little Markdown the README uses (### headings,
paragraphs, ``` blocks, | tables |, `code`, **bold**, [links](url), - lists)
into man(7) roff.  Must not hold any text of the pages but their one-line
NAME and the SEE ALSO list (standard library only)."""
import re
import sys

SUMMARY = {
    "lede": "search a lede index through a running leded",
    "leded": "the lede search daemon",
    "lede-index": "build and update a lede full-text index",
}
SEE_ALSO = {
    "lede": ["leded(8)", "lede-index(1)"],
    "leded": ["lede(1)", "lede-index(1)", "xapian-tcpsrv(1)"],
    "lede-index": ["lede(1)", "leded(8)"],
}


def section_of(readme, name, number):
    """The lines of '## name(number)' up to the next '## ' heading."""
    lines = readme.splitlines()
    head = "## %s(%s)" % (name, number)
    try:
        start = lines.index(head) + 1
    except ValueError:
        sys.exit("readme2man: README.md has no '%s' section" % head)
    end = start
    while end < len(lines) and not lines[end].startswith("## "):
        end += 1
    return lines[start:end]


def escape(text):
    """Roff's special characters in running text."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def inline(text):
    """`code` and **bold** in bold, [text](url) as text (url), escaped."""
    out = []
    for part in re.split(r"(`[^`]*`|\*\*[^*]+\*\*|\[[^\]]*\]\([^)]*\))", text):
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append("\\fB" + escape(part[1:-1]) + "\\fR")
        elif part.startswith("**") and part.endswith("**"):
            out.append("\\fB" + escape(part[2:-2]) + "\\fR")
        elif part.startswith("["):
            m = re.match(r"\[([^\]]*)\]\(([^)]*)\)", part)
            label, url = m.group(1), m.group(2)
            out.append(inline(label) if label.strip("`") == url else
                       "%s (%s)" % (inline(label), escape(url)))
        else:
            out.append(escape(part))
    return "".join(out)


def line_safe(text):
    """A line of roff text must not begin with a control character."""
    return "\\&" + text if text[:1] in (".", "'") else text


def table_row(line):
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
    return [c.replace("\\|", "|") for c in cells]


def convert(body):
    """Roff for the section's lines."""
    out, para, i = [], [], 0

    def flush():
        if para:
            out.append(".PP")
            out.append(line_safe(inline(" ".join(para))))
            para.clear()

    while i < len(body):
        line = body[i]
        if line.startswith("### "):
            flush()
            out.append(".SH " + escape(line[4:].upper()))
        elif line.startswith("```"):
            flush()
            out += [".PP", ".RS 4", ".nf"]
            i += 1
            while i < len(body) and not body[i].startswith("```"):
                out.append(line_safe(escape(body[i])))
                i += 1
            out += [".fi", ".RE"]
        elif line.startswith("|"):
            flush()
            header = table_row(line)
            i += 2  # the header and the |---| line
            while i < len(body) and body[i].startswith("|"):
                cells = table_row(body[i])
                out.append(".TP")
                out.append(line_safe(inline(cells[0])))
                rest = ["%s: %s" % (header[k], cells[k]) if len(cells) > 2 and k < len(cells) - 1
                        else cells[k] for k in range(1, len(cells))]
                out.append(line_safe(inline("; ".join(rest))))
                i += 1
            continue
        elif line.startswith("- "):
            flush()
            item = [line[2:]]
            while i + 1 < len(body) and body[i + 1].startswith("  ") and body[i + 1].strip():
                i += 1
                item.append(body[i].strip())
            out += [".IP \\(bu 2", line_safe(inline(" ".join(item)))]
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
        i += 1
    flush()
    return out


def page(readme, name, number):
    body = section_of(readme, name, number)
    out = ['.TH %s %s "" "lede" "lede manual"' % (escape(name.upper()), number),
           ".SH NAME", "%s \\- %s" % (escape(name), SUMMARY[name])]
    if not any(l.startswith("### ") for l in body):
        # A section without sub-headings: its first block is the synopsis.
        if body and not body[0].strip():
            body = body[1:]
        if body and body[0].startswith("```"):
            end = body.index("```", 1)
            out.append(".SH SYNOPSIS")
            out += convert(body[:end + 1])
            body = body[end + 1:]
        out.append(".SH DESCRIPTION")
    out += convert(body)
    out += [".SH SEE ALSO", ", ".join("\\fB%s\\fR(%s)" % tuple(s[:-1].split("("))
                                     for s in SEE_ALSO[name])]
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    readme, pagename, dest = sys.argv[1:]
    name, number = pagename.rsplit(".", 1)
    if name not in SUMMARY:
        sys.exit("readme2man: no page %s" % pagename)
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    with open(dest, "w", encoding="utf-8") as f:
        f.write(page(text, name, number))


if __name__ == "__main__":
    main()
