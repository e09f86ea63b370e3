#!/usr/bin/python3
"""Checks ImageJProbe output lines against the fixtures: c/z/t, bit depth, pixel width, the
last pixel of the last plane, and for images with omero channel metadata each channel's color
and display range in ImageJ's composite image and the planes' labels (channel names). Usage: check_imagej.py FIXTURES_DIR < output"""
import json
import os
import re
import sys

import numpy as np

fixtures = sys.argv[1]
manifest = {f["name"]: f for f in json.load(open(os.path.join(fixtures, "manifest.json")))}
BITS = {"uint8": 8, "uint16": 16, "int16": 16, "float32": 32, "int32": 32, "uint32": 32,
        "float64": 32, "int8": 16}
bad = 0
checked_luts = 0
checked_labels = 0
for line in sys.stdin:
    line = line.strip()
    if line.startswith("null "):
        print("FAIL imagej: ImageJ could not open %s" % line[5:])
        bad += 1
        continue
    m = re.match(r"ok (\S+)_L(\d+)\.tif w=(\d+) h=(\d+) c=(\d+) z=(\d+) t=(\d+) bits=(\d+) "
                 r"pw=(\S+) unit=(\S+) last=(\S+)(?: luts=(\S+))?(?: labels=(\S+))?", line)
    if not m:
        continue
    path, k = m.group(1), int(m.group(2))
    name = os.path.basename(path)
    fx = manifest[name]
    lv = fx["levels"][k]
    shape = dict(zip(fx["axes"], lv["shape"]))
    want = (shape.get("x"), shape.get("y"), shape.get("c", 1), shape.get("z", 1), shape.get("t", 1))
    got = tuple(int(m.group(i)) for i in (3, 4, 5, 6, 7))
    problems = []
    if got != want:
        problems.append("dims %s, expected %s" % (got, want))
    if int(m.group(8)) != BITS[fx["numpy_dtype"]]:
        problems.append("bits %s" % m.group(8))
    a = np.fromfile(os.path.join(fixtures, lv["raw"]),
                    dtype=np.dtype(fx["numpy_dtype"]).newbyteorder("<")).reshape(lv["shape"])
    last = float(a[(-1,) * a.ndim])
    v = float(m.group(11))
    # ImageJ shows every 32-bit type as float32 and prints the shortest decimal form
    if not (np.float32(v) == np.float32(last) or (np.isnan(v) and np.isnan(last))):
        problems.append("last pixel %s, expected %s" % (v, last))
    scale_x = fx["scale0"][fx["axes"].index("x")] * 2 ** k
    if abs(float(m.group(9)) - scale_x) > 1e-6 * scale_x:
        problems.append("pixel width %s, expected %s" % (m.group(9), scale_x))
    omero = fx.get("omero")
    if omero and 2 <= len(omero["channels"]) <= 7:
        want_luts = ["%s:%s:%s" % (ch["color"].upper(), float(ch["window"]["start"]),
                                   float(ch["window"]["end"])) for ch in omero["channels"]]
        if m.group(12) is None or m.group(12).split(",") != want_luts:
            problems.append("channel LUTs/ranges %s, expected %s" % (m.group(12), want_luts))
        else:
            checked_luts += 1
    if omero and len(omero["channels"]) == shape.get("c", 1):
        want_labels = "|".join((ch.get("label") or "-").replace(" ", "_")
                               for ch in omero["channels"])
        if m.group(13) != want_labels:
            problems.append("plane labels %s, expected %s" % (m.group(13), want_labels))
        else:
            checked_labels += 1
    if problems:
        print("FAIL imagej %s_L%d: %s" % (name, k, "; ".join(problems)))
        bad += 1
    else:
        print("ok imagej %s_L%d: c=%d z=%d t=%d bits=%s" % (name, k, got[2], got[3], got[4],
                                                            m.group(8)))
if checked_luts:
    print("ok imagej: %d composite files show each channel's omero color and window" %
          checked_luts)
if checked_labels:
    print("ok imagej: %d files label each plane with its channel's omero name" % checked_labels)
sys.exit(1 if bad else 0)
