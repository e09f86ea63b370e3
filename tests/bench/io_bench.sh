#!/usr/bin/env bash
# I/O benchmark (part of `make bench`; a measurement, not a test). A 256 MiB OME-Zarr dataset
# written by zarr-python is served by nginx on 127.0.0.1 with a per-request latency injected by
# Lua. Compared, with medians over BENCH_REPS runs:
#   cold sequential read of bench_L0.tif through omefs (release build, fresh caches; also
#     without the disk cache, to show what writing its entries costs the machine)
#     vs the same chunks fetched by parallel curl (the transfer limit)
#     vs the FUSE ceiling: a file of the same size read from a trivial in-memory FUSE
#        filesystem (ceiling_fs.c) on a fresh mount
#     vs zarr-python reading the same array over HTTP (fsspec)
#   warm read after a remount (disk cache) vs the FUSE ceiling and the same TIFF on a local
#     disk: with the page cache dropped (when root), against the disk's own limit (the cache's
#     entries read from the disk, 12 at once), and with the entries in the page cache
#   random 512 x 512 regions read by tifffile from bench.ome.tif, unsharded and sharded: time
#     per region, requests per region, bytes fetched / bytes of the chunks needed
#   the daemon's peak RSS against mem_cache + 64 MiB
#   the floor: the CPU time the whole machine spends on each of curl's fetch and writing the
#     chunks as files into a folder, as the disk cache keeps them (cold), or reading the disk
#     cache's entries (warm), the ceiling's read and decoding the chunks alone (numcodecs, one
#     thread); no reader can do the same work in less than max(curl's, the ceiling's and the
#     disk's times, their CPU time summed / cores)
# Prints Markdown tables.
set -uo pipefail
source "$(dirname "$0")/bench_lib.sh"
CEILING=$repo/build/bench/ceiling_fs
REPS=${BENCH_REPS:-3}
DELAYS=${BENCH_DELAYS:-"5 50"}
CURL_PARALLEL=${BENCH_CURL_PARALLEL:-96}  # as many as omefs has in flight here: 12 read-ahead jobs of 8 chunks
MEM_CACHE_MB=${BENCH_MEM_CACHE_MB:-256}
REGIONS=${BENCH_REGIONS:-40}
bench_start bench
url="$OMEFS_TEST_HTTP/bench.zarr"
l0="bench_L0.tif"

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
ratio() { printf "%.2f" "$(echo "scale=3; $1 / $2" | bc)"; }
max() { echo "if ($1 > $2) $1 else $2" | bc; }
# ceiling_read MB → "SECONDS CPU_SECONDS" to cat a MB MiB file from a fresh mount of the ceiling
# filesystem
ceiling_read() {
  local m="$work/mnt-ceiling" t b
  mkdir -p "$m"
  "$CEILING" "$1" "$m" -f 2>>"$work/ceiling.log" &
  local pid=$!
  for _ in $(seq 200); do grep -q " $m fuse" /proc/mounts && break; sleep 0.05; done
  drop_caches
  b=$(busy_ticks); t=$(now); cat "$m/file" >/dev/null; echo "$(since "$t") $(cpu_since "$b")"
  fusermount3 -u "$m"; wait "$pid" 2>/dev/null
}
col() { awk -v c="$1" '{print $c}'; } # column C of each line
can_drop=0
[ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ] && can_drop=1
drop_caches() { [ $can_drop = 1 ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }; }
stat_of() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval('d' + sys.argv[2]))" "$1/.omefs/stats" "$2"; }
peak_rss_mb() { awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }

# The level-0 chunks, as a curl config.
find "$data/bench.zarr/0" -type f ! -name '.*' | sort |
  sed "s|^$data|url = \"$OMEFS_TEST_HTTP|; s|\$|\"\noutput = \"/dev/null\"|" >"$work/urls.cfg"
nchunks=$(grep -c '^url' "$work/urls.cfg")
chunk_bytes=$(find "$data/bench.zarr/0" -type f ! -name '.*' -printf '%s\n' | awk '{s+=$1} END {print s}')

echo "== I/O: bench.zarr, 2 x 4 x 4096 x 4096 uint16 (256 MiB), $nchunks chunks of 512 KiB at level 0"
echo "   ($((chunk_bytes >> 20)) MiB stored), $(nproc) cores, $(date -u +%F), medians of $REPS runs"
echo
l0_mb=$(( ($(find "$data/bench.zarr/0" -name .zarray -exec $PY -c "import json,sys,math; a=json.load(open(sys.argv[1])); print(math.prod(a['shape'])*2)" {} \;) >> 20) + 1 ))
echo "| latency | omefs cold | omefs cold, no disk cache | parallel curl ($CURL_PARALLEL) | FUSE ceiling | zarr-python | omefs / max(curl, ceiling) | omefs / curl | omefs / zarr-python | peak RSS (mem_cache ${MEM_CACHE_MB} MiB) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
cores=$(nproc)
decode_cpu=$(for _ in $(seq "$REPS"); do $PY tests/bench/bench_access.py decode "$data/bench.zarr/0"; done | median)
rep_dir=0
: >"$work/floor"
for delay in $DELAYS; do
  nginx_set delay_ms="$delay"
  : >"$work/t_curl"; : >"$work/t_zarr"; : >"$work/t_omefs"; : >"$work/rss"; : >"$work/t_ceil"
  : >"$work/t_nodisk"; : >"$work/t_write"
  for _ in $(seq "$REPS"); do
    b=$(busy_ticks); t=$(now)
    curl -s --no-progress-meter --parallel --parallel-max "$CURL_PARALLEL" -K "$work/urls.cfg"
    echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_curl"
    ceiling_read "$l0_mb" >>"$work/t_ceil"
    $PY tests/bench/bench_access.py zarr "$url/0" >>"$work/t_zarr"
    rep_dir=$((rep_dir + 1))
    if do_mount "cold$rep_dir" "$url" -o cache_dir="$work/cache$rep_dir",mem_cache=${MEM_CACHE_MB}M; then
      b=$(busy_ticks); t=$(now); cat "$mnt/$l0" >/dev/null
      echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_omefs"
      peak_rss_mb "$mnt_pid" >>"$work/rss"; echo >>"$work/rss"
      do_unmount "$mnt" "$mnt_pid"
    fi
    # what a cold read with the disk cache on must also do: keep every chunk as a file of its
    # own, on the file system of the caches, just after the read (creating files costs more
    # soon after many were deleted on some file systems: measured in the same conditions)
    $PY tests/bench/bench_access.py write "$data/bench.zarr/0" "$work/write$rep_dir" >>"$work/t_write"
    # the same without the disk cache: what writing its entries costs this machine
    if do_mount "nodisk$rep_dir" "$url" -o cache_dir=none,mem_cache=${MEM_CACHE_MB}M; then
      t=$(now); cat "$mnt/$l0" >/dev/null; since "$t" >>"$work/t_nodisk"
      do_unmount "$mnt" "$mnt_pid"
    fi
  done
  c=$(col 1 <"$work/t_curl" | median); z=$(median <"$work/t_zarr"); o=$(col 1 <"$work/t_omefs" | median)
  ce=$(col 1 <"$work/t_ceil" | median); nd=$(median <"$work/t_nodisk")
  rss=$(sort -n "$work/rss" | tail -1)
  printf "| %s ms | %.2f s | %.2f s | %.2f s | %.2f s | %.2f s | %s | %s | %s | %s MiB |\n" "$delay" "$o" "$nd" "$c" \
    "$ce" "$z" "$(ratio "$o" "$(max "$c" "$ce")")" "$(ratio "$o" "$c")" "$(ratio "$o" "$z")" "$rss"
  # the floor of this read: the same fetch, FUSE transfer and decoding, on this machine's cores
  cc=$(col 2 <"$work/t_curl" | median); cec=$(col 2 <"$work/t_ceil" | median)
  oc=$(col 2 <"$work/t_omefs" | median)
  write_cpu=$(median <"$work/t_write")
  fl=$(max "$(max "$c" "$ce")" "$(echo "scale=3; ($cc + $write_cpu + $cec + $decode_cpu) / $cores" | bc)")
  printf "| cold, %s ms | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f s | %.2f s | %s |\n" "$delay" "$oc" "$cc" "$write_cpu" "$cec" \
    "$decode_cpu" "$fl" "$o" "$(ratio "$o" "$fl")" >>"$work/floor"
done

# ImageJ loading the stack of bench_L0.tif (a seek to each plane, then the plane), cold at 50 ms,
# against cat of the same file.
nginx_set delay_ms=50
: >"$work/t_stack"; : >"$work/t_cat"
for _ in $(seq "$REPS"); do
  for how in stack cat; do
    rep_dir=$((rep_dir + 1))
    if do_mount "stack$rep_dir" "$url" -o cache_dir="$work/cache$rep_dir",mem_cache=${MEM_CACHE_MB}M; then
      if [ $how = stack ]; then
        $PY tests/bench/bench_access.py stack "$mnt/$l0" >>"$work/t_stack"
      else
        t=$(now); cat "$mnt/$l0" >/dev/null; since "$t" >>"$work/t_cat"
      fi
      do_unmount "$mnt" "$mnt_pid"
    fi
  done
done
echo
echo "| cold, 50 ms | ImageJ-style stack load of \`$l0\` | \`cat\` of it |"
echo "|---|---|---|"
printf "| omefs | %.2f s | %.2f s |\n" "$(median <"$work/t_stack")" "$(median <"$work/t_cat")"

# Warm: remount on the last cold run's cache; the same bytes as a real TIFF on local disk.
nginx_set delay_ms=50
if do_mount copy "$url" -o cache_dir="$work/cache$rep_dir"; then
  cp "$mnt/$l0" "$work/local.tif"
  do_unmount "$mnt" "$mnt_pid"
fi
: >"$work/t_warm"; : >"$work/t_warm_mem"; : >"$work/t_local"; : >"$work/t_ceil"
: >"$work/t_entries"; : >"$work/t_disk"; : >"$work/t_entries_mem"
entries() { find "$work/cache$rep_dir" -type f ! -name '.*' -print0; }
for _ in $(seq "$REPS"); do
  ceiling_read "$l0_mb" >>"$work/t_ceil"
  # warm with the page cache dropped: the disk cache's entries come from the disk
  if do_mount warm "$url" -o cache_dir="$work/cache$rep_dir"; then
    drop_caches
    b=$(busy_ticks); t=$(now); cat "$mnt/$l0" >/dev/null
    echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_warm"
    do_unmount "$mnt" "$mnt_pid"
  fi
  # warm with the entries in the page cache (a remount soon after a read)
  entries | xargs -0 cat >/dev/null
  if do_mount warm-mem "$url" -o cache_dir="$work/cache$rep_dir"; then
    b=$(busy_ticks); t=$(now); cat "$mnt/$l0" >/dev/null
    echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_warm_mem"
    do_unmount "$mnt" "$mnt_pid"
  fi
  b=$(busy_ticks); entries | xargs -0 cat >/dev/null; cpu_since "$b" >>"$work/t_entries_mem"
  drop_caches
  b=$(busy_ticks); t=$(now); cat "$work/local.tif" >/dev/null
  echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_local"
  # the disk's share of a warm read: the disk cache's entries themselves, read from the disk,
  # one by one (CPU time) and 12 at once as omefs's read-ahead does (time: the disk's limit)
  drop_caches
  b=$(busy_ticks); t=$(now); entries | xargs -0 cat >/dev/null
  echo "$(since "$t") $(cpu_since "$b")" >>"$work/t_entries"
  drop_caches
  t=$(now); entries | xargs -0 -P 12 -n 16 cat >/dev/null; since "$t" >>"$work/t_disk"
done
w=$(col 1 <"$work/t_warm" | median); wm=$(col 1 <"$work/t_warm_mem" | median)
lo=$(col 1 <"$work/t_local" | median); ce=$(col 1 <"$work/t_ceil" | median)
disk=$(median <"$work/t_disk")
wc_=$(col 2 <"$work/t_warm" | median); wmc=$(col 2 <"$work/t_warm_mem" | median)
cec=$(col 2 <"$work/t_ceil" | median)
enc=$(col 2 <"$work/t_entries" | median); emc=$(median <"$work/t_entries_mem")
# warm: reading the cache's entries (from the disk: its CPU time one by one, and the disk's
# time 12 at once; or from the page cache), the FUSE transfer and the decoding
fl=$(max "$(max "$ce" "$disk")" "$(echo "scale=3; ($enc + $cec + $decode_cpu) / $cores" | bc)")
printf "| warm, page cache dropped | %.2f | %.2f | - | %.2f | %.2f | %.2f s | %.2f s | %s |\n" "$wc_" "$enc" \
  "$cec" "$decode_cpu" "$fl" "$w" "$(ratio "$w" "$fl")" >>"$work/floor"
flm=$(max "$ce" "$(echo "scale=3; ($emc + $cec + $decode_cpu) / $cores" | bc)")
printf "| warm, entries in the page cache | %.2f | %.2f | - | %.2f | %.2f | %.2f s | %.2f s | %s |\n" "$wmc" \
  "$emc" "$cec" "$decode_cpu" "$flm" "$wm" "$(ratio "$wm" "$flm")" >>"$work/floor"
echo
echo "| warm read (disk cache, after remount) | omefs | FUSE ceiling | omefs / ceiling | the cache's entries read from the disk, 12 at once | local TIFF on disk |"
echo "|---|---|---|---|---|---|"
if [ $can_drop = 1 ]; then
  printf "| page cache dropped | %.2f s | %.2f s | %s | %.2f s (%s × the ceiling) | %.2f s |\n" "$w" "$ce" \
    "$(ratio "$w" "$ce")" "$disk" "$(ratio "$disk" "$ce")" "$lo"
else
  printf "| page cache not dropped (needs root) | %.2f s | %.2f s | %s | - | %.2f s |\n" "$w" "$ce" \
    "$(ratio "$w" "$ce")" "$lo"
fi
printf "| entries in the page cache | %.2f s | %.2f s | %s | - | - |\n" "$wm" "$ce" "$(ratio "$wm" "$ce")"

echo
echo "CPU seconds of the whole machine ($cores cores) per read, and the floor: the same transfer, disk"
echo "cache writes, FUSE read and decoding done side by side on these cores, max(limits, CPU seconds"
echo "summed / cores)"
echo
echo "| read | omefs | parallel curl (cold) or reading the cache's entries (warm) | writing the entries as files (cold) | FUSE ceiling | decoding alone | floor | omefs | omefs / floor |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$work/floor"

# Random regions: a fresh mount and cache; tifffile reads only the tiles it needs. The same
# pixels unsharded (Zarr v2) and sharded (Zarr v3, one shard per plane); the bytes needed are
# the stored sizes of the distinct chunks the regions touch (the same in both).
echo
echo "| random 512 x 512 regions (50 ms), tifffile on NAME.ome.tif | time per region | requests per region | chunks needed | bytes fetched / needed |"
echo "|---|---|---|---|---|"
for ds in bench bench_sharded; do
  if do_mount "random-$ds" "$OMEFS_TEST_HTTP/$ds.zarr" -o cache_dir="$work/cache-$ds"; then
    before=$(stat_of "$mnt" "['network']['bytes_fetched']")
    req0=$(stat_of "$mnt" "['network']['requests']")
    res=$($PY tests/bench/bench_access.py regions "$mnt/$ds.ome.tif" "$data/bench.zarr/0" "$REGIONS" 512)
    after=$(stat_of "$mnt" "['network']['bytes_fetched']")
    req1=$(stat_of "$mnt" "['network']['requests']")
    field() { echo "$res" | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
    printf "| %s, %d regions | %.0f ms | %s | %d | %s |\n" "$([ $ds = bench ] && echo unsharded || echo sharded)" \
      "$REGIONS" "$(echo "$(field median_s) * 1000" | bc)" "$(echo "scale=2; ($req1 - $req0) / $REGIONS" | bc)" \
      "$(field chunks)" "$(echo "scale=3; ($after - $before) / $(field needed_bytes)" | bc)"
    do_unmount "$mnt" "$mnt_pid"
  fi
done
