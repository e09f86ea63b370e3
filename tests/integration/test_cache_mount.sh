#!/usr/bin/env bash
# Caching and read-ahead through real mounts over a real nginx: a cold full read makes exactly
# one request per chunk; .omefs/stats reports it; a sequential read is read ahead and random
# reads are not; a remount serves from the disk cache without chunk requests; offline mounts
# serve cached files with the server down and refuse uncached ones clearly; two mounts share one
# cache directory; daemons killed with SIGKILL mid-fetch leave no corrupt entry.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start cache
export ASAN_OPTIONS=detect_leaks=0

log="$OMEFS_TEST_NGINX_DIR/access.log"
n=seq_czyx                       # 2 × 2 × 1024 × 1024 uint16, 64 chunks of 256 × 256 at level 0
src="$OMEFS_TEST_HTTP/$n.zarr"
nchunks=$(find "$fixtures/$n.zarr/0" -type f ! -name '.*' | wc -l)
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1
# chunk requests of level 0 logged after line $1
chunk_gets() { sleep 0.2; tail -n +"$(($1 + 1))" "$log" | grep -oE "GET /$n.zarr/0/[0-9][^ ]*" ; }
stat_of() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$1/.omefs/stats" "$2"; }

# 1. Cold full read: identical bytes, exactly one request per chunk, read ahead, stats.
cache="$work/cache"
start=$(log_lines)
if do_mount cold "$src" -o cache_dir="$cache"; then
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" && ok "cold read: identical to the library's file" \
    || fail "cold read differs"
  got=$(chunk_gets "$start" | wc -l); uniq=$(chunk_gets "$start" | sort -u | wc -l)
  [ "$got" = "$nchunks" ] && [ "$uniq" = "$nchunks" ] && ok "cold read: $got requests for $nchunks chunks" \
    || fail "cold read: $got requests ($uniq distinct) for $nchunks chunks"
  req=$(stat_of "$mnt" "['network']['requests']"); served=$(stat_of "$mnt" "['reads']['bytes_served']")
  pf=$(stat_of "$mnt" "['prefetch']['chunks']"); dw=$(stat_of "$mnt" "['disk_cache']['writes']")
  size=$(stat -c %s "$ref/${n}_L0.tif")
  [ "$req" -ge "$nchunks" ] && [ "$served" -ge "$size" ] && [ "$dw" -ge "$nchunks" ] \
    && ok ".omefs/stats: requests=$req bytes_served=$served disk writes=$dw" \
    || fail ".omefs/stats: requests=$req bytes_served=$served disk writes=$dw (size $size)"
  # read-ahead jobs end at bands of chunk rows: no chunk is in two jobs (one waiting for the other)
  [ "$pf" -gt 0 ] && [ "$pf" -le "$nchunks" ] && ok "sequential read is read ahead ($pf chunks, none in two jobs)" \
    || fail "read-ahead of a sequential read: $pf chunks in its jobs, for $nchunks chunks"
  ls -a "$mnt/.omefs" | grep -qx stats && ok ".omefs/stats is listed" || fail ".omefs not listed"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount cold: $(tail -2 "$work/cold.log")"
fi

# 1b. A read-ahead window smaller than one job (prefetch=1M) is still kept ahead of the reader.
if do_mount small-window "$src" -o cache_dir=none,prefetch=1M; then
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" || fail "prefetch=1M: the read differs"
  pf=$(stat_of "$mnt" "['prefetch']['chunks']")
  [ "$pf" -ge $((nchunks / 2)) ] && ok "prefetch=1M: $pf of $nchunks chunks read ahead" \
    || fail "prefetch=1M: only $pf of $nchunks chunks read ahead (the window starved)"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount small-window: $(tail -2 "$work/small-window.log")"
fi

# 2. Random reads are not read ahead (no disk cache: a fresh start).
if do_mount random "$src" -o cache_dir=none; then
  $PY - "$mnt/$n.ome.tif" <<'EOF'
import os, random, sys
random.seed(7)
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
for _ in range(12):
    os.pread(fd, 65536, random.randrange(0, size - 65536) // 4096 * 4096)
os.close(fd)
EOF
  jobs=$(stat_of "$mnt" "['prefetch']['jobs']"); fetched=$(stat_of "$mnt" "['network']['bytes_fetched']")
  [ "$jobs" = 0 ] && ok "random reads: no read-ahead ($fetched bytes fetched)" || fail "random reads started $jobs read-ahead jobs"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount random: $(tail -2 "$work/random.log")"
fi

# 2b. Regions as a viewer or script reads them: random 512 x 512 regions of the OME-TIFF through
#     tifffile's zarr interface (whole tiles, adjacent ones in one run), and `file`'s probe of
#     the first and last 7 MiB: no read-ahead, so the chunks fetched are the chunks needed.
start=$(log_lines)
if do_mount regions "$src" -o cache_dir=none; then
  needed=$($PY - "$mnt/$n.ome.tif" <<'EOF'
import random, sys
import tifffile, zarr
random.seed(11)
z = zarr.open(tifffile.imread(sys.argv[1], aszarr=True, level=0), mode="r")
tiles = set()
for _ in range(16):
    c, zz = random.randrange(2), random.randrange(2)
    y, x = random.randrange(0, 1024 - 512), random.randrange(0, 1024 - 512)
    z[c, zz, y:y + 512, x:x + 512]
    tiles |= {(c, zz, ty, tx) for ty in range(y // 256, (y + 511) // 256 + 1)
              for tx in range(x // 256, (x + 511) // 256 + 1)}
print(len(tiles))
EOF
)
  head -c $((7 << 20)) "$mnt/$n.ome.tif" >/dev/null
  tail -c $((7 << 20)) "$mnt/$n.ome.tif" >/dev/null
  jobs=$(stat_of "$mnt" "['prefetch']['jobs']")
  got=$(chunk_gets "$start" | sort -u | wc -l)
  [ "$jobs" = 0 ] && [ -n "$needed" ] &&
    ok "regions and a header probe: no read-ahead; $got level-0 chunks fetched ($needed for the regions)" ||
    fail "regions: $jobs read-ahead jobs, $got chunks fetched for $needed needed"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount regions: $(tail -2 "$work/regions.log")"
fi

# 2c. One plane of the ImageJ file, as scripts take it: tifffile.imread(key=1) (one 2 MiB read)
#     and tifffile.memmap of plane 2 (page faults, which the kernel reads around). The planes
#     are padded, so the kernel's read-ahead past them fetches nothing: exactly the 32 chunks of
#     those two planes, pixels equal to zarr-python's reading of the store.
start=$(log_lines)
if do_mount planes "$src" -o cache_dir=none; then
  if $PY - "$mnt/${n}_L0.tif" "$fixtures/$n.zarr" <<'EOF'
import sys
import numpy as np, tifffile, zarr
a = zarr.open_group(sys.argv[2], mode="r")["0"]
assert np.array_equal(tifffile.imread(sys.argv[1], key=1), a[1, 0]), "plane 1"
m = tifffile.memmap(sys.argv[1], page=2, mode="r")
assert np.array_equal(np.array(m), a[0, 1]), "plane 2"
EOF
  then ok "one plane read and one memory-mapped: pixels equal zarr-python's"
  else fail "one plane read or memory-mapped differs from zarr-python's"; fi
  got=$(chunk_gets "$start" | sort -u); jobs=$(stat_of "$mnt" "['prefetch']['jobs']")
  # the whole padded level: read right; mapped whole, refused (never mapped as if contiguous)
  if $PY - "$mnt/${n}_L0.tif" "$fixtures/$n.zarr" <<'EOF'
import sys
import numpy as np, tifffile, zarr
a = zarr.open_group(sys.argv[2], mode="r")["0"][...]
assert np.array_equal(tifffile.imread(sys.argv[1]), a.transpose(1, 0, 2, 3)), "whole level"
try:
    tifffile.memmap(sys.argv[1], mode="r")
    raise SystemExit("a whole padded level was memory-mapped")
except ValueError:
    pass
EOF
  then ok "the whole padded level: tifffile reads it right, refuses to map it whole"
  else fail "the whole padded level misread or mapped"; fi
  other=$(echo "$got" | grep -vcE "/0/(1\.0|0\.1)\.")
  [ "$(echo "$got" | grep -c .)" = 32 ] && [ "$other" = 0 ] &&
    ok "two planes of the ImageJ file: their 32 chunks fetched ($jobs read-ahead jobs within them), none of their neighbours" ||
    fail "two planes: $(echo "$got" | grep -c .) chunks fetched ($other of other planes), $jobs read-ahead jobs"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount planes: $(tail -2 "$work/planes.log")"
fi

# 2d. The first plane, taken by a plane reader (tifffile.imread(key=0): it seeks past the header
#     and the padding) and by a copy (head: every byte from the first). The reader gets exactly
#     the plane's 16 chunks; the copy is read ahead into the next plane before it gets there.
start=$(log_lines)
end=
if do_mount first "$src" -o cache_dir=none; then
  end=$($PY - "$mnt/${n}_L0.tif" "$fixtures/$n.zarr" <<'EOF'
import sys
import numpy as np, tifffile, zarr
a = zarr.open_group(sys.argv[2], mode="r")["0"]
assert np.array_equal(tifffile.imread(sys.argv[1], key=0), a[0, 0]), "plane 0"
with tifffile.TiffFile(sys.argv[1]) as tif:
    p = tif.pages[0]
    print(p.dataoffsets[0] + p.databytecounts[0])
EOF
)
  got=$(chunk_gets "$start" | sort -u)
  other=$(echo "$got" | grep -vcE "/0/0\.0\.")
  [ -n "$end" ] && [ "$(echo "$got" | grep -c .)" = 16 ] && [ "$other" = 0 ] &&
    ok "the first plane by tifffile: its 16 chunks, none of the next plane's" ||
    fail "the first plane by tifffile: $(echo "$got" | grep -c .) chunks ($other of other planes)"
  do_unmount "$mnt" "$mnt_pid"
fi
start=$(log_lines)
if [ -n "$end" ] && do_mount copy "$src" -o cache_dir=none; then
  head -c "$end" "$mnt/${n}_L0.tif" >/dev/null
  sleep 1
  next=$(chunk_gets "$start" | sort -u | grep -cE "/0/1\.0\.")
  [ "$next" -ge 4 ] && ok "a copy from the first byte: read ahead into the next plane ($next of its chunks) before reaching it" ||
    fail "a copy from the first byte: $next chunks of the next plane fetched ahead"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount first or copy, or the plane's end unknown: $(tail -2 "$work/first.log" "$work/copy.log" 2>/dev/null)"
fi

# 3. Remount on the same cache directory: no chunk request at all, same bytes.
start=$(log_lines)
if do_mount warm "$src" -o cache_dir="$cache"; then
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" && cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" \
    && ok "warm read: identical" || fail "warm read differs"
  got=$(chunk_gets "$start" | wc -l)
  hits=$(stat_of "$mnt" "['disk_cache']['hits']")
  [ "$got" = 0 ] && [ "$hits" -ge "$nchunks" ] && ok "warm read: 0 chunk requests, $hits disk hits" \
    || fail "warm read: $got chunk requests, $hits disk hits"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount warm: $(tail -2 "$work/warm.log")"
fi
mode=$(stat -c %a "$cache"); bad=$(find "$cache" -type f ! -perm 600 | wc -l)
[ "$mode" = 700 ] && [ "$bad" = 0 ] && ok "cache directory 0700, entries 0600" || fail "cache modes: dir $mode, $bad files not 0600"

# 4. Offline with the server down: cached files read exactly; an uncached source is refused.
nginx_set mode=down
if do_mount offline "$src" -o cache_dir="$cache",offline; then
  cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" && ok "offline, server down: identical bytes" || fail "offline read differs"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "offline mount: $(tail -2 "$work/offline.log")"
fi
mkdir -p "$work/mnt-x"
msg=$("$OMEFS" -f -o cache_dir="$cache",offline "$OMEFS_TEST_HTTP/axes_2d.zarr" "$work/mnt-x" 2>&1); rc=$?
if [ $rc -ne 0 ] && echo "$msg" | grep -q "not in the disk cache (offline)" && echo "$msg" | grep -q "axes_2d.zarr"; then
  ok "offline, uncached source: '$msg'"
else
  fail "offline uncached: rc=$rc $msg"
fi
nginx_set mode=none

# 5. Two mounts on one fresh cache directory read at once; a third, offline, finds every entry good.
shared="$work/shared"
if do_mount a "$src" -o cache_dir="$shared"; then ma=$mnt pa=$mnt_pid; else fail "mount a"; fi
if do_mount b "$src" -o cache_dir="$shared"; then mb=$mnt pb=$mnt_pid; else fail "mount b"; fi
(cmp -s "$ma/${n}_L0.tif" "$ref/${n}_L0.tif" && echo same >"$work/a.res") & r1=$!
(cmp -s "$mb/$n.ome.tif" "$ref/$n.ome.tif" && echo same >"$work/b.res") & r2=$!
(cmp -s "$mb/${n}_L0.tif" "$ref/${n}_L0.tif" && echo same >"$work/c.res") & r3=$!
wait "$r1" "$r2" "$r3"
[ -f "$work/a.res" ] && [ -f "$work/b.res" ] && [ -f "$work/c.res" ] && ok "two mounts on one cache directory: identical bytes" \
  || fail "two mounts on one cache directory"
do_unmount "$ma" "$pa"; do_unmount "$mb" "$pb"
if do_mount c "$src" -o cache_dir="$shared",offline; then
  cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" && cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" \
    && [ "$(stat_of "$mnt" "['disk_cache']['corrupt']")" = 0 ] \
    && ok "shared cache complete and sound (offline read, 0 corrupt)" || fail "shared cache entries"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "offline mount of the shared cache: $(tail -2 "$work/c.log")"
fi

# 6. SIGKILL mid-fetch (slow server), three times; then every entry left behind is sound.
killed="$work/killed"
nginx_set delay_ms=150
counts=""
for i in 1 2 3; do
  if do_mount "kill$i" "$src" -o cache_dir="$killed"; then
    (cat "$mnt/${n}_L0.tif" >/dev/null 2>&1 &)
    sleep 0.$((i * 2))
    kill -9 "$mnt_pid"; wait "$mnt_pid" 2>/dev/null
    fusermount3 -uz "$mnt" 2>/dev/null
    counts="$counts $(find "$killed/v2" -type f ! -name '.*' | wc -l)"
  fi
done
nginx_set delay_ms=0
entries="entries after each kill:$counts"
if do_mount afterkill "$src" -o cache_dir="$killed"; then
  cmp -s "$mnt/${n}_L0.tif" "$ref/${n}_L0.tif" && c=$(stat_of "$mnt" "['disk_cache']['corrupt']") && [ "$c" = 0 ] \
    && ok "after SIGKILL x3 ($entries): identical bytes, 0 corrupt entries" \
    || fail "after SIGKILL: corrupt=${c:-?}"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount after kill: $(tail -2 "$work/afterkill.log")"
fi
