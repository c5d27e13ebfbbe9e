#!/usr/bin/python3
"""chartcheck.py SITE_DIR CONTENT_DIR - check the inline SVG charts of a built site.

Every <svg class="cf-chart ..."> must parse as XML with libxml2 (xmllint). Timeline and
Gantt marks (circle.cf-mark with data-date) must sit in date order on the x axis (equal
dates at equal x), one mark per dated stage of the project, as the project's front matter
in CONTENT_DIR says. Funnel bars on the home page and on /cohorts/<c>/ pages must count
the projects (drafts excluded) of the site or of cohort <c> that have a date for that
stage. Fails when no timeline is found at all. Run with /usr/bin/python3 (python3-yaml).
Exit 0 clean, 1 problems."""
import datetime
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

SVG = "{http://www.w3.org/2000/svg}"
CHART = re.compile(r'<svg\b[^>]*class="cf-chart[^"]*".*?</svg>', re.S)


def front_matter(path):
    text = open(path, encoding="utf-8").read()
    if not text.startswith("---"):
        return {}
    return yaml.safe_load(text.split("\n---", 1)[0][3:]) or {}


def projects(content):
    """slug -> front matter of every published project."""
    out = {}
    for path in glob.glob(os.path.join(content, "projects", "*.md")):
        name = os.path.basename(path)
        if name.startswith("_") or name.lower() == "readme.md":
            continue
        fm = front_matter(path)
        if fm.get("draft"):
            continue
        out[str(fm.get("slug") or name[:-3])] = fm
    return out


def dated_stages(fm):
    stages = fm.get("stages") or {}
    out = {}
    for key, v in stages.items():
        d = v.get("date") if isinstance(v, dict) else v
        if isinstance(d, (datetime.date, datetime.datetime)):
            out[key] = str(d)[:10]
    return out


def check_marks(marks, where, problems):
    """Marks in date order must have non-decreasing x; equal dates, equal x."""
    pts = sorted((m.get("data-date"), float(m.get("cx"))) for m in marks)
    for (d1, x1), (d2, x2) in zip(pts, pts[1:]):
        if (d1 == d2 and x1 != x2) or (d1 < d2 and x1 > x2):
            problems.append(f"{where}: mark {d2} at x={x2} is not right of {d1} at x={x1}")


def main():
    site, content = sys.argv[1], sys.argv[2]
    all_projects = projects(content)
    problems, charts, timelines = [], 0, 0
    for path in sorted(glob.glob(os.path.join(site, "**", "*.html"), recursive=True)):
        rel = os.path.relpath(path, site)
        html = open(path, encoding="utf-8").read()
        for n, svg in enumerate(CHART.findall(html), 1):
            charts += 1
            where = f"{rel} chart {n}"
            lint = subprocess.run(["xmllint", "--noout", "-"], input=svg.encode(),
                                  capture_output=True)
            if lint.returncode:
                problems.append(f"{where}: not well-formed XML: {lint.stderr.decode()[:300]}")
                continue
            root = ET.fromstring(svg)
            kind = root.get("class", "")
            marks = [c for c in root.iter(SVG + "circle") if "cf-mark" in c.get("class", "")]
            if "cf-timeline" in kind:
                timelines += 1
                check_marks(marks, where, problems)
                m = re.match(r"projects/([^/]+)/index\.html$", rel)
                if m and m.group(1) in all_projects:
                    want = dated_stages(all_projects[m.group(1)])
                    got = {c.get("data-stage"): c.get("data-date") for c in marks}
                    if got != want or len(marks) != len(want):
                        problems.append(f"{where}: marks {sorted(got.items())}, "
                                        f"want {sorted(want.items())}")
            elif "cf-gantt" in kind:
                for row in root.iter(SVG + "g"):
                    if "cf-row" not in row.get("class", ""):
                        continue
                    slug = row.get("data-project")
                    rmarks = [c for c in row.iter(SVG + "circle")
                              if "cf-mark" in c.get("class", "")]
                    check_marks(rmarks, f"{where} row {slug}", problems)
                    want = dated_stages(all_projects.get(slug, {}))
                    if len(rmarks) != len(want):
                        problems.append(f"{where} row {slug}: {len(rmarks)} marks, "
                                        f"want {len(want)}")
            elif "cf-funnel" in kind:
                m = re.match(r"cohorts/([^/]+)/index\.html$", rel)
                if rel != "index.html" and not m:
                    continue  # a funnel in prose: its cohort is not known here
                members = [fm for fm in all_projects.values()
                           if not m or str(fm.get("cohort")) == m.group(1)]
                for bar in root.iter(SVG + "rect"):
                    if "cf-funnel-bar" not in bar.get("class", ""):
                        continue
                    key = bar.get("data-stage")
                    want = sum(1 for fm in members if key in dated_stages(fm))
                    if int(bar.get("data-count")) != want:
                        problems.append(f"{where}: funnel {key} counts "
                                        f"{bar.get('data-count')}, want {want}")
    if timelines == 0:
        problems.append("no timeline chart found in the site")
    for p in problems:
        print(f"chartcheck: {p}")
    print(f"chartcheck: {charts} charts ({timelines} timelines), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
