#!/usr/bin/python3
"""Judges a mounted OMERO image against the pixels the test OMERO server serves
(tests/fixtures/make_omero_fixtures.py: big-endian planes written by numpy).

check_omero.py tiff OMERO_FIXTURES MOUNT ID [NAME]
    tifffile reads every level of NAME.ome.tif (pyramid, physical sizes) and every
    NAME_L<k>.tif (NAME: image-ID by default); every pixel must equal the server's.
check_omero.py imagej OMERO_FIXTURES ID < ImageJProbe output
    ImageJ 1.53t's view of image-ID_L0.tif: dimensions, bit depth, pixel width, last pixel,
    channel colours and display ranges from OMERO's rendering settings.
Prints "ok ..." or "FAIL ..." lines."""
import json
import os
import re
import sys

import numpy as np


def image_info(fixtures, iid):
    for im in json.load(open(os.path.join(fixtures, "manifest.json")))["images"]:
        if im["id"] == iid:
            return im
    raise SystemExit("FAIL omero: no image %d in the fixtures" % iid)


def level_pixels(fixtures, im, level):
    t, c, z = im["shape"][:3]
    w, h = im["sizes"][level]
    planes = [np.fromfile(os.path.join(fixtures, "images", str(im["id"]), "L%d" % level,
                                       "%d_%d_%d.raw" % (ti, ci, zi)), dtype=im["dtype"])
              .reshape(h, w) for ti in range(t) for ci in range(c) for zi in range(z)]
    return np.stack(planes).reshape(t, c, z, h, w)


def check_tiff(fixtures, mount, iid, name=None):
    import tifffile
    im = image_info(fixtures, iid)
    name = name or "image-%d" % iid
    bad = 0
    with tifffile.TiffFile(os.path.join(mount, name + ".ome.tif")) as tf:
        series = tf.series[0]
        if len(series.levels) != len(im["sizes"]):
            print("FAIL omero %s: %d levels, expected %d" % (name, len(series.levels),
                                                            len(im["sizes"])))
            return 1
        for k, lev in enumerate(series.levels):
            want = level_pixels(fixtures, im, k)
            got = lev.asarray()
            if got.size != want.size or not np.array_equal(got.reshape(want.shape),
                                                           want.astype(want.dtype.newbyteorder("="))):
                print("FAIL omero %s.ome.tif level %d: pixels differ (shape %s, expected %s)"
                      % (name, k, got.shape, want.shape))
                bad += 1
        ome = tf.ome_metadata or ""
        from xml.sax.saxutils import quoteattr
        if '<Image ID="Image:0" Name=%s' % quoteattr(im["name"]) not in ome:
            print("FAIL omero %s.ome.tif: the OME-XML's Image is not named %r" % (name, im["name"]))
            bad += 1
        px = im["pixel_size"][0]
        if px and 'PhysicalSizeX="%g"' % px not in ome:
            print("FAIL omero %s.ome.tif: PhysicalSizeX %g missing from the OME-XML" % (name, px))
            bad += 1
    for k in range(len(im["sizes"])):
        want = level_pixels(fixtures, im, k)
        got = tifffile.imread(os.path.join(mount, "%s_L%d.tif" % (name, k)))
        want = want.transpose(0, 2, 1, 3, 4)  # ImageJ's hyperstacks: channels vary fastest
        if got.size != want.size or not np.array_equal(got.ravel(), want.ravel().astype(got.dtype)):
            print("FAIL omero %s_L%d.tif: pixels differ" % (name, k))
            bad += 1
    if not bad:
        print("ok omero image %d (%s, %s): every pixel of %d levels in the OME-TIFF and the "
              "ImageJ files" % (iid, im["dtype"], "x".join(map(str, im["shape"])), len(im["sizes"])))
    return bad


def check_imagej(fixtures, iid):
    im = image_info(fixtures, iid)
    imgdata = json.load(open(os.path.join(fixtures, "images", str(iid), "imgData.json")))
    t, c, z, h, w = im["shape"]
    want = level_pixels(fixtures, im, 0)
    bits = {1: 8, 2: 16, 4: 32}[np.dtype(im["dtype"]).itemsize]
    for line in sys.stdin:
        m = re.match(r"ok \S+_L0\.tif w=(\d+) h=(\d+) c=(\d+) z=(\d+) t=(\d+) bits=(\d+) "
                     r"pw=(\S+) unit=(\S+) last=(\S+)(?: luts=(\S+))?", line.strip())
        if not m:
            continue
        got = tuple(int(m.group(i)) for i in range(1, 7))
        if got != (w, h, c, z, t, bits):
            print("FAIL omero imagej: w h c z t bits %s, expected %s" % (got, (w, h, c, z, t, bits)))
            return 1
        last = float(m.group(9))
        if last != float(want[-1, -1, -1, -1, -1]):
            print("FAIL omero imagej: last pixel %s, expected %s" % (last, want[-1, -1, -1, -1, -1]))
            return 1
        px = im["pixel_size"][0]
        if px and abs(float(m.group(7)) - px) > 1e-6 * px:  # a rational in the TIFF
            print("FAIL omero imagej: pixel width %s, expected %s" % (m.group(7), px))
            return 1
        if c > 1:
            want_luts = ["%s:%g:%g" % (ch["color"], ch["window"]["start"], ch["window"]["end"])
                         for ch in imgdata["channels"]]
            got_luts = (m.group(10) or "").split(",")
            norm = lambda s: ":".join([s.split(":")[0].upper()] + ["%g" % float(v) for v in s.split(":")[1:]])
            if [norm(s) for s in got_luts] != [norm(s) for s in want_luts]:
                print("FAIL omero imagej: channels %s, expected %s" % (got_luts, want_luts))
                return 1
        print("ok omero imagej: image-%d_L0.tif is a %d-bit hyperstack c=%d z=%d t=%d, the last "
              "pixel and the channels' colours and ranges as OMERO renders them" % (iid, bits, c, z, t))
        return 0
    print("FAIL omero imagej: ImageJ did not open image-%d_L0.tif" % iid)
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "tiff":
        sys.exit(1 if check_tiff(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                 sys.argv[5] if len(sys.argv) > 5 else None) else 0)
    sys.exit(check_imagej(sys.argv[2], int(sys.argv[3])))
