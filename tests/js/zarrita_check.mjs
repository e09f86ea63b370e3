// Reads every level of the Zarr v3 fixtures with zarrita (an independent Zarr v3 reader) and
// compares each array with the values the fixture generator wrote (expected/NAME/L<k>.raw).
// Prints "ok"/"FAIL" lines, and "note" lines for what it cannot judge: zarrita always reads a
// shard index from the end (ignoring index_location "start") and scrambles transpose, so those
// arrays are left out here and judged against the generator's values by the C tests and
// tifffile instead.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import fs from "node:fs";
import path from "node:path";

zarr.registry.set("gzip", async () => (await import("numcodecs/gzip")).default);
const fixtures = process.argv[2];
const manifest = JSON.parse(fs.readFileSync(path.join(fixtures, "manifest.json"), "utf8"));
const typed = { uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  uint32: Uint32Array, int32: Int32Array, float32: Float32Array, float64: Float64Array,
  uint64: BigUint64Array, int64: BigInt64Array };

// Reads the array at `array` under `root` and compares it with the little-endian values in
// `raw`; prints one line named `name`.
async function judge(name, root, array, raw, dtype) {
  try {
    const store = new FileSystemStore(root);
    const arr = await zarr.open(zarr.root(store).resolve(array), { kind: "array" });
    const got = await zarr.get(arr);
    const bytes = fs.readFileSync(raw);
    const Want = typed[dtype];
    const want = new Want(bytes.buffer, bytes.byteOffset, bytes.byteLength / Want.BYTES_PER_ELEMENT);
    let bad = 0;
    for (let i = 0; i < want.length; i++) {
      const a = got.data[i], b = want[i];
      if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) bad++;
    }
    if (got.data.length !== want.length || bad)
      console.log(`FAIL zarrita ${name}: ${bad} of ${want.length} values differ`);
    else console.log(`ok zarrita ${name}: ${want.length} values as written`);
  } catch (e) {
    console.log(`FAIL zarrita ${name}: ${e.message}`);
  }
}

for (const fx of manifest) {
  const root = path.join(fixtures, fx.path);
  if (!fs.existsSync(path.join(root, "zarr.json"))) continue;
  for (let k = 0; k < fx.levels.length; k++) {
    const meta = JSON.parse(fs.readFileSync(path.join(root, String(k), "zarr.json"), "utf8"));
    const text = JSON.stringify(meta.codecs);
    const name = `${fx.name} L${k}`;
    if (text.includes('"transpose"') || text.includes('"index_location":"start"')) {
      console.log(`note zarrita ${name}: not judged (zarrita misreads transpose and start indexes)`);
      continue;
    }
    await judge(name, root, String(k), path.join(fixtures, fx.levels[k].raw), fx.numpy_dtype);
  }
}

// The images of the OME-Zarr 0.5 bioformats2raw collections (series.json, "v3": true).
const seriesPath = path.join(fixtures, "series.json");
const collections = fs.existsSync(seriesPath) ? JSON.parse(fs.readFileSync(seriesPath, "utf8")) : {};
for (const [cname, coll] of Object.entries(collections)) {
  if (!coll.v3) continue;
  for (let i = 0; i < coll.images.length; i++) {
    const im = coll.images[i];
    const name = `${cname}/${i} L0`;
    await judge(name, path.join(fixtures, coll.path), `${i}/0`,
                path.join(fixtures, "expected", "series", `${cname}_${i}_L0.raw`), im.numpy_dtype);
  }
}
