#!/usr/bin/env bash
# Helpers for integration tests that mount omefs. Source after tests/lib/nginx.sh; set $work
# (a temporary directory) and $OMEFS first. Every mount is recorded and unmounted by
# mount_cleanup, which the caller runs from its EXIT trap, even on failure.
mounts=()
pids=()

# Result lines, counted by tests/run_tests.sh.
ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }

# do_mount NAME SOURCE [options...] → mounts in the foreground (logging to $work/NAME.log) and
# waits until the mount is up; sets $mnt and $mnt_pid. Returns 1 when it does not come up.
do_mount() {
  local name=$1 src=$2; shift 2
  mnt="$work/mnt-$name"
  mkdir -p "$mnt"
  "$OMEFS" -f "$src" "$mnt" "$@" 2>>"$work/$name.log" &
  mnt_pid=$!
  pids+=("$mnt_pid")
  mounts+=("$mnt")
  local _
  for _ in $(seq 200); do
    grep -q " $mnt fuse" /proc/mounts && return 0
    kill -0 "$mnt_pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# do_unmount MNT PID → unmounts and waits for the daemon to exit.
do_unmount() {
  fusermount3 -u "$1" 2>/dev/null || fusermount3 -uz "$1" 2>/dev/null
  wait "$2" 2>/dev/null
}

mount_cleanup() {
  local m p
  for m in "${mounts[@]}"; do
    grep -q " $m fuse" /proc/mounts && { fusermount3 -u "$m" 2>/dev/null || fusermount3 -uz "$m" 2>/dev/null; }
  done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
}

# mount_test_start NAME → the usual start of a mount test: $work (a fresh directory under /tmp),
# an EXIT trap that unmounts, stops nginx and removes $work even on failure, and a private
# nginx serving $fixtures (so the script may change its fault knobs). Exits when nginx fails.
mount_test_start() {
  work=$(mktemp -d "/tmp/omefs-$1-XXXXXX")
  trap 'mount_cleanup; nginx_stop; rm -rf "$work"' EXIT INT TERM
  unset OMEFS_TEST_NGINX_PID OMEFS_TEST_NGINX_DIR
  nginx_start "$fixtures" || { echo "FAIL nginx did not start"; exit 1; }
}
