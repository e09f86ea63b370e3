#!/usr/bin/env bash
# Shard indexes count against mem_cache. An image whose 32 shards each have a 16 MiB index
# (tests/integration/huge_index_image.py; judged by zarrita when installed) is mounted over HTTP
# with -o mem_cache=64M and no disk cache; one 4 KiB page is read in each shard of each file,
# then by 4 programs at once. The daemon's peak resident memory (VmHWM; the build without
# sanitizers) must stay within mem_cache + 64 MiB, and every byte must be right. 4 programs
# reading one shard at once, its index slow to come, have it read once. Then, with the
# sanitizers' build, two shards of each other kind of large index: at the shard's start, without
# a checksum, and with an entry that its checksum does not match (a clear error, no bytes).
source "$(dirname "$0")/../lib/integration.sh"
work=$(mktemp -d /tmp/omefs-shard-index-XXXXXX)
trap 'mount_cleanup; nginx_stop; [ "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT INT TERM
export ASAN_OPTIONS=detect_leaks=0
OMEFS=${OMEFS_RELEASE_BIN:-$repo/build/omefs}
[ -x "$OMEFS" ] || { fail "no $OMEFS (make all)"; exit 1; }
SHARDS=32 LIMIT_KB=$(((64 + 64) * 1024))

mkdir -p "$work/data"
$PY tests/integration/huge_index_image.py "$work/data" $SHARDS || { fail "writing the image"; exit 1; }
for v in start nocrc corrupt; do
  mkdir -p "$work/data/$v"
  $PY tests/integration/huge_index_image.py "$work/data/$v" 2 $v || { fail "writing $v"; exit 1; }
done
if [ -d tests/js/node_modules/zarrita ] && command -v node >/dev/null; then
  node tests/js/huge_index_check.mjs "$work/data/huge_index.zarr" $SHARDS
else
  echo "skip zarrita's judgement of the image: not installed (make deps)"
fi
unset OMEFS_TEST_NGINX_PID OMEFS_TEST_NGINX_DIR
nginx_start "$work/data" || { fail "nginx did not start"; exit 1; }

if ! do_mount hi "$OMEFS_TEST_HTTP/huge_index.zarr" -o mem_cache=64M,cache_dir=none; then
  fail "mount: $(tail -3 "$work/hi.log")"; exit 1
fi
# one page at the first pixel of each shard's first row, checked against the formula
cat >"$work/read.py" <<'EOF'
import os, sys, tifffile
import numpy as np
path, shards, first, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
dx = int(sys.argv[5]) if len(sys.argv) > 5 else 0  # pixels into each shard
page = tifffile.TiffFile(path).pages[0]
tw = page.tilewidth or page.imagewidth  # tiles (the OME-TIFF) or rows (the ImageJ file)
assert page.imagewidth >= shards * 4096
fd = os.open(path, os.O_RDONLY)
bad = []
for s in range(first, shards, step):
    if page.tilewidth:  # the first rows of the tile holding (0, 4096 s + dx)
        x0, at = (s * 4096 + dx) // tw * tw, page.dataoffsets[(s * 4096 + dx) // tw]
    else:  # row 0 from (0, 4096 s + dx)
        x0, at = s * 4096 + dx, page.dataoffsets[0] + s * 4096 + dx
    got = os.pread(fd, 4096, at)
    cols = min(tw, 4096)
    y, x = np.mgrid[0:4096 // cols, x0:x0 + cols].astype(np.int64)
    want = np.where(y < 8, (7 * x + 13 * y + x // 4096) % 256, 0).astype(np.uint8).tobytes()
    if got != want:
        bad.append(s)
os.close(fd)
print("bad shards: %s" % bad if bad else "right")
EOF
peak() { awk '/^VmHWM/ {print $2}' "/proc/$mnt_pid/status"; }
# the OME-TIFF (tiles, direct I/O), then the ImageJ file (rows, the kernel's read-ahead and
# omefs's: a batch that reaches into every shard)
for f in huge_index.ome.tif huge_index_L0.tif; do
  out=$($PY "$work/read.py" "$mnt/$f" $SHARDS 0 1 2>&1)
  [ "$out" = right ] && ok "$f: one page in each of $SHARDS shards with 16 MiB indexes: every byte right" ||
    fail "$f: pages of $SHARDS shards read one after another: $out"
done
one=$(peak)
readers=()
for k in 0 1 2 3; do
  $PY "$work/read.py" "$mnt/huge_index.ome.tif" $SHARDS $k 4 >"$work/par$k.out" 2>&1 &
  readers+=($!)
done
wait "${readers[@]}"
bad=$(grep -vh '^right$' "$work"/par*.out)
[ -z "$bad" ] && ok "the same read by 4 programs at once: every byte right" || fail "4 programs at once: $bad"
hwm=$(peak)
if [ "$hwm" -le "$LIMIT_KB" ]; then
  ok "daemon's peak RSS $((hwm / 1024)) MiB (after the sequential reads $((one / 1024)) MiB) with mem_cache=64M: within 128 MiB"
else
  fail "daemon's peak RSS $((hwm / 1024)) MiB (after the sequential reads $((one / 1024)) MiB) with mem_cache=64M: over 128 MiB"
fi
kill -0 "$mnt_pid" 2>/dev/null && ok "the daemon survives" || fail "the daemon died: $(tail -3 "$work/hi.log")"
do_unmount "$mnt" "$mnt_pid"

# 4 programs read 4 tiles of shard 5 (other chunks of one shard) at once on a fresh mount,
# every request 300 ms late: one of them reads the 16 MiB index, the others wait for it
if do_mount once "$OMEFS_TEST_HTTP/huge_index.zarr" -o mem_cache=64M,cache_dir=none; then
  nginx_set delay_ms=300
  readers=()
  for k in 0 1 2 3; do
    $PY "$work/read.py" "$mnt/huge_index.ome.tif" 6 5 1 $((k * 1024)) >"$work/same$k.out" 2>&1 &
    readers+=($!)
  done
  wait "${readers[@]}"
  nginx_set delay_ms=0
  fetched=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['network']['bytes_fetched'])" "$mnt/.omefs/stats")
  bad=$(grep -vh '^right$' "$work"/same*.out)
  [ -z "$bad" ] && [ "$fetched" -lt $((24 << 20)) ] &&
    ok "4 programs reading one shard at once: its 16 MiB index read once ($((fetched >> 20)) MiB fetched)" ||
    fail "4 programs reading one shard at once: $((fetched >> 20)) MiB fetched (the index is 16 MiB) $bad"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount once: $(tail -3 "$work/once.log")"
fi

OMEFS=$repo/build/asan/omefs
for v in start nocrc corrupt; do
  if ! do_mount "$v" "$OMEFS_TEST_HTTP/$v/huge_index.zarr" -o mem_cache=64M,cache_dir=none; then
    fail "mount $v: $(tail -3 "$work/$v.log")"; continue
  fi
  if [ "$v" = corrupt ]; then
    # shard 0 reads right; shard 1's page cannot be read, and the log says why, naming it
    out=$($PY "$work/read.py" "$mnt/huge_index.ome.tif" 1 0 1 2>&1)
    $PY -c "import os, sys, tifffile; p = tifffile.TiffFile(sys.argv[1]).pages[0]
os.pread(os.open(sys.argv[1], os.O_RDONLY), 4096, p.dataoffsets[4096 // p.tilewidth])" \
      "$mnt/huge_index.ome.tif" 2>"$work/corrupt.err"
    grep -q "Input/output error" "$work/corrupt.err" &&
      grep -q "/corrupt/huge_index.zarr/0/c/0/1: shard index checksum mismatch" "$work/$v.log" &&
      [ "$out" = right ] &&
      ok "a large index whose checksum does not match: EIO, and the log names the shard: $(grep -o 'http[^ ]*/c/0/1: shard index checksum mismatch' "$work/$v.log" | head -1)" ||
      fail "corrupt index: shard 0 '$out', shard 1 $(cat "$work/corrupt.err" | tail -1), log: $(grep -i shard "$work/$v.log" | head -2)"
  else
    out=$($PY "$work/read.py" "$mnt/huge_index.ome.tif" 2 0 1 2>&1)
    [ "$out" = right ] && ok "a large index ($v): every byte right" || fail "a large index ($v): $out"
  fi
  do_unmount "$mnt" "$mnt_pid"
done
grep -q "ERROR: AddressSanitizer\|runtime error" "$work"/*.log && fail "sanitizer report in a daemon's log" ||
  ok "no sanitizer report from the daemons"
