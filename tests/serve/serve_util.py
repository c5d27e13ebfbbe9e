# serve_util.py - start `clinfolio serve` on a copy of a site, for the serve tests and the
# bench: a private TMPDIR (so the test sees its private folder), port 0 (the kernel picks
# a free loopback port: no race with other tests), the URL read from its first line.
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time


class Serve:
    def __init__(self, binary, site_src, extra_args=("-j", "2"), drop=("expected", "public")):
        self.tmp = tempfile.mkdtemp(prefix="serve-test-")
        self.site = os.path.join(self.tmp, "site")
        # the folders of drop (top level) are not copied at all: the bench's site holds
        # every output it moved aside (21 GB after a BENCH_LARGE run), which a copy and a
        # removal made minutes long and then slowed the machine's file creation
        top = os.path.abspath(site_src)
        shutil.copytree(site_src, self.site, symlinks=True,
                        ignore=lambda d, names: [n for n in names if n in drop
                                                 and os.path.abspath(d) == top])
        self.tmpdir = os.path.join(self.tmp, "tmpdir")  # serve's $TMPDIR
        os.mkdir(self.tmpdir)
        self.binary = binary
        self.extra_args = list(extra_args)
        self.lines = []  # standard output, line by line
        self.errs = []
        self.cond = threading.Condition()
        self.proc = None

    def start(self, timeout=30):
        env = dict(os.environ, TMPDIR=self.tmpdir)
        self.proc = subprocess.Popen(
            [self.binary, "serve", "-s", self.site, "-p", "0", "--bind", "127.0.0.1"]
            + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.errs), daemon=True).start()
        line = self.wait_line(lambda l: l.startswith("serving "), 0, timeout)
        self.url = line.split(" at ", 1)[1].split(" ", 1)[0]  # http://127.0.0.1:PORT/base/
        rest = self.url.split("://", 1)[1]
        hostport, path = rest.split("/", 1)
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.base = "/" + path
        return self

    def _read(self, stream, into):
        for line in stream:
            with self.cond:
                into.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_line(self, pred, start, timeout=30, stream=None):
        """The first line of standard output (or stream: self.errs) from index start on
        that pred accepts; raises on timeout."""
        lines = self.lines if stream is None else stream
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for l in lines[start:]:
                    if pred(l):
                        return l
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise RuntimeError("serve: no expected line; stdout %r stderr %r"
                                       % (self.lines, self.errs[-20:]))
                self.cond.wait(min(left, 0.2))

    def rebuilds(self):
        with self.cond:
            return len(self.lines)

    def wait_rebuild(self, since, timeout=30):
        """Waits for a rebuild line printed after line index since; returns it."""
        return self.wait_line(lambda l: l.startswith(("rebuilt ", "rebuild failed")), since, timeout)

    def private_dirs(self):
        return [d for d in os.listdir(self.tmpdir) if d.startswith("clinfolio-serve-")]

    def served_tree(self):
        (d,) = self.private_dirs()
        return os.path.join(self.tmpdir, d, "site")

    def interrupt(self, timeout=10):
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout)

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def save_by_rename(path, text):
    """As editors save: a new file beside the page, renamed over it."""
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".new")
    write(tmp, text)
    os.rename(tmp, path)
