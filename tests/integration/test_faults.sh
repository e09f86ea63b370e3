#!/usr/bin/env bash
# Fault injection, as users run omefs: with the disk cache on. A real mount over a real nginx
# whose Lua faults are switched on one at a time — random 503 and 500, 429 with Retry-After,
# bodies cut mid-way (connection closed), bodies cut short in a reply that ends cleanly, dropped
# and held connections, stalls, slow bandwidth, corrupted bodies, a server restart — and then a
# mix of them. For each, concurrent reader processes read random ranges of both files and
# compare every byte with the library's file: every read must give exactly the right bytes or
# EIO (a read may stop short when a failure comes mid-way; the reader then reads on, as careful
# programs do), never a wrong byte; no read may take longer than the bound; the daemon must
# survive. Once the fault stops, every byte of both files must read right on the same mount, and
# again after a remount on the same cache with -o offline (so a bad body kept in the disk cache
# would show). Prints a table per fault.
source "$(dirname "$0")/../lib/integration.sh"
mount_test_start faults
export ASAN_OPTIONS=detect_leaks=0

n=seq_czyx
ref="$work/ref"; reference "$n" "$ref"
DURATION=${FAULT_SECONDS:-3}
FAILED_TTL=5 # a chunk that failed fails at once for this long (chunk_cache.c)
files=("$n.ome.tif" "${n}_L0.tif")
log="$OMEFS_TEST_NGINX_DIR/access.log"

# bound TIMEOUT RETRIES → the longest one read may take: a fetch makes (retries+1) attempts of
# at most `timeout` without progress each, with backoff waits (0.2 s doubling to at most 5 s,
# jitter up to 150 %, or a Retry-After of 1 s) between them; a read may need two such fetches
# (a chunk evicted by the other readers in between, or a body that did not decode fetched again).
# The bound is per FUSE request, so the readers read at most 128 KiB, page-aligned.
bound() {
  $PY -c "import sys; t, r = float(sys.argv[1]), int(sys.argv[2]);
print(int(2 * ((r + 1) * t + sum(min(0.2 * 2 ** i, 5) * 1.5 for i in range(r)) + 1)))" "$1" "$2"
}

# readers COUNT → COUNT reader processes for DURATION seconds over both files; sums their JSON
# into $sums: reads eio wrong other worst
readers() {
  local i pids=()
  for ((i = 0; i < $1; i++)); do
    $PY tests/integration/fault_reader.py "$mnt/${files[i % 2]}" "$ref/${files[i % 2]}" \
      "$DURATION" "$i$RANDOM" >"$work/r$i.json" 2>"$work/r$i.err" &
    pids+=($!)
  done
  [ "${restart_after:-}" ] && { sleep "$restart_after"; nginx_restart 1 || fail "nginx did not come back"; }
  for i in "${pids[@]}"; do wait "$i"; done
  sums=$($PY - "$work" <<'PYEOF'
import json, sys, glob
t = {"reads": 0, "eio": 0, "wrong": 0, "other": 0, "worst": 0.0}
for p in sorted(glob.glob(sys.argv[1] + "/r[0-9]*.json")):
    try:
        d = json.load(open(p))
    except Exception:
        t["other"] += 1000000  # a reader died
        continue
    for k in ("reads", "eio", "wrong", "other"):
        t[k] += d[k]
    t["worst"] = max(t["worst"], d["worst"])
print(t["reads"], t["eio"], t["wrong"], t["other"], "%.2f" % t["worst"])
PYEOF
)
  rm -f "$work"/r*.json
}

# recovered CACHE → $rec "ok" when every byte of both files reads right on the mount still up
# (after the failures' short life), and again after a remount on the same cache: offline (every
# byte then comes from the cache), or with $remount_opts.
recovered() {
  local f
  rec=ok
  sleep $FAILED_TTL
  for f in "${files[@]}"; do cmp -s "$mnt/$f" "$ref/$f" || rec="FAILED($f)"; done
  do_unmount "$mnt" "$mnt_pid"
  if ! do_mount "$name-again" "$OMEFS_TEST_HTTP/$n.zarr" -o "cache_dir=$1,${remount_opts:-offline}"; then
    rec="FAILED(remount)"; return
  fi
  for f in "${files[@]}"; do cmp -s "$mnt/$f" "$ref/$f" || rec="FAILED(remounted $f)"; done
  do_unmount "$mnt" "$mnt_pid"
}

echo "| fault | requests | not 2xx | reads | EIO | wrong bytes | other errors | worst read | after, and remounted |"
echo "|---|---|---|---|---|---|---|---|---|"
# run_fault NAME KNOBS NREADERS TIMEOUT RETRIES MAX_EIO_PERCENT → a mount with a fresh disk
# cache, readers under the fault, then recovery; prints a table row
run_fault() {
  local name=$1 knobs=$2 nreaders=$3 timeout=$4 retries=$5 max_eio=$6 start cache="$work/cache-$1"
  [ -z "${FAULT_ONLY:-}" ] || [ "$FAULT_ONLY" = "$name" ] || return 0
  local limit; limit=$(bound "$timeout" "$retries")
  if ! do_mount "$name" "$OMEFS_TEST_HTTP/$n.zarr" \
      -o "timeout=$timeout,retries=$retries,cache_dir=$cache,mem_cache=2M,prefetch=0${cache_opts:-}"; then
    fail "fault $name: mount: $(tail -3 "$work/$name.log")"; return
  fi
  start=$(wc -l <"$log")
  nginx_set "$knobs"
  readers "$nreaders"
  nginx_set "fault=none&rate=0"
  local requests bad
  requests=$(tail -n +"$((start + 1))" "$log" | grep -c "GET /$n.zarr/")
  bad=$(tail -n +"$((start + 1))" "$log" | grep "GET /$n.zarr/" | awk '$9 !~ /^2/' | wc -l)
  read -r reads eio wrong other worst <<<"$sums"
  local alive=yes
  kill -0 "$mnt_pid" 2>/dev/null || alive=no
  recovered "$cache"
  printf "| %s | %s | %s | %s | %s | %s | %s | %s s | %s |\n" "$name" "$requests" "$bad" "$reads" \
    "$eio" "$wrong" "$other" "$worst" "$rec"
  if [ "$wrong" = 0 ] && [ "$other" = 0 ] && [ "$reads" -gt 0 ] && [ "$rec" = ok ] && [ $alive = yes ] &&
     [ "$(echo "$worst <= $limit" | bc)" = 1 ] && [ "$(echo "$eio * 100 <= $max_eio * $reads" | bc)" = 1 ]; then
    ok "fault $name: $reads reads, $eio EIO (at most $max_eio %), 0 wrong bytes, worst ${worst}s (bound ${limit}s), recovered, remounted"
  else
    fail "fault $name: reads=$reads eio=$eio (at most $max_eio %) wrong=$wrong other=$other worst=${worst}s (bound ${limit}s) alive=$alive recovery=$rec"
    grep -E "^omefs: (error|warning): " "$work/$name.log" | tail -8 | sed 's/^/  daemon: /' # why, for the record
  fi
  if grep -q "ERROR: AddressSanitizer\|runtime error" "$work/$name.log" "$work/$name-again.log"; then
    fail "fault $name: sanitizer report in the daemon's log"
  fi
}

run_fault none "fault=none" 4 2 2 0
run_fault e503 "fault=e503&p=30" 4 2 2 100
run_fault e500 "fault=e500&p=30" 4 2 2 100
run_fault e429 "fault=e429&p=30" 4 2 2 100
run_fault cut "fault=cut&p=30" 4 2 2 100
run_fault short "fault=short&p=30" 4 2 2 100
run_fault drop "fault=drop&p=30" 4 2 2 100
run_fault hold "fault=hold&p=15" 4 2 2 100
run_fault stall "fault=stall&p=15&stall_ms=3000" 4 2 2 100
run_fault slow "rate=300000" 4 2 2 100
run_fault corrupt "fault=corrupt&p=30" 4 2 2 100
restart_after=1 run_fault restart "fault=none" 4 2 2 100
# The mix a flaky network gives, at the options a user of one would pass: at most 1 % EIO. The
# disk cache is kept small so that chunks leave it and are fetched again all the while; the
# remount is online (not every chunk is still in the cache). 27 % of the mix's requests fail,
# so a fetch fails all its attempts with a chance of 0.27^(retries+1); a run makes about 160
# fetches, and one chunk failing shows as several EIO (it fails at once for FAILED_TTL) in
# about 90 reads. retries=5 gives that in about 6 % of runs, retries=7 in about 0.5 %.
DURATION=${FAULT_MIX_SECONDS:-10} cache_opts=,cache_size=2M remount_opts=timeout=5 \
  run_fault mix "fault=mix" 8 5 7 1
