#!/usr/bin/python3
"""gantt_rows.py CONTENT_DIR PAGE [COHORT] - which projects a capped Gantt chart shows.

Reads the projects' front matter in CONTENT_DIR (the generated bench pages: title, slug,
cohort, stages) and checks that the first chart of the built page PAGE lists, as its rows
(data-project), the 100 latest of the published projects with a dated stage (of COHORT
only, when given), in start order: by first stage date, then title, then slug, as
plugins/stage_timeline.lua's gantt_model() sorts them. Prints what differs; exit 1 then."""
import os
import re
import sys

import yaml

MAX_ROWS = 100


def projects(content_dir, out_dir, cohort):
    rows = []
    for name in sorted(os.listdir(content_dir)):
        if not name.endswith(".md") or name.startswith("_"):
            continue
        with open(os.path.join(content_dir, name), encoding="utf-8") as f:
            front = next(yaml.safe_load_all(f.read().split("\n---\n")[0].lstrip("-\n")))
        slug = str(front["slug"])
        if not os.path.exists(os.path.join(out_dir, "projects", slug, "index.html")):
            continue  # not published
        if cohort is not None and str(front.get("cohort")) != cohort:
            continue
        dates = [str(d)[:10] for d in (front.get("stages") or {}).values() if d is not None]
        if dates:
            rows.append((min(dates), str(front["title"]).encode(), slug.encode()))
    rows.sort()
    return [slug.decode() for _, _, slug in rows[-MAX_ROWS:]]


def main():
    content_dir, page = sys.argv[1], sys.argv[2]
    cohort = sys.argv[3] if len(sys.argv) > 3 else None
    out_dir = page
    while not os.path.exists(os.path.join(out_dir, "sitemap.xml")):
        out_dir = os.path.dirname(out_dir)
    want = projects(content_dir, out_dir, cohort)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    row = html.find('class="cf-row"')
    svg = html[html.rfind("<svg", 0, row):html.find("</svg>", row)] if row >= 0 else ""  # the wide one
    got = re.findall(r'<g class="cf-row" data-project="([^"]*)"', svg)
    if got != want:
        print("rows %d, want %d; first difference at %s" % (
            len(got), len(want),
            next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))))
        print("got  ", got[:5], "...", got[-3:])
        print("want ", want[:5], "...", want[-3:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
