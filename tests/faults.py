#!/usr/bin/python3
"""faults.py CLINFOLIO - builds that end early leave nothing behind (issue #7, finding 4).

Each case builds the tests/errors/_base site once (the previous output), then starts a
second build that is slow or stuck on purpose and ends it: SIGTERM, SIGINT and SIGHUP
(the temporary tree is removed, the process ends by the signal), SIGKILL (the tree is
left and the next build removes it), the plugin watchdog (a filter stuck in a library
call), and a file size limit (ulimit -f: a write error, not a kill; with every file too
large, as on a full disk, one error, not one per file). Every time the
previous output must be byte-identical and no `.out.tmp-*` tree may stay. The cache
(.clinfolio-cache/out.cache) likewise: a build ended by a signal leaves the last build's
file as it was (what it appended cut off) or removes the temporary file it was writing
("out.cache.tmp-<pid>"), and the build after a killed one removes the killed one's.
Prints one line per failed check and ends with "N passed, N failed"."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import check, done  # noqa: E402


def snapshot(folder):
    """Every file's path and checksum."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = hashlib.md5(fh.read()).hexdigest()
    return out


def leftovers(parent):
    return sorted(e for e in os.listdir(parent) if e.startswith(".out.tmp-") or e.startswith(".out.old-"))


def cache_file(work):
    return os.path.join(work, ".clinfolio-cache", "out.cache")


def cache_leftovers(work):
    """The temporary cache files in the cache folder."""
    folder = os.path.dirname(cache_file(work))
    return sorted(e for e in os.listdir(folder) if ".tmp-" in e) if os.path.isdir(folder) else []


def digest(path):
    """The file's checksum, or None when it is missing."""
    if not os.path.exists(path):
        return None
    with open(path, "rb") as fh:
        return hashlib.md5(fh.read()).hexdigest()


# a filter that burns about a second of CPU per call, used on every page
SLOW_PLUGIN = """
return { filters = { slow = function(s)
    local x = 0
    for i = 1, 20000000 do x = x + i end
    return s
end } }
"""
# a filter stuck in one library call: only the watchdog ends it
STUCK_PLUGIN = """
return { filters = { slow = function(s)
    string.find(string.rep("a", 30000), ".-.-.-.-.-b")
    return s
end } }
"""


def make_site(root):
    """A copy of the error fixture."""
    shutil.copytree(os.path.join(HERE, "errors", "_base"), root)
    return root


def arm(root, plugin, seconds):
    """Adds the plugin, 40 pages, and a page template that calls its filter `slow`."""
    arm_settings(root, plugin, seconds)
    arm_pages(root)


def arm_settings(root, plugin, seconds):
    """The plugin, in site.yaml with its time limit: nothing calls its filter yet."""
    os.makedirs(os.path.join(root, "plugins"), exist_ok=True)
    with open(os.path.join(root, "plugins", "slow.lua"), "w") as f:
        f.write(plugin)
    with open(os.path.join(root, "site.yaml"), "a") as f:
        f.write(f"plugins: [slow]\nplugin_limits: {{seconds: {seconds}}}\n")


def arm_pages(root):
    """40 pages, and a page template that calls the plugin's filter `slow`."""
    os.makedirs(os.path.join(root, "templates"), exist_ok=True)
    with open(os.path.join(root, "templates", "page.html"), "w") as f:
        f.write("<!doctype html><title>{{ page.title | slow }}</title>\n")
    for i in range(40):
        with open(os.path.join(root, "content", "projects", f"p{i}.md"), "w") as f:
            f.write(f"---\ntitle: P{i}\ndate: 2024-01-02\n---\nBody {i}.\n")


def build(root, out, **kw):
    return subprocess.run([BIN, "build", "-q", "-j", "2", "-s", root, "-o", out],
                          capture_output=True, text=True, **kw)


def wait_for_tree(parent, proc, limit=60.0):
    """Waits until the build's temporary tree exists (it is made before the plugins run)."""
    end = time.monotonic() + limit
    while time.monotonic() < end and proc.poll() is None:
        if leftovers(parent):
            return True
        time.sleep(0.02)
    return False


def case(name, plugin, seconds, sig=None, no_cache=False):
    """no_cache: the last build's cache removed first, so the build writes a temporary file
    (with one, it appends to that file)."""
    work = tempfile.mkdtemp(prefix=f"clinfolio-faults-{name}-")
    try:
        root = make_site(os.path.join(work, "site"))
        out = os.path.join(work, "out")
        first = build(root, out)
        check(first.returncode == 0, f"{name}: the first build: {first.stderr}")
        before = snapshot(out)
        if no_cache:
            os.unlink(cache_file(work))
        arm(root, plugin, seconds)
        proc = subprocess.Popen([BIN, "build", "-q", "-j", "2", "-s", root, "-o", out],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started = wait_for_tree(work, proc)
        check(started, f"{name}: the second build made its temporary tree")
        if sig is not None:
            time.sleep(0.3)  # well into rendering
            proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            check(False, f"{name}: the build did not end")
        return work, root, out, before, proc.returncode, err
    except Exception:
        shutil.rmtree(work, ignore_errors=True)
        raise


def main():
    # SIGTERM, SIGINT, SIGHUP: removed at once, the process ends by the signal
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        name = sig.name
        work, root, out, before, status, err = case(name, SLOW_PLUGIN, 60, sig)
        check(status == -sig, f"{name}: ended by the signal (status {status}): {err}")
        check("output folder is left unchanged" in err, f"{name}: says so: {err!r}")
        check(leftovers(work) == [], f"{name}: no temporary tree left: {leftovers(work)}")
        check(snapshot(out) == before, f"{name}: the previous output is unchanged")
        check(cache_leftovers(work) == [], f"{name}: no temporary cache file: {cache_leftovers(work)}")
        shutil.rmtree(work)

    # the cache: what the ended build appended to the last build's file is cut off (the
    # file as it was: the next build uses it), or its temporary file is removed
    for no_cache in (False, True):
        name = "SIGTERM, " + ("a temporary cache file" if no_cache else "appending to the cache")
        work = tempfile.mkdtemp(prefix="clinfolio-faults-cache-")
        root = make_site(os.path.join(work, "site"))
        out = os.path.join(work, "out")
        # site.yaml as the slow build has it: a build with other settings than the last
        # one writes its cache whole, not appended to the last one's (cache.h)
        arm_settings(root, SLOW_PLUGIN, 60)
        check(build(root, out).returncode == 0, f"{name}: the first build")
        if no_cache:
            os.unlink(cache_file(work))
        cached = digest(cache_file(work))
        size = os.path.getsize(cache_file(work)) if not no_cache else 0
        arm_pages(root)
        proc = subprocess.Popen([BIN, "build", "-q", "-j", "2", "-s", root, "-o", out],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(wait_for_tree(work, proc), f"{name}: the build made its temporary tree")
        time.sleep(0.3)  # well into rendering: page and Markdown records written
        mid = cache_leftovers(work) if no_cache else None
        grown = os.path.getsize(cache_file(work)) if not no_cache else None
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        check(proc.returncode == -signal.SIGTERM, f"{name}: ended by the signal: {err}")
        if no_cache:
            check(len(mid) == 1, f"{name}: the build was writing a temporary file: {mid}")
            check(cache_leftovers(work) == [], f"{name}: it is removed: {cache_leftovers(work)}")
        else:
            check(grown > size, f"{name}: the build was appending ({size} -> {grown} bytes)")
            check(digest(cache_file(work)) == cached, f"{name}: the last build's cache is as it was")
        shutil.rmtree(work)

    # SIGKILL: nothing can run, so the tree (and the temporary cache file) stays; the next
    # build removes them
    work, root, out, before, status, err = case("SIGKILL", SLOW_PLUGIN, 60, signal.SIGKILL,
                                                no_cache=True)
    check(status == -signal.SIGKILL, f"SIGKILL: status {status}")
    left = leftovers(work)
    check(len(left) == 1, f"SIGKILL: the killed build's tree is there: {left}")
    if left:
        mode = os.stat(os.path.join(work, left[0])).st_mode & 0o7777
        check(mode == 0o700, f"SIGKILL: the leftover is private: {oct(mode)}")
    check(snapshot(out) == before, "SIGKILL: the previous output is unchanged")
    shutil.rmtree(os.path.join(root, "plugins"))
    shutil.rmtree(os.path.join(root, "templates"))
    with open(os.path.join(root, "site.yaml")) as f:
        cfg = [line for line in f if not line.startswith("plugin")]
    with open(os.path.join(root, "site.yaml"), "w") as f:
        f.writelines(cfg)
    killed = cache_leftovers(work)
    check(len(killed) == 1, f"SIGKILL: the killed build's temporary cache file is there: {killed}")
    again = build(root, out)
    check(again.returncode == 0, f"SIGKILL: the next build succeeds: {again.stderr}")
    check(leftovers(work) == [], f"SIGKILL: the next build removed the leftover: {leftovers(work)}")
    check(cache_leftovers(work) == [],
          f"SIGKILL: the next build removed the killed one's cache file: {cache_leftovers(work)}")
    shutil.rmtree(work)

    # the watchdog ends a filter stuck in a library call, and removes the tree first
    work, root, out, before, status, err = case("watchdog", STUCK_PLUGIN, 1)
    check(status == 1, f"watchdog: exit status {status}: {err}")
    check("time limit exceeded inside a library call" in err, f"watchdog: message: {err!r}")
    check(leftovers(work) == [], f"watchdog: no temporary tree left: {leftovers(work)}")
    check(snapshot(out) == before, "watchdog: the previous output is unchanged")
    shutil.rmtree(work)

    # ulimit -f: a write fails with EFBIG and is reported, the process is not killed
    work = tempfile.mkdtemp(prefix="clinfolio-faults-fsize-")
    root = make_site(os.path.join(work, "site"))
    out = os.path.join(work, "out")
    check(build(root, out).returncode == 0, "fsize: the first build")
    before = snapshot(out)
    with open(os.path.join(root, "content", "projects", "big.md"), "w") as f:
        f.write("---\ntitle: " + "B" * 200000 + "\n---\nBig.\n")
    limited = subprocess.run(
        ["sh", "-c", 'ulimit -f 64 && exec "$0" build -q -j 2 -s "$1" -o "$2"', BIN, root, out],
        capture_output=True, text=True)
    check(limited.returncode == 1, f"fsize: exit status {limited.returncode}: {limited.stderr}")
    check("File too large" in limited.stderr, f"fsize: the write error is reported: {limited.stderr!r}")
    check(leftovers(work) == [], f"fsize: no temporary tree left: {leftovers(work)}")
    check(snapshot(out) == before, "fsize: the previous output is unchanged")
    shutil.rmtree(work)

    # every file fails to write (a full disk fails each one alike): one error, the first,
    # with a note that the build stops; no message per file
    work = tempfile.mkdtemp(prefix="clinfolio-faults-full-")
    root = make_site(os.path.join(work, "site"))
    out = os.path.join(work, "out")
    check(build(root, out).returncode == 0, "full: the first build")
    before = snapshot(out)
    for k in range(30):
        with open(os.path.join(root, "content", "projects", f"big{k}.md"), "w") as f:
            f.write(f"---\ntitle: {k} " + "B" * 200000 + "\n---\nBig.\n")
    limited = subprocess.run(
        ["sh", "-c", 'ulimit -f 64 && exec "$0" build -q -j 2 -s "$1" -o "$2"', BIN, root, out],
        capture_output=True, text=True)
    check(limited.returncode == 1, f"full: exit status {limited.returncode}: {limited.stderr}")
    lines = limited.stderr.splitlines()
    writes = [line for line in lines if "cannot write" in line]
    check(len(writes) == 1 and "File too large" in writes[0],
          f"full: one write error, not one per file: {len(writes)} in {limited.stderr[:2000]!r}")
    check(any("nothing more is written: the build stops here" in line for line in lines),
          f"full: the note says the build stops: {limited.stderr[:2000]!r}")
    check("build failed with 1 error" in limited.stderr, f"full: one error: {lines[-1:]}")
    check(leftovers(work) == [], f"full: no temporary tree left: {leftovers(work)}")
    check(snapshot(out) == before, "full: the previous output is unchanged")
    shutil.rmtree(work)

    return done()


if __name__ == "__main__":
    sys.exit(main())
