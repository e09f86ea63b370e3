"""Readers timed by tests/bench/io_bench.sh.
  zarr URL            reads a whole Zarr array over HTTP with zarr-python (fsspec); prints seconds
  regions TIF DATA N  reads N random 512 x 512 regions of level 0 of an OME-TIFF with tifffile
                      (only the tiles needed); prints JSON: median seconds per region and the
                      bytes of the distinct stored chunks those regions need (DATA: the Zarr
                      array directory of level 0, chunks 1 x 1 x 512 x 512, '/' keys)"""
import json
import os
import random
import statistics
import sys
import time


def read_zarr(url):
    import zarr
    t0 = time.perf_counter()
    a = zarr.open_array(url, mode="r")
    data = a[:]
    dt = time.perf_counter() - t0
    assert data.shape == a.shape
    print(f"{dt:.4f}")


def read_regions(tif_path, data_dir, n):
    import tifffile
    import zarr
    rng = random.Random(11)
    tif = tifffile.TiffFile(tif_path)
    z = zarr.open(tif.aszarr(series=0, level=0), mode="r")
    shape = z.shape  # (C, Z, Y, X)
    times, needed = [], set()
    for _ in range(n):
        c, zz = rng.randrange(shape[0]), rng.randrange(shape[1])
        y, x = rng.randrange(shape[2] - 512), rng.randrange(shape[3] - 512)
        t0 = time.perf_counter()
        block = z[c, zz, y:y + 512, x:x + 512]
        times.append(time.perf_counter() - t0)
        assert block.shape == (512, 512)
        for cy in range(y // 512, (y + 511) // 512 + 1):
            for cx in range(x // 512, (x + 511) // 512 + 1):
                needed.add(f"{c}/{zz}/{cy}/{cx}")
    tif.close()
    nbytes = sum(os.path.getsize(os.path.join(data_dir, k)) for k in needed)
    print(json.dumps({"median_s": statistics.median(times), "needed_bytes": nbytes,
                      "chunks": len(needed)}))


if __name__ == "__main__":
    if sys.argv[1] == "zarr":
        read_zarr(sys.argv[2])
    else:
        read_regions(sys.argv[2], sys.argv[3], int(sys.argv[4]))
