#!/usr/bin/python3
"""groups_test.py CLINFOLIO - cohort_metrics' groups of a field whose value is not text.

Builds a copy of tests/plugins/metrics/ with the repository's plugins/cohort_metrics.lua,
`metrics.group_by: [department, sponsor]` and one project (alpha) whose `sponsor` is a map.
The plugin's page_facts hook reads the group fields of each project (site_loaded only adds
up what it returned), so the warning comes once, from that project's page_facts, with the
page named in a note; the project stays out of the sponsor groups and in the others. The
warning comes again, once, when nothing changed and after a facts edit of another project
(the page_facts result of alpha and its diagnostics restored from the cache), and is gone
once the sponsor is text, which then makes a group of one. Ends with "N passed, N failed"."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from tally import check, done, edit  # noqa: E402

WARNING = re.compile(r"^plugins/cohort_metrics\.lua:\d+: warning: content/projects/alpha\.md: "
                     r"'sponsor' is not text; the project is left out of the sponsor groups$")
NOTE = "content/projects/alpha.md:1:1: note: while processing content/projects/alpha.md"


def build(binary, site, what):
    """Builds site into site/out; returns (stderr lines, metrics.json's `by`)."""
    p = subprocess.run([binary, "build", "-s", site, "-o", os.path.join(site, "out")],
                       capture_output=True, text=True)
    check(p.returncode == 0, "%s: builds (%s)" % (what, p.stderr[-400:]))
    with open(os.path.join(site, "out", "metrics.json"), encoding="utf-8") as f:
        return p.stderr.splitlines(), json.load(f)["by"]


def warned_once(lines, what):
    at = [i for i, line in enumerate(lines) if WARNING.match(line)]
    check(len(at) == 1, "%s: the sponsor warning once, got %d" % (what, len(at)))
    check(len(at) == 1 and at[0] + 1 < len(lines) and lines[at[0] + 1] == NOTE,
          "%s: the warning names the page in a note" % what)


def main():
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp()
    try:
        site = os.path.join(tmp, "site")
        shutil.copytree(os.path.join(HERE, "metrics"), site)
        os.makedirs(os.path.join(site, "plugins"), exist_ok=True)
        shutil.copy(os.path.join(ROOT, "plugins", "cohort_metrics.lua"),
                    os.path.join(site, "plugins"))
        edit(os.path.join(site, "site.yaml"), "group_by: [department]",
             "group_by: [department, sponsor]")
        alpha = os.path.join(site, "content", "projects", "alpha.md")
        edit(alpha, "\ncohort: 2023\n", "\nsponsor: {name: Acme}\ncohort: 2023\n")

        lines, by = build(binary, site, "clean build")
        warned_once(lines, "clean build")
        check(by.get("sponsor") == {}, "clean build: no sponsor group: %s" % by.get("sponsor"))
        check(by["department"]["Cardiology"]["projects"] == 4,
              "clean build: alpha still counts in its department (%s)"
              % by["department"]["Cardiology"]["projects"])
        check(by["cohort"]["2023"]["projects"] == 3, "clean build: and in its cohort")

        lines, _ = build(binary, site, "nothing changed")
        warned_once(lines, "nothing changed")

        edit(os.path.join(site, "content", "projects", "bravo.md"), "  need: 2023-02-01",
             "  need: 2023-01-31")
        lines, by = build(binary, site, "facts edit of another project")
        warned_once(lines, "facts edit of another project")
        check(by.get("sponsor") == {}, "facts edit of another project: still no sponsor group")

        edit(alpha, "sponsor: {name: Acme}", "sponsor: Acme")
        lines, by = build(binary, site, "sponsor as text")
        check(not any(WARNING.match(line) for line in lines), "sponsor as text: no warning")
        check(list(by.get("sponsor", {})) == ["Acme"]
              and by["sponsor"]["Acme"]["projects"] == 1,
              "sponsor as text: a group of one: %s" % list(by.get("sponsor", {})))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
