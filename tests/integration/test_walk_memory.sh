#!/usr/bin/env bash
# What walking many images costs: a folder of 2000 small images (one written by zarr-python,
# copied), mounted with mem_cache=64M and walked with `find -ls` (every image's three files
# listed and their sizes read) twice, then one file of each of 50 images read. The daemon's
# memory must grow by at most 8 KiB per image walked (a file's layout — headers, IFDs, OME-XML —
# is held only while it is open or read, and made again from the metadata), and the files
# read must be right.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start walkmem
export ASAN_OPTIONS=detect_leaks=0
OMEFS=${OMEFS_BIN:-$repo/build/omefs} # the release build: ASan's own memory would hide ours
N=2000
src="$work/images"
mkdir -p "$src"
$PY - "$src/one.zarr" <<'PY'
import sys
import numpy as np
import zarr
root = zarr.group(store=zarr.DirectoryStore(sys.argv[1]), overwrite=True)
root.create_dataset("0", data=np.arange(2 * 32 * 48, dtype=np.uint16).reshape(2, 32, 48),
                    chunks=(2, 32, 48))
root.create_dataset("1", data=np.arange(2 * 16 * 24, dtype=np.uint16).reshape(2, 16, 24),
                    chunks=(2, 16, 24))
axes = [{"name": "c", "type": "channel"}, {"name": "y", "type": "space", "unit": "micrometer"},
        {"name": "x", "type": "space", "unit": "micrometer"}]
root.attrs["multiscales"] = [{"version": "0.4", "axes": axes, "datasets": [
    {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": [1, 2 ** k, 2 ** k]}]}
    for k in range(2)]}]
PY
$PY -c "import shutil, sys; [shutil.copytree(sys.argv[1] + '/one.zarr', '%s/img%d.zarr' % (sys.argv[1], i)) for i in range(2, int(sys.argv[2]) + 1)]" "$src" "$N"
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$src/one.zarr" img7 "$ref" 7 >/dev/null 2>&1
if ! do_mount walk "$src" -o cache_dir=none,mem_cache=64M; then
  fail "walk mount: $(tail -2 "$work/walk.log")"; exit 1
fi
rss() { awk '/VmRSS/ {print $2}' "/proc/$mnt_pid/status"; }
before=$(rss)
t0=$(date +%s.%N)
files=$(find "$mnt" -ls | grep -c '\.tif$')
t1=$(date +%s.%N)
find "$mnt" -ls >/dev/null
t2=$(date +%s.%N)
after=$(rss)
per=$(( (after - before) * 1024 / N ))
first=$($PY -c "print('%.2f' % ($t1 - $t0))") second=$($PY -c "print('%.2f' % ($t2 - $t1))")
[ "$files" = $((3 * N)) ] && [ "$per" -le 8192 ] &&
  ok "walked $N images ($files files): RSS +$(( (after - before) / 1024 )) MiB, $per bytes per image; find -ls ${first}s, again ${second}s" ||
  fail "walked $N images: $files files, RSS +$(( (after - before) / 1024 )) MiB = $per bytes per image (at most 8192)"
bad=0
for i in $(seq 2 60 $N); do cat "$mnt/img$i/img${i}.ome.tif" "$mnt/img$i/img${i}_L1.tif" >/dev/null || bad=$((bad + 1)); done
[ $bad = 0 ] && ok "after the walk, 50 images' files read through" || fail "after the walk, $bad images' files unreadable"
ok_read=$(cmp -s "$mnt/img7/img7_L0.tif" "$ref/img7_L0.tif" && cmp -s "$mnt/img7/img7.ome.tif" "$ref/img7.ome.tif" && echo 1)
[ "$ok_read" = 1 ] && ok "after the walk, a file's layout made again: img7's files byte-identical" ||
  fail "after the walk, img7's files differ from the library's"
do_unmount "$mnt" "$mnt_pid"
