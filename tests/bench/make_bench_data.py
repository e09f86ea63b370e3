"""Writes the benchmark dataset with zarr-python: an OME-NGFF 0.4 image of 2 channels x 4 z x
4096 x 4096 uint16 (256 MiB at level 0) in 512 x 512 chunks, blosc lz4, 3 levels, with smooth
structure plus shot noise so it compresses like a real fluorescence image (not like zeros).
Then the same pixels as OME-NGFF 0.5, sharded (one 4096 x 4096 shard of 512 x 512 inner
chunks per plane), with the specification-following writer of the test fixtures.
Also, as analysts' data often is: bioformats2raw's layout of 1024 x 1024 chunks (2 ch x 6 z x
4096 x 4096 uint16, blosc zstd; bench1024.zarr), and a 96-well plate of 2 fields per well, each
a small 2-level image (plate96.zarr), both with zarr-python.
Usage: make_bench_data.py OUT_DIR   (skips what is already complete)"""
import json
import os
import shutil
import sys

import numpy as np
import zarr
from numcodecs import Blosc

C, Z, N, CH = 2, 4, 4096, 512
LEVELS = 3
AXES_CZYX = [{"name": "c", "type": "channel"},
             {"name": "z", "type": "space", "unit": "micrometer"},
             {"name": "y", "type": "space", "unit": "micrometer"},
             {"name": "x", "type": "space", "unit": "micrometer"}]


def plane(rng, c, z, n):
    y = np.arange(n, dtype=np.float32)[:, None] * (4096 / n)
    x = np.arange(n, dtype=np.float32)[None, :] * (4096 / n)
    base = 400 + 300 * np.sin(x / (60 + 10 * c) + z) * np.cos(y / (80 + 5 * z))
    return (base + rng.poisson(40, size=(n, n))).astype("<u2")


def start(out, name):
    """The path of OUT/NAME to write afresh, or None when a complete copy is there."""
    path = os.path.join(out, name)
    if os.path.exists(os.path.join(path, ".complete")):
        return None
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(out, exist_ok=True)
    return path


def write_sharded(out):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
    import zarr_v3_writer as v3
    path = start(out, "bench_sharded.zarr")
    if not path:
        return
    src = zarr.open_group(os.path.join(out, "bench.zarr"), mode="r")
    codecs = [{"name": "bytes", "configuration": {"endian": "little"}},
              {"name": "blosc", "configuration": {"cname": "lz4", "clevel": 5,
                                                  "shuffle": "shuffle", "typesize": 2,
                                                  "blocksize": 0}}]
    datasets = []
    for k in range(LEVELS):
        n = N >> k
        v3.write_array(os.path.join(path, str(k)), src[str(k)][...], (1, 1, n, n), codecs,
                       sharding={"inner": (1, 1, min(CH, n), min(CH, n)),
                                 "index_location": "end", "index_crc": True})
        s = float(1 << k) * 0.2
        datasets.append({"path": str(k), "coordinateTransformations": [
            {"type": "scale", "scale": [1.0, 1.0, s, s]}]})
    axes = src.attrs["multiscales"][0]["axes"]
    v3.write_group(path, {"ome": {"version": "0.5", "multiscales": [
        {"name": "bench_sharded", "axes": axes, "datasets": datasets}]}})
    open(os.path.join(path, ".complete"), "w").close()
    print("wrote", path)


def main():
    out = sys.argv[1]
    write_pyramid(out, "bench", Z, CH, Blosc("lz4", 5, Blosc.SHUFFLE), 1)
    write_sharded(out)
    write_pyramid(out, "bench1024", 6, 1024, Blosc("zstd", 5, Blosc.SHUFFLE), 3)
    write_plate(out)


def write_plate(out):
    """8 rows x 12 columns, 2 fields per well, each field 2 ch x 256 x 256 uint16 in 2 levels."""
    path = start(out, "plate96.zarr")
    if not path:
        return
    root = zarr.open_group(zarr.DirectoryStore(path), mode="w")
    rows, cols = [chr(ord("A") + i) for i in range(8)], [str(i + 1) for i in range(12)]
    wells = [r + "/" + c for r in rows for c in cols]
    root.attrs["plate"] = {
        "version": "0.4", "name": "plate96", "field_count": 2,
        "rows": [{"name": r} for r in rows], "columns": [{"name": c} for c in cols],
        "wells": [{"path": w, "rowIndex": rows.index(w.split("/")[0]),
                   "columnIndex": cols.index(w.split("/")[1])} for w in wells]}
    rng = np.random.default_rng(5)
    axes = [AXES_CZYX[0]] + AXES_CZYX[2:]
    for w in wells:
        wg = root.require_group(w)
        wg.attrs["well"] = {"version": "0.4", "images": [{"path": f} for f in ("0", "1")]}
        for f in ("0", "1"):
            fg = wg.require_group(f)
            data = rng.integers(0, 4000, size=(2, 256, 256), dtype=np.uint16)
            datasets = []
            for k in range(2):
                fg.create_dataset(str(k), data=data[:, ::2 ** k, ::2 ** k],
                                  chunks=(1, 256, 256), compressor=Blosc("zstd", 3))
                datasets.append({"path": str(k), "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0, 0.5 * 2 ** k, 0.5 * 2 ** k]}]})
            fg.attrs["multiscales"] = [{"version": "0.4", "name": f, "axes": axes,
                                        "datasets": datasets}]
    open(os.path.join(path, ".complete"), "w").close()
    print("wrote", path)


def write_pyramid(out, name, nz, chunk, comp, seed):
    """NAME.zarr: C x nz x N x N uint16 in chunk x chunk chunks, LEVELS levels, '/' keys."""
    path = start(out, name + ".zarr")
    if not path:
        return
    os.makedirs(out, exist_ok=True)
    root = zarr.open_group(zarr.DirectoryStore(path, dimension_separator="/"), mode="w")
    rng = np.random.default_rng(seed)
    datasets = []
    for k in range(LEVELS):
        n = N >> k
        arr = root.create_dataset(str(k), shape=(C, nz, n, n), chunks=(1, 1, chunk, chunk),
                                  dtype="<u2", compressor=comp, dimension_separator="/")
        for c in range(C):
            for z in range(nz):
                arr[c, z] = plane(rng, c, z, n)
        s = float(1 << k) * 0.2
        datasets.append({"path": str(k), "coordinateTransformations": [
            {"type": "scale", "scale": [1.0, 1.0, s, s]}]})
    root.attrs["multiscales"] = [{"version": "0.4", "name": name, "axes": AXES_CZYX,
                                  "datasets": datasets}]
    open(os.path.join(path, ".complete"), "w").close()
    print("wrote", path)


if __name__ == "__main__":
    main()
