// Writes OME-Zarr 0.6 fixtures (RFC-5 coordinate systems) with zarrita, an independent Zarr v3
// writer, into OUT (default build/fixtures/v06):
//   image.ome.zarr   c, z, y, x uint16, 3 levels: s0 a scale, s1 and s2 a sequence of scale and
//                    translation (as the specification's example); a second coordinate system
//                    reached by an affine in the multiscale's own list; omero channels; a label
//                    image labels/cells (z, y, x uint8, one level, with a translation)
//   plate.ome.zarr   a 0.6 plate, one well A/1, one field (a 2-level c, y, x image)
//   affine.ome.zarr  a level placed by an affine: to be refused
// and expected/NAME_L<k>.raw: the values written, little-endian, in array order.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import fs from "node:fs";
import path from "node:path";

zarr.registry.set("gzip", async () => (await import("numcodecs/gzip")).default);
const out = process.argv[2] ?? "build/fixtures/v06";
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(path.join(out, "expected"), { recursive: true });
const VERSION = "0.6";
const codecs = [{ name: "bytes", configuration: { endian: "little" } },
                { name: "gzip", configuration: { level: 1 } }];

function strides(shape) {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

// Writes one array of `shape` whose value at flat index i is f(i), and its expected values.
async function writeArray(root, key, shape, chunks, Typed, dtype, f, expected) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Typed(n);
  for (let i = 0; i < n; i++) data[i] = f(i);
  const arr = await zarr.create(root.resolve(key), { shape, chunkShape: chunks, dtype, codecs });
  await zarr.set(arr, null, { data, shape, stride: strides(shape) });
  fs.writeFileSync(path.join(out, "expected", expected), Buffer.from(data.buffer));
}

const space = (name) => ({ name, type: "space", unit: "micrometer" });
const scale = (s) => ({ type: "scale", scale: s });
const translation = (t) => ({ type: "translation", translation: t });
const level = (p, tr) => ({ path: p, coordinateTransformations: [
  { ...tr, input: { path: p }, output: { name: "intrinsic" } }] });

async function writeImage() {
  const root = zarr.root(new FileSystemStore(path.join(out, "image.ome.zarr")));
  const [C, Z, Y, X] = [2, 3, 64, 96];
  for (let k = 0; k < 3; k++) {
    const shape = [C, Z, Y >> k, X >> k];
    await writeArray(root, `s${k}`, shape, [1, 1, 32, 32], Uint16Array, "uint16",
                     (i) => (i * 7919 + k * 131) % 65536, `image_L${k}.raw`);
  }
  const seq = (s, t) => ({ type: "sequence", transformations: [scale(s), translation(t)] });
  await zarr.create(root, { attributes: { ome: { version: VERSION,
    multiscales: [{
      name: "cells",
      coordinateSystems: [
        { name: "intrinsic", axes: [{ name: "c", type: "channel" }, space("z"), space("y"),
                                    space("x")] },
        { name: "stage", axes: [space("z"), space("y"), space("x")] }],
      datasets: [level("s0", scale([1, 2, 0.5, 0.5])),
                 level("s1", seq([1, 2, 1, 1], [0, 0, 0.25, 0.25])),
                 level("s2", seq([1, 2, 2, 2], [0, 0, 0.75, 0.75]))],
      coordinateTransformations: [{ type: "affine", input: { name: "intrinsic" },
        output: { name: "stage" },
        affine: [[0, 1, 0, 0, 100], [0, 0, 1, 0, 200], [0, 0, 0, 1, 300]] }],
    }],
    omero: { channels: [
      { label: "DAPI", color: "0000FF", window: { min: 0, max: 65535, start: 0, end: 30000 } },
      { label: "GFP", color: "00FF00", window: { min: 0, max: 65535, start: 0, end: 40000 } }] },
  } } });
  // a label image beside it, placed by a translation
  const labels = root.resolve("labels");
  await zarr.create(labels, { attributes: { ome: { version: VERSION, labels: ["cells"] } } });
  const cells = labels.resolve("cells");
  await writeArray(cells, "0", [Z, Y, X], [1, 32, 32], Uint8Array, "uint8", (i) => (i * 31) % 7,
                   "cells_L0.raw");
  await zarr.create(cells, { attributes: { ome: { version: VERSION,
    "image-label": { colors: [{ "label-value": 1, rgba: [255, 0, 0, 255] }] },
    multiscales: [{ name: "cells",
      coordinateSystems: [{ name: "intrinsic", axes: [space("z"), space("y"), space("x")] }],
      datasets: [{ path: "0", coordinateTransformations: [{ type: "sequence",
        input: { path: "0" }, output: { name: "intrinsic" },
        transformations: [scale([2, 0.5, 0.5]), translation([0, 1.5, 2.5])] }] }] }] } } });
}

async function writePlate() {
  const root = zarr.root(new FileSystemStore(path.join(out, "plate.ome.zarr")));
  await zarr.create(root, { attributes: { ome: { version: VERSION, plate: {
    name: "plate 0.6", rows: [{ name: "A" }], columns: [{ name: "1" }],
    wells: [{ path: "A/1", rowIndex: 0, columnIndex: 0 }], field_count: 1 } } } });
  await zarr.create(root.resolve("A"), { attributes: {} });
  const well = root.resolve("A/1");
  await zarr.create(well, { attributes: { ome: { version: VERSION,
    well: { images: [{ path: "0" }] } } } });
  const field = well.resolve("0");
  for (let k = 0; k < 2; k++)
    await writeArray(field, `${k}`, [2, 40 >> k, 50 >> k], [1, 20, 25], Uint16Array, "uint16",
                     (i) => (i * 17 + k) % 65536, `plate_A1_0_L${k}.raw`);
  await zarr.create(field, { attributes: { ome: { version: VERSION, multiscales: [{
    coordinateSystems: [{ name: "intrinsic", axes: [{ name: "c", type: "channel" }, space("y"),
                                                    space("x")] }],
    datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 0.3, 0.3],
                                                          output: { name: "intrinsic" } }] },
               { path: "1", coordinateTransformations: [{ type: "scale", scale: [1, 0.6, 0.6],
                                                          output: { name: "intrinsic" } }] }],
  }] } } });
}

async function writeAffine() {
  const root = zarr.root(new FileSystemStore(path.join(out, "affine.ome.zarr")));
  await writeArray(root, "0", [16, 16], [16, 16], Uint8Array, "uint8", (i) => i % 256,
                   "affine_L0.raw");
  await zarr.create(root, { attributes: { ome: { version: VERSION, multiscales: [{
    coordinateSystems: [{ name: "intrinsic", axes: [space("y"), space("x")] }],
    datasets: [{ path: "0", coordinateTransformations: [{ type: "affine",
      affine: [[0.5, 0.1, 0], [0, 0.5, 0]], input: { path: "0" },
      output: { name: "intrinsic" } }] }] }] } } });
}

await writeImage();
await writePlate();
await writeAffine();
fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify({ version: VERSION,
  image: { shape: [2, 3, 64, 96], levels: 3 }, plate: { field_shape: [2, 40, 50], levels: 2 } }));
console.log("wrote", out);
