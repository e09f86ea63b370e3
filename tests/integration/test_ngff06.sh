#!/usr/bin/env bash
# OME-Zarr 0.6 (coordinate systems and transformations), written by zarrita (tests/js/
# write_v06.mjs, an independent Zarr v3 writer), through real mounts over a real nginx and of
# the local folder: every level of the image, its label image and a plate's field read
# pixel-exact by tifffile against the values written; the calibration from the intrinsic
# coordinate system (pixel sizes from the scales, origins from the translations, in the OME-XML
# and the ImageJ description); an affine to another coordinate system left out with a warning;
# a level placed by an affine refused with a clear error.
source "$(dirname "$0")/../lib/integration.sh"
v06=$fixtures/v06
if [ ! -f "$v06/manifest.json" ]; then
  echo "skip ngff 0.6: fixtures missing (make fixtures needs node and tests/js/node_modules)"; exit 0
fi
mount_test_start ngff06
export ASAN_OPTIONS=detect_leaks=0

check_image() { # NAME: the mounted image's levels, label and calibration against what was written
  $PY - "$v06" "$mnt" "$1" <<'PY'
import re, sys
import numpy as np
import tifffile
v06, mnt, name = sys.argv[1:]
C, Z, Y, X = 2, 3, 64, 96
bad = []
with tifffile.TiffFile(f"{mnt}/image.ome.tif") as t:
    levels = t.series[0].levels
    xml = t.ome_metadata
    for k in range(3):
        want = np.fromfile(f"{v06}/expected/image_L{k}.raw", "<u2").reshape(C, Z, Y >> k, X >> k)
        got = levels[k].asarray().reshape(want.shape)
        if not (got == want).all():
            bad.append(f"OME-TIFF level {k}")
        ij = tifffile.imread(f"{mnt}/image_L{k}.tif").reshape(Z, C, Y >> k, X >> k)
        if not (ij.transpose(1, 0, 2, 3) == want).all():
            bad.append(f"image_L{k}.tif")
pixels = re.search(r"<Pixels [^>]*>", xml).group(0)
for attr, val in (("PhysicalSizeX", "0.5"), ("PhysicalSizeY", "0.5"), ("PhysicalSizeZ", "2")):
    if f'{attr}="{val}"' not in pixels:
        bad.append(f"{attr} is not {val}: {pixels}")
with tifffile.TiffFile(f"{mnt}/image_L1.tif") as t:
    d = t.pages[0].description
for line in ("unit=micron", "spacing=2", "xorigin=-0.25", "yorigin=-0.25"):
    if line not in d.splitlines():
        bad.append(f"image_L1.tif's description lacks {line}")
cells = np.fromfile(f"{v06}/expected/cells_L0.raw", "u1").reshape(Z, Y, X)
if not (tifffile.imread(f"{mnt}/labels/cells_L0.tif") == cells).all():
    bad.append("labels/cells_L0.tif")
with tifffile.TiffFile(f"{mnt}/labels/cells_L0.tif") as t:
    d = t.pages[0].description.splitlines()
if "xorigin=-5" not in d or "yorigin=-3" not in d:
    bad.append(f"the label's origin: {d}")
print(f"FAIL ngff 0.6 {name}: " + "; ".join(bad) if bad else
      f"ok ngff 0.6 {name}: 3 levels, the label, pixel sizes and origins as written")
PY
}

if do_mount image "$OMEFS_TEST_HTTP/v06/image.ome.zarr" -o cache_dir="$work/cache"; then
  got=$(cd "$mnt" && ls | tr '\n' ' ')
  [ "$got" = "image.ome.tif image.preview.png image_L0.tif image_L1.tif image_L2.tif labels " ] &&
    ok "ngff 0.6 over http: files $got" || fail "ngff 0.6 over http: files '$got'"
  check_image "over http"
  grep -q 'a "affine" transformation to "stage" is left out of the calibration' "$work/image.log" &&
    ok "ngff 0.6: the affine to another coordinate system is named in a warning" ||
    fail "ngff 0.6: no warning for the affine: $(cat "$work/image.log")"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ngff 0.6 mount over http: $(tail -2 "$work/image.log")"
fi
if do_mount local "$v06/image.ome.zarr" -o cache_dir=none; then
  check_image "local"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ngff 0.6 local mount: $(tail -2 "$work/local.log")"
fi

if do_mount plate "$OMEFS_TEST_HTTP/v06/plate.ome.zarr" -o cache_dir=none; then
  $PY - "$v06" "$mnt" <<'PY'
import sys
import numpy as np
import tifffile
v06, mnt = sys.argv[1:]
ok = True
for k in range(2):
    want = np.fromfile(f"{v06}/expected/plate_A1_0_L{k}.raw", "<u2").reshape(2, 40 >> k, 50 >> k)
    ok &= bool((tifffile.imread(f"{mnt}/A1/A1_0_L{k}.tif").reshape(want.shape) == want).all())
with tifffile.TiffFile(f"{mnt}/A1/A1_0.ome.tif") as t:
    ok &= 'PhysicalSizeX="0.3"' in t.ome_metadata
print("ok ngff 0.6 plate: the field's 2 levels and pixel size as written" if ok else
      "FAIL ngff 0.6 plate: a field's pixels or pixel size differ")
PY
  do_unmount "$mnt" "$mnt_pid"
else
  fail "ngff 0.6 plate mount: $(tail -2 "$work/plate.log")"
fi

mkdir -p "$work/mnt-affine"
msg=$(timeout 60 "$OMEFS" -f "$OMEFS_TEST_HTTP/v06/affine.ome.zarr" "$work/mnt-affine" 2>&1); rc=$?
[ $rc = 1 ] && grep -q 'datasets\[0\]: a "affine" transformation places pixels other than by a scale and an origin' <<<"$msg" &&
  ok "ngff 0.6: a level placed by an affine is refused: $msg" ||
  fail "ngff 0.6: affine level: exit $rc, '$msg'"
