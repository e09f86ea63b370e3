#!/usr/bin/env bash
# Shared start of the I/O benchmarks: source it from tests/bench/*.sh, then `bench_start NAME`:
# the repository as the working directory ($repo), the tools ($PY, $OMEFS), the benchmark data
# written if missing ($data), a fresh $work directory, and a private nginx serving $data; an
# EXIT trap unmounts, stops nginx and removes $work, even on failure. Also: median (of the
# numbers on stdin, one per line), and busy_ticks / cpu_since: the CPU time the whole machine
# spent (every process and the kernel, all cores) since a mark.
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
repo=$PWD
source tests/lib/nginx.sh
source tests/lib/mount.sh
PY=/usr/bin/python3
OMEFS=$repo/build/omefs
data=$repo/build/bench/data

bench_start() {
  $PY tests/bench/make_bench_data.py "$data" >/dev/null || exit 1
  work=$(mktemp -d "/tmp/omefs-$1-XXXXXX")
  trap 'mount_cleanup; nginx_stop; rm -rf "$work"' EXIT INT TERM
  nginx_start "$data" >/dev/null || { echo "nginx did not start"; exit 1; }
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# user + nice + system + irq + softirq of all cores, in clock ticks
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
cpu_since() { echo "scale=3; ($(busy_ticks) - $1) / $(getconf CLK_TCK)" | bc; }
