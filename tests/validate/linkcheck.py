#!/usr/bin/python3
"""linkcheck.py SITE_DIR BASE_PATH - every internal link and image of every HTML page in a
built site must reach a file of the site, and every #fragment an id on the target page.
BASE_PATH is the base URL's path ("/" or "/sub/"). External links are not fetched.
Exit 0 clean, 1 broken links."""
import os
import sys
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlparse

LINK_ATTRS = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


class Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        want = LINK_ATTRS.get(tag)
        if want and attrs.get(want):
            self.links.append((attrs[want], self.getpos()[0]))


def main():
    root, base = sys.argv[1], sys.argv[2]
    pages = {}
    for folder, _, files in os.walk(root):
        for name in files:
            if name.endswith(".html"):
                path = os.path.join(folder, name)
                page = Page()
                with open(path, encoding="utf-8") as f:
                    page.feed(f.read())
                pages[os.path.relpath(path, root)] = page
    broken, checked = [], 0
    for rel, page in sorted(pages.items()):
        here = base + rel.replace(os.sep, "/")
        for link, line in page.links:
            url = urlparse(urljoin(here, link))
            if url.scheme or url.netloc:
                continue  # external: not fetched
            checked += 1
            path = unquote(url.path)
            if not path.startswith(base):
                broken.append(f"{rel}:{line}: {link} is outside the base path {base}")
                continue
            target = path[len(base):]
            if target == "" or target.endswith("/"):
                target += "index.html"
            if not os.path.isfile(os.path.join(root, target)):
                broken.append(f"{rel}:{line}: {link} -> no file {target}")
            # a fragment names an id as written or, as browsers read it (HTML, "the
            # indicated part of the document"), percent-decoded: #%E8%81%94%E7%B3%BB is 联系
            elif url.fragment and target in pages and not (
                    {url.fragment, unquote(url.fragment)} & pages[target].ids):
                broken.append(f"{rel}:{line}: {link} -> no id '{url.fragment}' in {target}")
    for b in broken:
        print(f"linkcheck: {b}")
    print(f"linkcheck: {len(pages)} pages, {checked} internal links, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
