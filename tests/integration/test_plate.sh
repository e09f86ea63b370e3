#!/usr/bin/env bash
# A high-content screening plate (OME-NGFF 0.4, written by zarr-python) through a real mount over
# a real nginx: a folder per well; only the plate's metadata read at mount and only the wells
# looked into read afterwards (counted in nginx's log); every field's files pixel-exact by
# tifffile against zarr-python (a field's label image beside it); ImageJ on a field; a well
# that cannot be read is EIO with a log line naming it, and the other wells stay readable.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/plate.json" ]; then
  echo "skip plate: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start plate
export ASAN_OPTIONS=detect_leaks=0

start=$(log_lines)
if ! do_mount plate "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir=none; then
  fail "plate mount: $(tail -2 "$work/plate.log")"; exit 1
fi
wells=$(ls "$mnt" | tr '\n' ' ')
[ "$wells" = "A1 A3 B2 B3 plate.preview.png " ] && ok "plate: a folder per well ($wells)" || fail "plate: folders '$wells'"
n=$(log_since "$start" | grep -c 'GET /plate.zarr/[A-Z]/')
[ "$n" = 0 ] && ok "plate: mounting and listing read no well's metadata" ||
  fail "plate: $n well requests before any well was opened"

start=$(log_lines)
files=$(ls "$mnt/A1" | tr '\n' ' ')
[ "$files" = "A1_0.ome.tif A1_0.preview.png A1_0_L0.tif A1_0_L1.tif A1_0_labels_cells.ome.tif A1_0_labels_cells.preview.png A1_0_labels_cells_L0.tif A1_1.ome.tif A1_1.preview.png A1_1_L0.tif A1_1_L1.tif " ] &&
  ok "plate: well A1 holds its fields' files ($files)" || fail "plate: A1 holds '$files'"
other=$(log_since "$start" | grep -c 'GET /plate.zarr/\(A/3\|B/\)')
mine=$(log_since "$start" | grep -c 'GET /plate.zarr/A/1/')
[ "$other" = 0 ] && [ "$mine" -gt 0 ] && ok "plate: opening A1 read only A1 ($mine requests)" ||
  fail "plate: opening A1 made $mine requests for A1 and $other for other wells"

# Every field of every readable well, every level, both kinds of file.
$PY - "$fixtures" "$mnt" <<'PY'
import json, os, sys
import numpy as np
import tifffile
fixtures, mnt = sys.argv[1], sys.argv[2]
man = json.load(open(os.path.join(fixtures, "plate.json")))
bad = checked = 0
for well, info in man["wells"].items():
    if info["broken"]:
        continue
    for f in info["fields"]:
        name = "%s_%s" % (well, f)
        want = [np.fromfile(os.path.join(fixtures, "expected", "plate", "%s_L%d.raw" % (name, k)),
                            "<u2") for k in range(2)]
        with tifffile.TiffFile(os.path.join(mnt, well, name + ".ome.tif")) as tf:
            levels = tf.series[0].levels
            for k in range(2):
                if not np.array_equal(levels[k].asarray().ravel(), want[k]):
                    print("FAIL plate %s.ome.tif level %d: pixels differ" % (name, k)); bad += 1
        for k in range(2):
            got = tifffile.imread(os.path.join(mnt, well, "%s_L%d.tif" % (name, k)))
            if not np.array_equal(got.ravel(), want[k]):
                print("FAIL plate %s_L%d.tif: pixels differ" % (name, k)); bad += 1
        checked += 1
want = np.fromfile(os.path.join(fixtures, "expected", "plate", "A1_0_labels_cells_L0.raw"), "<u2")
for f in ("A1_0_labels_cells.ome.tif", "A1_0_labels_cells_L0.tif"):
    if not np.array_equal(tifffile.imread(os.path.join(mnt, "A1", f)).ravel(), want):
        print("FAIL plate %s: pixels differ" % f); bad += 1
if not bad:
    print("ok plate: %d fields in 3 wells, every pixel of both levels in the OME-TIFF and the "
          "ImageJ files, and field A1_0's label image, equal to zarr-python's" % checked)
PY

if out=$(imagej_probe "$mnt/A3/A3_1_L0.tif") || [ $? != 2 ]; then
  grep -q "w=64 h=48 c=2 z=1 t=1 bits=16 .*labels=DAPI|GFP" <<<"$out" &&
    ok "plate: ImageJ opens A3/A3_1_L0.tif as a 2-channel hyperstack labelled DAPI, GFP" ||
    fail "plate: ImageJ saw '$out'"
else
  echo "skip plate imagej: ImageJ missing"
fi

# A well whose field cannot be opened: EIO, a log line naming it; the others stay readable.
if ls "$mnt/B3" >/dev/null 2>"$work/b3.err"; then
  fail "plate: listing the broken well B3 succeeded"
elif grep -q "Input/output error" "$work/b3.err" && grep -q "well B3: no field can be opened" "$work/plate.log"; then
  ok "plate: broken well B3 is EIO, logged '$(grep -m1 'well B3: no field' "$work/plate.log" | cut -c1-160)'"
else
  fail "plate: B3 gave '$(cat "$work/b3.err")', log '$(tail -1 "$work/plate.log")'"
fi
# the same error in the mount's own recent log, for users without access to the daemon's log
info=$(ls "$mnt/.omefs" | tr '\n' ' ')
if [ "$info" = "log stats " ] &&
   grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z error: well B3: no field can be opened' "$mnt/.omefs/log"; then
  ok "plate: .omefs/log holds the error, timestamped: $(grep -m1 'error: well B3' "$mnt/.omefs/log" | cut -c1-90)"
else
  fail "plate: .omefs holds '$info', its log '$(head -c 300 "$mnt/.omefs/log")'"
fi
cmp -s "$mnt/B2/B2_0_L0.tif" "$mnt/B2/B2_0_L0.tif" && [ -s "$mnt/B2/B2_0_L0.tif" ] &&
  ok "plate: well B2 readable after B3 failed" || fail "plate: B2 unreadable after B3 failed"
[ -e "$mnt/C1" ] && fail "plate: C1 exists" || ok "plate: a well not in the plate is absent"
touch "$mnt/A1/new" 2>/dev/null && fail "plate: created a file" || ok "plate: read-only inside wells"
do_unmount "$mnt" "$mnt_pid"

# A walk of the whole plate (ls -lR) at 200 ms a request: once it looks into a second well, the
# other wells are loaded ahead, several at once. Every well's files are listed, in less than
# one well after another costs: 4 wells x 4 round trips (the well, its fields' groups, arrays
# and labels) x 200 ms = 3.2 s (measured: 3.6 s one after another, 2.8 s loaded ahead).
if do_mount walk "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir=none; then
  nginx_set delay_ms=200
  t0=$(date +%s.%N)
  ls -lR "$mnt" >"$work/walk.out" 2>/dev/null
  took=$(echo "$(date +%s.%N) - $t0" | bc)
  nginx_set delay_ms=0
  files=$(grep -c "\.tif$" "$work/walk.out")
  [ "$files" -ge 10 ] && [ "$(echo "$took < 3.2" | bc)" = 1 ] &&
    ok "plate walk: ls -lR lists $files files in ${took}s (wells loaded ahead, at once)" ||
    fail "plate walk: $files files in ${took}s"
  do_unmount "$mnt" "$mnt_pid"
fi

# A walk again after a remount on the same disk cache: the metadata the server confirmed within
# metadata_ttl (default 5 minutes), present or absent, is used without a request, but for the
# plate's own documents (the mount's check that the server is there); with metadata_ttl=0 each
# document is asked again (conditional requests, answered 304). The same listing either way.
cache="$work/walk-cache"
walk_requests() { # NAME OPTIONS → requests and 304s of a walk on a fresh mount, "R N"
  if do_mount "$1" "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir="$cache"${2:+,$2}; then
    find "$mnt" -path "$mnt/.omefs" -prune -o -printf "%P %s\n" 2>/dev/null | sort >"$work/$1.out"
    $PY -c "import json,sys; d=json.load(open(sys.argv[1]))['network']; print(d['requests'], d['not_modified'])" "$mnt/.omefs/stats"
    do_unmount "$mnt" "$mnt_pid"
  fi
}
read -r cold_req _ < <(walk_requests walk-cold)
start=$(log_lines)
read -r warm_req _ < <(walk_requests walk-warm)
below=$(log_since "$start" | grep -oE "(GET|HEAD) /plate\.zarr/[^ ]*/[^ ]*" | sort -u)
read -r again_req again_304 < <(walk_requests walk-ttl0 metadata_ttl=0)
[ "${cold_req:-0}" -gt 10 ] && [ -n "$warm_req" ] && [ -z "$below" ] && cmp -s "$work/walk-cold.out" "$work/walk-warm.out" &&
  ok "plate walk after a remount: $warm_req requests, none below the plate's own documents, within metadata_ttl ($cold_req cold), same listing" ||
  fail "plate walk after a remount: $warm_req requests ($cold_req cold), below the root: $(echo $below)"
[ "${again_req:-0}" -gt 0 ] && [ "${again_304:-0}" -gt 0 ] && cmp -s "$work/walk-cold.out" "$work/walk-ttl0.out" &&
  ok "plate walk with metadata_ttl=0: revalidated ($again_req requests, $again_304 answered 304)" ||
  fail "plate walk with metadata_ttl=0: ${again_req:-?} requests, ${again_304:-?} 304"
