#!/usr/bin/env bash
# Mounts under ThreadSanitizer (build/tsan/omefs): concurrent readers of one image with
# read-ahead, the memory and disk caches and .omefs; a plate's wells opened by several threads
# at once; an OMERO project's nested folders and a local folder of images walked at once. The
# reads must return the library's bytes and ThreadSanitizer must report no data race,
# lock-order inversion or misuse.
source "$(dirname "$0")/../lib/integration.sh"
TSAN_BIN=$repo/build/tsan/omefs
if [ ! -x "$TSAN_BIN" ]; then
  echo "skip tsan: $TSAN_BIN not built (make build/tsan/omefs)"; exit 0
fi
mount_test_start tsan
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$work/tsan-report"
OMEFS=$TSAN_BIN
n=seq_czyx
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1

# run_all CMD...: runs each command as its own background job and waits for those only (not
# for the mount's daemon); returns the number that failed.
run_all() {
  local pids=() p bad=0
  for c in "$@"; do bash -c "$c" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
  return $bad
}

# judge NAME: no report from ThreadSanitizer so far.
judge() {
  local reports
  reports=$(cat "$work"/tsan-report* 2>/dev/null | grep -cE '^WARNING: ThreadSanitizer')
  if [ "$reports" = 0 ]; then
    ok "tsan $1: no data race reported"
  else
    fail "tsan $1: $reports reports: $(grep -hm3 '^WARNING: ThreadSanitizer' "$work"/tsan-report* | tr '\n' ' ')"
    grep -h -A12 '^WARNING: ThreadSanitizer' "$work"/tsan-report* | head -40
  fi
}

# tsan_case NAME SOURCE MOUNT_OPTIONS WHAT CMD...: mounts SOURCE, runs the commands at once (with
# @M@ standing for the mount point), unmounts, and judges ThreadSanitizer's reports.
tsan_case() {
  local name=$1 src=$2 opts=$3 what=$4
  shift 4
  if ! do_mount "$name" "$src" -o "$opts"; then
    fail "tsan $name mount: $(tail -2 "$work/$name.log")"; return
  fi
  run_all "${@//@M@/$mnt}" && ok "tsan $name: $what" || fail "tsan $name: a reader failed"
  do_unmount "$mnt" "$mnt_pid"
  judge "$name"
}

tsan_case image "$OMEFS_TEST_HTTP/$n.zarr" cache_dir="$work/cache" \
  "6 concurrent readers, the library's bytes" \
  "cmp -s @M@/${n}_L0.tif $ref/${n}_L0.tif" "cmp -s @M@/$n.ome.tif $ref/$n.ome.tif" \
  "cmp -s @M@/${n}_L1.tif $ref/${n}_L1.tif" "cmp -s @M@/${n}_L0.tif $ref/${n}_L0.tif" \
  "cat @M@/.omefs/stats @M@/.omefs/log >/dev/null" \
  "dd if=@M@/$n.ome.tif bs=77777 skip=3 count=9 status=none of=/dev/null"
tsan_case plate "$OMEFS_TEST_HTTP/plate.zarr" cache_dir=none "wells opened by 6 threads at once" \
  "cat @M@/A1/A1_0_L0.tif >/dev/null" "cat @M@/A1/A1_1.ome.tif >/dev/null" \
  "cat @M@/A3/A3_0_L1.tif >/dev/null" "ls -l @M@/B2 >/dev/null" "! ls @M@/B3 2>/dev/null" \
  "cat @M@/A3/A3_1_L0.tif >/dev/null"
tsan_case project "$OMEFS_TEST_HTTP/omero/webclient/?show=project-11" cache_dir=none \
  "nested OMERO folders walked by 4 threads at once" \
  "ls -R @M@ >/dev/null 2>&1 || true" "cat @M@/7_public_set/1_pyramid/image-1_L2.tif >/dev/null" \
  "cat @M@/7_public_set/3_odd/image-3_L1.tif >/dev/null" "ls @M@/7_public_set >/dev/null"
mkdir -p "$work/lab/sub/deeper"
cp -r "$fixtures/plate.zarr" "$work/lab/plate.zarr"
cp -r "$fixtures/series.zarr" "$work/lab/sub/series.zarr"
cp -r "$fixtures/axes_cyx.zarr" "$work/lab/sub/deeper/cells.zarr"
tsan_case folder "$work/lab" cache_dir=none "a folder of images walked by 5 threads at once" \
  "ls -R @M@ >/dev/null 2>&1 || true" "cat @M@/sub/deeper/cells/cells_L1.tif >/dev/null" \
  "cat @M@/plate/A1/A1_0.ome.tif >/dev/null" "cat @M@/sub/series/2/series_2_L0.tif >/dev/null" \
  "ls -l @M@/sub/series/0_Position_1___more >/dev/null"
