#!/usr/bin/env python3
# incremental_fuzz.py CLINFOLIO [STEPS [SEED]] - incremental builds against clean ones on a
# copy of the demo site, under random edits (issue #10): each step makes one or a few edits
# an author makes (a paragraph added or rewritten, a title, a date, a stage date, a tag, a draft
# flag, a page added, renamed or deleted, a translation's text, a letter for another, a file
# touched or put back as it was, a template, a plugin, site.yaml, the theme's interface
# text or the bibliography changed), then builds the site incrementally (with the last
# build's output and cache; -j 1 or -j 8) and from scratch (--clean, into another folder). The two must agree: the same exit status and
# diagnostics, and the same bytes in every file, and a rebuild with nothing changed then
# says the same and writes nothing; a failed build must leave the last output as it was.
# STEPS (default 24) and SEED (default 1) make a run repeatable; make fuzz runs more.
# Prints "N passed, N failed"; a failure says the seed, the step and its edits.
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 24
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import check, done, copy_demo  # noqa: E402
from incremental_test import snapshot, same_bytes  # noqa: E402

EPOCH = "1767225600"


def run(site, out, *args):
    """(exit status, stderr with the site's folder as @SITE@) of a build of site into out."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    p = subprocess.run([BIN, "build", "-q", "-s", site, "-o", out] + list(args),
                       capture_output=True, text=True, env=env)
    return p.returncode, p.stderr.replace(site, "@SITE@").replace(out, "@OUT@")


def read(path):
    return pathlib.Path(path).read_text(encoding="utf-8")


def write(path, text):
    pathlib.Path(path).write_text(text, encoding="utf-8")


class Site:
    """The copy of the demo being edited, with the edits' own random numbers."""

    def __init__(self, path, rng):
        self.path, self.rng, self.made, self.seen = path, rng, 0, {}

    def pages(self, section=None):
        root = os.path.join(self.path, "content", section or "")
        found = []
        for d, _, names in os.walk(root):
            found += [os.path.join(d, n) for n in names if n.endswith(".md")]
        return sorted(found)

    def projects(self):
        """Project pages that are not a section's list page."""
        return [p for p in self.pages("projects") if not os.path.basename(p).startswith("_")]

    def rel(self, path):
        return os.path.relpath(path, self.path)

    def pick(self, paths):
        return self.rng.choice(paths) if paths else None

    def front_body(self, path):
        text = read(path)
        m = re.match(r"---\n(.*?\n)---\n(.*)$", text, re.S)
        return (m.group(1), m.group(2)) if m else (None, text)

    def remember(self, path):
        """Keeps path's text, for a later edit to put back (the cache then holds records
        made from those very bytes)."""
        if os.path.isfile(path):
            self.seen.setdefault(path, []).append(read(path))

    # --- the edits: each returns what it did, or None when it found nothing to do ---

    def add_paragraph(self):
        path = self.pick(self.pages())
        self.remember(path)
        write(path, read(path).rstrip("\n") + "\n\nA paragraph added %d.\n" % self.rng.randrange(10**6))
        return "paragraph added to " + self.rel(path)

    def rewrite_first_paragraph(self):
        path = self.pick(self.pages())
        front, body = self.front_body(path)
        if front is None or not body.strip():
            return None
        self.remember(path)
        write(path, "---\n%s---\nThe first paragraph now %d. %s" % (front, self.rng.randrange(10**6), body))
        return "first paragraph of " + self.rel(path)

    def retitle(self):
        path = self.pick(self.pages())
        text = read(path)
        if not re.search(r"^title: .+$", text, re.M):
            return None
        self.remember(path)
        write(path, re.sub(r"^(title: .+)$", r"\1 X%d" % self.rng.randrange(100), text, count=1, flags=re.M))
        return "title of " + self.rel(path)

    def move_stage(self):
        path = self.pick(self.projects())
        text = read(path)
        dates = re.findall(r"^  ([a-z_]+): (\d{4})-(\d\d)-(\d\d)$", text, re.M)
        if not dates:
            return None
        key, y, mo, _ = self.rng.choice(dates)
        day = self.rng.randrange(1, 29)
        self.remember(path)
        write(path, re.sub(r"^  %s: \d{4}-\d\d-\d\d$" % key, "  %s: %s-%s-%02d" % (key, y, mo, day),
                           text, count=1, flags=re.M))
        return "stage %s of %s" % (key, self.rel(path))

    def redate(self):
        """A page's date: the lists' order, neighbours and the sitemap's lastmod."""
        path = self.pick(self.pages())
        text = read(path)
        if not re.search(r"^date: \d{4}-\d\d-\d\d$", text, re.M):
            return None
        date = "%d-%02d-%02d" % (self.rng.randrange(2022, 2026), self.rng.randrange(1, 13),
                                 self.rng.randrange(1, 29))
        self.remember(path)
        write(path, re.sub(r"^date: .*$", "date: " + date, text, count=1, flags=re.M))
        return "date of %s: %s" % (self.rel(path), date)

    def retag(self):
        path = self.pick(self.projects())
        text = read(path)
        m = re.search(r"^tags: \[(.*)\]$", text, re.M)
        if not m:
            return None
        tags = [t.strip() for t in m.group(1).split(",") if t.strip()]
        if tags and self.rng.random() < 0.5:
            tags.pop(self.rng.randrange(len(tags)))
        else:
            tags.append(self.rng.choice(["monitoring", "software", "airway", "catheter", "new-tag"]))
        self.remember(path)
        write(path, text[:m.start()] + "tags: [%s]" % ", ".join(tags) + text[m.end():])
        return "tags of %s: %s" % (self.rel(path), tags)

    def toggle_draft(self):
        path = self.pick(self.projects())
        text = read(path)
        self.remember(path)
        if "\ndraft: true\n" in text:
            write(path, text.replace("\ndraft: true\n", "\n", 1))
            return "draft no more: " + self.rel(path)
        write(path, text.replace("---\n", "---\ndraft: true\n", 1))
        return "draft: " + self.rel(path)

    def copies(self):
        """The pages copy_page and rename_page made (which delete_page may delete)."""
        return [p for p in self.projects() if re.match(r"(copy|renamed)-", os.path.basename(p))]

    def copy_page(self):
        # an original, not a bundle's text (its files would be missing) nor a translation
        # (x.en.md without x.md is an error, until a later step deletes it)
        src = self.pick([p for p in self.projects() if not re.search(r"(^index|\.[a-z]{2})\.md$",
                                                                      os.path.basename(p))])
        if not src:
            return None
        self.made += 1
        name = "copy-%d-%s" % (self.made, os.path.basename(src))
        dst = os.path.join(os.path.dirname(src), name)
        write(dst, re.sub(r"^(title: .+)$", r"\1 (copy %d)" % self.made, read(src), count=1,
                          flags=re.M))
        return "page added: " + self.rel(dst)

    def delete_page(self):
        path = self.pick(self.copies())
        if not path:
            return None
        self.remember(path)
        os.unlink(path)
        return "page deleted: " + self.rel(path)

    def rename_page(self):
        path = self.pick(self.copies())
        if not path:
            return None
        self.made += 1
        dst = os.path.join(os.path.dirname(path), "renamed-%d.md" % self.made)
        os.rename(path, dst)
        return "page renamed: %s -> %s" % (self.rel(path), self.rel(dst))

    def edit_translation(self):
        path = self.pick([p for p in self.pages() if p.endswith(".en.md")])
        if not path:
            return None
        self.remember(path)
        write(path, read(path).rstrip("\n") + "\n\nAn English line %d.\n" % self.rng.randrange(10**6))
        return "translation edited: " + self.rel(path)

    def touch(self):
        path = self.pick(self.pages())
        st = os.stat(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        return "touched " + self.rel(path)

    def put_back(self):
        path = self.pick(sorted(self.seen))
        if not path:
            return None
        write(path, self.rng.choice(self.seen[path]))
        return "put back an earlier text of " + self.rel(path)

    def same_size_edit(self):
        """One letter of the body for another: the size stays, the times change."""
        path = self.pick(self.pages())
        front, body = self.front_body(path)
        at = [m.start() for m in re.finditer(r"[a-z]", body)]
        if front is None or not at:
            return None
        i = self.rng.choice(at)
        self.remember(path)
        body = body[:i] + ("x" if body[i] != "x" else "y") + body[i + 1:]
        write(path, "---\n%s---\n%s" % (front, body))
        return "same-size edit of " + self.rel(path)

    def edit_interface_text(self):
        path = os.path.join(self.path, "themes", "default", "i18n", "en.yaml")
        text = read(path)
        write(path, re.sub(r"^(home: .+)$", r"\1 %d" % self.rng.randrange(100), text, count=1,
                           flags=re.M))
        return "interface text edited: home"

    def edit_bibliography(self):
        path = os.path.join(self.path, "content", "reports", "references.bib")
        text = read(path)
        m = re.search(r"^(  year\s*= \{)(\d{4})\}", text, re.M)
        if not m:
            return None
        write(path, text[:m.start(2)] + str(int(m.group(2)) + self.rng.choice([-1, 1])) + text[m.end(2):])
        return "bibliography: a year"

    def edit_template(self):
        tdir = os.path.join(self.path, "themes", "default", "templates")
        names = []
        for d, _, files in os.walk(tdir):
            names += [os.path.join(d, n) for n in files if n.endswith(".html")]
        path = self.pick(sorted(names))
        write(path, read(path) + "<!-- edit %d -->\n" % self.rng.randrange(10**6))
        return "template edited: " + self.rel(path)

    def edit_plugin(self):
        path = os.path.join(self.path, "plugins", self.rng.choice(["cohort_metrics.lua",
                                                                  "stage_timeline.lua"]))
        write(path, read(path) + "-- edit %d\n" % self.rng.randrange(10**6))
        return "plugin edited: " + self.rel(path)

    def edit_config(self):
        path = os.path.join(self.path, "site.yaml")
        text = read(path)
        m = re.search(r"^summary_length: (\d+)$", text, re.M)
        if not m:
            return None
        n = self.rng.choice([120, 200, 300])
        write(path, text[:m.start()] + "summary_length: %d" % n + text[m.end():])
        return "site.yaml summary_length: %d" % n


# the edits, weighted as authors make them: mostly pages, now and then the rest
EDITS = [("add_paragraph", 6), ("rewrite_first_paragraph", 4), ("retitle", 3), ("move_stage", 5),
         ("redate", 4),
         ("retag", 3), ("toggle_draft", 2), ("copy_page", 3), ("delete_page", 2),
         ("rename_page", 1), ("edit_translation", 3), ("touch", 2), ("put_back", 3),
         ("same_size_edit", 2), ("edit_template", 1), ("edit_plugin", 1), ("edit_config", 1),
         ("edit_interface_text", 1), ("edit_bibliography", 1)]


def main():
    rng = random.Random(SEED)
    tmp = tempfile.mkdtemp()
    try:
        path = copy_demo(os.path.join(tmp, "site"))
        site = Site(path, rng)
        out, clean = os.path.join(tmp, "public"), os.path.join(tmp, "clean")
        status, err = run(path, out)
        check(status == 0, "seed %d: the demo builds: %s" % (SEED, err))
        names = [n for n, w in EDITS for _ in range(w)]
        for step in range(1, STEPS + 1):
            did = []
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                what = getattr(site, rng.choice(names))()
                if what:
                    did.append(what)
            label = "seed %d step %d (%s)" % (SEED, step, "; ".join(did) or "nothing")
            before = snapshot(out)
            status, err = run(path, out, "-j", rng.choice(["1", "8"]))
            shutil.rmtree(clean, ignore_errors=True)
            want_status, want_err = run(path, clean, "--clean")
            check(status == want_status, "%s: exit status %d, a clean build's %d: %s"
                  % (label, status, want_status, err or want_err))
            check(err == want_err, "%s: the diagnostics differ from a clean build's:\n%s\n--- clean:\n%s"
                  % (label, err, want_err))
            if status == 0:
                got, want = snapshot(out), snapshot(clean)
                differ = sorted(k for k in set(got) | set(want)
                                if k not in got or k not in want or got[k][2] != want[k][2])
                check(not differ, "%s: files differ from a clean build's: %s" % (label, differ[:6]))
                # built again with nothing changed: the same diagnostics, no file written
                again, again_err = run(path, out)
                check(again == 0 and again_err == err and snapshot(out) == got,
                      "%s: a rebuild with nothing changed: status %d, diagnostics %s, files %s"
                      % (label, again, "the same" if again_err == err else "differ",
                         "untouched" if snapshot(out) == got else "written"))
            else:
                check(same_bytes(snapshot(out), before), "%s: the failed build changed the output" % label)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
