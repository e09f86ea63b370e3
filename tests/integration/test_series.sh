#!/usr/bin/env bash
# bioformats2raw collections (written by zarr-python) through real mounts over a real nginx: a
# folder per image named from OME/METADATA.ome.xml, opened only when looked into (counted in
# nginx's log); images found from the "series" list or by probing 0/, 1/, …; a single image at
# the root; every pixel of every file judged by tifffile against zarr-python, and by ImageJ on
# one; a listed image that is missing is EIO with a log line; malformed collections refused at
# mount with one line naming the document; offline from the disk cache with the server down.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/series.json" ]; then
  echo "skip series: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start series
export ASAN_OPTIONS=detect_leaks=0
want_folders() { $PY -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))[sys.argv[2]]['folders']))" "$fixtures/series.json" "$1"; }

# Every image of a mounted collection against zarr-python: COLLECTION MOUNT (folders from the
# manifest, or the files at the root for a single image).
check_pixels() {
  $PY - "$fixtures" "$1" "$2" <<'PY'
import json, os, sys
from xml.sax.saxutils import quoteattr
import numpy as np
import tifffile
fixtures, coll, mnt = sys.argv[1:4]
info = json.load(open(os.path.join(fixtures, "series.json")))[coll]
bad = checked = 0
for i, img in enumerate(info["images"]):
    folder = os.path.join(mnt, info["folders"][i]) if "folders" in info else mnt
    name = "%s_%d" % (coll, i) if "folders" in info else coll
    want = [np.fromfile(os.path.join(fixtures, "expected", "series", "%s_%d_L%d.raw" % (coll, i, k)),
                        img["dtype"]) for k in range(img["levels"])]
    with tifffile.TiffFile(os.path.join(folder, name + ".ome.tif")) as tf:
        levels = tf.series[0].levels
        # the Image's name: the OME-XML's (METADATA.ome.xml) when it has one, else the file's
        title = (info.get("names") or [None] * len(info["images"]))[i] or name
        if '<Image ID="Image:0" Name=%s' % quoteattr(title) not in (tf.ome_metadata or ""):
            print("FAIL %s %s.ome.tif: the Image is not named %r" % (coll, name, title)); bad += 1
        for k in range(img["levels"]):
            if not np.array_equal(levels[k].asarray().ravel(), want[k]):
                print("FAIL %s %s.ome.tif level %d: pixels differ" % (coll, name, k)); bad += 1
    for k in range(img["levels"]):
        got = tifffile.imread(os.path.join(folder, "%s_L%d.tif" % (name, k)))
        if not np.array_equal(got.ravel(), want[k]):
            print("FAIL %s %s_L%d.tif: pixels differ" % (coll, name, k)); bad += 1
    checked += 1
if not bad:
    print("ok series %s: %d images, every level of the OME-TIFF and the ImageJ files equal to "
          "%s" % (coll, checked, "the v3 writer's (judged by zarrita)" if info.get("v3")
                  else "zarr-python's"))
PY
}

# 1. Three images listed by "series", named from the XML; folders opened on use.
start=$(log_lines)
if ! do_mount series "$OMEFS_TEST_HTTP/series.zarr" -o cache_dir=none; then
  fail "series mount: $(tail -2 "$work/series.log")"; exit 1
fi
folders=$(ls "$mnt" | tr '\n' ' ')
[ "$folders" = "$(want_folders series) " ] && ok "series: a folder per image, named from the OME-XML ($folders)" ||
  fail "series: folders '$folders', want '$(want_folders series)'"
n=$(log_since "$start" | grep -c 'GET /series.zarr/[0-9]/')
[ "$n" = 0 ] && ok "series: mounting and listing read no image's metadata" ||
  fail "series: $n image requests before any folder was opened"
start=$(log_lines)
files=$(ls "$mnt/1_Pos2__b_" | tr '\n' ' ')
[ "$files" = "series_1.ome.tif series_1.preview.png series_1_L0.tif " ] && ok "series: folder 1 holds its image's files ($files)" ||
  fail "series: 1_Pos2__b_ holds '$files'"
other=$(log_since "$start" | grep -c 'GET /series.zarr/[02]/')
mine=$(log_since "$start" | grep -c 'GET /series.zarr/1/')
[ "$other" = 0 ] && [ "$mine" -gt 0 ] && ok "series: opening image 1 read only 1/ ($mine requests)" ||
  fail "series: opening image 1 made $mine requests for it and $other for the others"
files=$(ls "$mnt/2" | tr '\n' ' ')
[ "$files" = "series_2.ome.tif series_2.preview.png series_2_L0.tif series_2_labels_nuclei.ome.tif series_2_labels_nuclei.preview.png series_2_labels_nuclei_L0.tif " ] &&
  ok "series: an image's label image sits beside it ($files)" || fail "series: folder 2 holds '$files'"
out=$(check_pixels series "$mnt"); grep -q '^ok' <<<"$out" && ok "${out#ok }" || fail "$out"
$PY - "$fixtures" "$mnt" <<'PY' && ok "series: the label image equals zarr-python's" || fail "series: label image differs"
import os, sys
import numpy as np
import tifffile
want = np.fromfile(os.path.join(sys.argv[1], "expected", "series", "series_2_labels_nuclei_L0.raw"), "<u2")
sys.exit(0 if np.array_equal(tifffile.imread(os.path.join(sys.argv[2], "2", "series_2_labels_nuclei_L0.tif")).ravel(), want) else 1)
PY
if out=$(imagej_probe "$mnt/1_Pos2__b_/series_1_L0.tif") || [ $? != 2 ]; then
  grep -q "w=30 h=40 c=1 z=3 t=1 bits=8 " <<<"$out" &&
    ok "series: ImageJ opens 1_Pos2__b_/series_1_L0.tif as a 3-slice 8-bit stack" ||
    fail "series: ImageJ saw '$out'"
else
  echo "skip series imagej: ImageJ missing"
fi
[ -e "$mnt/OME" ] && fail "series: the OME group shows" || ok "series: the OME group does not show"
do_unmount "$mnt" "$mnt_pid"

# A collection mounted: NAME COLLECTION WANT_LISTING WHAT; its root shows WANT_LISTING and
# every image's pixels are right.
collection_case() {
  if do_mount "$1" "$OMEFS_TEST_HTTP/$2.zarr" -o cache_dir=none; then
    local got; got=$(ls "$mnt" | tr '\n' ' ')
    [ "$got" = "$3" ] && ok "series: $4 ($got)" || fail "series: $2 shows '$got', want '$3'"
    out=$(check_pixels "$2" "$mnt"); grep -q '^ok' <<<"$out" && ok "${out#ok }" || fail "$out"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "series: $2 mount: $(tail -2 "$work/$1.log")"
  fi
}

# 2. No "series" list: 0/ and 1/ found by probing; the unrelated group 7/ is not an image.
collection_case numbered series_numbered "$(want_folders series_numbered) " \
  "without a list, the numbered groups found by probing"
# 3. One image: its files at the root, as an image source shows them.
collection_case single series_single "series_single.ome.tif series_single.preview.png series_single_L0.tif series_single_L1.tif " \
  "a collection of one image shows its files at the root"

# 3b. OME-Zarr 0.5 (Zarr v3): the "series" list and the layout under "ome" in zarr.json.
collection_case v05 series_v05 "$(want_folders series_v05) " \
  "OME-Zarr 0.5: the series list in OME/zarr.json, a folder per image"

# 4. A listed image that is missing: EIO and a log line; the other image stays readable.
if do_mount broken "$OMEFS_TEST_HTTP/series_broken.zarr" -o cache_dir=none; then
  if ls "$mnt/1" >/dev/null 2>"$work/b.err"; then
    fail "series: listing the missing image's folder succeeded"
  elif grep -q "Input/output error" "$work/b.err" && grep -q "series_broken.zarr/9/.zattrs" "$work/broken.log"; then
    ok "series: a missing listed image is EIO, logged '$(grep -m1 'series_broken.zarr/9' "$work/broken.log" | cut -c1-150)'"
  else
    fail "series: missing image gave '$(cat "$work/b.err")', log '$(tail -1 "$work/broken.log")'"
  fi
  [ -s "$mnt/0/series_broken_0_L0.tif" ] && ok "series: the other image stays readable" ||
    fail "series: image 0 unreadable after image 1 failed"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "series: broken mount: $(tail -2 "$work/broken.log")"
fi

# 5. Malformed collections: refused at mount, one line naming the document, nothing mounted.
refused() { # NAME FIXTURE EXPECTED_TEXT
  local m="$work/$1"; mkdir -p "$m"
  timeout 60 "$OMEFS" "$OMEFS_TEST_HTTP/$2" "$m" -f -o cache_dir=none >"$work/$1.out" 2>&1 &
  local pid=$! rc
  wait $pid; rc=$?
  if [ "$rc" = 1 ] && grep -q "$3" "$work/$1.out" && ! mountpoint -q "$m"; then
    ok "series: $2 refused: $(head -1 "$work/$1.out" | cut -c1-150)"
  else
    fail "series: $2 gave rc=$rc '$(head -2 "$work/$1.out")'"
    fusermount3 -u "$m" 2>/dev/null
  fi
}
refused escape series_escape.zarr "series_escape.zarr/OME/.zattrs: series 0 is not a relative path"
refused empty series_empty.zarr "series_empty.zarr/0: a bioformats2raw collection without images"

# 6. Offline: a collection read once is listed and read again from the disk cache, server down.
if do_mount kept "$OMEFS_TEST_HTTP/series_numbered.zarr" -o cache_dir="$work/cache"; then
  want=$(ls "$mnt" | tr '\n' ' ')
  cp "$mnt/1_beta/series_numbered_1_L0.tif" "$work/kept.tif"
  do_unmount "$mnt" "$mnt_pid"
  nginx_set mode=down
  if do_mount kept-offline "$OMEFS_TEST_HTTP/series_numbered.zarr" -o cache_dir="$work/cache",offline; then
    got=$(ls "$mnt" | tr '\n' ' ')
    [ "$got" = "$want" ] && cmp -s "$mnt/1_beta/series_numbered_1_L0.tif" "$work/kept.tif" &&
      ok "series offline, server down: the same folders ($got) and image 1 from the disk cache" ||
      fail "series offline: folders '$got' (want '$want') or image 1 differs"
    ls "$mnt/0_alpha" >/dev/null 2>&1 && fail "series offline: image 0, never opened, listed" ||
      ok "series offline: image 0, never opened online, is EIO"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "series offline mount: $(tail -2 "$work/kept-offline.log")"
  fi
  nginx_set mode=none
else
  fail "series kept mount: $(tail -2 "$work/kept.log")"
fi
