#!/usr/bin/env bash
# A folder of OME-Zarr images mounted at once: a local directory holding zarr-python's images
# as NAME.zarr and NAME.ome.zarr (links, as a lab's share often has), a plate and
# bioformats2raw collections, beside a file, plain subfolders (one holding another image) and a
# hidden one. A folder NAME per image with its files and label images; the plate a folder of
# wells, the collection a folder of images (of one image: its files), a subfolder a folder of
# the same kind; every pixel judged by tifffile; a directory without folders refused at mount
# with one line. (S3 prefixes: test_s3.sh.)
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/manifest.json" ]; then
  echo "skip folder: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start folder
export ASAN_OPTIONS=detect_leaks=0
lab="$work/lab"
mkdir -p "$lab/notes/deeper" "$lab/notes/empty" "$lab/.hidden.zarr"
cp -r "$fixtures/axes_2d.zarr" "$lab/notes/deeper/cells.zarr"
cp -r "$fixtures/with_labels.zarr" "$lab/with_labels.zarr"
cp -r "$fixtures/plate.zarr" "$lab/plate.zarr"
cp -r "$fixtures/series.zarr" "$lab/series.zarr"
cp -r "$fixtures/series_single.zarr" "$lab/series_single.zarr"
# links: one that stays inside (followed), one to an image outside, one loop, and a chunk that
# is a link to a secret file outside (never served)
mkdir -p "$lab/.store" && cp -r "$fixtures/axes_cyx.zarr" "$lab/.store/axes_cyx.zarr"
ln -s .store/axes_cyx.zarr "$lab/axes_cyx.ome.zarr"
ln -s "$fixtures/axes_2d.zarr" "$lab/outside.zarr"
ln -s loop "$lab/notes/loop"
cp -r "$fixtures/axes_2d.zarr" "$lab/notes/leaky.zarr"
printf 'SECRET-%.0s' $(seq 20000) >"$work/secret" && chmod 600 "$work/secret"
for c in "$lab"/notes/leaky.zarr/0/*; do ln -sf "$work/secret" "$c"; done
echo "not an image" >"$lab/readme.zarr"

if do_mount lab "$lab" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  [ "$got" = "axes_cyx notes plate series series_single with_labels " ] &&
    ok "folder: a folder per NAME.zarr / NAME.ome.zarr and per subfolder ($got), no file, no hidden folder" ||
    fail "folder: shows '$got'"
  # a subfolder is a folder of the same kind: here one more image inside, and an empty one
  # links: the one inside is followed (axes_cyx above), the one out and the loop are not; find
  # ends (with an error for the plate's broken well)
  timeout 20 find "$mnt" >/dev/null 2>&1
  [ $? != 124 ] && ok "folder: find ends" || fail "folder: find does not end"
  grep -q "outside.zarr: a symbolic link that leads out of the source; left out" "$work/lab.log" &&
    grep -q "notes/loop: too many symbolic links; left out" "$work/lab.log" &&
    ok "folder: a link leading out and a link loop left out, named in the log" ||
    fail "folder: links: $(grep -i "link" "$work/lab.log" | head -3)"
  if cat "$mnt/notes/leaky/leaky_L0.tif" 2>/dev/null | grep -q SECRET; then
    fail "folder: a file outside the source served through a link"
  elif grep -q "leaky.zarr/0/.*a symbolic link that leads out of the source" "$work/lab.log"; then
    ok "folder: chunks that are links to a file outside are refused, never served"
  else
    fail "folder: leaky chunks: $(grep leaky "$work/lab.log" | head -2)"
  fi
  got=$(ls "$mnt/notes" | tr '\n' ' ')
  inner=$(ls "$mnt/notes/deeper" | tr '\n' ' ')
  [ "$got" = "deeper empty leaky " ] && [ "$inner" = "cells " ] && [ -z "$(ls "$mnt/notes/empty")" ] &&
    [ -s "$mnt/notes/deeper/cells/cells_L1.tif" ] &&
    ok "folder: subfolders nest (notes/deeper/cells/cells_L1.tif), an empty one is empty" ||
    fail "folder: notes/ holds '$got', notes/deeper/ '$inner'"
  files=$(ls "$mnt/with_labels" | tr '\n' ' ')
  [ "$files" = "with_labels.ome.tif with_labels.preview.png with_labels_L0.tif with_labels_L1.tif with_labels_labels_cells.ome.tif with_labels_labels_cells.preview.png with_labels_labels_cells_L0.tif with_labels_labels_cells_L1.tif with_labels_labels_nuclei.ome.tif with_labels_labels_nuclei.preview.png with_labels_labels_nuclei_L0.tif " ] &&
    ok "folder: an image's folder holds its files and its label images" ||
    fail "folder: with_labels/ holds '$files'"
  for n in axes_cyx with_labels; do
    out=$($PY tests/integration/check_tiff.py "$fixtures" "$mnt/$n" "$n" 2>&1)
    [ $? = 0 ] && ok "folder $n/: $(tail -1 <<<"$out" | cut -c4-)" || fail "folder $n/: $out"
  done
  # a plate inside: a folder of wells; a collection: a folder of images; one of one image: files
  wells=$(ls "$mnt/plate" | tr '\n' ' ')
  [ "$wells" = "A1 A3 B2 B3 " ] && ok "folder: a plate inside is a folder of wells ($wells)" ||
    fail "folder: plate/ holds '$wells'"
  $PY - "$fixtures" "$mnt/plate/A3" <<'PY' && ok "folder: plate/A3's fields equal zarr-python's" || fail "folder: plate/A3 differs"
import os, sys
import numpy as np
import tifffile
fixtures, well = sys.argv[1:3]
for f in ("0", "1"):
    want = np.fromfile(os.path.join(fixtures, "expected", "plate", "A3_%s_L0.raw" % f), "<u2")
    if not np.array_equal(tifffile.imread(os.path.join(well, "A3_%s_L0.tif" % f)).ravel(), want):
        sys.exit(1)
PY
  ls "$mnt/plate/B3" >/dev/null 2>&1 && fail "folder: the plate's broken well listed" ||
    ok "folder: the plate's broken well is EIO"
  got=$(ls "$mnt/series" | tr '\n' ' ')
  [ "$got" = "0_Position_1___more 1_Pos2__b_ 2 " ] &&
    ok "folder: a bioformats2raw collection inside is a folder of images ($got)" ||
    fail "folder: series/ holds '$got'"
  $PY - "$fixtures" "$mnt/series/1_Pos2__b_/series_1_L0.tif" <<'PY' && ok "folder: series/1_Pos2__b_/series_1_L0.tif equals zarr-python's" || fail "folder: series image 1 differs"
import os, sys
import numpy as np
import tifffile
want = np.fromfile(os.path.join(sys.argv[1], "expected", "series", "series_1_L0.raw"), "u1")
sys.exit(0 if np.array_equal(tifffile.imread(sys.argv[2]).ravel(), want) else 1)
PY
  # provenance: each file's user.omefs.source names the image group it shows
  $PY - "$mnt" "$lab" <<'PY' && ok "folder: user.omefs.source names each file's image (and folders have none)" || fail "folder: xattrs wrong"
import errno, os, sys
mnt, lab = sys.argv[1:3]
want = {"with_labels/with_labels_L0.tif": lab + "/with_labels.zarr",
        "with_labels/with_labels_labels_cells.ome.tif": lab + "/with_labels.zarr/labels/cells",
        "plate/A3/A3_1.ome.tif": lab + "/plate.zarr/A/3/1"}
for f, src in want.items():
    p = os.path.join(mnt, f)
    got = os.getxattr(p, "user.omefs.source").decode()
    if got != src or os.listxattr(p) != ["user.omefs.source"]:
        print("FAIL %s: %r, %r" % (f, got, os.listxattr(p))); sys.exit(1)
try:
    os.getxattr(os.path.join(mnt, "with_labels"), "user.omefs.source")
    sys.exit(1)
except OSError as e:
    if e.errno != errno.ENODATA:
        sys.exit(1)
PY
  got=$(ls "$mnt/series_single" | tr '\n' ' ')
  [ "$got" = "series_single.ome.tif series_single.preview.png series_single_L0.tif series_single_L1.tif " ] &&
    ok "folder: a collection of one image inside is that image's files" ||
    fail "folder: series_single/ holds '$got'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "folder mount: $(tail -2 "$work/lab.log")"
fi

mkdir -p "$work/empty" "$work/mnt-empty"
echo "a file" >"$work/empty/notes.txt"
msg=$(timeout 30 "$OMEFS" -f "$work/empty" "$work/mnt-empty" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "empty/.zattrs: not found, nor zarr.json (is this an OME-Zarr image?), and no folder in it" <<<"$msg" && ! mountpoint -q "$work/mnt-empty" &&
  ok "folder: a directory without images or folders refused: $msg" || fail "folder: empty directory gave rc=$rc '$msg'"
if mountpoint -q "$work/mnt-empty"; then fusermount3 -u "$work/mnt-empty"; fi
