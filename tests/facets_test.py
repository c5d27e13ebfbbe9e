#!/usr/bin/env python3
# facets_test.py CLINFOLIO [--browser] - the project list's filters (issue 14, part 4):
#  - a copy of the demo at paginate: 5 (27 projects, two languages, eight with pictures):
#    facets/zh/ and facets/en/ hold index.json and rows-0.json; every project's cohort,
#    department (declared terms: 麻醉科 is anesthesiology), status and furthest stage,
#    recounted here from the front matter, are the index's, and the counts of the facet
#    list on every page of the list (without JavaScript) are the recount's, cohorts and
#    departments linked to their pages; each row's title, URL, language, stages, date and
#    picture (the 480 px variant, which exists); the rows' pictures in the HTML list;
#  - the same bytes from -j 1 and -j 8; an unchanged rebuild keeps every file (same inode
#    and mtime); an edited cohort changes index.json to a clean build's;
#  - 450 generated projects (tests/bench/gen_corpus.py) in one language: three row files
#    (200, 200, 50), every file under 512 KB; without a department taxonomy the page's
#    department values, slugified and sorted, recounted;
#  - with --browser: tests/validate/facets.js in Chromium on both sites, given the recount
#    (choose a cohort, counts and rows across pages, the query string, a URL with a query
#    on page 3, back and forward, reload, pictures in the rows, JavaScript off).
# Prints "N passed, N failed".
import datetime
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

BIN = os.path.abspath(sys.argv[1])
BROWSER = "--browser" in sys.argv[2:]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import tally  # noqa: E402
from tally import check, done, copy_demo  # noqa: E402

FACETS = ["cohort", "department", "status", "stage"]
LIMIT = 512 * 1024


def build(site, out, *args):
    r = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out] + list(args),
                       capture_output=True, text=True)
    if r.returncode != 0 or r.stderr:
        print(r.stdout + r.stderr)
    return r.returncode == 0


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def slugify(s):
    """text_slugify for the names the fixtures use: ASCII letters and digits lower-cased,
    other letters kept, anything else a dash between words"""
    out, dash = [], False
    for ch in str(s):
        keep = ch.isascii() and ch.isalnum() or not ch.isascii() and ch.isalpha()
        if not keep:
            dash = True
            continue
        if dash and out:
            out.append("-")
        dash = False
        out.append(ch.lower() if ch.isascii() else ch)
    return "".join(out)


def front(path):
    text = read(path)
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    return yaml.safe_load(m.group(1)) if m else {}


def stage_keys(site):
    return [s["key"] for s in yaml.safe_load(read(os.path.join(site, "site.yaml")))["stages"]]


def declared(site, taxonomy):
    """slug of each name a declared term may be written as -> the term's slug"""
    cfg = yaml.safe_load(read(os.path.join(site, "site.yaml")))
    out = {}
    for t in cfg.get("taxonomies", []):
        if t["name"] == taxonomy:
            for slug, names in (t.get("terms") or {}).items():
                out[slugify(slug)] = slug
                for name in names.values():
                    out[slugify(name)] = slug
    return out


def projects(site):
    """every published project of the site, recounted from its front matter:
    {slug: {facets, title, titles by language, image, stages}}"""
    stages = stage_keys(site)
    depts = declared(site, "department")
    today = datetime.date.today()
    found = {}
    for path in sorted(glob.glob(os.path.join(site, "content", "projects", "**", "*.md"), recursive=True)):
        name = os.path.basename(path)
        if name.startswith("_index"):
            continue
        bundle = name.startswith("index.")
        stem = os.path.basename(os.path.dirname(path)) if bundle else name.split(".")[0]
        lang = name.split(".")[-2] if name.count(".") == 2 else None
        fm = front(path)
        p = found.setdefault(stem, {"titles": {}})
        if lang:
            p["titles"][lang] = fm.get("title")
            continue
        if fm.get("draft") or (isinstance(fm.get("date"), datetime.date) and fm["date"] > today):
            p["draft"] = True
        p["slug"] = fm.get("slug", stem)
        p["title"] = fm.get("title")
        p["image"] = bool(fm.get("image"))
        written = fm.get("stages") or {}
        dated = [k for k in stages if k in written and
                 (written[k].get("date") if isinstance(written[k], dict) else written[k]) is not None]
        p["stages"] = [stages.index(k) for k in dated]
        p["cohort"] = slugify(fm["cohort"]) if fm.get("cohort") is not None else None
        d = fm.get("department")
        d = [d] if isinstance(d, str) else d or []
        p["department"] = [depts.get(slugify(x), slugify(x)) for x in d] or None
        p["status"] = slugify(fm["status"]) if fm.get("status") else None
        p["stage"] = stages[p["stages"][-1]] if dated else None
    return {k: v for k, v in found.items() if "slug" in v and not v.get("draft")}


def url_of(p, lang, default):
    if lang != default and lang in p["titles"]:
        return "/%s/projects/%s/" % (lang, p["slug"])
    return "/projects/%s/" % p["slug"]


def decode(index):
    """{row number: {facet: [keys] or None, days}} of index.json"""
    out = []
    for p in index["projects"]:
        row = {}
        for k, name in enumerate(index["facets"]):
            v = p[k]
            vs = [] if v == -1 else [v] if isinstance(v, int) else v
            row[name] = [index["values"][k][i] for i in vs] or None
        row["days"] = p[len(index["facets"])]
        out.append(row)
    return out


def rows_of(folder, index):
    rows = []
    for k in range((index["count"] + index["rows"] - 1) // index["rows"]):
        rows.extend(load(os.path.join(folder, "rows-%d.json" % k)))
    return rows


def facet_lists(html):
    """{facet: {value: (label text, count, href or None)}} of the facet list of a page"""
    out = {}
    for facet, body in re.findall(r'<div class="plist__facet" data-facet-list="([a-z]+)">(.*?)</div>', html, re.S):
        out[facet] = {}
        for value, inner in re.findall(r'<li data-facet-value="([^"]+)"[^>]*>(.*?)</li>', body):
            href = re.search(r'<a href="([^"]+)">', inner)
            n = re.search(r"[(（](\d+)[)）]$", inner)
            out[facet][value] = (re.sub(r"<[^>]+>", "", inner), int(n.group(1)) if n else None,
                                 href.group(1) if href else None)
    return out


def recount(ps):
    counts = {f: {} for f in FACETS}
    for p in ps.values():
        for f in FACETS:
            vs = p[f] if f == "department" else [p[f]] if p[f] else None
            for v in vs or ["_none"]:
                counts[f][v] = counts[f].get(v, 0) + 1
    return counts


def check_demo(site, out, ps):
    cfg = yaml.safe_load(read(os.path.join(site, "site.yaml")))
    langs = [lang["code"] for lang in cfg["languages"]]
    want = recount(ps)
    for lang in langs:
        folder = os.path.join(out, "facets", lang)
        index = load(os.path.join(folder, "index.json"))
        check(index["version"] == 1 and index["count"] == len(ps) and index["facets"] == FACETS and
              index["rows"] == 200, "%s: index.json version 1, %d projects, the four facets: %r" %
              (lang, len(ps), {k: index[k] for k in ("version", "count", "facets")}))
        rows = rows_of(folder, index)
        got = decode(index)
        by_url = {url_of(p, lang, langs[0]): p for p in ps.values()}
        check(len(rows) == len(ps) and sorted(r[1] for r in rows) == sorted(by_url),
              "%s: one row per project, by URL" % lang)
        for row, facets in zip(rows, got):
            p = by_url.get(row[1])
            if not p:
                continue
            title = p["titles"].get(lang, p["title"]) if lang != langs[0] else p["title"]
            check(row[0] == title, "%s: %s: title %r, want %r" % (lang, row[1], row[0], title))
            for f in FACETS:
                w = p[f] if f == "department" else [p[f]] if p[f] else None
                check(facets[f] == w, "%s: %s: %s %r, want %r" % (lang, row[1], f, facets[f], w))
            check(row[3] == p["stages"], "%s: %s: stages reached %r, want %r" % (lang, row[1], row[3], p["stages"]))
            check(bool(row[5]) == p["image"], "%s: %s: a picture iff an image" % (lang, row[1]))
            if row[5]:
                src = row[5][0] if row[5][0].startswith("/") else row[1] + row[5][0]
                check(src.endswith("-480.jpg") and row[5][1] == 480 and row[5][3] == 1 and
                      os.path.isfile(os.path.join(out, src.lstrip("/"))) and
                      os.path.isfile(os.path.join(out, src.lstrip("/")[:-4] + ".webp")),
                      "%s: %s: the 480 px JPEG and WebP exist: %r" % (lang, row[1], row[5]))
        # the facet list of every page of the list: the whole list's counts
        prefix = "" if lang == langs[0] else lang + "/"
        pages = sorted(glob.glob(os.path.join(out, prefix + "projects", "index.html")) +
                       glob.glob(os.path.join(out, prefix + "projects", "page", "*", "index.html")))
        check(len(pages) == (len(ps) + 4) // 5, "%s: %d list pages at paginate 5" % (lang, len(pages)))
        for path in pages:
            lists = facet_lists(read(path))
            rel = os.path.relpath(path, out)
            check({f: {v: c for v, (_, c, _) in lists.get(f, {}).items()} for f in FACETS} == want,
                  "%s: the facet counts are the recount's: %r, want %r" % (rel, lists, want))
            links = [h for f in ("cohort", "department") for v, (_, _, h) in lists.get(f, {}).items() if v != "_none"]
            check(links and all(h and os.path.isfile(os.path.join(out, h.lstrip("/"), "index.html")) for h in links),
                  "%s: every cohort and department links to its page" % rel)
            check(all(h is None for f in ("status", "stage") for _, (_, _, h) in lists.get(f, {}).items()),
                  "%s: status and stage as counts" % rel)
        html = "".join(read(p) for p in pages)
        thumbs = re.findall(r'<picture class="plist__thumb"><source type="image/webp" srcset="[^"]+-480\.webp">'
                            r'<img src="[^"]+-480\.jpg" width="480" height="\d+" alt="" loading="lazy" decoding="async">', html)
        check(len(thumbs) == sum(p["image"] for p in ps.values()),
              "%s: one picture (480 px, alt empty, lazy) per project with an image in the list: %d" % (lang, len(thumbs)))
    return want


def tree(folder):
    out = {}
    for dirpath, _, names in os.walk(folder):
        for n in names:
            path = os.path.join(dirpath, n)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = f.read()
    return out


def stats(folder):
    return {rel: (os.stat(os.path.join(folder, rel)).st_ino, os.stat(os.path.join(folder, rel)).st_mtime_ns)
            for rel in tree(folder)}


def check_builds(site, out, tmp):
    one, eight = os.path.join(tmp, "j1"), os.path.join(tmp, "j8")
    check(build(site, one, "-j", "1") and build(site, eight, "-j", "8") and
          tree(os.path.join(one, "facets")) == tree(os.path.join(eight, "facets")),
          "the same facets files from -j 1 and -j 8")
    before = stats(os.path.join(out, "facets"))
    check(build(site, out) and stats(os.path.join(out, "facets")) == before,
          "an unchanged rebuild keeps every facets file (inode and mtime)")
    page = os.path.join(site, "content", "projects", "cranioplasty-mould.md")
    text = read(page)
    with open(page, "w", encoding="utf-8") as f:
        f.write(text.replace("cohort: 2023", "cohort: 2024", 1))
    old = read(os.path.join(out, "facets", "zh", "index.json"))
    clean = os.path.join(tmp, "clean")
    check(build(site, out) and build(site, clean, "--clean"), "builds after a cohort edit")
    new = read(os.path.join(out, "facets", "zh", "index.json"))
    check(new != old and new == read(os.path.join(clean, "facets", "zh", "index.json")),
          "the edit changes index.json to the clean build's")
    lists = facet_lists(read(os.path.join(out, "projects", "page", "2", "index.html")))
    old_lists = facet_lists(read(os.path.join(one, "projects", "page", "2", "index.html")))
    check(lists["cohort"]["2024"][1] == old_lists["cohort"]["2024"][1] + 1 and
          lists["cohort"]["2023"][1] == old_lists["cohort"]["2023"][1] - 1,
          "page 2's facet list counts the moved project")
    with open(page, "w", encoding="utf-8") as f:
        f.write(text)
    check(build(site, out), "builds again after undoing the edit")


def generated(tmp, n, with_department):
    site = os.path.join(tmp, "gen%d" % n)
    os.makedirs(os.path.join(site, "content"))
    cfg = read(os.path.join(ROOT, "tests", "bench", "site.yaml"))
    if not with_department:
        cfg = cfg.replace("  - {name: department, path: departments, title: Departments}\n", "")
        cfg = cfg.replace("metrics: {group_by: [department], conversion_stage: transfer}\n", "")
    with open(os.path.join(site, "site.yaml"), "w", encoding="utf-8") as f:
        f.write(cfg)
    for name in ("themes", "plugins"):
        shutil.copytree(os.path.join(ROOT, name), os.path.join(site, name))
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "bench", "gen_corpus.py"), str(n),
                    os.path.join(site, "content", "projects")], check=True, capture_output=True)
    return site


def check_generated(tmp):
    site = generated(tmp, 450, True)
    out = os.path.join(site, "out")
    check(build(site, out), "450 generated projects build")
    folder = os.path.join(out, "facets", "en")
    index = load(os.path.join(folder, "index.json"))
    sizes = [len(load(os.path.join(folder, "rows-%d.json" % k))) for k in range(3)]
    check(index["count"] == 450 and sizes == [200, 200, 50] and
          not os.path.exists(os.path.join(folder, "rows-3.json")),
          "three row files of 200, 200 and 50 projects: %r" % sizes)
    check(all(os.path.getsize(p) < LIMIT for p in glob.glob(os.path.join(folder, "*"))), "every file under 512 KB")
    ps = projects(site)
    want = recount(ps)
    got = {f: {} for f in FACETS}
    for row in decode(index):
        for f in FACETS:
            for v in row[f] or ["_none"]:
                got[f][v] = got[f].get(v, 0) + 1
    check(got == want, "the index's counts are the front matter's: %r, want %r" % (got, want))

    plain = generated(tmp, 40, False)
    out = os.path.join(plain, "out")
    check(build(plain, out), "40 generated projects without a department taxonomy build")
    index = load(os.path.join(out, "facets", "en", "index.json"))
    depts = index["values"][1]
    want = recount(projects(plain))["department"]
    check(depts == sorted(depts) and set(depts) == set(want) - {"_none"},
          "without the taxonomy: the departments' slugs, sorted: %r" % depts)
    lists = facet_lists(read(os.path.join(out, "projects", "index.html")))
    check({v: c for v, (_, c, _) in lists["department"].items()} == want and
          all(h is None for _, _, h in lists["department"].values()),
          "without the taxonomy: the department counts, not linked")
    return site


def main():
    tmp = tempfile.mkdtemp(prefix="facets-test-")
    try:
        site = copy_demo(os.path.join(tmp, "demo"))
        with open(os.path.join(site, "site.yaml"), "a", encoding="utf-8") as f:
            f.write("paginate: 5\n")
        out = os.path.join(tmp, "out")
        check(build(site, out), "the demo builds at paginate: 5")
        ps = projects(site)
        check(len(ps) == 27, "27 published projects in the demo (%d)" % len(ps))
        want = check_demo(site, out, ps)
        check(all(os.path.getsize(p) < LIMIT for p in glob.glob(os.path.join(out, "facets", "*", "*"))),
              "every facets file under 512 KB")
        check_builds(site, out, tmp)
        gen = check_generated(tmp)
        if BROWSER:
            def by_url(found, lang, default):
                return {url_of(p, lang, default): {f: p[f] for f in FACETS} | {"image": p["image"]}
                        for p in found.values()}
            expected = {"demo": {"zh": by_url(ps, "zh", "zh"), "en": by_url(ps, "en", "zh"), "counts": want},
                        "generated": {"en": by_url(projects(gen), "en", "en")}}
            with open(os.path.join(tmp, "expected.json"), "w", encoding="utf-8") as f:
                json.dump(expected, f, ensure_ascii=False)
            r = subprocess.run(["node", os.path.join(HERE, "validate", "facets.js"), out,
                                os.path.join(gen, "out"), os.path.join(tmp, "expected.json")],
                               capture_output=True, text=True,
                               env=dict(os.environ, NODE_PATH=os.path.join(HERE, "node_modules")))
            lines = r.stdout.strip().split("\n")
            m = re.match(r"(\d+) passed, (\d+) failed$", lines[-1] if lines else "")
            for line in lines[:-1] if m else lines:
                print(line)
            if r.stderr:
                print(r.stderr)
            if m: # its checks count as this script's
                tally.passed += int(m.group(1))
                tally.failed += int(m.group(2))
            check(m and r.returncode == 0, "the browser test ran to its end (exit status %d)" % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
