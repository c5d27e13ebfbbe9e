#!/usr/bin/python3
"""serve_reload.py CLINFOLIO SITE [EDITS] - edit-to-reload time of `clinfolio serve`.

Starts serve on SITE (port 0, loopback), opens one project page and its live-reload event
stream as the page's script does (naming the page), then EDITS times (default 5) appends a
line to that page and measures from the write to the `event: reload` the stream receives
(the page's new HTML is served by then: serve renders the pages open in a browser first,
and the rest of the rebuild follows). Prints
"<pages> <median ms> <min ms> <max ms> <rebuild ms> <other ms>" (rebuild: what serve
printed, the median; other: the median time to the reload of another open page, the
project list, which comes when the whole rebuild is in place), then "parts: load L, ..." (serve -v: the median milliseconds of each part of the
rebuilds). A figure, not a test.
"""
import http.client
import os
import re
import statistics
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "serve"))
from serve_util import Serve  # noqa: E402


def main():
    binary, site = sys.argv[1], sys.argv[2]
    edits = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    # not the outputs bench.sh moved aside, nor Hugo's site, nor the builds' cache
    s = Serve(binary, site, extra_args=("-v",),
              drop=("public", "discarded", "hugo", ".clinfolio-cache"))
    try:
        s.start(timeout=600)
        pages = int(re.match(r"built (\d+) pages", s.lines[0]).group(1))
        projects = os.path.join(s.site, "content/projects")
        page = os.path.join(projects, sorted(os.listdir(projects))[len(os.listdir(projects)) // 2])
        with open(page, encoding="utf-8") as f:
            slug = re.search(r"^slug: *(\S+)", f.read(), re.M)
        slug = slug.group(1) if slug else os.path.basename(page)[:-3]
        url = s.base + "projects/" + slug + "/"
        c = http.client.HTTPConnection(s.host, s.port, timeout=600)
        c.request("GET", url)
        r = c.getresponse()
        if r.status != 200 or b"/__clinfolio/events" not in r.read():
            raise RuntimeError("%s: %d, or no live-reload script" % (url, r.status))
        # the event stream as the page's script opens it: naming the page it shows
        c.request("GET", "/__clinfolio/events?page=" + urllib.parse.quote(url, safe=""))
        ev = c.getresponse()
        ev.readline()  # the greeting: the stream is open
        # another page open in a browser (the project list): it reloads when the whole
        # rebuild is in place; a thread notes when each of its reloads arrives
        other = http.client.HTTPConnection(s.host, s.port, timeout=600)
        other.request("GET", "/__clinfolio/events?page=" + urllib.parse.quote(s.base + "projects/", safe=""))
        other_ev = other.getresponse()
        other_ev.readline()
        arrivals = []

        def note_reloads():
            try:
                for line in iter(other_ev.readline, b""):
                    if line.startswith(b"event: reload"):
                        arrivals.append(time.monotonic())
            except (OSError, ValueError, AttributeError):  # closed at the end
                pass
        threading.Thread(target=note_reloads, daemon=True).start()
        times, rebuilds, parts, others = [], [], [], []
        for i in range(edits):
            n = s.rebuilds()
            t0 = time.monotonic()
            with open(page, "a", encoding="utf-8") as f:
                f.write("\nAn edit, number %d.\n" % i)
            while True:
                line = ev.readline()
                if not line:
                    raise RuntimeError("the event stream ended")
                if line.startswith(b"event: reload"):
                    break
            times.append((time.monotonic() - t0) * 1000)
            # what the browser then loads already shows the edit
            g = http.client.HTTPConnection(s.host, s.port, timeout=600)
            g.request("GET", url)
            shown = g.getresponse().read()
            g.close()
            if ("An edit, number %d." % i).encode() not in shown:
                raise RuntimeError("the page reloaded without the edit %d" % i)
            rebuilt = s.wait_rebuild(n, timeout=600)
            rebuilds.append(float(re.search(r"in (\d+) ms", rebuilt).group(1)))
            deadline = time.monotonic() + 60
            while len(arrivals) <= i and time.monotonic() < deadline:
                time.sleep(0.01)
            if len(arrivals) <= i:
                raise RuntimeError("the other page did not reload after edit %d" % i)
            others.append((arrivals[i] - t0) * 1000)
            parts.append(s.wait_line(lambda l: l.startswith("ms: "), n, timeout=600))
            time.sleep(0.2)
        c.close()
        other.close()
        print("%d %.0f %.0f %.0f %.0f %.0f" % (pages, statistics.median(times), min(times), max(times),
                                               statistics.median(rebuilds), statistics.median(others)))
        # "ms: load 41, images 0, ..., commit 21 (search 13)": the median of each part
        names = re.findall(r"([a-z/]+) \d+", parts[0][4:])
        columns = zip(*(re.findall(r"(\d+)", p) for p in parts))
        print("parts: " + ", ".join("%s %.0f" % (name, statistics.median(map(float, col)))
                                   for name, col in zip(names, columns)))
    finally:
        s.close()


main()
