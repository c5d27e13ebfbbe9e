#!/usr/bin/env python3
# incremental_test.py CLINFOLIO - incremental builds (issue #10) on a copy of the demo
# site: an unchanged rebuild writes nothing (every file keeps its inode and mtime, the
# output folder too); an edit changes exactly the files whose bytes change, and the result
# is byte-identical to a clean build (a bundle's image replaced under the same name too:
# its page converted again, new files); -j 1 and -j 8 agree; a damaged cache is ignored;
# a template edit renders everything again; a failed build leaves output and cache usable;
# a summary shown on the neighbours' pages changes them when its paragraph is edited; with
# 450 projects a facts edit makes the project list's index.json and its project's rows file
# again, not the others.
# Prints "N passed, N failed".
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tally import check, done, edit, copy_demo  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
LAST = {}


def build(site, out, *args, epoch="1767225600"):
    """Builds with -v (SOURCE_DATE_EPOCH epoch; None: the clock); returns (status, rendered,
    total, stderr); LAST holds the Markdown conversions, whether the plugin hooks ran, how
    many files' rules were checked."""
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    p = subprocess.run([BIN, "build", "-v", "-s", site, "-o", out] + list(args),
                       capture_output=True, text=True, env=env)
    m = re.search(r"rendered (\d+) of (\d+) pages", p.stdout)
    c = re.search(r"converted the Markdown of (\d+) of (\d+) pages \(parsed ([a-z ]+)\); "
                  r"plugin hooks (run|not)", p.stdout)
    f = re.search(r"parsed the front matter of (\d+) of (\d+) files", p.stdout)
    rd = re.search(r"read (\d+) of (\d+) content files to load them", p.stdout)
    h = re.search(r"page hooks run (\d+) of (\d+) times", p.stdout)
    pf = re.search(r"page_facts hooks run (\d+) of (\d+) times", p.stdout)
    r = re.search(r"checked the consistency rules of (\d+) of (\d+) files", p.stdout)
    dk = re.search(r"sitemap (kept|made); (\d+) of (\d+) project list data files kept",
                   p.stdout)
    LAST.clear()
    if dk:
        LAST.update(sitemap_kept=dk.group(1) == "kept", facets_kept=int(dk.group(2)),
                    facets_files=int(dk.group(3)))
    if r:
        LAST.update(rules_checked=int(r.group(1)), rules_files=int(r.group(2)))
    if h:
        LAST.update(hooks_run=int(h.group(1)), hook_calls=int(h.group(2)))
    if pf:
        LAST.update(facts_run=int(pf.group(1)), facts_calls=int(pf.group(2)))
    if c:
        LAST.update(converted=int(c.group(1)), pages=int(c.group(2)),
                    parallel=c.group(3) == "in parallel", hooks=c.group(4) == "run")
    if f:
        LAST.update(parsed=int(f.group(1)), files=int(f.group(2)))
    if rd:
        LAST.update(read=int(rd.group(1)))
    if not m:
        return p.returncode, -1, -1, p.stderr + p.stdout
    return p.returncode, int(m.group(1)), int(m.group(2)), p.stderr


def snapshot(out):
    """{path: (inode, mtime_ns, bytes)} of every file under out."""
    files = {}
    for d, _, names in os.walk(out):
        for n in names:
            path = os.path.join(d, n)
            st = os.lstat(path)
            with open(path, "rb") as f:
                files[os.path.relpath(path, out)] = (st.st_ino, st.st_mtime_ns, f.read())
    return files


def ctimes(out):
    """{path: ctime_ns} of every file and folder under out (a link or a write changes it)."""
    times = {}
    for d, dirs, names in os.walk(out):
        for n in dirs + names:
            path = os.path.join(d, n)
            times[os.path.relpath(path, out)] = os.lstat(path).st_ctime_ns
    return times


def after_text(out, rel):
    with open(os.path.join(out, rel), encoding="utf-8") as f:
        return f.read()


def same_bytes(a, b):
    return {k: v[2] for k, v in a.items()} == {k: v[2] for k, v in b.items()}


def live_record_byte(data):
    """The offset of the middle byte of the largest record the cache's index lists (the
    layout: generator/cache.c). A file appended to holds replaced records too, which no
    index entry names: a byte of theirs can change without damaging the cache."""
    def varint(at):
        value = shift = 0
        while True:
            b = data[at]
            at += 1
            value |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return value, at
    at = struct.unpack_from("<Q", data, len(data) - 16)[0] + 16  # past device and inode
    count = struct.unpack_from("<Q", data, at)[0]
    at += 16  # the count and the keys' bytes
    best = (0, 0)
    for _ in range(count):
        start, at = varint(at)
        _shared, at = varint(at)  # the start it shares with the key before
        rest_len, at = varint(at)
        at += rest_len
        length, at = varint(at)
        at += 8  # the hash
        best = max(best, (length, start))
    return best[1] + best[0] // 2


def changed_as_expected(site, out, before, what, *args):
    """Rebuilds incrementally; checks the result against a clean build and that exactly
    the files whose bytes changed got new inodes. Returns (rendered, total)."""
    status, rendered, total, err = build(site, out, *args)
    incremental = dict(LAST)
    check(status == 0, what + ": builds: " + err)
    after = snapshot(out)
    clean = os.path.join(os.path.dirname(out), "clean")
    shutil.rmtree(clean, ignore_errors=True)
    build(site, clean, "--clean")
    check(same_bytes(after, snapshot(clean)), what + ": the same bytes as a clean build")
    new_bytes = {k for k in after if k not in before or before[k][2] != after[k][2]}
    new_inode = {k for k in after if k not in before or before[k][0] != after[k][0]}
    check(new_bytes == new_inode,
          "%s: new inodes exactly for the changed files: changed %s, new inodes %s"
          % (what, sorted(new_bytes)[:8], sorted(new_inode)[:8]))
    LAST.clear()
    LAST.update(incremental)  # what the incremental build did, not the clean one
    return rendered, total, new_bytes


def many_projects(tmp):
    """More projects than one rows file holds (450 generated ones: rows-0 to rows-2): a
    facts edit of one project makes index.json and that project's rows file again and keeps
    the other rows files, a body edit keeps them all, each result a clean build's."""
    site = os.path.join(tmp, "many")
    os.mkdir(site)
    shutil.copy(os.path.join(HERE, "bench", "site.yaml"), site)
    for d in ("themes", "plugins"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(site, d))
    projects = os.path.join(site, "content", "projects")
    subprocess.run([sys.executable, os.path.join(HERE, "bench", "gen_corpus.py"), "450",
                    projects], check=True, capture_output=True)
    out = os.path.join(tmp, "many-public")
    status, rendered, total, err = build(site, out)
    check(status == 0 and LAST.get("facets_files") == 4,
          "450 projects: index.json and three rows files: %s %s" % (LAST, err[-300:]))
    # a project of the last rows file (its key is of its own projects, not the first's)
    facets = os.path.join(out, "facets", "en")
    with open(os.path.join(facets, "rows-2.json"), encoding="utf-8") as f:
        slug = re.search(r'"/projects/([^/"]+)/"', f.read())
    check(slug is not None, "rows-2.json lists projects")
    if not slug:
        return
    name = slug.group(1) + ".md"
    page = os.path.join(projects, name)
    url = '"/projects/%s/"' % slug.group(1)
    holding = [f for f in sorted(os.listdir(facets)) if f.startswith("rows-")
               and url in open(os.path.join(facets, f), encoding="utf-8").read()]
    check(holding == ["rows-2.json"], "the edited project is in rows-2.json alone: %s" % holding)
    # the furthest stage's date, which its row shows
    text = open(page, encoding="utf-8").read()
    stages = re.search(r"\nstages:\n((?:  [a-z_]+: \d{4}-\d\d-\d\d\n)+)", text)
    check(stages is not None, "the generated project has dated stages: %s" % name)
    if len(holding) != 1 or not stages:
        return
    last = stages.group(1).splitlines()[-1]
    moved = last[:-2] + ("27" if last[-2:] != "27" else "26")
    edit(page, "\n" + last + "\n", "\n" + moved + "\n")
    before = snapshot(out)
    rendered, total, changed = changed_as_expected(site, out, before, "450 projects, facts edit")
    made = sorted(k for k in changed if k.startswith("facets/"))
    check("facets/en/rows-2.json" in made
          and set(made) <= {"facets/en/index.json", "facets/en/rows-2.json"}
          and LAST.get("facets_kept") == 2 and LAST.get("facets_files") == 4,
          "450 projects, facts edit: index.json and rows-2.json made again (the row shows the "
          "new date), the other rows files kept: %s %s" % (made, LAST))
    edit(page, "\n## ", "\nA body edit.\n\n## ")
    before = snapshot(out)
    rendered, total, changed = changed_as_expected(site, out, before, "450 projects, body edit")
    check(LAST.get("facets_kept") == 4 and not any(k.startswith("facets/") for k in changed),
          "450 projects, body edit: every project list data file kept: %s" % LAST)


def main():
    tmp = tempfile.mkdtemp()
    try:
        site = copy_demo(os.path.join(tmp, "site"))
        out = os.path.join(tmp, "public")
        project = os.path.join(site, "content", "projects", "chest-drain-monitor.md")

        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == total and total > 50,
              "first build renders every page: %d of %d %s" % (rendered, total, err))
        # markdown.c's cmark_manage_extensions_special_characters() is the one cmark-gfm
        # calls: the program parses pages in parallel (else one at a time, under a lock)
        check(LAST.get("parallel") is True, "the Markdown is parsed in parallel")
        check(os.path.isfile(os.path.join(tmp, ".clinfolio-cache", "public.cache")),
              "the cache is beside the output folder")

        # nothing changed: nothing rendered, nothing written
        before = snapshot(out)
        before_ctimes = ctimes(out)
        dir_ino = os.lstat(out).st_ino
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == 0, "unchanged: renders nothing (%d of %d)" % (rendered, total))
        after = snapshot(out)
        check(after == before, "unchanged: every file keeps its bytes, inode and mtime")
        check(os.lstat(out).st_ino == dir_ino, "unchanged: the output folder itself is kept")
        check(ctimes(out) == before_ctimes, "unchanged: no file or folder was touched (ctime)")

        # an input touched but the same: no shortcut, yet nothing rendered or written
        os.utime(project)
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == 0 and LAST.get("converted") == 0
              and LAST.get("parsed") == 0 and ctimes(out) == before_ctimes,
              "touched input: nothing rendered, nothing written (%d of %d, %s)"
              % (rendered, total, LAST))

        # the same site named another way (a link to it, with a trailing "/", as "-s ."
        # against "-s /home/me/site" would): the same cache holds, nothing parsed again
        alias = os.path.join(tmp, "alias")
        os.symlink(site, alias)
        status, rendered, total, err = build(alias + "/", out)
        check(status == 0 and rendered == 0 and LAST.get("parsed") == 0
              and ctimes(out) == before_ctimes,
              "the site named another way: nothing parsed, rendered or written (%d of %d, %s)"
              % (rendered, total, LAST))

        # files changed or removed by hand in the output are made again
        page = os.path.join(out, "projects", "chest-drain-monitor", "index.html")
        os.unlink(page)
        with open(os.path.join(out, "feed.xml"), "a") as f:
            f.write("tampered")
        status, rendered, total, err = build(site, out)
        check(status == 0 and same_bytes(snapshot(out), before),
              "removed and changed output files come back (%d of %d rendered)" % (rendered, total))
        # a page's folder in the output replaced by a link to that folder moved elsewhere:
        # unchanged, the page is found through the link as the very file the last build
        # wrote, and kept (nothing written there); once the page changes, the build does
        # not write through the link, fails and leaves the output as it was
        folder = os.path.join(out, "projects", "cranioplasty-mould")
        moved = os.path.join(tmp, "moved-folder")
        os.rename(folder, moved)
        os.symlink(moved, folder)
        kept = os.stat(os.path.join(moved, "index.html"))
        seen = lambda: os.stat(os.path.join(moved, "index.html"))
        same = lambda a, b: (a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == \
            (b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)
        os.utime(project)  # not the unchanged shortcut: every render's file is looked at
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == 0 and same(seen(), kept),
              "linked page folder, page unchanged: kept, nothing written (%d rendered, %s)"
              % (rendered, err[-300:]))
        source = os.path.join(site, "content", "projects", "cranioplasty-mould.md")
        edit(source, "\n## ", "\nA sentence for the linked folder.\n\n## ")
        status, rendered, total, err = build(site, out)
        check(status == 1 and "Too many levels of symbolic links" in err and same(seen(), kept)
              and os.path.islink(folder),
              "linked page folder, page changed: not written through the link: %s" % err[-300:])
        edit(source, "\nA sentence for the linked folder.\n\n## ", "\n## ")
        os.unlink(folder)
        os.rename(moved, folder)
        status, rendered, total, err = build(site, out)
        check(status == 0 and same_bytes(snapshot(out), before),
              "linked page folder put back: the same site (%d rendered)" % rendered)

        after = snapshot(out)
        for n in (2, 3):  # what one build took from the cache, the next finds there again
            build(site, out)
            check(LAST.get("converted") == 0 and LAST.get("hooks") is False
                  and LAST.get("read") == 0,
                  "unchanged build %d: no file read, no Markdown converted, no plugin hook run: %s"
                  % (n, LAST))

        # a body edit (built through the other name): that page and the pages that show
        # its body or summary
        edit(project, "\n## ", "\nA sentence added by the test.\n\n## ")
        rendered, total, changed = changed_as_expected(alias, out, after, "body edit")
        check(0 < rendered < total // 4, "body edit renders few pages: %d of %d" % (rendered, total))
        check("projects/chest-drain-monitor/index.html" in changed, "body edit: the page changed")
        check(LAST.get("converted") == 1 and LAST.get("hooks") is False
              and LAST.get("parsed") == 1,
              "body edit: one file parsed, one page's Markdown converted, the plugins not run: %s"
              % LAST)
        with open(os.path.join(out, "projects", "chest-drain-monitor", "index.html")) as f:
            check("A sentence added by the test." in f.read(), "body edit: the new text is there")
        check("sitemap.xml" not in changed, "body edit: the sitemap kept")
        check(LAST.get("sitemap_kept") is True and LAST.get("facets_files") == 4
              and LAST.get("facets_kept") == 4,
              "body edit: the sitemap and both languages' project list data files (index.json "
              "and rows-0.json each) kept, not made again: %s" % LAST)
        check(LAST.get("read") == 1, "body edit: one content file read, the others known by "
              "their metadata: %s" % LAST)

        # the same size and modification time, other bytes: its change time tells (no tool
        # sets it back), so it is read again
        st = os.stat(project)
        edit(project, "A sentence added by the test.", "A sentence added by the TEST.")
        os.utime(project, ns=(st.st_atime_ns, st.st_mtime_ns))
        check(os.stat(project).st_size == st.st_size, "same-size edit: the size is as it was")
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "same-size edit")
        check("A sentence added by the TEST." in
              after_text(out, "projects/chest-drain-monitor/index.html") and LAST.get("read") == 1,
              "same-size edit, mtime set back: the file read again, its page changed: %s" % LAST)

        # a file touched (its bytes as they were): read once, its record kept with its new
        # metadata, so that the next build, for an edit elsewhere, reads only that one
        touched = os.path.join(site, "content", "projects", "lma-depth-marker.md")
        os.utime(touched)
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "touched file")
        check(LAST.get("read") == 1 and LAST.get("parsed") == 0 and not changed,
              "touched file: read, not parsed, nothing written: %s %s" % (LAST, sorted(changed)))
        edit(project, "A sentence added by the TEST.", "A sentence added by the test.")
        before = snapshot(out)
        changed_as_expected(site, out, before, "edit after a touch")
        check(LAST.get("read") == 1, "edit after a touch: only the edited file read: %s" % LAST)

        # the sitemap deleted from the output: made again, though no input changed
        os.unlink(os.path.join(out, "sitemap.xml"))
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "sitemap deleted")
        check(changed == {"sitemap.xml"}, "sitemap deleted: written again, alone: %s"
              % sorted(changed))

        # a project list data file deleted from the output: made again, alone, though no
        # input changed (the others kept as they are)
        rows = os.path.join(out, "facets", "zh", "rows-0.json")
        check(os.path.isfile(rows), "the demo has project list data files")
        os.unlink(rows)
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "facets file deleted")
        check(changed == {"facets/zh/rows-0.json"},
              "facets file deleted: written again, alone: %s" % sorted(changed))

        # a title edit: the lists that show it change too, and the project list data files
        # (their rows show titles) are made again
        before = snapshot(out)
        edit(project, "title: ", "title: Renamed ")
        rendered, total, changed = changed_as_expected(site, out, before, "title edit")
        check(0 < rendered < total // 2, "title edit renders fewer than half: %d of %d" % (rendered, total))
        check("projects/index.html" in changed, "title edit: the project list changed")
        check(LAST.get("facets_kept") == 0 and "facets/zh/rows-0.json" in changed,
              "title edit: the project list data files of both languages made again (the "
              "project is in both lists), with the new title: %s %s"
              % (LAST, sorted(k for k in changed if k.startswith("facets/"))))

        # a summary made from the first paragraph, shown on the neighbours' pages (a
        # template of the site that prints page.lower.summary and page.higher.summary):
        # an edit of that paragraph changes those pages too, as a clean build shows them
        # (the links' summaries come from the Markdown, after the plugins hashed the pages)
        theme_pager = os.path.join(site, "themes", "default", "templates", "partials",
                                   "pager.html")
        site_pager = os.path.join(site, "templates", "partials", "pager.html")
        os.makedirs(os.path.dirname(site_pager), exist_ok=True)
        with open(theme_pager, encoding="utf-8") as f:
            pager = f.read()
        with open(site_pager, "w", encoding="utf-8") as f:
            f.write(pager + '<p class="test-neighbours">{{ page.lower.summary }}|'
                    '{{ page.higher.summary }}</p>\n')
        build(site, out)
        before = snapshot(out)
        news = os.path.join(site, "content", "news", "2023-innovation-competition-results.md")
        edit(news, "今年秋季", "今年秋冬")
        rendered, total, changed = changed_as_expected(site, out, before, "neighbour's summary")
        shown = [k for k in changed if k.startswith("news/") and k.endswith("/index.html")
                 and "2023-innovation" not in k]
        check(len(shown) >= 1 and all("今年秋冬" in after_text(out, k) for k in shown),
              "neighbour's summary: the pages beside it changed, with the new summary: %s"
              % sorted(changed)[:8])

        # an image of a bundle's Markdown replaced by another under the same name (issue
        # 14): the page and its translation show the new files, the old ones leave
        before = snapshot(out)
        goggles = os.path.join(site, "content", "projects", "anti-fog-goggles")
        shutil.copy(os.path.join(site, "content", "projects", "evd-holder", "photo.jpg"),
                    os.path.join(goggles, "channel.jpg"))
        rendered, total, changed = changed_as_expected(site, out, before, "image replaced")
        page = "projects/anti-fog-goggles/index.html"
        check(page in changed and "en/" + page in changed,
              "image replaced: the page and its translation changed: %s" % sorted(changed)[:8])
        check(LAST.get("converted") == 2 and LAST.get("parsed") == 0,
              "image replaced: two pages' Markdown converted, no front matter parsed: %s" % LAST)
        gone = {k for k in before if k not in snapshot(out)}
        new = {k for k in changed if k not in before}
        check(len(gone) == 6 and all("/channel-" in k for k in gone | new) and len(new) == 6,
              "image replaced: its six files replaced by six new ones: %s %s"
              % (sorted(gone), sorted(new)))

        # a bibliography edit (issue 13): the pages citing the entry change, and only
        # their Markdown is not converted again (citations are resolved every build)
        before = snapshot(out)
        bib = os.path.join(site, "content", "reports", "references.bib")
        edit(bib, "Teaching Biomedical Technology Innovation", "Teaching Medical Technology Innovation")
        rendered, total, changed = changed_as_expected(site, out, before, "bibliography edit")
        report = "reports/2024-programme-evaluation/index.html"
        check(report in changed and "en/" + report in changed,
              "bibliography edit: both reports changed: %s" % sorted(changed)[:8])
        check(0 < rendered < total // 4, "bibliography edit renders few pages: %d of %d" % (rendered, total))
        with open(os.path.join(out, report), encoding="utf-8") as f:
            check("Teaching Medical Technology Innovation as a Discipline[J]" in f.read(),
                  "bibliography edit: the new title is in the reference list")

        # a bibliography named in site.yaml, outside content/: an input too
        before = snapshot(out)
        with open(os.path.join(site, "site.yaml"), "a", encoding="utf-8") as f:
            f.write("bibliography: refs/site.bib\n")
        os.mkdir(os.path.join(site, "refs"))
        site_bib = os.path.join(site, "refs", "site.bib")
        with open(site_bib, "w", encoding="utf-8") as f:
            f.write("@book{sitewide, title = {A Site-Wide Book}, year = 2020}\n")
        news = os.path.join(site, "content", "news", "_index.md")
        edit(news, "\n---\n", "\n---\nSee {{ cite(key=\"sitewide\") }}.\n\n")
        rendered, total, changed = changed_as_expected(site, out, before, "site.yaml bibliography")
        with open(os.path.join(out, "news", "index.html"), encoding="utf-8") as f:
            check("A Site-Wide Book[M]" in f.read(), "site.yaml bibliography: cited on a page")
        before = snapshot(out)
        edit(site_bib, "A Site-Wide Book", "A Renamed Book")
        rendered, total, changed = changed_as_expected(site, out, before, "site bibliography edit")
        check("news/index.html" in changed, "site bibliography edit: the citing page changed: %s"
              % sorted(changed)[:8])

        # the same edit built with 1 and with 8 threads from the same state
        before = snapshot(out)
        out1 = os.path.join(tmp, "j1")
        shutil.copytree(out, out1, copy_function=os.link)  # a copy of the tree and...
        build(site, out1, "--clean")  # ...its own cache
        edit(project, "A sentence added", "Another sentence added")
        build(site, out, "-j", "8")
        build(site, out1, "-j", "1")
        check(same_bytes(snapshot(out), snapshot(out1)), "-j 1 and -j 8 incremental builds agree")

        # a damaged cache is ignored, and the result is still right
        cache = os.path.join(tmp, ".clinfolio-cache", "public.cache")
        for how in ("flip", "cut"):
            with open(cache, "r+b") as f:
                data = bytearray(f.read())
                if how == "flip":
                    data[live_record_byte(data)] ^= 0x5A
                else:
                    data = data[: len(data) // 3]
                f.seek(0)
                f.truncate()
                f.write(data)
            before = snapshot(out)
            status, rendered, total, err = build(site, out)
            check(status == 0 and rendered == total and "damaged" in err,
                  "%s cache: not used, said with -v: %d of %d %r" % (how, rendered, total, err))
            check(same_bytes(snapshot(out), before), "%s cache: the same site" % how)

        # a template edit renders everything again
        footer = os.path.join(site, "themes", "default", "templates", "partials", "footer.html")
        with open(footer, "a", encoding="utf-8") as f:
            f.write("<!-- test -->\n")
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "template edit")
        check(rendered == total, "template edit renders every page: %d of %d" % (rendered, total))

        # a page removed: its file goes
        os.unlink(os.path.join(site, "content", "projects", "ecg-electrode-vest.md"))
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "page removed")
        check(not os.path.exists(os.path.join(out, "projects", "ecg-electrode-vest", "index.html")),
              "page removed: its output is gone")
        check("sitemap.xml" in changed and "ecg-electrode-vest" not in after_text(out, "sitemap.xml"),
              "page removed: the sitemap made again without it")

        # a page renamed: as many URLs, one of them new
        projects = os.path.join(site, "content", "projects")
        os.rename(os.path.join(projects, "cranioplasty-mould.md"),
                  os.path.join(projects, "cranioplasty-mold.md"))
        before = snapshot(out)
        rendered, total, changed = changed_as_expected(site, out, before, "page renamed")
        sitemap = after_text(out, "sitemap.xml")
        check("sitemap.xml" in changed and "/cranioplasty-mold/" in sitemap
              and "/cranioplasty-mould/" not in sitemap,
              "page renamed: the sitemap made again with its new URL")

        # a failed build changes nothing, and the cache still serves the next build
        before = snapshot(out)
        edit(project, "title: ", "title: [unclosed\n")
        status, rendered, total, err = build(site, out)
        check(status == 1 and snapshot(out) == before, "failed build: output untouched")
        edit(project, "title: [unclosed\n", "title: ")
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == 0 and snapshot(out) == before,
              "after a failed build: the cache still holds (%d of %d)" % (rendered, total))
        # the same when it fails late, after it appended records to the cache file: an
        # edited body (new Markdown record) and a broken reference in another page
        cache = os.path.join(tmp, ".clinfolio-cache", "public.cache")
        st = os.stat(cache)
        project_md = open(project, encoding="utf-8").read()
        with open(project, "a", encoding="utf-8") as f:
            f.write("\nA paragraph that fails with the build.\n")
        news = os.path.join(site, "content", "news", os.listdir(os.path.join(site, "content", "news"))[0])
        if os.path.isdir(news):
            news = os.path.join(news, "index.md")
        news_md = open(news, encoding="utf-8").read()
        with open(news, "a", encoding="utf-8") as f:
            f.write('\nSee {{ ref(id="fig:none") }}.\n')
        status, rendered, total, err = build(site, out)
        check(status == 1 and "unknown reference 'fig:none'" in err and snapshot(out) == before,
              "late failed build: output untouched: %r" % err[-300:])
        now = os.stat(cache)
        check((now.st_ino, now.st_size) == (st.st_ino, st.st_size),
              "late failed build: the cache file as it was (%d -> %d bytes)"
              % (st.st_size, now.st_size))
        with open(project, "w", encoding="utf-8") as f:
            f.write(project_md)
        with open(news, "w", encoding="utf-8") as f:
            f.write(news_md)
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == 0 and snapshot(out) == before,
              "after a late failed build: the cache still holds (%d of %d)" % (rendered, total))
        # an edit appends its records to the cache file; the next build reads them back.
        # From a cache written whole: the builds above replaced about half of its records,
        # and one with more replaced than live records is written anew (cache.c)
        os.unlink(cache)
        status, rendered, total, err = build(site, out)
        check(status == 0 and rendered == total, "no cache: every page rendered (%d of %d)"
              % (rendered, total))
        edit(project, "Another sentence added", "A sentence appended")
        st = os.stat(cache)
        status, rendered, total, err = build(site, out)
        now = os.stat(cache)
        check(status == 0 and 0 < rendered < total / 4 and now.st_ino == st.st_ino
              and now.st_size > st.st_size,
              "an edit appends to the cache file (%d of %d rendered, %d -> %d bytes)"
              % (rendered, total, st.st_size, now.st_size))
        edit(project, "A sentence appended", "Another sentence added")
        status, rendered, total, err = build(site, out)
        check(status == 0 and 0 < rendered < total / 4,
              "the appended cache is read back: %d of %d rendered" % (rendered, total))
        before = snapshot(out)

        # --clean renders everything, and still keeps identical files
        status, rendered, total, err = build(site, out, "--clean")
        check(status == 0 and rendered == total, "--clean renders every page")
        check(snapshot(out) == before, "--clean: identical files are kept as they were")

        # a facts edit: the plugins run again, the metrics change, and still as clean
        before = snapshot(out)
        edit(project, "  prototype: 2024-09-12", "  prototype: 2024-08-30")
        rendered, total, changed = changed_as_expected(site, out, before, "facts edit")
        check("metrics.json" in changed, "facts edit: metrics.json changed")
        check(LAST.get("facets_kept") == 0 and "facets/zh/rows-0.json" in changed,
              "facts edit: the project list data files made again (a row shows the stages "
              "reached and the furthest one's date): %s" % LAST)
        # the site_loaded hooks ran again (they see every page), the page hooks (of
        # stage_timeline and report_citations) only for the edited page: the other pages
        # and the keys of `site` they read are the same
        check(LAST.get("hooks") is True and LAST.get("hooks_run") == 2
              and LAST.get("hook_calls", 0) > 20,
              "facts edit: the page hooks ran for the edited page only: %s" % LAST)
        # a key of `site` a page hook reads (stage_timeline: site.languages) changed: it
        # runs for every page again (report_citations' reads no such key: kept)
        site_yaml = os.path.join(site, "site.yaml")
        edit(site_yaml, "    name: English\n", "    name: English (UK)\n")
        before = snapshot(out)
        st = os.stat(cache)
        changed_as_expected(site, out, before, "a language renamed")
        # site.yaml changed: nearly every record is made anew, in a file of its own, not
        # appended to the last one (which the next build would copy out again)
        now = os.stat(cache)
        check(now.st_ino != st.st_ino,
              "a language renamed: the cache written whole, not appended to (%d -> %d bytes)"
              % (st.st_size, now.st_size))
        check(LAST.get("hook_calls", 0) > 20
              and LAST.get("hooks_run") >= LAST.get("hook_calls") // 2,
              "a language renamed: stage_timeline's page hook ran for every page: %s" % LAST)
        edit(site_yaml, "    name: English (UK)\n", "    name: English\n")
        build(site, out)
        # the search keys changed: no page's value or HTML did, yet every search document
        # is another (what a document is made from names site.yaml's settings)
        before = snapshot(out)
        with open(site_yaml, "a", encoding="utf-8") as f:
            f.write("search: {keys: [clinical_need]}\n")
        rendered, total, changed = changed_as_expected(site, out, before, "search keys")
        check(any(k.startswith("search/") and "/t-" in k for k in changed),
              "search keys: the index's terms changed: %s" % sorted(changed)[:8])
        edit(site_yaml, "search: {keys: [clinical_need]}\n", "")
        build(site, out)

        # a page that chooses another template (a value its template does not read)
        before = snapshot(out)
        edit(project, "\nstatus: ", "\ntemplate: page.html\nstatus: ")
        rendered, total, changed = changed_as_expected(site, out, before, "template chosen")
        check("projects/chest-drain-monitor/index.html" in changed,
              "template chosen: the page is rendered with it")
        edit(project, "\ntemplate: page.html\n", "\n")

        # a file's own warnings are reported again when its front matter is not parsed again
        other = os.path.join(site, "content", "projects", "anti-fog-goggles", "index.md")
        edit(other, "\nstatus: ", "\nsponsor_note: a key the schema does not know\nstatus: ")
        first = build(site, out)
        edit(project, "\n## ", "\nOne more sentence.\n\n## ")
        again = build(site, out)
        for name, (status, rendered, total, err) in (("first", first), ("next", again)):
            check(status == 0 and "anti-fog-goggles/index.md" in err and "sponsor_note" in err,
                  "a file's warning, %s build: %r" % (name, err[-400:]))
        check(LAST.get("parsed") == 1, "a file's warning: only the edited file parsed: %s" % LAST)
        edit(other, "\nsponsor_note: a key the schema does not know\n", "\n")

        # the consistency rules' findings (rules.h) of a file not edited are kept and
        # reported again; a file edited, a new SOURCE_DATE_EPOCH, or the clock passing a
        # date of a file checks it again
        def warnings(err):
            return sorted(line for line in err.splitlines() if ": warning: " in line)

        edit(other, "updated: 2023-09-01", "updated: 2027-03-01")  # after the epoch
        first = build(site, out)
        check(LAST.get("rules_checked") == 2,
              "rules: the edited file checked, and its translation, which holds its facts: %s"
              % LAST)
        edit(project, "\n## ", "\nA rules sentence.\n\n## ")
        again = build(site, out)
        check(LAST.get("rules_checked") == 1 and LAST.get("rules_files", 0) > 50,
              "rules: only the edited file checked again: %s" % LAST)
        clean_rules = build(site, os.path.join(tmp, "clean-rules"), "--clean")
        for name, (status, rendered, total, err) in (("first", first), ("next", again)):
            check(status == 0 and "anti-fog-goggles/index.md" in err
                  and "'updated' 2027-03-01 is in the future" in err,
                  "rules: a kept finding is reported, %s build: %r" % (name, err[-400:]))
        check(warnings(again[3]) == warnings(clean_rules[3]) and warnings(again[3]),
              "rules: the same warnings as a clean build: %s" %
              sorted(set(warnings(again[3])) ^ set(warnings(clean_rules[3])))[:4])
        later = build(site, out, epoch="1804000000")  # 2027-03-03
        check(LAST.get("rules_checked") == LAST.get("rules_files")
              and "2027-03-01 is in the future" not in later[3],
              "rules: a new SOURCE_DATE_EPOCH checks every file again: %s" % LAST)
        # the clock (no SOURCE_DATE_EPOCH): the finding holds until the date it is about (a
        # stage's: date and updated also move the build date, which every file's rules read)
        edit(other, "updated: 2027-03-01", "updated: 2023-09-01")
        started = time.time()
        build(site, out, epoch=None)  # a build at the clock checks every file once
        # the date far enough ahead for two builds more (a sanitizer build takes seconds)
        date = int(time.time() + 3 * (time.time() - started) + 3)
        stage = time.strftime("market: %Y-%m-%dT%H:%M:%SZ", time.gmtime(date))
        edit(other, "market: 2023-04-10", stage)
        status, rendered, total, err = build(site, out, epoch=None)
        check(status == 0 and "in the future" in err and "anti-fog-goggles" in err,
              "rules, the clock: a date seconds ahead is in the future: %r" % err[-300:])
        edit(project, "\n## ", "\nA sentence before the date.\n\n## ")
        status, rendered, total, err = build(site, out, epoch=None)
        check(LAST.get("rules_checked") == 1 and "in the future" in err,
              "rules, the clock: a file's finding about a later date is kept (%.1f s before "
              "it): %s" % (date - time.time(), LAST))
        time.sleep(max(0.0, date - time.time() + 1.5))
        # nothing edited: the last build kept the file's findings with that date, so it is
        # the site's too (site_valid_until), and the build does not stop as unchanged
        status, rendered, total, err = build(site, out, epoch=None)
        check(status == 0 and "anti-fog-goggles/index.md" not in err
              and LAST.get("rules_checked") == 2,
              "rules, the clock: once past the date, the file is checked again and the "
              "finding is gone (that file and its translation, whose stages are its, "
              "checked): %s %r" % (LAST, err[-300:]))
        edit(other, stage, "market: 2023-04-10")
        build(site, out)

        # what plugins report is reported again when their results are reused
        with open(os.path.join(site, "plugins", "warner.lua"), "w") as f:
            f.write("return {\n"
                    "  site_loaded = function(site) clinfolio.warn('site seen') return {} end,\n"
                    "  page = function(page, site)\n"
                    "    if page.slug == 'chest-drain-monitor' then clinfolio.warn('page seen') end\n"
                    "    return {} end,\n"
                    "  generate = function(site)\n"
                    "    for _, p in ipairs(site.pages) do\n"
                    "      if p.slug == 'chest-drain-monitor' then\n"
                    "        return {{path = 'words.txt', content = tostring(p.word_count)}}\n"
                    "      end\n"
                    "    end\n"
                    "    return {}\n"
                    "  end,\n"
                    "}\n")
        edit(os.path.join(site, "site.yaml"), "plugins: [", "plugins: [warner, ")
        edit(os.path.join(site, "site.yaml"), "stale-project: warning", "stale-project: off")
        first = build(site, out)
        again = build(site, out)
        strict = build(site, out, "--strict")
        for name, (status, rendered, total, err) in (("first", first), ("again", again)):
            check(status == 0 and "warning: site seen" in err and "warning: page seen" in err,
                  "plugin warnings, %s build: %r" % (name, err[-600:]))
        check(again[1] == 0, "plugin warnings: the second build renders nothing")
        check(strict[0] == 1 and "error: site seen" in strict[3],
              "plugin warnings reused under --strict are errors: %r" % (strict[3][-300:],))

        # a generate hook that reads a page's Markdown results runs again when they change
        before = snapshot(out)
        edit(project, "\n## ", "\nFour more words here.\n\n## ")
        rendered, total, changed = changed_as_expected(site, out, before, "generate reads content")
        check("words.txt" in changed, "generate reads content: its file changed")

        # a page hook's result is kept while the page and the keys of `site` it read are the
        # same: a plugin whose page hook reads site.params, one that goes through every key
        # of site with pairs() (never kept), and the golden fixture's, which reads only the
        # page; a generate hook publishes what the first returned
        psite = os.path.join(tmp, "psite")
        pout = os.path.join(tmp, "psite-out")
        shutil.copytree(os.path.join(HERE, "golden", "plugins"), psite)
        shutil.rmtree(os.path.join(psite, "expected"))
        with open(os.path.join(psite, "plugins", "motto.lua"), "w", encoding="utf-8") as f:
            f.write("local M = {}\n"
                    "function M.page(page, site) return {motto = site.params.motto} end\n"
                    "function M.generate(site)\n"
                    "  local out = {}\n"
                    "  for _, p in ipairs(site.projects) do\n"
                    "    out[#out + 1] = tostring(p.title) .. ': ' .. tostring(p.data.motto)\n"
                    "  end\n"
                    "  return {{path = 'mottos.txt', content = table.concat(out, '\\n')}}\n"
                    "end\n"
                    "return M\n")
        with open(os.path.join(psite, "plugins", "every_key.lua"), "w", encoding="utf-8") as f:
            f.write("local M = {}\n"
                    "function M.page(page, site)\n"
                    "  local n = 0\n"
                    "  for _ in pairs(site) do n = n + 1 end\n"
                    "  return {site_keys = n}\n"
                    "end\n"
                    "return M\n")
        pyaml = os.path.join(psite, "site.yaml")
        edit(pyaml, "plugins: [demo]", "plugins: [demo, motto, every_key]")
        status, rendered, total, err = build(psite, pout)
        check(status == 0, "page hook memo site: builds: " + err)
        edit(pyaml, "author: Fixture Office", "author: Another Office")
        before = snapshot(pout)
        changed_as_expected(psite, pout, before, "site.yaml author")
        calls = LAST.get("hook_calls", 0)
        check(calls > 0 and calls % 3 == 0 and LAST.get("hooks_run") == calls // 3,
              "site.yaml author: only the hook that reads every key of site ran again: %s" % LAST)
        edit(pyaml, "motto: Measure twice", "motto: Cut once")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "site.params.motto")
        check(LAST.get("hooks_run") == 2 * calls // 3,
              "site.params.motto: the hook that reads it ran again for every page: %s" % LAST)
        check("mottos.txt" in changed and "Cut once" in open(os.path.join(pout, "mottos.txt"),
                                                             encoding="utf-8").read(),
              "site.params.motto: what the hook returned is the new motto")
        # a page hook that keeps site.projects from its first call and reads it in later
        # calls without going through site: those calls cannot be kept
        with open(os.path.join(psite, "plugins", "cached.lua"), "w", encoding="utf-8") as f:
            f.write("local M = {}\n"
                    "local projects\n"
                    "function M.page(page, site)\n"
                    "  projects = projects or site.projects\n"
                    "  local t = {}\n"
                    "  for _, p in ipairs(projects) do t[#t + 1] = tostring(p.title) end\n"
                    "  return {titles = table.concat(t, '|')}\n"
                    "end\n"
                    "function M.generate(site)\n"
                    "  local out = {}\n"
                    "  for _, p in ipairs(site.projects) do out[#out + 1] = p.data.titles end\n"
                    "  return {{path = 'titles.txt', content = table.concat(out, '\\n')}}\n"
                    "end\n"
                    "return M\n")
        edit(pyaml, "plugins: [demo, motto, every_key]", "plugins: [demo, motto, every_key, cached]")
        nerve = os.path.join(psite, "content", "projects", "nerve-guide.md")
        for k in range(8):  # pages enough for later calls on every worker
            with open(os.path.join(psite, "content", "projects", "copy-%d.md" % k), "w",
                      encoding="utf-8") as f:
                text = open(nerve, encoding="utf-8").read().replace("title: ", "title: C%d " % k, 1)
                f.write(re.sub(r"\nslug: .*", "", text))
        build(psite, pout)
        anti_fog = os.path.join(psite, "content", "projects", "anti-fog.md")
        edit(anti_fog, "title: ", "title: Renamed ")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "a kept proxy")
        titles = open(os.path.join(pout, "titles.txt"), encoding="utf-8").read()
        check("titles.txt" in changed and titles.count("Renamed ") == len(titles.split("\n")),
              "a kept proxy: every page's hook saw the new title: %r" % titles[:200])
        # a page hook that reads what an earlier plugin's page hook returned (page.data)
        # runs again when that changed, though its page's own facts did not
        with open(os.path.join(psite, "plugins", "echo.lua"), "w", encoding="utf-8") as f:
            f.write("local M = {}\n"
                    "function M.page(page, site) return {echo = page.data.motto} end\n"
                    "function M.generate(site)\n"
                    "  local out = {}\n"
                    "  for _, p in ipairs(site.projects) do out[#out + 1] = p.data.echo end\n"
                    "  return {{path = 'echoes.txt', content = table.concat(out, '\\n')}}\n"
                    "end\n"
                    "return M\n")
        edit(pyaml, "every_key, cached]", "every_key, cached, echo]")
        build(psite, pout)
        edit(pyaml, "motto: Cut once", "motto: Sand last")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "an earlier hook's data")
        echoes = open(os.path.join(pout, "echoes.txt"), encoding="utf-8").read().split("\n")
        check("echoes.txt" in changed and echoes and all(e == "Sand last" for e in echoes),
              "an earlier hook's data: the later hook saw the new motto: %r" % echoes[:4])

        # page_facts: run for every page before site_loaded, which gets what it returned by
        # page path; kept per page as a page hook's result is (the page, the keys of `site`
        # it read), carried over by a build that does not run the plugins
        with open(os.path.join(psite, "plugins", "tally.lua"), "w", encoding="utf-8") as f:
            f.write("local M = {}\n"
                    "function M.page_facts(page, site)\n"
                    "  if page.section ~= 'projects' then return nil end\n"
                    "  return {title = tostring(page.title), motto = tostring(site.params.motto)}\n"
                    "end\n"
                    "function M.site_loaded(site, facts)\n"
                    "  local n, out = 0, {}\n"
                    "  for _ in pairs(facts) do n = n + 1 end\n"
                    "  for _, p in ipairs(site.projects) do\n"
                    "    local f = facts[p.path]\n"
                    "    out[#out + 1] = f.title .. ' / ' .. f.motto\n"
                    "  end\n"
                    "  if #facts ~= n then error('#facts ' .. #facts .. ', pairs ' .. n) end\n"
                    "  return {tally = {lines = table.concat(out, '\\n'), n = n}}\n"
                    "end\n"
                    "function M.generate(site)\n"
                    "  return {{path = 'tally.txt',\n"
                    "           content = site.data.tally.lines .. '\\n' .. site.data.tally.n}}\n"
                    "end\n"
                    "return M\n")
        edit(pyaml, "cached, echo]", "cached, echo, tally]")
        status, rendered, total, err = build(psite, pout)
        check(status == 0, "page_facts: the site builds: " + err[-400:])
        tally_file = os.path.join(pout, "tally.txt")
        tally = (open(tally_file, encoding="utf-8").read().split("\n")
                 if os.path.exists(tally_file) else [])
        projects = len(os.listdir(os.path.join(psite, "content", "projects")))
        check(status == 0 and len(tally) == projects + 1 and tally[-1] == str(projects)
              and all(t.endswith(" / Sand last") for t in tally[:-1]),
              "page_facts: site_loaded gets every project's facts by path, no other page's: %r"
              % tally[:3])
        facts_calls = LAST.get("facts_calls", 0)
        check(facts_calls > projects and LAST.get("facts_run") == facts_calls,
              "page_facts: a new plugin's hook runs for every page: %s" % LAST)
        edit(anti_fog, "title: Renamed ", "title: Renamed again ")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "page_facts, a title")
        tally = open(os.path.join(pout, "tally.txt"), encoding="utf-8").read()
        # the page, and its neighbours: their page.lower or page.higher shows its title
        check("tally.txt" in changed and "Renamed again " in tally
              and 1 <= LAST.get("facts_run", 0) <= 3 and LAST.get("facts_calls") == facts_calls,
              "page_facts, a title: run for the edited page and its neighbours, site_loaded "
              "sees it: %s" % LAST)
        title_runs = LAST.get("facts_run")
        edit(pyaml, "motto: Sand last", "motto: Oil first")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "page_facts, site")
        tally = open(os.path.join(pout, "tally.txt"), encoding="utf-8").read()
        check("tally.txt" in changed and "Sand last" not in tally
              and LAST.get("facts_run") == projects,
              "page_facts, a key of site they read: run again for the pages that read it: %s"
              % LAST)
        # a body edit runs no plugin; the facts kept are there for the next facts edit
        edit(anti_fog, "\n## ", "\nA body edit.\n\n## ")
        before = snapshot(pout)
        rendered, total, changed = changed_as_expected(psite, pout, before, "page_facts, a body edit")
        after_body = open(os.path.join(pout, "tally.txt"), encoding="utf-8").read()
        check("facts_run" not in LAST and "tally.txt" not in changed and after_body == tally,
              "page_facts, a body edit: site_loaded does not run, nor page_facts, and what they "
              "made stays: %s" % LAST)
        edit(anti_fog, "title: Renamed again ", "title: Renamed once more ")
        before = snapshot(pout)
        changed_as_expected(psite, pout, before, "page_facts after a body edit")
        check(LAST.get("facts_run") == title_runs,
              "page_facts after a body edit: the other pages' facts were carried over: %s" % LAST)
        many_projects(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
