#!/usr/bin/python3
"""make_demo_images.py [SOURCE...] - the demo's project pictures, rasterized from their SVG
sources with the system's libvips (through ctypes, as make_fixtures.py):

  tests/images/demo/<slug>.svg         ->  content/projects/<slug>/photo.jpg
  tests/images/demo/<slug>__<name>.svg ->  content/projects/<slug>/<name>.jpg

Each source is an original concept render or diagram drawn for the demo (1600 pixels wide,
text in DejaVu Sans and DejaVu Sans Mono, no external files), so the JPEGs can be made again
on any Debian 12 machine with libvips, librsvg and fonts-dejavu: run it from anywhere, with
the sources to redo (their names without .svg; default: every source). The JPEG is saved at
quality 85 without metadata; the folder content/projects/<slug>/ must exist (the project is
a page bundle). photo.jpg is the project's featured image; a <name>.jpg is shown in its
text (![...](<name>.jpg)).
"""
import ctypes
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCES = os.path.join(ROOT, "tests", "images", "demo")
PROJECTS = os.path.join(ROOT, "content", "projects")

vips = ctypes.CDLL("libvips.so.42")
vips.vips_init(b"make_demo_images")
vips.vips_error_buffer.restype = ctypes.c_char_p
vips.vips_image_get_width.argtypes = [ctypes.c_void_p]
vips.vips_image_get_height.argtypes = [ctypes.c_void_p]
vips.vips_array_double_new.restype = ctypes.c_void_p
P = ctypes.c_void_p


def check(r, what):
    if r != 0:
        raise SystemExit("%s: %s" % (what, vips.vips_error_buffer().decode(errors="replace")))


def render(svg, jpg):
    img = P()
    # 72 dpi: one SVG user unit is one pixel, so the 1600 x 1067 viewBox gives 1600 x 1067
    check(vips.vips_svgload(svg.encode(), ctypes.byref(img), b"dpi", ctypes.c_double(72.0),
                            None), svg)
    flat = P()  # the sources paint their own background; flatten drops the alpha band
    white = (ctypes.c_double * 3)(255.0, 255.0, 255.0)
    arr = vips.vips_array_double_new(white, 3)
    check(vips.vips_flatten(img, ctypes.byref(flat), b"background", P(arr), None), "flatten")
    check(vips.vips_jpegsave(flat, jpg.encode(), b"Q", 85, b"strip", 1, b"optimize_coding", 1,
                             b"interlace", 1, None), jpg)
    return vips.vips_image_get_width(flat), vips.vips_image_get_height(flat)


def main():
    names = sys.argv[1:] or sorted(f[:-4] for f in os.listdir(SOURCES) if f.endswith(".svg"))
    for name in names:
        svg = os.path.join(SOURCES, name + ".svg")
        slug, _, picture = name.partition("__")
        folder = os.path.join(PROJECTS, slug)
        if not os.path.isfile(svg):
            raise SystemExit("%s: no such source" % svg)
        if not os.path.isdir(folder):
            raise SystemExit("%s: not a page bundle (git mv content/projects/%s.md %s/index.md)"
                             % (folder, slug, folder))
        jpg = os.path.join(folder, (picture or "photo") + ".jpg")
        w, h = render(svg, jpg)
        print("%s: %d x %d, %d KB" % (os.path.relpath(jpg, ROOT), w, h,
                                      os.path.getsize(jpg) // 1024))


main()
