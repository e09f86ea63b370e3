"""Writes OUT/huge_index.zarr, an OME-NGFF 0.5 image on Zarr v3 whose shards have huge indexes:
uint8 y x of 4096 x (SHARDS x 4096), shards of 4096 x 4096 made of 4 x 4 inner chunks, so a
shard has 1024 x 1024 inner chunks and a 16 MiB index (at its end, with its CRC-32C, as
zarr-python writes by default). Only the inner chunks of rows 0-7 are stored ("bytes" codec);
the rest are empty (fill 0). pixel(y, x) = (7x + 13y + x // 4096) mod 256 for y < 8.
Written from the specification with numpy (the project's zarr_v3_writer.py works chunk by chunk,
too slow for millions of inner chunks); every shard's index is the same, so its checksum is
computed once. `python3 huge_index_image.py OUT [SHARDS [VARIANT]]`, VARIANT one of "start" (the
index before the chunks), "nocrc" (no checksum) and "corrupt" (shard 1's index has one entry
byte changed, its checksum not); prints nothing."""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
from zarr_v3_writer import crc32c  # noqa: E402

SHARD, INNER, ROWS_STORED = 4096, 4, 8


def pixels(y0, y1, x0, x1):
    y, x = np.mgrid[y0:y1, x0:x1].astype(np.int64)
    return ((7 * x + 13 * y + x // SHARD) % 256).astype(np.uint8)


def main(out, shards, variant):
    root = os.path.join(out, "huge_index.zarr")
    at_start, crc = variant == "start", variant != "nocrc"
    os.makedirs(os.path.join(root, "0", "c", "0"), exist_ok=True)
    shape = [SHARD, shards * SHARD]
    with open(os.path.join(root, "zarr.json"), "w") as f:
        json.dump({"zarr_format": 3, "node_type": "group", "attributes": {"ome": {
            "version": "0.5", "multiscales": [{"name": "huge_index", "axes": [
                {"name": "y", "type": "space"}, {"name": "x", "type": "space"}],
                "datasets": [{"path": "0", "coordinateTransformations": [
                    {"type": "scale", "scale": [1.0, 1.0]}]}]}]}}}, f)
    with open(os.path.join(root, "0", "zarr.json"), "w") as f:
        json.dump({"zarr_format": 3, "node_type": "array", "shape": shape, "data_type": "uint8",
                   "chunk_grid": {"name": "regular",
                                  "configuration": {"chunk_shape": [SHARD, SHARD]}},
                   "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                   "fill_value": 0, "attributes": {},
                   "codecs": [{"name": "sharding_indexed", "configuration": {
                       "chunk_shape": [INNER, INNER],
                       "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
                       "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]
                       + ([{"name": "crc32c"}] if crc else []),
                       "index_location": "start" if at_start else "end"}}]}, f)
    per = SHARD // INNER
    index = np.full((per, per, 2), np.iinfo(np.uint64).max, dtype="<u8")
    stored = [(r, c) for r in range(ROWS_STORED // INNER) for c in range(per)]  # C order
    base = per * per * 16 + (4 if crc else 0) if at_start else 0
    for k, (r, c) in enumerate(stored):
        index[r, c] = (base + k * INNER * INNER, INNER * INNER)
    index_bytes = index.tobytes()
    if crc:
        index_bytes += struct.pack("<I", crc32c(index_bytes))
    for s in range(shards):
        band = pixels(0, ROWS_STORED, s * SHARD, (s + 1) * SHARD)
        body = b"".join(band[r * INNER:(r + 1) * INNER, c * INNER:(c + 1) * INNER].tobytes()
                        for r, c in stored)
        index_s = index_bytes
        if variant == "corrupt" and s == 1:  # entry 5's offset, one byte up
            index_s = index_bytes[:5 * 16] + bytes([index_bytes[5 * 16] ^ 1]) + index_bytes[5 * 16 + 1:]
        with open(os.path.join(root, "0", "c", "0", str(s)), "wb") as f:
            f.write(index_s if at_start else body)
            f.write(body if at_start else index_s)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 32,
         sys.argv[3] if len(sys.argv) > 3 else "")
