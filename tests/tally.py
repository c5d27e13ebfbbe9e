"""tally.py - the count of a Python test script: check(cond, what) for each test (a
failure prints "FAIL: what"), and done(), which prints "N passed, N failed" (the line
tests/run.sh reads) and returns the exit status; edit(path, old, new), the first `old`
of a fixture file made `new` (the edits of the incremental tests); and copy_demo(site), a
copy of the demo site (the repository root's site.yaml, content, theme and plugins)."""
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)


def done():
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert old in text, (path, old)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new, 1))


def copy_demo(site):
    """The demo site copied into the new folder site; returns site."""
    os.mkdir(site)
    for name in ("site.yaml", "content", "themes", "plugins"):
        src = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(site, name))
    return site
