#!/usr/bin/python3
# images_test.py CLINFOLIO - page bundles and featured images (issue 14), on a site of the
# default theme with test photos made by tests/images/make_fixtures.py (libvips):
#  - a bundle's photo (1200 x 800, EXIF with a GPS position and a camera) published as WebP
#    and JPEG in 480, 960 and 1200 pixels, each file as wide and high as its srcset and
#    attributes say, none with EXIF, GPS or the camera's name, and the upload itself not
#    published; the bundle's PDF copied beside the page, its notes.md not a page (warning);
#  - a photo stored sideways (EXIF orientation 6) under content/static published upright;
#    a PNG narrower than 480 published at its own width;
#  - the page: <picture> with a WebP <source>, width/height, credit, og:image (absolute, the
#    file exists); a translation shows the original's files with its own image_alt;
#  - a second build makes no image file (all from the cache) and rewrites none; a new photo
#    makes new files and the old ones leave the output;
#  - clinfolio check reads the images without making any;
#  - errors at file:line:col with exit 1 and the previous output untouched: no alt, image
#    as a plain string, a missing file, a file that is no image, 60 megapixels; a folder
#    with both _index.md and index.md; content/index.md.
# Images in a bundle's Markdown and figure calls (issue 14, part 2), on a bundle "ward":
#  - a Markdown image of a photo stored sideways (ward.jpg, EXIF orientation 6) in a
#    sentence, an image in a sub-folder (./img/grad.jpg, EXIF GPS) with a "Figure:"
#    caption, a figure shortcode (chart.jpg) alone and inside a sentence: <picture>s with
#    a WebP <source>, srcset, sizes, width/height of the upright image, alt, the title,
#    lazy; numbered figures keep <figure>/<figcaption>; each srcset file exists with its
#    width and no metadata; the sources and an unused image are not published; a link to
#    the bundle's PDF is no broken link; the translation shows the original's files;
#  - a non-bundle page's relative image stays an <img> with the links pass's warning;
#  - a second build makes nothing; a new file under the same name gives new HTML and new
#    files (the Markdown converted again, not taken from the last build);
#  - errors at the image ('!') or the figure's src: a missing file, a file that is no image,
#    60 megapixels; a warning for an image without alt text.
# Prints "N passed, N failed".
import ctypes
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from tally import check, done  # noqa: E402

vips = ctypes.CDLL("libvips.so.42")
vips.vips_init(b"images_test")
vips.vips_image_new_from_file.restype = ctypes.c_void_p
vips.vips_image_new_from_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
vips.vips_image_get_width.argtypes = [ctypes.c_void_p]
vips.vips_image_get_height.argtypes = [ctypes.c_void_p]
vips.g_object_unref.argtypes = [ctypes.c_void_p]


def size_of(path):
    img = vips.vips_image_new_from_file(path.encode(), None)
    if not img:
        return None
    w, h = vips.vips_image_get_width(img), vips.vips_image_get_height(img)
    vips.g_object_unref(img)
    return (w, h)


def metadata_in(path):
    """What of a published file is metadata: a JPEG's APP1 (EXIF/XMP) segments, a WebP's
    EXIF or XMP chunk, and the test camera's name or GPS reference anywhere."""
    data = open(path, "rb").read()
    found = []
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 4 <= len(data) and data[i] == 0xFF and data[i + 1] not in (0xDA, 0xD9):
            if data[i + 1] == 0xE1:
                found.append("APP1")
            i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    if data[:4] == b"RIFF":
        i = 12
        while i + 8 <= len(data):
            n = int.from_bytes(data[i + 4:i + 8], "little")
            if data[i:i + 4] in (b"EXIF", b"XMP "):
                found.append(data[i:i + 4].decode())
            i += 8 + n + (n & 1)
    for needle in (b"clinfolio-test", b"Exif\0\0"):
        if needle in data:
            found.append(needle.decode(errors="replace"))
    return found


SITE_YAML = """title: Image test
base_url: https://example.org/
language: zh
languages:
  - {code: zh, name: 中文}
  - {code: en, name: English, path: en}
theme: default
stages:
  - {key: need, label: Clinical need}
  - {key: prototype, label: Prototype}
taxonomies:
  - {name: department, path: departments, title: Departments}
"""


def page(title, extra="", body="Body.\n"):
    return "---\ntitle: %s\ndate: 2024-05-01\ndepartment: Surgery\n%s---\n%s" % (title, extra, body)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def build(site, *args):
    return subprocess.run([BIN, "build", "-s", site] + list(args), capture_output=True,
                          text=True)


def snapshot(d):
    out = {}
    for dirpath, _, files in os.walk(d):
        for f in files:
            p = os.path.join(dirpath, f)
            st = os.stat(p)
            out[os.path.relpath(p, d)] = (st.st_ino, st.st_mtime_ns)
    return out


def srcset_files(html, public):
    """(path, declared width) of every srcset entry of html."""
    out = []
    for s in re.findall(r'srcset="([^"]*)"', html):
        for entry in s.split(", "):
            url, w = entry.rsplit(" ", 1)
            out.append((os.path.join(public, url.lstrip("/")), int(w[:-1])))
    return out

WARD_BODY = """The prototype on the ward: ![The prototype on the ward](ward.jpg "On the ward")

![A gradient from dark to light](./img/grad.jpg)

Figure: A gradient {#fig:grad}

{{ figure(src="chart.jpg", alt="A chart stored sideways", caption="Stages", id="fig:chart") }}

In a sentence: {{ figure(src="chart.jpg", alt="The chart again") }}, and [the leaflet](leaflet.pdf).
"""
SIZES = "(min-width: 48rem) 46rem, 100vw"


def fixture_copy(fix, name, to, extra):
    with open(to, "wb") as f:
        f.write(open(os.path.join(fix, name), "rb").read() + extra)


def prose(path):
    html = open(path, encoding="utf-8").read()
    m = re.search(r'<section class="prose"[^>]*>(.*?)</section>', html, re.S)
    return m.group(1) if m else ""


def picture(url, stem, widths, fallback, w, h, alt, extra=""):
    """The <picture> of a bundle's image: its files <url><stem>-<hash>-<width>.<ext>, as a
    regular expression (the hash is not known)."""
    def srcset(ext):
        return ", ".join(r"%s%s-[0-9a-f]{8}-%d\.%s %dw" % (url, stem, x, ext, x) for x in widths)
    return (r'<picture><source type="image/webp" srcset="%s" sizes="%s"><img src="%s%s-[0-9a-f]{8}-%d\.%s" '
            r'srcset="%s" sizes="%s" width="%d" height="%d" alt="%s"%s loading="lazy" '
            r'decoding="async"></picture>' % (srcset("webp"), re.escape(SIZES), url, stem, widths[-1],
                                             fallback, srcset(fallback), re.escape(SIZES), w, h,
                                             alt, extra))


def check_ward(r, public):
    """The first build: the ward's pictures, files and translation; plain.md's image."""
    check("content/projects/plain.md:6:12: warning: missing image 'photo.jpg': no file "
          "/projects/plain/photo.jpg in content/static/, the theme's static/ or the generated "
          "files" in r.stderr, "a non-bundle page's relative image: the links pass's warning, "
          "as before: %s" % r.stderr[-800:])
    check("ward" not in r.stderr and "leaflet" not in r.stderr,
          "no warning about the ward's images or its PDF link: %s" % r.stderr[-800:])
    folder = os.path.join(public, "projects/ward")
    files = sorted(os.listdir(folder))
    names = sorted(re.sub(r"-[0-9a-f]{8}-", "-H-", f) for f in files)
    check(names == ["chart-H-200.jpg", "chart-H-200.webp", "img", "index.html", "leaflet.pdf",
                    "ward-H-200.jpg", "ward-H-200.webp"],
          "the ward's files: the variants, the PDF, no source, no unused image: %s" % files)
    imgs = sorted(re.sub(r"-[0-9a-f]{8}-", "-H-", f) for f in os.listdir(os.path.join(folder, "img")))
    check(imgs == sorted("grad-H-%d.%s" % (w, e) for w in (480, 960, 1200) for e in ("jpg", "webp")),
          "the sub-folder's image published in the sub-folder, as variants only: %s" % imgs)
    html = prose(os.path.join(folder, "index.html"))
    url = "/projects/ward/"
    want = [
        ("the Markdown image in a sentence, upright (200 x 400), its title kept",
         "<p>The prototype on the ward: " + picture(url, "ward", [200], "jpg", 200, 400,
                                                    "The prototype on the ward",
                                                    ' title="On the ward"') + "</p>"),
        ("the image with a Figure: caption, numbered",
         '<figure id="fig:grad">\n' + picture(url, "img/grad", [480, 960, 1200], "jpg", 1200, 800,
                                              "A gradient from dark to light")
         + '\n<figcaption><span class="caption-label">图 1</span> A gradient</figcaption>\n</figure>'),
        ("the figure shortcode alone, numbered",
         '<figure id="fig:chart">\n' + picture(url, "chart", [200], "jpg", 200, 400,
                                               "A chart stored sideways")
         + '\n<figcaption><span class="caption-label">图 2</span> Stages</figcaption>\n</figure>'),
        ("the figure shortcode in a sentence",
         "<p>In a sentence: " + picture(url, "chart", [200], "jpg", 200, 400, "The chart again")
         + ', and <a href="leaflet.pdf">the leaflet</a>.</p>'),
    ]
    for what, pattern in want:
        check(re.search(pattern, html), "%s: %s" % (what, html[:3000]))
    check("<img src=\"ward.jpg" not in html and "chart.jpg\"" not in html,
          "no image left as written")
    entries = srcset_files(html, public)
    check(len(entries) == 12, "12 srcset entries (2 + 6 + 2 + 2): %d" % len(entries))
    for path, w in entries:
        got = size_of(path)
        upright = got is not None and got[0] == w and (
            got[1] == 2 * w if "/img/" not in path else abs(got[1] - w * 2 / 3) <= 1)
        check(upright, "%s is %s: %d wide, as its srcset says, and upright" % (path, got, w))
        check(metadata_in(path) == [], "%s carries no metadata: %s" % (path, metadata_in(path)))
    en = prose(os.path.join(public, "en/projects/ward/index.html"))
    check(re.search(picture(url, "ward", [200], "jpg", 200, 400, "The prototype on the ward"), en),
          "the translation shows the original's files: %s" % en)
    check(os.listdir(os.path.join(public, "en/projects/ward")) == ["index.html"],
          "the translation's folder holds no copy")
    plain = prose(os.path.join(public, "projects/plain/index.html"))
    check('<img src="photo.jpg" alt="A photo" />' in plain,
          "a non-bundle page's relative image stays as written: %s" % plain)


def check_new_ward_photo(site, fix, ward, public):
    """ward.jpg replaced by a wider photo of the same name: new HTML and new files."""
    folder = os.path.join(public, "projects/ward")
    old = [f for f in os.listdir(folder) if f.startswith("ward-")]
    fixture_copy(fix, "photo.jpg", os.path.join(ward, "ward.jpg"), b"ward, again")
    r = build(site, "-v")
    check(r.returncode == 0 and "image files: 6 made" in r.stdout,
          "a new ward.jpg: its six files made: %s" % r.stdout)
    check("converted the Markdown of 2 of" in r.stdout,
          "the page and its translation converted again, not taken from the last build: %s"
          % r.stdout)
    html = prose(os.path.join(folder, "index.html"))
    check(re.search(picture("/projects/ward/", "ward", [480, 960, 1200], "jpg", 1200, 800,
                            "The prototype on the ward", ' title="On the ward"'), html),
          "the page shows the new photo: %s" % html[:1500])
    en = prose(os.path.join(public, "en/projects/ward/index.html"))
    check(re.search(picture("/projects/ward/", "ward", [480, 960, 1200], "jpg", 1200, 800,
                            "The prototype on the ward"), en), "and so does the translation")
    now = os.listdir(folder)
    check(old and not set(old) & set(now), "the old photo's files left: %s" % now)
    for path, w in srcset_files(html, public):
        check(size_of(path) is not None and size_of(path)[0] == w, "%s is %d wide" % (path, w))


def check_ward_errors(site, fix, ward, public):
    """Errors at the image or the figure's src, exit 1, the output untouched; a warning."""
    index = os.path.join(ward, "index.md")
    good = open(index, encoding="utf-8").read()
    shutil.copy(os.path.join(fix, "not-an-image.jpg"), os.path.join(ward, "text.jpg"))
    shutil.copy(os.path.join(fix, "huge.png"), ward)
    cases = [
        ("![The prototype](gone.jpg)\n",
         "content/projects/ward/index.md:6:1: error: image 'gone.jpg': no file "
         "content/projects/ward/gone.jpg"),
        ("A scan: ![A scan](text.jpg)\n",
         "content/projects/ward/index.md:6:9: error: image content/projects/ward/text.jpg: not "
         "an image in a format the web shows (JPEG, PNG, WebP or GIF)"),
        ("很大的图：![很大](huge.png)\n",
         "content/projects/ward/index.md:6:6: error: image content/projects/ward/huge.png: the "
         "image is 10000 x 6000 pixels, more than 50 megapixels (a limit against decompression "
         "bombs): make it smaller"),
        ('{{ figure(src="gone.png", alt="A chart") }}\n',
         "content/projects/ward/index.md:6:15: error: image 'gone.png': no file "
         "content/projects/ward/gone.png"),
    ]
    before = snapshot(public)
    for body, message in cases:
        write(index, page("病房", body=body))
        r = build(site)
        check(r.returncode == 1 and r.stderr.count(message) == 1 and "missing image" not in r.stderr,
              "error %r, once (not again from the links pass): %s" % (message, r.stderr[-600:]))
    check(snapshot(public) == before, "failed builds leave the output untouched")
    write(index, page("病房", body="![](ward.jpg)\n"))
    r = build(site)
    check(r.returncode == 0 and "content/projects/ward/index.md:6:1: warning: image 'ward.jpg' "
          "has no alt text: write what it shows between the brackets, for readers who cannot "
          "see it" in r.stderr, "an image without alt text: a warning: %s" % r.stderr[-600:])
    write(index, good)
    r = build(site)
    check(r.returncode == 0, "files the page does not show are not read (text.jpg, huge.png "
          "in the bundle): %s" % r.stderr[-600:])


def main():
    tmp = tempfile.mkdtemp(prefix="images-test-")
    try:
        fix = os.path.join(tmp, "fixtures")
        subprocess.run(["/usr/bin/python3", os.path.join(HERE, "images/make_fixtures.py"), fix],
                       check=True)
        site = os.path.join(tmp, "site")
        os.makedirs(os.path.join(site, "themes"))
        shutil.copytree(os.path.join(ROOT, "themes/default"), os.path.join(site, "themes/default"))
        write(os.path.join(site, "site.yaml"), SITE_YAML)
        content = os.path.join(site, "content")
        write(os.path.join(content, "_index.md"), "---\ntitle: Home\n---\nHi.\n")
        write(os.path.join(content, "projects/_index.md"), "---\ntitle: Projects\n---\n")
        bundle = os.path.join(content, "projects/splint")
        write(os.path.join(bundle, "index.md"),
              page("夹板", "image: {src: photo.jpg, alt: 前臂上的夹板, credit: 项目组摄}\n"))
        write(os.path.join(bundle, "index.en.md"),
              "---\ntitle: Splint\nimage_alt: A splint on a forearm\n---\nBody.\n")
        shutil.copy(os.path.join(fix, "photo.jpg"), bundle)
        write(os.path.join(bundle, "leaflet.pdf"), "%PDF-1.4 a leaflet\n")
        write(os.path.join(bundle, "notes.md"), "notes, not a page\n")
        shutil.copy(os.path.join(fix, "rotated.jpg"), os.path.join(tmp, "r.jpg"))
        os.makedirs(os.path.join(content, "static/img"))
        shutil.copy(os.path.join(fix, "rotated.jpg"), os.path.join(content, "static/img"))
        write(os.path.join(content, "projects/turned.md"),
              page("Turned", "image: {src: /img/rotated.jpg, alt: A device on its side}\n"))
        small = os.path.join(content, "projects/small")
        write(os.path.join(small, "index.md"), page("Small", "image: {src: small.png, alt: A chart}\n"))
        shutil.copy(os.path.join(fix, "small.png"), small)
        ward = os.path.join(content, "projects/ward")
        write(os.path.join(ward, "index.md"), page("病房", body=WARD_BODY))
        write(os.path.join(ward, "index.en.md"),
              "---\ntitle: Ward\n---\nOn the ward: ![The prototype on the ward](ward.jpg)\n")
        os.makedirs(os.path.join(ward, "img"))
        # bytes of their own (a JPEG ignores what follows its end): each is made, not reused
        fixture_copy(fix, "rotated.jpg", os.path.join(ward, "ward.jpg"), b"ward")
        fixture_copy(fix, "photo.jpg", os.path.join(ward, "img/grad.jpg"), b"grad")
        fixture_copy(fix, "rotated.jpg", os.path.join(ward, "chart.jpg"), b"chart")
        fixture_copy(fix, "small.png", os.path.join(ward, "unused.png"), b"")
        write(os.path.join(ward, "leaflet.pdf"), "%PDF-1.4 a leaflet\n")
        write(os.path.join(content, "projects/plain.md"),
              page("Plain", body="Beside me: ![A photo](photo.jpg)\n"))
        shutil.copy(os.path.join(fix, "photo.jpg"), os.path.join(content, "projects"))

        r = build(site, "-v")
        check(r.returncode == 0, "the site builds: %s" % r.stderr[-2000:])
        check("content/projects/splint/notes.md: warning: not a page" in r.stderr,
              "a bundle's other .md file is no page, with a warning: %s" % r.stderr[-800:])
        check("image files: 20 made, 0 taken from the image cache" in r.stdout,
              "20 image files made (6 + 2 + 2, and the ward's 2 + 6 + 2): %s" % r.stdout)
        public = os.path.join(site, "public")
        files = sorted(os.listdir(os.path.join(public, "projects/splint")))
        want = ["index.html", "leaflet.pdf"] + sorted(
            "photo-%s-%d.%s" % (h, w, e) for w in (480, 960, 1200) for e in ("jpg", "webp")
            for h in [files[-1].split("-")[1]])
        check(files == want, "the bundle's files: the page, the PDF, 6 photos: %s" % files)
        check(not os.path.exists(os.path.join(public, "projects/splint/photo.jpg")),
              "the uploaded photo (with its GPS position) is not published")
        html = open(os.path.join(public, "projects/splint/index.html"), encoding="utf-8").read()
        entries = srcset_files(html, public)
        check(len(entries) == 6, "6 srcset entries: %s" % entries)
        for path, w in entries:
            got = size_of(path)
            check(got is not None and got[0] == w and abs(got[1] - w * 2 / 3) <= 1,
                  "%s is %s, as its srcset says (%d wide, 3:2)" % (path, got, w))
            check(metadata_in(path) == [], "%s carries no metadata: %s" % (path, metadata_in(path)))
        check('<source type="image/webp" srcset="/projects/splint/photo-' in html,
              "a WebP source in the picture")
        m = re.search(r'<figure class="project-photo">\s*<picture>.*?<img ([^>]*)>', html, re.S)
        attrs = m.group(1) if m else ""
        check('width="1200" height="800"' in attrs and 'alt="前臂上的夹板"' in attrs
              and "loading=" not in attrs,
              "the project photo: its size, its alt, not lazy (above the fold): %s" % attrs)
        check('class="project-photo__credit">项目组摄<' in html, "the credit under it")
        og = re.search(r'<meta property="og:image" content="([^"]*)">', html)
        check(og and og.group(1).startswith("https://example.org/projects/splint/photo-")
              and os.path.exists(os.path.join(public, og.group(1)[len("https://example.org/"):])),
              "og:image is absolute and its file exists: %s" % (og and og.group(1)))
        en = open(os.path.join(public, "en/projects/splint/index.html"), encoding="utf-8").read()
        check('alt="A splint on a forearm"' in en and 'src="/projects/splint/photo-' in en,
              "the translation shows the original's files with its own alt")
        check(not [f for f in os.listdir(os.path.join(public, "en/projects/splint"))
                   if f != "index.html"], "the translation's folder holds no copy")
        check(open(os.path.join(public, "projects/splint/leaflet.pdf")).read()
              == "%PDF-1.4 a leaflet\n", "the bundle's PDF copied as it is")
        term = open(os.path.join(public, "departments/surgery/index.html"), encoding="utf-8").read()
        check(re.search(r'class="card__image">.*?<img [^>]*loading="lazy"', term, re.S),
              "a card's photo is lazy")

        turned = [f for f in os.listdir(os.path.join(public, "projects/turned")) if f.endswith(".jpg")]
        check(len(turned) == 1 and size_of(os.path.join(public, "projects/turned", turned[0])) == (200, 400),
              "a photo stored sideways is published upright (200 x 400): %s" % turned)
        smalls = sorted(os.listdir(os.path.join(public, "projects/small")))
        check(smalls[1:] == sorted(f for f in smalls if f != "index.html")
              and [f.rsplit("-", 1)[1] for f in smalls if f != "index.html"] == ["300.png", "300.webp"],
              "a PNG narrower than 480 is published at its width, as PNG and WebP: %s" % smalls)

        check_ward(r, public)

        before = snapshot(public)
        r = build(site, "-v")
        check(r.returncode == 0 and "image files: 0 made" in r.stdout,
              "a second build makes no image file: %s" % r.stdout)
        check(snapshot(public) == before, "and rewrites no file")
        # a build that runs the passes (a page's text edited) takes every image file from the
        # cache and leaves the published ones as they were
        with open(os.path.join(content, "projects/turned.md"), "a", encoding="utf-8") as f:
            f.write("One more line.\n")
        r = build(site, "-v")
        after = snapshot(public)
        check(r.returncode == 0 and "image files: 0 made, 20 taken from the image cache" in r.stdout,
              "an edit elsewhere makes no image file, takes all 20 from the cache: %s" % r.stdout)
        check(all(after.get(k) == v for k, v in before.items() if "-" in os.path.basename(k)
                  and k.endswith((".jpg", ".png", ".webp"))),
              "and leaves every published image file as it was")
        with open(os.path.join(bundle, "photo.jpg"), "wb") as f:  # a new photo (200 x 400)
            f.write(open(os.path.join(fix, "rotated.jpg"), "rb").read() + b"new")
        r = build(site, "-v")
        files2 = os.listdir(os.path.join(public, "projects/splint"))
        check(r.returncode == 0 and "image files: 2 made, 14 taken" in r.stdout,
              "a new photo: its files made, the others reused: %s" % r.stdout)
        check(not set(files2) & set(want[2:]) and len([f for f in files2 if "-200." in f]) == 2,
              "its old files leave the output: %s" % files2)

        check_new_ward_photo(site, fix, ward, public)

        cache = os.path.join(site, ".clinfolio-cache/images")
        shutil.rmtree(cache)
        r = subprocess.run([BIN, "check", "-s", site], capture_output=True, text=True)
        check(r.returncode == 0 and not os.path.exists(cache),
              "check reads the images and makes none: %s" % r.stderr[-500:])

        # errors: each at its place, exit 1, the last output untouched
        index = os.path.join(bundle, "index.md")
        good = open(index, encoding="utf-8").read()
        cases = [
            ("image: {src: photo.jpg}\n",
             "content/projects/splint/index.md:5:8: error: image needs 'alt': what the picture "
             "shows, for readers who cannot see it"),
            ("image: photo.jpg\n",
             "content/projects/splint/index.md:5:8: error: image needs alt text: write image: "
             "{src: photo.jpg, alt: \"what the picture shows\"}"),
            ("image: {src: gone.jpg, alt: x}\n",
             "content/projects/splint/index.md:5:14: error: image 'gone.jpg': no file "
             "content/projects/splint/gone.jpg"),
            ("image: {src: text.jpg, alt: x}\n",
             "content/projects/splint/index.md:5:14: error: image "
             "content/projects/splint/text.jpg: not an image in a format the web shows (JPEG, "
             "PNG, WebP or GIF)"),
            ("image: {src: huge.png, alt: x}\n",
             "content/projects/splint/index.md:5:14: error: image "
             "content/projects/splint/huge.png: the image is 10000 x 6000 pixels, more than 50 "
             "megapixels (a limit against decompression bombs): make it smaller"),
            ("image: {src: 'https://example.com/a.jpg', alt: x}\n",
             "content/projects/splint/index.md:5:14: error: image 'https://example.com/a.jpg': it "
             "must be a file of the site, not a URL"),
        ]
        shutil.copy(os.path.join(fix, "not-an-image.jpg"), os.path.join(bundle, "text.jpg"))
        shutil.copy(os.path.join(fix, "huge.png"), bundle)
        before = snapshot(public)
        for front, message in cases:
            write(index, page("夹板", front))
            r = build(site)
            check(r.returncode == 1 and r.stderr.count(message) == 1,
                  "error %r, once: %s" % (message, r.stderr[-600:]))
        check(snapshot(public) == before, "failed builds leave the output untouched")
        write(index, good)
        check_ward_errors(site, fix, ward, public)
        write(os.path.join(bundle, "_index.md"), "---\ntitle: Both\n---\n")
        r = build(site)
        check(r.returncode == 1 and "content/projects/splint/index.md: error: a folder is a "
              "section (_index.md) or a page bundle (index.md), not both" in r.stderr,
              "a folder with _index.md and index.md: %s" % r.stderr[-400:])
        os.remove(os.path.join(bundle, "_index.md"))
        write(os.path.join(content, "index.md"), "---\ntitle: Home?\n---\n")
        r = build(site)
        check(r.returncode == 1 and "content/index.md: error: not a page: the home page is "
              "content/_index.md" in r.stderr, "content/index.md: %s" % r.stderr[-400:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


sys.exit(main())
