#!/usr/bin/env python3
# profile_test.py CLINFOLIO - `build --profile` (as hugo --templateMetrics and jekyll build
# --profile) on a copy of the demo:
#  - a clean build lists every template with its renders, none kept, and every plugin hook;
#    the renders add up to the outputs `build -v` says it rendered, the page_facts and page
#    hooks' calls to the runs it reports, each row's mean is its total over its runs, the
#    rows come most time first, and every project page is a render of projects/single.html;
#    the ten slowest renders, slowest first, name their templates and output files;
#  - after one project's body is edited, that template renders that page alone (in each of
#    its languages) and keeps the others, as `-v` counts them;
#  - a rebuild with nothing changed says nothing rendered or ran;
#  - with -q the tables still print; `check --profile` is a usage error.
# Prints "N passed, N failed".
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tally import check, done, edit, copy_demo  # noqa: E402

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", CLINFOLIO_DATADIR=ROOT)
ROW = re.compile(r"^(\S.*?)\s+(\d+)\s+(\d*)\s+(\d+\.\d)\s+(\d+\.\d{3})\s+(\d+\.\d{3})$")


def build(site, out, *extra):
    r = subprocess.run([BIN, "build", "-s", site, "-o", out, *extra], env=ENV,
                       capture_output=True, text=True)
    return r.returncode, r.stdout


def tables(stdout):
    """{"template": {name: (runs, kept, total, mean, max)}, "plugin hook": {...}}"""
    got, kind = {}, None
    for line in stdout.splitlines():
        head = line.split()[:2] if line else []
        if head[:1] == ["template"] and "renders" in line:
            kind = "template"
        elif head == ["plugin", "hook"]:
            kind = "plugin hook"
        elif kind:
            m = ROW.match(line)
            if not m:
                kind = None
                continue
            name, runs, kept, total, mean, mx = m.groups()
            got.setdefault(kind, {})[name] = (int(runs), int(kept or 0), float(total),
                                              float(mean), float(mx))
    return got


def order_kept(stdout, kind):
    """The names of a table in the order printed."""
    names, on = [], False
    for line in stdout.splitlines():
        if line.startswith(kind) and ("renders" in line or "calls" in line):
            on = True
        elif on:
            m = ROW.match(line)
            if not m:
                break
            names.append((m.group(1), float(m.group(4))))
    return names


def slowest(stdout):
    """The slowest renders table: [(template, ms, output path)] in the order printed."""
    rows, on = [], False
    for line in stdout.splitlines():
        if line.startswith("slowest renders: template"):
            on = True
        elif on:
            m = re.match(r"^(\S+)\s+(\d+\.\d{3})  (\S+)$", line)
            if not m:
                break
            rows.append((m.group(1), float(m.group(2)), m.group(3)))
    return rows


def verbose_counts(stdout):
    m = re.search(r"rendered (\d+) of (\d+) pages; the other (\d+)", stdout)
    f = re.search(r"page_facts hooks run (\d+) of (\d+)", stdout)
    h = re.search(r"page hooks run (\d+) of (\d+)", stdout)
    return (tuple(int(x) for x in m.groups()) if m else None,
            int(f.group(1)) if f else 0, int(h.group(1)) if h else 0)


def main():
    tmp = tempfile.mkdtemp(prefix="profile-test-")
    try:
        site = copy_demo(os.path.join(tmp, "demo"))
        out = os.path.join(tmp, "out")

        status, stdout = build(site, out, "-v", "--profile")
        check(status == 0, "the demo builds with --profile")
        t = tables(stdout)
        rendered, facts_runs, hook_runs = verbose_counts(stdout)
        templates, hooks = t.get("template", {}), t.get("plugin hook", {})
        check(len(templates) >= 8, "a row per template (%d)" % len(templates))
        check(rendered is not None and sum(r[0] for r in templates.values()) == rendered[0],
              "the renders add up to the outputs rendered (%s, %s)"
              % (sum(r[0] for r in templates.values()), rendered))
        check(all(r[1] == 0 for r in templates.values()), "a clean build keeps none")
        pages_out = 0  # projects/<slug>/index.html, in the first language's tree and the others'
        for lang in ["."] + [d for d in os.listdir(out) if os.path.isdir(os.path.join(out, d, "projects"))]:
            base = os.path.normpath(os.path.join(out, lang, "projects"))
            if os.path.isdir(base):
                pages_out += sum(1 for d in os.listdir(base) if d != "page" and
                                 os.path.isfile(os.path.join(base, d, "index.html")))
        single = templates.get("projects/single.html", (0,))[0]
        check(single == pages_out and single > 20,
              "every project page in each language is a render of projects/single.html (%d, %d)"
              % (single, pages_out))
        facts = sum(r[0] for n, r in hooks.items() if n.endswith(" page_facts"))
        pages = sum(r[0] for n, r in hooks.items() if n.endswith(" page"))
        check(facts == facts_runs and facts > 0,
              "page_facts calls as -v counts them (%d, %d)" % (facts, facts_runs))
        check(pages == hook_runs and pages > 0,
              "page hook calls as -v counts them (%d, %d)" % (pages, hook_runs))
        for plugin in ("cohort_metrics", "stage_timeline"):
            check(hooks.get(plugin + " site_loaded", (0,))[0] == 1,
                  plugin + "'s site_loaded called once")
        check(any(n.startswith("stage_timeline shortcode ") for n in hooks),
              "shortcodes by name")
        check(all(abs(r[3] * r[0] - r[2]) <= 0.05 + 0.0005 * r[0] and r[4] >= r[3] - 0.0005
                  for r in list(templates.values()) + list(hooks.values()) if r[0]),
              "each mean is its total over its runs, and no longer than the longest")
        for kind in ("template", "plugin hook"):
            totals = [x[1] for x in order_kept(stdout, kind)]
            check(totals == sorted(totals, reverse=True) and totals,
                  kind + " rows come the most time first")
        check(re.search(r"^ms: load \d+", stdout, re.M) is not None, "the passes' times too")
        slow = slowest(stdout)
        check(len(slow) == 10, "the ten slowest renders (%d)" % len(slow))
        check([r[1] for r in slow] == sorted((r[1] for r in slow), reverse=True),
              "the slowest first")
        check(all(r[0] in templates and os.path.isfile(os.path.join(out, r[2])) for r in slow),
              "each with its template and an output file there: %s" % slow[:3])
        check(slow and abs(slow[0][1] - max(r[4] for r in templates.values())) < 0.0015,
              "the slowest is the longest render of the template tables")

        # one project's body edited: its page renders again, the other project pages are kept
        page = sorted(p for p in os.listdir(os.path.join(site, "content", "projects"))
                      if not p.startswith("_") and p.endswith(".md") and ".zh." not in p)[0]
        with open(os.path.join(site, "content", "projects", page), "a", encoding="utf-8") as f:
            f.write("\nA sentence added to the body.\n")
        status, stdout = build(site, out, "-v", "--profile")
        t = tables(stdout)
        rendered, facts_runs, hook_runs = verbose_counts(stdout)
        templates = t.get("template", {})
        runs, kept = templates.get("projects/single.html", (0, 0))[:2]
        check(status == 0 and runs >= 1 and runs + kept == single,
              "after a body edit projects/single.html renders the edited page (%d) and keeps "
              "the rest (%d of %d)" % (runs, kept, single))
        check(rendered is not None and sum(r[0] for r in templates.values()) == rendered[0]
              and sum(r[1] for r in templates.values()) == rendered[2],
              "renders and kept ones as -v counts them (%s)" % (rendered,))

        # nothing changed
        status, stdout = build(site, out, "--profile")
        check(status == 0 and "no template rendered and no plugin hook called" in stdout,
              "an unchanged rebuild says nothing ran: " + stdout[-200:])
        edit(os.path.join(site, "content", "projects", page), "A sentence added", "A line added")
        status, stdout = build(site, out, "-q", "--profile")
        check(status == 0 and "projects/single.html" in stdout and "built " not in stdout,
              "with -q the profile still prints, the summary not")
        r = subprocess.run([BIN, "check", "-s", site, "--profile"], env=ENV, capture_output=True,
                           text=True)
        check(r.returncode == 2 and "'--profile' is for build" in r.stderr,
              "check --profile is a usage error: " + r.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
