#!/usr/bin/env bash
# Gateway benchmark (part of `make bench`; a measurement, not a test): a file of bench1024.zarr
# read whole over SMB (libsmbclient, 4 MiB reads) from a Samba share of an omefs mount, against
# the same smbd serving a local copy of the file (in the page cache). Cold: a fresh mount and
# disk cache each time, nginx answering on this machine; warm: the same file read again on the
# same mount. Medians of BENCH_REPS (default 3). Prints a Markdown table.
set -uo pipefail
source "$(dirname "$0")/bench_lib.sh"
source tests/lib/samba.sh
REPS=${BENCH_REPS:-3}
command -v smbd >/dev/null && $PY -c 'import smbc' 2>/dev/null ||
  { echo "(no smbd or python3-smbc: make deps)"; exit 0; }
bench_start samba
trap 'samba_stop; mount_cleanup; nginx_stop; rm -rf "$work"' EXIT INT TERM
chmod 711 "$work"
name=bench1024 share="$work/share" local="$work/local"
mkdir -p "$share/m" "$local"

mount_fresh() {
  rm -rf "$work/cache"
  "$OMEFS" -f "$OMEFS_TEST_HTTP/$name.zarr" "$share/m" -o allow_other,cache_dir="$work/cache" \
    2>>"$work/omefs.log" &
  mpid=$!; pids+=($mpid); mounts+=("$share/m")
  for _ in $(seq 200); do grep -q " $share/m fuse" /proc/mounts && return 0; sleep 0.05; done
  return 1
}
mount_fresh || { echo "mount failed: $(tail -2 "$work/omefs.log")"; exit 1; }
file=$(cd "$share/m" && ls *_L1.tif | head -1)
cp "$share/m/$file" "$local/" && chmod -R a+rX "$local"
samba_start "$work/smb" "$share" "$local" || { echo "smbd did not start"; exit 1; }
size=$(stat -c %s "$local/$file")
fusermount3 -u "$share/m"; wait "$mpid"

cold=() warm=() loc=()
for _ in $(seq "$REPS"); do
  samba_stop; mount_fresh || exit 1
  samba_start "$work/smb" "$share" "$local" >/dev/null || exit 1
  url="smb://127.0.0.1:$SMB_PORT" # a new port each start
  cold+=("$($PY tests/integration/smb_reader.py time "$url/images/m/$file" | cut -d' ' -f2)")
  warm+=("$($PY tests/integration/smb_reader.py time "$url/images/m/$file" | cut -d' ' -f2)")
  loc+=("$($PY tests/integration/smb_reader.py time "$url/local/$file" 2 | cut -d' ' -f2)")
  samba_stop; fusermount3 -u "$share/m"; wait "$mpid"
done
med() { printf '%s\n' "$@" | median; }
c=$(med "${cold[@]}") w=$(med "${warm[@]}") l=$(med "${loc[@]}")
mbs() { awk -v s="$size" -v t="$1" 'BEGIN { printf "%.0f", s / t / 1048576 }'; }
echo "== Samba gateway: $file ($((size / 1048576)) MiB) read whole over SMB, median of $REPS"
echo "| source | seconds | MiB/s | time / local copy's |"
echo "| --- | --- | --- | --- |"
echo "| local copy (page cache) | $l | $(mbs "$l") | 1 |"
echo "| omefs mount, warm | $w | $(mbs "$w") | $(awk -v a="$w" -v b="$l" 'BEGIN { printf "%.2f", a / b }') |"
echo "| omefs mount, cold | $c | $(mbs "$c") | $(awk -v a="$c" -v b="$l" 'BEGIN { printf "%.2f", a / b }') |"
