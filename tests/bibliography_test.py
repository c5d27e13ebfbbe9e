#!/usr/bin/env python3
# bibliography_test.py CLINFOLIO - citations and reference lists (issue 13, part 3):
#  - the demo report (content/reports/references.bib), in Chinese and in English: every
#    citation links to an <li> of its reference list; the numbers go in the order of first
#    citation and a work cited again keeps its number; the list holds the cited works
#    only, each once; DOIs are links to https://doi.org/; the Chinese page is headed
#    参考文献 and its list uses 等 for a Chinese entry with more authors, the English
#    page References; at least 8 works, Chinese and English;
#  - a fixture (tests/errors/_base plus pages): citation_style vancouver in the front
#    matter, a CSL-JSON bibliography beside the page, {{ references() }} placing the
#    list, a locator, and a site.yaml bibliography for a page without its own;
#  - the demo report's own "how to cite" downloads (cite.bib of each language) read back as
#    a bibliography by clinfolio's BibTeX reader (libbtparse): each parses, and cited it
#    gives a GB/T 7714 report entry with the authors and the title.
# Prints "N passed, N failed".
import html
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
from tally import check, done  # noqa: E402

VANCOUVER = """---
title: Vancouver
date: 2024-03-01
bibliography: refs.json
citation_style: vancouver
---
First{{ cite(key="b, a, c") }} and again{{ cite(key="a", locator="p. 12") }}.

{{ references() }}

After the list.
"""

CSL = """[
  {"id": "a", "type": "article-journal", "title": "Alpha",
   "author": [{"family": "Doe", "given": "Jane"}], "container-title": "J",
   "issued": {"date-parts": [[2020]]}, "DOI": "10.1000/alpha"},
  {"id": "b", "type": "book", "title": "Beta", "publisher": "P",
   "issued": {"date-parts": [[2019]]}},
  {"id": "c", "type": "webpage", "title": "Gamma", "URL": "https://example.org/g"},
  {"id": "unused", "type": "book", "title": "Never cited"}
]
"""

SITEWIDE = """---
title: Site-wide
date: 2024-03-02
---
A site-wide work{{ cite(key="site1") }}.
"""


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def citations(page):
    """The numbers of every citation mark, in order, with the anchors they link to."""
    marks = re.findall(r'<(?:sup|span) class="citation">(.*?)</(?:sup|span)>', page)
    return [re.findall(r'<a href="#ref-([^"]+)">(\d+)</a>', m) for m in marks]


def reference_list(page):
    m = re.search(r'<section class="references" id="references">\n<h2>([^<]*)</h2>\n<ol>\n'
                  r'(.*?)</ol>\n</section>', page, re.S)
    if not m:
        return None, []
    items = re.findall(r'<li id="ref-([^"]+)"><span class="ref-label">([^<]*)</span> (.*?)</li>',
                       m.group(2))
    return m.group(1), items


def check_report(page, lang, what):
    heading, items = reference_list(page)
    check(heading == ("参考文献" if lang == "zh" else "References"),
          "%s: the list is headed by language (%s)" % (what, heading))
    keys = [k for k, _, _ in items]
    check(len(items) >= 8 and len(set(keys)) == len(keys),
          "%s: at least 8 references, each once (%d)" % (what, len(items)))
    check([label for _, label, _ in items] == ["[%d]" % (i + 1) for i in range(len(items))],
          "%s: GB/T 7714 labels [1], [2], ... in order" % what)
    number = {k: i + 1 for i, k in enumerate(keys)}
    marks = citations(page)
    check(len(marks) >= 8, "%s: the text cites (%d citations)" % (what, len(marks)))
    first_seen = []
    for mark in marks:
        for key, n in mark:
            check(key in number and number[key] == int(n),
                  "%s: citation %s of %s links to its <li> with its number" % (what, n, key))
            if key not in first_seen:
                first_seen.append(key)
    # every work between the linked ends of a range was cited too: the list is in the order
    # in which the text first cites each work, and holds nothing else
    cited = set()
    for mark in re.findall(r'<sup class="citation">\[(.*?)\]</sup>', page):
        for part in re.sub(r"<[^>]+>", "", mark).split(","):
            lo, _, hi = part.partition("-")
            cited.update(range(int(lo), int(hi or lo) + 1))
    check(cited == set(range(1, len(items) + 1)),
          "%s: the list holds exactly the cited works: %s" % (what, sorted(cited)))
    order = sorted(first_seen, key=lambda k: number[k])
    check(order == first_seen, "%s: numbered in the order of first citation" % what)
    again = [k for k in keys if sum(k in [x for x, _ in m] for m in marks) > 1]
    check(again, "%s: a work cited twice keeps its number (%s)" % (what, again))
    dois = [text for _, _, text in items if "DOI:" in text or "doi:" in text]
    check(len(dois) >= 4 and all(re.search(r'(?:DOI|doi):<a href="https://doi\.org/10\.[^"]+">10\.',
                                           t) for t in dois),
          "%s: DOIs are links to https://doi.org/ (%d)" % (what, len(dois)))
    zh_entries = [t for _, _, t in items if re.search(r"[\u4e00-\u9fff]", t)]
    en_entries = [t for _, _, t in items if not re.search(r"[\u4e00-\u9fff]", t)]
    check(len(zh_entries) >= 3 and len(en_entries) >= 3,
          "%s: Chinese and English works (%d, %d)" % (what, len(zh_entries), len(en_entries)))
    return items


def demo(tmp):
    out = os.path.join(tmp, "demo")
    r = subprocess.run([BIN, "build", "-q", "-s", ROOT, "-o", out], capture_output=True,
                       text=True)
    check(r.returncode == 0, "the demo builds: " + r.stderr)
    zh = read(os.path.join(out, "reports", "2024-programme-evaluation", "index.html"))
    en = read(os.path.join(out, "en", "reports", "2024-programme-evaluation", "index.html"))
    zh_items = check_report(zh, "zh", "zh report")
    en_items = check_report(en, "en", "en report")
    check([k for k, _, _ in zh_items] == [k for k, _, _ in en_items],
          "both languages cite the same works in the same order")
    yock = dict((k, t) for k, _, t in zh_items).get("yock2015", "")
    check("YOCK P G, ZENIOS S, MAKOWER J, et al." in yock and "[M]" in yock,
          "an English book in GB/T 7714: upper-case families, et al.: " + yock)
    check("<sup class=\"citation\">[<a href=\"#ref-yock2015\">1</a>-<a href=\"#ref-wall2015\">3</a>]</sup>"
          in zh, "three works cited at once: the range [1-3]")
    check("[^" not in zh and "footnote" not in zh, "the old footnotes are gone")
    return out


def cite_bib_parses(tmp, demo_out):
    """The demo report's cite.bib files, as a page's bibliography: libbtparse must read
    them (a malformed file is an error) and the cited entry format as a report."""
    for lang, rel in (("zh", ""), ("en", "en")):
        site = os.path.join(tmp, "citebib-" + lang)
        shutil.copytree(os.path.join(HERE, "errors", "_base"), site)
        with open(os.path.join(site, "themes", "mini", "templates", "page.html"), "w") as f:
            f.write("{{ page.content | safe }}\n")
        src = os.path.join(demo_out, rel, "reports", "2024-programme-evaluation", "cite.bib")
        key = re.match(r"@techreport\{([^,]+),", read(src))
        check(key is not None, "%s cite.bib: one @techreport with a key" % lang)
        projects = os.path.join(site, "content", "projects")
        shutil.copy(src, os.path.join(projects, "cite.bib"))
        with open(os.path.join(projects, "reads.md"), "w", encoding="utf-8") as f:
            f.write("---\ntitle: Reads\ndate: 2024-03-01\nbibliography: cite.bib\n---\n"
                    "As reported{{ cite(key=\"%s\") }}.\n" % (key.group(1) if key else "x"))
        out = os.path.join(site, "public")
        r = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out], capture_output=True,
                           text=True)
        check(r.returncode == 0 and "cite.bib" not in r.stderr,
              "%s cite.bib is read by the BibTeX reader without a message: %s" % (lang, r.stderr))
        page = read(os.path.join(out, "projects", "reads", "index.html"))
        _, items = reference_list(page)
        entry = items[0][2] if items else ""
        check("QIAO J" in entry and "[R]" in entry and "2025" in entry,
              "%s cite.bib cited: a GB/T 7714 report by Qiao et al., 2025: %s" % (lang, entry))


def fixture(tmp):
    site = os.path.join(tmp, "site")
    shutil.copytree(os.path.join(HERE, "errors", "_base"), site)
    with open(os.path.join(site, "themes", "mini", "templates", "page.html"), "w") as f:
        f.write("{{ page.content | safe }}\n")
    projects = os.path.join(site, "content", "projects")
    for name, text in (("vancouver.md", VANCOUVER), ("refs.json", CSL),
                       ("sitewide.md", SITEWIDE)):
        with open(os.path.join(projects, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(site, "site.yaml"), "a", encoding="utf-8") as f:
        f.write("bibliography: shared.bib\n")
    with open(os.path.join(site, "shared.bib"), "w", encoding="utf-8") as f:
        f.write("@article{site1, author = {张三 and 李四 and 王五 and 赵六}, title = {共享}, "
                "journal = {期刊}, year = 2020}\n")
    out = os.path.join(site, "public")
    r = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out], capture_output=True, text=True)
    check(r.returncode == 0, "the fixture builds: " + r.stderr)
    page = read(os.path.join(out, "projects", "vancouver", "index.html"))
    check(citations(page) == [[("b", "1"), ("c", "3")], [("a", "2")]],
          "Vancouver: numbered by first citation, sorted in the mark: %s" % citations(page))
    check('<span class="citation">[<a href="#ref-b">1</a>–<a href="#ref-c">3</a>]</span>' in page,
          "Vancouver: an inline bracket with an en dash")
    check('<a href="#ref-a">2</a>, p. 12]</span>' in page, "Vancouver: the locator in the bracket")
    heading, items = reference_list(page)
    check([(k, label) for k, label, _ in items] == [("b", "1."), ("a", "2."), ("c", "3.")],
          "Vancouver: the list in citation order, labels 1. 2. 3., the unused entry left out")
    check(page.index('id="references"') < page.index("After the list."),
          "{{ references() }} places the list")
    alpha = dict((k, t) for k, _, t in items)["a"]
    check(alpha == 'Doe J. Alpha. J. 2020. doi:<a href="https://doi.org/10.1000/alpha">'
                   '10.1000/alpha</a>.', "Vancouver article from CSL-JSON: " + html.unescape(alpha))
    page = read(os.path.join(out, "projects", "sitewide", "index.html"))
    _, items = reference_list(page)
    check(items and items[0][2] == "张三, 李四, 王五, 等. 共享[J]. 期刊, 2020.",
          "site.yaml's bibliography; a Chinese entry: 等 after three: %s" % items)
    check(page.rstrip().endswith("</section>"), "without references(): the list comes last")


def main():
    tmp = tempfile.mkdtemp()
    try:
        out = demo(tmp)
        cite_bib_parses(tmp, out)
        fixture(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
