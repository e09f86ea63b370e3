#!/usr/bin/env bash
# Fault injection: a real mount over a real nginx whose Lua faults are switched on one at a
# time — random 503 and 500, 429 with Retry-After, bodies cut mid-way, stalls longer than the
# timeout, slow bandwidth, corrupted bodies, a server restart. For each, concurrent reader
# processes read random ranges of both files and compare every byte with the library's file:
# every read must give exactly the right bytes or EIO (a read may stop short when a failure
# comes mid-way; the reader then reads on, as careful programs do), never a wrong byte, no read may take
# longer than the bound, the daemon must survive, and once the fault stops whole-file reads
# must succeed. Prints a table per fault.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start faults
export ASAN_OPTIONS=detect_leaks=0

n=seq_czyx
ref="$work/ref"; mkdir -p "$ref"
build/asan/tools/vtiff_dump "$fixtures/$n.zarr" "$n" "$ref" 7 >/dev/null 2>&1
TIMEOUT=2 RETRIES=2
# One fetch gives up after (retries+1) attempts of at most `timeout` each, with backoff waits
# (< 1 s here, or a Retry-After of 1 s) between them; a read may need two such fetches when
# concurrent readers evict its chunks in between. The bound is per FUSE request, so the readers
# read at most 128 KiB, page-aligned (a larger read is several requests, each bounded).
BOUND=$(( 2 * ((RETRIES + 1) * TIMEOUT + RETRIES * 1 + 1) ))
DURATION=${FAULT_SECONDS:-3}

if ! do_mount faults "$OMEFS_TEST_HTTP/$n.zarr" \
    -o timeout=$TIMEOUT,retries=$RETRIES,cache_dir=none,mem_cache=2M,prefetch=0; then
  fail "mount: $(tail -3 "$work/faults.log")"; exit 1
fi
files=("$n.ome.tif" "${n}_L0.tif")

# run_fault NAME KNOBS → readers under the fault, then recovery; prints a table row
log="$OMEFS_TEST_NGINX_DIR/access.log"
echo "| fault | requests | not 2xx | reads | EIO | wrong bytes | other errors | worst read | after |"
echo "|---|---|---|---|---|---|---|---|---|"
run_fault() {
  local name=$1 knobs=$2 i pids=() rec="ok" start
  start=$(wc -l <"$log")
  nginx_set "$knobs"
  for i in 0 1 2 3; do
    $PY tests/integration/fault_reader.py "$mnt/${files[i % 2]}" "$ref/${files[i % 2]}" \
      "$DURATION" "$i$RANDOM" >"$work/r$i.json" 2>"$work/r$i.err" &
    pids+=($!)
  done
  if [ "$name" = restart ]; then
    sleep 1; nginx_restart 1 || fail "nginx did not come back"
  fi
  for i in "${pids[@]}"; do wait "$i"; done
  nginx_set "fault=none&rate=0"
  local requests bad
  requests=$(tail -n +"$((start + 1))" "$log" | grep -c "GET /$n.zarr/")
  bad=$(tail -n +"$((start + 1))" "$log" | grep "GET /$n.zarr/" | awk '$9 !~ /^2/' | wc -l)
  for f in "${files[@]}"; do cmp -s "$mnt/$f" "$ref/$f" || rec="FAILED($f)"; done
  local sums
  sums=$($PY - "$work" <<'EOF'
import json, sys, glob
t = {"reads": 0, "eio": 0, "wrong": 0, "other": 0, "worst": 0.0}
for p in sorted(glob.glob(sys.argv[1] + "/r[0-9].json")):
    try:
        d = json.load(open(p))
    except Exception:
        t["other"] += 1000000  # a reader died
        continue
    for k in ("reads", "eio", "wrong", "other"):
        t[k] += d[k]
    t["worst"] = max(t["worst"], d["worst"])
print(t["reads"], t["eio"], t["wrong"], t["other"], "%.2f" % t["worst"])
EOF
)
  read -r reads eio wrong other worst <<<"$sums"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s s | %s |\n" "$name" "$requests" "$bad" "$reads" \
    "$eio" "$wrong" "$other" "$worst" "$rec"
  rm -f "$work"/r*.json
  local alive=yes
  kill -0 "$mnt_pid" 2>/dev/null || alive=no
  if [ "$wrong" = 0 ] && [ "$other" = 0 ] && [ "$reads" -gt 0 ] && [ "$rec" = ok ] && [ $alive = yes ] &&
     [ "$(echo "$worst <= $BOUND" | bc)" = 1 ] && { [ "$name" != none ] || [ "$eio" = 0 ]; }; then
    ok "fault $name: $reads reads, $eio EIO, 0 wrong bytes, worst ${worst}s (bound ${BOUND}s), recovered"
  else
    fail "fault $name: reads=$reads eio=$eio wrong=$wrong other=$other worst=${worst}s alive=$alive recovery=$rec"
  fi
}

run_fault none "fault=none"
run_fault e503 "fault=e503&p=30"
run_fault e500 "fault=e500&p=30"
run_fault e429 "fault=e429&p=30"
run_fault cut "fault=cut&p=30"
run_fault stall "fault=stall&p=15&stall_ms=3000"
run_fault slow "rate=300000"
run_fault corrupt "fault=corrupt&p=30"
run_fault restart "fault=none"
grep -q "ERROR: AddressSanitizer\|runtime error" "$work/faults.log" && fail "sanitizer report in the daemon's log" \
  || ok "no sanitizer report from the daemon"
