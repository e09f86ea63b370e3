"""Writes the benchmark dataset with zarr-python: an OME-NGFF 0.4 image of 2 channels x 4 z x
4096 x 4096 uint16 (256 MiB at level 0) in 512 x 512 chunks, blosc lz4, 3 levels, with smooth
structure plus shot noise so it compresses like a real fluorescence image (not like zeros).
Usage: make_bench_data.py OUT_DIR   (skips the work when OUT_DIR/bench.zarr is complete)"""
import json
import os
import shutil
import sys

import numpy as np
import zarr
from numcodecs import Blosc

C, Z, N, CH = 2, 4, 4096, 512
LEVELS = 3


def plane(rng, c, z, n):
    y = np.arange(n, dtype=np.float32)[:, None] * (4096 / n)
    x = np.arange(n, dtype=np.float32)[None, :] * (4096 / n)
    base = 400 + 300 * np.sin(x / (60 + 10 * c) + z) * np.cos(y / (80 + 5 * z))
    return (base + rng.poisson(40, size=(n, n))).astype("<u2")


def main():
    out = sys.argv[1]
    path = os.path.join(out, "bench.zarr")
    done = os.path.join(path, ".complete")
    if os.path.exists(done):
        return
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(out, exist_ok=True)
    root = zarr.open_group(zarr.DirectoryStore(path, dimension_separator="/"), mode="w")
    comp = Blosc("lz4", 5, Blosc.SHUFFLE)
    rng = np.random.default_rng(1)
    datasets = []
    for k in range(LEVELS):
        n = N >> k
        arr = root.create_dataset(str(k), shape=(C, Z, n, n), chunks=(1, 1, CH, CH),
                                  dtype="<u2", compressor=comp, dimension_separator="/")
        for c in range(C):
            for z in range(Z):
                arr[c, z] = plane(rng, c, z, n)
        s = float(1 << k) * 0.2
        datasets.append({"path": str(k), "coordinateTransformations": [
            {"type": "scale", "scale": [1.0, 1.0, s, s]}]})
    root.attrs["multiscales"] = [{
        "version": "0.4", "name": "bench",
        "axes": [{"name": "c", "type": "channel"}, {"name": "z", "type": "space", "unit": "micrometer"},
                 {"name": "y", "type": "space", "unit": "micrometer"},
                 {"name": "x", "type": "space", "unit": "micrometer"}],
        "datasets": datasets}]
    open(done, "w").close()
    print("wrote", path)


if __name__ == "__main__":
    main()
