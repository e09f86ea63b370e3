#!/usr/bin/env bash
# The command line as users get it wrong, and the ways users run omefs: every mistake ends with
# its exit status and a message naming what to do, printed last, before a two-line hint (not
# the whole usage); --version names the libraries; a foreground mount stopped by SIGTERM or
# SIGINT exits 0 (a systemd unit's normal stop); a second mount on the same folder is refused;
# a non-root user mounts and unmounts (through fusermount3), and is told what to do when
# /dev/fuse is closed to users.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start cli
export ASAN_OPTIONS=detect_leaks=0
src="$OMEFS_TEST_HTTP/axes_2d.zarr"
mkdir -p "$work/mp"

# expect NAME STATUS TEXT omefs-args... : the status, the text in the output, the hint at the
# end, and no more than 6 lines
expect() {
  local name=$1 want_rc=$2 want=$3; shift 3
  local out rc
  out=$("$OMEFS" "$@" 2>&1); rc=$?
  if [ "$rc" = "$want_rc" ] && grep -qF -- "$want" <<<"$out" && [ "$(wc -l <<<"$out")" -le 6 ]; then
    ok "cli $name: exit $rc, '$(head -1 <<<"$out")'"
  else
    fail "cli $name: exit $rc (want $want_rc), '$out' (want '$want')"
  fi
}
expect "misspelt option" 2 "unknown option -o timout=5; did you mean timeout?" -o timout=5 "$src" "$work/mp"
expect "option without -o" 2 'give it as -o timeout=5' timeout=5 "$src" "$work/mp"
expect "option without -o, after" 2 'give it as -o cache_dir=none' "$src" "$work/mp" cache_dir=none
expect "flag with a value" 2 "-o offline takes no value: give it as -o offline" -o offline=1 "$src" "$work/mp"
expect "option without its value" 2 "-o timeout needs a value: -o timeout=" -o timeout "$src" "$work/mp"
expect "an S3 option on an http source" 1 "-o no_sign is for s3:// sources; $OMEFS_TEST_HTTP/nope.zarr is not one" \
  -o no_sign,cache_dir=none "$OMEFS_TEST_HTTP/nope.zarr" "$work/mp"
expect "prefetch above a quarter of mem_cache" 1 "prefetch=1G is more than a quarter of mem_cache: 16.0 MiB it is" \
  -o prefetch=1G,mem_cache=64M,cache_dir=none "$OMEFS_TEST_HTTP/nope.zarr" "$work/mp"
expect "log level" 2 "log_level=verbose: use error, warn, info or debug" -o log_level=verbose "$src" "$work/mp"
expect "size without unit" 2 "cache_size=10: a size needs a unit" -o cache_size=10 "$src" "$work/mp"
expect "timeout word" 2 "timeout=soon: give seconds" -o timeout=soon "$src" "$work/mp"
expect "metadata_ttl word" 2 "metadata_ttl=often: give seconds" -o metadata_ttl=often "$src" "$work/mp"
expect "metadata_ttl in hours" 1 "not found" -o metadata_ttl=1h,cache_dir=none "$OMEFS_TEST_HTTP/nope.zarr" "$work/mp"
expect "missing mount point" 1 "create it first: mkdir -p $work/nope" "$src" "$work/nope"
expect "swapped arguments" 1 "is an address: the source comes first" "$work/mp" "$src"
expect "missing ca_file" 2 "ca_file=$work/nope.pem: No such file" -o ca_file="$work/nope.pem" "$src" "$work/mp"
expect "space in an address" 1 "cannot hold spaces: write each as %20" -o cache_dir=none \
  "$OMEFS_TEST_HTTP/seq czyx.zarr" "$work/mp"
# a silent server: a line after 5 s says the mount is still trying, and the failure says what
# timed out in plain words (and names no curl jargon)
nginx_set "delay_ms=8000"
out=$("$OMEFS" -o timeout=6,retries=0,cache_dir=none "$src" "$work/mp" 2>&1); rc=$?
nginx_set "delay_ms=0"
[ $rc = 0 ] && fusermount3 -u "$work/mp"
[ $rc = 1 ] && grep -q "no answer from $src yet; still trying (a request gives up after at most about 6 s" <<<"$out" &&
  grep -q "no answer, or no progress, for 6 s (timeout=6)" <<<"$out" &&
  ok "cli silent server: a notice while trying, then '$(tail -1 <<<"$out" | cut -c1-120)'" ||
  fail "cli silent server: rc=$rc '$out'"
# a proxy that cannot be reached is named in the error, its password never (with a scheme or
# without, as curl takes it)
for proxy in alice:s3cret@127.0.0.1:1 http://alice:s3cret@127.0.0.1:1; do
  out=$("$OMEFS" -o proxy=$proxy,retries=0,cache_dir=none "$src" "$work/mp" 2>&1); rc=$?
  [ $rc = 1 ] && grep -qF "***@127.0.0.1:1)" <<<"$out" && ! grep -q s3cret <<<"$out" &&
    ok "cli unreachable proxy $proxy: named, password hidden" || fail "cli proxy $proxy: rc=$rc '$out'"
done
expect "no scheme" 1 "has no scheme: for a server, write http://127.0.0.1:9/x.zarr" 127.0.0.1:9/x.zarr "$work/mp"
expect "a level" 1 "is one Zarr array, not an image: if it is level 0 of the image at $src, mount that" \
  "$src/0" "$work/mp"
if do_mount well "$OMEFS_TEST_HTTP/plate.zarr/A/1" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  if [[ "$got" == "plate_A1_0.ome.tif plate_A1_0.preview.png plate_A1_0_L0.tif plate_A1_0_L1.tif plate_A1_0_labels_cells.ome.tif plate_A1_0_labels_cells.preview.png plate_A1_0_labels_cells_L0.tif plate_A1_1.ome.tif plate_A1_1.preview.png plate_A1_1_L0.tif plate_A1_1_L1.tif " ]] &&
    $PY -c "
import sys, numpy as np, tifffile
a = tifffile.imread(sys.argv[1])
assert np.array_equal(a, np.fromfile(sys.argv[2], '<u2').reshape(a.shape))" \
      "$mnt/plate_A1_1_L0.tif" "$fixtures/expected/plate/A1_1_L0.raw"; then
    ok "cli: a well mounted on its own is a folder of its fields' files, named after plate and well"
  else
    fail "cli: a well's files: '$got'"
  fi
  do_unmount "$mnt" "$mnt_pid"
else
  fail "cli: a well's URL did not mount: $(tail -2 "$work/well.log")"
fi
if do_mount field "$OMEFS_TEST_HTTP/plate.zarr/A/1/0" -o cache_dir=none; then
  got=$(ls "$mnt" | tr '\n' ' ')
  [[ "$got" == *"plate_A1_0.ome.tif plate_A1_0.preview.png plate_A1_0_L0.tif"* ]] &&
    ok "cli: a field mounted on its own is named after its plate, well and field ($got)" ||
    fail "cli: a field's files: '$got'"
  do_unmount "$mnt" "$mnt_pid"
fi
expect "nothing given" 2 "see omefs --help" -o timeout=5
out=$("$OMEFS" -o cache_size=10 "$src" "$work/mp" 2>&1)
[ "$(tail -1 <<<"$out")" = "see omefs --help for the options" ] &&
  ok "cli: the hint comes last, the message before it" || fail "cli: output ends '$(tail -1 <<<"$out")'"
v=$("$OMEFS" --version)
grep -qE "^omefs [0-9.]+ \(libfuse 3\.[0-9]+\.[0-9]+, libcurl [0-9.]+, jansson [0-9.]+, c-blosc [0-9.]+" <<<"$v" &&
  ok "cli --version: $v" || fail "cli --version: $v"
expect "timeout with a unit" 1 "not found" -o timeout=5s,cache_dir=none "$OMEFS_TEST_HTTP/nope.zarr" "$work/mp"

# SIGTERM and SIGINT in the foreground: a normal stop, exit 0, unmounted. (A script's background
# jobs start with SIGINT ignored; the wrapper gives omefs the default a terminal would.)
printf '#!/bin/sh\nexec %s -c "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])" %s "$@"\n' \
  "$PY" "$OMEFS" >"$work/omefs-sig"
chmod +x "$work/omefs-sig"
for sig in TERM INT; do
  if OMEFS="$work/omefs-sig" do_mount "sig$sig" "$src" -o cache_dir=none; then
    kill -"$sig" "$mnt_pid"
    wait "$mnt_pid"; rc=$?
    sleep 0.2
    if [ $rc = 0 ] && ! grep -q " $mnt fuse" /proc/mounts; then
      ok "cli: SIG$sig stops a foreground mount with exit 0, unmounted"
    else
      fail "cli: SIG$sig: exit $rc, $(grep " $mnt fuse" /proc/mounts)"
    fi
  else
    fail "cli: mount for SIG$sig"
  fi
done

# a second mount on the same folder is refused; a non-empty folder only warned about
if do_mount first "$src" -o cache_dir=none; then
  expect "already mounted" 1 "is already an omefs mount; unmount it first: fusermount3 -u $mnt" \
    "$src" "$mnt" -o cache_dir=none
  do_unmount "$mnt" "$mnt_pid"
fi
mkdir -p "$work/mnt-full" && echo x >"$work/mnt-full/note"
if do_mount full "$src" -o cache_dir=none; then
  grep -q "is not empty" "$work/full.log" && ok "cli: a non-empty mount point is mounted over, with a warning" ||
    fail "cli: no warning for a non-empty mount point"
  do_unmount "$mnt" "$mnt_pid"
fi

# a user who is not root: told what to do while /dev/fuse is closed to users, then (opened to
# them, as Debian's udev rule has it) mounts, reads and unmounts with fusermount3
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -u "$(command -v fusermount3)" ] &&
   [ -e /etc/mtab ]; then
  as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
  mode=$(stat -c %a /dev/fuse)
  trap 'chmod "$mode" /dev/fuse; mount_cleanup; nginx_stop; rm -rf "$work"' EXIT INT TERM
  user_dir="$work/user"; mkdir -p "$user_dir/mnt"; cp -r "$fixtures/axes_2d.zarr" "$user_dir/"
  reference axes_2d "$work/ref" && cp "$work/ref/axes_2d_L1.tif" "$work/ref_L1.tif"
  chown -R 65534:65534 "$user_dir"; chmod 755 "$work"
  chmod 600 /dev/fuse
  out=$(cd "$user_dir" && as_user "$OMEFS" "$user_dir/axes_2d.zarr" "$user_dir/mnt" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "you cannot open /dev/fuse (mode 600" <<<"$out" &&
    ok "cli non-root: /dev/fuse closed to users is named, with what to do" || fail "cli non-root, closed: exit $rc, '$out'"
  chmod 666 /dev/fuse
  (cd "$user_dir" && as_user "$OMEFS" -f "$user_dir/axes_2d.zarr" "$user_dir/mnt" -o cache_dir=none \
    2>"$work/user.log") &
  upid=$!
  for _ in $(seq 100); do grep -q " $user_dir/mnt fuse" /proc/mounts && break; sleep 0.05; done
  # (only the user reads it: without allow_other, FUSE keeps even root out)
  if [ "$(as_user stat -c %s "$user_dir/mnt/axes_2d_L1.tif")" -gt 0 ] &&
     as_user cat "$user_dir/mnt/axes_2d_L1.tif" | cmp -s - "$work/ref_L1.tif" &&
     as_user fusermount3 -u "$user_dir/mnt"; then
    wait $upid; rc=$?
    [ $rc = 0 ] && ok "cli non-root: mounted, read and unmounted by the user (fusermount3), exit 0" ||
      fail "cli non-root: exit $rc"
  else
    fail "cli non-root mount: $(tail -2 "$work/user.log")"
    fusermount3 -uz "$user_dir/mnt" 2>/dev/null; kill $upid 2>/dev/null
  fi
  chmod "$mode" /dev/fuse
else
  echo "skip cli non-root: needs root (to act as another user), setpriv, a setuid fusermount3 and /etc/mtab (which fusermount3 reads; a booted system has it)"
fi
