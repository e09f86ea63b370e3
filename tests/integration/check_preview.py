#!/usr/bin/python3
"""check_preview: judges a mounted NAME.preview.png against a composite computed here from the
source arrays with zarr-python and numpy: the level chosen by the same rule (the smallest whose
long side is at least the preview's), middle Z, first T, each channel's omero window (else the
0.1 and 99.9 percentiles of the plane) scaled to 0..1, times its colour, summed, clipped.

usage: check_preview.py ZARR_DIR PNG LABEL
       check_preview.py --plate PLATE_DIR PNG LABEL   (each well's first field in its square
                                                        of side min(1024 / max(rows, columns),
                                                        256), centred; unreadable wells black)
Decodes the PNG with a small zlib reader (every chunk's CRC, the zlib stream's Adler-32, filter
byte 0 on each row) and with libvips (`vips copy` to a TIFF, read by tifffile); both must agree,
and the picture must match the reference within 1 per component. Prints one ok/FAIL line."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import tifffile
import zarr

MAX = 1024
DEFAULT = [0xFF0000, 0x00FF00, 0x0000FF, 0xFF00FF, 0x00FFFF, 0xFFFF00, 0xFFFFFF]


def decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, "bad CRC in %s" % kind
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
        if kind == b"IEND":
            break
    assert pos == len(data), "bytes after IEND"
    w, h, depth, ctype, _, _, interlace = ihdr
    assert (depth, ctype, interlace) == (8, 2, 0), "not 8-bit RGB"
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 3 * w)
    assert not raw[:, 0].any(), "a row filter other than 0"
    return raw[:, 1:].reshape(h, w, 3)


def reference(zdir, most=MAX):
    attrs = json.load(open(os.path.join(zdir, ".zattrs")))
    ms = attrs["multiscales"][0]
    axes = [a["name"] if isinstance(a, dict) else a for a in ms["axes"]]
    levels = [zarr.open_array(os.path.join(zdir, d["path"]), mode="r") for d in ms["datasets"]]

    def yx(a):
        return a.shape[axes.index("y")], a.shape[axes.index("x")]

    h0, w0 = yx(levels[0])
    big = max(h0, w0)
    side = min(big, most)
    pw = max(1, (2 * w0 * side + big) // (2 * big))
    ph = max(1, (2 * h0 * side + big) // (2 * big))
    best = 0
    for k, a in enumerate(levels):
        if max(yx(a)) >= side and max(yx(a)) < max(yx(levels[best])):
            best = k
    a = levels[best]
    H, W = yx(a)
    sel, nch = [], a.shape[axes.index("c")] if "c" in axes else 1
    channels = attrs.get("omero", {}).get("channels", [])
    sy = (2 * np.arange(ph) + 1) * H // (2 * ph)
    sx = (2 * np.arange(pw) + 1) * W // (2 * pw)
    acc = np.zeros((ph, pw, 3))
    for c in range(nch):
        idx = []
        for ax, n in zip(axes, a.shape):
            idx.append({"t": 0, "c": c, "z": n // 2}.get(ax, slice(None)))
        plane = np.asarray(a[tuple(idx)], dtype=np.float64)
        ch = channels[c] if c < len(channels) else {}
        if "window" in ch:
            s, e = ch["window"]["start"], ch["window"]["end"]
        else:
            s, e = np.percentile(plane[~np.isnan(plane)], [0.1, 99.9])
        rgb = int(ch["color"], 16) if "color" in ch else (0xFFFFFF if nch == 1 else DEFAULT[c % 7])
        v = plane[np.ix_(sy, sx)]
        f = np.clip((v - s) / (e - s), 0, 1) if e > s else (v > s).astype(float)
        f = np.nan_to_num(f)
        for k, shift in enumerate((16, 8, 0)):
            acc[:, :, k] += f * ((rgb >> shift) & 0xFF)
        sel.append(best)
    return np.clip(np.floor(acc + 0.5), 0, 255).astype(np.uint8), best


def read_both(png, label):
    """The picture decoded here and by libvips, or None (after a FAIL line)."""
    data = open(png, "rb").read()
    if os.stat(png).st_size != len(data):
        print("FAIL preview %s: stat says %d bytes, %d read" % (label, os.stat(png).st_size,
                                                               len(data)))
        return None
    try:
        got = decode_png(data)
    except (AssertionError, zlib.error, struct.error) as e:
        print("FAIL preview %s: %s" % (label, e))
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "v.tif")
        subprocess.run(["vips", "copy", png, out], check=True, capture_output=True)
        vips = tifffile.imread(out)
    if vips.shape != got.shape or not np.array_equal(vips, got):
        print("FAIL preview %s: libvips decodes %s, not the same picture" % (label, vips.shape))
        return None
    return got


def plate(pdir, png, label):
    got = read_both(png, label)
    if got is None:
        return
    p = json.load(open(os.path.join(pdir, ".zattrs")))["plate"]
    rows, cols = len(p["rows"]), len(p["columns"])
    side = min(MAX // max(rows, cols), 256)
    want = np.zeros((rows * side, cols * side, 3), np.uint8)
    painted = 0
    for w in p["wells"]:
        try:
            well = json.load(open(os.path.join(pdir, w["path"], ".zattrs")))["well"]
            tile, _ = reference(os.path.join(pdir, w["path"], well["images"][0]["path"]), side)
        except Exception:  # pylint: disable=broad-except
            continue  # a well that cannot be read stays black
        th, tw = tile.shape[:2]
        y0 = w["rowIndex"] * side + (side - th) // 2
        x0 = w["columnIndex"] * side + (side - tw) // 2
        want[y0:y0 + th, x0:x0 + tw] = tile
        painted += 1
    judge(got, want, label, "%dx%d, %d wells' first fields in squares of %d, libvips reads the "
          "same" % (got.shape[1], got.shape[0], painted, side))


def judge(got, want, label, what):
    """One line: the picture against the reference, within 1 per component."""
    diff = np.abs(got.astype(int) - want.astype(int)).max() if got.shape == want.shape else -1
    if diff < 0:
        print("FAIL preview %s: %s, expected %s" % (label, got.shape, want.shape))
    elif diff > 1:
        print("FAIL preview %s: differs from the reference by up to %d" % (label, diff))
    else:
        print("ok preview %s: %s; within %d of the composite from the source arrays"
              % (label, what, diff))


def main():
    if sys.argv[1] == "--plate":
        plate(*sys.argv[2:5])
        return
    zdir, png, label = sys.argv[1:4]
    got = read_both(png, label)
    if got is not None:
        want, level = reference(zdir)
        judge(got, want, label, "%dx%d from level %d, %d bytes as stat says; libvips reads the "
              "same" % (got.shape[1], got.shape[0], level, os.stat(png).st_size))


main()
