#!/usr/bin/env bash
# The mount under valgrind memcheck: a release build mounts a fixture over real nginx, serves
# reads of both kinds of file (with read-ahead, the disk cache and .omefs/stats), and unmounts;
# memcheck must report no errors and no leaked memory.
source "$(dirname "$0")/../lib/integration.sh"
work=$(mktemp -d /tmp/omefs-valgrind-XXXXXX)
cleanup() {
  mount_cleanup
  nginx_stop
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
if ! command -v valgrind >/dev/null; then
  echo "skip valgrind: not installed (make deps installs it)"; exit 0
fi
unset OMEFS_TEST_NGINX_PID OMEFS_TEST_NGINX_DIR
nginx_start "$fixtures" || { echo "FAIL nginx did not start"; exit 1; }
n=seq_czyx
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1
printf '#!/bin/sh\nexec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect --log-file=%s %s "$@"\n' \
  "$work/vg.log" "$repo/build/omefs" >"$work/omefs-vg"
chmod +x "$work/omefs-vg"
OMEFS="$work/omefs-vg"
if do_mount vg "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir="$work/cache",mem_cache=4M; then
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" && cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" \
    && cat "$mnt/.omefs/stats" >/dev/null && ok=1 || ok=0
  [ $ok = 1 ] && echo "ok valgrind: reads under memcheck are identical" || echo "FAIL valgrind: reads differ"
  do_unmount "$mnt" "$mnt_pid"; rc=$?
  errors=$(grep -oP 'ERROR SUMMARY: \K[0-9]+' "$work/vg.log" | tail -1)
  lost=$(grep -E "definitely lost|indirectly lost" "$work/vg.log" | grep -oP 'lost: \K[0-9,]+' | tr -d , | paste -sd+ | bc)
  if [ "${errors:-x}" = 0 ] && [ "${lost:-0}" = 0 ]; then
    echo "ok valgrind: 0 errors, no memory lost at unmount"
  else
    echo "FAIL valgrind: errors=${errors:-?} lost=${lost:-?} bytes"; grep -A12 -m3 "Invalid\|definitely lost in" "$work/vg.log"
  fi
else
  echo "FAIL valgrind mount: $(tail -5 "$work/vg.log" "$work/vg.log" 2>/dev/null)"
fi
