#!/usr/bin/python3
"""hreflangcheck.py SITE_DIR BASE_URL - the language alternates of a built multilingual site.

Walks every HTML page of SITE_DIR (published at BASE_URL, which ends in '/') and checks
what search engines require of <link rel="alternate" hreflang> (Google's rules):
- each alternate leads to a page of the site, which links back to this page with this
  page's language (reciprocal), and the page lists itself;
- x-default, when given, is one of the page's own alternates;
- the sitemap's <xhtml:link> alternates of each URL are the page's own.
Prints each problem and "N pages, N pairs"; exit 0 clean, 1 problems."""
import os
import re
import sys
import urllib.parse
import xml.etree.ElementTree as ET

LINK = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


def url_of(rel, base):
    path = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    return base + urllib.parse.quote(path)


def main():
    root, base = sys.argv[1], sys.argv[2]
    pages = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".html"):
                continue
            f = os.path.join(dirpath, name)
            with open(f, encoding="utf-8") as fh:
                text = fh.read()
            m = re.search(r'<html lang="([^"]+)"', text)
            pages[url_of(os.path.relpath(f, root), base)] = (m.group(1) if m else None,
                                                            dict(LINK.findall(text)))
    problems, pairs = [], 0
    for url, (lang, alts) in sorted(pages.items()):
        if not alts:
            continue
        if alts.get(lang) != url:
            problems.append(f"{url}: no hreflang {lang} for itself")
        if "x-default" in alts and alts["x-default"] not in [h for k, h in alts.items()
                                                             if k != "x-default"]:
            problems.append(f"{url}: x-default {alts['x-default']} is not one of its versions")
        for other, href in alts.items():
            if other == "x-default" or href == url:
                continue
            pairs += 1
            if href not in pages:
                problems.append(f"{url}: hreflang {other} leads to {href}, not a page of the site")
            elif pages[href][1].get(lang) != url:
                problems.append(f"{url}: {href} ({other}) does not link back with hreflang {lang}")
    sitemap = os.path.join(root, "sitemap.xml")
    if os.path.exists(sitemap):
        for u in ET.parse(sitemap).getroot().findall("sm:url", NS):
            loc = u.find("sm:loc", NS).text
            got = {x.get("hreflang"): x.get("href") for x in u.findall("xhtml:link", NS)}
            want = pages.get(loc, (None, {}))[1]
            if got != want:
                problems.append(f"sitemap {loc}: alternates {got}, the page says {want}")
    for p in problems:
        print(p)
    print(f"{len(pages)} pages, {pairs} pairs")
    return 1 if problems or not pairs else 0


sys.exit(main())
