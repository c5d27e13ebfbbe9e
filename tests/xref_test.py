#!/usr/bin/env python3
# xref_test.py CLINFOLIO - numbered tables and figures and cross-references (issue 13):
# on a fixture (tests/errors/_base with pages and a template printing page.content):
#  - {{ ref(id=...) }} to a table of the same page reads "Table 2" and links "#tbl:b";
#  - page= links another page's figure as "Other page, Figure 2" at its URL and anchor;
#  - incremental build: when the other page's numbers change (its first figure loses its
#    title), the referring page, whose own text did not change, shows the new number;
#  - Chinese labels ("表 2") on a page whose lang is zh;
#  - the built-in figure shortcode: numbered among the Markdown figures with the same
#    markup, its id reachable by ref, its caption and source escaped; inside a paragraph
#    only the image; a caption edit changes the page in an incremental build;
#  - the demo report: its three charts numbered as figures (chart-figure) with ids and refs,
#    the funnel with its source note;
#  - the demo report: its three tables numbered in the HTML with their captions and ids, in
#    Chinese and in English, and its refs written as links with the numbers.
# Prints "N passed, N failed".
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

TABLES = """---
title: Tables
date: 2024-03-01
---
See {{ ref(id="tbl:b") }} and {{ ref(id="fig:f", page="projects/other.md") }}.

| a |
|---|
| 1 |

Table: First {#tbl:a}

| b |
|---|
| 2 |

Table: Second {#tbl:b}

## As {{ ref(id="tbl:a") }} shows
"""

OTHER = """---
title: Other page
date: 2024-03-02
---
![x](/x.png "one")

![y](/y.png)

Figure: The f {#fig:f}
"""

ZH = """---
title: 中文
date: 2024-03-03
lang: zh
---
见{{ ref(id="tbl:z") }}。

| a |
|---|
| 1 |

Table: 表题 {#tbl:z}
"""

FIGURES = """---
title: Figures
date: 2024-03-04
---
See {{ ref(id="fig:two") }}.

![one](/one.png)

Figure: The first {#fig:one}

{{ figure(src="/two.png", alt="A <two>", caption="The second & last", id="fig:two", source="Ward records") }}

![three](/three.png)

Figure: The third

Inline {{ figure(src="/four.png", alt="four") }} here.

{{ figure(src="/five.png", alt="five", caption="The prototype", credit="Photo: Li & Wei") }}
"""


def build(site, *opts):
    r = subprocess.run([BIN, "build", *opts, "-s", site, "-o", os.path.join(site, "public")],
                       capture_output=True, text=True)
    return r.returncode, r.stderr + r.stdout


def read(site, path, out="public"):
    try:
        with open(os.path.join(site, out, path), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def write(site, path, text):
    full = os.path.join(site, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    tmp = tempfile.mkdtemp(prefix="xref-")
    try:
        site = os.path.join(tmp, "site")
        shutil.copytree(os.path.join(HERE, "errors", "_base"), site)
        write(site, "templates/page.html",
              "<!doctype html><title>{{ page.title }}</title>{{ page.content | safe }}\n")
        write(site, "content/projects/tables.md", TABLES)
        write(site, "content/projects/other.md", OTHER)
        write(site, "content/projects/zh.md", ZH)
        status, err = build(site, "-q")
        check(status == 0, "the fixture builds: " + err)
        html = read(site, "projects/tables/index.html")
        check('See <a class="xref" href="#tbl:b">Table 2</a>' in html,
              "a ref to a table of the same page: " + html)
        check('<a class="xref" href="/projects/other/#fig:f">Other page, Figure 2</a>' in html,
              "a ref to another page's figure: " + html)
        check('<table id="tbl:b">\n<caption><span class="caption-label">Table 2.</span> Second'
              in html, "the table is numbered and has its id: " + html)
        check('<h2 id="as-shows">As <a class="xref" href="#tbl:a">Table 1</a> shows</h2>' in html,
              "a ref in a heading: resolved, and left out of the heading's id: " + html)
        other = read(site, "projects/other/index.html")
        check('<figure id="fig:f">' in other and "Figure 2.</span> The f" in other,
              "the other page's figure: " + other)
        zh = read(site, "projects/zh/index.html")
        check('见<a class="xref" href="#tbl:z">表 2</a>' not in zh
              and '见<a class="xref" href="#tbl:z">表 1</a>' in zh
              and '<span class="caption-label">表 1</span> 表题' in zh,
              "Chinese labels: " + zh)

        write(site, "content/projects/figures.md", FIGURES)
        status, err = build(site, "-q")
        figs = read(site, "projects/figures/index.html")
        check(status == 0 and '<p>See <a class="xref" href="#fig:two">Figure 2</a>.</p>' in figs,
              "figure shortcode: numbered among the figures, reached by ref: " + err + figs)
        check('<figure id="fig:two">\n<img src="/two.png" alt="A &lt;two&gt;" />\n<figcaption>'
              '<span class="caption-label">Figure 2.</span> The second &amp; last <span '
              'class="figure-source"><span class="source-label">Source:</span> Ward records'
              '</span></figcaption>\n</figure>' in figs,
              "figure shortcode: the Markdown figure's markup, escaped: " + figs)
        check('<figure id="fig:one">\n<img src="/one.png" alt="one" />\n<figcaption><span '
              'class="caption-label">Figure 1.</span> The first</figcaption>\n</figure>' in figs
              and 'Figure 3.</span> The third' in figs,
              "figure shortcode: the Markdown figures around it: " + figs)
        check('<p>Inline <img src="/four.png" alt="four" /> here.</p>' in figs,
              "figure shortcode inside a paragraph: the image only: " + figs)
        check('<figure>\n<img src="/five.png" alt="five" />\n<figcaption><span class="caption-label">'
              'Figure 4.</span> The prototype <span class="figure-credit">Photo: Li &amp; Wei</span>'
              '</figcaption>\n</figure>' in figs,
              "figure shortcode: the credit after the caption, escaped: " + figs)
        write(site, "content/projects/figures.md", FIGURES.replace('source="Ward records"',
                                                                   'source="Clinic records"'))
        build(site, "-q")
        check("Clinic records" in read(site, "projects/figures/index.html"),
              "figure shortcode: a source edit reaches an incremental build")

        # the other page's first figure is no longer one: Figure 2 becomes Figure 1 in the
        # referring page, whose own text did not change (the content cache keeps
        # placeholders; refs are resolved every build)
        write(site, "content/projects/other.md", OTHER.replace('"one"', ""))
        status, err = build(site, "-v", "-v")
        check(status == 0, "the incremental build: " + err)
        check("converted the Markdown of 1 of " in err,
              "only the changed page is converted again: " + err)
        html = read(site, "projects/tables/index.html")
        check('<a class="xref" href="/projects/other/#fig:f">Other page, Figure 1</a>' in html,
              "incremental: the ref follows the other page's numbers: " + html)

        demo = os.path.join(tmp, "demo")
        root = os.path.dirname(HERE)
        r = subprocess.run([BIN, "build", "-q", "-s", root, "-o", demo], capture_output=True,
                           text=True, env=dict(os.environ, CLINFOLIO_DATADIR=root))
        check(r.returncode == 0 and r.stderr == "", "the demo builds quietly: " + r.stderr)
        rel = "reports/2024-programme-evaluation/index.html"
        for lang, prefix, labels in [
                ("zh", "", ["表 1</span> 各批次的项目成果", "表 2</span> 从第一个有记录的阶段",
                            "表 3</span> 学生问卷"]),
                ("en", "en/", ["Table 1.</span> Portfolio outcomes by cohort",
                               "Table 2.</span> Median days from the first recorded stage",
                               "Table 3.</span> Student survey"])]:
            page = read(demo, prefix + rel, out="")
            caps = re.findall(r'<table[^>]* id="(tbl:[a-z]+)"[^>]*>\n<caption>'
                              r'<span class="caption-label">([^<]*)', page)
            check([c[0] for c in caps] == ["tbl:outcomes", "tbl:medians", "tbl:survey"],
                  lang + ": the report's tables have ids and numbered captions: %r" % caps)
            for want in labels:
                check(want in page, lang + ": caption " + want)
            word = "表 " if lang == "zh" else "Table "
            refs = re.findall(r'<a class="xref" href="#(tbl:[a-z]+)">([^<]*)</a>', page)
            check(("tbl:outcomes", word + "1") in refs and ("tbl:medians", word + "2") in refs
                  and ("tbl:survey", word + "3") in refs,
                  lang + ": a ref to each of the report's tables: %r" % refs)
            # its charts (funnel, gantt, timeline) numbered as figures by their Figure:
            # captions, each with an id, each referred to
            figs = re.findall(r'<figure class="chart-figure" id="(fig:[a-z]+)">\n<svg[^>]* '
                              r'class="cf-chart [^"]*cf-wide"[\s\S]*?<figcaption><span '
                              r'class="caption-label">([^<]*)</span>', page)
            fword = "图 " if lang == "zh" else "Figure "
            dot = "" if lang == "zh" else "."
            check(figs == [("fig:funnel", fword + "1" + dot), ("fig:gantt", fword + "2" + dot),
                           ("fig:timeline", fword + "3" + dot)],
                  lang + ": the report's charts are numbered figures: %r" % figs)
            frefs = re.findall(r'<a class="xref" href="#(fig:[a-z]+)">([^<]*)</a>', page)
            check(all((f, fword + n) in frefs
                      for f, n in [("fig:funnel", "1"), ("fig:gantt", "2"), ("fig:timeline", "3")]),
                  lang + ": a ref to each figure: %r" % frefs)
            check("Figure:" not in page, lang + ": no Figure: paragraph left as text")
            # the funnel's source note, at the end of its figcaption (a figure allows nothing
            # after it), labelled
            src = re.findall(r'id="fig:funnel">[\s\S]*?<figcaption>(?:(?!</figcaption>)[\s\S])*'
                             r'<span class="figure-source"><span class="source-label">([^<]*)</span>'
                             r'[^<]*</span></figcaption>\n</figure>', page)
            check(src == ["资料来源：" if lang == "zh" else "Source:"],
                  lang + ": the funnel figure's source note: %r" % src)
            check("来源：各" not in page and "Source: stage" not in page,
                  lang + ": no Source: paragraph left as text")
            check("{{" not in page and "clinfolio-ref" not in page,
                  lang + ": no shortcode or placeholder left")
    finally:
        shutil.rmtree(tmp)
    return done()


sys.exit(main())
