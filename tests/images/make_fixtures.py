#!/usr/bin/python3
"""make_fixtures.py DIR - the test images of the image tests, made with the system's
libvips (through ctypes) and an EXIF block written here byte by byte:

  photo.jpg     1200 x 800 JPEG, a horizontal gradient, EXIF with a GPS position
                (N 39 54' 0", E 116 23' 0") and the camera "clinfolio-test"
  rotated.jpg   400 x 200 JPEG stored sideways: EXIF Orientation 6 (shown turned 90
                degrees clockwise: 200 x 400), left half dark, right half light
  small.png     300 x 150 PNG (narrower than every width made: only its own width)
  huge.png      10000 x 6000 PNG of one colour (60 megapixels: refused)
  not-an-image.jpg  text
"""
import ctypes
import os
import struct
import sys

vips = ctypes.CDLL("libvips.so.42")
vips.vips_init(b"make_fixtures")
P = ctypes.c_void_p


def check(r, what):
    if r != 0:
        vips.vips_error_buffer.restype = ctypes.c_char_p
        raise SystemExit("%s: %s" % (what, vips.vips_error_buffer()))


def gradient(w, h, split=False):
    xyz = P()
    check(vips.vips_xyz(ctypes.byref(xyz), w, h, None), "xyz")
    x = P()
    check(vips.vips_extract_band(xyz, ctypes.byref(x), 0, None), "band")
    y = P()
    if split:  # dark left half, light right half
        check(vips.vips_more_const1(x, ctypes.byref(y), ctypes.c_double(w / 2), None), "more")
    else:
        a = (ctypes.c_double * 1)(255.0 / w)
        b = (ctypes.c_double * 1)(0.0)
        check(vips.vips_linear(x, ctypes.byref(y), a, b, 1, None), "linear")
    u = P()
    check(vips.vips_cast(y, ctypes.byref(u), 0, None), "cast")  # VIPS_FORMAT_UCHAR
    return u


def rational(n, d=1):
    return struct.pack(">II", n, d)


def exif_block(orientation=None, gps=False):
    """APP1 'Exif' segment: big-endian TIFF with IFD0 (Make, Orientation, GPS pointer) and
    a GPS IFD (latitude and longitude)."""
    entries0 = [(0x010F, 2, b"clinfolio-test\0")]  # Make, ASCII
    if orientation:
        entries0.append((0x0112, 3, struct.pack(">H", orientation)))  # SHORT
    gps_entries = []
    if gps:
        gps_entries = [
            (0x0001, 2, b"N\0"), (0x0002, 5, rational(39) + rational(54) + rational(0)),
            (0x0003, 2, b"E\0"), (0x0004, 5, rational(116) + rational(23) + rational(0)),
        ]
        entries0.append((0x8825, 4, None))  # GPSInfo pointer, LONG, filled below
    entries0.sort()
    sizes = {2: 1, 3: 2, 4: 4, 5: 8}

    def ifd(entries, start, extra_ptr=None):
        head = struct.pack(">H", len(entries))
        data_at = start + 2 + 12 * len(entries) + 4
        body, data = b"", b""
        for tag, typ, val in entries:
            if val is None:
                val = struct.pack(">I", extra_ptr)
            count = len(val) // sizes[typ]
            if len(val) <= 4:
                body += struct.pack(">HHI", tag, typ, count) + val.ljust(4, b"\0")
            else:
                body += struct.pack(">HHII", tag, typ, count, data_at + len(data))
                data += val
        return head + body + struct.pack(">I", 0) + data

    first = ifd(entries0, 8, 0)
    gps_at = 8 + len(first)
    first = ifd(entries0, 8, gps_at)
    tiff = b"MM\0\x2a" + struct.pack(">I", 8) + first + (ifd(gps_entries, gps_at) if gps else b"")
    payload = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg(img, path, exif):
    check(vips.vips_jpegsave(img, path.encode(), b"strip", 1, None), "jpegsave")
    data = open(path, "rb").read()
    assert data[:2] == b"\xff\xd8"
    open(path, "wb").write(data[:2] + exif + data[2:])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    jpeg(gradient(1200, 800), os.path.join(out, "photo.jpg"), exif_block(gps=True))
    jpeg(gradient(400, 200, split=True), os.path.join(out, "rotated.jpg"), exif_block(orientation=6))
    check(vips.vips_pngsave(gradient(300, 150), os.path.join(out, "small.png").encode(), None), "png")
    black = P()
    check(vips.vips_black(ctypes.byref(black), 10000, 6000, None), "black")
    u = P()
    check(vips.vips_cast(black, ctypes.byref(u), 0, None), "cast")
    check(vips.vips_pngsave(u, os.path.join(out, "huge.png").encode(), b"compression", 9, None), "png")
    open(os.path.join(out, "not-an-image.jpg"), "w").write("this is text, not a photo\n")


main()
