#!/usr/bin/python3
"""feedcheck.py FEED.xml [MAX_ITEMS] - read an RSS 2.0 feed with feedparser (a real feed
reader) and check the RSS 2.0 rules it does not enforce. Exit 0 clean, 1 problems.
Run with /usr/bin/python3: python3-feedparser is a Debian package."""
import email.utils
import sys
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import feedparser


def main():
    path = sys.argv[1]
    max_items = int(sys.argv[2]) if len(sys.argv) > 2 else None
    problems = []
    parsed = feedparser.parse(path)
    if parsed.bozo:
        problems.append(f"feedparser: not readable: {parsed.bozo_exception}")
    if parsed.version != "rss20":
        problems.append(f"feedparser: version {parsed.version!r}, want 'rss20'")
    channel = ET.parse(path).getroot().find("channel")
    for tag in ("title", "link", "description"):
        if channel is None or channel.find(tag) is None:
            problems.append(f"channel has no <{tag}>")
    items = channel.findall("item") if channel is not None else []
    if not items:
        problems.append("no items")
    if max_items is not None and len(items) > max_items:
        problems.append(f"{len(items)} items, more than the limit {max_items}")
    guids, dates = set(), []
    for n, item in enumerate(items, 1):
        link = item.findtext("link") or ""
        url = urlparse(link)
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(f"item {n}: link {link!r} is not absolute")
        guid = item.findtext("guid")
        if guid in guids:
            problems.append(f"item {n}: guid {guid!r} repeated")
        guids.add(guid)
        pub = item.findtext("pubDate")
        if pub is not None:
            try:
                dates.append(email.utils.parsedate_to_datetime(pub))
            except (TypeError, ValueError):
                problems.append(f"item {n}: pubDate {pub!r} is not RFC 822")
    if dates != sorted(dates, reverse=True):
        problems.append("items are not newest first")
    for p in problems:
        print(f"feedcheck: {path}: {p}")
    print(f"feedcheck: {path}: {len(parsed.entries)} entries read by feedparser, "
          f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
