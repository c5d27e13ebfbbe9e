#!/usr/bin/env python3
# report_meta_test.py CLINFOLIO - reports for indexing and citing (issue 13, items 4 and 5),
# on the demo (built into a temporary folder) and on a fixture (a copy of the demo whose
# report has a tricky title: quotes, a backslash, </script>, & and braces):
#  - the Google Scholar (Highwire) tags: citation_title, each citation_author followed by its
#    citation_author_institution, the date, institution, keywords, the page's language,
#    pdf, DOI, abstract and full-text URLs;
#  - JSON-LD ScholarlyArticle that json.loads reads, with its fields, whatever the title;
#  - the "Cite this report" block: GB/T 7714 on the Chinese page, Vancouver on the English;
#  - cite.bib (@techreport, balanced braces, fields) and cite.ris (TY first, ER last) beside
#    each language version;
#  - the second-language front block (title, abstract, keywords) marked with lang.
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

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", CLINFOLIO_DATADIR=ROOT)
REPORT = "reports/2024-programme-evaluation/"


def read(path):
    return pathlib.Path(path).read_text(encoding="utf-8")


class Page(html.parser.HTMLParser):
    """The <head> meta tags in order, the JSON-LD scripts, elements by class, and whether
    every element closed (a title that closed <script> early would leave text or tags)."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "area", "col"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta, self.ld, self.stack, self.errors = [], [], [], []
        self.in_ld = None
        self.classes = {}  # class -> list of [attrs, text]
        self.open = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("name", "").startswith("citation_"):
            self.meta.append((a["name"], a.get("content", "")))
        if tag == "script" and a.get("type") == "application/ld+json":
            self.in_ld = ""
        if tag not in self.VOID:
            self.stack.append(tag)
        rec = None
        for c in a.get("class", "").split():
            rec = [a, ""]
            self.classes.setdefault(c, []).append(rec)
        self.open.append(rec)
        if tag in self.VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag == "script" and self.in_ld is not None:
            self.ld.append(self.in_ld)
            self.in_ld = None
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)" % (tag, self.stack[-3:]))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
        else:
            self.stack.pop()
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        if self.in_ld is not None:
            self.in_ld += data
        for rec in self.open:
            if rec is not None:
                rec[1] += data


def parse(path):
    p = Page()
    p.feed(read(path))
    p.close()
    return p


def build(src, out):
    r = subprocess.run([BIN, "build", "-q", "-s", src, "-o", out], env=ENV,
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def bib_ok(text):
    """A minimal BibTeX reader: one @techreport{key, field = {..} | word, ...}, braces
    balanced (\\{ and \\} are escaped ones); returns the fields, or None."""
    m = re.match(r"\s*@techreport\{([A-Za-z0-9_:-]+),\s*", text)
    if not m:
        return None
    i, fields, depth = m.end(), {}, 0
    while True:
        f = re.compile(r"\s*([a-z]+)\s*=\s*").match(text, i)
        if not f:
            break
        name, i = f.group(1), f.end()
        if text[i] == "{":
            depth, j = 0, i
            while j < len(text):
                c = text[j]
                if c == "\\":
                    j += 2
                    continue
                depth += c == "{"
                depth -= c == "}"
                if depth == 0:
                    break
                j += 1
            if depth:
                return None
            fields[name] = text[i + 1:j]
            i = j + 1
        else:
            w = re.compile(r"[a-z0-9]+").match(text, i)
            if not w:
                return None
            fields[name] = w.group(0)
            i = w.end()
        c = re.compile(r"\s*,").match(text, i)
        if c:
            i = c.end()
    if not re.compile(r"\s*\}\s*$").match(text, i):
        return None
    return fields


def ris_ok(text):
    lines = text.split("\r\n")
    if lines[-1] != "" or any("\n" in ln or "\r" in ln for ln in lines[:-1]):
        return None
    lines = lines[:-1]
    if not lines or lines[0] != "TY  - RPRT" or lines[-1] != "ER  - ":
        return None
    tags = {}
    for ln in lines:
        m = re.match(r"^([A-Z][A-Z0-9])  - (.*)$", ln)
        if not m:
            return None
        tags.setdefault(m.group(1), []).append(m.group(2))
    return tags


def check_meta(p, where, lang, title):
    names = [n for n, _ in p.meta]
    for need in ("citation_title", "citation_author", "citation_publication_date",
                 "citation_keywords", "citation_language", "citation_technical_report_institution",
                 "citation_abstract_html_url", "citation_fulltext_html_url"):
        check(need in names, "%s: <meta name=%s>" % (where, need))
    check(dict(p.meta).get("citation_title") == title, "%s: citation_title is the page's title" % where)
    check(dict(p.meta).get("citation_language") == lang, "%s: citation_language %s" % (where, lang))
    authors = [i for i, (n, _) in enumerate(p.meta) if n == "citation_author"]
    check(len(authors) == 4, "%s: one citation_author per author (%d)" % (where, len(authors)))
    check(all(i + 1 < len(p.meta) and p.meta[i + 1][0] == "citation_author_institution"
              and p.meta[i + 1][1] for i in authors),
          "%s: every citation_author followed by its citation_author_institution" % where)
    check([c for n, c in p.meta if n == "citation_author"][:1] == ["Qiao, Jianmin"],
          "%s: authors as 'Family, Given' (family name written first)" % where)


def check_ld(p, where, title, lang, url):
    check(len(p.ld) == 1, "%s: one JSON-LD script" % where)
    try:
        ld = json.loads(p.ld[0]) if p.ld else {}
    except ValueError as e:
        check(False, "%s: JSON-LD parses (%s)" % (where, e))
        return {}
    check(ld.get("@type") == "ScholarlyArticle", "%s: JSON-LD ScholarlyArticle" % where)
    check(ld.get("headline") == title and ld.get("name") == title, "%s: JSON-LD headline and name" % where)
    au = ld.get("author") or [{}]
    check(len(au) == 4 and all(a.get("@type") == "Person" and a.get("affiliation", {}).get("@type") == "Organization"
                               for a in au), "%s: JSON-LD authors are Persons with an Organization" % where)
    for k in ("datePublished", "dateModified", "keywords", "abstract", "isPartOf", "publisher"):
        check(ld.get(k), "%s: JSON-LD %s" % (where, k))
    check(ld.get("inLanguage") == lang and ld.get("url") == url, "%s: JSON-LD inLanguage and url" % where)
    return ld


def check_files(out, rel, where, title, lang):
    bibp, risp = os.path.join(out, rel, "cite.bib"), os.path.join(out, rel, "cite.ris")
    check(os.path.isfile(bibp) and os.path.isfile(risp), "%s: cite.bib and cite.ris beside the page" % where)
    if not os.path.isfile(bibp) or not os.path.isfile(risp):
        return {}, {}
    bib = bib_ok(read(bibp))
    check(bib is not None, "%s: cite.bib is one @techreport with balanced braces" % where)
    bib = bib or {}
    for f in ("author", "title", "institution", "year", "month", "url", "keywords", "language"):
        check(f in bib, "%s: cite.bib has %s" % (where, f))
    check(" and " in bib.get("author", ""), "%s: cite.bib authors separated by 'and'" % where)
    ris = ris_ok(pathlib.Path(risp).read_bytes().decode("utf-8"))
    check(ris is not None, "%s: cite.ris: TY first, ER last, one CRLF line per tag" % where)
    ris = ris or {}
    for t in ("AU", "TI", "PY", "DA", "UR", "KW", "LA"):
        check(t in ris, "%s: cite.ris has %s" % (where, t))
    check(ris.get("TI") == [title], "%s: cite.ris title" % where)
    check(ris.get("LA") == [lang], "%s: cite.ris language" % where)
    return bib, ris


tmp = tempfile.mkdtemp(prefix="report-meta-")
try:
    # --- the demo ---
    out = os.path.join(tmp, "demo")
    rc, msg = build(ROOT, out)
    check(rc == 0 and msg == "", "demo builds without diagnostics: " + msg)
    zh_title = "培养临床医生开展医疗器械转化：三个批次（2022—2024）的评估"
    en_title = "Training clinicians to translate medical devices: an evaluation of three cohorts (2022–2024)"
    zh, en = os.path.join(out, REPORT, "index.html"), os.path.join(out, "en", REPORT, "index.html")
    if os.path.isfile(zh) and os.path.isfile(en):
        pz, pe = parse(zh), parse(en)
        check_meta(pz, "zh", "zh", zh_title)
        check_meta(pe, "en", "en", en_title)
        check_ld(pz, "zh", zh_title, "zh", "https://example.org/" + REPORT)
        lde = check_ld(pe, "en", en_title, "en", "https://example.org/en/" + REPORT)
        check(lde.get("keywords") == ["medical device innovation", "medical education",
                                      "technology transfer", "cohort evaluation"],
              "en: keywords_en are the English page's keywords")
        check(dict(pz.meta).get("citation_technical_report_institution") == "北桥大学附属第一医院",
              "zh: the institution in Chinese")
        # cite blocks
        cz = (pz.classes.get("cite__text") or [[{}, ""]])[0]
        ce = (pe.classes.get("cite__text") or [[{}, ""]])[0]
        check(cz[0].get("data-style") == "GB/T 7714" and
              cz[1].startswith("QIAO Jianmin, HU Meiling, LIU Haifeng, 等. " + zh_title + "[R/OL]. 北桥大学附属第一医院, 2025. https://example.org/" + REPORT),
              "zh: GB/T 7714 reference: " + cz[1])
        check(ce[0].get("data-style") == "Vancouver" and
              ce[1].startswith("Qiao J, Hu M, Liu H, Tian H. " + en_title + " [Internet]. Northbridge University First Affiliated Hospital; 2025 Oct 15. Available from: https://example.org/en/" + REPORT),
              "en: Vancouver reference: " + ce[1])
        links = [a.get("href") for a, _ in pz.classes.get("cite__files", [])]
        text = read(zh)
        check('href="/%scite.bib"' % REPORT in text and 'href="/%scite.ris"' % REPORT in text,
              "zh: the cite block links cite.bib and cite.ris")
        bz, rz = check_files(out, REPORT, "zh", zh_title, "zh")
        be, re_ = check_files(out, "en/" + REPORT, "en", en_title, "en")
        check(be.get("title") == "{Training} clinicians to translate medical devices: an evaluation of three cohorts (2022–2024)",
              "en: cite.bib title with its capital protected: " + be.get("title", ""))
        check(bz.get("author") == "Qiao, Jianmin and Hu, Meiling and Liu, Haifeng and Tian, Hao",
              "zh: cite.bib authors")
        check(re_.get("UR") == ["https://example.org/en/" + REPORT], "en: cite.ris URL is the English page")
        # the second-language block: on the Chinese page only, in English, after the abstract
        alt = pz.classes.get("report__alt", [])
        check(len(alt) == 1 and alt[0][0].get("lang") == "en", "zh: one English front block with lang=en")
        check(not pe.classes.get("report__alt"), "en: no second-language block on the English translation")
        if alt:
            check(en_title in alt[0][1] and "Background." in alt[0][1] and "Conclusions." in alt[0][1]
                  and "cohort evaluation" in alt[0][1], "zh: the block holds title, structured abstract, keywords")
            i_alt, i_abs, i_intro = text.find('class="report__alt"'), text.find('id="摘要"'), text.find('id="引言"')
            check(0 <= i_abs < i_alt < i_intro, "zh: the block follows the Chinese abstract, before the introduction")
        check(text.count(">摘要</h2>") == 1, "zh: the abstract is shown once")
        check(not pz.errors and not pe.errors, "demo report pages: elements nest: %s %s" % (pz.errors, pe.errors))
    else:
        check(False, "demo: the report pages exist")

    # --- a fixture: a tricky title and a one-language site with pdf and doi ---
    src = os.path.join(tmp, "tricky")
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        "public", "build", "tests", ".git", "node_modules", ".clinfolio*"))
    tricky = 'A "quoted" \\ back</script><!-- & {Braces} 100% R&D_x'
    md = os.path.join(src, "content", "reports", "2024-programme-evaluation.md")
    t = read(md)
    t = re.sub(r"(?m)^title: .*$", lambda m: "title: " + json.dumps(tricky), t, count=1)
    t = t.replace("date: 2025-10-15\n", "date: 2025-10-15\nupdated: 2025-11-02\ndoi: 10.1234/cf.2025_01\npdf: /files/report.pdf\n", 1)
    pathlib.Path(md).write_text(t, encoding="utf-8")
    out2 = os.path.join(tmp, "tricky-out")
    rc, msg = build(src, out2)
    check(rc == 0, "tricky fixture builds: " + msg)
    page = os.path.join(out2, REPORT, "index.html")
    if os.path.isfile(page):
        p = parse(page)
        ld = check_ld(p, "tricky", tricky, "zh", "https://example.org/" + REPORT)
        check(ld.get("identifier", {}).get("value") == "10.1234/cf.2025_01", "tricky: JSON-LD identifier is the DOI")
        check("</script><!--" not in "".join(p.ld), "tricky: the JSON-LD cannot close its script element")
        check(not p.errors, "tricky: elements nest (valid HTML): %s" % p.errors)
        m = dict(p.meta)
        check(m.get("citation_title") == tricky, "tricky: citation_title carries the title as written")
        check(m.get("citation_doi") == "10.1234/cf.2025_01", "tricky: citation_doi")
        check(m.get("citation_pdf_url") == "https://example.org/files/report.pdf", "tricky: citation_pdf_url absolute")
        cz = (p.classes.get("cite__text") or [[{}, ""]])[0][1]
        check("2025(2025-11-02)" in cz and cz.endswith("DOI:10.1234/cf.2025_01."),
              "tricky: GB/T 7714 with the update date and DOI: " + cz)
        bib, ris = check_files(out2, REPORT, "tricky", tricky, "zh")
        check(bib.get("title", "").startswith('{A} "quoted" \\textbackslash{} back</script><!-- \\& {\\{Braces\\}} 100\\% {R\\&D\\_x}'),
              "tricky: cite.bib title escaped: " + bib.get("title", ""))
        check(bib.get("doi") == "10.1234/cf.2025_01", "tricky: cite.bib doi verbatim")
        check(ris.get("DO") == ["10.1234/cf.2025_01"] and ris.get("DA") == ["2025/10/15/"], "tricky: cite.ris DO and DA")
        # bibtexparser, when the system Python has it
        try:
            import bibtexparser  # noqa: F401
        except ImportError:
            bibtexparser = None
        if bibtexparser is not None:
            db = bibtexparser.loads(read(os.path.join(out2, REPORT, "cite.bib")))
            check(len(db.entries) == 1 and db.entries[0].get("ENTRYTYPE") == "techreport",
                  "tricky: bibtexparser reads one @techreport")
    else:
        check(False, "tricky: the report page exists")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

sys.exit(done())
