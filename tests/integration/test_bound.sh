#!/usr/bin/env bash
# The read bound as a program sees it, and signals. Against a real nginx whose requests are made
# to wait (Lua delay), on real mounts with the disk cache on:
#  - a server that stops answering makes a program's read fail within (retries+1) x timeout plus
#    backoff — once, not again for the kernel's re-read of the failed page (a failed chunk fails
#    at once for a few seconds); `cp` of a whole file fails within the same bound;
#  - once the server answers again (and that short life has passed) the same read succeeds;
#  - a signal to a reading program ends its read within about a second, and another program
#    reading the same chunk at the same time still gets the right bytes. (Reads of NAME.ome.tif
#    are direct I/O: the kernel passes the signal on as a FUSE interrupt. Reads of the page-cached
#    NAME_L<k>.tif files go through the kernel's read-ahead, which it does not interrupt: a
#    program killed by the signal stops at once, one that handles it waits for the bound.)
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start bound
export ASAN_OPTIONS=detect_leaks=0
n=seq_czyx
ref="$work/ref"; reference "$n" "$ref"
L0="${n}_L0.tif" OME="$n.ome.tif"
# the offset of the first pixel byte of the last plane: a chunk nobody has read yet
last_plane() { $PY -c "import tifffile, sys; t = tifffile.TiffFile(sys.argv[1]); print(t.pages[-1].dataoffsets[0])" "$1"; }
last_plane=$(last_plane "$ref/$L0") last_tile=$(last_plane "$ref/$OME")
elapsed() { $PY -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(date +%s.%N)"; }

# -- a dead server: timeout=2, retries=1 → bound (1+1) x 2 s + backoff (< 0.3 s)
BOUND=4.3 SLACK=1.5
if ! do_mount dead "$OMEFS_TEST_HTTP/$n.zarr" -o timeout=2,retries=1,cache_dir="$work/cache"; then
  fail "mount: $(tail -3 "$work/dead.log")"; exit 1
fi
nginx_set "delay_ms=60000"
t0=$(date +%s.%N)
dd if="$mnt/$L0" of=/dev/null bs=64 count=1 iflag=skip_bytes skip="$last_plane" 2>"$work/dd.err"
rc=$?; took=$(elapsed "$t0")
if [ $rc != 0 ] && grep -q "Input/output error" "$work/dd.err" &&
   [ "$(echo "$took <= $BOUND + $SLACK" | bc)" = 1 ]; then
  ok "a 64-byte read from a silent server fails with EIO in ${took}s (bound ${BOUND}s, not once more for the kernel's re-read)"
else
  fail "a 64-byte read from a silent server: rc=$rc after ${took}s (bound ${BOUND}s): $(cat "$work/dd.err")"
fi
[ "${KEEP_LOG:-}" ] && cp "$work/dead.log" /tmp/dead.log
sleep 5.5 # the failed chunks' short life
t0=$(date +%s.%N)
cp "$mnt/$L0" "$work/copy.tif" 2>"$work/cp.err"
rc=$?; took=$(elapsed "$t0")
if [ $rc != 0 ] && [ "$(echo "$took <= $BOUND + $SLACK" | bc)" = 1 ]; then
  ok "cp of a whole file from a silent server fails in ${took}s (bound ${BOUND}s)"
else
  fail "cp from a silent server: rc=$rc after ${took}s (bound ${BOUND}s): $(cat "$work/cp.err")"
fi
nginx_set "delay_ms=0"
sleep 5.5
if cmp -s "$mnt/$L0" "$ref/$L0"; then
  ok "once the server answers again, the same mount reads every byte right"
else
  fail "after the server came back, $L0 differs from the reference"
fi
do_unmount "$mnt" "$mnt_pid"

# -- signals: a long timeout, so that only the signal can end the wait
if ! do_mount intr "$OMEFS_TEST_HTTP/$n.zarr" -o timeout=60,retries=0,cache_dir="$work/cache2"; then
  fail "mount: $(tail -3 "$work/intr.log")"; exit 1
fi
nginx_set "delay_ms=60000"
$PY tests/integration/interrupt_reader.py "$mnt/$OME" "$ref/$OME" "$last_tile" 4096 >"$work/a.json" &
a=$!
sleep 1.5; kill -USR1 $a; wait $a
if $PY -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d['outcome']=='interrupted' and d['seconds'] <= 1.5 + 1.2))" "$work/a.json"; then
  ok "a signal (sent at 1.5 s) ends a read waiting on a silent server within 1.2 s: $(cat "$work/a.json")"
else
  fail "a signalled read: $(cat "$work/a.json")"
fi
# two programs read one chunk; the server answers after 4 s; one of them is signalled at 1.5 s
nginx_set "delay_ms=4000"
off=$($PY -c "import tifffile, sys; t = tifffile.TiffFile(sys.argv[1]); print(t.pages[-2].dataoffsets[0])" "$ref/$OME")
$PY tests/integration/interrupt_reader.py "$mnt/$OME" "$ref/$OME" "$off" 4096 >"$work/a.json" &
a=$!
sleep 0.3
$PY tests/integration/interrupt_reader.py "$mnt/$OME" "$ref/$OME" "$off" 4096 >"$work/b.json" &
b=$!
sleep 1.2; kill -USR1 $a; wait $a $b
if $PY -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); sys.exit(not (a['outcome']=='interrupted' and a['seconds'] <= 1.5 + 1.2 and b['outcome']=='data' and b['right']))" "$work/a.json" "$work/b.json"; then
  ok "of two programs reading one chunk, the signalled one stops and the other gets the right bytes: $(cat "$work/a.json" "$work/b.json" | tr '\n' ' ')"
else
  fail "two readers of one chunk, one signalled: $(cat "$work/a.json" "$work/b.json" | tr '\n' ' ')"
fi
nginx_set "delay_ms=0"
kill -0 "$mnt_pid" 2>/dev/null && ok "the daemon survives" || fail "the daemon died"
do_unmount "$mnt" "$mnt_pid"
grep -q "ERROR: AddressSanitizer\|runtime error" "$work"/*.log && fail "sanitizer report in a daemon's log" \
  || ok "no sanitizer report from the daemons"
