#!/usr/bin/env bash
# omefs prefetch and omefs status on a real mount: prefetch of a folder reads each image's
# OME-TIFF through, with a progress bar on a pseudo-terminal (script(1)) and plain lines
# otherwise; afterwards, with the server down, an offline mount on the same cache reads every
# byte; what cannot fit in the disk cache is refused up front. status names the source and
# what was served, fetched and cached, and the latest errors.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start commands
export ASAN_OPTIONS=detect_leaks=0
n=seq_czyx
ref="$work/ref"; reference "$n" "$ref"
cache="$work/cache"

if do_mount pre "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir="$cache",cache_size=1G; then
  if command -v script >/dev/null; then
    script -qec "$OMEFS prefetch $mnt" /dev/null >"$work/tty.out" 2>&1; rc=$?
    grep -q '\[####################\] 100 %' "$work/tty.out" && [ $rc = 0 ] &&
      ok "prefetch on a terminal: a progress bar to 100 %" || fail "prefetch on a terminal: rc=$rc $(tail -c 300 "$work/tty.out")"
    script -qec "cd $mnt && $OMEFS prefetch $n.ome.tif" /dev/null >"$work/tty-rel.out" 2>&1; rc=$?
    grep -q '100 %' "$work/tty-rel.out" && [ $rc = 0 ] &&
      ok "prefetch of a file named relative to the mount, on a terminal" ||
      fail "prefetch of a relative file: rc=$rc $(tail -c 300 "$work/tty-rel.out")"
  else
    echo "skip prefetch on a terminal: script(1) missing"
  fi
  out=$("$OMEFS" prefetch "$mnt" 2>&1); rc=$?
  grep -q "prefetch: 100 %" <<<"$out" && [ $rc = 0 ] &&
    ok "prefetch without a terminal: plain lines ($(tail -1 <<<"$out"))" || fail "prefetch plain: rc=$rc '$out'"
  st=$("$OMEFS" status "$mnt"); rc=$?
  grep -q "source:       $OMEFS_TEST_HTTP/$n.zarr" <<<"$st" && grep -q "disk cache:" <<<"$st" &&
    grep -q "served:" <<<"$st" && [ $rc = 0 ] &&
    ok "status: $(grep -E 'served|fetched' <<<"$st" | tr -s ' ' | tr '\n' ';')" || fail "status: rc=$rc '$st'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount for prefetch: $(tail -2 "$work/pre.log")"
fi
nginx_set mode=down
if do_mount offline "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir="$cache",offline; then
  cmp -s "$mnt/$n.ome.tif" "$ref/$n.ome.tif" &&
    ok "after prefetch, offline with the server down: every byte of $n.ome.tif" ||
    fail "offline after prefetch: $n.ome.tif differs or fails"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "offline mount: $(tail -2 "$work/offline.log")"
fi
nginx_set mode=none

if do_mount small "$OMEFS_TEST_HTTP/$n.zarr" -o cache_dir="$work/small",cache_size=1M; then
  out=$("$OMEFS" prefetch "$mnt/$n.ome.tif" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "cannot fit in the disk cache" <<<"$out" &&
    ok "prefetch refuses what cannot fit: '$out'" || fail "prefetch into a small cache: rc=$rc '$out'"
  do_unmount "$mnt" "$mnt_pid"
fi
# prefetch of a folder that is in no mount is refused (it would read every .ome.tif below it,
# other mounts' included); on a plate whose well B3 cannot be opened, B3 is named and the exit
# status says something failed, while the other wells are read.
out=$("$OMEFS" prefetch "$work" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "is not in an omefs mount" <<<"$out" && ok "prefetch of a plain folder refused: '$out'" ||
  fail "prefetch of a plain folder: rc=$rc '$out'"
if do_mount plate "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir="$work/plate-cache"; then
  out=$("$OMEFS" prefetch "$mnt" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "B3: Input/output error" <<<"$out" && grep -q "prefetch: 100 %" <<<"$out" &&
    grep -q "some files or folders failed" <<<"$out" &&
    ok "prefetch of a plate with a broken well: the others read, B3 named, exit 1" ||
    fail "prefetch of a plate with a broken well: rc=$rc '$out'"
  # status from a folder inside the mount, --watch first, piped: the mount's status, no
  # terminal escapes
  out=$(timeout 3 "$OMEFS" status --watch "$mnt/A1" 2>&1)
  grep -q "source:       $OMEFS_TEST_HTTP/plate.zarr" <<<"$out" && ! grep -q $'\033' <<<"$out" &&
    ok "status --watch of a well folder, piped: the mount's status, no escapes" ||
    fail "status --watch of a well folder: '$(head -c 300 <<<"$out")'"
  kill -9 "$mnt_pid"; wait "$mnt_pid" 2>/dev/null
  out=$("$OMEFS" status "$mnt" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "program has ended; clean it up with fusermount3 -u $mnt\$" <<<"$out" &&
    ok "status of a mount whose program was killed: '$out'" || fail "status of a dead mount: rc=$rc '$out'"
  out=$("$OMEFS" status "$mnt/A1" 2>&1); rc=$?
  [ $rc = 1 ] && grep -q "program has ended; clean it up with fusermount3 -u $mnt\$" <<<"$out" &&
    ok "status of a folder in a dead mount names the mount point: '$out'" ||
    fail "status of a folder in a dead mount: rc=$rc '$out'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "plate mount for prefetch: $(tail -2 "$work/plate.log")"
fi
out=$("$OMEFS" status "$work" 2>&1); rc=$?
[ $rc = 1 ] && grep -q "is not in an omefs mount" <<<"$out" && ok "status of a plain folder: '$out'" ||
  fail "status of a plain folder: rc=$rc '$out'"
# a folder anyone can make, holding a .omefs/stats, is no mount: status and prefetch refuse it
# (prefetch would read every file below it) and say why
fake="$work/planted"
mkdir -p "$fake/.omefs" "$fake/img"
cp "$work/ref/$n.ome.tif" "$fake/img/"
printf '{"mount": {"source": "http://example.org/x.zarr"}}\n' >"$fake/.omefs/stats"
for cmd in status prefetch; do
  out=$("$OMEFS" $cmd "$fake/img" 2>&1); rc=$?
  [ $rc = 1 ] && grep -qF "$fake/img is not in an omefs mount: $fake holds .omefs/stats, but the system's mount table shows no omefs mount there" <<<"$out" &&
    ! grep -q "read in\|source:" <<<"$out" &&
    ok "$cmd of a planted folder with .omefs/stats refused: '$out'" ||
    fail "$cmd of a planted folder: rc=$rc '$out'"
done

# names and servers' words reach the terminal escaped: a local source whose image and folder
# names hold escape sequences, through prefetch's progress bar; an S3 error <Code> holding ESC
# and BEL, through the mount's log, in omefs status
esc="$work/esc-src"
mkdir -p "$esc/f"$'\033[31m'
cp -r "$fixtures/axes_2d.zarr" "$esc/a"$'\033]0;title\a'"b.zarr"
cp -r "$fixtures/axes_2d.zarr" "$esc/f"$'\033[31m'"/c"$'\033[2J'".zarr"
if ! command -v script >/dev/null; then
  echo "skip prefetch of escaped names: script(1) missing"
elif do_mount esc "$esc"; then
  script -qec "$OMEFS prefetch $mnt" /dev/null >"$work/esc.out" 2>&1; rc=$?
  [ $rc = 0 ] && grep -q '100 %' "$work/esc.out" && ! grep -q $'[\033\a]' "$work/esc.out" &&
    grep -qF 'a\x1b]0;title\x07b.ome.tif' "$work/esc.out" &&
    ok "prefetch of names with escape sequences, on a terminal: shown as \\x1b" ||
    fail "prefetch of escaped names: rc=$rc '$(tr -d '\033' <"$work/esc.out" | tail -c 300)'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount of escaped names: $(tail -2 "$work/esc.log")"
fi
if do_mount s3evil "s3://evil/axes_2d.zarr" -o "endpoint=$OMEFS_TEST_HTTP/s3evil,no_sign,cache_dir=none,retries=0"; then
  cat "$mnt/axes_2d_L0.tif" >/dev/null 2>&1 && fail "s3 error with control bytes: the read succeeded"
  out=$("$OMEFS" status "$mnt" 2>&1); rc=$?
  [ $rc = 0 ] && grep -qF 'access denied (Access\x1b]0;owned\x07Denied\x1b[2J)' <<<"$out" &&
    ! grep -q $'[\033\a]' <<<"$out" &&
    ok "status shows a server's error with ESC and BEL escaped: '$(grep -m1 -o 'access denied ([^)]*)' <<<"$out")'" ||
    fail "status of a server error with control bytes: rc=$rc '$(tr -d '\033\a' <<<"$out" | tail -5)'"
  do_unmount "$mnt" "$mnt_pid"
else
  fail "mount of the S3 endpoint with control bytes: $(tail -2 "$work/s3evil.log")"
fi
