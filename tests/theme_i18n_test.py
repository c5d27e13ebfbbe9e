#!/usr/bin/env python3
# theme_i18n_test.py CLINFOLIO - the default theme's interface in each language (issue #11):
# themes/default/i18n/zh.yaml and en.yaml have the same keys, every key the templates use
# is in both, and a copy of the bilingual fixture (tests/multilingual/site, Chinese at /,
# English under /en/) is built with Chinese interface text, dates, numbers and money on
# the Chinese pages and English ones on the English pages; list items and pages written
# in another language than their page are marked with lang and a note.
# Prints "N passed, N failed".
import glob
import html.parser
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
THEME = os.path.join(ROOT, "themes", "default")
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

ENV = dict(os.environ, SOURCE_DATE_EPOCH="1767225600", CLINFOLIO_DATADIR=ROOT)


def read(path):
    return pathlib.Path(path).read_text(encoding="utf-8")


def write(path, text):
    pathlib.Path(path).write_text(text, encoding="utf-8")


def load_i18n(code):
    path = os.path.join(THEME, "i18n", code + ".yaml")
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def call_args(text, start):
    """The text between the parenthesis at start and its match."""
    depth, quote = 0, None
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            if c == "\\":
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return text[start + 1:]


def first_arg(args):
    depth, quote = 0, None
    for i, c in enumerate(args):
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return args[:i]
    return args


def template_keys():
    """Every interface text key the templates name: t("key"), both keys of
    t("a" if x else "b"), and the date formats given to i18n.time (and its default)."""
    keys, dynamic = {}, []
    for f in sorted(glob.glob(os.path.join(THEME, "templates", "**", "*.html"), recursive=True)):
        rel = os.path.relpath(f, THEME)
        text = re.sub(r"\{#.*?#\}", "", read(f), flags=re.S)
        for m in re.finditer(r"(?<![\w.])t\(", text):
            arg = first_arg(call_args(text, m.end() - 1))
            found = re.findall(r"[\"']([a-z][a-z0-9_]*[a-z0-9])[\"']", arg)
            if not found:
                dynamic.append("%s: t(%s)" % (rel, arg))
            for k in found:
                keys.setdefault(k, rel)
        for k in re.findall(r"lang_text\(\s*[\"']([a-z_]+)[\"']", text):
            keys.setdefault(k, rel)
        for m in re.finditer(r"i18n\.time\(", text):
            for k in re.findall(r",\s*[\"']([a-z_]+)[\"']", call_args(text, m.end() - 1)):
                keys.setdefault(k, rel)
        for k in re.findall(r"macro time\([^)]*format=[\"']([a-z_]+)[\"']", text):
            keys.setdefault(k, rel)
    return keys, dynamic


class Text(html.parser.HTMLParser):
    """What a reader or a screen reader gets of a page: its text outside <svg> (the plugin's
    charts), <script> and <style>, and its aria-label, title, alt and description."""

    def __init__(self, foreign=None):
        super().__init__()
        self.parts, self.skip = [], 0
        self.foreign, self.open = foreign, []  # text in lang=<foreign> is left out when set

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "script", "style"):
            self.skip += 1
        a = dict(attrs)
        if self.foreign and a.get("lang") == self.foreign:
            self.open.append(tag)
            self.skip += 1
        for name in ("aria-label", "title", "alt"):
            if a.get(name) and not self.skip:
                self.parts.append(a[name])
        if tag == "meta" and a.get("name") == "description":
            self.parts.append(a.get("content") or "")

    def handle_endtag(self, tag):
        if tag in ("svg", "script", "style") and self.skip:
            self.skip -= 1
        if self.open and self.open[-1] == tag:
            self.open.pop()
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def page_text(path, foreign=None):
    p = Text(foreign)
    p.feed(read(path))
    return "\n".join(p.parts)


# --- the i18n files: the same keys, every key the templates use, every front matter value ---
en, zh = load_i18n("en"), load_i18n("zh")
check(len(en) > 100 and len(zh) > 100, "en.yaml and zh.yaml exist: %d and %d keys" % (len(en), len(zh)))
check(list(en) == list(zh), "en.yaml and zh.yaml have the same keys in the same order; only en: %s, "
      "only zh: %s" % (sorted(set(en) - set(zh)), sorted(set(zh) - set(en))))
check(all(isinstance(v, str) for v in list(en.values()) + list(zh.values())), "every text is a string")
used, dynamic = template_keys()
check(len(used) > 150, "keys found in the templates: %d" % len(used))
for k, rel in sorted(used.items()):
    check(k in en and k in zh, "%s: t(\"%s\") in en.yaml and zh.yaml (en %s, zh %s)"
          % (rel, k, k in en, k in zh))
check(sorted(dynamic) == ["templates/partials/i18n.html: t(format)", "templates/partials/i18n.html: t(key)"],
      "only the macros time and lang_text compute a key: %s" % dynamic)
unused = sorted(k for k in en if k not in used and not re.match(
    r"(status|patent_type|patent_status|role|currency|language|section|taxonomy)_|number_", k))
check(not unused, "every key is used by a template: %s" % unused)
with open(os.path.join(THEME, "schema.yaml"), encoding="utf-8") as f:
    proj = yaml.safe_load(f)["sections"]["projects"]["keys"]
pat = proj["outcomes"]["keys"]["patents"]["items"]["keys"]
for prefix, values in [("status", proj["status"]["values"]), ("patent_type", pat["type"]["values"]),
                       ("patent_status", pat["status"]["values"]),
                       ("role", proj["team"]["items"]["keys"]["role"]["values"])]:
    for v in values:
        check(prefix + "_" + v in en and prefix + "_" + v in zh,
              "schema value %s: %s_%s in both files" % (v, prefix, v))
cohort_keys = [k for k in zh if "cohort" in k]
cohort_names = ("cohort_name", "cohorts", "all_cohorts", "col_cohort", "taxonomy_cohort",
                "stat_cohorts", "latest_cohort", "no_cohort", "not_in_cohort", "cohort_eyebrow")
check(len(cohort_keys) > 15 and all("批次" in zh.get(k, "") for k in cohort_names) and
      not any(re.search(r"(?<![日周])期|队列", zh[k]) for k in cohort_keys) and
      "队列" not in "".join(zh.values()),
      "a cohort is 批次 in every cohort text of zh.yaml, never 期 or 队列: %s" % cohort_keys)
latin = [k for k, v in zh.items() if re.search(r"[A-Za-z]{2,}", re.sub(r"\{\w+\}|%-?\w", "", v))]
check(latin == ["rss_feed"], "zh.yaml has no English words but RSS: %s" % latin)

tmp = tempfile.mkdtemp()
try:
    site = os.path.join(tmp, "site")
    shutil.copytree(os.path.join(HERE, "multilingual", "site"), site)
    # money in both languages: 1.5亿元 / 150,000,000 CNY and 123.46万美元 / 1,234,567 USD
    afg = os.path.join(site, "content", "projects", "anti-fog-goggles.md")
    write(afg, read(afg).replace("  funding: {amount: 1200000, currency: CNY}\n", "").replace(
        "outcomes:\n", "outcomes:\n  funding: {amount: 150000000, "
                                 "currency: CNY}\n  revenue: {amount: 1234567, currency: USD}\n"))
    # ... and 5000元 (below 10,000: no 万, site.currency), 120万元
    ivl = os.path.join(site, "content", "projects", "iv-line-organizer.md")
    write(ivl, read(ivl).replace("status: active", "outcomes:\n  funding: {amount: 5000}\n"
                                 "  revenue: {amount: 1200000.00, currency: CNY}\nstatus: active"))
    # a page whose text is in another language than its interface (page.lang, from `lang:` in
    # its front matter)
    write(os.path.join(site, "content", "guide.md"),
          "---\ntitle: Demand sheet guide\nlang: en\n---\nFill in one sheet per need.\n")
    out = os.path.join(tmp, "out")
    p = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out], capture_output=True, text=True,
                       env=ENV)
    check(p.returncode == 0 and p.stderr == "", "the bilingual fixture builds without diagnostics: "
          + p.stderr)

    def page(rel):
        path = os.path.join(out, rel)
        return read(path) if os.path.isfile(path) else ""

    zh_pages = sorted(os.path.relpath(f, out) for f in glob.glob(
        os.path.join(out, "**", "*.html"), recursive=True) if not os.path.relpath(
            f, out).startswith("en/"))
    en_pages = sorted(os.path.relpath(f, out) for f in glob.glob(
        os.path.join(out, "en", "**", "*.html"), recursive=True))
    check(len(zh_pages) >= 15 and len(en_pages) >= 12, "pages: %d Chinese, %d English"
          % (len(zh_pages), len(en_pages)))

    # the Chinese pages: Chinese interface text, none of the English words it replaced
    home, proj_zh = page("index.html"), page("projects/anti-fog-goggles/index.html")
    for rel, key in [("index.html", "skip_to_content"), ("index.html", "latest_projects"),
                     ("index.html", "programme_outcomes"), ("index.html", "rss_feed"),
                     ("projects/anti-fog-goggles/index.html", "key_facts"),
                     ("projects/anti-fog-goggles/index.html", "project_eyebrow"),
                     ("projects/anti-fog-goggles/index.html", "translation_timeline"),
                     ("projects/anti-fog-goggles/index.html", "patent_type_utility"),
                     ("projects/anti-fog-goggles/index.html", "role_mentor"),
                     ("projects/index.html", "pagination_next"),
                     ("cohorts/2024/index.html", "medians_caption"),
                     ("404.html", "not_found_title")]:
        check(zh.get(key, "?") in page(rel), "%s: the Chinese text of %s (%s)" % (rel, key, zh.get(key)))
    check("<h1>2023批次</h1>" in page("cohorts/2023/index.html"), "cohort page: <h1>2023批次</h1>")
    check('状态：已转化' in proj_zh and '>I类器械<' in proj_zh, "project badges in Chinese")
    check('<dd>62天 <span class="muted">（首个阶段至最近阶段）</span></dd>' in proj_zh,
          "cycle time in days and full-width brackets")
    english = ["Skip to main content", "Home", "Breadcrumb", "Main", "Footer", "Key facts",
               "Innovation project", "Translation timeline", "Clinical need", "Outcomes",
               "Patents", "Cohort", "Cohorts", "Projects", "Project", "Department", "Status",
               "Team", "Role", "Stage by stage", "Median days", "days", "Latest projects",
               "Latest news", "Page 1", "Next page", "Previous", "Built with", "RSS feed",
               "Sitemap", "scrollable", "Scroll sideways", "min read", "Tags", "Written up",
               "Active", "Transferred", "Legend", "Conversion rate", "Students", "Startups",
               "Utility", "Filed", "student", "mentor", "not translated", "Page not found",
               "of 12", "Funding", "Revenue", "CNY", "USD", "in English"]
    # the fixture's pressure-sensor-pad is written in English (lang: en) in the Chinese site:
    # its own text is English (marked), and lists show it with the badge; nothing else is
    for rel in zh_pages:
        text = page_text(os.path.join(out, rel), foreign="en")  # but the text marked English
        left = [w for w in english if re.search(r"(?<![A-Za-z])" + re.escape(w) + r"(?![A-Za-z])", text)]
        check(not left, "%s: no English interface words: %s" % (rel, left))
        check('lang-switch__note" lang="en"' not in page(rel), rel + ": no English switcher note")
        badges = len(re.findall(r'badge--lang', page(rel)))
        marked = len(re.findall(r'<a href="/projects/pressure-sensor-pad/"[^>]* lang="en"', page(rel)))
        check(badges == marked, "%s: a language badge only on the English-text project (%d, %d)"
              % (rel, badges, marked))

    # the English pages: English interface text (today's words)
    proj_en = page("en/projects/anti-fog-goggles/index.html")
    for rel, key in [("en/index.html", "skip_to_content"), ("en/index.html", "latest_projects"),
                     ("en/projects/anti-fog-goggles/index.html", "key_facts"),
                     ("en/projects/anti-fog-goggles/index.html", "project_eyebrow"),
                     ("en/projects/index.html", "pagination_next")]:
        check(en.get(key, "?") in page(rel), "%s: the English text of %s (%s)" % (rel, key, en.get(key)))
    check(en.get("skip_to_content") == "Skip to main content" and en.get("key_facts") == "Key facts"
          and en.get("cohort_name") == "Cohort {name}", "en.yaml keeps the English words")
    zh_words = [zh.get(k, "?") for k in ("skip_to_content", "home", "breadcrumb", "rss_feed",
                                          "sitemap", "key_facts", "latest_projects", "stat_projects",
                                          "col_status", "cohorts", "pager_next", "status_active")]
    for rel in en_pages:
        text = page_text(os.path.join(out, rel))
        left = [w for w in zh_words if w in text]
        check(not left, "%s: no Chinese interface text: %s" % (rel, left))

    # dates: per language, long, short and month forms; no "Apr 20, 2023" left anywhere
    check('<time datetime="2022-09-01">1 September 2022</time>' in page("en/news/launch/index.html"),
          "en long date: 1 September 2022")
    check('<time datetime="2022-09-01">2022年9月1日</time>' in page("news/launch/index.html"),
          "zh long date: 2022年9月1日")
    check('<time datetime="2023-04-20">20 Apr 2023</time>' in proj_en, "en short date: 20 Apr 2023")
    check('<time datetime="2023-04-20">2023年4月20日</time>' in proj_zh, "zh short date: 2023年4月20日")
    lists_en = page("en/projects/index.html") + page("en/projects/page/2/index.html")
    lists_zh = page("projects/index.html") + page("projects/page/2/index.html")
    check('(<time datetime="2024-02-20">Feb 2024</time>)' in lists_en, "en month: (Feb 2024)")
    check('（<time datetime="2024-02-20">2024年2月</time>）' in lists_zh, "zh month: （2024年2月）")
    old = [rel for rel in zh_pages + en_pages
           if re.search(r"<time[^>]*>[A-Z][a-z]+ +\d{1,2}, \d{4}</time>", page(rel))]
    check(not old, "no month-first dates (Apr 20, 2023) left: %s" % old)

    # numbers and money
    check('<data value="150000000">1.5</data><span class="unit">亿元</span>' in proj_zh,
          "zh money: 1.5亿元")
    check('<data value="1234567">123.46</data><span class="unit">万美元</span>' in proj_zh,
          "zh money: 123.46万美元 (2 decimals)")
    ivl_zh = page("projects/iv-line-organizer/index.html")
    check('<data value="5000">5000</data><span class="unit">元</span>' in ivl_zh and
          '<data value="1200000.00">120</data><span class="unit">万元</span>' in ivl_zh,
          "zh money: 5000元, 120万元 (site.currency; trailing zeros dropped)")
    check('<data value="150000000">150,000,000</data> <span class="unit">CNY</span>' in proj_en,
          "en money: 150,000,000 CNY")
    check('<data value="1234567">1,234,567</data> <span class="unit">USD</span>' in proj_en,
          "en money: 1,234,567 USD")

    # stage names: label_zh on Chinese pages, label on English ones
    check('<th scope="row">临床需求</th>' in page("cohorts/2024/index.html") and
          '<th scope="row">Clinical need</th>' in page("en/cohorts/2024/index.html"),
          "stage labels per language in the medians table")
    check("当前：临床需求" in home and "furthest: Clinical need" in page("en/index.html"),
          "stage labels per language on project cards")

    # the language switcher: a missing translation leads to the list, labelled through i18n
    iv = page("projects/iv-line-organizer/index.html")
    check('<a href="/en/projects/" lang="en" hreflang="en" class="lang-switch__missing">English'
          '<span class="lang-switch__note" lang="zh">%s</span></a>' % zh.get("lang_switch_untranslated")
          in iv, "the switcher's missing translation: its note from zh.yaml, lang=zh")

    # list items in another language than the page: lang on the title, a badge
    badge = en.get("item_in_language", "").replace("{language}", en.get("language_zh", ""))
    check(badge == "in Chinese", "en badge text: " + badge)
    check('<a href="/projects/iv-line-organizer/" lang="zh" hreflang="zh">输液管路整理器</a> '
          '<span class="badge badge--lang">in Chinese</span>' in lists_en,
          "en project list: an untranslated project's title has lang=zh and a badge")
    check('<a href="/projects/iv-line-organizer/" lang="zh" hreflang="zh">输液管路整理器</a> '
          '<span class="badge badge--lang">in Chinese</span></h3>' in page("en/index.html") and
          '<p class="card__summary" lang="zh">夹在床栏上的管路整理器。</p>' in page("en/index.html"),
          "en home: the card's title and summary have lang=zh, the title a badge")
    check('<a href="/en/projects/anti-fog-goggles/">Anti-fog goggles</a></h3>' in page("en/index.html"),
          "en home: a translated project is not marked")
    check('<span class="pager__title" lang="zh">输液管路整理器</span>' in proj_en,
          "en project page: the next page's title is marked lang=zh")

    # a page written in another language than its interface (page.lang)
    guide = page("guide/index.html")
    check('<h1 lang="en">Demand sheet guide</h1>' in guide and
          '<div class="prose" lang="en">' in guide and
          '<p class="content-lang-note">本页暂无中文版，以下为英文原文。</p>' in guide,
          "lang: en on a Chinese page: lang on title and body, the note in Chinese")
    check("content-lang-note" not in page("about/index.html") and
          "content-lang-note" not in page("en/about/index.html") and
          'lang="en"' not in page("about/index.html").split("</header>", 2)[-1],
          "pages without lang:: no note, no lang")
finally:
    shutil.rmtree(tmp)
sys.exit(done())
