#!/usr/bin/env bash
# Access benchmark (part of `make bench`; a measurement, not a test): reads done the ways
# analysts do them, on bioformats2raw's layout of 1024 x 1024 chunks (bench1024.zarr, 2 ch x 6 z
# x 4096 x 4096 uint16) at 20 ms per request, each on a fresh mount and disk cache. For each:
# the bytes fetched against the stored bytes of the chunks the read needs, with omefs's
# read-ahead on (as users run it) and off (prefetch=0: what the kernel alone asks for). Then a
# walk of a 96-well plate (2 fields per well) at 50 ms: cold, remounted on the warm disk cache
# (within metadata_ttl, and with metadata_ttl=0), and offline. Peak RSS of every mount is kept.
# Prints Markdown tables.
set -uo pipefail
source "$(dirname "$0")/bench_lib.sh"
REPS=${BENCH_REPS:-3}
REGIONS=${BENCH_REGIONS:-16}
MEM_CACHE_MB=${BENCH_MEM_CACHE_MB:-256}
bench_start access
: >"$work/rss"

stats_of() { # MNT → "bytes_fetched level-chunks-loaded requests prefetch_jobs not_modified"
  $PY -c "import json,sys; d=json.load(open(sys.argv[1])); n=d['network']
print(n['bytes_fetched'], d['memory_cache']['misses'], n['requests'], d['prefetch']['jobs'], n['not_modified'])" "$1/.omefs/stats"
}

# access NAME OPTS KIND FILE ARGS... → "ratio fetched_MB needed_MB chunks_loaded chunks_needed seconds"
access() {
  local name=$1 opts=$2 kind=$3 file=$4; shift 4
  rm -rf "$work/cache"
  do_mount "acc" "$OMEFS_TEST_HTTP/$name.zarr" -o cache_dir="$work/cache",mem_cache=${MEM_CACHE_MB}M${opts:+,$opts} || return 1
  local b0 m0 b1 m1 res t0 t1 _
  read -r b0 m0 _ < <(stats_of "$mnt")
  t0=$(date +%s.%N)
  case $kind in
    file | tiffinfo) "$kind" "$mnt/$file" >/dev/null 2>&1; res='{"needed_bytes": 0, "chunks": 0}' ;;
    *) res=$($PY tests/bench/bench_access.py "$kind" "$mnt/$file" "$@") ;;
  esac
  t1=$(date +%s.%N)
  sleep 0.3 # read-ahead started by the read lands in the counters
  read -r b1 m1 _ < <(stats_of "$mnt")
  awk '/VmHWM/ {printf "%d\n", $2 / 1024}' "/proc/$mnt_pid/status" >>"$work/rss"
  do_unmount "$mnt" "$mnt_pid"
  $PY -c "
import json, sys
r = json.loads(sys.argv[1]); f = int(sys.argv[2]); n = r['needed_bytes']
print('%s %.1f %.1f %d %d %.2f' % ('%.2f' % (f / n) if n else '-', f / 1e6, n / 1e6,
      int(sys.argv[3]), r['chunks'], float(sys.argv[4])))" "$res" $((b1 - b0)) $((m1 - m0)) "$(echo "$t1 - $t0" | bc)"
}

d1024=$data/bench1024.zarr
echo "== Reads as analysts do them: bench1024.zarr (1024 x 1024 chunks, blosc zstd), 20 ms per request"
echo "   $(nproc) cores, $(date -u +%F); fresh mount and disk cache for each; chunks loaded counts level-0..2 chunks"
echo
echo "| read | fetched / needed | fetched | needed | chunks loaded / needed | fetched / needed with prefetch=0 | time |"
echo "|---|---|---|---|---|---|---|"
nginx_set delay_ms=20
row() { # LABEL NAME KIND FILE ARGS...
  local label=$1; shift
  local on off
  on=$(access "$1" "" "${@:2}") || { echo "| $label | mount failed | | | | | |"; return; }
  off=$(access "$1" "prefetch=0" "${@:2}")
  read -r r f n cl cn t <<<"$on"
  printf "| %s | %s | %s MB | %s MB | %s / %s | %s | %.2f s |\n" "$label" "$r" "$f" "$n" "$cl" "$cn" "${off%% *}" "$t"
}
row "$REGIONS random 512² regions, tifffile on the OME-TIFF" bench1024 regions bench1024.ome.tif "$d1024/0" "$REGIONS" 1024
row "one plane of \`_L0\` (\`tifffile.imread(key=5)\`)" bench1024 plane bench1024_L0.tif "$d1024/0" 5
row "one plane of \`_L1\` by \`tifffile.memmap(page=5)\`" bench1024 memmap bench1024_L1.tif "$d1024/1" 5
row "header probe: \`file\` on the OME-TIFF (reads 7 MiB at each end)" bench1024 file bench1024.ome.tif
row "header probe: \`tiffinfo\` on the OME-TIFF" bench1024 tiffinfo bench1024.ome.tif
row "header probe: tifffile opens the series" bench1024 series bench1024.ome.tif
row "$REGIONS random 512² regions, 512² chunks (Zarr v2)" bench regions bench.ome.tif "$data/bench.zarr/0" "$REGIONS" 512
row "$REGIONS random 512² regions, 512² chunks sharded (Zarr v3)" bench_sharded regions bench_sharded.ome.tif "$data/bench.zarr/0" "$REGIONS" 512

# The plate walk: ls -lR, as a file manager or `find` would. Medians of REPS.
echo
echo "| plate walk (\`ls -lR\`, 96 wells x 2 fields, 50 ms) | time (median of $REPS) | requests | answered 304 |"
echo "|---|---|---|---|"
nginx_set delay_ms=50
walk() { # OPTS → "seconds requests not_modified"
  do_mount walk "$OMEFS_TEST_HTTP/plate96.zarr" -o cache_dir="$work/plate-cache"${1:+,$1} || return 1
  local t0 t1 b r j nm
  t0=$(date +%s.%N); ls -lR "$mnt" >/dev/null 2>&1; t1=$(date +%s.%N)
  read -r b _ r j nm < <(stats_of "$mnt")
  awk '/VmHWM/ {printf "%d\n", $2 / 1024}' "/proc/$mnt_pid/status" >>"$work/rss"
  do_unmount "$mnt" "$mnt_pid"
  echo "$(echo "$t1 - $t0" | bc) $r $nm"
}
for mode in cold warm revalidate offline; do
  : >"$work/t"
  for _ in $(seq "$REPS"); do
    case $mode in
      cold) rm -rf "$work/plate-cache"; out=$(walk "") ;;
      warm) out=$(walk "") ;;
      revalidate) out=$(walk "metadata_ttl=0") ;;
      offline) out=$(walk "offline") ;;
    esac
    echo "$out" >>"$work/t"
  done
  t=$(cut -d' ' -f1 "$work/t" | median)
  last=$(tail -1 "$work/t")
  label=$(case $mode in cold) echo "cold (empty disk cache)" ;; warm) echo "remount, warm disk cache (within \`metadata_ttl\`)" ;;
    revalidate) echo "remount, warm disk cache, \`metadata_ttl=0\` (every document revalidated)" ;; offline) echo "remount, \`-o offline\`" ;; esac)
  printf "| %s | %.2f s | %s | %s |\n" "$label" "$t" "$(cut -d' ' -f2 <<<"$last")" "$(cut -d' ' -f3 <<<"$last")"
done
echo
echo "peak RSS of these mounts: $(sort -n "$work/rss" | tail -1) MiB (mem_cache ${MEM_CACHE_MB} MiB; bound mem_cache + 64 MiB)"
