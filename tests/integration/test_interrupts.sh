#!/usr/bin/env bash
# Programs are released whatever they wait on, and walks stay frugal. Against a real nginx made
# to stall (Lua delay), on real mounts of zarr-python's plates:
#  - `ls` of a well (readdir) and `stat` of a file in a well (lookup) on a stalled server end
#    within about a second of SIGTERM and of SIGKILL; the well's loading, given up, is done again
#    for the next look once the server answers, and another program waiting for the same well
#    gets its listing;
#  - looking into two wells of a 1536-well plate loads ahead only a small window of wells, not
#    the plate;
#  - a mount whose server stalls while folders load ahead stops within a few seconds of
#    `fusermount3 -u`.
source "$(dirname "$0")/../lib/integration.sh"
if [ ! -f "$fixtures/plate.json" ]; then
  echo "skip interrupts: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start interrupts
export ASAN_OPTIONS=detect_leaks=0
elapsed() { $PY -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(date +%s.%N)"; }

# gone PID → whether the process has ended (a zombie has: it waits only to be reaped)
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# released SIGNAL CMD... → runs CMD, sends SIGNAL after 1.5 s and prints how long after the
# signal it ended ("never" after 10 s; "early" when it ended before the signal)
released() {
  local sig=$1; shift
  "$@" >/dev/null 2>&1 &
  local pid=$! t0 i
  sleep 1.5
  if gone "$pid"; then wait "$pid" 2>/dev/null; echo early; return; fi
  t0=$(date +%s.%N)
  kill "-$sig" "$pid"
  for i in $(seq 200); do gone "$pid" && break; sleep 0.05; done
  if gone "$pid"; then elapsed "$t0"; else echo never; fi
  wait "$pid" 2>/dev/null
}
within() { [ "$1" != never ] && [ "$1" != early ] && [ "$(echo "$1 <= $2" | bc)" = 1 ]; }

# 1. A stalled server: every request waits a minute (timeout=60, so only a signal ends a wait)
if ! do_mount stall "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir=none,timeout=60,retries=0,log_level=info; then
  fail "plate mount: $(tail -2 "$work/stall.log")"; exit 1
fi
nginx_set delay_ms=60000
for probe in "TERM ls A1" "KILL ls A3" "TERM stat B2/B2_0.ome.tif" "KILL stat A1/A1_0_L0.tif"; do
  read -r sig cmd path <<<"$probe"
  what="$cmd of ${path} on a stalled server (readdir)"
  [ "$cmd" = stat ] && what="stat of ${path} on a stalled server (lookup in a well)"
  t=$(released "$sig" "$cmd" "$mnt/$path")
  within "$t" 1.5 && ok "$what ends ${t}s after SIG$sig" || fail "$what, SIG$sig: ended $t"
done
# two programs wait for one well on a slow server (2 s a request); one gives up, the other
# still gets the listing
nginx_set delay_ms=0
nginx_set "slow=/plate.zarr/A/3/&slow_ms=2000"
ls "$mnt/A3" >"$work/patient.out" 2>&1 &
patient=$!
sleep 0.5
t=$(released KILL ls "$mnt/A3")
wait "$patient"; rc=$?
nginx_set slow=
want="A3_0.ome.tif A3_0.preview.png A3_0_L0.tif A3_0_L1.tif A3_1.ome.tif A3_1.preview.png A3_1_L0.tif A3_1_L1.tif "
got=$(tr '\n' ' ' <"$work/patient.out")
within "$t" 1.5 && [ $rc = 0 ] && [ "$got" = "$want" ] &&
  ok "of two programs waiting for a well, one killed (${t}s), the other lists it: $got" ||
  fail "two programs on one well: the killed one ended $t; the other: rc=$rc, '$got'"
got=$(ls "$mnt/A1" | tr '\n' ' ')
[ "$got" = "A1_0.ome.tif A1_0.preview.png A1_0_L0.tif A1_0_L1.tif A1_0_labels_cells.ome.tif A1_0_labels_cells.preview.png A1_0_labels_cells_L0.tif A1_1.ome.tif A1_1.preview.png A1_1_L0.tif A1_1_L1.tif " ] &&
  ok "a well whose loading was given up is loaded again at the next look" ||
  fail "after the interrupted loads: A1 holds '$got'"
grep -q "loading given up" "$work/stall.log" && ! grep -q "could not be read" "$work/stall.log" &&
  ok "the log says the loads were given up, as no error" ||
  fail "log: $(grep -i "given up\|could not" "$work/stall.log" | head -3)"
kill -0 "$mnt_pid" 2>/dev/null && ok "the daemon lives on" || fail "the daemon died"
do_unmount "$mnt" "$mnt_pid"

# 2. Frugal walks: two looks into a 1536-well plate load a small window ahead, not the plate
if [ -d "$fixtures/plate_wide.zarr" ]; then
  if do_mount wide "$OMEFS_TEST_HTTP/plate_wide.zarr" -o cache_dir=none; then
    start=$(log_lines)
    ls "$mnt/A1" >/dev/null && ls "$mnt/A2" >/dev/null
    sleep 2
    others=$(log_since "$start" | grep -c 'GET /plate_wide.zarr/' )
    mine=$(log_since "$start" | grep -c 'GET /plate_wide.zarr/A/[12]/')
    beyond=$((others - mine))
    [ "$mine" -gt 0 ] && [ "$beyond" -le 40 ] &&
      ok "two looks into a 1536-well plate: $mine requests for them, $beyond for wells ahead" ||
      fail "two looks into a 1536-well plate: $mine requests for them, $beyond for others (at most 40)"
    # a walk that goes on is still loaded ahead: 48 wells of row A, listed in order
    start=$(log_lines)
    t0=$(date +%s.%N)
    for c in $(seq 3 48); do ls "$mnt/A$c" >/dev/null 2>&1; done
    took=$(elapsed "$t0")
    requests=$(log_since "$start" | grep -c 'GET /plate_wide.zarr/')
    [ "$requests" -lt 1536 ] && ok "a walk of row A (48 wells): ${took}s, $requests requests" ||
      fail "a walk of row A: $requests requests (the window outgrew the walk)"
    do_unmount "$mnt" "$mnt_pid"
  else
    fail "wide plate mount: $(tail -2 "$work/wide.log")"
  fi
else
  echo "skip frugal walks: plate_wide.zarr missing (make fixtures)"
fi

# 3. Unmount while folders load from a stalled server: the daemon ends within a few seconds
if do_mount stop "$OMEFS_TEST_HTTP/plate.zarr" -o cache_dir="$work/cache",timeout=60,retries=0; then
  nginx_set delay_ms=60000
  for w in A1 A3 B2; do ls "$mnt/$w" >/dev/null 2>&1 & done
  sleep 1
  for p in $(jobs -p); do [ "$p" != "$mnt_pid" ] && kill -KILL "$p" 2>/dev/null; done
  sleep 0.5
  t0=$(date +%s.%N)
  fusermount3 -u "$mnt" 2>/dev/null || fusermount3 -uz "$mnt"
  for i in $(seq 300); do gone "$mnt_pid" && break; sleep 0.05; done
  took=$(elapsed "$t0")
  nginx_set delay_ms=0
  gone "$mnt_pid" && [ "$(echo "$took <= 4" | bc)" = 1 ] &&
    ok "unmounted while wells load from a stalled server: the daemon ended in ${took}s" ||
    fail "unmounted with a stalled server: the daemon still ran after ${took}s"
  wait "$mnt_pid" 2>/dev/null
else
  fail "stop mount: $(tail -2 "$work/stop.log")"
fi
