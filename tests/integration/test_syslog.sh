#!/usr/bin/env bash
# A daemonized mount (no -f) logs to syslog: a listener on /dev/log (created here, when no
# system logger owns it) receives omefs's lines with its name and pid: the mount, and the error
# of a plate's well that cannot be read, named. Skipped where /dev/log exists or without root.
source "$(dirname "$0")/../lib/integration.sh"
if [ -e /dev/log ]; then
  echo "skip syslog: /dev/log exists (a system logger owns it)"; exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "skip syslog: creating /dev/log needs root"; exit 0
fi
if [ ! -f "$fixtures/plate.json" ]; then
  echo "skip syslog: fixtures missing (make fixtures)"; exit 0
fi
mount_test_start syslog
export ASAN_OPTIONS=detect_leaks=0
lpid=
trap 'mount_cleanup; nginx_stop; [ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -f /dev/log; rm -rf "$work"' EXIT INT TERM
$PY - "$work/syslog.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
PY
lpid=$!
for _ in $(seq 100); do [ -f "$work/syslog.txt.ready" ] && break; sleep 0.05; done

mnt="$work/mnt"
mkdir -p "$mnt"
mounts+=("$mnt")
if "$OMEFS" "$OMEFS_TEST_HTTP/plate.zarr" "$mnt" -o cache_dir=none,log_level=info 2>"$work/err.txt"; then
  [ ! -s "$work/err.txt" ] && ok "syslog: the daemon writes nothing to the terminal" ||
    fail "syslog: the daemon wrote '$(head -2 "$work/err.txt")'"
  ls "$mnt/B3" >/dev/null 2>&1 && fail "syslog: the broken well was listed"
  fusermount3 -u "$mnt"
  for _ in $(seq 40); do grep -q "well B3" "$work/syslog.txt" 2>/dev/null && break; sleep 0.05; done
  grep -aq "omefs\[[0-9]*\]: mounted $OMEFS_TEST_HTTP/plate.zarr on $mnt" "$work/syslog.txt" &&
    ok "syslog: the mount is logged with omefs's name and pid" ||
    fail "syslog: no mount line in '$(head -c 300 "$work/syslog.txt")'"
  line=$(grep -a "omefs\[[0-9]*\]: .*well B3: no field can be opened" "$work/syslog.txt" | head -1)
  # priority LOG_ERR (3) of facility LOG_USER (8): <11>
  [[ "$line" == "<11>"* ]] && ok "syslog: the broken well's error at priority err: ${line:0:150}" ||
    fail "syslog: no error line for B3 (got '$(tail -c 300 "$work/syslog.txt")')"
else
  fail "syslog: the daemonized mount failed: $(cat "$work/err.txt")"
fi
