#!/usr/bin/env python3
# multilingual_test.py CLINFOLIO - bilingual sites (issue #11) on tests/multilingual/site:
# Chinese at /, English under /en/; x.en.md translates x.md and shares its facts. Checks
# the pages made in each language, every page's lang, that hreflang links are reciprocal,
# the sitemap's xhtml:link alternates (against the sitemap XSD with the xhtml extension),
# one feed per language, that metrics count a translated project once (the same
# metrics.json as without the translations), and the errors of broken translations.
# Prints "N passed, N failed".
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", CLINFOLIO_DATADIR=ROOT)


def build(site, out):
    return subprocess.run([BIN, "build", "-q", "-s", site, "-o", out], capture_output=True,
                          text=True, env=ENV)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


tmp = tempfile.mkdtemp()
try:
    site = os.path.join(tmp, "site")
    shutil.copytree(os.path.join(HERE, "multilingual", "site"), site)
    out = os.path.join(tmp, "out")
    p = build(site, out)
    check(p.returncode == 0 and p.stderr == "", "the bilingual site builds without diagnostics: "
          + p.stderr)

    # pages in each language: translations under /en/, untranslated pages only in Chinese
    for rel in ["index.html", "about/index.html", "projects/anti-fog-goggles/index.html",
                "projects/iv-line-organizer/index.html", "en/index.html", "en/about/index.html",
                "en/projects/anti-fog-goggles/index.html", "en/projects/index.html",
                "en/news/launch/index.html", "en/cohorts/2023/index.html", "en/feed.xml"]:
        check(os.path.isfile(os.path.join(out, rel)), "written: " + rel)
    check(not os.path.exists(os.path.join(out, "en/projects/iv-line-organizer")),
          "no English page for a project without a translation")
    check(not os.path.exists(os.path.join(out, "projects/anti-fog-goggles-en")),
          "a translation is not a page of its own")

    # every page's lang is its language's
    pages = sorted(glob.glob(os.path.join(out, "**", "*.html"), recursive=True))
    for f in pages:
        rel = os.path.relpath(f, out)
        m = re.search(r'<html lang="([^"]+)"', read(f))
        want = "en" if rel.startswith("en/") else "zh"
        check(m and m.group(1) == want, "%s: lang=%s, want %s" % (rel, m and m.group(1), want))

    # the English pages show the translation's text and the original's facts
    en = read(os.path.join(out, "en/projects/anti-fog-goggles/index.html"))
    check("<h1>Anti-fog goggles</h1>" in en, "the translation's title")
    check("hydrophobic micro-channels" in en, "the translation's body")
    check("Zhou Jiaxin" in en and "CN202320158462.0" in en, "the original's facts (team, patent)")
    check("<desc>Clinical need 2023-01-05; Prototype 2023-01-12, 7 days later;" in en,
          "the timeline (a page hook) drawn for the translation, in English")
    check("<desc>临床需求 2023-01-05；原型 2023-01-12，7天后；" in read(
        os.path.join(out, "projects/anti-fog-goggles/index.html")), "... and in Chinese")
    # the cohort charts (site_loaded: charts_in, one set per language, the same figures)
    home_zh, home_en = read(os.path.join(out, "index.html")), read(os.path.join(out, "en/index.html"))
    check('aria-label="到达各阶段的项目（全部批次，共4个项目）"' in home_zh and
          'aria-label="Projects reaching each stage, all cohorts (4 projects)"' in home_en,
          "the funnel in each language")
    check('aria-label="各项目的阶段进展（2024批次）"' in read(os.path.join(out, "cohorts/2024/index.html"))
          and 'aria-label="Project stages over time, cohort 2024"' in read(
              os.path.join(out, "en/cohorts/2024/index.html")), "a cohort's Gantt chart in each language")
    enlist = read(os.path.join(out, "en/projects/index.html")) + read(
        os.path.join(out, "en/projects/page/2/index.html"))
    check('href="/projects/iv-line-organizer/"' in enlist,
          "the English list links an untranslated project's original")
    check('href="/en/projects/anti-fog-goggles/"' in enlist,
          "the English list links a translated project's translation")
    check('<a href="/en/projects/" aria-current="true">Projects</a>' in en and
          '<a href="/en/about/">About</a>' in en, "the English menu: its names and /en/ URLs")
    zh = read(os.path.join(out, "projects/iv-line-organizer/index.html"))
    check('<a href="/about/">关于</a>' in zh, "the Chinese menu: its names")
    about_en = read(os.path.join(out, "en/about/index.html"))
    check('<a href="/en/projects/anti-fog-goggles/">the goggles</a>' in about_en and
          '<a href="/projects/iv-line-organizer/">the organiser</a>' in about_en,
          "a link to a .md file leads to the page in the linking page's language, else the original")
    check('<a href="/projects/anti-fog-goggles/">防雾护目镜</a>' in read(
        os.path.join(out, "about/index.html")), "the same link from the Chinese page")

    # the metrics shortcodes write in the language of the page they are on (money in 万 in
    # Chinese), with the same figures; metrics_table names declared groups in that language
    about_zh = read(os.path.join(out, "about/index.html"))
    # (issue 12: money by the theme's rule, the unit after the figure: 120万元, 1,200,000 CNY)
    check("项目 4 个，成果转化中位 62天，经费 120万元。" in about_zh, "metric() in Chinese")
    check("4 projects, a median of 62 days to transfer, funding 1,200,000 CNY." in about_en,
          "metric() in English")
    check("<caption>项目成果（按科室）</caption>" in about_zh and
          '<th scope="col">至成果转化的中位天数</th>' in about_zh and
          '<th scope="row">护理部</th>' in about_zh, "metrics_table() in Chinese")
    check("<caption>Programme outcomes by department</caption>" in about_en and
          '<th scope="row">Nursing</th>' in about_en and '<th scope="row">护理部</th>' not in about_en,
          "metrics_table() in English, groups by their English names")
    check('<a href="/en/projects/" lang="en" hreflang="en" class="lang-switch__missing">' in zh,
          "a missing translation: the switcher links the English list, marked")
    check('hreflang="x-default"' not in zh, "a page in one language has no hreflang links")

    # hreflang: reciprocal, with x-default the Chinese version
    links = {}
    for f in pages:
        rel = os.path.relpath(f, out)
        url = "https://example.org/" + urllib.parse.quote(
            rel[:-len("index.html")] if rel.endswith("index.html") else rel)
        links[url] = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">',
                                     read(f)))
    pairs = 0
    for url, alts in links.items():
        if not alts:
            continue
        check(alts.get("x-default") == alts.get("zh"), url + ": x-default is the Chinese page")
        for lang, href in alts.items():
            if lang == "x-default":
                continue
            check(href in links, "%s: hreflang %s leads to a page of the site (%s)"
                  % (url, lang, href))
            back = links.get(href, {})
            mine = "en" if "/en/" in url else "zh"
            check(back.get(mine) == url, "%s -> %s: the link back" % (url, href))
            pairs += 1
    check(pairs >= 30, "hreflang pairs walked: %d" % pairs)

    # the sitemap lists the alternates, valid against the schema with xhtml:link
    sm = read(os.path.join(out, "sitemap.xml"))
    check('<xhtml:link rel="alternate" hreflang="en" '
          'href="https://example.org/en/projects/anti-fog-goggles/"/>' in sm,
          "sitemap: a page's English alternate")
    v = subprocess.run(["xmllint", "--noout", "--schema",
                        os.path.join(HERE, "validate", "sitemap-alternates.xsd"),
                        os.path.join(out, "sitemap.xml")], capture_output=True, text=True)
    check(v.returncode == 0, "sitemap.xml valid with xhtml:link alternates: " + v.stderr)

    # one feed per language, each with its own pages
    fz, fe = read(os.path.join(out, "feed.xml")), read(os.path.join(out, "en/feed.xml"))
    check("<language>zh</language>" in fz and "<language>en</language>" in fe,
          "each feed names its language")
    check("/en/" not in re.sub(r"<atom:link[^>]*>", "", fz) and
          "iv-line-organizer" not in fe and "anti-fog-goggles" in fe,
          "each feed holds its own language's pages")

    # the metrics count a translated project once: as without any translation
    plain = os.path.join(tmp, "plain")
    shutil.copytree(site, plain)
    for f in glob.glob(os.path.join(plain, "content", "**", "*.en.md"), recursive=True):
        os.remove(f)
    p2 = build(plain, os.path.join(tmp, "plain-out"))
    check(p2.returncode == 0, "the site without its translations builds: " + p2.stderr)
    check(read(os.path.join(tmp, "plain-out", "metrics.json")) ==
          read(os.path.join(out, "metrics.json")), "metrics.json: each project counted once")
    check('"projects": 4' in read(os.path.join(out, "metrics.json")), "4 projects in all")

    # declared terms: 护理部 and Nursing are one department, with one slug and one metrics
    # group, named in each language; the taxonomy's title in each language
    import json
    groups = json.loads(read(os.path.join(out, "metrics.json")))["by"]["department"]
    check({k: v["projects"] for k, v in groups.items()} == {"护理部": 2, "麻醉科": 2},
          "metrics: one group per declared department: %s" % sorted(groups))
    for rel, h1 in [("departments/index.html", "科室"), ("en/departments/index.html", "Departments"),
                    ("departments/nursing/index.html", "护理部"),
                    ("en/departments/nursing/index.html", "Nursing"),
                    ("en/departments/anesthesiology/index.html", "Anesthesiology")]:
        f = os.path.join(out, rel)
        check(os.path.isfile(f) and "<h1>%s</h1>" % h1 in read(f), "%s: <h1>%s</h1>" % (rel, h1))
    check(not os.path.exists(os.path.join(out, "departments", "护理部")),
          "no term page for a declared term's other spelling")

    # incremental: an edit to a translation and to an original's facts give a clean build's
    # bytes (the translation takes the original's facts again from the cache's records)
    def tree(root):
        got = {}
        for dirpath, _, files in os.walk(root):
            for name in files:
                f = os.path.join(dirpath, name)
                with open(f, "rb") as fh:
                    got[os.path.relpath(f, root)] = fh.read()
        return got

    f = os.path.join(site, "content/projects/anti-fog-goggles.en.md")
    write(f, read(f) + "\nOne more English sentence.\n")
    r1 = build(site, out)
    g = os.path.join(site, "content/projects/anti-fog-goggles.md")
    write(g, read(g).replace("cohort: 2023", "cohort: 2024"))
    r2 = build(site, out)
    r3 = build(site, os.path.join(tmp, "clean"))
    check(r1.returncode == 0 and r2.returncode == 0 and r3.returncode == 0,
          "incremental rebuilds: " + r1.stderr + r2.stderr + r3.stderr)
    inc, clean = tree(out), tree(os.path.join(tmp, "clean"))
    check(inc == clean, "incremental = clean after editing a translation and its original: %s"
          % sorted(k for k in set(inc) | set(clean) if inc.get(k) != clean.get(k))[:5])
    check("One more English sentence." in read(
        os.path.join(out, "en/projects/anti-fog-goggles/index.html")), "the edit is there")
    check("/en/cohorts/2024/" in read(os.path.join(out, "en/projects/anti-fog-goggles/index.html")),
          "the translation follows its original's new cohort")
    write(f, read(f).replace("\nOne more English sentence.\n", ""))
    write(g, read(g).replace("cohort: 2024", "cohort: 2023"))

    # serve: both languages, with the themes and plugins found through CLINFOLIO_DATADIR as
    # build finds them (serve ignored it before)
    import http.client
    sys.path.insert(0, os.path.join(HERE, "serve"))
    from serve_util import Serve  # noqa: E402
    os.environ["CLINFOLIO_DATADIR"] = ROOT
    sv = Serve(BIN, site, extra_args=())
    try:
        sv.start(timeout=120)
        for path, lang in [("en/projects/anti-fog-goggles/", "en"), ("projects/", "zh")]:
            c = http.client.HTTPConnection(sv.host, sv.port, timeout=60)
            c.request("GET", sv.base + path)
            resp = c.getresponse()
            body = resp.read().decode("utf-8", "replace")
            check(resp.status == 200 and '<html lang="%s"' % lang in body,
                  "serve: %s %d" % (path, resp.status))
            c.close()
    finally:
        sv.close()

    # broken translations
    def expect_error(name, setup, pattern):
        s = os.path.join(tmp, name)
        shutil.copytree(site, s)
        setup(s)
        r = build(s, os.path.join(tmp, name + "-out"))
        check(r.returncode != 0 and re.search(pattern, r.stderr),
              "%s: exit %d, %s" % (name, r.returncode, r.stderr.strip()))

    expect_error("orphan", lambda s: write(os.path.join(s, "content/projects/ghost.en.md"),
                                           "---\ntitle: Ghost\n---\nNo original.\n"),
                 r"content/projects/ghost\.en\.md:1:1: error: translation without its original: "
                 r"content/projects/ghost\.md does not exist")
    expect_error("fact", lambda s: write(os.path.join(s, "content/projects/iv-line-organizer.en.md"),
                                         "---\ntitle: IV line organiser\ncohort: 2025\n---\n"),
                 r"iv-line-organizer\.en\.md:3:1: error: 'cohort' cannot be set in a translation")
    expect_error("twice", lambda s: write(os.path.join(s, "content/about.zh.md"),
                                          "---\ntitle: 关于\n---\n"),
                 r"content/about(\.zh)?\.md:1:1: error: content/about(\.zh)?\.md and "
                 r"content/about(\.zh)?\.md are the same page in the default language 'zh'")
    expect_error("badlang", lambda s: write(os.path.join(s, "content/about.md"),
                                            "---\ntitle: 关于\nlang: fr\n---\n"),
                 r"content/about\.md:3:7: error: 'lang' must be the code of one of the site's "
                 r"languages \(zh, en\), not 'fr'")
    expect_error("badcode", lambda s: write(os.path.join(s, "site.yaml"), read(
        os.path.join(s, "site.yaml")).replace("  - code: en\n", "  - code: English\n")),
                 r"site\.yaml:\d+:\d+: error: a language needs a 'code'")

    # interface text: t("key", name=...) from the site's i18n/<code>.yaml over the theme's,
    # the default language's where a language lacks a key (a warning), an unknown key an error
    ts = os.path.join(tmp, "i18n")
    shutil.copytree(site, ts)
    os.makedirs(os.path.join(ts, "i18n"))
    os.makedirs(os.path.join(ts, "templates"))
    write(os.path.join(ts, "i18n", "zh.yaml"), "hello: 你好，{name}\nonly_zh: 只有中文\n")
    write(os.path.join(ts, "i18n", "en.yaml"), "hello: Hello, {name} ({missing})\n")
    write(os.path.join(ts, "templates", "page.html"),
          '<!DOCTYPE html><html lang="{{ site.language }}"><title>t</title>'
          '<p>{{ t("hello", name=page.title) }}|{{ t("only_zh") }}</p>'
          '<p>{{ site.params.tagline }}|{{ site.params.contact }}</p></html>\n')
    r = subprocess.run([BIN, "build", "-s", ts, "-o", os.path.join(ts, "out")],
                       capture_output=True, text=True, env=ENV)
    check(r.returncode == 0, "a site with i18n files builds: " + r.stderr)
    check("<p>你好，关于我们|只有中文</p>" in read(os.path.join(ts, "out", "about", "index.html")),
          "t(): the default language's text, {name} filled in")
    check("<p>Hello, About us ({missing})|只有中文</p>" in read(
        os.path.join(ts, "out", "en", "about", "index.html")),
          "t(): the language's own text, an unknown {placeholder} kept, a missing key falls back")
    check("<p>从临床痛点到上市产品|office@example.org</p>" in read(
        os.path.join(ts, "out", "about", "index.html")) and
          "<p>From the ward&#39;s pain point to a product|office@example.org</p>" in read(
        os.path.join(ts, "out", "en", "about", "index.html")),
          "site.params: a language's own params over site.yaml's")
    write(os.path.join(ts, "i18n", "en.yaml"), "hello: Welcome, {name} ({missing})\n")
    r2 = subprocess.run([BIN, "build", "-s", ts, "-o", os.path.join(ts, "out")],
                        capture_output=True, text=True, env=ENV)
    check(r2.returncode == 0 and "<p>Welcome, About us ({missing})|只有中文</p>" in read(
        os.path.join(ts, "out", "en", "about", "index.html")) and
          "<p>你好，关于我们|只有中文</p>" in read(os.path.join(ts, "out", "about", "index.html")),
          "an incremental build after an i18n edit renders the pages using it again")
    check(re.search(r"i18n/zh\.yaml:2:\d+: warning: i18n key 'only_zh' has no text in language "
                    r"'en'", r.stderr), "a key missing in a language is a warning: " + r.stderr)
    write(os.path.join(ts, "templates", "page.html"),
          '<!DOCTYPE html><html lang="{{ site.language }}"><title>t</title>\n'
          '<p>{{ t("helo") }}</p></html>\n')
    r = build(ts, os.path.join(ts, "out2"))
    check(r.returncode != 0 and re.search(r"templates/page\.html:2:\d+: error: t\(\): no interface "
                                          r"text 'helo'", r.stderr),
          "an unknown i18n key is an error at the template: " + r.stderr)
    write(os.path.join(ts, "i18n", "en.yaml"), "hello: [not, text]\n")
    r = build(ts, os.path.join(ts, "out3"))
    check(r.returncode != 0 and re.search(r"i18n/en\.yaml:1:\d+: error: 'hello' in i18n/en\.yaml "
                                          r"must be a text", r.stderr),
          "an i18n value that is not text is an error: " + r.stderr)

    # a spelling close to a declared term's name: a warning with the suggestion
    ws = os.path.join(tmp, "misspelt")
    shutil.copytree(site, ws)
    f = os.path.join(ws, "content/projects/iv-line-organizer.md")
    write(f, read(f).replace("department: 护理部", "department: 护理科"))
    r = subprocess.run([BIN, "build", "-s", ws, "-o", os.path.join(ws, "out")],
                       capture_output=True, text=True, env=ENV)
    check(r.returncode == 0 and re.search(
        r"iv-line-organizer\.md:5:13: warning: 'department' value '护理科' is not one of the terms "
        r"site\.yaml declares; did you mean '护理部'\?", r.stderr), "a misspelt term: " + r.stderr)

    # `lang: en`: a page whose text is in another language than its file's
    os.makedirs(os.path.join(ts, "templates", "projects"))
    write(os.path.join(ts, "templates", "projects", "single.html"),
          '<!DOCTYPE html><html lang="{{ site.language }}"><title>t</title>'
          '<p>{{ page.lang }}</p></html>\n')
    write(os.path.join(ts, "templates", "page.html"),
          '<!DOCTYPE html><html lang="{{ site.language }}"><title>t</title></html>\n')
    write(os.path.join(ts, "i18n", "en.yaml"), "hello: Hello\n")
    r = build(ts, os.path.join(ts, "out4"))
    check(r.returncode == 0, "the lang site builds: " + r.stderr)
    for rel, want in [("projects/pressure-sensor-pad/index.html", "en"),
                      ("projects/iv-line-organizer/index.html", "zh"),
                      ("en/projects/anti-fog-goggles/index.html", "en")]:
        f = os.path.join(ts, "out4", rel)
        check(os.path.isfile(f) and "<p>%s</p>" % want in read(f), "%s: page.lang %s" % (rel, want))

    # without `languages`, x.en.md stays a page of its own (as before languages existed)
    mono = os.path.join(tmp, "mono")
    shutil.copytree(site, mono)
    y = read(os.path.join(mono, "site.yaml"))
    y = re.sub(r"languages:\n(  .*\n)+", "language: zh\n", y)
    y = re.sub(r"  - name: department\n(    .*\n)+", "  - {name: department, path: departments}\n", y)
    y = re.sub(r"\{zh: ([^,]+), en: [^}]+\}", r"\1", y)
    write(os.path.join(mono, "site.yaml"), y)
    r = build(mono, os.path.join(tmp, "mono-out"))
    check(r.returncode == 0 and os.path.isdir(os.path.join(tmp, "mono-out", "projects",
                                                           "anti-fog-goggles-en")),
          "no languages: x.en.md is its own page: " + r.stderr)
finally:
    shutil.rmtree(tmp)
sys.exit(done())
