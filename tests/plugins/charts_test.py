#!/usr/bin/python3
"""charts_test.py CLINFOLIO [PLUGINS_DIR] - the bundled plugins' charts and numbers (issue 12).

Builds tests/plugins/charts/ (a copy, with the repository's themes/ and PLUGINS_DIR,
default plugins/) in English and in Chinese and checks, in every chart SVG, the layout
the plugin computed: with the plugin's own estimate of a text's box (plugins/
stage_timeline.lua, "Text boxes": the same widths per character, 1.16 em above the
baseline and 0.34 below), no two texts overlap, no text touches a mark (circle), a bar
or a line (the timeline's path, guides, grid and axis), every text stays inside the
viewBox, and no two marks overlap (the fixture's short project has stages a day apart
and two on one date: one mark). Gantt rows link their project pages and carry the full
name in <title>; no SVG has a font-family attribute. The shortcodes write money by the
theme's rule (1,200,000 CNY / 120万元, reading site.i18n) and medians in whole days
(253.5 -> 254), while metrics.json keeps 253.5 and lists each group's median_days in
site.yaml's stage order. Ends with "N passed, N failed"."""
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from tally import check, done  # noqa: E402


# the plugin's estimate of a character's advance, in em
NARROW_CHARS = {0x20: .32, 0x2C: .32, 0x2E: .32, 0x3A: .34, 0x3B: .34, 0x28: .39, 0x29: .39,
                0x2D: .37, 0x27: .28, 0x69: .28, 0x6A: .28, 0x6C: .28, 0x66: .36, 0x74: .4,
                0x72: .42, 0xB7: .32}
WIDE_CHARS = {0x6D: .98, 0x77: .82, 0x4D: .87, 0x57: .99, 0x25: .95, 0x2B: .84, 0x3D: .84,
              0x3C: .84, 0x3E: .84, 0x23: .84, 0x40: 1.0, 0x26: .78, 0x2026: 1.0}


def char_em(cp):
    if cp in NARROW_CHARS:
        return NARROW_CHARS[cp]
    if cp in WIDE_CHARS:
        return WIDE_CHARS[cp]
    if cp >= 0x2E80:
        return 1.0
    if 0x30 <= cp <= 0x39:
        return .64
    if 0x41 <= cp <= 0x5A:
        return .78
    if 0x61 <= cp <= 0x7A:
        return .64
    return .5 if cp < 0x80 else .72


def text_box(t, root_size):
    size = float(t.get("font-size") or root_size)
    w = sum(char_em(ord(c)) for c in (t.text or "")) * size
    x, y = float(t.get("x")), float(t.get("y"))
    anchor = t.get("text-anchor") or "start"
    left = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
    return (left, y - 1.16 * size, left + w, y + .34 * size)


def boxes_overlap(a, b):
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.01 and min(a[3], b[3]) - max(a[1], b[1]) > 0.01


def segment_hits_box(p, q, box):
    """Liang-Barsky: does the segment p-q cross the inside of box?"""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    t0, t1 = 0.0, 1.0
    for pk, qk in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if pk == 0:
            if qk <= 0:
                return False
        else:
            r = qk / pk
            if pk < 0:
                t0 = max(t0, r)
            else:
                t1 = min(t1, r)
    return t1 - t0 > 1e-9


def disc_hits_box(cx, cy, r, box):
    dx = max(box[0] - cx, 0, cx - box[2])
    dy = max(box[1] - cy, 0, cy - box[3])
    return math.hypot(dx, dy) < r


def check_layout(svg, where):
    root = ET.fromstring(svg)
    size = float(root.get("font-size") or 16)
    vb = [float(v) for v in root.get("viewBox").split()]
    texts = [(t.text, text_box(t, size)) for t in root.iter(SVG + "text") if (t.text or "").strip()]
    discs = [(c.get("data-date") or "circle", float(c.get("cx")), float(c.get("cy")),
              float(c.get("r")) + float(c.get("stroke-width") or 0) / 2) for c in root.iter(SVG + "circle")]
    segments = []
    for ln in root.iter(SVG + "line"):
        segments.append((ln.get("class"), (float(ln.get("x1")), float(ln.get("y1"))),
                         (float(ln.get("x2")), float(ln.get("y2")))))
    for pl in root.iter(SVG + "polyline"):
        pts = [tuple(float(v) for v in p.split(",")) for p in pl.get("points").split()]
        segments += [(pl.get("class"), a, b) for a, b in zip(pts, pts[1:])]
    rects = [(r.get("class"), (float(r.get("x")), float(r.get("y")),
                               float(r.get("x")) + float(r.get("width")),
                               float(r.get("y")) + float(r.get("height")))) for r in root.iter(SVG + "rect")]
    problems = []
    for i, (s, b) in enumerate(texts):
        if b[0] < -0.01 or b[2] > vb[2] + 0.01 or b[1] < -0.01 or b[3] > vb[3] + 0.01:
            problems.append(f"text {s!r} outside the viewBox {vb}: {b}")
        for s2, b2 in texts[i + 1:]:
            if boxes_overlap(b, b2):
                problems.append(f"texts {s!r} and {s2!r} overlap")
        for d, cx, cy, r in discs:
            if disc_hits_box(cx, cy, r, b):
                problems.append(f"text {s!r} on the mark {d}")
        for cls, p, q in segments:
            if segment_hits_box(p, q, b):
                problems.append(f"text {s!r} on a line ({cls})")
        for cls, rb in rects:
            if boxes_overlap(b, rb):
                problems.append(f"text {s!r} on a bar ({cls})")
    for i, (d, x, y, r) in enumerate(discs):
        for d2, x2, y2, r2 in discs[i + 1:]:
            if math.hypot(x - x2, y - y2) < r + r2:
                problems.append(f"marks {d} and {d2} overlap")
    check(not problems, f"{where}: laid out apart" + "".join("\n    " + p for p in problems[:8]))
    check(not any(e.get("font-family") is not None for e in root.iter()),
          f"{where}: no font-family attribute")
    return root


CHART = re.compile(r'<svg\b[^>]*class="cf-chart[^"]*".*?</svg>', re.S)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def build(tmp, clinfolio, plugins, lang):
    site = os.path.join(tmp, "site-" + lang)
    shutil.copytree(os.path.join(HERE, "charts"), site)
    shutil.copytree(os.path.join(ROOT, "themes"), os.path.join(site, "themes"))
    shutil.copytree(plugins, os.path.join(site, "plugins"))
    if lang == "zh":
        text = read(os.path.join(site, "site.yaml")).replace("language: en", "language: zh")
        with open(os.path.join(site, "site.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
    out = os.path.join(tmp, "out-" + lang)
    run = subprocess.run([clinfolio, "build", "-q", "-s", site, "-o", out], capture_output=True, text=True)
    check(run.returncode == 0, f"{lang}: the fixture builds: {run.stderr[:500]}")
    return out, site


def main():
    clinfolio = os.path.abspath(sys.argv[1])
    plugins = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "plugins"))
    tmp = tempfile.mkdtemp(prefix="charts-test-")
    try:
        for lang in ("en", "zh"):
            out, site = build(tmp, clinfolio, plugins, lang)
            if not os.path.isdir(out):
                continue
            titles = {}
            for name in os.listdir(os.path.join(site, "content", "projects")):
                m = re.search(r"^title: (.*)$", read(os.path.join(site, "content", "projects", name)), re.M)
                titles[name[:-3]] = m.group(1)
            pages = ["about/index.html", "index.html", "projects/blink/index.html",
                     "projects/goggles/index.html", "cohorts/2024/index.html"]
            seen = set()
            for rel in pages:
                html = read(os.path.join(out, rel))
                for n, svg in enumerate(CHART.findall(html), 1):
                    where = f"{lang} {rel} chart {n}"
                    root = check_layout(svg, where)
                    cls = root.get("class").split()
                    seen.add(" ".join(c for c in cls if c != "cf-chart"))
                    if "cf-gantt" in cls:
                        for row in root.iter(SVG + "g"):
                            slug = row.get("data-project")
                            a = row.find(SVG + "a")
                            check(a is not None and a.get("href") == f"/projects/{slug}/",
                                  f"{where}: row {slug} links its page")
                            if a is None:
                                continue
                            title = a.find(SVG + "title")
                            check(title is not None and title.text == titles[slug],
                                  f"{where}: row {slug} has its full name in <title>")
                            shown = [t.text for t in a.iter(SVG + "text") if "cf-label" in t.get("class", "")]
                            joined = re.sub(r"\s+", " ", " ".join(shown)).rstrip("…").replace("… ", "")
                            full = re.sub(r" ?(\(|\)) ?", r"\1", titles[slug])
                            check(re.sub(r" ?(\(|\)) ?", r"\1", joined).replace(" ", "") in
                                  full.replace(" ", "") and len(shown) <= 3,
                                  f"{where}: row {slug} shows its name on up to 3 lines: {shown}")
                    if "cf-timeline" in cls and rel == "projects/blink/index.html":
                        keys = sorted(c.get("data-stage") for c in root.iter(SVG + "circle"))
                        check(keys == sorted(["need", "idea", "design", "prototype", "patent_filed"]),
                              f"{where}: one timeline mark per stage: {keys}")
                    if "cf-gantt" in cls:
                        blink = [r for r in root.iter(SVG + "g") if r.get("data-project") == "blink"]
                        if blink:
                            marks = [(c.get("data-stage"), c.get("data-date")) for c in blink[0].iter(SVG + "circle")]
                            check(("design prototype", "2024-03-03") in marks and len(marks) == 4,
                                  f"{where}: the two stages of 2024-03-03 share one Gantt mark: {marks}")
            for kind in ("cf-timeline", "cf-gantt", "cf-funnel"):
                for variant in ("cf-wide", "cf-narrow"):
                    check(f"{kind} {variant}" in seen, f"{lang}: a {kind} {variant} chart was checked")

            about = read(os.path.join(out, "about/index.html"))
            if lang == "en":
                check("Funding: 1,200,000 CNY and 6,500.5 USD." in about, "en: money as the theme writes it")
                check("Median to transfer: 254 days; as a number 254." in about,
                      "en: a median in whole days, half a day up (253.5 -> 254)")
                check("<td>254</td></tr>" in about and "253.5" not in about.split("<svg")[0],
                      "en: metrics_table: median days whole")
            else:
                check("Funding: 120万元 and 6500.5美元." in about, "zh: money as the theme writes it")
                check("Median to transfer: 254天; as a number 254." in about, "zh: a median in whole days")
            metrics = json.loads(read(os.path.join(out, "metrics.json")))
            check(metrics["overall"]["median_days"]["transfer"] == 253.5,
                  f"{lang}: metrics.json keeps the exact median")
            order = ["need", "idea", "design", "prototype", "patent_filed", "clinical", "transfer"]
            text = read(os.path.join(out, "metrics.json"))
            blocks = [re.findall(r'"(\w+)":', b) for b in re.findall(r'"median_days": \{(.*?)\}', text, re.S)]
            check(blocks and all(keys == [k for k in order if k in keys] for keys in blocks) and
                  len(blocks[-1]) == 7, f"{lang}: metrics.json median_days in stage order: {blocks}")

        # money reads the site's interface texts (site.i18n): a site's own i18n/en.yaml
        site = os.path.join(tmp, "site-en")
        os.makedirs(os.path.join(site, "i18n"), exist_ok=True)
        with open(os.path.join(site, "i18n", "en.yaml"), "w", encoding="utf-8") as f:
            f.write('number_thousands_sep: "\u202f"\ncurrency_cny: yuan\n')
        out = os.path.join(tmp, "out-i18n")
        run = subprocess.run([clinfolio, "build", "-q", "-s", site, "-o", out], capture_output=True, text=True)
        check(run.returncode == 0 and "Funding: 1\u202f200\u202f000 yuan and 6\u202f500.5 USD." in
              read(os.path.join(out, "about/index.html")), "money with the site's i18n texts")
    finally:
        shutil.rmtree(tmp)
    return done()


if __name__ == "__main__":
    sys.exit(main())
