#!/usr/bin/env bash
# A folder of OME-Zarr images mounted at once: a local directory holding zarr-python's images
# as NAME.zarr and NAME.ome.zarr (links, as a lab's share often has), beside a plate, a folder
# that is no image and a hidden one. A folder NAME per image with its files and label images,
# every pixel judged by tifffile; the plate's folder EIO with a log line saying to mount it on
# its own; a directory without images refused at mount with one line. (S3 prefixes are listed
# in test_s3.sh.)
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/manifest.json" ]; then
  echo "skip folder: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start folder
export ASAN_OPTIONS=detect_leaks=0
lab="$work/lab"
mkdir -p "$lab/notes" "$lab/.hidden.zarr"
ln -s "$fixtures/with_labels.zarr" "$lab/with_labels.zarr"
ln -s "$fixtures/axes_cyx.zarr" "$lab/axes_cyx.ome.zarr"
ln -s "$fixtures/plate.zarr" "$lab/plate.zarr"
echo "not an image" >"$lab/readme.zarr"

if do_mount lab "$lab" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  [ "$got" = "axes_cyx plate with_labels " ] &&
    ok "folder: a folder per NAME.zarr / NAME.ome.zarr ($got), nothing else" ||
    fail "folder: shows '$got'"
  files=$(ls "$mnt/with_labels" | tr '\n' ' ')
  [ "$files" = "with_labels.ome.tif with_labels_L0.tif with_labels_L1.tif with_labels_labels_cells.ome.tif with_labels_labels_cells_L0.tif with_labels_labels_cells_L1.tif with_labels_labels_nuclei.ome.tif with_labels_labels_nuclei_L0.tif " ] &&
    ok "folder: an image's folder holds its files and its label images" ||
    fail "folder: with_labels/ holds '$files'"
  for n in axes_cyx with_labels; do
    out=$($PY tests/integration/check_tiff.py "$fixtures" "$mnt/$n" "$n" 2>&1)
    [ $? = 0 ] && ok "folder $n/: $(tail -1 <<<"$out" | cut -c4-)" || fail "folder $n/: $out"
  done
  if ls "$mnt/plate" >/dev/null 2>"$work/plate.err"; then
    fail "folder: the plate's folder was listed"
  elif grep -q "Input/output error" "$work/plate.err" &&
       grep -q "plate.zarr/.zattrs: a plate, not an image (mount it on its own)" "$work/lab.log"; then
    ok "folder: the plate inside is EIO, logged '$(grep -m1 'a plate, not' "$work/lab.log" | cut -c1-140)'"
  else
    fail "folder: plate gave '$(cat "$work/plate.err")', log '$(tail -1 "$work/lab.log")'"
  fi
  do_unmount "$mnt" "$mnt_pid"
else
  fail "folder mount: $(tail -2 "$work/lab.log")"
fi

mkdir -p "$work/empty/sub" "$work/mnt-empty"
msg=$(timeout 30 "$OMEFS" -f "$work/empty" "$work/mnt-empty" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "empty/.zattrs: not found, nor zarr.json (is this an OME-Zarr image?), and no NAME.zarr folder in it" <<<"$msg" && ! mountpoint -q "$work/mnt-empty" &&
  ok "folder: a directory without images refused: $msg" || fail "folder: empty directory gave rc=$rc '$msg'"
