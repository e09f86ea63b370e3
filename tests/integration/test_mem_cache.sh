#!/usr/bin/env bash
# A small memory cache fetches each chunk once per pass. A 64 MiB level in 512 chunks (bands of
# chunk rows of 2 MiB: tests/fixtures/make_stream_fixture.py, zarr-python) read through, cold,
# as `cat` does, with mem_cache from 6M (three bands of decoded chunks) up: the origin's log
# must show each chunk requested once, for the ImageJ file (strips across whole bands, kernel
# read-ahead) and the OME-TIFF (tiles), and the daemon's peak memory stays within mem_cache plus
# 64 MiB; every byte is right.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/stream.zarr/.zattrs" ]; then
  echo "skip mem cache: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start memcache
export ASAN_OPTIONS=detect_leaks=0
# the release build: ASan's own memory would hide the daemon's
OMEFS=${OMEFS_BIN:-$repo/build/omefs}
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/stream.zarr" stream "$ref" 7 >/dev/null 2>&1
for mc in 6M 8M 32M; do
  for f in stream_L0.tif stream.ome.tif; do
    start=$(log_lines)
    if ! do_mount "m$mc" "$OMEFS_TEST_HTTP/stream.zarr" -o cache_dir=none,mem_cache=$mc; then
      fail "mem cache $mc: mount: $(tail -2 "$work/m$mc.log")"; continue
    fi
    cmp -s "$mnt/$f" "$ref/$f" && same=1 || same=0
    peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$mnt_pid/status")
    do_unmount "$mnt" "$mnt_pid"
    requests=$(log_since "$start" | grep -cE 'GET /stream.zarr/0/[0-9.]+ ')
    bound=$((${mc%M} + 64))
    [ $same = 1 ] && [ "$requests" = 512 ] && [ "$peak" -le "$bound" ] &&
      ok "mem cache $mc, $f read through: 512 chunk requests for 512 chunks, peak RSS $peak MiB (at most $bound)" ||
      fail "mem cache $mc, $f: $requests chunk requests for 512 chunks, peak RSS $peak MiB (bound $bound), bytes right: $same"
  done
done
