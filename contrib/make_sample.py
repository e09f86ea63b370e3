#!/usr/bin/python3
"""Writes the demo image: a small 3-channel, 5-plane OME-Zarr 0.4 pyramid (zarr-python), with
smooth synthetic 'cells' so that it looks like something in a viewer.
Usage: make_sample.py OUT.zarr"""
import sys

import numpy as np
import zarr
from numcodecs import Blosc

out = sys.argv[1]
rng = np.random.default_rng(7)
Z, Y, X = 5, 512, 640
yy, xx = np.mgrid[0:Y, 0:X]
img = np.zeros((3, Z, Y, X), dtype=np.uint16)
for c in range(3):
    for _ in range(40):
        cy, cx, r = rng.uniform(0, Y), rng.uniform(0, X), rng.uniform(8, 30)
        blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
        for z in range(Z):
            img[c, z] += (blob * rng.uniform(500, 3000) * np.exp(-((z - 2) ** 2) / 4)).astype(np.uint16)
store = zarr.DirectoryStore(out, dimension_separator="/")
root = zarr.group(store=store, overwrite=True)
datasets = []
data = img
for k in range(3):
    root.create_dataset(str(k), data=data, chunks=(1, 1, 256, 256),
                        compressor=Blosc("zstd", 5, Blosc.BITSHUFFLE))
    datasets.append({"path": str(k), "coordinateTransformations": [
        {"type": "scale", "scale": [1, 0.5, 0.2 * 2 ** k, 0.2 * 2 ** k]}]})
    data = data[:, :, ::2, ::2]
root.attrs["multiscales"] = [{"version": "0.4", "name": "sample", "datasets": datasets, "axes": [
    {"name": "c", "type": "channel"}, {"name": "z", "type": "space", "unit": "micrometer"},
    {"name": "y", "type": "space", "unit": "micrometer"},
    {"name": "x", "type": "space", "unit": "micrometer"}]}]
root.attrs["omero"] = {"channels": [
    {"label": "DAPI", "color": "0000FF", "window": {"min": 0, "max": 65535, "start": 0, "end": 3000}},
    {"label": "GFP", "color": "00FF00", "window": {"min": 0, "max": 65535, "start": 0, "end": 3000}},
    {"label": "mCherry", "color": "FF0000", "window": {"min": 0, "max": 65535, "start": 0, "end": 3000}}]}
print("wrote", out)
