#!/usr/bin/python3
"""chartcheck.py SITE_DIR CONTENT_DIR - check the inline SVG charts of a built site.

Every <svg class="cf-chart ..."> must parse as XML with libxml2 (xmllint), have no
font-family attribute (it takes the page's fonts), and come as a pair: a cf-wide SVG
followed by a cf-narrow one with the same accessible name (the narrow one hidden by
display="none" until a stylesheet shows it). Timeline and Gantt marks (circle.cf-mark
with data-date; data-stage lists the keys of the stages of that date) must sit in date
order on the x axis (equal dates at equal x), the marks of a Gantt row apart (no two
discs overlap), and name every dated stage of the project once with its date, as the
project's front matter in CONTENT_DIR says (a timeline has one mark per stage). Funnel
bars on the home page and on /cohorts/<c>/ pages must count the projects (drafts
excluded) of the site or of cohort <c> that have a date for that stage. Fails when no
timeline is found at all. Run with /usr/bin/python3 (python3-yaml). Exit 0 clean, 1
problems."""
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
    """slug -> front matter of every published project: a file projects/<name>.md or a page
    bundle projects/<name>/index.md (its slug the folder's name)."""
    out = {}
    files = [(p, os.path.basename(p)[:-3]) for p in glob.glob(os.path.join(content, "projects", "*.md"))]
    files += [(p, os.path.basename(os.path.dirname(p)))
              for p in glob.glob(os.path.join(content, "projects", "*", "index.md"))]
    for path, name in files:
        if name.startswith("_") or name.lower() == "readme":
            continue
        fm = front_matter(path)
        if fm.get("draft"):
            continue
        out[str(fm.get("slug") or name)] = fm
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


def mark_stages(marks, where, problems):
    """stage -> date of the marks (data-stage: the keys of one date); a stage twice is wrong."""
    got = {}
    for m in marks:
        for key in (m.get("data-stage") or "").split():
            if key in got:
                problems.append(f"{where}: stage {key} marked twice")
            got[key] = m.get("data-date")
    return got


def check_apart(marks, where, problems):
    """No two marks of a row overlap."""
    discs = [(float(m.get("cx")), float(m.get("cy")), float(m.get("r")), m.get("data-date"))
             for m in marks]
    for i, (x1, y1, r1, d1) in enumerate(discs):
        for x2, y2, r2, d2 in discs[i + 1:]:
            if ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 < r1 + r2:
                problems.append(f"{where}: marks {d1} and {d2} overlap")


def main():
    site, content = sys.argv[1], sys.argv[2]
    all_projects = projects(content)
    problems, charts, timelines = [], 0, 0
    for path in sorted(glob.glob(os.path.join(site, "**", "*.html"), recursive=True)):
        rel = os.path.relpath(path, site)
        html = open(path, encoding="utf-8").read()
        variants = []
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
            if any(e.get("font-family") is not None for e in root.iter()):
                problems.append(f"{where}: a font-family attribute (the chart takes the page's fonts)")
            variants.append((where, kind, root.get("aria-label"), root.get("display")))
            marks = [c for c in root.iter(SVG + "circle") if "cf-mark" in c.get("class", "")]
            if "cf-timeline" in kind:
                timelines += 1
                check_marks(marks, where, problems)
                m = re.match(r"projects/([^/]+)/index\.html$", rel)
                if m and m.group(1) in all_projects:
                    want = dated_stages(all_projects[m.group(1)])
                    got = mark_stages(marks, where, problems)
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
                    check_apart(rmarks, f"{where} row {slug}", problems)
                    want = dated_stages(all_projects.get(slug, {}))
                    got = mark_stages(rmarks, f"{where} row {slug}", problems)
                    if got != want or len(rmarks) != len(set(want.values())):
                        problems.append(f"{where} row {slug}: {len(rmarks)} marks for "
                                        f"{sorted(got.items())}, want {sorted(want.items())} "
                                        f"(one mark per date)")
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
        # each chart is a wide SVG and then a narrow one with the same name, hidden
        # without a stylesheet
        for i in range(0, len(variants), 2):
            pair = variants[i:i + 2]
            wide, narrow = pair[0], pair[1] if len(pair) > 1 else None
            kinds = [k for k in wide[1].split() if k in ("cf-timeline", "cf-gantt", "cf-funnel")]
            if ("cf-wide" not in wide[1].split() or narrow is None or
                    "cf-narrow" not in narrow[1].split() or
                    kinds[:1] != [k for k in narrow[1].split() if k in kinds] or
                    wide[2] != narrow[2] or wide[3] is not None or narrow[3] != "none"):
                problems.append(f"{wide[0]}: not a cf-wide chart followed by its cf-narrow "
                                f"variant (display=none): {wide[1:]} / {narrow and narrow[1:]}")
                break
    if timelines == 0:
        problems.append("no timeline chart found in the site")
    for p in problems:
        print(f"chartcheck: {p}")
    print(f"chartcheck: {charts} charts ({timelines} timelines), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
