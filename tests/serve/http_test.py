#!/usr/bin/python3
# http_test.py CLINFOLIO - `clinfolio serve` over HTTP (issue 9): content types, the 404 page,
# traversal attempts (raw paths, as http.client sends them), a symbolic link in the
# served tree, HEAD, ETag / Last-Modified and 304, folder redirects under the site's
# sub-path, a deleted file and a file renamed over another after the rebuild, the event
# stream, a failed rebuild's overlay, Ctrl-C leaving no private folder, and the fast render
# of the pages open in a browser. Prints one
# line per failure and ends with "N passed, N failed".
import http.client
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serve_util import Serve, save_by_rename, write  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tally import check, done  # noqa: E402


def until(cond, timeout=30):
    """Whether cond() comes true within timeout seconds (a change may take several rebuilds)."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def request(s, path, method="GET", headers=None):
    c = http.client.HTTPConnection(s.host, s.port, timeout=10)
    c.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
s = Serve(sys.argv[1], os.path.join(root, "tests/golden/basic"))
static = os.path.join(s.site, "content/static")
files = {  # name -> the Content-Type it must be served with
    "x.css": "text/css; charset=utf-8", "x.js": "text/javascript; charset=utf-8",
    "x.svg": "image/svg+xml; charset=utf-8", "x.json": "application/json; charset=utf-8",
    "x.csv": "text/csv; charset=utf-8", "x.txt": "text/plain; charset=utf-8",
    "x.png": "image/png", "x.jpg": "image/jpeg", "x.jpeg": "image/jpeg", "x.gif": "image/gif",
    "x.webp": "image/webp", "favicon.ico": "image/x-icon", "x.woff": "font/woff",
    "x.woff2": "font/woff2", "x.ttf": "font/ttf", "x.otf": "font/otf", "x.pdf": "application/pdf",
    "x.avif": "image/avif", "x.mp4": "video/mp4", "x.webm": "video/webm", "x.mp3": "audio/mpeg",
    "x.map": "application/json; charset=utf-8", "x.atom": "application/atom+xml; charset=utf-8",
    "x.rss": "application/rss+xml; charset=utf-8", "x.tsv": "text/tab-separated-values; charset=utf-8",
    "x.yaml": "application/yaml; charset=utf-8", "x.ics": "text/calendar; charset=utf-8",
    "x.xhtml": "application/xhtml+xml; charset=utf-8",
    "x.bin": "application/octet-stream",
}
for name in files:
    write(os.path.join(static, "types", name), "content of " + name + "\n")
write(os.path.join(static, "gone.txt"), "soon deleted\n")
write(os.path.join(static, "old.txt"), "the old text\n")
try:
    s.start()
    b = s.base
    check(b == "/golden/", "the site's sub-path is the base: " + s.url)

    # pages and content types
    st, h, body = request(s, b)
    check(st == 200 and h.get("content-type") == "text/html; charset=utf-8", "home: %d %s" % (st, h))
    check(b"/__clinfolio/events" in body and body.rstrip().endswith(b"</html>"),
          "home: the live-reload script is injected before </body>")
    check(b"http://127.0.0.1:%d/golden/" % s.port in request(s, b + "about/")[2],
          "base_url is the local address")
    for path, want in [("feed.xml", "application/xml; charset=utf-8"),
                       ("sitemap.xml", "application/xml; charset=utf-8"),
                       ("css/extra.css", "text/css; charset=utf-8")]:
        st, h, _ = request(s, b + path)
        check(st == 200 and h.get("content-type") == want, "%s: %d %s" % (path, st, h.get("content-type")))
    for name, want in files.items():
        st, h, body = request(s, b + "types/" + name)
        check(st == 200 and h.get("content-type") == want and body == ("content of %s\n" % name).encode(),
              "types/%s: %d %s, want %s" % (name, st, h.get("content-type"), want))
    st, h, body = request(s, b + "css/extra.css")
    check(b"__clinfolio" not in body, "only HTML gets the script")

    # keep-alive: several requests on one connection
    c = http.client.HTTPConnection(s.host, s.port, timeout=10)
    socks = []
    for path in [b, b + "about/", b + "css/extra.css"]:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        socks.append((r.status, c.sock))
    c.close()
    check(all(st == 200 for st, _ in socks) and socks[0][1] is socks[2][1] and socks[0][1] is not None,
          "HTTP/1.1 keep-alive: one connection for three requests: %r" % socks)

    # 404
    st, h, body = request(s, b + "no/such/page/")
    check(st == 404 and b"Page not found" in body and h.get("content-type") == "text/html; charset=utf-8",
          "unknown path: 404.html with status 404, got %d" % st)
    st, _, body = request(s, "/elsewhere/x.html")
    check(st == 404 and b"Page not found" in body, "outside the base path: 404, got %d" % st)
    check(request(s, b + "index.html/")[0] == 404, "a file named as a folder is 404")
    check(request(s, b + ".clinfolio-output")[0] == 404, "clinfolio's marker file is not served")

    # traversal: never the site's files, never /etc/passwd
    for path in ["/../site.yaml", b + "../site.yaml", b + "../../site.yaml", "/%2e%2e/%2e%2e/etc/passwd",
                 b + "%2e%2e/%2e%2e/%2e%2e/etc/passwd", b + "%2E%2E/site.yaml", "//etc/passwd",
                 b + "/etc/passwd", "/%2F..", b + "%2F..%2Fsite.yaml", b + "..%2Fsite.yaml",
                 b + "..%5Csite.yaml", b + "x%00.html", b + "./index.html", "/golden/%2e/index.html"]:
        st, _, body = request(s, path)
        check(st in (400, 404) and b"root:" not in body and b"base_url" not in body,
              "%s: status %d, body %r" % (path, st, body[:80]))
    st, _, body = request(s, b + "%252e%252e/site.yaml")
    check(st == 404 and b"base_url" not in body, "decoded once: %%252e%%252e is a name, got %d" % st)

    # symbolic links in the served tree are never followed
    tree = s.served_tree()
    os.symlink("/etc/passwd", os.path.join(tree, "passwd.txt"))
    os.symlink("/etc", os.path.join(tree, "etc"))
    os.symlink(os.path.join(s.site, "site.yaml"), os.path.join(tree, "site.yaml"))
    for path in ["passwd.txt", "etc/passwd", "etc/", "site.yaml"]:
        st, _, body = request(s, b + path)
        check(st == 404 and b"root:" not in body and b"base_url" not in body,
              "symlink %s: status %d" % (path, st))

    # HEAD
    st, h, body = request(s, b + "css/extra.css", "HEAD")
    size = os.path.getsize(os.path.join(tree, "css/extra.css"))
    check(st == 200 and body == b"" and h.get("content-length") == str(size)
          and h.get("content-type") == "text/css; charset=utf-8", "HEAD: %d %s" % (st, h))
    st, h, body = request(s, b, "HEAD")
    check(st == 200 and body == b"" and int(h.get("content-length", 0)) > 0, "HEAD of a page: %d" % st)
    st, h, _ = request(s, b, "POST")
    check(st == 405 and h.get("allow") == "GET, HEAD", "POST: %d" % st)

    # ETag, Last-Modified, 304
    st, h, _ = request(s, b + "css/extra.css")
    etag, modified = h.get("etag"), h.get("last-modified")
    check(etag and modified, "ETag and Last-Modified are sent: %s" % h)
    st, h, body = request(s, b + "css/extra.css", headers={"If-None-Match": etag})
    check(st == 304 and body == b"" and h.get("etag") == etag, "If-None-Match: %d" % st)
    st, _, _ = request(s, b + "css/extra.css", headers={"If-None-Match": '"other"'})
    check(st == 200, "another ETag: 200, got %d" % st)
    st, _, _ = request(s, b + "css/extra.css", headers={"If-Modified-Since": modified})
    check(st == 304, "If-Modified-Since: %d" % st)
    st, _, _ = request(s, b + "css/extra.css", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
    check(st == 200, "modified since 1970: 200, got %d" % st)
    st, h, _ = request(s, b + "about/")
    page_etag = h.get("etag")
    check(request(s, b + "about/", headers={"If-None-Match": page_etag})[0] == 304, "a page's ETag: 304")

    # folders: index.html, and redirects to the slash
    for path, loc in [(b + "projects", b + "projects/"), ("/golden", "/golden/"), ("/", "/golden/")]:
        st, h, _ = request(s, path)
        check(st == 301 and h.get("location") == loc, "%s: %d to %s" % (path, st, h.get("location")))
    check(request(s, b + "projects/")[0] == 200, "a folder serves its index.html")

    # the event stream
    c = http.client.HTTPConnection(s.host, s.port, timeout=20)
    c.request("GET", "/__clinfolio/events")
    ev = c.getresponse()
    check(ev.status == 200 and ev.getheader("content-type") == "text/event-stream", "events: %d" % ev.status)

    # a deleted file is 404 after the rebuild, and the stream says reload
    n = s.rebuilds()
    os.unlink(os.path.join(static, "gone.txt"))
    s.wait_rebuild(n)
    check(request(s, b + "gone.txt")[0] == 404, "a deleted file is 404")
    text = b""
    while b"data: " not in text.split(b"event: reload", 1)[-1]:
        text += ev.readline()
    check(b"event: reload\ndata: page\n" in text, "events: reload after a rebuild: %r" % text)
    # a change to stylesheets only: the pages swap their stylesheets, no reload
    n = s.rebuilds()
    with open(os.path.join(static, "css/extra.css"), "a") as f:
        f.write("p { margin: 0 }\n")
    s.wait_rebuild(n)
    text = b""
    while b"data: " not in text.split(b"event: reload", 1)[-1]:
        text += ev.readline()
    check(b"event: reload\ndata: css\n" in text, "events: a stylesheet change is data: css: %r" % text)
    c.close()
    check(request(s, b + "about/", headers={"If-None-Match": page_etag})[0] == 200,
          "a page's ETag changes with every rebuild (the overlay may change)")

    # a file renamed over another (an editor's save), in static and in content
    n = s.rebuilds()
    save_by_rename(os.path.join(static, "old.txt"), "the new text\n")
    s.wait_rebuild(n)
    check(request(s, b + "old.txt")[2] == b"the new text\n", "a static file renamed over another")
    about = os.path.join(s.site, "content/about.md")
    with open(about, encoding="utf-8") as f:
        good = f.read()
    n = s.rebuilds()
    save_by_rename(about, good.replace("A plain page", "A renamed-over page"))
    s.wait_rebuild(n)
    check(b"A renamed-over page" in request(s, b + "about/")[2], "a page renamed over another")
    # as vim saves: the page renamed away to a backup, the new one written, the backup
    # deleted; no rebuild sees the page missing (a rename away is no finished save)
    n = s.rebuilds()
    os.rename(about, about + "~")
    write(about, good.replace("A plain page", "A page saved as vim does"))
    os.remove(about + "~")
    s.wait_rebuild(n)
    time.sleep(0.3)  # a second rebuild would have started by now
    check(b"A page saved as vim does" in request(s, b + "about/")[2]
          and all(l.startswith("rebuilt ") for l in s.lines[n:]),
          "a page saved as vim does: %r" % s.lines[n:])
    n = s.rebuilds()
    save_by_rename(about, good.replace("A plain page", "A renamed-over page"))
    s.wait_rebuild(n)

    # a new folder is watched: a file created in it later rebuilds too
    n = s.rebuilds()
    os.makedirs(os.path.join(static, "newdir/deeper"))
    write(os.path.join(static, "newdir/deeper/a.txt"), "a\n")
    check(until(lambda: request(s, b + "newdir/deeper/a.txt")[0] == 200), "a new folder's file")
    write(os.path.join(static, "newdir/deeper/b.txt"), "b\n")
    check(until(lambda: request(s, b + "newdir/deeper/b.txt")[2] == b"b\n"), "a file in a new folder")

    # warnings: printed when they appear, not again on the next rebuild
    n, e = s.rebuilds(), len(s.errs)
    write(os.path.join(s.site, "content/warned.md"), "---\ntitle: Warned\ndate: 2024-05-01\n---\nSee <b>this</b>.\n")
    line = s.wait_rebuild(n)
    s.wait_line(lambda x: x.startswith("content/warned.md:5:5: warning: raw HTML dropped"), e, 10, s.errs)
    check("1 warning" in line, "a new warning is counted: %s" % line)
    n, e = s.rebuilds(), len(s.errs)
    write(os.path.join(static, "another.txt"), "x\n")
    line = s.wait_rebuild(n)
    time.sleep(0.3)  # standard error has its own reader
    check(s.errs[e:] == [] and "1 warning" in line, "an old warning is not printed again: %s %s"
          % (line, s.errs[e:]))

    # the site's schema.yaml is watched: a key it makes required fails the next build
    n, e = s.rebuilds(), len(s.errs)
    schema = os.path.join(s.site, "schema.yaml")
    write(schema, "sections:\n  projects:\n    keys:\n      audit_key: {type: text, required: true}\n")
    line = s.wait_rebuild(n)
    check(line.startswith("rebuild failed with"), "a new schema.yaml rebuilds: " + line)
    s.wait_line(lambda x: "audit_key" in x and ": error: " in x, e, 10, s.errs)  # stderr has its own reader
    n = s.rebuilds()
    os.remove(schema)
    line = s.wait_rebuild(n)
    check(line.startswith("rebuilt "), "schema.yaml removed: " + line)

    # a failed rebuild: the last good site, with the overlay on every page, then gone
    n = s.rebuilds()
    save_by_rename(about, good.replace("title:", "title: [unclosed\nx:", 1))
    line = s.wait_rebuild(n)
    check(line.startswith("rebuild failed with"), "the failure is one line: " + line)
    st, _, body = request(s, b + "about/")
    check(st == 200 and b'role="alert"' in body and b"content/about.md:" in body
          and b": error: " in body and b"A renamed-over page" in body,
          "the overlay over the last good page: %r" % body[-600:])
    check(b'role="alert"' in request(s, b + "no/such/")[2], "the overlay on the 404 page too")
    # stderr has its own reader, which may come after the rebuild line on stdout (a race
    # seen under ASan): wait for it as the schema check above does
    try:
        s.wait_line(lambda x: "content/about.md:" in x and ": error: " in x, 0, 10, s.errs)
        shown = True
    except RuntimeError:
        shown = False
    check(shown, "the terminal shows it")
    n = s.rebuilds()
    save_by_rename(about, good)
    line = s.wait_rebuild(n)
    check(line.startswith("rebuilt "), "the next good build: " + line)
    check(b'role="alert"' not in request(s, b + "about/")[2], "the overlay is gone")

    # Ctrl-C: ends by the signal (the shell's 130), the private folder removed
    check(len(s.private_dirs()) == 1, "one private folder while serving")
    rc = s.interrupt()
    check(rc == -2, "SIGINT ends serve by the signal: %r" % rc)
    check(s.private_dirs() == [] and os.listdir(s.tmpdir) == [], "no private folder left: %s"
          % os.listdir(s.tmpdir))
    check(not os.path.exists(os.path.join(s.site, "public")), "public/ never written")
except Exception as e:  # a hang or a crash is one failure with its reason
    check(False, "%s: %s\nstdout: %s\nstderr: %s" % (type(e).__name__, e, s.lines[-10:], s.errs[-10:]))
finally:
    s.close()

# a site whose first build fails: every page says so with the overlay (503), until it builds
s = Serve(sys.argv[1], os.path.join(root, "tests/golden/basic"))
about = os.path.join(s.site, "content/about.md")
with open(about, encoding="utf-8") as f:
    good = f.read()
write(about, good.replace("title:", "title: [unclosed\nx:", 1))
try:
    s.start()
    check(s.lines[0].startswith("build failed with 1 error"), "the first build fails: %s" % s.lines)
    check(s.base == "/golden/", "the base path is known before a good build: " + s.url)
    st, h, body = request(s, s.base + "about/")
    check(st == 503 and b'role="alert"' in body and b"content/about.md:" in body
          and b"/__clinfolio/events" in body, "not built yet: %d %r" % (st, body[:200]))
    # the overlay lists 50 errors at most; the terminal has them all
    n = s.rebuilds()
    for i in range(59):
        write(os.path.join(s.site, "content/broken/b%02d.md" % i), "---\ntitle: [x\n---\n")
    line = s.wait_line(lambda x: x.startswith("rebuild failed with 60 errors"), n)  # maybe not the first
    body = request(s, s.base + "about/")[2].decode()
    check(line.startswith("rebuild failed with 60 errors") and body.count(": error: ") == 50
          and "... and 10 more: see the terminal" in body, "60 errors: %s, %d in the overlay"
          % (line, body.count(": error: ")))
    n = s.rebuilds()
    shutil.rmtree(os.path.join(s.site, "content/broken"))
    save_by_rename(about, good)
    line = s.wait_line(lambda x: x.startswith("rebuilt "), n)
    st, h, body = request(s, s.base + "about/")
    check(line.startswith("rebuilt ") and st == 200 and b'role="alert"' not in body,
          "then the site: %s %d" % (line, st))
    rc = s.interrupt()
    check(rc == -2 and os.listdir(s.tmpdir) == [], "SIGINT: %r, %s" % (rc, os.listdir(s.tmpdir)))
except Exception as e:
    check(False, "%s: %s\nstdout: %s\nstderr: %s" % (type(e).__name__, e, s.lines[-10:], s.errs[-10:]))
finally:
    s.close()

# a port given with -p that is in use: said, and exit status 2 (as a bad command line)
taken = socket.socket()
taken.bind(("127.0.0.1", 0))
taken.listen(1)
own_tmp = tempfile.mkdtemp(prefix="serve-port-")
r = subprocess.run([sys.argv[1], "serve", "-s", os.path.join(root, "tests/golden/basic"), "-p",
                    str(taken.getsockname()[1])], capture_output=True, text=True, timeout=60,
                   env=dict(os.environ, TMPDIR=own_tmp))
check(r.returncode == 2 and "is in use" in r.stderr and os.listdir(own_tmp) == [],
      "-p with a port in use: %d %r, left %r" % (r.returncode, r.stderr, os.listdir(own_tmp)))
taken.close()
shutil.rmtree(own_tmp, ignore_errors=True)

# -v: after each build, the milliseconds of its parts
s = Serve(sys.argv[1], os.path.join(root, "tests/golden/basic"), extra_args=("-j", "2", "-v"))
try:
    s.start()
    ms = re.compile(r"ms: load \d+, images \d+, plugins \d+, markdown \d+, render \d+, "
                    r"feed/sitemap/search/static/commit \d+ \(search \d+\)$")
    check(s.lines[0].startswith("built ") and ms.match(s.lines[1]),
          "-v: the first build's parts: %s" % s.lines[:2])
    n = s.rebuilds()
    about = os.path.join(s.site, "content/about.md")
    with open(about, "a", encoding="utf-8") as f:
        f.write("\nOne more line.\n")
    s.wait_rebuild(n)
    line = s.wait_line(lambda x: x.startswith("ms: "), n)
    check(ms.match(line) is not None, "-v: a rebuild's parts: %s" % line)
except Exception as e:
    check(False, "%s: %s\nstdout: %s\nstderr: %s" % (type(e).__name__, e, s.lines[-10:], s.errs[-10:]))
finally:
    s.close()

# the fast render (as hugo server's): the pages open in a browser, which their event
# streams name, render before the rest of a rebuild and reload at once; the rebuild's end
# does not reload them again, unless it failed (then to the last good page and the overlay)
class Stream:
    """An event stream read from a plain socket: a read that times out leaves it usable."""

    def __init__(self, s, page, since=None):
        query = ["page=" + urllib.parse.quote(page, safe="")] if page else []
        query += ["since=%d" % since] if since is not None else []
        self.sock = socket.create_connection((s.host, s.port), timeout=20)
        self.sock.sendall(("GET /__clinfolio/events%s HTTP/1.1\r\nHost: x\r\n\r\n"
                           % ("?" + "&".join(query) if query else "")).encode())
        self.data = b""
        head = self._until(b"\r\n\r\n", 20)
        check(head is not None and head.startswith(b"HTTP/1.1 200"), "events: %r" % head)

    def _until(self, mark, timeout):
        deadline = time.monotonic() + timeout
        while mark not in self.data:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.data += chunk
        part, self.data = self.data.split(mark, 1)
        return part

    def next_event(self, timeout):
        """The next event's lines (greeting and pings skipped; the body is chunked, so
        chunk sizes are dropped too), or None when none comes within timeout."""
        while True:
            block = self._until(b"\n\n", timeout)
            if block is None:
                return None
            lines = [l.strip() for l in block.decode().split("\n")]
            lines = [l for l in lines if l.startswith(("event:", "data:"))]
            if lines:
                return lines

    def close(self):
        self.sock.close()


s = Serve(sys.argv[1], os.path.join(root, "tests/golden/basic"))
try:
    s.start()
    b = s.base
    about = os.path.join(s.site, "content/about.md")
    shown_about = Stream(s, b + "about/")
    shown_other = Stream(s, b + "projects/anti-fog/")
    unnamed = Stream(s, None)
    reload = ["event: reload", "data: page"]
    n = s.rebuilds()
    with open(about, "a", encoding="utf-8") as f:
        f.write("\nA line the fast render shows.\n")
    s.wait_rebuild(n)
    check(shown_about.next_event(10) == reload, "fast render: the open page reloads")
    body = request(s, b + "about/")[2]
    since = re.search(rb"since=(\d+)", body)
    check(b"A line the fast render shows." in body and since, "fast render: the page shows the edit")
    check(shown_about.next_event(1) is None, "fast render: no second reload at the rebuild's end")
    check(Stream(s, b + "about/", int(since.group(1))).next_event(1) is None,
          "fast render: the reloaded page's stream is up to date")
    check(shown_other.next_event(10) == reload and shown_other.next_event(1) is None,
          "fast render: another open page reloads once, at the rebuild's end")
    check(unnamed.next_event(10) == reload, "a stream naming no page reloads at the rebuild's end")
    # a rebuild that fails after the open page rendered: a reload for the fast render, then
    # one for the failure, which shows the last good page with the overlay
    n = s.rebuilds()
    write(os.path.join(s.site, "content/broken.md"),
          "---\ntitle: Broken\ndate: 2024-01-01\ntemplate: nosuch.html\n---\nx\n")
    line = s.wait_rebuild(n)
    check(line.startswith("rebuild failed with 1 error"), "a page without its template: " + line)
    ea, eh = shown_about.next_event(10), shown_other.next_event(10)
    check(ea == reload and eh == reload,
          "a failed rebuild reloads the open pages (the overlay): %r %r" % (ea, eh))
    n = s.rebuilds()
    with open(about, "a", encoding="utf-8") as f:
        f.write("\nA line of a build that fails.\n")
    line = s.wait_rebuild(n)
    check(line.startswith("rebuild failed with 1 error"), "the edit's rebuild fails: " + line)
    check(shown_about.next_event(10) == reload and shown_about.next_event(10) == reload,
          "fast render, then the failure: the open page reloads twice")
    eh = [shown_other.next_event(10), shown_other.next_event(1)]
    check(eh == [reload, None], "the page not edited reloads once, for the failure: %r" % eh)
    body = request(s, b + "about/")[2]
    check(b"A line the fast render shows." in body and b"A line of a build that fails." not in body
          and b'role="alert"' in body and b"content/broken.md:4:11: error:" in body,
          "after the failure: the last good page with the overlay")
except Exception as e:
    check(False, "%s: %s\nstdout: %s\nstderr: %s" % (type(e).__name__, e, s.lines[-10:], s.errs[-10:]))
finally:
    s.close()
sys.exit(done())
