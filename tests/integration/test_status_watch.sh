#!/usr/bin/env bash
# omefs status --watch over many redraws: its memory (VmRSS, the build without sanitizers, whose
# allocator returns what is freed) and its open file descriptors stay flat, and every redraw
# shows the mount. A fast --interval stands in for hours of the default 2 s.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start status-watch
export ASAN_OPTIONS=detect_leaks=0
WATCHER=${OMEFS_RELEASE_BIN:-$repo/build/omefs}
n=seq_czyx
[ -x "$WATCHER" ] || { fail "no $WATCHER (make all)"; exit 1; }

if ! do_mount watch "$OMEFS_TEST_HTTP/$n.zarr"; then
  fail "mount: $(tail -3 "$work/watch.log")"; exit 1
fi
cat "$mnt/$n.ome.tif" >/dev/null
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# open descriptors but those of the redraw under way (.omefs/stats or log, open for a moment)
fds() { local f l n=0; for f in /proc/$1/fd/*; do
  l=$(readlink "$f") || continue
  case $l in */.omefs/*) ;; *) n=$((n + 1)) ;; esac; done; echo $n; }
"$WATCHER" status --watch --interval 0.002 "$mnt" >"$work/watch.out" 2>"$work/watch.err" &
w=$!
sleep 1.5
rss0=$(rss $w) fd0=$(fds $w) lines0=$(grep -c "^  source:" "$work/watch.out")
sleep 6
rss1=$(rss $w) fd1=$(fds $w) lines1=$(grep -c "^  source:" "$work/watch.out")
kill $w; wait $w 2>/dev/null
redraws=$((lines1 - lines0))
if [ "$redraws" -ge 500 ] && [ "$fd1" = "$fd0" ] && [ $((rss1 - rss0)) -le 256 ]; then
  ok "status --watch: $redraws redraws in 6 s, VmRSS ${rss0} -> ${rss1} kB, fds $fd0 -> $fd1"
else
  fail "status --watch: $redraws redraws, VmRSS ${rss0} -> ${rss1} kB, fds $fd0 -> $fd1: $(head -c 300 "$work/watch.err")"
fi
grep -q "source:       $OMEFS_TEST_HTTP/$n.zarr" "$work/watch.out" &&
  ok "every redraw names the source" || fail "watch output: $(head -c 300 "$work/watch.out")"

out=$("$OMEFS" status --watch --interval 0 "$mnt" 2>&1); rc=$?
[ $rc = 2 ] && grep -q "interval 0: seconds between redraws" <<<"$out" &&
  ok "an interval of 0 is refused: '$out'" || fail "interval 0: rc=$rc '$out'"
do_unmount "$mnt" "$mnt_pid"
