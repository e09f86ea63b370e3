// Judges tests/integration/huge_index_image.py's writing with zarrita (an independent Zarr v3
// reader): in shards 0, 1 and the last, rows 0-15 of the first 64 columns must hold
// (7x + 13y + x div 4096) mod 256 below row 8, and 0 from there. Prints one "ok" or "FAIL" line.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";

const [root, shards] = [process.argv[2], Number(process.argv[3])];
const arr = await zarr.open(zarr.root(new FileSystemStore(root)).resolve("0"), { kind: "array" });
let bad = 0;
for (const s of [0, 1, shards - 1]) {
  const x0 = s * 4096;
  const got = await zarr.get(arr, [zarr.slice(0, 16), zarr.slice(x0, x0 + 64)]);
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 64; x++) {
      const X = x0 + x, want = y < 8 ? (7 * X + 13 * y + Math.floor(X / 4096)) % 256 : 0;
      if (got.data[y * 64 + x] !== want) bad++;
    }
}
console.log(bad ? `FAIL zarrita reads ${bad} wrong values of the huge-index image`
                : "ok zarrita reads the huge-index image as written (3 shards, 16 MiB indexes)");
