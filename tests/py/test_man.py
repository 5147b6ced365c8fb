"""test_man -- the man pages and `make install` (issue 19, point 11):
installed into a scratch DESTDIR, the programs, lede(1), lede-index(1),
leded(8) and the systemd unit are where PREFIX says; `man -l` renders each
page without a warning; and the README sections the pages are made from
do not drift from the programs: every option --help lists is in its page,
and every option the README's tables list is one --help knows."""
import os
import re
import shutil
import subprocess

from ledetest import BIN, ROOT, Scratch, check, check_eq, finish

PAGES = (("lede", "1"), ("lede-index", "1"), ("leded", "8"))

if not shutil.which("man"):
    print("ok - # SKIP test_man: no `man` here (man-db: `make deps` installs it)")
    finish()

scratch = Scratch()
dest = scratch.join("root")
build = os.environ.get("LEDE_BUILD", "build")
make = subprocess.run(["make", "-s", "install", "PREFIX=/opt/lede", "DESTDIR=" + dest,
                       "BIN=" + os.path.relpath(BIN, ROOT), "BUILD=" + build, "INSTALL_NEEDS=man"],
                      cwd=ROOT, capture_output=True, text=True, timeout=600,
                      env={k: v for k, v in os.environ.items() if not k.startswith("MAKE")})
check_eq(make.returncode, 0, "make install PREFIX=/opt/lede DESTDIR=... succeeds")
if make.returncode:
    print("# " + make.stderr[-500:].replace("\n", "\n# "))

prefix = dest + "/opt/lede"
for prog in ("lede", "lede-index", "leded"):
    path = os.path.join(prefix, "bin", prog)
    check(os.access(path, os.X_OK), "installed: bin/%s, executable" % prog)
unit = os.path.join(prefix, "lib/systemd/system/leded.service")
text = open(unit).read() if os.path.exists(unit) else ""
check("ExecStart=/opt/lede/bin/leded " in text, "the systemd unit runs PREFIX's leded", text[:200])


def help_options(prog):
    out = subprocess.run([os.path.join(BIN, prog), "--help"], capture_output=True, text=True).stdout
    return set(re.findall(r"^\s+(?:-\w, )?--([a-z][a-z-]*)", out, re.M))


def readme_section(name, number):
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    m = re.search(r"^## %s\(%s\)\n(.*?)(?=^## )" % (re.escape(name), number), readme, re.M | re.S)
    return m.group(1) if m else ""


for name, number in PAGES:
    page = os.path.join(prefix, "share/man/man%s/%s.%s" % (number, name, number))
    check(os.path.exists(page), "installed: %s(%s)" % (name, number))
    env = dict(os.environ, MANWIDTH="100", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)
    shown = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env=env, timeout=60)
    check(shown.returncode == 0 and "NAME" in shown.stdout and
          ("%s(%s)" % (name.upper(), number)) in shown.stdout,
          "man -l %s.%s renders the page" % (name, number), shown.stderr[:300])
    check_eq(shown.stderr.strip(), "", "man --warnings -l %s.%s: no warning from groff" % (name, number))
    roff = open(page).read().replace("\\-", "-") if os.path.exists(page) else ""
    have = help_options(name)
    check(len(have) >= 5, "%s --help lists its options (%d)" % (name, len(have)))
    missing = sorted(o for o in have if "--" + o not in roff)
    check(not missing, "every option of %s --help is in %s(%s)" % (name, name, number), repr(missing))
    section = readme_section(name, number)
    tabled = set(re.findall(r"^\| `(?:-\w, )?--([a-z][a-z-]*)", section, re.M))
    check(len(tabled) >= 5, "the README's %s(%s) has an options table" % (name, number))
    unknown = sorted(tabled - have)
    check(not unknown, "every option the README lists for %s is one it has" % name, repr(unknown))

scratch.cleanup()
finish()
