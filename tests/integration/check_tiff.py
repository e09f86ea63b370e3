#!/usr/bin/python3
"""Judges virtual TIFFs with tifffile against what zarr-python wrote.

Usage: check_tiff.py FIXTURES_DIR TIFF_DIR NAME   (NAME from manifest.json)
Checks NAME.ome.tif (is_ome, series shape/axes, every level, every pixel) and every
NAME_L<k>.tif present (is_imagej, shape, every pixel, converted types). Prints "ok ..." lines
and exits non-zero on the first mismatch.
"""
import json
import os
import sys

import numpy as np
import tifffile

fixtures, tiffdir, name = sys.argv[1:4]
manifest = {f["name"]: f for f in json.load(open(os.path.join(fixtures, "manifest.json")))}
fx = manifest[name]
axes = fx["axes"]
dtype = np.dtype(fx["numpy_dtype"])


def expected(level):
    lv = fx["levels"][level]
    a = np.fromfile(os.path.join(fixtures, lv["raw"]), dtype=dtype.newbyteorder("<"))
    a = a.reshape(lv["shape"])
    # to full TCZYX
    full = a
    for i, ax in enumerate("tczyx"):
        if ax not in axes:
            full = np.expand_dims(full, axis=i)
    return full  # already in t,c,z,y,x order since NGFF orders axes that way


def fail(msg):
    print("FAIL %s: %s" % (name, msg))
    sys.exit(1)


IJ_TYPES = {"uint8": "uint8", "uint16": "uint16", "int16": "int16", "float32": "float32",
            "int32": "int32", "uint32": "float32", "float64": "float32", "int8": "int16"}

# OME-TIFF
path = os.path.join(tiffdir, name + ".ome.tif")
with tifffile.TiffFile(path) as tf:
    has_ome = dtype.name not in ("uint64", "int64")
    if has_ome and not tf.is_ome:
        fail("%s is not OME" % path)
    s = tf.series[0]
    if len(s.levels) != len(fx["levels"]):
        fail("%d levels, expected %d" % (len(s.levels), len(fx["levels"])))
    for k, lvl in enumerate(s.levels):
        exp = expected(k)
        got = lvl.asarray()
        T, C, Z, Y, X = exp.shape
        if has_ome:
            # tifffile squeezes singleton dims: compare as TCZYX
            want_axes = "".join(a for a, n in zip("TCZYX", (T, C, Z, Y, X)) if n > 1 or a in "YX")
            if lvl.axes != want_axes:
                fail("level %d axes %s, expected %s" % (k, lvl.axes, want_axes))
            got = got.reshape(T, C, Z, Y, X) if k == 0 or Z == expected(0).shape[2] else got
        if k > 0 and Z != expected(0).shape[2]:
            # Z-reduced level: SubIFD of level-0 plane z shows plane floor(z*Zk/Z0)
            Z0 = expected(0).shape[2]
            idx = [z * Z // Z0 for z in range(Z0)]
            exp = exp[:, :, idx]
        got = got.reshape(exp.shape)
        if got.dtype != exp.dtype.newbyteorder("="):
            fail("level %d dtype %s, expected %s" % (k, got.dtype, exp.dtype))
        if not np.array_equal(got, exp, equal_nan=dtype.kind == "f"):
            fail("OME level %d pixels differ" % k)
    if has_ome:  # the Image's Name: the image's own (omero "name") when it has one
        import re
        from xml.sax.saxutils import unescape
        m = re.search(r'<Image ID="Image:0" Name="([^"]*)"', tf.ome_metadata or "")
        want_title = ((fx.get("omero") or {}).get("name")) or name
        got_title = unescape(m.group(1), {"&quot;": '"'}) if m else None
        if got_title != want_title:
            fail("OME-XML Image Name %r, expected %r" % (got_title, want_title))
    print("ok %s.ome.tif: %s levels %s" % (name, s.axes, [l.shape for l in s.levels]))

# ImageJ files
for k in range(len(fx["levels"])):
    path = os.path.join(tiffdir, "%s_L%d.tif" % (name, k))
    if not os.path.exists(path):
        if dtype.name in IJ_TYPES:
            fail("missing %s" % path)
        continue
    with tifffile.TiffFile(path) as tf:
        if not tf.is_imagej:
            fail("%s is not an ImageJ file" % path)
        exp = expected(k)
        T, C, Z, Y, X = exp.shape
        got = tf.series[0].asarray()
        want = np.dtype(IJ_TYPES[dtype.name])
        if got.dtype != want:
            fail("%s dtype %s, expected %s" % (path, got.dtype, want))
        got = got.reshape(T, Z, C, Y, X).transpose(0, 2, 1, 3, 4)  # ImageJ TZCYX → TCZYX
        if not np.array_equal(got, exp.astype(want), equal_nan=True):
            fail("%s pixels differ" % path)
        ij = tf.imagej_metadata
        for key, n in (("channels", C), ("slices", Z), ("frames", T)):
            if n > 1 and ij.get(key) != n:
                fail("%s: %s=%s, expected %d" % (path, key, ij.get(key), n))
    print("ok %s: ImageJ %s" % (os.path.basename(path), got.shape))
