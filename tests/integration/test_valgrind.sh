#!/usr/bin/env bash
# Mounts under valgrind memcheck: a release build mounts fixtures over real nginx — an image
# (reads of both kinds of file with read-ahead, the disk cache and .omefs/stats), an image with
# label images, a plate (a well opened, a broken well refused), a bioformats2raw collection, a
# local folder of images (a plate in it), an OMERO image, dataset, project and plate — and unmounts; memcheck must report no errors and no leaked
# memory.
source "$(dirname "$0")/../lib/integration.sh"
if ! command -v valgrind >/dev/null; then
  echo "skip valgrind: not installed (make deps installs it)"; exit 0
fi
mount_test_start valgrind

# The judge of leaks first: a block omefs asked for counts, one libfuse asked for while called
# from omefs does not.
cat >"$work/judge.log" <<'LOG'
==1== 40 bytes in 1 blocks are definitely lost in loss record 1 of 2
==1==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==1==    by 0x4BEF9A9: realloc (in /usr/lib/x86_64-linux-gnu/libc.so.6)
==1==    by 0x11A2B3: ome_buf_reserve (buf.c:19)
==1==    by 0x4869309: ??? (in /usr/lib/x86_64-linux-gnu/libfuse3.so.3.14.0)
==1==
==1== 3 bytes in 1 blocks are indirectly lost in loss record 2 of 2
==1==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==1==    by 0x4BEF9A9: strdup (strdup.c:42)
==1==    by 0x4867890: ??? (in /usr/lib/x86_64-linux-gnu/libfuse3.so.3.14.0)
==1==    by 0x110651: ops_readdir (ops.c:181)
==1==
LOG
judged=$($PY tests/integration/valgrind_leaks.py "$work/judge.log" 2>/dev/null)
[ "$judged" = 40 ] && echo "ok valgrind judge: omefs's own leak counted, libfuse's left out" ||
  echo "FAIL valgrind judge: counted $judged bytes, expected 40"

# vg_case NAME SOURCE COMMANDS: mounts SOURCE under memcheck, runs COMMANDS (with $mnt set; they
# print ok/FAIL lines), unmounts and judges memcheck's report.
vg_case() {
  local name=$1 src=$2 cmds=$3 vglog="$work/vg-$1.log"
  printf '#!/bin/sh\nexec valgrind --tool=memcheck --num-callers=40 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=none --log-file=%s %s "$@"\n' \
    "$vglog" "$repo/build/omefs" >"$work/omefs-vg"
  chmod +x "$work/omefs-vg"
  if ! OMEFS="$work/omefs-vg" do_mount "vg-$name" "$src" -o cache_dir="$work/cache",mem_cache=4M; then
    echo "FAIL valgrind $name mount: $(tail -5 "$vglog" 2>/dev/null)"; return
  fi
  eval "$cmds"
  do_unmount "$mnt" "$mnt_pid"
  local errors lost
  errors=$(grep -oP 'ERROR SUMMARY: \K[0-9]+' "$vglog" | tail -1)
  # leaks of omefs's own blocks; libfuse 3.14 sometimes leaks its record of a request still in
  # flight at unmount, which is listed but not counted
  lost=$($PY tests/integration/valgrind_leaks.py "$vglog")
  if [ "${errors:-x}" = 0 ] && [ "${lost:-0}" = 0 ]; then
    echo "ok valgrind $name: 0 errors, no memory lost at unmount"
  else
    echo "FAIL valgrind $name: errors=${errors:-?} lost=${lost:-?} bytes"
    grep -A12 -m3 "Invalid\|definitely lost in" "$vglog"
  fi
}

n=seq_czyx
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1
vg_case image "$OMEFS_TEST_HTTP/$n.zarr" '
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" && cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" &&
    cat "$mnt/.omefs/stats" >/dev/null &&
    echo "ok valgrind image: reads under memcheck are identical" || echo "FAIL valgrind image: reads differ"'
vg_case labels "$OMEFS_TEST_HTTP/with_labels.zarr" '
  cat "$mnt/labels/cells.ome.tif" "$mnt/labels/nuclei_L0.tif" >/dev/null &&
    echo "ok valgrind labels: label files read" || echo "FAIL valgrind labels: read failed"'
vg_case plate "$OMEFS_TEST_HTTP/plate.zarr" '
  cat "$mnt/A1/A1_0.ome.tif" "$mnt/A3/A3_1_L1.tif" >/dev/null && ! ls "$mnt/B3" >/dev/null 2>&1 &&
    echo "ok valgrind plate: wells read, the broken one refused" || echo "FAIL valgrind plate: reads"'
vg_case series "$OMEFS_TEST_HTTP/series.zarr" '
  cat "$mnt/0_Position_1___more/series_0_L1.tif" "$mnt/2/series_2_labels_nuclei.ome.tif" >/dev/null &&
    echo "ok valgrind series: a collection'"'"'s images and a label read" || echo "FAIL valgrind series: reads"'
mkdir -p "$work/lab"
cp -r "$fixtures/with_labels.zarr" "$work/lab/with_labels.zarr"
cp -r "$fixtures/plate.zarr" "$work/lab/plate.zarr"
vg_case folder "$work/lab" '
  cat "$mnt/with_labels/with_labels_L1.tif" "$mnt/with_labels/with_labels_labels_cells.ome.tif" \
    "$mnt/plate/A1/A1_1.ome.tif" >/dev/null && ! ls "$mnt/plate/B3" >/dev/null 2>&1 &&
    echo "ok valgrind folder: an image and a plate'"'"'s field in a folder read, a broken well refused" ||
    echo "FAIL valgrind folder: reads"'
vg_case omero "$OMEFS_TEST_HTTP/omero/webclient/img_detail/1/" '
  cat "$mnt/image-1_L2.tif" "$mnt/image-1.ome.tif" >/dev/null &&
    echo "ok valgrind omero: an OMERO image read" || echo "FAIL valgrind omero: read failed"'
vg_case omero-dataset "$OMEFS_TEST_HTTP/omero/webclient/?show=dataset-7" '
  cat "$mnt/1_pyramid/image-1_L2.tif" >/dev/null && ! ls "$mnt/90_broken___not_JSON_" >/dev/null 2>&1 &&
    echo "ok valgrind omero-dataset: an image read, the broken one refused" ||
    echo "FAIL valgrind omero-dataset: reads"'
vg_case omero-project "$OMEFS_TEST_HTTP/omero/webclient/?show=project-11" '
  cat "$mnt/7_public_set/1_pyramid/image-1_L2.tif" >/dev/null &&
    echo "ok valgrind omero-project: an image of a dataset of a project read" ||
    echo "FAIL valgrind omero-project: reads"'
vg_case omero-plate "$OMEFS_TEST_HTTP/omero/webclient/?show=plate-5" '
  cat "$mnt/A1/A1_1_L1.tif" "$mnt/C1/C1_0.ome.tif" >/dev/null && ! ls "$mnt/B2" >/dev/null 2>&1 &&
    echo "ok valgrind omero-plate: wells read, the broken one refused" ||
    echo "FAIL valgrind omero-plate: reads"'
