#!/usr/bin/env python3
# theme_lists_test.py CLINFOLIO - the default theme's lists and summaries on the demo site
# (issue 12), built into a temporary folder, in both languages:
#  - /projects/: one table, cohorts newest first (2024, 2023, 2022), every project once, and
#    what js/project-list.js filters and sorts by: a facet for cohort, department, status
#    and furthest stage in every row, its sort keys, the form hidden until the script runs;
#  - /cohorts/ and /departments/: one row per term with the figures of metrics.json
#    (projects, reached the conversion stage, conversion rate, median days to it) and a bar
#    as long as the term's share of the largest term's projects;
#  - the tables stacked on phones name every cell's column (data-label);
#  - a project's lead (and a report's abstract) only when its summary is written in front
#    matter: a summary taken from the body (page.summary_auto) is not shown twice.
# Prints "N passed, N failed".
import html.parser
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", CLINFOLIO_DATADIR=ROOT)


def read(path):
    return pathlib.Path(path).read_text(encoding="utf-8")


class Rows(html.parser.HTMLParser):
    """The rows of every <table> of a page: for each <tr>, its attributes and its cells as
    (tag, attributes, text, inner HTML-ish tags seen)."""

    def __init__(self):
        super().__init__()
        self.tables, self.row, self.cell, self.open = [], None, None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"class": a.get("class", ""), "rows": []})
            self.open += 1
        elif tag == "tr" and self.open:  # not the row shape in a <template> after it
            self.row = {"attrs": a, "cells": []}
            self.tables[-1]["rows"].append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = {"tag": tag, "attrs": a, "text": "", "inner": []}
            self.row["cells"].append(self.cell)
        elif self.cell is not None:
            self.cell["inner"].append((tag, a))

    def handle_endtag(self, tag):
        if tag == "table":
            self.open -= 1
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def tables(text):
    p = Rows()
    p.feed(text)
    return p.tables


def front_matter(path):
    text = read(path)
    return yaml.safe_load(text.split("---", 2)[1]) or {}


tmp = tempfile.mkdtemp(prefix="clinfolio-lists-")
try:
    out = os.path.join(tmp, "out")
    p = subprocess.run([BIN, "build", "-q", "-s", ROOT, "-o", out], capture_output=True,
                       text=True, env=ENV)
    check(p.returncode == 0 and p.stderr == "", "the demo builds without diagnostics: " + p.stderr)

    def page(rel):
        path = os.path.join(out, rel)
        return read(path) if os.path.isfile(path) else ""

    def main(rel):
        return page(rel).split("<main", 1)[-1].split("</main>", 1)[0]

    metrics = json.loads(page("metrics.json") or "{}")
    by = metrics.get("by", {})
    conv = metrics.get("conversion_stage", "transfer")
    site = yaml.safe_load(read(os.path.join(ROOT, "site.yaml")))
    dept_tax = [t for t in site["taxonomies"] if t["name"] == "department"][0]
    dept_en = {v["zh"]: v["en"] for v in dept_tax["terms"].values()}
    dept_slug = {v["zh"]: k for k, v in dept_tax["terms"].items()}
    # every project: a file <name>.md or a page bundle <name>/index.md
    pdir = os.path.join(ROOT, "content", "projects")
    paths = {f[:-3]: os.path.join(pdir, f) for f in os.listdir(pdir)
             if f.endswith(".md") and not f.startswith("_") and not f.endswith(".en.md")}
    paths.update({f: os.path.join(pdir, f, "index.md") for f in os.listdir(pdir)
                  if os.path.isfile(os.path.join(pdir, f, "index.md"))})
    sources = sorted(paths)
    # a published project's URL: its `slug` when it has one, else the file or folder name
    fm = {f: front_matter(paths[f]) for f in sources}
    slugs = {f: fm[f].get("slug", f) for f in sources if not fm[f].get("draft")}
    projects = sorted(slugs.values())

    # --- /projects/: cohorts newest first, every project once ---
    for lang, prefix in (("zh", ""), ("en", "en/")):
        rel = prefix + "projects/index.html"
        years = []
        for y in re.findall(r'href="/%scohorts/(\d{4})/"' % prefix, main(rel)):
            if y not in years:
                years.append(y)
        check(years == ["2024", "2023", "2022"], "%s: cohorts newest first: %s" % (rel, years))
        listed = re.findall(r'<th scope="row">(?:<picture class="plist__thumb">.*?</picture>)?'
                            r'<a href="/(?:en/)?projects/([^/"]+)/"', main(rel))
        check(sorted(listed) == projects, "%s: every project once (%d of %d)"
              % (rel, len(listed), len(projects)))
        plist = [t for t in tables(main(rel)) if "table--plist" in t["class"]]
        check(len(plist) == 1, "%s: one project table" % rel)
        rows = plist[0]["rows"][1:] if plist else []
        check(len(rows) == len(projects), "%s: a row per project (%d)" % (rel, len(rows)))
        # the rows' cohorts in order: each row's cohort no newer than the one before
        orders = [int(r["attrs"].get("data-cohort-order", -1)) for r in rows]
        check(orders == sorted(orders, reverse=True) and orders and min(orders) >= 1,
              "%s: rows ordered by cohort, newest first: %s" % (rel, orders))
        # what the script filters and sorts by, and the column of every cell
        for r in rows:
            facets = {a.get("data-facet"): a.get("data-value") for c in r["cells"]
                      for _, a in c["inner"] if a.get("data-facet")}
            name = r["cells"][0]["text"].strip()
            check(set(facets) == {"cohort", "department", "status", "stage"} and all(facets.values()),
                  "%s: %s has the four facets: %s" % (rel, name, facets))
            check(r["attrs"].get("data-stage-order", "0") != "0" and "data-days" in r["attrs"],
                  "%s: %s has its sort keys: %s" % (rel, name, r["attrs"]))
            check(all(c["attrs"].get("data-label") for c in r["cells"] if c["tag"] == "td"),
                  "%s: %s names the column of every cell" % (rel, name))
        en_depts = {a.get("data-value") for r in rows for c in r["cells"] for _, a in c["inner"]
                    if a.get("data-facet") == "department"}
        check(en_depts == set(dept_slug.values()), "%s: departments filtered by their term: %s"
              % (rel, sorted(en_depts)))
        html = page(rel)
        check(re.search(r'<form class="plist__tools" hidden data-plist-tools>', html) and
              ' hidden' not in "".join(re.findall(r"<tr[^>]*>", html)),
              "%s: without JavaScript the filters are hidden and every row shown" % rel)
        check('<script src="/js/project-list.js" defer></script>' in html,
              "%s: the list's script, deferred" % rel)
        check('aria-sort="descending">' in html and html.count("data-sort-key=") == 4,
              "%s: four sortable columns, the cohort's sorted (aria-sort)" % rel)
    check(os.path.isfile(os.path.join(out, "js", "project-list.js")), "js/project-list.js is copied")

    # --- /cohorts/ and /departments/: a row per term with its figures and a bar ---
    def term_rows(rel):
        t = [t for t in tables(main(rel)) if "table--terms" in t["class"]]
        return t[0]["rows"][1:] if t else []

    def cell(row, label_start):
        for c in row["cells"]:
            if c["attrs"].get("data-label", "").startswith(label_start):
                return c
        return None

    for rel, group, names in [
            ("cohorts/index.html", "cohort", ["2024批次", "2023批次", "2022批次"]),
            ("en/cohorts/index.html", "cohort", ["Cohort 2024", "Cohort 2023", "Cohort 2022"]),
            ("departments/index.html", "department", None),
            ("en/departments/index.html", "department", None)]:
        rows = term_rows(rel)
        en = rel.startswith("en/")
        groups = by.get(group, {})
        check(len(rows) == len(groups) and len(rows) >= 3,
              "%s: one row per term (%d rows, %d groups)" % (rel, len(rows), len(groups)))
        shown = [r["cells"][0]["text"].strip() for r in rows]
        if names:
            check(shown == names, "%s: cohorts newest first: %s" % (rel, shown))
        most = max((g["projects"] for g in groups.values()), default=1)
        for key, g in groups.items():
            name = ("Cohort " + key if en else key + "批次") if group == "cohort" else (
                dept_en[key] if en else key)
            row = [r for r in rows if r["cells"][0]["text"].strip() == name]
            check(len(row) == 1, "%s: a row for %s" % (rel, name))
            if not row:
                continue
            row = row[0]
            projects_cell = cell(row, "Projects" if en else "项目数")
            rate_cell = cell(row, "Conversion rate" if en else "转化率")
            median_cell = cell(row, "Median days" if en else "到达")
            bar_cell = cell(row, "Reached" if en else "已到达")
            med = g["median_days"].get(conv)
            # whole days for the reader, halves rounded up (metrics.json keeps the exact one)
            want_med = (str(int(med + 0.5)) if med is not None else ("n/a" if en else "暂无"))
            got = [c["text"].strip() if c else None for c in (projects_cell, rate_cell, median_cell)]
            want = [str(g["projects"]), "%d%%" % round(g["conversion_rate"] * 100 + 1e-9), want_med]
            check(got == want, "%s: %s: projects, conversion rate, median days %s (metrics.json: %s)"
                  % (rel, name, got, want))
            styles = [a.get("style", "") for _, a in (bar_cell or {"inner": []})["inner"]]
            width = round(g["projects"] * 100 / most, 1)
            fill = round(g["stages"][conv] * 100 / g["projects"], 1) if g["projects"] else 0
            fmt = lambda x: ("%.1f" % x).rstrip("0").rstrip(".")  # noqa: E731
            check(styles[:2] == ["width: %s%%" % fmt(width), "width: %s%%" % fmt(fill)],
                  "%s: %s: the bar %s%% long, %s%% filled: %s" % (rel, name, fmt(width), fmt(fill), styles))
            reached = "%d of %d" % (g["stages"][conv], g["projects"]) if en else "%d/%d" % (
                g["stages"][conv], g["projects"])
            check(bar_cell is not None and reached in bar_cell["text"],
                  "%s: %s: reached %s in words" % (rel, name, reached))
        check(re.search(r"<caption>[^<]+</caption>", main(rel)) is not None, rel + ": the table has a caption")

    # --- tables stacked on phones: every cell names its column ---
    for rel, cls in [("index.html", "table--metrics"), ("en/index.html", "table--metrics"),
                     ("cohorts/2023/index.html", "table--cohort"),
                     ("en/cohorts/2023/index.html", "table--cohort")]:
        ts = [t for t in tables(main(rel)) if cls in t["class"]]
        check(ts and "table--stack" in ts[0]["class"], "%s: the %s table stacks" % (rel, cls))
        cells = [c for t in ts for r in t["rows"] for c in r["cells"] if c["tag"] == "td"]
        check(cells and all(c["attrs"].get("data-label") for c in cells),
              "%s: every cell of the %s table names its column (%d)" % (rel, cls, len(cells)))

    # --- summaries: the lead only when written; a summary from the body is not repeated ---
    lead_re = re.compile(r'<header class="page-header">.*?</header>', re.S)
    checked = 0
    for source, slug in sorted(slugs.items()):
        for lang, suffix, prefix in (("zh", ".md", ""), ("en", ".en.md", "en/")):
            src = paths[source][:-3] + suffix  # beside the original: x.en.md or x/index.en.md
            if not os.path.isfile(src):
                continue
            written = front_matter(src).get("summary")
            header = lead_re.search(page(prefix + "projects/%s/index.html" % slug))
            header = header.group(0) if header else ""
            has_lead = '<p class="lead"' in header
            checked += 1
            if written:
                check(has_lead, "%sprojects/%s: the written summary is the lead" % (prefix, slug))
            else:
                check(not has_lead, "%sprojects/%s: no lead (the summary is the body's first "
                      "paragraph: page.summary_auto)" % (prefix, slug))
    check(checked >= 27, "summaries of %d project pages checked" % checked)
    for prefix in ("", "en/"):
        rep = page(prefix + "reports/2024-programme-evaluation/index.html")
        check('class="report__standfirst"' in rep or 'class="report__abstract"' in rep,
              prefix + "reports: the written summary is shown")

    # --- a cohort over several pages: its charts on the first page only ---
    site2 = os.path.join(tmp, "paged")
    os.mkdir(site2)
    for name in ("content", "themes", "plugins"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(site2, name))
    with open(os.path.join(site2, "site.yaml"), "w", encoding="utf-8") as f:
        f.write(read(os.path.join(ROOT, "site.yaml")) + "\npaginate: 3\n")
    out2 = os.path.join(tmp, "paged-out")
    p = subprocess.run([BIN, "build", "-q", "-s", site2, "-o", out2], capture_output=True,
                       text=True, env=ENV)
    check(p.returncode == 0 and p.stderr == "", "paginate 3: builds: " + p.stderr)
    for prefix in ("", "en/"):
        first = read(os.path.join(out2, prefix + "cohorts/2023/index.html"))
        second_path = os.path.join(out2, prefix + "cohorts/2023/page/2/index.html")
        second = read(second_path) if os.path.isfile(second_path) else ""
        check('id="stages-title"' in first and 'id="gantt-title"' in first
              and first.count('class="cf-chart') >= 4,
              "%scohorts/2023/: the funnel and the Gantt chart on the first page" % prefix)
        rows = [r for t in tables(second) for r in t["rows"]
                if any(c["tag"] == "td" for c in r["cells"])]
        check(second and 'class="cf-chart' not in second and 'id="gantt-title"' not in second
              and 'href="/%scohorts/2023/#stages-title"' % prefix in second
              and 0 < len(rows) <= 3,
              "%scohorts/2023/page/2/: no chart, a link to them, its %d rows" % (prefix, len(rows)))
finally:
    shutil.rmtree(tmp)
sys.exit(done())
