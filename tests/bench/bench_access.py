"""Readers timed by tests/bench/io_bench.sh and access_bench.sh. Each but `zarr` prints JSON with
the bytes of the distinct stored chunks the read needs (from the Zarr array directory DATA, '/'
keys, axes c/z/y/x) and, where timed, the median seconds.
  zarr URL                  reads a whole Zarr array over HTTP with zarr-python (fsspec); prints
                            seconds
  regions TIF DATA N CHUNK  N random 512 x 512 regions of level 0 through tifffile's zarr view
                            of the OME-TIFF (only the tiles needed)
  plane LTIF DATA KEY       one whole plane of an ImageJ file: tifffile.imread(key=KEY)
  memmap LTIF DATA KEY      one plane through tifffile.memmap(page=KEY), every pixel touched
  series TIF                tifffile opens the file and its series (a header probe: needs 0)
  stack LTIF                every plane of an ImageJ file as ImageJ loads a stack: a seek to
                            each plane's strip, then the plane; prints seconds
  decode DATA               decodes every stored chunk of a Zarr v2 array held in memory, on
                            one thread, with numcodecs (the decoding any reader must do); prints
                            CPU seconds
  write DATA DEST            writes every stored chunk of DATA (held in memory) to a new file
                            under DEST, each through a temporary name renamed into place, as a
                            disk cache keeps entries; prints the CPU seconds of the whole
                            machine (the file system's share included)
Plane KEY is in ImageJ's CZT order: c = KEY % C, z = KEY // C."""
import glob
import json
import os
import random
import statistics
import sys
import time

import numpy as np


def chunk_bytes(data, keys):
    return sum(os.path.getsize(os.path.join(data, k)) for k in keys)


def plane_keys(data, key):
    meta = json.load(open(os.path.join(data, ".zarray")))
    c, z = key % meta["shape"][0], key // meta["shape"][0]
    return [os.path.relpath(p, data) for p in glob.glob(os.path.join(data, str(c), str(z), "*", "*"))]


def regions(tif_path, data, n, chunk):
    import tifffile
    import zarr
    rng = random.Random(11)
    with tifffile.TiffFile(tif_path) as tif:
        z = zarr.open(tif.aszarr(series=0, level=0), mode="r")
        shape = z.shape
        times, needed = [], set()
        for _ in range(n):
            c, zz = rng.randrange(shape[0]), rng.randrange(shape[1])
            y, x = rng.randrange(shape[2] - 512), rng.randrange(shape[3] - 512)
            t0 = time.perf_counter()
            block = z[c, zz, y:y + 512, x:x + 512]
            times.append(time.perf_counter() - t0)
            assert block.shape == (512, 512)
            for cy in range(y // chunk, (y + 511) // chunk + 1):
                for cx in range(x // chunk, (x + 511) // chunk + 1):
                    needed.add(f"{c}/{zz}/{cy}/{cx}")
    return {"median_s": statistics.median(times), "needed_bytes": chunk_bytes(data, needed),
            "chunks": len(needed)}


def plane(path, data, key):
    import tifffile
    t0 = time.perf_counter()
    a = tifffile.imread(path, key=key)
    dt = time.perf_counter() - t0
    keys = plane_keys(data, key)
    return {"median_s": dt, "needed_bytes": chunk_bytes(data, keys), "chunks": len(keys),
            "checksum": int(a.astype(np.uint64).sum())}


def memmap(path, data, key):
    import tifffile
    t0 = time.perf_counter()
    a = tifffile.memmap(path, page=key, mode="r")
    s = int(a.astype(np.uint64).sum())
    dt = time.perf_counter() - t0
    keys = plane_keys(data, key)
    return {"median_s": dt, "needed_bytes": chunk_bytes(data, keys), "chunks": len(keys),
            "checksum": s}


def read_zarr(url):
    import zarr
    t0 = time.perf_counter()
    a = zarr.open_array(url, mode="r")
    data = a[:]
    dt = time.perf_counter() - t0
    assert data.shape == a.shape
    print(f"{dt:.4f}")


def stack(path):
    import tifffile
    with tifffile.TiffFile(path) as tif:
        strips = [(p.dataoffsets[0], p.databytecounts[0]) for p in tif.pages]
    t0 = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        for off, n in strips:
            f.seek(off)
            got = 0
            while got < n:
                b = f.read(min(n - got, 1 << 20))
                assert b, "short read"
                got += len(b)
    print(f"{time.perf_counter() - t0:.4f}")


def decode(data):
    import numcodecs
    import numcodecs.blosc
    numcodecs.blosc.use_threads = False
    meta = json.load(open(os.path.join(data, ".zarray")))
    codec = numcodecs.get_codec(meta["compressor"])
    blobs = []
    for root, _, files in os.walk(data):
        blobs += [open(os.path.join(root, f), "rb").read() for f in files if not f.startswith(".")]
    t0 = time.process_time()
    size = sum(len(codec.decode(b)) for b in blobs)
    dt = time.process_time() - t0
    assert size == len(blobs) * np.dtype(meta["dtype"]).itemsize * int(np.prod(meta["chunks"]))
    print(f"{dt:.4f}")


def busy_seconds():
    with open("/proc/stat") as f:
        v = f.readline().split()[1:]
    return sum(int(v[i]) for i in (0, 1, 2, 5, 6)) / os.sysconf("SC_CLK_TCK")


def write(data, dest):
    blobs = []
    for root, _, files in os.walk(data):
        blobs += [open(os.path.join(root, f), "rb").read() for f in files if not f.startswith(".")]
    b = busy_seconds()
    for i, blob in enumerate(blobs):
        folder = os.path.join(dest, "%02x" % (i % 256))
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, blob)
        os.close(fd)
        os.rename(tmp, os.path.join(folder, "%014x" % i))
    print(f"{busy_seconds() - b:.4f}")


def series(path):
    import tifffile
    t0 = time.perf_counter()
    with tifffile.TiffFile(path) as tif:
        shapes = [lv.shape for lv in tif.series[0].levels]
    return {"median_s": time.perf_counter() - t0, "needed_bytes": 0, "chunks": 0,
            "levels": len(shapes)}


if __name__ == "__main__":
    kind, args = sys.argv[1], sys.argv[2:]
    if kind == "zarr":
        read_zarr(args[0])
        sys.exit(0)
    if kind == "stack":
        stack(args[0])
        sys.exit(0)
    if kind == "decode":
        decode(args[0])
        sys.exit(0)
    if kind == "write":
        write(args[0], args[1])
        sys.exit(0)
    if kind == "regions":
        out = regions(args[0], args[1], int(args[2]), int(args[3]))
    elif kind == "plane":
        out = plane(args[0], args[1], int(args[2]))
    elif kind == "memmap":
        out = memmap(args[0], args[1], int(args[2]))
    else:
        out = series(args[0])
    print(json.dumps(out))
